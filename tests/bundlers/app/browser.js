// The browser app every browser bundler builds: a call before init() fails with a clear
// VomoError, then init() loads the wasm and the page parses. Reports in window.result.
import init, { parseUserPage, VomoClient, VomoError } from "vomo-users";
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
  try {
    new VomoClient({ baseUrl: "https://api.example.org/v1", token: "t" });
    result.clientBeforeInit = "no error";
  } catch (e) {
    result.clientBeforeInit = describe(e);
  }
  try {
    await init();
  } catch (e) {
    // A build that does not serve the .wasm: reported for the tests of that failure.
    result.initError = { isVomoError: e instanceof VomoError, kind: e.kind, status: e.status, message: e.message };
    window.result = result;
    return;
  }
  result.ids = parseUserPage(page).data.map((u) => u.id);
  try {
    parseUserPage("{ not json");
  } catch (e) {
    result.error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  window.result = result;
}
main().catch((e) => { document.title = "failed"; throw e; });
