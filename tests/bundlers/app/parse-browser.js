// The browser app of a page that only parses: `vomo-users/parse`, before and after init().
// Reports in window.result, as browser.js does.
import init, { parseUserPage, VomoError } from "vomo-users/parse";
import page from "./page.json";

function describe(e) {
  return { isVomoError: e instanceof VomoError, kind: e.kind, saysInit: /await init\(\)/.test(e.message) };
}

async function main() {
  const result = {};
  try {
    parseUserPage(page);
    result.beforeInit = "no error";
  } catch (e) {
    result.beforeInit = describe(e);
  }
  await init();
  result.ids = parseUserPage(page).data.map((u) => u.id);
  try {
    parseUserPage("{ not json");
  } catch (e) {
    result.error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  window.result = result;
}
main().catch((e) => { document.title = "failed"; throw e; });
