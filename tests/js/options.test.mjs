// Options bags with a key their call does not know are refused (invalid_input naming the key
// and the call's options), before anything is sent or stored: a misspelt option is a bug in
// the caller, and some would lose data silently (a poller given `onUsers` marked every
// change delivered with no handler called). And each call's list of options is exactly what
// index.d.ts declares for it, checked by the TypeScript compiler.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, UserPoller, MemoryStore, importRoster, findOrCreateUser } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent } from "./helpers.mjs";
import { compile } from "./types/tsc.mjs";

/** The error of `run()` (sync throw or rejection), which must be invalid_input. */
async function refusal(run) {
  return rejects((async () => run())(), "invalid_input");
}

/** The option names an `unknown option` message lists. */
const listed = (error) => error.message.match(/the options are (.+)$/)?.[1].split(", ");

// Each options-taking call given the options bag `o`, and the .d.ts type of its options.
const CALLS = (client, poller) => [
  ["VomoClient", "VomoClientOptions", (o) => new VomoClient({ token: "t", ...o })],
  ["UserPoller", "UserPollerOptions", (o) => new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser() {}, ...o })],
  ["UserPoller.storedBaseUrl", "StoredBaseUrlOptions", (o) => UserPoller.storedBaseUrl({ store: new MemoryStore(), customerId: "acme", ...o })],
  ["poll", "PollOptions", (o) => poller.poll(o)],
  ["reconcile", "CallOptions", (o) => poller.reconcile(o)],
  ["listUsers", "CallOptions", (o) => client.listUsers({}, o).next()],
  ["listUserPages", "CallOptions", (o) => client.listUserPages({}, o).next()],
  ["listAllUsers", "CallOptions", (o) => client.listAllUsers({}, o)],
  ["getUser", "CallOptions", (o) => client.getUser(1, o)],
  ["upsertUser", "CallOptions", (o) => client.upsertUser({ firstName: "A", lastName: "B", email: "a@b.org" }, o)],
  ["findUserByEmail", "CallOptions", (o) => client.findUserByEmail("a@b.org", o)],
  ["importRoster", "ImportRosterOptions", (o) => importRoster(client, [{ firstName: "A", lastName: "B", email: "a@b.org" }], o)],
  ["importRoster.storedBaseUrl", "StoredImportBaseUrlOptions", (o) => importRoster.storedBaseUrl({ store: new MemoryStore(), key: "roster", ...o })],
  ["findOrCreateUser", "CallOptions", (o) => findOrCreateUser(client, "a@b.org", {}, o)],
];
/** The calls that take call options (a `signal` among them): all but the two constructors and the store reads. */
const CALL_OPTION_CALLS = (client, poller) => CALLS(client, poller).filter(([, type]) => !["VomoClientOptions", "UserPollerOptions", "StoredBaseUrlOptions", "StoredImportBaseUrlOptions"].includes(type));

/** A simulator of `users` users, a fast client of it, a MemoryStore and a poller on both. */
async function world(t, users = 20) {
  const sim = await startSimulator({ port: 0, users, seed: 4 });
  t.after(() => sim.close());
  const client = fastClient(sim);
  const store = new MemoryStore();
  return { sim, client, store, poller: new UserPoller({ client, store, customerId: "acme", onUser() {} }) };
}

test("every options bag refuses an unknown key, naming it and the call's options, and sends nothing", async (t) => {
  const { sim, client, store, poller } = await world(t);
  const lists = {};
  for (const [who, type, run] of CALLS(client, poller)) {
    const e = await refusal(() => run({ zz: 1 }));
    assert.ok(e.message.startsWith(`${who}: unknown option "zz"; the options are `), e.message);
    lists[type] = listed(e);
  }
  assert.deepEqual(sent(sim), [], "nothing reached the server");
  assert.deepEqual(store.keys(), [], "nothing was stored");
  assert.ok(lists.CallOptions.includes("signal") && lists.PollOptions.includes("maxRequests"));

  // The lists equal the declared types' keys, to the compiler.
  const types = Object.keys(lists);
  const source = [
    `import type { ${types.join(", ")} } from "vomo-users";`,
    "type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;",
    ...types.map((type) => `export const ${type}_same: Same<keyof ${type}, ${lists[type].map((k) => JSON.stringify(k)).join(" | ")}> = true;`),
  ].join("\n");
  const { ok, out } = compile(source);
  assert.ok(ok, `the runtime option lists differ from index.d.ts:\n${out}\n${source}`);
  // And the check is live: a list with one name too many does not compile.
  assert.equal(compile(source.replace('"signal" | ', '"signal" | "zz" | ')).ok, false);
});

test("a key that differs from an option only in case is named; valid options still work", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 4 });
  t.after(() => sim.close());
  const e = await refusal(() => new VomoClient({ token: sim.token, baseURL: sim.url }));
  assert.match(e.message, /^VomoClient: unknown option "baseURL" \(did you mean "baseUrl"\?\); the options are token, baseUrl, /);
  assert.ok(!e.message.includes(sim.token), "the token is not in the message");
  const client = fastClient(sim);
  assert.match((await refusal(() => client.getUser(1, { timeoutMS: 5 }))).message, /"timeoutMS" \(did you mean "timeoutMs"\?\)/);
  for (const bad of ["t", [1], 5]) assert.match((await refusal(() => new VomoClient(bad))).message, /options must be an object/);
  // Absent and null option bags are fine; so is every declared option.
  assert.equal((await client.listAllUsers({}, undefined)).length, 20);
  assert.equal((await client.listAllUsers(null, null)).length, 20);
  const controller = new AbortController();
  assert.equal((await client.listAllUsers({}, { signal: controller.signal, timeoutMs: 5000, maxRetries: 1 })).length, 20);
});

test("a poller given a misspelt handler is refused, so no change is marked delivered unseen", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 4, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const client = fastClient(sim);
  const store = new MemoryStore();
  const seen = [];
  const e = await refusal(() => new UserPoller({ client, store, customerId: "acme", onUsers: ({ user }) => seen.push(user.id) }));
  assert.match(e.message, /^UserPoller: unknown option "onUsers"; the options are client, store, customerId, onUser, /);
  // Spelt right, the same poller delivers every user to the handler.
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => seen.push(user.id) });
  const result = await poller.poll();
  assert.equal(result.processed, 20);
  assert.deepEqual(seen.sort((a, b) => a - b), sim.listAll().map((u) => u.id).sort((a, b) => a - b));
});

test("upsert input, findOrCreateUser defaults and roster records refuse a field they do not have, or a field that is not text, before anything is sent", async (t) => {
  const { sim, client } = await world(t, 5);
  const before = sim.listAll().length;
  const ana = { firstName: "Ana", lastName: "Lima", email: "ana@example.org" };
  let e = await refusal(() => client.upsertUser({ ...ana, phoneNumber: "555" }));
  assert.match(e.message, /^upsertUser: unknown field `phoneNumber`, expected one of `firstName`, `lastName`, `email`, `phone`, /);
  e = await refusal(() => findOrCreateUser(client, "ana@example.org", { first_name: "Ana" }));
  assert.match(e.message, /^findOrCreateUser: defaults: unknown field `first_name`/);
  // One misspelt key in the second record: the import refuses them all, naming that record.
  const records = [{ externalId: "c1", ...ana }, { externalId: "c2", firstName: "Bo", lastName: "Li", email: "bo@example.org", phoneNumber: "555" }];
  e = await refusal(() => importRoster(client, records));
  assert.equal(e.message, "importRoster: records[1]: unknown field `phoneNumber`, expected one of `externalId`, `line`, `firstName`, `lastName`, `email`, `phone`, `birthday`, `gender`, `role`, `address`, `org`, `inviteCode`, `password`");
  // A field that takes text given something else is named too (serde's own message would not).
  e = await refusal(() => client.upsertUser({ ...ana, phone: 5551234 }));
  assert.equal(e.message, "upsertUser: phone must be a string or null (got a number)");
  e = await refusal(() => importRoster(client, [records[0], { externalId: "c3", email: "cy@example.org", firstName: ["Cy"] }]));
  assert.equal(e.message, "importRoster: records[1]: firstName must be a string or null (got an array)");
  // parseRosterCsv's `line` is a line number or nothing: "x" is a record built wrong.
  e = await refusal(() => importRoster(client, [records[0], { externalId: "c3", email: "cy@example.org", firstName: "Cy", line: "x" }]));
  assert.equal(e.message, "importRoster: records[1]: line must be a line number (parseRosterCsv's) or null");
  e = await refusal(() => client.upsertUser({ ...ana, line: 3 }));
  assert.match(e.message, /^upsertUser: unknown field `line`/, "an upsert has no line");
  e = await refusal(() => findOrCreateUser(client, "ana@example.org", { birthday: true }));
  assert.equal(e.message, "findOrCreateUser: defaults: birthday must be a string or null (got a boolean)");
  e = await refusal(() => importRoster(client, ["ana@example.org"]));
  assert.match(e.message, /^importRoster: records\[0\]: invalid type: string "ana@example.org", expected a roster record/);
  assert.deepEqual(sent(sim), [], "nothing reached the server");
  assert.equal(sim.listAll().length, before);
  // Spelt right (and with parseRosterCsv's `line`), the same records import.
  records[1] = { externalId: "c2", firstName: "Bo", lastName: "Li", email: "bo@example.org", phone: "555", line: 3 };
  const result = await importRoster(client, records);
  assert.equal(result.created.length, 2);
  assert.equal(sim.listAll().find((u) => u.email === "bo@example.org").phone, "555");
});

test("KvStore refuses an option other than prefix", async () => {
  const { KvStore } = await import("vomo-users/stores");
  const kv = { get: async () => null, put: async () => {}, delete: async () => {} };
  const e = await refusal(() => new KvStore(kv, { prefx: "app:" }));
  assert.equal(e.message, 'KvStore: unknown option "prefx"; the options are prefix');
  const puts = [];
  await new KvStore({ ...kv, put: async (k) => { puts.push(k); } }, { prefix: "app:" }).set("k", "v");
  assert.deepEqual(puts, ["app:k"]);
});

test("client options: NaN, Infinity and a baseUrl or token that is not text are refused, never read as absent", async (t) => {
  const sim = await startSimulator({ port: 0, users: 2, seed: 4 });
  t.after(() => sim.close());
  const base = { token: sim.token, baseUrl: sim.url };
  // JSON.stringify turns NaN and Infinity into null, which would have meant "the default".
  for (const [options, message] of [
    [{ requestsPerSecond: NaN }, 'VomoClient: requestsPerSecond must be a finite number or "auto" (got NaN)'],
    [{ requestsPerSecond: Infinity }, 'VomoClient: requestsPerSecond must be a finite number or "auto" (got Infinity)'],
    [{ timeoutMs: NaN }, "VomoClient: timeoutMs must be a finite number (got NaN)"],
    [{ maxResponseBytes: -Infinity }, "VomoClient: maxResponseBytes must be a finite number (got -Infinity)"],
    // Each option named on its own, with the value it got.
    [{ timeoutMs: 0 }, "VomoClient: timeoutMs must be a positive number of milliseconds (got 0)"],
    [{ maxRetryAfterMs: -1 }, "VomoClient: maxRetryAfterMs must be a number of milliseconds, 0 or more (got -1)"],
    // Not text: it must not fall back to https://api.vomo.org/v1 with this token.
    [{ baseUrl: 4010 }, "VomoClient: baseUrl must be a string (a URL)"],
    [{ baseUrl: { href: sim.url } }, "VomoClient: baseUrl must be a string (a URL)"],
    [{ token: 12345 }, "VomoClient: token must be a string"],
  ]) {
    assert.equal((await refusal(() => new VomoClient({ ...base, ...options }))).message, message, JSON.stringify(options));
  }
  // A URL object is read as its text, as fetch reads it.
  assert.equal((await new VomoClient({ ...base, baseUrl: new URL(sim.url), requestsPerSecond: 1000 }).listAllUsers()).length, 2);
});

test("importRoster's own options are checked by name: checkpointEvery a whole number of at least 1, key text", async (t) => {
  const { sim, client } = await world(t, 2);
  const records = [{ firstName: "Ana", lastName: "Lima", email: "ana@example.org" }];
  for (const [options, message] of [
    [{ checkpointEvery: NaN }, "importRoster: checkpointEvery must be a whole number of at least 1 (got NaN)"],
    [{ checkpointEvery: 0 }, "importRoster: checkpointEvery must be a whole number of at least 1 (got 0)"],
    [{ checkpointEvery: 2.5 }, "importRoster: checkpointEvery must be a whole number of at least 1 (got 2.5)"],
    [{ checkpointEvery: "10" }, 'importRoster: checkpointEvery must be a whole number of at least 1 (got "10")'],
    [{ store: new MemoryStore(), key: 2026 }, "importRoster: key must be a string (got 2026)"],
  ]) {
    assert.equal((await refusal(() => importRoster(client, records, options))).message, message);
  }
  assert.deepEqual(sent(sim), []);
  assert.equal((await importRoster(client, records, { store: new MemoryStore(), key: "r", checkpointEvery: 1 })).created.length, 1);
});

test("per-call numbers are checked as given: poll's maxRequests is not coerced from text, and Infinity is named as JS writes it", async (t) => {
  const { sim, client } = await world(t, 20);
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser() {} });
  for (const [run, message] of [
    // wasm-bindgen's number conversion would have read "3" as 3 and "x" as NaN.
    [() => poller.poll({ maxRequests: "3" }), 'poll: maxRequests must be a whole number of at least 0 (got "3")'],
    [() => poller.poll({ maxRequests: true }), "poll: maxRequests must be a whole number of at least 0 (got boolean)"],
    [() => poller.poll({ maxRequests: Infinity }), "poll: maxRequests must be a whole number of at least 0 (got Infinity)"],
    [() => client.getUser(1001, { timeoutMs: Infinity }), "getUser: timeoutMs must be a positive number of milliseconds (got Infinity)"],
    [() => client.listAllUsers({}, { maxRetries: -Infinity }), "listAllUsers: maxRetries must be an integer from 0 to 100 (got -Infinity)"],
    [() => client.getUser(Infinity), "getUser: id must be an integer (got Infinity)"],
  ]) {
    assert.equal((await refusal(run)).message, message);
  }
  assert.deepEqual(sent(sim), [], "nothing was sent");
  assert.equal((await poller.poll({ maxRequests: 1 })).requests, 1, "a number still works");
});

test("a value JSON cannot carry (a function, a Symbol, a BigInt) in upsert input, defaults, roster records or options is refused by its path, never dropped as absent; nothing is sent", async (t) => {
  const { sim, client } = await world(t, 5);
  const before = sim.listAll().length;
  const ana = { firstName: "Ana", lastName: "Lima", email: "ana@example.org" };
  const getPhone = () => "555";   // the method, not its result: JSON.stringify would drop it
  const cases = [
    [() => client.upsertUser({ ...ana, phone: getPhone }), "upsertUser: phone is a function, which cannot be sent"],
    [() => client.upsertUser({ ...ana, phone: Symbol("555") }), "upsertUser: phone is a symbol, which cannot be sent"],
    [() => client.upsertUser({ ...ana, phone: 555n }), "upsertUser: phone is a BigInt (pass a number or text), which cannot be sent"],
    [() => client.upsertUser(getPhone), "upsertUser: input must be an object of upsert fields (got function)"],
    [() => client.upsertUser([ana]), "upsertUser: input must be an object of upsert fields (got an array)"],
    [() => importRoster(client, [ana], { key: " ", store: new MemoryStore() }), "importRoster: key must be a non-empty string"],
    [() => findOrCreateUser(client, "ana@example.org", { ...ana, birthday: () => "1990-01-01" }), "findOrCreateUser: defaults.birthday is a function, which cannot be sent"],
    [() => importRoster(client, [{ ...ana, externalId: "c1" }, { ...ana, email: "bo@example.org", externalId: 2n }]),
      "importRoster: records[1].externalId is a BigInt (pass a number or text), which cannot be sent"],
    [() => importRoster(client, [ana], { key: Symbol("k") }), "importRoster: key is a symbol, which cannot be sent"],
    [() => new VomoClient({ token: "t", maxRetries: 3n }), "VomoClient: maxRetries is a BigInt (pass a number or text), which cannot be sent"],
    [() => new VomoClient({ token: "t", timeoutMs: () => 5000 }), "VomoClient: timeoutMs is a function, which cannot be sent"],
    [() => new VomoClient({ token: "t", baseUrl: Symbol("https://api.vomo.org/v1") }), /^VomoClient: baseUrl/],
    [() => new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser() {}, maxAttempts: Symbol("5") }), "UserPoller: maxAttempts is a symbol, which cannot be sent"],
    // A circular structure (JSON.stringify's bare TypeError before), named by the member that closes the circle.
    [() => { const a = { ...ana, extra: { tags: [] } }; a.extra.tags.push(a); return client.upsertUser(a); },
      "upsertUser: extra.tags[0] refers back to an object that contains it (a circular structure), which cannot be sent"],
    [() => { const r = { ...ana }; r.self = r; return importRoster(client, [ana, r]); },
      "importRoster: records[1].self refers back to an object that contains it (a circular structure), which cannot be sent"],
  ];
  for (const [run, message] of cases) {
    const e = await refusal(run);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
  }
  assert.deepEqual(sent(sim), [], "nothing reached the server");
  assert.equal(sim.listAll().length, before);
});

test("a signal that is not an AbortSignal (an AbortController, a string, a plain object) is refused before anything is sent, on every call that takes one", async (t) => {
  const { sim, client, poller } = await world(t, 5);
  const calls = CALL_OPTION_CALLS(client, poller);
  assert.equal(calls.length, 10);
  for (const [who, , call] of calls) {
    const e = await refusal(() => call({ signal: new AbortController() }));
    assert.equal(e.message, `${who}: signal must be an AbortSignal (an AbortController: pass its .signal)`);
    for (const signal of ["x", {}, 1]) {
      assert.equal((await refusal(() => call({ signal }))).message, `${who}: signal must be an AbortSignal`);
    }
    // The other call options' type errors name the method too.
    assert.equal((await refusal(() => call({ timeoutMs: "5" }))).message, `${who}: timeoutMs must be a number`);
    assert.equal((await refusal(() => call({ maxRetries: "x" }))).message, `${who}: maxRetries must be a number`);
  }
  assert.deepEqual(sent(sim), [], "nothing reached the server");
  // An AbortSignal, null and undefined are fine.
  assert.equal((await client.listAllUsers({}, { signal: new AbortController().signal })).length, 5);
  assert.equal((await client.listAllUsers({}, { signal: null })).length, 5);
});
