// A customer's state is one VOMO API's: the package records in each Durable Object's poller
// state (checkpoint, known ids) the API base URL of its first slice, and the object reads it
// (UserPoller.storedBaseUrl). Another VOMO_BASE_URL (the simulator, then the real API) is a
// configuration error, sent nowhere and not retried, until the URL is set back or
// POST /customers/:id/accept-base-url moves the state to it.
// Real workerd (Miniflare), two simulators, a new runtime on the same storage for each
// change of vars (a redeploy).
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { repo } from "./example.mjs";
import { pathToFileURL } from "node:url";
import { ADMIN_TOKEN, FAST, example, startSimulator, startSink, startWorker, until } from "./harness.mjs";

const { Miniflare } = createRequire(join(repo, "package.json"))("miniflare");
const { VomoClient } = await import(pathToFileURL(join(example(), "node_modules/vomo-users/index.mjs")).href);
/** A base URL as the package reads it (`client.baseUrl`): what a state records and health shows. */
const apiOf = (url) => new VomoClient({ token: "t", baseUrl: url }).baseUrl;

/** Two APIs: A (10 users, January) and B (another organization, 12 users, June). */
async function world(t, b = { users: 12, seed: 7, now: "2026-06-01T00:00:00Z" }) {
  const A = await startSimulator({ port: 0, users: 10, seed: 121, now: "2026-01-01T00:00:00Z" });
  t.after(() => A.close());
  const B = await startSimulator({ port: 0, ...b });
  t.after(() => B.close());
  const sink = await startSink(t);
  const persist = mkdtempSync(join(tmpdir(), "vomo-cf-base-url-"));
  t.after(() => rmSync(persist, { recursive: true, force: true }));
  /** A new runtime on the same storage, polling `sim` (a redeploy with VOMO_BASE_URL changed). */
  const deploy = (sim, baseUrl = sim.url) => startWorker(t, {
    sink, persist, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: baseUrl, RETRY_DELAY_MS: "100" },
    secrets: { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token },
  });
  return { A, B, sink, persist, deploy };
}

/** Backfills acme against A (10 users), then redeploys against B and runs its cron once. */
async function movedToB(t, w) {
  const a = await w.deploy(w.A);
  w.A.advanceClock(10_000);
  await a.cron();
  const backfilled = await a.settled("acme", 1);
  assert.equal(backfilled.lastPoll.ok, true, JSON.stringify(backfilled.lastPoll.error));
  assert.equal(backfilled.lastPoll.result.processed, 10);
  await until(() => w.sink.events().length >= 10, "A's 10 users delivered");
  await a.dispose();
  const b = await w.deploy(w.B);
  w.B.advanceClock(10_000);
  await b.cron();
  const h = await b.settled("acme", 2);
  return { a: backfilled, b, h };
}

test("VOMO_BASE_URL changed: the next alarm sends nothing to the new API, records a config error naming both URLs, and schedules no retry", async (t) => {
  const w = await world(t);
  const { a, b, h } = await movedToB(t, w);
  assert.equal(w.B.log().length, 0, "nothing was sent to B");
  assert.equal(w.sink.events().length, 10, "nothing delivered from B");
  const polls = b.polls("acme");
  assert.equal(polls.length, 1, "one slice: no retry alarm");
  assert.equal(polls[0].error?.kind, "config", JSON.stringify(polls[0].error));
  assert.equal(polls[0].error.retryable, false);
  assert.equal(polls[0].nextAlarm, null);
  const message = polls[0].error.message;
  for (const part of [apiOf(w.A.url), apiOf(w.B.url), "Set VOMO_BASE_URL back", "POST /customers/acme/accept-base-url", "start the customer over"]) {
    assert.ok(message.includes(part), `the message names ${part}: ${message}`);
  }
  // The health route: the slice's error, the binding, the same message, no alarm pending.
  assert.equal(h.lastPoll.trigger, "alarm");
  assert.deepEqual(h.lastPoll.error, polls[0].error);
  assert.equal(h.configError, message);
  assert.equal(h.baseUrl, apiOf(w.A.url));
  assert.equal(h.health, null, "A's checkpoint is not shown as B's");
  assert.equal(h.nextAlarm, null);
  assert.equal(h.metrics.consecutiveErrors, 1);
  // "Poll now" too: the same error, nothing sent.
  const now = await b.pollNow("acme");
  assert.equal(now.error?.kind, "config");
  assert.equal(now.error.message, message);
  assert.equal(now.nextAlarm, null);
  assert.equal(w.B.log().length, 0);
  assert.ok(a.health.checkpoint);
});

test("VOMO_BASE_URL set back: polling resumes from the checkpoint, nothing delivered twice", async (t) => {
  const w = await world(t);
  const { a } = await movedToB(t, w);
  const [changed] = w.A.listAll();
  w.A.updateUser(changed.id, { first_name: "Back" });
  w.A.advanceClock(10_000);
  const back = await w.deploy(w.A, `${w.A.url}/`); // the same API: the binding compares URLs as the client reads them
  await back.cron();
  const h = await back.settled("acme", 3);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.equal(h.lastPoll.result.processed, 1, "only the change since the checkpoint");
  await until(() => w.sink.events().length >= 11, "the change delivered");
  const events = w.sink.events();
  assert.equal(events.length, 11, "A's 10 users once, and the change");
  assert.equal(events[10].id, changed.id);
  assert.equal(events[10].user.firstName, "Back");
  assert.equal(new Set(events.map((e) => e.idempotencyKey)).size, 11, "no redelivery");
  assert.ok(h.health.checkpoint > a.health.checkpoint, "the checkpoint moved on from A's");
  assert.equal(w.B.log().length, 0);
  assert.equal(h.configError, null);
  assert.equal(h.baseUrl, apiOf(w.A.url));
});

test("POST /customers/:id/accept-base-url binds the state to the new URL, keeping the checkpoint: the next poll goes on from it against the new API", async (t) => {
  // B is the same organization (the same users) under a new address.
  const w = await world(t, { users: 10, seed: 121, now: "2026-01-01T00:00:00Z" });
  const { a, b } = await movedToB(t, w);
  assert.equal(w.B.log().length, 0);
  const unauthorized = await b.call("POST", "/customers/acme/accept-base-url", { token: "wrong" });
  assert.equal(unauthorized.status, 401, "behind ADMIN_TOKEN like the other routes");
  assert.equal((await b.call("GET", "/customers/acme/accept-base-url")).status, 405);
  assert.equal((await b.call("POST", "/customers/nobody/accept-base-url")).status, 404);
  const accepted = await b.call("POST", "/customers/acme/accept-base-url");
  assert.equal(accepted.status, 200, accepted.text);
  assert.deepEqual(accepted.body, { customerId: "acme", baseUrl: apiOf(w.B.url), previous: apiOf(w.A.url) });
  const h = await b.health("acme");
  assert.equal(h.configError, null);
  assert.equal(h.baseUrl, apiOf(w.B.url));
  assert.equal(h.health.checkpoint, a.health.checkpoint, "the checkpoint is kept");
  // The next poll: from A's checkpoint, against B: only B's change after it, no backfill.
  const [changed] = w.B.listAll();
  w.B.updateUser(changed.id, { first_name: "Moved" });
  w.B.advanceClock(10_000);
  await b.cron();
  const after = await b.settled("acme", 3);
  assert.equal(after.lastPoll.ok, true, JSON.stringify(after.lastPoll.error));
  assert.equal(after.lastPoll.result.processed, 1, "the change only: no backfill of B");
  assert.ok(w.B.log().length > 0, "B was polled");
  await until(() => w.sink.events().length >= 11, "B's change delivered");
  assert.equal(w.sink.events().length, 11);
  assert.equal(w.sink.events()[10].user.firstName, "Moved");
  // Now bound to B: A is the other API.
  await b.dispose();
  const a2 = await w.deploy(w.A);
  const poll = await a2.pollNow("acme");
  assert.equal(poll.error?.kind, "config");
  assert.ok(poll.error.message.includes(`at ${apiOf(w.B.url)}`), poll.error.message);
});

/**
 * Takes the API the package recorded out of customer `id`'s poller state in `persist`, as
 * releases before it wrote the state, from a Worker of the same name and class on the same
 * storage (another runtime); returns the object's keys and how many values it changed.
 */
async function stripApi(persist, id) {
  const mf = new Miniflare({
    name: "poller", modules: true, compatibilityDate: "2026-04-01", durableObjectsPersist: persist,
    durableObjects: { POLLER: { className: "CustomerPoller", useSQLite: true } },
    script: `
      import { DurableObject } from "cloudflare:workers";
      export class CustomerPoller extends DurableObject {
        async fetch() {
          const entries = await this.ctx.storage.list();
          let stripped = 0;
          for (const [k, v] of entries) {
            if (typeof v === "string" && v.includes('"checkpointMs"') && v.includes('"api":')) {
              await this.ctx.storage.put(k, v.replace(/,"api":"[^"]*"/, ""));
              stripped++;
            }
          }
          return Response.json({ keys: [...entries.keys()], stripped });
        }
      }
      export default { fetch: (request, env) => env.POLLER.get(env.POLLER.idFromName(${JSON.stringify(id)})).fetch(request) };`,
  });
  try {
    const res = await mf.dispatchFetch("http://maintenance.local/");
    return await res.json();
  } finally {
    await mf.dispose();
  }
}

test("an object with state from before the binding is bound to VOMO_BASE_URL on its next slice", async (t) => {
  const w = await world(t);
  const first = await w.deploy(w.A);
  w.A.advanceClock(10_000);
  await first.cron();
  assert.equal((await first.settled("acme", 1)).lastPoll.ok, true);
  await first.dispose();
  // Make it an object from before the binding: its state, no base URL.
  const { keys, stripped } = await stripApi(w.persist, "acme");
  assert.equal(stripped, 1, "the poller's state recorded its API");
  assert.ok(keys.includes("ops/customer") && keys.some((k) => k.startsWith("vomo-users/")), `acme's object, with state: ${keys}`);
  assert.deepEqual(keys.filter((k) => k.startsWith("ops/") && k.includes("url")), [], `no record of the URL of the object's own: ${keys}`);

  const b = await w.deploy(w.B);
  const before = await b.health("acme");
  assert.equal(before.baseUrl, null, "not bound");
  assert.equal(before.configError, null, "an unbound object is no error");
  w.B.advanceClock(10_000);
  await b.cron();
  const h = await b.settled("acme", 2);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.ok(w.B.log().length > 0, "B was polled");
  assert.equal(h.baseUrl, apiOf(w.B.url), "bound by that slice, to the VOMO_BASE_URL it ran with");
  await b.dispose();
  // From now on A is another API.
  const a = await w.deploy(w.A);
  await a.cron();
  const refused = await a.settled("acme", 3);
  assert.equal(refused.lastPoll.error?.kind, "config", JSON.stringify(refused.lastPoll));
  assert.ok(refused.configError.includes(`at ${apiOf(w.B.url)}`) && refused.configError.includes(apiOf(w.A.url)), refused.configError);
});

test("accept-base-url twice before a slice keeps the first API's state for the move; set back to it, no move is left", async (t) => {
  // A, B and C: one organization (the same users) under three addresses.
  const same = { users: 10, seed: 121, now: "2026-01-01T00:00:00Z" };
  const w = await world(t, same);
  const C = await startSimulator({ port: 0, ...same });
  t.after(() => C.close());
  const { a, b } = await movedToB(t, w);
  assert.equal((await b.call("POST", "/customers/acme/accept-base-url")).status, 200);
  await b.dispose();
  // Redeployed at C before any slice ran at B: the state is B's now (accepted), so C is refused, naming B.
  const c = await w.deploy(C);
  let h = await c.health("acme");
  assert.equal(h.baseUrl, apiOf(w.B.url));
  assert.ok(h.configError?.includes(`at ${apiOf(w.B.url)}`) && h.configError.includes(apiOf(C.url)), h.configError);
  const refused = await c.pollNow("acme");
  assert.equal(refused.error?.kind, "config");
  assert.equal(C.log().length, 0, "nothing sent to C");
  // Accepted again: the move is from A's state (no slice took it over) to C.
  const accepted = await c.call("POST", "/customers/acme/accept-base-url");
  assert.deepEqual(accepted.body, { customerId: "acme", baseUrl: apiOf(C.url), previous: apiOf(w.B.url) });
  C.advanceClock(10_000); // where A's and B's clocks stood
  const [changed] = C.listAll();
  C.updateUser(changed.id, { first_name: "Third" });
  C.advanceClock(10_000);
  await c.cron();
  h = await c.settled("acme", 4);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.equal(h.lastPoll.result.processed, 1, "from A's checkpoint: the change only");
  assert.equal(h.baseUrl, apiOf(C.url));
  assert.equal(w.B.log().length, 0, "B was never polled");
  await until(() => w.sink.events().length >= 11, "C's change delivered");
  assert.equal(w.sink.events()[10].user.firstName, "Third");
  assert.ok(h.health.checkpoint > a.health.checkpoint);

  // Accepting A again and then setting VOMO_BASE_URL back to C before a slice: C is the state's
  // own API, so accepting there leaves no move (A is not taken as C's previous address).
  await c.dispose();
  const aRequests = w.A.log().length;
  const back = await w.deploy(w.A);
  assert.deepEqual((await back.call("POST", "/customers/acme/accept-base-url")).body,
    { customerId: "acme", baseUrl: apiOf(w.A.url), previous: apiOf(C.url) });
  await back.dispose();
  const c2 = await w.deploy(C);
  assert.equal((await c2.health("acme")).baseUrl, apiOf(w.A.url), "the accepted move to A is pending");
  assert.deepEqual((await c2.call("POST", "/customers/acme/accept-base-url")).body,
    { customerId: "acme", baseUrl: apiOf(C.url), previous: apiOf(w.A.url) });
  h = await c2.health("acme");
  assert.equal(h.baseUrl, apiOf(C.url));
  assert.equal(h.configError, null);
  const quiet = await c2.pollNow("acme");
  assert.equal(quiet.ok, true, JSON.stringify(quiet.error));
  assert.equal(quiet.result.processed, 0);
  assert.equal(w.A.log().length, aRequests, "nothing sent to A: the move accepted there never ran");
});

test("POST /customers/:id/resync forgets the state of the other API: the slice it schedules backfills every user of the new one; while a slice polls it is refused (409) and nothing is forgotten", async (t) => {
  const w = await world(t); // B: another organization
  const { b } = await movedToB(t, w);
  assert.equal((await b.call("POST", "/customers/acme/resync", { token: "wrong" })).status, 401);
  assert.equal((await b.call("GET", "/customers/acme/resync")).status, 405);
  assert.equal((await b.call("POST", "/customers/nobody/resync")).status, 404);
  assert.equal(w.B.log().length, 0);

  const resync = await b.call("POST", "/customers/acme/resync");
  assert.equal(resync.status, 200, resync.text);
  assert.deepEqual([resync.body.customerId, resync.body.forgotten], ["acme", true]);
  assert.ok(Date.parse(resync.body.nextAlarm) <= Date.now(), resync.body.nextAlarm);
  const h = await b.settled("acme", 3);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.equal(h.lastPoll.result.processed, 12, "a backfill of B");
  assert.deepEqual([h.configError, h.baseUrl], [null, apiOf(w.B.url)], "the new state is B's");
  await until(() => w.sink.events().length >= 22, "B's 12 users delivered");
  assert.deepEqual(w.sink.events().slice(10).map((e) => e.id).sort((x, y) => x - y), w.B.listAll().map((u) => u.id));
  assert.equal(b.output.lines.filter((l) => l.msg === "vomo.resync").length, 1);

  // A slice holding the state's lease (its request waits at B): refused, the checkpoint kept.
  w.B.configure({ latencyMs: 1500 });
  const sent = w.B.log().length;
  const slice = b.pollNow("acme");
  await until(() => w.B.log().length > sent || undefined, "the slice's request at B");
  const refused = await b.call("POST", "/customers/acme/resync");
  assert.equal(refused.status, 409, refused.text);
  assert.match(refused.body.error, /a slice of this customer is polling now/);
  // A second "poll now" meanwhile: 409, so `curl -f` sees that it did not run.
  const second = await b.call("POST", "/customers/acme/poll");
  assert.deepEqual([second.status, second.body.ok, second.body.error?.kind], [409, false, "busy"], second.text);
  assert.equal((await slice).ok, true);
  w.B.configure({ latencyMs: 0 });
  const quiet = await b.pollNow("acme");
  assert.equal(quiet.result.processed, 0, "nothing forgotten: no user again");
  assert.equal(w.sink.events().length, 22);
});
