// Run by runtimes.test.mjs under Node 26: a poll of the simulator's users into
// `new LocalStorageStore()`, which takes Node's own `localStorage` (there when Node runs with
// --localstorage-file=PATH). Prints one line of JSON; a failure is reported in it as
// { failure: { kind, message } }.
import { VomoClient, UserPoller } from "vomo-users";
import { LocalStorageStore } from "vomo-users/stores";
import process from "node:process";

const out = {};
try {
  const client = new VomoClient({ token: process.env.VOMO_SIM_TOKEN, baseUrl: process.env.VOMO_SIM_URL, requestsPerSecond: 1000 });
  const delivered = [];
  const poller = new UserPoller({ client, store: new LocalStorageStore(), customerId: "node-storage",
    onUser: (event) => { delivered.push(event.user.id); } });
  const report = await poller.poll();
  out.complete = report.complete;
  out.delivered = delivered.length;
  out.stored = Object.keys(globalThis.localStorage).filter((k) => k.startsWith("vomo-users/v1/node-storage/")).length > 0;
} catch (e) {
  out.failure = { kind: e?.kind, message: String(e?.message ?? e) };
}
console.log(JSON.stringify(out));
