// The options the package's declarations mark optional take `undefined` as well as absence,
// in the types (under TypeScript's `exactOptionalPropertyTypes`, where `key?: T` refuses an
// explicit `undefined`: `{ signal: maybeSignal }` did not compile) and at run time. The
// interfaces and their optional keys are read from the installed declarations themselves.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { VomoClient, UserPoller, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { compile } from "./types/tsc.mjs";

// The input interfaces of each entry point's declarations (an outside pass found the roster's
// externalId, the FileStore's and the simulator's options missed when only the first was read).
const INPUTS = {
  "vomo-users": ["UserFilters", "CallOptions", "VomoClientOptions", "UpsertUserInput", "UserPollerOptions", "ReconcileOptions",
    "PollOptions", "StoredBaseUrlOptions", "RosterRecord", "ImportRosterRunOptions", "StoredImportBaseUrlOptions"],
  "vomo-users/stores/file": ["FileStoreOptions"],
  "vomo-users/sim": ["SimulatorOptions", "SimulatorQuirks", "SimulatorRateLimit", "SimulatorFaultMatch"],
};
const require = createRequire(import.meta.url);
const DTS = { "vomo-users": require.resolve("vomo-users").replace(/index\.cjs$/, "index.d.ts"),
  "vomo-users/stores/file": require.resolve("vomo-users/stores/file").replace(/\.c?js$/, ".d.ts"),
  "vomo-users/sim": require.resolve("vomo-users/sim").replace(/\.c?js$/, ".d.ts") };
const dtsOf = (from) => readFileSync(DTS[from], "utf8");

/** The optional keys an interface of the declarations names itself (not those it extends). */
function optionalKeys(name, from = "vomo-users") {
  const dts = dtsOf(from);
  const start = dts.search(new RegExp(`export interface ${name}\\b[^{]*\\{\\n`));
  assert.ok(start >= 0, `${name} is declared in ${DTS[from]}`);
  const body = dts.slice(dts.indexOf("{", start) + 1, dts.indexOf("\n}", start));
  return [...body.matchAll(/(?:^ {2}|; )(\w+)\?:/gm)].map((m) => m[1]);
}
const undef = (name, from) => Object.fromEntries(optionalKeys(name, from).map((k) => [k, undefined]));

test("every optional key of the input interfaces takes an explicit undefined under exactOptionalPropertyTypes", () => {
  const lines = [];
  let n = 0;
  for (const [from, names] of Object.entries(INPUTS)) {
    lines.push(`import type { ${names.join(", ")} } from "${from}";`);
    for (const name of names) {
      for (const key of optionalKeys(name, from)) lines.push(`export const k${n++}: Pick<${name}, "${key}"> = { ${key}: undefined };`);
    }
  }
  assert.ok(n >= 70, `${n} optional keys`);
  // The option bags declared inline, and each fault type's own parameters.
  lines.push(
    `import { parseUser } from "vomo-users";`, `import { KvStore } from "vomo-users/stores";`, `import type { SimulatorFault } from "vomo-users/sim";`,
    `export const u = parseUser("{}", { onWarning: undefined });`,
    `export const kv = new KvStore({ get: async () => null, put: async () => {}, delete: async () => {} }, { prefix: undefined });`,
    `export const f1: SimulatorFault = { type: "status", status: undefined, body: undefined, headers: undefined, path: undefined };`,
    `export const f2: SimulatorFault = { type: "delay", ms: undefined, times: undefined };`,
  );
  const r = compile(lines.join("\n") + "\n", { exactOptionalPropertyTypes: true });
  assert.ok(r.ok, r.out);
});

test("a simulator fault's types take only its own type's parameters, as injectFault does", () => {
  const source = `import type { SimulatorFault } from "vomo-users/sim";
export const ok: SimulatorFault[] = [{ type: "status", status: 503, body: "x", headers: {} }, { type: "delay", ms: 5 }, { type: "reset", times: "always" }];
// @ts-expect-error a nonjson fault answers 200 whatever its status
export const a: SimulatorFault = { type: "nonjson", status: 500 };
// @ts-expect-error ms is the delay fault's
export const b: SimulatorFault = { type: "status", ms: 5 };
// @ts-expect-error limit is computed, not an option
export const c: import("vomo-users/sim").SimulatorOptions = { rateLimit: { requestsPerSecond: 5, limit: 3 } };
`;
  const r = compile(source);
  assert.ok(r.ok, r.out);
  assert.equal(compile(source.replaceAll("// @ts-expect-error", "//")).out.match(/error TS/g)?.length, 3);
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
  const r2 = await importRoster(client, [{ ...undef("RosterRecord"), firstName: "Ro", lastName: "Ster", email: "ro@ster.example" }]);
  assert.equal(r2.created.length, 1);
  const other = await startSimulator({ ...undef("SimulatorOptions", "vomo-users/sim"), port: 0,
    quirks: undef("SimulatorQuirks", "vomo-users/sim"), rateLimit: { ...undef("SimulatorRateLimit", "vomo-users/sim"), requestsPerSecond: 50 } });
  t.after(() => other.close());
  assert.equal(other.count(), 500, "the default users");
  other.injectFault({ ...undef("SimulatorFaultMatch", "vomo-users/sim"), type: "status", status: undefined, body: undefined, headers: undefined });
  other.injectFault({ type: "delay", ms: undefined });
  const { FileStore } = await import("vomo-users/stores/file");
  assert.equal(typeof new FileStore(join(tmpdir(), "vomo-optional"), undef("FileStoreOptions", "vomo-users/stores/file")).dir, "string");
});
