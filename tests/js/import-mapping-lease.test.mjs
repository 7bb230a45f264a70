// Imports that share an external-id mapping take turns (docs/import.md, "Imports that share a
// mapping"): the mapping is read before a run sends anything and written after each upsert,
// so two runs with different keys at once would each read an external id as never synced and
// each create a VOMO user for it. Over real HTTP against the simulator: one process sharing a
// mapping object, two mapping objects over one table sharing a store, and two processes
// sharing a FileStore and a file-backed mapping.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { VomoClient, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects } from "./helpers.mjs";

const N = 12;
async function setup(t) {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  return sim;
}
const clientOf = (sim, rps = 500) => new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: rps });
const posts = (sim) => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
/** The same external ids with another email each: the HR system's roster, and the CRM's. */
const roster = (domain) => Array.from({ length: N }, (_, i) => ({ externalId: `ext-${i}`, firstName: `F${i}`, lastName: `L${i}`, email: `p${i}@${domain}` }));
/** A mapping table, and an object over it as one process's code would hold it. */
const table = () => new Map();
const mappingOver = (map) => ({ get: (k) => map.get(k) ?? null, set: (k, v) => { map.set(k, v); } });
/** The VOMO users of the two rosters. */
const rosterUsers = (sim) => sim.listAll().filter((u) => /@(hr|crm)\.example$/.test(u.email));
const isMappingBusy = (e) => e.kind === "busy" && /mapping/.test(e.message) && /create a VOMO user for one external id/.test(e.message);

/** Both runs at once; the first is under way (one record done) before the second starts. */
async function overlapping(first, second) {
  let started;
  const underway = new Promise((resolve) => { started = resolve; });
  const a = first((p) => p.done === 1 && started());
  await underway;
  const b = second();
  return Promise.allSettled([a, b]);
}

test("two imports with different keys and one mapping object, at once: the second rejects busy and sends nothing; one VOMO user per external id; run after, it lists every email change", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const mapping = mappingOver(table());
  const client = clientOf(sim, 40);
  sim.clearLog();
  const [hr, crm] = await overlapping(
    (onProgress) => importRoster(client, roster("hr.example"), { store, key: "hr", mapping, onProgress }),
    () => importRoster(client, roster("crm.example"), { store, key: "crm", mapping }));
  assert.equal(hr.status, "fulfilled", hr.reason?.message);
  assert.equal(hr.value.created.length, N);
  assert.equal(crm.status, "rejected");
  assert.ok(isMappingBusy(crm.reason), crm.reason.message);
  assert.equal(posts(sim), N, "the refused import sent nothing");
  // Before, both ran: 2N users for N external ids.
  assert.equal(rosterUsers(sim).length, N, "one VOMO user per external id");
  // In turn, the second sees what the first synced: every record an email change, none sent,
  // and its key was given back with the refusal (it runs at once).
  const after = await importRoster(client, roster("crm.example"), { store, key: "crm", mapping });
  assert.equal(after.emailChanged.length, N);
  assert.equal(posts(sim), N, "nothing sent");
  assert.equal(rosterUsers(sim).length, N);
});

test("two mapping objects over one table and one store (two workers of a service): the store's mapping lease keeps them apart", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const shared = table();
  sim.clearLog();
  const [hr, crm] = await overlapping(
    (onProgress) => importRoster(clientOf(sim, 40), roster("hr.example"), { store, key: "hr", mapping: mappingOver(shared), onProgress }),
    () => importRoster(clientOf(sim, 40), roster("crm.example"), { store, key: "crm", mapping: mappingOver(shared) }));
  assert.equal(hr.status, "fulfilled", hr.reason?.message);
  assert.equal(crm.status, "rejected");
  assert.ok(isMappingBusy(crm.reason), crm.reason.message);
  assert.match(crm.reason.message, /another import with an external-id mapping in this store holds the lease for \d+ s more/);
  assert.equal(posts(sim), N);
  assert.equal(rosterUsers(sim).length, N);
  // Both leases were given back by the finished run: another import with a mapping runs at once.
  const again = await importRoster(clientOf(sim), roster("hr.example"), { store, key: "hr-2", mapping: mappingOver(shared) });
  assert.equal(again.updated.length, N);
});

test("without a store, one mapping object: the second import in the process rejects busy", async (t) => {
  const sim = await setup(t);
  const mapping = mappingOver(table());
  sim.clearLog();
  const [hr, crm] = await overlapping(
    (onProgress) => importRoster(clientOf(sim, 40), roster("hr.example"), { mapping, onProgress }),
    () => importRoster(clientOf(sim, 40), roster("crm.example"), { mapping }));
  assert.equal(hr.status, "fulfilled", hr.reason?.message);
  assert.ok(crm.status === "rejected" && isMappingBusy(crm.reason), crm.reason?.message);
  assert.match(crm.reason.message, /another import in this process is using this mapping/);
  assert.equal(rosterUsers(sim).length, N);
  // Given back when the run ends, also when it rejects (a bad token: auth; the first roster's
  // records, which the mapping lets through).
  const bad = new VomoClient({ token: "wrong-token-0123456789", baseUrl: sim.url, requestsPerSecond: 500 });
  await rejects(importRoster(bad, roster("hr.example"), { mapping }), "auth");
  const after = await importRoster(clientOf(sim), roster("crm.example"), { mapping });
  assert.equal(after.emailChanged.length, N);
});

test("what takes no turn: a roster without external ids, imports with other mappings, and mappingLease: false", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const mapping = mappingOver(table());
  // One with only spaces: no external id either.
  const noIds = roster("crm.example").map((r, i) => ({ ...r, externalId: i === 0 ? "  " : undefined }));
  const [hr, plain] = await overlapping(
    (onProgress) => importRoster(clientOf(sim, 40), roster("hr.example"), { store, key: "hr", mapping, onProgress }),
    () => importRoster(clientOf(sim, 40), noIds, { store, key: "plain", mapping }));
  assert.equal(hr.status, "fulfilled", hr.reason?.message);
  assert.equal(plain.status, "fulfilled", plain.reason?.message);
  assert.equal(plain.value.created.length, N);
  // The caller keeps them apart itself (the CLI does, with a lock of its own): both run, and
  // both write the one mapping, as they did before the lease.
  const other = new MemoryStore();
  const [x, y] = await overlapping(
    (onProgress) => importRoster(clientOf(sim, 40), roster("hr.example"), { store: other, key: "a", mapping, mappingLease: false, onProgress }),
    () => importRoster(clientOf(sim, 40), roster("hr.example"), { store: other, key: "b", mapping, mappingLease: false }));
  assert.equal(x.status, "fulfilled", x.reason?.message);
  assert.equal(y.status, "fulfilled", y.reason?.message);
  for (const bad of ["yes", 1, {}]) {
    await rejects(importRoster(clientOf(sim), roster("hr.example"), { mapping, mappingLease: bad }), "invalid_input");
  }
});

test("a run killed while it held the mapping: the lease it left is waited out (the message says how long), and the next import runs once it expires", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  // What a killed run leaves: its lease, 100 s from expiry (the key is the store's layout, docs/import.md).
  await store.set("vomo-users/v1/mapping-lease", JSON.stringify({ owner: "import-dead", expires_at: Date.now() + 100_000 }));
  sim.clearLog();
  const e = await rejects(importRoster(clientOf(sim), roster("hr.example"), { store, key: "hr", mapping: mappingOver(table()) }), "busy");
  assert.ok(isMappingBusy(e), e.message);
  assert.match(e.message, /for (99|100) s more \(if none is running, one that was killed holds it until then\)/);
  assert.equal(posts(sim), 0);
  // The key's lease was given back with the refusal; once the dead run's lease expires, it runs.
  await store.set("vomo-users/v1/mapping-lease", JSON.stringify({ owner: "import-dead", expires_at: Date.now() - 1 }));
  const r = await importRoster(clientOf(sim), roster("hr.example"), { store, key: "hr", mapping: mappingOver(table()) });
  assert.equal(r.created.length, N);
});

// Two processes, one FileStore directory for progress and one for the mapping (files a shared
// volume would hold): the lease is the store's, so it holds across processes.
const CHILD = `
import { VomoClient, importRoster } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
const [url, token, stateDir, mappingDir, key, domain] = process.argv.slice(2);
const client = new VomoClient({ token, baseUrl: url, requestsPerSecond: 6 });
const roster = Array.from({ length: ${N} }, (_, i) => ({ externalId: "ext-" + i, firstName: "F" + i, lastName: "L" + i, email: "p" + i + "@" + domain }));
const files = new FileStore(mappingDir);
const mapping = { get: async (k) => JSON.parse((await files.get(k)) ?? "null"), set: (k, v) => files.set(k, JSON.stringify(v)) };
try {
  const r = await importRoster(client, roster, { store: new FileStore(stateDir), key, mapping,
    onProgress: (p) => { if (p.done === 1) console.log("underway"); } });
  console.log(JSON.stringify({ created: r.created.length, emailChanged: r.emailChanged.length }));
} catch (e) {
  console.log(JSON.stringify({ kind: e.kind, message: e.message }));
}
`;

test("two processes sharing a FileStore and a file-backed mapping: the second rejects busy and sends nothing", async (t) => {
  const sim = await setup(t);
  const dir = mkdtempSync(join(tmpdir(), "vomo-mapping-lease-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // In the installed project (this file's folder's parent), so "vomo-users" resolves to it.
  const script = join(fileURLToPath(new URL(".", import.meta.url)), `.mapping-lease-child-${process.pid}.mjs`);
  writeFileSync(script, CHILD);
  t.after(() => rmSync(script, { force: true }));
  const run = (key, domain) => {
    const child = spawn(process.execPath, [script, sim.url, sim.token, join(dir, "state"), join(dir, "mapping"), key, domain]);
    t.after(() => child.kill("SIGKILL"));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => (await lines.next()).value;
    /** Its outcome: the JSON line (after "underway", if it got that far). */
    const result = async () => { for (let line; (line = await next()) !== undefined;) if (line.startsWith("{")) return JSON.parse(line); };
    return { next, result };
  };
  sim.clearLog();
  const hr = run("hr", "hr.example");
  assert.equal(await hr.next(), "underway");
  const crm = await run("crm", "crm.example").result();
  assert.equal(crm.kind, "busy", crm.message);
  assert.ok(isMappingBusy(crm), crm.message);
  assert.deepEqual(await hr.result(), { created: N, emailChanged: 0 });
  assert.equal(posts(sim), N);
  assert.equal(rosterUsers(sim).length, N, "one VOMO user per external id");
  assert.deepEqual(await run("crm", "crm.example").result(), { created: 0, emailChanged: N });
});

/** Moves this process's clocks (Date.now and performance.now, the ones the package reads) on by `ms`; returns the undo. */
function clocks() {
  const [date, perf] = [Date.now, performance.now];
  let skew = 0;
  Date.now = () => date.call(Date) + skew;
  performance.now = () => perf.call(performance) + skew;
  return { advance: (ms) => { skew += ms; }, restore: () => { Date.now = date; performance.now = perf; } };
}

test("a run that reads its mapping for minutes (a slow database, a big roster) keeps its leases: another import meanwhile is refused busy, and no external id gets a second VOMO user", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const shared = table();
  const clock = clocks();
  t.after(clock.restore);
  let reads = 0;
  let second = null;
  // Each read of the first run's mapping takes 4 s (on the moved clocks): 12 reads, 48 s;
  // the whole read of a 40-record roster 160 s, past the leases' 2-minute term. At the 33rd
  // read (132 s in), a second import with another key and the other system's emails starts,
  // and runs while the first waits for that read.
  const records = Array.from({ length: 40 }, (_, i) => ({ externalId: `ext-${i}`, firstName: "F", lastName: "L", email: `p${i}@hr.example` }));
  const slow = {
    get: async (k) => {
      clock.advance(4_000);
      if (++reads === 33) {
        const crm = records.map((r) => ({ ...r, email: r.email.replace("hr.example", "crm.example") }));
        second = await importRoster(clientOf(sim), crm, { store, key: "crm", mapping: mappingOver(shared) }).then((r) => r, (e) => e);
      }
      return shared.get(k) ?? null;
    },
    set: (k, v) => { shared.set(k, v); },
  };
  const first = await importRoster(clientOf(sim), records, { store, key: "hr", mapping: slow }).then((r) => r, (e) => e);
  // Before, the first run's leases ran out while it read: the second took them over and
  // created 40 users; the first then sent a record (a second user for ext-0) before it saw.
  assert.ok(second && isMappingBusy(second), `the second: ${second?.message ?? `it ran, and created ${second?.created?.length} users`}`);
  assert.ok(!(first instanceof Error), `the first: ${first?.message}`);
  assert.equal(first.created.length, 40);
  assert.equal(rosterUsers(sim).length, 40, "one VOMO user per external id");
  assert.equal(sim.listAll().filter((u) => u.email.endsWith("@crm.example")).length, 0);
});

test("an abort while the mapping's get hangs (a database that stopped answering) ends the run at once with aborted, and gives its leases back", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const shared = table();
  let calls = 0;
  const hanging = { get: () => { calls++; return new Promise(() => {}); }, set: (k, v) => { shared.set(k, v); } };
  const stop = new AbortController();
  const run = importRoster(clientOf(sim), roster("hr.example"), { store, key: "hr", mapping: hanging, signal: stop.signal });
  while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
  stop.abort();
  // Before, the run waited for the get for ever (and held both leases until it expired).
  const e = await rejects(run, "aborted");
  assert.match(e.message, /^mapping\.get: aborted/);
  assert.equal(calls, 1, "no read after the abort");
  assert.equal(posts(sim), 0);
  const next = await importRoster(clientOf(sim), roster("hr.example"), { store, key: "hr", mapping: mappingOver(shared) });
  assert.equal(next.created.length, N, "the leases were given back");
  // A slow mapping: an abort between reads stops the reading there.
  let reads = 0;
  const slow = { get: async (k) => { reads++; if (reads === 3) later.abort(); return shared.get(k) ?? null; }, set: (k, v) => { shared.set(k, v); } };
  const later = new AbortController();
  const e2 = await rejects(importRoster(clientOf(sim), roster("crm.example"), { store, key: "crm", mapping: slow, signal: later.signal }), "aborted");
  assert.match(e2.message, /aborted/);
  assert.equal(reads, 3, "no read after the abort");
});
