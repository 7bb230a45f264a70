// The options the package's declarations mark optional take `undefined` as well as absence,
// in the types (under TypeScript's `exactOptionalPropertyTypes`, where `key?: T` refuses an
// explicit `undefined`: `{ signal: maybeSignal }` did not compile) and at run time. The
// interfaces and their optional keys are read from the installed declarations themselves.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { VomoClient, UserPoller, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { compile } from "./types/tsc.mjs";

const INPUTS = ["UserFilters", "CallOptions", "VomoClientOptions", "UpsertUserInput", "UserPollerOptions", "ReconcileOptions",
  "PollOptions", "StoredBaseUrlOptions", "ImportRosterRunOptions", "StoredImportBaseUrlOptions"];
const dts = readFileSync(createRequire(import.meta.url).resolve("vomo-users").replace(/index\.cjs$/, "index.d.ts"), "utf8");

/** The optional keys an interface of the declarations names itself (not those it extends). */
function optionalKeys(name) {
  const start = dts.search(new RegExp(`export interface ${name}\\b[^{]*\\{\\n`));
  assert.ok(start >= 0, `${name} is declared`);
  const body = dts.slice(dts.indexOf("{", start) + 1, dts.indexOf("\n}", start));
  return [...body.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]);
}
const undef = (name) => Object.fromEntries(optionalKeys(name).map((k) => [k, undefined]));

test("every optional key of the input interfaces takes an explicit undefined under exactOptionalPropertyTypes", () => {
  const lines = [`import type { ${INPUTS.join(", ")} } from "vomo-users";`];
  let n = 0;
  for (const name of INPUTS) {
    for (const key of optionalKeys(name)) lines.push(`export const k${n++}: Pick<${name}, "${key}"> = { ${key}: undefined };`);
  }
  assert.ok(n >= 40, `${n} optional keys`);
  const r = compile(lines.join("\n") + "\n", { exactOptionalPropertyTypes: true });
  assert.ok(r.ok, r.out);
});

test("at run time, every optional key given as undefined is taken as absent", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 4 });
  t.after(() => sim.close());
  const client = new VomoClient({ ...undef("VomoClientOptions"), token: sim.token, baseUrl: sim.url });
  const call = undef("CallOptions");
  assert.equal((await client.listAllUsers(undef("UserFilters"), call)).length, 20);
  const up = await client.upsertUser({ ...undef("UpsertUserInput"), firstName: "Un", lastName: "Defined", email: "un@defined.example" }, call);
  assert.equal(up.created, true);
  const store = new MemoryStore();
  const poller = new UserPoller({ ...undef("UserPollerOptions"), client, store, customerId: "acme" });
  // 20, or 21 with the user upserted above (younger than the window margin, it may wait).
  assert.ok((await poller.poll(undef("PollOptions"))).processed >= 20);
  assert.deepEqual((await poller.reconcile(undef("ReconcileOptions"))).missing, []);
  assert.equal(await UserPoller.storedBaseUrl({ ...undef("StoredBaseUrlOptions"), store, customerId: "acme" }), sim.url);
  const r = await importRoster(client, [{ firstName: "Im", lastName: "Port", email: "im@port.example" }], { ...undef("ImportRosterRunOptions"), store, key: "k" });
  assert.equal(r.created.length, 1);
  assert.equal(await importRoster.storedBaseUrl({ ...undef("StoredImportBaseUrlOptions"), store, key: "k" }), sim.url);
});
