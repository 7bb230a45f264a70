// The Node app every Node bundle is built from: parses the fixture page and lists the
// simulator's users (VOMO_SIM_URL, VOMO_SIM_TOKEN) through VomoClient. Prints JSON.
import init, { parseUserPage, VomoClient, VomoError } from "vomo-users";
import page from "./page.json";

async function main() {
  await init();
  const client = new VomoClient({ baseUrl: process.env.VOMO_SIM_URL, token: process.env.VOMO_SIM_TOKEN, requestsPerSecond: 1000 });
  let error = null;
  try {
    parseUserPage("{ not json");
  } catch (e) {
    error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  const users = await client.listAllUsers();
  console.log(JSON.stringify({ ids: parseUserPage(page).data.map((u) => u.id), users: users.length, error }));
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
