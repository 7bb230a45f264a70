// reconcile() in slices (maxRequests, resume) over HTTP against the simulator: each slice
// within its budget, retries included; resumed by another instance (another process's, say)
// while users are deleted, created and edited between the slices; the answer is the deleted
// users, and only they. A resume of another customer or API, or none of ours, is refused.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, rejects, tick } from "./helpers.mjs";

const setup = (t, options) => frozenWorld(t, { startSimulator, seed: 41, ...options });
const newPoller = (client, store, customerId = "acme") => new UserPoller({ client, store, customerId, onUser: () => {} });

test("reconcile in slices of 7 requests, 600 users, users deleted, created and edited between the slices, each slice by a new instance: exactly the deleted known users, every slice within its budget", { timeout: 120_000 }, async (t) => {
  const { sim, client } = await setup(t, { users: 600 });
  const store = new MemoryStore();
  await newPoller(client, store).poll();
  const known = sim.listAll().map((u) => u.id);
  const before = known.filter((_, i) => i % 20 === 7); // 30 deleted before it starts
  for (const id of before) sim.deleteUser(id);
  const during = [];
  const confirming = []; // the confirming phase's progress, across the slices
  const onProgress = (p) => { if (p.phase === "confirming") confirming.push([p.done, p.total]); };
  let r = await newPoller(client, store).reconcile({ maxRequests: 7, onProgress });
  const sizes = [];
  let slices = 1, mark = sim.log().length;
  while (r.resume) {
    sizes.push(sim.log().length - mark);
    assert.equal(r.complete, false);
    assert.equal(r.error, null);
    // Between slices: a known user deleted, two sign-ups, an edit (the list moves under the listing).
    const alive = sim.listAll().map((u) => u.id).filter((id) => known.includes(id));
    if (slices % 4 === 0) { const id = alive[(slices * 37) % alive.length]; sim.deleteUser(id); during.push(id); }
    sim.createUser({ first_name: `New${slices}`, last_name: "Signup", email: `new${slices}@example.org` });
    sim.updateUser(alive[slices % alive.length], { phone: `555-${slices}` });
    tick(sim, 1_000);
    mark = sim.log().length;
    r = await newPoller(client, store).reconcile({ maxRequests: 7, resume: r.resume, onProgress });
    slices++;
  }
  sizes.push(sim.log().length - mark);
  assert.equal(r.complete, true);
  assert.equal(r.resume, null);
  assert.ok(sizes.every((n) => n <= 7), `requests per slice: ${sizes.join(" ")}`);
  assert.ok(slices >= Math.ceil((600 / 15 + before.length) / 7), `${slices} slices`);
  const missing = new Set(r.missing);
  for (const id of before) assert.ok(missing.has(id), `user ${id}, deleted before it started, reported`);
  const deleted = new Set([...before, ...during]);
  for (const id of r.missing) assert.ok(deleted.has(id), `user ${id} reported missing, and VOMO still has it`);
  assert.deepEqual(r.missing, [...r.missing].sort((a, b) => a - b), "ascending");
  // One total for the whole confirming phase, whatever slice reports it, counted 1, 2, ... to it.
  const total = confirming[0][1];
  assert.ok(total >= before.length, JSON.stringify(confirming));
  assert.deepEqual(confirming, confirming.map((_, i) => [i + 1, total]), "done counts every candidate once, of one total");
  assert.equal(confirming.length, total);
});

test("reconcile in slices while VOMO answers 502 now and then: the retries count against each slice's budget, and it still ends with the deleted users", { timeout: 120_000 }, async (t) => {
  const { sim, client } = await setup(t, { users: 150 });
  const store = new MemoryStore();
  await newPoller(client, store).poll();
  const gone = sim.listAll().filter((_, i) => i % 25 === 3).map((u) => u.id);
  for (const id of gone) sim.deleteUser(id);
  const fast = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, maxRetries: 2 });
  let r = null, slices = 0;
  do {
    sim.injectFault({ type: "status", status: 502, times: 2 }); // the slice's first two sends fail
    const mark = sim.log().length;
    r = await newPoller(fast, store).reconcile({ maxRequests: 4, ...(r ? { resume: r.resume } : {}) });
    assert.ok(sim.log().length - mark <= 4, `slice ${slices}: ${sim.log().length - mark} requests`);
    assert.equal(r.error, null, r.error?.message);
    slices++;
  } while (r.resume && slices < 200);
  assert.equal(r.complete, true);
  assert.deepEqual(r.missing, [...gone].sort((a, b) => a - b));
});

test("reconcile: a resume of another customer or API, or not one a reconcile returned, is refused; maxRequests must be a whole number of at least 1", async (t) => {
  const { sim, client } = await setup(t, { users: 40 });
  const store = new MemoryStore();
  await newPoller(client, store).poll();
  await newPoller(client, store, "globex").poll();
  const { resume } = await newPoller(client, store).reconcile({ maxRequests: 1 });
  assert.equal(typeof resume, "string");
  await rejects(newPoller(client, store, "globex").reconcile({ maxRequests: 1, resume }), "invalid_input");
  const elsewhere = new VomoClient({ token: sim.token, baseUrl: sim.url.replace("127.0.0.1", "localhost"), requestsPerSecond: 500 });
  await rejects(newPoller(elsewhere, new MemoryStore()).reconcile({ resume }), "invalid_input");
  await rejects(newPoller(client, store).reconcile({ resume: "{}" }), "invalid_input");
  await rejects(newPoller(client, store).reconcile({ resume: 42 }), "invalid_input");
  for (const maxRequests of [0, 1.5, -1, "3"]) await rejects(newPoller(client, store).reconcile({ maxRequests }), "invalid_input");
  // Without maxRequests, a resume goes on to the end in one call.
  const r = await newPoller(client, store).reconcile({ resume });
  assert.deepEqual([r.complete, r.missing, r.resume], [true, [], null]);
});
