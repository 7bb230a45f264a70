// The app module of docs/bundlers.md's Bun recipe (src/app.js, imported by src/main.js after
// `await init(...)`), for a page: it calls the package at its top level, which works only
// because main.js imports it after init, and startApp() lists the simulator's users (its URL
// and token in the page's query string). Reports in window.result.
import { parseUserPage, VomoClient, VomoError } from "vomo-users";
import page from "./page.json";

const ids = parseUserPage(page).data.map((u) => u.id);

export async function startApp() {
  try {
    const query = new URLSearchParams(location.search);
    const client = new VomoClient({ baseUrl: query.get("sim"), token: query.get("token"), requestsPerSecond: 1000 });
    let error = null;
    try {
      parseUserPage("{ not json");
    } catch (e) {
      error = { isVomoError: e instanceof VomoError, kind: e.kind };
    }
    window.result = { ids, users: (await client.listAllUsers()).length, error };
  } catch (e) {
    window.result = { failed: `${e?.name}: ${e?.message}` };
  }
}
