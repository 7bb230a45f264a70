// What a runtime's permission refusals become (runtimes.test.mjs): run with no right to write
// STATE_DIR and, under Deno, none to reach the network. Prints one line of JSON: the listing's
// error and the attempts it logged, a FileStore write's error, a poll's error.
import { VomoClient, UserPoller } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
import process from "node:process";

const { STATE_DIR, VOMO_SIM_URL, VOMO_SIM_TOKEN } = process.env;
const failure = (e) => ({ kind: e?.kind ?? null, retryable: e?.retryable ?? null, status: e?.status ?? null, message: String(e?.message ?? e) });
const out = {};
const logged = [];
const client = new VomoClient({ token: VOMO_SIM_TOKEN, baseUrl: VOMO_SIM_URL, requestsPerSecond: 1000,
  log: (entry) => { logged.push(entry.error ?? entry.status); } });
try {
  out.users = (await client.listAllUsers()).length;
} catch (e) {
  out.list = failure(e);
}
out.logged = logged;
try {
  await new FileStore(STATE_DIR).set("k", "v");
} catch (e) {
  out.store = failure(e);
}
try {
  await new UserPoller({ client, store: new FileStore(STATE_DIR), customerId: "perm", onUser() {} }).poll();
} catch (e) {
  out.poll = failure(e);
}
console.log(JSON.stringify(out));
