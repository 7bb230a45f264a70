// Store adapters through the installed package (issue 5, item 1): FileStore (Node, atomic
// writes) from "vomo-users/stores/file", and the runtime-agnostic adapters from
// "vomo-users/stores" against in-process stand-ins here (their real platforms are exercised
// in tests/worker/stores.test.mjs and tests/browser/stores.test.mjs). Ends with a full
// UserPoller backfill + incremental poll on a FileStore, then a restart on the same directory.
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, fileNameOf } from "vomo-users/stores/file";
import { readOnlyMount } from "./read-only-mount.mjs";
import { LocalStorageStore, DurableObjectStore, KvStore } from "vomo-users/stores";
import { VomoError } from "vomo-users";
// The stores throw the package's VomoError (kind invalid_input), instanceof the main entry's class.
const invalid = (e) => e instanceof VomoError && e.kind === "invalid_input";
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { createRequire } from "node:module";
import { startSimulator } from "vomo-users/sim";

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-filestore-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const temps = (dir) => readdirSync(dir).filter((n) => n.startsWith("."));

test("FileStore: round trip, overwrite, missing keys, a second instance reads the same", async (t) => {
  const dir = join(tempDir(t), "not-yet-created");
  const store = new FileStore(dir);
  assert.equal(await store.get("vomo-users/v1/acme/checkpoint"), null, "a missing directory reads as empty");
  await store.set("vomo-users/v1/acme/checkpoint", "one");
  assert.equal(await store.get("vomo-users/v1/acme/checkpoint"), "one");
  await store.set("vomo-users/v1/acme/checkpoint", "two");
  assert.equal(await store.get("vomo-users/v1/acme/checkpoint"), "two");
  await store.set("empty", "");
  assert.equal(await store.get("empty"), "", "an empty string is a value, not null");
  const big = JSON.stringify({ ids: Array.from({ length: 15_000 }, (_, i) => 100_000 + i) }).slice(0, 100 * 1024);
  await store.set("big", big);
  assert.equal((await store.get("big")).length, 100 * 1024);
  await store.set("unicode", "Zoë 🚀 ünïcödé");
  const again = new FileStore(dir);
  assert.equal(await again.get("vomo-users/v1/acme/checkpoint"), "two");
  assert.equal(await again.get("big"), big);
  assert.equal(await again.get("unicode"), "Zoë 🚀 ünïcödé");
  assert.equal(again.dir, store.dir);
  await again.delete("empty");
  await again.delete("never-set");
  assert.equal(await store.get("empty"), null);
  assert.deepEqual(temps(dir), []);
});

test("FileStore: keys with slashes, dots, case, non-ASCII and great length map to distinct safe files", async (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  const keys = ["a/b", "a%2Fb", "a%2fb", "a_b", "A/B", "ab", "AB", "Ab", ".", "..", "../escape", "/etc/passwd",
    "a\\b", "a:b*c?d", "state.0", ".hidden", "x".repeat(300), "x".repeat(301), "é/".repeat(150),
    "vomo-users/v1/Cust/Ömer#1/lease", "  spaced  ", "~tilde"];
  for (const [i, k] of keys.entries()) await store.set(k, `value ${i}`);
  for (const [i, k] of keys.entries()) assert.equal(await store.get(k), `value ${i}`, `key ${JSON.stringify(k)}`);
  const files = readdirSync(dir);
  assert.equal(files.length, keys.length, "one file per key, all inside the directory");
  // Distinct even on a case-insensitive file system (macOS, Windows).
  assert.equal(new Set(files.map((f) => f.toLowerCase())).size, keys.length);
  for (const f of files) {
    assert.ok(!f.startsWith("."), `${f} is not hidden, not . or ..`);
    assert.ok(Buffer.byteLength(f) <= 255, `${f.length} bytes`);
    assert.match(f, /^[a-z0-9_.%~-]+$/i);
  }
  assert.equal(fileNameOf("vomo-users/v1/acme/state.0"), "vomo-users%2Fv1%2Facme%2Fstate.0");
  assert.match(fileNameOf("x".repeat(300)), /^x+~[0-9a-f]{64}$/);
  assert.notEqual(fileNameOf("x".repeat(300)), fileNameOf("x".repeat(301)));
  assert.ok(!readdirSync(join(dir, "..")).includes("escape"), "nothing written outside the directory");
  await assert.rejects(() => store.set("", "x"), invalid);
  assert.throws(() => new FileStore(""), invalid);
});

test("FileStore: writes are atomic: concurrent readers never see a torn value, no temp file is left", async (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  const A = "A".repeat(100 * 1024), B = "B".repeat(100 * 1024);
  await store.set("k", A);
  let stop = false, reads = 0;
  const reader = (async () => {
    const other = new FileStore(dir);
    while (!stop) {
      const v = await other.get("k");
      reads++;
      assert.ok(v === A || v === B, `torn read: ${v.length} chars, starts ${v.slice(0, 1)}, ends ${v.slice(-1)}`);
    }
  })();
  for (let i = 0; i < 60; i++) await store.set("k", i % 2 ? A : B);
  // Concurrent writers to one key: last rename wins, each value whole.
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.set("k", i % 2 ? A : B)));
  stop = true;
  await reader;
  assert.ok(reads > 10, `${reads} reads interleaved`);
  assert.ok([A, B].includes(await store.get("k")));
  assert.deepEqual(temps(dir), [], "no temp file left behind");
  assert.deepEqual(readdirSync(dir), ["k"]);
});

test("FileStore: a crash mid-write (a temp file left behind) does not corrupt the value", async (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  const key = "vomo-users/v1/acme/state";
  await store.set(key, '{"v":1,"chunks":1}');
  // What a process killed between write and rename leaves: a torn temp file next to the value.
  writeFileSync(join(dir, ".tmp-0123456789abcdef"), '{"v":1,"chu');
  const restarted = new FileStore(dir);
  assert.equal(await restarted.get(key), '{"v":1,"chunks":1}', "the old value, whole");
  await restarted.set(key, '{"v":1,"chunks":2}');
  assert.equal(await new FileStore(dir).get(key), '{"v":1,"chunks":2}');
  assert.equal(readFileSync(join(dir, fileNameOf(key)), "utf8"), '{"v":1,"chunks":2}');
  assert.deepEqual(temps(dir), [".tmp-0123456789abcdef"], "the stray temp file is never read as a key");
});

test("stores: LocalStorageStore, DurableObjectStore and KvStore map get/set onto their platform API", async () => {
  const webStorage = () => {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)),
             removeItem: (k) => m.delete(k), map: m };
  };
  const ws = webStorage();
  const local = new LocalStorageStore(ws, "app:");
  assert.equal(local.get("k"), null);
  assert.equal(local.set("k", "v"), undefined, "synchronous");
  assert.equal(local.get("k"), "v");
  assert.deepEqual([...ws.map.keys()], ["app:k"]);
  local.delete("k");
  assert.equal(local.get("k"), null);
  // A full origin: the browser's QuotaExceededError, said plainly, with the key; the browser's error is the cause.
  const quota = new DOMException("Setting the value of 'app:big' exceeded the quota.", "QuotaExceededError");
  const full = new LocalStorageStore({ ...ws, setItem: () => { throw quota; } }, "app:");
  assert.throws(() => full.set("big", "x".repeat(10)), (e) => e instanceof VomoError && e.kind === "network" && e.cause === quota
    && e.message.startsWith(`LocalStorageStore: this origin's localStorage is full (QuotaExceededError; about 5 MiB in all): "app:big" (10 characters) was not written;`));
  const other = new Error("a storage that fails otherwise");
  assert.throws(() => new LocalStorageStore({ ...ws, setItem: () => { throw other; } }).set("k", "v"), (e) => e === other, "anything else as it was");
  assert.throws(() => new LocalStorageStore(undefined), (e) => invalid(e) && /no localStorage: pass a Web Storage object/.test(e.message)
    && /--localstorage-file=PATH/.test(e.message), "no localStorage in this Node: a clear error, and the flag of Node 25 and later");
  assert.throws(() => new LocalStorageStore({ getItem() {} }), (e) => invalid(e)
    && e.message === "LocalStorageStore: storage must have getItem() and setItem() and removeItem()");
  // KvStore's { prefix } form here would have prefixed every key with "[object Object]".
  assert.throws(() => new LocalStorageStore(ws, { prefix: "app:" }), (e) => invalid(e)
    && e.message === "LocalStorageStore: prefix must be a string (the second argument itself, not { prefix }), got object");

  const m = new Map();
  const doStore = new DurableObjectStore({ get: async (k) => m.get(k), put: async (k, v) => { m.set(k, v); },
                                           delete: async (k) => m.delete(k) });
  assert.equal(await doStore.get("k"), null, "undefined from storage.get becomes null");
  await doStore.set("k", "v");
  assert.equal(await doStore.get("k"), "v");
  await doStore.delete("k");
  assert.equal(await doStore.get("k"), null);
  assert.throws(() => new DurableObjectStore({}), invalid);

  const kvMap = new Map();
  const calls = [];
  const kv = new KvStore({ get: async (k, type) => { calls.push(["get", k, type]); return kvMap.get(k) ?? null; },
                           put: async (k, v) => { calls.push(["put", k]); kvMap.set(k, v); },
                           delete: async (k) => { kvMap.delete(k); } }, { prefix: "p/" });
  assert.equal(await kv.get("k"), null);
  await kv.set("k", "v");
  assert.equal(await kv.get("k"), "v");
  assert.deepEqual(calls, [["get", "p/k", "text"], ["put", "p/k"], ["get", "p/k", "text"]]);
  assert.equal(new KvStore({ get() {}, put() {}, delete() {} }) instanceof KvStore, true, "options optional");
  assert.throws(() => new KvStore(null), invalid);
});

test("every store refuses a value that is not text (it would have kept \"[object Object]\"), writing nothing; instanceof holds across import and require", async (t) => {
  const require = createRequire(import.meta.url);
  const cjs = { ...require("vomo-users/stores"), ...require("vomo-users/stores/file"), MemoryStore: require("vomo-users").MemoryStore };
  const esm = { LocalStorageStore, DurableObjectStore, KvStore, FileStore, MemoryStore };
  const m = new Map();
  const platform = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, v), removeItem: (k) => m.delete(k),
    get: async (k) => m.get(k), put: async (k, v) => { if (typeof k === "object") for (const [a, b] of Object.entries(k)) m.set(a, b); else m.set(k, v); },
    delete: async (k) => m.delete(k) };
  const dir = tempDir(t);
  const make = { LocalStorageStore: (C) => new C(platform), DurableObjectStore: (C) => new C(platform), KvStore: (C) => new C(platform),
    FileStore: (C) => new C(dir), MemoryStore: (C) => new C() };
  for (const name of Object.keys(make)) {
    // The main entry's `import` loads its `require` build (one class); the stores' sub-paths are two files.
    if (name !== "MemoryStore") assert.notEqual(esm[name], cjs[name], `${name}: import and require give two copies of the class`);
    for (const [made, other] of [[esm, cjs], [cjs, esm]]) {
      const store = make[name](made[name]);
      assert.ok(store instanceof other[name] && store instanceof made[name], `${name}: instanceof across import and require`);
      assert.ok(!(store instanceof (name === "FileStore" ? other.MemoryStore : other.FileStore)), `${name}: not another store`);
      for (const [value, said] of [[{ a: 1 }, "object"], [42, "number"], [undefined, "undefined"], [null, "null"], [["x"], "an array"]]) {
        const tries = [() => store.set("k", value), ...(store.setIf ? [() => store.setIf("k", null, value)] : []),
          ...(store.setMany ? [() => store.setMany([["k", value]])] : [])];
        for (const attempt of tries) {
          await assert.rejects(async () => attempt(), (e) => invalid(e) && new RegExp(`^${name}\\.set(If|Many)?: a value must be a string \\(UserPoller and importRoster store JSON text\\), got ${said}$`).test(e.message), `${name}: ${said}`);
        }
        assert.equal(await store.get("k"), null, `${name}: nothing written for ${said}`);
      }
      await store.set("k", "text");
      assert.equal(await store.get("k"), "text");
      await store.delete("k");
    }
  }
  assert.ok(!({} instanceof FileStore) && !(null instanceof KvStore), "plain values are no store");
  class MyStore extends MemoryStore {}
  assert.ok(new MyStore() instanceof MemoryStore && !(new MemoryStore() instanceof MyStore), "a subclass keeps instanceof's own meaning");
});

test("FileStore + UserPoller: backfill, incremental poll, then a new FileStore on the same directory continues without redelivery", async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({ port: 0, users: 70, seed: 41, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500 });
  const seen = [];
  const onUser = ({ kind, user }) => { seen.push({ kind, key: `${user.id}@${user.updatedAt}` }); };
  const poller = new UserPoller({ client, store: new FileStore(dir), customerId: "acme-eu", onUser });

  const r1 = await poller.poll();
  assert.equal(r1.processed, 70);
  assert.equal(seen.length, 70);
  assert.ok(readdirSync(dir).length >= 2, "state and lease are files");
  assert.ok(readdirSync(dir).every((f) => f.startsWith("vomo-users%2Fv1%2Facme-eu%2F")), readdirSync(dir).join(" "));
  assert.deepEqual(temps(dir), []);

  const ids = sim.listAll().map((u) => u.id);
  sim.updateUser(ids[5], { first_name: "Changed" });
  sim.updateUser(ids[50], { phone: "555-0100" });
  const made = sim.createUser({ email: "new.one@example.org" }).id;
  sim.advanceClock(10_000);
  const r2 = await poller.poll();
  assert.equal(r2.processed, 3);
  assert.deepEqual(seen.slice(70).map((e) => e.kind).sort(), ["created", "updated", "updated"]);
  assert.ok(seen.slice(70).some((e) => e.key.startsWith(`${made}@`)));

  // A restart: new process, new FileStore on the same directory.
  sim.advanceClock(10_000);
  const restarted = new UserPoller({ client, store: new FileStore(dir), customerId: "acme-eu", onUser });
  const r3 = await restarted.poll();
  assert.equal(r3.processed, 0, "nothing redelivered after the restart");
  assert.ok(Date.parse(r3.checkpoint) >= Date.parse(r2.checkpoint));
  sim.updateUser(made, { last_name: "Later" });
  sim.advanceClock(10_000);
  const r4 = await restarted.poll();
  assert.equal(r4.processed, 1);
  assert.equal(seen.at(-1).kind, "updated", "the id known from before the restart is an update");
  assert.equal(new Set(seen.map((e) => e.key)).size, seen.length, "no (id, updatedAt) delivered twice");
  assert.equal(seen.length, 74);
  assert.deepEqual(temps(dir), []);
});

test("FileStore: a directory no retry can mend (here a file) is invalid_input with the fs error as cause; a poll on it stops, not retryable", async (t) => {
  const file = join(tempDir(t), "a-file");
  writeFileSync(file, "x");
  const store = new FileStore(join(file, "state"));
  for (const run of [() => store.get("k"), () => store.set("k", "v"), () => store.delete("k")]) {
    await assert.rejects(run(), (e) => invalid(e) && e.cause?.code === "ENOTDIR" && /FileStore: the directory .* cannot be used: ENOTDIR/.test(e.message));
  }
  const sim = await startSimulator({ port: 0, users: 3 });
  t.after(() => sim.close());
  const poller = new UserPoller({ client: new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500 }),
    store, customerId: "acme", onUser() {} });
  await assert.rejects(poller.poll(), (e) => invalid(e) && e.retryable === false && e.cause?.cause?.code === "ENOTDIR");
});

test("a store whose get gives something other than text or null (bytes, a parsed JSON value, a number) is refused naming what came back; nothing is delivered", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(60_000);
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const cases = [
    [(v) => Buffer.from(v), /returned bytes: return them decoded as UTF-8 text$/],
    [(v) => JSON.parse(v), /returned an object: return the text exactly as it was set/],
    [() => 42, /returned neither text nor null$/],
  ];
  for (const [change, message] of cases) {
    const map = new Map([["vomo-users/v1/acme/lease", JSON.stringify({ owner: "gone", expires_at: 0 })]]);
    let delivered = 0;
    const store = { get: (k) => (map.has(k) ? change(map.get(k)) : null), set: (k, v) => { map.set(k, v); } };
    const poller = new UserPoller({ client, store, customerId: "acme", onUser: () => { delivered++; } });
    const e = await poller.poll().then(() => null, (err) => err);
    assert.ok(e instanceof VomoError, String(e));
    assert.equal(e.kind, "invalid_input");
    assert.match(e.message, message);
    assert.equal(delivered, 0);
  }
});

test("one store for polls and imports: the names whose keys would overlap are refused (customerId \"import\", an import key with '/'), nothing written or sent", async (t) => {
  const { MemoryStore, importRoster } = await import("vomo-users");
  const sim = await startSimulator({ port: 0, users: 3 });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url });
  const store = new MemoryStore();
  // The poller of customer "import" would keep its state at vomo-users/v1/import/state, where
  // an import with key "state" keeps its progress.
  assert.throws(() => new UserPoller({ client, store, customerId: "import" }), (e) => invalid(e)
    && e.message === "UserPoller: customerId must not be \"import\": the store keeps the imports' progress under that name");
  // The import "a/lease" would write the lease of the import "a".
  const records = [{ firstName: "Ana", lastName: "Lima", email: "ana@example.org" }];
  await assert.rejects(importRoster(client, records, { store, key: "a/lease" }), (e) => invalid(e)
    && e.message === "importRoster: key must not contain '/': it would share store keys with another import's");
  assert.deepEqual(store.keys(), []);
  assert.equal(sim.log().length, 0, "nothing sent");
  // Other names are fine, "Import" among them.
  await new UserPoller({ client, store, customerId: "Import" }).poll();
  assert.equal((await importRoster(client, records, { store, key: "state" })).created.length, 1);
});

test("FileStore under a directory that takes no new directories (/proc): invalid_input at once, not a spin", { skip: !existsSync("/proc/self") && "no /proc here", timeout: 60_000 }, async () => {
  const store = new FileStore("/proc/vomo-users-test/state");
  for (const run of [() => store.set("k", "v"), () => store.setIf("k", null, "v")]) {
    await assert.rejects(run(), (e) => invalid(e) && e.cause?.code === "ENOENT" && /\/proc does not take new directories/.test(e.message));
  }
  assert.equal(await store.get("k"), null, "nothing to read is not an error");
});

test("FileStore: twenty stores creating one new nested directory at once all write (each missing level is made once, the others take it as made)", async (t) => {
  const dir = join(tempDir(t), "a", "b", "c", "d");
  const stores = Array.from({ length: 20 }, () => new FileStore(dir));
  await Promise.all(stores.map((s, i) => s.set(`k${i}`, String(i))));
  for (let i = 0; i < 20; i++) assert.equal(await stores[0].get(`k${i}`), String(i));
});

test("FileStore on a read-only file system (EROFS): invalid_input naming the directory, for set and setIf; get reads nothing", async (t) => {
  const at = readOnlyMount(t);
  if (!at) return;
  for (const dir of [at, join(at, "sub")]) {
    const store = new FileStore(dir);
    for (const run of [() => store.set("k", "v"), () => store.setIf("k", null, "v")]) {
      await assert.rejects(run(), (e) => invalid(e) && e.cause?.code === "EROFS" && /FileStore: the directory .* cannot be used/.test(e.message), dir);
    }
    assert.equal(await store.get("k"), null);
  }
});

test("DurableObjectStore names this isolate as a lease's holder: the same from the ES module and the CommonJS build, never gone here; another isolate's lease is gone; a holder it did not name is not judged", async () => {
  const storage = { get: async () => undefined, put: async () => {}, delete: async () => {} };
  const cjs = createRequire(import.meta.url)("vomo-users/stores");
  const [esm, req, wrapped] = [new DurableObjectStore(storage), new cjs.DurableObjectStore(storage), new DurableObjectStore({ ...storage })];
  const here = esm.leaseHolder();
  assert.match(here, /^vomo-users\/durable-object-isolate\/[0-9a-f-]{36}$/);
  assert.equal(req.leaseHolder(), here, "one name for both builds in one isolate");
  assert.equal(wrapped.leaseHolder(), here, "whatever storage object it wraps");
  for (const store of [esm, req, wrapped]) assert.equal(store.leaseHolderGone(here), false, "a lease of this isolate: its slice may be running");
  assert.equal(esm.leaseHolderGone("vomo-users/durable-object-isolate/00000000-0000-4000-8000-000000000000"), true, "an earlier isolate's");
  assert.equal(esm.leaseHolderGone(JSON.stringify({ host: "h", pid: 1 })), null, "a FileStore's holder is not judged here");
});
