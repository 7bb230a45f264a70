// importRoster and findOrCreateUser over real HTTP against the simulator (issue 6, items
// 1-5 and 7): outcomes, counts, progress, resumability, abort, auth, email changes.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError, MemoryStore, UserPoller, importRoster, findOrCreateUser, parseRosterCsv } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, twoForgetsAtOnce, copyOf, failingAfter } from "./helpers.mjs";

const NOW = "2026-01-01T00:00:00Z";

async function setup(t, options = {}) {
  const sim = await startSimulator({ port: 0, users: 80, seed: 3, now: NOW, ...options });
  t.after(() => sim.close());
  return sim;
}
const clientOf = (sim, options = {}) => new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, ...options });
const posts = (sim) => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
const person = (i, extra = {}) => ({ externalId: `ext-${i}`, firstName: `First${i}`, lastName: `Last${i}`, email: `person${i}@roster.example.org`, ...extra });
const roster = (n, from = 0) => Array.from({ length: n }, (_, i) => person(from + i));
/** A mapping in memory: externalId -> { vomoUserId, email }. */
function memoryMapping() {
  const map = new Map();
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => { map.set(k, v); } };
}

test("importRoster: 1,000 records: created, updated, invalid (not sent), 422 with fields, duplicate emails (not sent); progress to done == total", async (t) => {
  const sim = await setup(t);
  const existing = sim.listAll().slice(0, 50);
  const records = roster(1000);
  // 50 rows carry emails VOMO already has (in another case): updates.
  existing.forEach((u, i) => { records[100 + i] = person(100 + i, { email: u.email.toUpperCase() }); });
  const invalid = { 300: { gender: "X" }, 301: { birthday: "2021-02-30" }, 302: { firstName: undefined }, 303: { email: "not-an-email" },
    304: { gender: "unknown" }, 305: { birthday: "31/12/1990" }, 306: { lastName: "" } };
  for (const [i, patch] of Object.entries(invalid)) records[i] = person(Number(i), patch);
  const rejected422 = [400, 401, 402];
  for (const i of rejected422) records[i] = person(i, { password: "abc" });
  // Duplicates of earlier rows: other case, padded with spaces.
  const dupes = { 500: 10, 501: 11, 502: 100, 503: 12 };
  for (const [i, of] of Object.entries(dupes)) records[i] = person(Number(i), { email: `  ${records[of].email.toUpperCase()} ` });
  const notSent = Object.keys(invalid).length + Object.keys(dupes).length;

  const progress = [];
  sim.clearLog();
  const result = await importRoster(clientOf(sim), records, { onProgress: (p) => progress.push(p) });
  assert.equal(posts(sim), 1000 - notSent, "invalid and duplicate rows are never sent");
  assert.equal(result.updated.length, 50);
  assert.equal(result.failed.length, notSent + rejected422.length);
  assert.equal(result.created.length, 1000 - 50 - notSent - rejected422.length);
  assert.equal(result.emailChanged.length, 0);
  assert.equal(sim.count(), 80 + result.created.length);

  const failedBy = new Map(result.failed.map((f) => [f.externalId, f]));
  for (const i of Object.keys(invalid)) {
    const f = failedBy.get(`ext-${i}`);
    assert.ok(f, `row ${i} failed`);
    assert.ok(f.error instanceof VomoError);
    assert.equal(f.error.kind, "invalid_input", `row ${i}: ${f.error.message}`);
  }
  for (const i of rejected422) {
    const f = failedBy.get(`ext-${i}`);
    assert.equal(f.error.kind, "validation");
    assert.equal(f.error.status, 422);
    assert.ok(Array.isArray(f.fields.password) && f.fields.password.length > 0, JSON.stringify(f.fields));
    assert.deepEqual(f.error.fields, f.fields);
  }
  for (const i of Object.keys(dupes)) {
    const f = failedBy.get(`ext-${i}`);
    assert.ok(f, `duplicate row ${i} failed`);
    assert.equal(f.error.kind, "invalid_input");
  }
  const u = result.updated.find((x) => x.externalId === "ext-100");
  assert.equal(u.user.id, existing[0].id);
  assert.equal(u.email, existing[0].email.toLowerCase());
  const c = result.created.find((x) => x.externalId === "ext-0");
  assert.deepEqual([c.email, c.user.email, typeof c.user.id], ["person0@roster.example.org", "person0@roster.example.org", "number"]);

  assert.equal(progress.length, 1000);
  const last = progress.at(-1);
  assert.deepEqual([last.done, last.total, last.created, last.updated, last.failed],
    [1000, 1000, result.created.length, 50, result.failed.length]);
  assert.ok(progress.every((p, i) => p.done === i + 1 && p.total === 1000));
  assert.ok(progress.some((p) => typeof p.etaMs === "number" && p.etaMs > 0), "progress carries an ETA");
  assert.ok(progress.slice(10).every((p) => typeof p.etaMs === "number" && p.etaMs >= 0));
  assert.ok(progress.every((p) => p.etaMs === null || Number.isInteger(p.etaMs)), "whole milliseconds");
});

test("importRoster: a rerun with the same key sends the records changed since they settled (a corrected row, a new phone), not the others; a new password alone is no change; progress saved before record digests keeps counting its records as settled", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const client = clientOf(sim);
  const nightly = (records) => importRoster(client, records, { store, key: "nightly" });
  const first = [person(1, { phone: "555-0001" }), person(2, { gender: "X" }), person(3)];
  const r1 = await nightly(first);
  assert.deepEqual([r1.created.length, r1.failed.map((f) => f.externalId)], [2, ["ext-2"]]);

  // The next night: ext-1's phone changed and ext-2 was corrected; ext-3 is as it was.
  const second = [person(1, { phone: "555-9999" }), person(2, { gender: "F" }), person(3)];
  sim.clearLog();
  const r2 = await nightly(second);
  assert.equal(posts(sim), 2, "only the changed records are sent");
  // ext-1 sent again (200: updated), ext-2 sent for the first time (201), ext-3 from the saved
  // progress (sent again, it would be "updated").
  assert.deepEqual(r2.updated.map((u) => u.externalId), ["ext-1"]);
  assert.deepEqual(r2.created.map((u) => u.externalId), ["ext-2", "ext-3"]);
  assert.deepEqual(r2.failed, []);
  assert.equal(sim.listAll().find((u) => u.email === "person1@roster.example.org").phone, "555-9999");

  sim.clearLog();
  const r3 = await nightly([...second.slice(0, 2), person(3, { password: "a new secret" })]);
  assert.equal(posts(sim), 0, "unchanged records, and a password alone, are not sent");
  assert.equal(r3.created.length + r3.updated.length, 3);
  for (const k of store.keys()) assert.ok(!String(store.get(k)).includes("a new secret"), `the password is in no stored value (${k})`);

  // Progress as an earlier release saved it (records keyed by identity alone, no digest):
  // its records stay settled whatever their fields, as they were then.
  for (const k of store.keys()) store.set(k, store.get(k).replace(/#[0-9a-f]{16}"/g, '"'));
  sim.clearLog();
  const legacy = await nightly([person(1, { phone: "555-1234" }), ...second.slice(1)]);
  assert.equal(posts(sim), 0);
  assert.equal(legacy.created.length + legacy.updated.length, 3);
});

test("importRoster: a rerun whose records changed only in what the client normalizes away (spaces, the case of gender and role, an empty field for a missing one) sends nothing; a real change among them is sent", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const nightly = (records) => importRoster(clientOf(sim), records, { store, key: "nightly" });
  const first = [person(1, { gender: "F", role: "VOLUNTEER" }), person(2, { phone: "555-0002" }), person(3)];
  assert.equal((await nightly(first)).created.length, 3);
  sim.clearLog();
  const same = [
    person(1, { firstName: "  First1 ", gender: "f", role: "volunteer" }),
    person(2, { phone: " 555-0002", email: " person2@roster.example.org " }),
    person(3, { phone: "", org: "   " }),
  ];
  const r = await nightly(same);
  assert.equal(posts(sim), 0, "the same bodies are not sent again");
  assert.equal(r.created.length + r.updated.length, 3);
  const changed = await nightly([same[0], same[1], person(3, { phone: "555-0003" })]);
  assert.equal(posts(sim), 1, "the one real change is sent");
  assert.deepEqual(changed.updated.map((u) => u.externalId), ["ext-3"]);
});

test("importRoster: duplicate emails without externalId: the second row fails and is not sent or counted as created", async (t) => {
  const sim = await setup(t);
  const records = [
    { firstName: "A", lastName: "One", email: "same@roster.example.org" },
    { firstName: "B", lastName: "Two", email: "SAME@roster.example.org " },
    { firstName: "C", lastName: "Three", email: "other@roster.example.org" },
  ];
  sim.clearLog();
  const result = await importRoster(clientOf(sim), records);
  assert.equal(posts(sim), 2);
  assert.equal(result.created.length, 2, JSON.stringify(result.created.map((c) => c.email)));
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0].error.kind, "invalid_input");
});

test("importRoster: an email written in Unicode's decomposed form (e + U+0301) fails naming the accent and is not sent; the composed one is created once", async (t) => {
  const sim = await setup(t);
  const composed = "ren\u00e9e@roster.example.org", decomposed = "rene\u0301e@roster.example.org";
  assert.equal(composed.normalize("NFD"), decomposed);
  sim.clearLog();
  const result = await importRoster(clientOf(sim), [
    { firstName: "Renée", lastName: "One", email: composed },
    { firstName: "Renée", lastName: "Two", email: decomposed },
  ]);
  assert.equal(posts(sim), 1);
  assert.deepEqual(result.created.map((c) => c.email), [composed]);
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0].index, 1);
  assert.equal(result.failed[0].error.kind, "invalid_input");
  assert.deepEqual(result.failed[0].fields.email, ["The email has a combining accent (U+0301) after 'e': write the accented letter as one " +
    "character (Unicode NFC, as most systems do): written so it would be another account than the address it looks like."]);
  // A lookup creates nothing: it takes the address as written.
  assert.equal(await clientOf(sim).findUserByEmail(decomposed), null);
  assert.equal((await clientOf(sim).findUserByEmail(composed)).lastName, "One");
});

test("importRoster: failed records come in roster order, retryable ones (503) where their records are, not after the rest", async (t) => {
  const sim = await setup(t);
  const records = roster(5);
  records[2] = { ...records[2], gender: "X" }; // refused before sending: settled as failed
  const client = clientOf(sim, { maxRetries: 0 });
  const r = await importRoster(client, records, { onProgress: ({ done }) => {
    if (done === 1 || done === 3) sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 503, times: 1 });
  } });
  assert.deepEqual(r.failed.map((f) => [f.externalId, f.error.kind]),
    [[records[1].externalId, "server"], [records[2].externalId, "invalid_input"], [records[3].externalId, "server"]]);
  assert.deepEqual(r.failed.map((f) => f.index), [1, 2, 3], "each failure names its record's position");
  assert.deepEqual(r.created.map((c) => c.externalId), [records[0].externalId, records[4].externalId]);
});

test("importRoster: a server that fails for good part-way stops the run after maxConsecutiveFailures records (an outage), with progress saved; a rerun against a healthy one sends only the unsettled records", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const records = roster(100);
  const client = clientOf(sim, { maxRetries: 0 }); // each 503 fails at once: keeps the test short
  sim.clearLog();
  const progress = [];
  const error = await rejects(importRoster(client, records, { store, key: "roster-2026-11", checkpointEvery: 7, onProgress: (p) => {
    progress.push(p);
    if (p.done === 40) sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 503, times: Infinity });
  } }), "server");
  assert.ok(error instanceof VomoError);
  assert.deepEqual([error.kind, error.status, error.retryable], ["server", 503, true], error.message);
  assert.match(error.message, /^importRoster: stopped after 5 records in a row failed without an answer about the record, the last with: .*progress is saved/);
  assert.equal(posts(sim), 45, "the 40 that went through and 5 refused: not the other 55");
  assert.deepEqual([progress.at(-1).done, progress.at(-1).failed], [45, 5], "progress up to the record that stopped it: 5 failed, as the message says");
  assert.equal(sim.count(), 80 + 40);

  sim.clearFaults();
  sim.clearLog();
  progress.length = 0;
  const second = await importRoster(client, records, { store, key: "roster-2026-11", checkpointEvery: 7, onProgress: (p) => progress.push(p) });
  assert.equal(posts(sim), 60, "only the 60 unsettled records are sent again");
  assert.equal(second.created.length, 100, "the result covers the whole roster");
  assert.equal(second.failed.length, 0);
  assert.deepEqual(second.created.map((c) => c.externalId), records.map((r) => r.externalId));
  assert.equal(progress.at(-1).done, 100);
  assert.equal(sim.count(), 180);

  sim.clearLog();
  const third = await importRoster(client, records, { store, key: "roster-2026-11" });
  assert.equal(posts(sim), 0, "a finished import sends nothing");
  assert.equal(third.created.length, 100);
});

test("importRoster: maxConsecutiveFailures counts only failures in a row that say nothing about the record: one answer (a 201, a 422) resets it, a record not sent does not", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { maxRetries: 0 });
  const fail = (times) => sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 502, times });
  // 4 unanswered, one created, 4 unanswered, a 422, 4 unanswered, an invalid row (not sent), then 1 more: 5 in a row.
  const records = roster(21);
  records[14] = person(14, { password: "abc" });
  records[19] = person(19, { gender: "X" });
  fail(4);
  const seen = [];
  const error = await rejects(importRoster(client, records, { onProgress: ({ done }) => {
    seen.push(done);
    if (done === 5 || done === 10) fail(4);
    if (done === 15) fail(Infinity);
  } }), "server");
  assert.equal(error.kind, "server");
  assert.match(error.message, /stopped after 5 records in a row/);
  assert.equal(seen.at(-1), 21, "the run went past 4 unanswered in a row three times, and stopped at the 5th after the 422 (the invalid row between not counting), counted");
  assert.deepEqual(sim.listAll().map((u) => u.email), [records[4].email, records[9].email]);

  // With a larger limit the same failures are reported, not stopped at.
  sim.clearFaults();
  const r = await importRoster(client, roster(8, 100), { maxConsecutiveFailures: 10, onProgress: ({ done }) => { if (done === 1) fail(6); } });
  assert.deepEqual([r.created.length, r.failed.length], [2, 6]);
  assert.ok(r.failed.every((f) => f.error.kind === "server" && f.error.retryable));

  for (const bad of [0, 1.5, -1, "5", NaN, Infinity]) {
    const e = await rejects(importRoster(client, roster(1, 200), { maxConsecutiveFailures: bad }), "invalid_input");
    assert.equal(e.kind, "invalid_input", String(bad));
    assert.match(e.message, /importRoster: maxConsecutiveFailures must be a whole number of at least 1/);
  }
});

test("importRoster: rate_limited stops the run at once (a Retry-After longer than maxRetryAfterMs): one request, not one per record", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { maxRetries: 0 });
  const store = new MemoryStore();
  sim.clearLog();
  const records = roster(30);
  const error = await rejects(importRoster(client, records, { store, key: "k", onProgress: ({ done }) => {
    if (done === 3) sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 429, headers: { "Retry-After": "600" }, times: Infinity });
  } }), "rate_limited");
  assert.equal(error.retryable, true);
  assert.equal(posts(sim), 4, "3 created, then one 429");
  sim.clearFaults();
  sim.clearLog();
  const rerun = await importRoster(client, records, { store, key: "k" });
  assert.deepEqual([posts(sim), rerun.created.length], [27, 30]);
});

test("importRoster: abort mid-way rejects with aborted; the rerun resumes; a finished rerun sends nothing", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const records = roster(100);
  const client = clientOf(sim);
  const ac = new AbortController();
  sim.clearLog();
  await rejects(importRoster(client, records, { store, key: "abort-me", checkpointEvery: 1000, signal: ac.signal,
    onProgress: ({ done }) => { if (done === 30) ac.abort(); } }), "aborted");
  const sentFirst = posts(sim);
  assert.ok(sentFirst >= 30 && sentFirst <= 31, `sent ${sentFirst}`);
  assert.ok(store.keys().length > 0, "progress was saved when the run stopped (checkpointEvery was not reached)");

  sim.clearLog();
  const resumed = await importRoster(client, records, { store, key: "abort-me" });
  const sentSecond = posts(sim);
  assert.ok(sentSecond >= 69 && sentSecond <= 70, `sent ${sentSecond}`);
  assert.equal(resumed.created.length + resumed.updated.length, 100);
  assert.equal(resumed.failed.length, 0);
  assert.equal(sim.count(), 180, "no record was created twice");

  sim.clearLog();
  const again = await importRoster(client, records, { store, key: "abort-me" });
  assert.equal(posts(sim), 0);
  assert.equal(again.created.length + again.updated.length, 100);
});

test("importRoster: two runs with one store and key at once: the second is refused with busy and sends nothing; each record is sent once; another key runs alongside", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const records = roster(60);
  const client = clientOf(sim);
  sim.clearLog();
  const runs = await Promise.allSettled([
    importRoster(client, records, { store, key: "nightly" }),
    importRoster(client, records, { store, key: "nightly" }),
    importRoster(client, roster(20, 500), { store, key: "other-roster" }),
  ]);
  const [done, refused] = runs[0].status === "fulfilled" ? [runs[0], runs[1]] : [runs[1], runs[0]];
  assert.equal(done.status, "fulfilled", String(done.reason));
  assert.equal(done.value.created.length, 60);
  assert.equal(refused.status, "rejected");
  assert.ok(refused.reason instanceof VomoError);
  assert.equal(refused.reason.kind, "busy");
  assert.match(refused.reason.message, /^another import with this key holds the lease for \d+ s more \(if none is running, one that was killed holds it until then\)$/);
  assert.equal(runs[2].status, "fulfilled", "a run with another key is not held up");
  assert.equal(posts(sim), 80, "each record was sent once");
  assert.equal(sim.count(), 160);
  // The finished run released the key: a rerun starts at once and has nothing to send.
  sim.clearLog();
  const again = await importRoster(client, records, { store, key: "nightly" });
  assert.equal(again.created.length, 60);
  assert.equal(posts(sim), 0);
});

test("importRoster: auth stops the import; the promise rejects after progress is saved", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const records = roster(50);
  await rejects(importRoster(clientOf(sim, { token: "revoked" }), records, { store, key: "auth" }), "auth");
  assert.equal(sim.count(), 80);

  // A token revoked part-way: the first 20 are settled and not sent again.
  sim.clearLog();
  const e = await rejects(importRoster(clientOf(sim), records, { store, key: "auth", checkpointEvery: 1000, onProgress: ({ done }) => {
    if (done === 20) sim.injectFault({ method: "POST", path: "/v1/users", type: "unauthorized", times: Infinity });
  } }), "auth");
  assert.equal(e.status, 401);
  sim.clearFaults();
  sim.clearLog();
  const rest = await importRoster(clientOf(sim), records, { store, key: "auth" });
  assert.equal(posts(sim), 30);
  assert.equal(rest.created.length, 50);
});

test("importRoster: with a mapping, a changed email for a known externalId is listed in emailChanged and not sent", async (t) => {
  const sim = await setup(t);
  const mapping = memoryMapping();
  const records = roster(10);
  const first = await importRoster(clientOf(sim), records, { mapping });
  assert.equal(first.created.length, 10);
  assert.equal(mapping.map.size, 10);
  const m3 = mapping.map.get("ext-3");
  assert.deepEqual(m3, { vomoUserId: first.created[3].user.id, email: "person3@roster.example.org" });

  const changed = records.map((r) => ({ ...r }));
  changed[3].email = "person3.new@elsewhere.example.org";
  changed[5].email = changed[5].email.toUpperCase(); // only the case differs: the same email
  sim.clearLog();
  const second = await importRoster(clientOf(sim), changed, { mapping });
  assert.deepEqual(second.emailChanged, [{ index: 3, externalId: "ext-3", vomoUserId: m3.vomoUserId,
    oldEmail: "person3@roster.example.org", newEmail: "person3.new@elsewhere.example.org" }]);
  assert.equal(posts(sim), 9);
  assert.equal(second.updated.length, 9);
  assert.ok(!sim.listAll().some((u) => u.email.toLowerCase() === "person3.new@elsewhere.example.org"), "no duplicate user was created");
  assert.deepEqual(mapping.map.get("ext-3"), m3, "the mapping is left for the operator to resolve");

  // After the operator confirms and updates the mapping, a new run sends it (as an upsert
  // that creates the new email: resolving means deciding that this is intended).
  mapping.set("ext-3", { vomoUserId: m3.vomoUserId, email: "person3.new@elsewhere.example.org" });
  sim.clearLog();
  const third = await importRoster(clientOf(sim), [changed[3]], { mapping });
  assert.equal(posts(sim), 1);
  assert.equal(third.emailChanged.length, 0);
});

test("findOrCreateUser: an existing user is returned untouched; a new one is created", async (t) => {
  const sim = await setup(t);
  const existing = sim.listAll()[12];
  const before = sim.getUser(existing.id);
  sim.clearLog();
  const found = await findOrCreateUser(clientOf(sim), existing.email.toUpperCase(), { firstName: "Other", lastName: "Name", phone: "555-999-0000" });
  assert.equal(found.created, false);
  assert.equal(found.user.id, existing.id);
  assert.equal(posts(sim), 0, "nothing was sent to update it");
  assert.deepEqual(sim.getUser(existing.id), before);

  const made = await findOrCreateUser(clientOf(sim), "brand.new@roster.example.org", { firstName: "Brand", lastName: "New" });
  assert.equal(made.created, true);
  assert.equal(made.user.email, "brand.new@roster.example.org");
  assert.equal(sim.getUser(made.user.id).first_name, "Brand");
  assert.equal(posts(sim), 1);
  const again = await findOrCreateUser(clientOf(sim), "brand.new@roster.example.org", { firstName: "Changed", lastName: "New" });
  assert.deepEqual([again.created, again.user.id, sim.getUser(made.user.id).first_name], [false, made.user.id, "Brand"]);
  await rejects(findOrCreateUser(clientOf(sim), "x@y.org", { firstName: "" }), "invalid_input");
  // No defaults: an existing user is still found; for a new email the error says what is missing, and why.
  assert.equal((await findOrCreateUser(clientOf(sim), existing.email)).user.id, existing.id);
  const e = await rejects(findOrCreateUser(clientOf(sim), "nobody@roster.example.org"), "invalid_input");
  assert.equal(e.message, "findOrCreateUser: no user has this email, and the defaults cannot create one: "
    + "The first name field is required. The last name field is required.");
  assert.deepEqual(Object.keys(e.fields), ["first_name", "last_name"]);
  // An email in the defaults must be the one looked up (any case): another is refused, nothing sent.
  const sent = posts(sim);
  const other = await rejects(findOrCreateUser(clientOf(sim), "new1@roster.example.org", { firstName: "A", lastName: "B", email: "other@roster.example.org" }), "invalid_input");
  assert.equal(other.message, "findOrCreateUser: defaults.email (other@roster.example.org) differs from the email looked up (new1@roster.example.org); leave it out of defaults");
  assert.equal(posts(sim), sent);
  assert.equal(posts(sim), 1, "still only the one create");
  assert.equal((await findOrCreateUser(clientOf(sim), "new1@roster.example.org", { firstName: "A", lastName: "B", email: "NEW1@roster.example.org" })).created, true);
  // A default that could never be sent (a gender "x") is refused before the GET, whether the
  // user exists (it passed without a word) or not (it failed after the GET).
  sim.clearLog();
  for (const email of [existing.email, "new2@roster.example.org"]) {
    const bad = await rejects(findOrCreateUser(clientOf(sim), email, { firstName: "A", lastName: "B", gender: "x" }), "invalid_input");
    assert.match(bad.message, /^findOrCreateUser: defaults: .*gender/i);
  }
  assert.equal(sim.log().length, 0, "nothing sent");
});

test("importRoster keeps an externalId as it matched it: trimmed, and \"\" none (null), as duplicate detection and the mapping read it", async (t) => {
  const sim = await setup(t, { users: 0 });
  const result = await importRoster(clientOf(sim), [
    { externalId: " crm-1 ", firstName: "A", lastName: "B", email: "a1@roster.example.org" },
    { externalId: "", firstName: "C", lastName: "D", email: "c1@roster.example.org" },
    { externalId: "crm-1", firstName: "E", lastName: "F", email: "e1@roster.example.org" },
  ]);
  assert.deepEqual(result.created.map((c) => c.externalId), ["crm-1", null]);
  assert.deepEqual(result.failed.map((f) => [f.externalId, f.error.kind]), [["crm-1", "invalid_input"]], "the third repeats the first's id");
});

test("importRoster given parseRosterCsv's whole result says to pass its records", async (t) => {
  const sim = await setup(t);
  const e = await rejects(importRoster(clientOf(sim), parseRosterCsv("First Name,Last Name,Email\nA,B,a@x.org\n")), "invalid_input");
  assert.equal(e.message, "importRoster: records must be an array (pass parseRosterCsv(...).records)");
  assert.equal((await rejects(importRoster(clientOf(sim), new Set()), "invalid_input")).message, "importRoster: records must be an array");
  assert.equal(posts(sim), 0);
});

test("importRoster: what a failing store or mapping threw is the rejection's cause (a disk-full error keeps its code)", async (t) => {
  const sim = await setup(t);
  const diskFull = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const store = new MemoryStore();
  const full = { get: (k) => store.get(k), set: async () => { throw diskFull; }, delete: (k) => store.delete(k) };
  const e = await rejects(importRoster(clientOf(sim), roster(3), { store: full, key: "disk", checkpointEvery: 1 }), "network");
  assert.match(e.message, /^store\.set\(.*\) failed: ENOSPC: no space left on device, write$/);
  assert.equal(e.cause, diskFull, "the very object the store threw");
  assert.equal(e.cause.code, "ENOSPC");

  // A mapping that throws a VomoError of its own: the kind is kept, the thrown error is the cause.
  const own = new VomoError("forbidden", "mapping is read-only");
  const mapping = { get: () => null, set: () => { throw own; } };
  const m = await rejects(importRoster(clientOf(sim), roster(2, 10), { mapping }), "forbidden");
  assert.equal(m.cause, own);

  // Errors that did not come from the caller's code have no cause.
  const bad = await rejects(importRoster(clientOf(sim, { token: "revoked" }), roster(1, 20)), "auth");
  assert.equal(bad.cause, undefined);
});

test("importRoster, one key, reruns: what depends on more than a record's fields is worked out again, so a fix gets through", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim);
  const store = new MemoryStore();
  const run = (records, options = {}) => importRoster(client, records, { store, key: "nightly", ...options });

  // A password the server refuses, then corrected (the key leaves passwords out).
  const first = await run([person(1), person(5, { password: "abc" })]);
  assert.deepEqual(first.failed.map((f) => [f.externalId, f.error.kind, Object.keys(f.fields ?? {})]), [["ext-5", "validation", ["password"]]]);
  const before = posts(sim);
  const fixed = await run([person(1), person(5, { password: "correct-horse-42" })]);
  assert.equal(posts(sim) - before, 1, "the corrected row is sent");
  assert.deepEqual(fixed.created.map((c) => c.externalId).sort(), ["ext-1", "ext-5"]);

  // A repeated email: once the first row changes its email, the second is no repeat and is sent.
  const shared = "shared@roster.example.org";
  const dup = await run([person(10, { email: shared }), person(11, { email: shared })]);
  assert.match(dup.failed[0].error.message, /shared@roster\.example\.org appears earlier in this roster/);
  const resolved = await run([person(10), person(11, { email: shared })]);
  assert.deepEqual(resolved.failed, []);
  assert.ok(sim.listAll().some((u) => u.email === shared && u.first_name === "First11"), "the second row reached VOMO");

  // The first row refused by the client's own check (a date that does not exist): neither row
  // is sent, and the repeat's message does not claim the first one was.
  const other = "twice@roster.example.org";
  const sent = posts(sim);
  const refusedFirst = await run([person(20, { email: other, birthday: "1985-02-30" }), person(21, { email: other.toUpperCase() })]);
  assert.deepEqual(refusedFirst.failed.map((f) => [f.externalId, f.error.kind]), [["ext-20", "invalid_input"], ["ext-21", "invalid_input"]]);
  assert.match(refusedFirst.failed[0].error.message, /birthday/);
  assert.match(refusedFirst.failed[1].error.message, /appears earlier in this roster \(records\[0\]\); this row is not sent, only the first row with it is \(if that one failed, correct it there\)$/);
  assert.equal(posts(sim), sent, "nothing sent");
});

test("importRoster: a repeated external id is a repeat (not sent, not reported as created twice), whatever its email", async (t) => {
  const sim = await setup(t, { users: 0 });
  const r = await importRoster(clientOf(sim), [person(1), person(1), person(1, { email: "other@roster.example.org" }), person(2)]);
  assert.deepEqual(r.created.map((c) => c.index ?? c.externalId), ["ext-1", "ext-2"]);
  assert.deepEqual(r.failed.map((f) => [f.index, f.error.kind]), [[1, "invalid_input"], [2, "invalid_input"]]);
  assert.match(r.failed[0].error.message, /^external id ext-1 appears earlier in this roster \(records\[0\]\); this row is not sent, only the first row with it is \(if that one failed, correct it there\)$/);
  assert.equal(posts(sim), 2);
  assert.equal(sim.count(), 2, "one VOMO user per external id");
  // A record parseRosterCsv read names the CSV line of the row it repeats.
  const csv = parseRosterCsv("External ID,First Name,Last Name,Email\nx1,A,B,a@roster.example.org\nx2,C,D,c@roster.example.org\nx3,E,F,A@Roster.example.org\n").records;
  const repeat = await importRoster(clientOf(sim), csv);
  assert.match(repeat.failed[0].error.message, /^a@roster\.example\.org appears earlier in this roster \(line 2\); this row is not sent/);
});

test("importRoster: an email change, once resolved as the docs say, is sent by the next run with the same key", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim);
  const store = new MemoryStore();
  const mapping = memoryMapping();
  const run = (records) => importRoster(client, records, { store, key: "nightly", mapping });
  await run([person(2)]);
  const moved = person(2, { email: "new2@roster.example.org", phone: "555-0102" });
  const night2 = await run([moved]);
  assert.equal(night2.emailChanged.length, 1);
  const { vomoUserId, newEmail } = night2.emailChanged[0];
  // Resolved: the email changed in VOMO, and the mapping updated.
  sim.changeEmail(vomoUserId, newEmail);
  await mapping.set("ext-2", { vomoUserId, email: newEmail });
  const before = posts(sim);
  const night3 = await run([moved]);
  assert.deepEqual([night3.emailChanged.length, night3.updated.length, posts(sim) - before], [0, 1, 1]);
  assert.equal(sim.getUser(vomoUserId).phone, "555-0102", "the change that came with the new email arrived");
});

test("importRoster: with a mapping, a record taking the email another record of the roster left is not sent (it would update that one's VOMO user); once the change is resolved both go through", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim);
  const mapping = memoryMapping();
  const store = new MemoryStore();
  const run = (records) => importRoster(client, records, { store, key: "nightly", mapping });
  const ada = person(1, { firstName: "Ada" });
  await run([ada, person(2)]);
  const adaId = mapping.map.get("ext-1").vomoUserId;
  // In the CRM, Ada (ext-1) has a new address, and her old one was given to a newcomer (ext-3),
  // who comes first in the file.
  const movedAda = { ...ada, email: "ada.new@roster.example.org" };
  const newcomer = person(3, { firstName: "Newcomer", email: ada.email.toUpperCase() });
  sim.clearLog();
  const night2 = await run([newcomer, person(2), movedAda]);
  assert.equal(posts(sim), 0, "nothing is sent: ext-2 settled last night");
  assert.deepEqual(night2.emailChanged.map((c) => [c.index, c.externalId, c.oldEmail, c.newEmail]), [[2, "ext-1", ada.email, movedAda.email]]);
  assert.equal(night2.failed.length, 1);
  const f = night2.failed[0];
  assert.deepEqual([f.index, f.externalId, f.error.kind], [0, "ext-3", "invalid_input"]);
  assert.equal(f.error.message, `${ada.email} was the email of external id ext-1 (VOMO user ${adaId}) until its email changed to ${movedAda.email}: `
    + "sending this record would update that user; resolve that email change first");
  assert.equal(sim.getUser(adaId).first_name, "Ada", "Ada's VOMO user was not overwritten with the newcomer");
  assert.equal(mapping.map.get("ext-3"), undefined, "the newcomer is not mapped to Ada's user");

  // Resolved as the docs say: Ada's email changed in VOMO, and the mapping updated.
  sim.changeEmail(adaId, movedAda.email);
  mapping.set("ext-1", { vomoUserId: adaId, email: movedAda.email });
  sim.clearLog();
  const night3 = await run([newcomer, person(2), movedAda]);
  assert.equal(posts(sim), 2, "the newcomer and Ada; ext-2 is settled");
  assert.deepEqual(night3.created.map((c) => c.externalId), ["ext-3", "ext-2"]);
  assert.deepEqual(night3.updated.map((c) => c.externalId), ["ext-1"]);
  assert.deepEqual([night3.failed.length, night3.emailChanged.length], [0, 0]);
  assert.equal(sim.getUser(adaId).email, movedAda.email);
  assert.notEqual(mapping.map.get("ext-3").vomoUserId, adaId, "the newcomer has a VOMO user of her own");
  assert.equal(sim.count(), 3);
});

test("importRoster: a store that fails the lease's release, the run's last write: the result comes back all the same; the lease is left to expire (a rerun meanwhile is busy)", async (t) => {
  const sim = await setup(t, { users: 0 });
  const map = new Map();
  // A plain { get, set } store (no setIf): the lease is written, and released with expires_at 0.
  const store = {
    get: (k) => map.get(k) ?? null,
    set(k, v) {
      if (k.endsWith("/lease") && JSON.parse(v).expires_at === 0) throw new Error("disk gone at the very end");
      map.set(k, v);
    },
  };
  const records = roster(4);
  const r = await importRoster(clientOf(sim), records, { store, key: "k" });
  assert.deepEqual(r.created.map((c) => c.externalId), records.map((x) => x.externalId));
  assert.ok([...map.keys()].some((k) => k.endsWith("/lease")), "the lease stays, to expire");
  const e = await rejects(importRoster(clientOf(sim), records, { store, key: "k" }), "busy");
  assert.match(e.message, /2 minutes|120/);
});

test("importRoster.forget cut short by a failing store: from its first write on, the key reads as never imported and the next run sends every record once and finishes the forget; before it, nothing is removed", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { requestsPerSecond: 1000 });
  const records = roster(60);
  // Progress with a snapshot and a log behind it: settled in steps of 7, in two runs.
  const saved = new MemoryStore();
  await importRoster(client, records.slice(0, 40), { store: saved, key: "k", checkpointEvery: 7 });
  await importRoster(client, records, { store: saved, key: "k", checkpointEvery: 7 });
  let cuts = 0;
  for (let n = 0; ; n++) {
    const store = copyOf(saved);
    const failing = failingAfter(store, n);
    const e = await importRoster.forget({ store: failing, key: "k" }).then(() => null, (e) => e);
    if (!e) break;
    assert.match(e.message, /disk full/);
    const before = posts(sim);
    const run = await importRoster(client, records, { store, key: "k" });
    const sent = posts(sim) - before;
    if (n === 0) {
      // Its first write failed: the progress is whole, and a run sends nothing.
      assert.notEqual(await importRoster.storedBaseUrl({ store: copyOf(saved), key: "k" }), null);
      assert.deepEqual([sent, run.created.length + run.updated.length], [0, 60], "nothing forgotten, nothing sent again");
      continue;
    }
    cuts++;
    assert.deepEqual([sent, run.updated.length], [60, 60], `cut after write ${n}: every record sent again, once`);
    // The run finished the forget: the list of the old log's segments (the forget's record) is gone.
    assert.deepEqual(store.keys().filter((k) => k.endsWith("/import/k/forgetting") && store.get(k) !== ""), [], `cut after write ${n}`);
    const rerun = posts(sim);
    await importRoster(client, records, { store, key: "k" });
    assert.equal(posts(sim), rerun, `cut after write ${n}: the run's own progress is whole`);
  }
  assert.ok(cuts >= 2, `${cuts} cuts`);
});

test("importRoster.forget: the import's progress goes (and no other import's), so the next run sends every record again; refused with busy while a run holds the key", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { requestsPerSecond: 100 });
  const { FileStore } = await import("vomo-users/stores/file");
  const { mkdtemp, rm, readdir } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(`${tmpdir()}/forget-`);
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const store of [new MemoryStore(), new FileStore(dir)]) {
    const records = roster(120, 1000 * (store instanceof MemoryStore ? 1 : 2));
    await importRoster(client, records, { store, key: "one-off", checkpointEvery: 7 });
    await importRoster(client, records.slice(0, 5), { store, key: "other" });
    const before = posts(sim);
    assert.equal((await importRoster(client, records, { store, key: "one-off" })).created.length, 120);
    assert.equal(posts(sim), before, "settled: nothing sent");

    assert.equal(await importRoster.forget({ store, key: "one-off" }), true);
    assert.equal(await importRoster.forget({ store, key: "one-off" }), false, "nothing left");
    assert.equal(await importRoster.storedBaseUrl({ store, key: "one-off" }), null);
    const again = await importRoster(client, records, { store, key: "one-off" });
    assert.deepEqual([again.updated.length, posts(sim) - before], [120, 120], "every record sent again");
    const still = posts(sim);
    await importRoster(client, records.slice(0, 5), { store, key: "other" });
    assert.equal(posts(sim), still, "the other import's progress is kept");

    // While a run holds the key.
    let running;
    const slow = importRoster(clientOf(sim, { requestsPerSecond: 20 }), roster(20, 9000), { store, key: "busy", onProgress: ({ done }) => {
      if (done === 2) running = importRoster.forget({ store, key: "busy" }).then(() => null, (e) => e);
    } });
    await slow;
    const e = await running;
    assert.ok(e instanceof VomoError && e.kind === "busy", String(e));
    assert.match(e.message, /holds the lease/);
    assert.equal(await importRoster.forget({ store, key: "busy" }), true, "once the run is over");

    // Two forgets at once (the second the moment the first holds the lease, in the same
    // millisecond): they exclude each other as two polls do.
    await importRoster(client, records.slice(0, 5), { store, key: "twice" });
    assert.deepEqual(await twoForgetsAtOnce(store, (s) => importRoster.forget({ store: s, key: "twice" })), [true, "busy"]);
    assert.equal(await importRoster.forget({ store, key: "twice" }), false, "the first removed it all");
  }
  // On disk: every file of the import goes but its released lease.
  const { fileNameOf } = await import("vomo-users/stores/file");
  const ofImport = async () => (await readdir(dir)).filter((f) => f.startsWith(fileNameOf("vomo-users/v1/import/one-off"))).sort();
  assert.ok((await ofImport()).length >= 3, (await ofImport()).join());
  assert.equal(await importRoster.forget({ store: new FileStore(dir), key: "one-off" }), true);
  assert.deepEqual(await ofImport(), [fileNameOf("vomo-users/v1/import/one-off/lease")]);
  for (const [options, message] of [[{ key: "k" }, /store must have get/], [{ store: new MemoryStore() }, /key must be a string/],
    [{ store: new MemoryStore(), key: "a/b" }, /key must not contain '\/'/], [{ store: new MemoryStore(), key: "k", extra: 1 }, /extra/]]) {
    const e = await rejects(importRoster.forget(options), "invalid_input");
    assert.match(e.message, message);
  }
});

test("importRoster.forget after an import whose progress log merged segments over 100 KiB (stored in chunks): nothing is left but the lease", { timeout: 240_000 }, async (t) => {
  // An outside pass of the admin page: forgetting a 5,961-record import left 13 keys, 1.2
  // million characters of a browser's 5 MB, that nothing named: the chunks of the log's
  // merged segments, whose headers alone were deleted when the segments were merged away.
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { requestsPerSecond: 5000 });
  const store = new MemoryStore();
  // 6,000: at 4,000 the segments merged away happen to leave their slots to segments as
  // long, whose writes cover the orphaned chunks.
  const records = roster(6000, 50_000);
  const result = await importRoster(client, records, { store, key: "big", checkpointEvery: 10 });
  assert.equal(result.created.length, 6000);
  const ofImport = () => store.keys().filter((k) => k.startsWith("vomo-users/v1/import/big/")).sort();
  assert.ok(ofImport().some((k) => /\/log\/\d+\.g\d\.\d+$/.test(k)), `no segment was stored in chunks: ${ofImport().join()}`);
  assert.equal(await importRoster.forget({ store, key: "big" }), true);
  assert.deepEqual(ofImport(), ["vomo-users/v1/import/big/lease"]);
});

test("importRoster: a mapping whose set fails after the upsert went through stops the import; the rerun sends it again and writes the mapping", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim);
  const store = new MemoryStore();
  const mapping = memoryMapping();
  let failOnce = true;
  const flaky = { get: (k) => mapping.get(k), set: (k, v) => { if (failOnce) { failOnce = false; throw new Error("mapping DB down"); } return mapping.set(k, v); } };
  const e = await importRoster(client, [person(1), person(2)], { store, key: "k", mapping: flaky }).then(() => assert.fail("resolved"), (err) => err);
  assert.match(e.message, /mapping DB down/);
  assert.equal(sim.count(), 1, "the upsert went through");
  const again = await importRoster(client, [person(1), person(2)], { store, key: "k", mapping: flaky });
  assert.deepEqual([again.created.length + again.updated.length, again.failed.length], [2, 0]);
  assert.ok(await mapping.get("ext-1"), "its mapping was written by the rerun");
});

test("importRoster: the ETA is never faster than the client's rate: the first record, sent at once, does not promise the rest in moments", async (t) => {
  const sim = await setup(t, { users: 0 });
  const seen = [];
  await importRoster(clientOf(sim, { requestsPerSecond: 5 }), roster(6), { onProgress: (p) => seen.push(p.etaMs) });
  // After record k of 6, 6 - k are left, at most 5 a second: at least (6 - k) * 200 ms.
  seen.forEach((eta, i) => assert.ok(eta >= (5 - i) * 200, `after record ${i + 1}: ETA ${eta} ms`));
});

test("importRoster: the ETA is the pace of the sends, not of what came before the first (a slow mapping read for every record)", async (t) => {
  const sim = await setup(t, { users: 0 });
  const mapping = memoryMapping();
  // A mapping database that takes 150 ms a read: 10 records, 1.5 s before the first send.
  const slow = { get: (k) => new Promise((resolve) => setTimeout(() => resolve(mapping.get(k)), 150)), set: (k, v) => mapping.set(k, v) };
  const seen = [];
  const began = performance.now();
  let firstProgressAt = null;
  const result = await importRoster(clientOf(sim, { requestsPerSecond: 1000 }), roster(10), { mapping: slow,
    onProgress: (p) => { firstProgressAt ??= performance.now() - began; seen.push(p); } });
  assert.equal(result.created.length, 10);
  assert.ok(firstProgressAt >= 1500, `the reads came first: ${firstProgressAt} ms`);
  // Counted from the start, the first ETA was at least 1.5 s x 9 records left; the sends
  // themselves take milliseconds each.
  const sendsTook = performance.now() - began - firstProgressAt;
  assert.ok(seen[0].etaMs < 1500, `the first ETA, ${seen[0].etaMs} ms for 9 records, is of the sends (the other 9 took ${Math.round(sendsTook)} ms)`);
});

test("importRoster: onProgress must be a function; what it throws or rejects changes nothing; progress counts email changes; the ETA counts only what is left to send", async (t) => {
  const sim = await setup(t, { users: 0 });
  const client = clientOf(sim, { maxRetries: 0 });
  const e = await importRoster(client, [person(1)], { onProgress: 5 }).then(() => assert.fail("resolved"), (err) => err);
  assert.deepEqual([e.kind, e.message], ["invalid_input", "importRoster: onProgress must be a function"]);
  // A rejecting onProgress: unhandled, it would end this process (and fail this test file).
  const r = await importRoster(client, roster(3), { onProgress: async ({ done }) => { if (done === 2) throw new Error("progress DB down"); } });
  assert.equal(r.created.length, 3);
  const r2 = await importRoster(client, roster(3, 3), { onProgress: () => { throw new Error("sync throw"); } });
  assert.equal(r2.created.length, 3);

  // A rerun that sends only the first record: nothing is left to send after it.
  const store = new MemoryStore();
  sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 503, times: 1 });
  const records = roster(10, 20);
  await importRoster(client, records, { store, key: "eta" });
  const seen = [];
  await importRoster(client, records, { store, key: "eta", onProgress: (p) => seen.push(p) });
  assert.deepEqual([seen[0].done, seen[0].etaMs], [1, 0], "one record sent, none left to send");
  assert.ok(seen.every((p) => p.emailChanged === 0 && "emailChanged" in p));
});

test("importRoster: a record whose response said nothing about it (cut short, not JSON) is failed in this run but not settled: the rerun sends it again, and it is there once", async (t) => {
  const sim = await setup(t);
  const store = new MemoryStore();
  const run = () => importRoster(clientOf(sim), roster(3), { store, key: "nightly" });
  // The server applies the first upsert, then its response is cut short (a proxy, a reset).
  sim.injectFault({ method: "POST", path: "/v1/users", type: "truncated", times: 1 });
  const first = await run();
  assert.deepEqual(first.failed.map((f) => [f.externalId, f.error.kind]), [["ext-0", "parse"]], JSON.stringify(first.failed));
  sim.clearLog();
  const second = await run();
  assert.equal(posts(sim), 1, "only the record whose answer was lost is sent again");
  assert.deepEqual(second.failed, []);
  assert.equal(second.created.length + second.updated.length, 3);
  assert.equal(sim.listAll().filter((u) => u.email === "person0@roster.example.org").length, 1, "one user, not two");
  // A 422 is the record's answer for good: not sent again.
  const rejected = await importRoster(clientOf(sim), [person(9, { gender: "X" })], { store, key: "other" });
  assert.equal(rejected.failed[0].error.kind, "invalid_input");
});

test("importRoster: a mapping whose get returns the wrong shape is refused by what it must return, not by a Rust type's name; nothing is sent", async (t) => {
  const sim = await setup(t, { users: 0 });
  const e = await importRoster(clientOf(sim), [person(1)], { mapping: { get: () => "123", set: () => {} } }).then(() => assert.fail("resolved"), (err) => err);
  assert.equal(e.kind, "invalid_input");
  assert.equal(e.message, 'mapping.get("ext-1") must return { vomoUserId, email } or null (invalid type: string "123", expected { vomoUserId, email })');
  assert.equal(posts(sim), 0);
});

test("a store whose get never gives back what was set: the poll is refused naming that, not a race alone", async (t) => {
  const sim = await setup(t, { users: 3 });
  const forgetful = { get: () => undefined, set: () => {} };
  const poller = new UserPoller({ client: clientOf(sim), store: forgetful, customerId: "acme", onUser() {} });
  const e = await poller.poll().then(() => assert.fail("resolved"), (err) => err);
  assert.equal(e.kind, "busy");
  assert.match(e.message, /^the poll lease just written under "vomo-users\/v1\/acme\/lease" reads back as absent: another poll of this customer released it at the same moment, or the store does not return what it stores/);
});
