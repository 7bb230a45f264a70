// A Web Worker built on its own (webpack's `target: "webworker"`): it resolves the package as a
// page does (the `browser` condition), calls init() and parses; posts the result to its page.
import init, { parseUserPage, VomoError } from "vomo-users";
import page from "./page.json";

(async () => {
  await init();
  const result = { ids: parseUserPage(page).data.map((u) => u.id) };
  try {
    parseUserPage("{ not json");
  } catch (e) {
    result.error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  postMessage(result);
})().catch((e) => postMessage({ failed: String(e?.message ?? e) }));
