// The Node app of a service that only parses: `vomo-users/parse`. Prints JSON.
import init, { parseUserPage, VomoError } from "vomo-users/parse";
import page from "./page.json";

async function main() {
  await init();
  let error = null;
  try {
    parseUserPage("{ not json");
  } catch (e) {
    error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  console.log(JSON.stringify({ ids: parseUserPage(page).data.map((u) => u.id), error }));
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
