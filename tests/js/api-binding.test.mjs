// A poller's state and an import's progress belong to the API they were written for: against
// another base URL they are refused before anything is sent or written, and `previousBaseUrl`
// takes them over for one VOMO organization at a new address. Two real simulators over HTTP.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, UserPoller, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, rejects, sent, tick } from "./helpers.mjs";

/** Everything in the store but the leases (each call takes and gives back its own). */
const snapshot = (store) => Object.fromEntries(store.keys().filter((k) => !k.endsWith("/lease")).map((k) => [k, store.get(k)]));
const world = (t, seed) => frozenWorld(t, { startSimulator, users: 20, seed });

function pollerOf(client, store, options = {}) {
  const ids = [];
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => { ids.push(user.id); }, ...options });
  return { poller, ids };
}

test("UserPoller: a store that holds another API's state is refused before any request or write; the same API spelt otherwise is not", async (t) => {
  const a = await world(t, 1);
  const b = await world(t, 2);
  const store = new MemoryStore();
  const first = pollerOf(a.client, store);
  const r = await first.poller.poll();
  assert.equal(r.processed, 20);
  const before = snapshot(store);
  assert.ok(Object.values(before).find((v) => v.includes('"checkpointMs"')).includes(`"api":"${a.sim.url}"`));

  const other = pollerOf(b.client, store);
  const e = await rejects(other.poller.poll(), "invalid_input");
  assert.match(e.message, /customer "acme"/);
  assert.ok(e.message.includes(`the API at ${a.sim.url}`), e.message);
  assert.ok(e.message.includes(`baseUrl is ${b.sim.url}`), e.message);
  assert.ok(e.message.includes(`previousBaseUrl: "${a.sim.url}"`), e.message);
  assert.equal(e.retryable, false);
  await rejects(other.poller.reconcile(), "invalid_input");
  assert.deepEqual(sent(b.sim), [], "nothing was sent to the other API");
  assert.deepEqual(other.ids, []);
  assert.deepEqual(snapshot(store), before, "nothing was written");

  // The same API with a trailing slash is the same API.
  const again = pollerOf(new VomoClient({ token: a.sim.token, baseUrl: `${a.sim.url}/`, requestsPerSecond: 500 }), store);
  const r2 = await again.poller.poll();
  assert.equal(r2.processed, 0);
  assert.equal((await again.poller.reconcile()).complete, true);
});

test("UserPoller: previousBaseUrl takes another API's state over, checkpoint and all, and the state then belongs to the new API", async (t) => {
  const a = await world(t, 1);
  const b = await world(t, 1); // the same organization (same seed: the same users) at a new address
  const store = new MemoryStore();
  await pollerOf(a.client, store).poller.poll();

  const moved = pollerOf(b.client, store, { previousBaseUrl: `${a.sim.url}/` });
  const r = await moved.poller.poll();
  assert.equal(r.processed, 0, "the users delivered from the old address are not delivered again");
  assert.ok(sent(b.sim).length > 0, "the poll ran against the new address");
  b.sim.updateUser(b.sim.listAll()[3].id, { phone: "555-000-0003" });
  tick(b.sim);

  // Rebound: a poller without the option polls on; the old address is now the other API.
  const after = pollerOf(b.client, store);
  const r2 = await after.poller.poll();
  assert.equal(r2.processed, 1);
  assert.deepEqual(after.ids, [b.sim.listAll()[3].id]);
  const e = await rejects(pollerOf(a.client, store).poller.poll(), "invalid_input");
  assert.ok(e.message.includes(`the API at ${b.sim.url}`), e.message);

  // previousBaseUrl names one API: a third one's state is still refused.
  const c = await world(t, 3);
  const wrong = pollerOf(c.client, store, { previousBaseUrl: a.sim.url });
  await rejects(wrong.poller.poll(), "invalid_input");
  assert.deepEqual(sent(c.sim), []);
});

test("UserPoller: state written before the binding belongs to the first API that polls it", async (t) => {
  const a = await world(t, 1);
  const b = await world(t, 2);
  const store = new MemoryStore();
  await pollerOf(a.client, store).poller.poll();
  // Take the record out, as releases before it wrote the state.
  const [key, value] = Object.entries(snapshot(store)).find(([, v]) => v.includes('"checkpointMs"'));
  store.set(key, value.replace(`,"api":"${a.sim.url}"`, ""));
  assert.ok(!store.get(key).includes('"api"'));

  const legacy = pollerOf(b.client, store);
  await legacy.poller.poll(); // an unbound state: taken by the first API that uses it
  assert.ok(store.get(key).includes(`"api":"${b.sim.url}"`));
  await rejects(pollerOf(a.client, store).poller.poll(), "invalid_input");
});

test("UserPoller.storedBaseUrl: the API a customer's state is of, from the store alone, nothing sent or written", async (t) => {
  const a = await world(t, 1);
  const b = await world(t, 1); // the same organization at a new address
  const store = new MemoryStore();
  const read = (customerId = "acme", on = store) => UserPoller.storedBaseUrl({ store: on, customerId });
  assert.equal(await read(), null, "no state yet");
  await pollerOf(a.client, store).poller.poll();
  const before = snapshot(store);
  const keys = store.keys();
  const requests = sent(a.sim).length;
  assert.equal(await read(), a.client.baseUrl);
  assert.equal(await read(), a.sim.url);
  assert.equal(await read("other"), null, "another customer has no state");
  assert.deepEqual(snapshot(store), before, "nothing was written");
  assert.deepEqual(store.keys(), keys, "no lease taken or left");
  assert.equal(sent(a.sim).length, requests, "nothing was sent");

  // A state another API took over is that API's from its first save on.
  await pollerOf(b.client, store, { previousBaseUrl: a.sim.url }).poller.poll();
  assert.equal(await read(), b.sim.url);

  // State saved before states recorded their API: null (the first API to poll it takes it).
  const [key, value] = Object.entries(snapshot(store)).find(([, v]) => v.includes('"checkpointMs"'));
  store.set(key, value.replace(`,"api":"${b.sim.url}"`, ""));
  assert.equal(await read(), null);

  // What a poller refuses, this refuses: a customerId with "/", an empty one, the imports' name; no store.
  for (const [options, pattern] of [[{ store, customerId: "a/b" }, /customerId must be a non-empty string without '\/'/],
    [{ store, customerId: "" }, /customerId must be a non-empty string/], [{ store, customerId: "import" }, /customerId must not be "import"/],
    [{ store, customerId: 7 }, /customerId must be a string/], [{ customerId: "acme" }, /store must have get\(key\) and set\(key, value\)/],
    [{ store, customerId: "acme", baseUrl: a.sim.url }, /unknown option "baseUrl"; the options are store, customerId$/]]) {
    const e = await rejects(UserPoller.storedBaseUrl(options), "invalid_input");
    assert.match(e.message, /^UserPoller\.storedBaseUrl: /);
    assert.match(e.message, pattern);
  }
  // A state that cannot be read is a parse error, and a store that fails is that failure.
  store.set(key, "{not json");
  await rejects(read(), "parse");
  const broken = new Error("disk on fire");
  const e = await rejects(read("acme", { get: async () => { throw broken; }, set: async () => {} }), "network");
  assert.equal(e.cause, broken);
});

test("UserPoller and importRoster: previousBaseUrl is checked like a baseUrl", async (t) => {
  const a = await world(t, 1);
  for (const [value, pattern] of [[42, /previousBaseUrl must be a string/], ["ftp://old.example.org/v1", /previousBaseUrl: is not an http\(s\) URL/],
    ["http://old.example.org/v1", /previousBaseUrl: must use https outside loopback/]]) {
    const e = await rejects((async () => pollerOf(a.client, new MemoryStore(), { previousBaseUrl: value }))(), "invalid_input");
    assert.match(e.message, /^UserPoller: /);
    assert.match(e.message, pattern);
    const i = await rejects(importRoster(a.client, [], { store: new MemoryStore(), key: "k", previousBaseUrl: value }), "invalid_input");
    assert.match(i.message, /^importRoster: /);
    assert.match(i.message, pattern);
  }
  assert.deepEqual(sent(a.sim), []);
});

const person = (i) => ({ externalId: `ext-${i}`, firstName: `F${i}`, lastName: `L${i}`, email: `p${i}@roster.example.org` });
const posts = (sim) => sent(sim).filter((e) => e.method === "POST").length;

test("importRoster: progress under a key is of one API; another is refused before anything is sent or written, previousBaseUrl takes it over", async (t) => {
  const a = await startSimulator({ port: 0, users: 5, seed: 1 });
  const b = await startSimulator({ port: 0, users: 5, seed: 1 });
  const c = await startSimulator({ port: 0, users: 5, seed: 1 });
  t.after(() => Promise.all([a.close(), b.close(), c.close()]));
  const client = (s, baseUrl = s.url) => new VomoClient({ token: s.token, baseUrl, requestsPerSecond: 500 });
  const records = Array.from({ length: 6 }, (_, i) => person(i));
  const store = new MemoryStore();
  const r = await importRoster(client(a), records, { store, key: "nightly" });
  assert.equal(r.created.length, 6);
  const before = snapshot(store);
  assert.ok(Object.values(before).some((v) => v.includes(`"api":"${a.url}"`)));

  const e = await rejects(importRoster(client(b), records, { store, key: "nightly" }), "invalid_input");
  assert.ok(e.message.includes(`the import "nightly" for the API at ${a.url}`), e.message);
  assert.ok(e.message.includes(`previousBaseUrl: "${a.url}"`), e.message);
  assert.deepEqual(sent(b), []);
  assert.deepEqual(snapshot(store), before);

  // Another key is another import; the same API spelt with a trailing slash is the same API.
  assert.equal((await importRoster(client(b), records, { store, key: "first-on-b" })).created.length, 6);
  assert.equal(posts(b), 6);
  const again = await importRoster(client(a, `${a.url}/`), records, { store, key: "nightly" });
  assert.equal(again.created.length, 6);
  assert.equal(posts(a), 6, "a rerun against the same API sends nothing");

  // Taken over: settled records stay settled (the same organization has them); a new one is sent.
  const moved = await importRoster(client(b), [...records, person(6)], { store, key: "nightly", previousBaseUrl: a.url });
  assert.equal(moved.created.length, 7);
  assert.equal(posts(b), 7);
  await rejects(importRoster(client(a), records, { store, key: "nightly" }), "invalid_input");
  // Rebound even by a run that settles nothing new.
  await importRoster(client(c), records, { store, key: "nightly", previousBaseUrl: b.url });
  assert.equal(posts(c), 0);
  await importRoster(client(c), records, { store, key: "nightly" });
  await rejects(importRoster(client(b), records, { store, key: "nightly" }), "invalid_input");
});

test("a new customer's first poll that gets nowhere (a refused token, an API down) stores nothing: no state bound to that API, so another base URL needs no accepting; the next poll is still an initial sync", async (t) => {
  const a = await world(t, 2);
  const b = await world(t, 2); // the same organization at the address meant all along
  const store = new MemoryStore();
  const wrong = new VomoClient({ token: "not-the-token", baseUrl: a.sim.url, maxRetries: 0 });
  const refused = new UserPoller({ client: wrong, store, customerId: "acme", onUser() {} });
  await rejects(refused.poll(), "auth");
  assert.deepEqual(snapshot(store), {}, "nothing but the released lease");
  assert.equal(await UserPoller.storedBaseUrl({ store, customerId: "acme" }), null);
  assert.deepEqual(refused.health(), { stalled: true, lagMs: null, checkpoint: null }, "the instance knows it polled");
  assert.deepEqual(await new UserPoller({ client: wrong, store, customerId: "acme" }).loadHealth(), { stalled: false, lagMs: null, checkpoint: null }, "the store: never polled");
  // Polled at the other address: no previousBaseUrl needed, every user delivered once.
  const { poller, ids } = pollerOf(b.client, store);
  const r = await poller.poll();
  assert.equal(r.complete, true);
  assert.equal(ids.length, 20);
  assert.equal(new Set(ids).size, 20);
  assert.equal(await UserPoller.storedBaseUrl({ store, customerId: "acme" }), b.sim.url);
  // A poll that got somewhere and then failed keeps what it did: a second customer, its
  // backfill cut after its first page by an outage, is bound and goes on from there.
  a.sim.injectFault({ path: "/v1/users", page: 2, type: "status", status: 503, times: "always" });
  const p = new UserPoller({ client: new VomoClient({ token: a.sim.token, baseUrl: a.sim.url, requestsPerSecond: 500, maxRetries: 0 }),
    store, customerId: "globex", onUser() {} });
  await rejects(p.poll(), "server");
  assert.equal(await UserPoller.storedBaseUrl({ store, customerId: "globex" }), a.sim.url, "its first page was delivered: bound");
});

test("importRoster.storedBaseUrl: the API an import's progress is of, from the store alone, nothing sent or written", async (t) => {
  const a = await startSimulator({ port: 0, users: 5, seed: 1 });
  const b = await startSimulator({ port: 0, users: 5, seed: 1 }); // the same organization at a new address
  t.after(() => Promise.all([a.close(), b.close()]));
  const client = (s) => new VomoClient({ token: s.token, baseUrl: `${s.url}/`, requestsPerSecond: 500 });
  const store = new MemoryStore();
  const read = (key = "nightly", on = store) => importRoster.storedBaseUrl({ store: on, key });
  assert.equal(await read(), null, "no progress yet");
  await importRoster(client(a), [person(0), person(1)], { store, key: "nightly" });
  const before = snapshot(store);
  const keys = store.keys();
  const requests = sent(a).length;
  assert.equal(await read(), client(a).baseUrl, "as the client checked it");
  assert.equal(await read(), a.url);
  assert.equal(await read("other"), null, "another import has no progress");
  assert.deepEqual(snapshot(store), before, "nothing was written");
  assert.deepEqual(store.keys(), keys, "no lease taken or left");
  assert.equal(sent(a).length, requests, "nothing was sent");

  // Progress another API took over is that API's from its first save on.
  await importRoster(client(b), [person(0), person(1)], { store, key: "nightly", previousBaseUrl: a.url });
  assert.equal(await read(), b.url);

  // Progress saved before progress recorded its API: null (the first API to import with it takes it).
  const [key, value] = Object.entries(snapshot(store)).find(([k]) => k.endsWith("/nightly/log"));
  store.set(key, value.replace(`,"api":"${b.url}"`, ""));
  assert.equal(await read(), null);

  // What importRoster refuses, this refuses: a key with "/", an empty one; no store.
  for (const [options, pattern] of [[{ store, key: "a/b" }, /key must not contain '\/'/], [{ store, key: "" }, /key must be a non-empty string/],
    [{ store, key: 7 }, /key must be a string/], [{ key: "nightly" }, /store must have get\(key\) and set\(key, value\)/],
    [{ store, key: "nightly", baseUrl: a.url }, /unknown option "baseUrl"; the options are store, key$/]]) {
    const e = await rejects(importRoster.storedBaseUrl(options), "invalid_input");
    assert.match(e.message, /^importRoster\.storedBaseUrl: /);
    assert.match(e.message, pattern);
  }
  // Progress that cannot be read is a parse error, and a store that fails is that failure.
  store.set(key, "{not json");
  await rejects(read(), "parse");
  const broken = new Error("disk on fire");
  const e = await rejects(read("nightly", { get: async () => { throw broken; }, set: async () => {} }), "network");
  assert.equal(e.cause, broken);
});

test("VomoClient.baseUrl: the URL as checked, equal to the platform's own URL parser's reading less trailing slashes, and the text a state records", async (t) => {
  const client = (baseUrl) => new VomoClient({ token: "t0ken", ...(baseUrl === undefined ? {} : { baseUrl }) });
  assert.equal(client().baseUrl, "https://api.vomo.org/v1");
  // Differential: each spelling as Node's WHATWG URL reads it, the path's trailing slashes cut.
  const whatwg = (text) => { const u = new URL(text.trim()); return `${u.origin}${u.pathname.replace(/\/+$/, "") || "/"}`; }; // a root path stays "/"
  const spellings = ["HTTPS://API.vomo.org:443/v1/", " https://api.vomo.org/v1// ", "https://api.vomo.org/a/../v1", "https://api.vomo.org/v1/./",
    "https://API.Example.ORG:8443/v1", "http://LOCALHOST:4010/v1/", "http://127.0.0.1:80/v1", "http://[0:0:0:0:0:0:0:1]:4010/v1",
    "https://api.vomo.org/%7Ev1/", "https://xn--bcher-kva.example/v1", "https://api.vomo.org"];
  for (const s of spellings) assert.equal(client(s).baseUrl, whatwg(s), s);
  assert.equal(client("HTTPS://API.vomo.org:443/v1/").baseUrl, client("https://api.vomo.org/v1").baseUrl);
  assert.throws(() => { client("https://x.example/v1").baseUrl = "https://evil.example"; }, TypeError, "read-only");

  // What a poll records is that text; another spelling of the same URL polls on from it.
  const a = await world(t, 1);
  const store = new MemoryStore();
  const spelt = new VomoClient({ token: a.sim.token, baseUrl: `${a.sim.url.replace(/^http:/, "HTTP:")}//`, requestsPerSecond: 100 });
  assert.equal(spelt.baseUrl, a.sim.url);
  assert.equal((await pollerOf(spelt, store).poller.poll()).processed, 20);
  assert.ok(Object.values(snapshot(store)).some((v) => v.includes(`"api":${JSON.stringify(spelt.baseUrl)}`)));
  tick(a.sim);
  assert.equal((await pollerOf(a.client, store).poller.poll()).processed, 0);
});
