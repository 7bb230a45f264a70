// The program runtimes.test.mjs runs under Bun, Deno and Node, from a folder of the project
// that installed the tarball: both entries by `import`, the main one by `require` too (one
// wasm instance between them), a page and a roster file parsed, the simulator's users listed
// over real HTTP and polled twice into a FileStore. Reads only the environment variables
// named here (Deno is run with exactly these allowed). Prints one line of JSON; a failure is
// reported in it as { failure: { kind, message } }.
import init, * as vomo from "vomo-users";
import * as parse from "vomo-users/parse";
import { FileStore } from "vomo-users/stores/file";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";

const { APP_DIR, STATE_DIR, VOMO_SIM_URL, VOMO_SIM_TOKEN } = process.env;
const out = {};
try {
  await init();
  const page = readFileSync(join(APP_DIR, "page.json"), "utf8");
  out.ids = vomo.parseUserPage(page).data.map((u) => u.id);
  out.parseIds = parse.parseUserPage(page).data.map((u) => u.id);
  out.sameInstance = createRequire(import.meta.url)("vomo-users").VomoError === vomo.VomoError;
  try {
    vomo.parseUserPage("{ not json");
  } catch (e) {
    out.error = { isVomoError: e instanceof vomo.VomoError, kind: e.kind };
  }
  out.roster = vomo.parseRosterCsv(readFileSync(join(APP_DIR, "roster.csv"))).records.map((r) => r.firstName);
  const client = new vomo.VomoClient({ token: VOMO_SIM_TOKEN, baseUrl: VOMO_SIM_URL, requestsPerSecond: 1000 });
  out.users = (await client.listAllUsers()).length;
  const delivered = [];
  const poller = new vomo.UserPoller({ client, store: new FileStore(STATE_DIR), customerId: "runtime",
    onUser: (event) => { delivered.push(event.user.id); } });
  const first = await poller.poll();
  const second = await poller.poll(); // nothing changed since: nothing is delivered again
  out.polled = { complete: first.complete && second.complete, delivered: delivered.length, distinct: new Set(delivered).size };
} catch (e) {
  out.failure = { kind: e?.kind, message: String(e?.message ?? e) };
}
console.log(JSON.stringify(out));
