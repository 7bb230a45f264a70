// Delivery from the example Worker in real workerd. Webhooks: every event signed with
// HMAC-SHA256 (checked here with node:crypto, independently of the Worker's code) and
// carrying its idempotency key; a receiver that keeps refusing one change makes it a dead
// letter, retried on later slices and finally sent, signed, to the dead-letter endpoint.
// Queues: a record that cannot be read goes to the dead-letter queue, once.
import test from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, FAST, WEBHOOK_SECRET, scenario, startWorker, until, verifySignature } from "./harness.mjs";

/**
 * A frozen simulator of `users` users, a sink, and the example in Miniflare delivering one
 * customer ("acme") by `vars` (webhook or queue) into the sink; `before(sim, sink)` runs
 * before the Worker starts. The simulator's clock is then moved past the poller's margin.
 */
async function deliveryWorld(t, { users, seed, vars = {}, secrets = {}, before = () => {} }) {
  const { sim, sink } = await scenario(t, { users, seed, now: "2026-01-01T00:00:00Z" });
  const extra = before(sim, sink);
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, ...(typeof vars === "function" ? vars(sink) : vars) },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN, ...secrets },
  });
  sim.advanceClock(10_000);
  return { sim, sink, w, extra };
}

/** A cron's kick of "acme", and the chain of slices it starts, run to their end (an
 *  invocation more, no alarm left, no slice running): the customer's health then. */
async function afterCron(w, what) {
  const n = (await w.health("acme")).metrics.invocations;
  await w.cron();
  return until(async () => {
    const h = await w.health("acme");
    return h.metrics.invocations > n && h.nextAlarm === null && !h.sliceRunning && h;
  }, what, 120_000);
}

const webhook = (sink, more = {}) => ({ DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook`, ...more });

test("webhook: HMAC-SHA256 signatures, idempotency keys, a refused change retried then dead-lettered", async (t) => {
  const { sim, sink, w, extra: victim } = await deliveryWorld(t, {
    users: 30, seed: 81, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { DEAD_LETTER_URL: `${sink.url}/dead`, MAX_ATTEMPTS: "2", RETRY_FOR_MS: "0" }),
    before: (sim, sink) => {
      const victim = sim.listAll()[7].id;
      sink.refuse = (body, path) => path === "/webhook" && body.id === victim;
      return victim;
    },
  });
  const first = await w.pollNow("acme");
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.deepEqual([first.result.processed, first.result.failed], [29, 1]);
  assert.equal(sink.webhook.length, 29, "29 accepted; the refused one is not recorded");
  for (const entry of sink.webhook) {
    assert.ok(verifySignature(entry), `a valid signature on ${entry.body.idempotencyKey}`);
    assert.equal(entry.headers["idempotency-key"], entry.body.idempotencyKey);
    assert.equal(entry.body.idempotencyKey, `acme/${entry.body.id}/${entry.body.updatedAt}`);
    assert.equal(entry.headers["content-type"], "application/json");
  }
  // The check above is not trivially true: a changed byte, another secret, no header all fail.
  const sample = sink.webhook[0];
  assert.equal(verifySignature({ ...sample, raw: sample.raw.replace("acme", "acmf") }), false);
  assert.equal(verifySignature(sample, "another secret"), false);
  assert.equal(verifySignature({ ...sample, headers: {} }), false);
  assert.equal(sink.dead.length, 0, "attempt 1 of 2 is not final");

  // The next slice offers the change again (attempt 2 of 2): refused again while another
  // change goes through (the receiver is shown to work, so this is not an outage), so it is
  // given up and goes to the dead-letter endpoint, signed, with the change's idempotency key.
  sim.updateUser(sim.listAll()[2].id, { phone: "555-0102" });
  sim.advanceClock(10_000);
  const second = await w.pollNow("acme");
  assert.equal(second.ok, true, JSON.stringify(second.error));
  assert.equal(sink.dead.length, 1);
  const dead = sink.dead[0];
  assert.ok(verifySignature(dead));
  assert.equal(dead.body.type, "dead_letter");
  assert.equal(dead.body.attempt, 2);
  assert.equal(dead.body.user.id, victim);
  assert.equal(dead.body.idempotencyKey, `acme/${victim}/${dead.body.user.updatedAt}`);
  assert.equal(dead.headers["idempotency-key"], dead.body.idempotencyKey);
  assert.match(dead.body.error.message, /webhook answered 500/);
  const health = await w.health("acme");
  assert.equal(health.metrics.deadLetters, 1);
  assert.equal(health.metrics.delivered, 30, "29, then the other change");
  const letters = w.output.lines.filter((l) => l.msg === "vomo.dead_letter");
  assert.deepEqual(letters.map((l) => [l.attempt, l.final]), [[1, false], [2, true]]);

  // The receiver recovers: nothing more is sent for the given-up change, and nothing twice.
  sink.refuse = () => false;
  sim.advanceClock(10_000);
  const third = await w.pollNow("acme");
  assert.equal(third.ok, true);
  assert.equal(sink.webhook.length, 30);
  assert.equal(new Set(sink.webhook.map((e) => e.body.idempotencyKey)).size, 30);
  assert.ok(!w.output.text.includes(WEBHOOK_SECRET) && !w.output.text.includes(sim.token));
});

test("webhook: a change given up while the dead-letter endpoint is down too is not lost: it is given up again, and sent once the endpoint is back", async (t) => {
  let deadUp = false;
  const { sim, sink, w, extra: victim } = await deliveryWorld(t, {
    users: 30, seed: 83, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { DEAD_LETTER_URL: `${sink.url}/dead`, MAX_ATTEMPTS: "1", RETRY_FOR_MS: "0" }),
    before: (sim, sink) => {
      const victim = sim.listAll()[7].id;
      sink.refuse = (body, path) => (path === "/webhook" && body.id === victim) || (path === "/dead" && !deadUp);
      return victim;
    },
  });
  const first = await w.pollNow("acme");
  assert.deepEqual([first.result.processed, first.result.failed], [29, 1]);
  assert.equal(sink.dead.length, 0);
  assert.equal((await w.health("acme")).metrics.deadLetters, 0, "not counted: it reached no one");
  assert.equal(w.output.lines.filter((l) => l.msg === "vomo.dead_letter_failed").length, 1);

  // The endpoint is back: the next slice (with another change that goes through) gives the
  // change up again, and this time it lands.
  deadUp = true;
  sim.updateUser(sim.listAll()[2].id, { phone: "555-0103" });
  sim.advanceClock(10_000);
  await w.pollNow("acme");
  assert.equal(sink.dead.length, 1);
  assert.equal(sink.dead[0].body.user.id, victim);
  assert.equal((await w.health("acme")).metrics.deadLetters, 1);
  sim.updateUser(sim.listAll()[2].id, { phone: "555-0104" });
  sim.advanceClock(10_000);
  await w.pollNow("acme");
  assert.equal(sink.dead.length, 1, "sent once: settled after it landed");
});

test("webhook: a participation event the receiver refuses for good is given up after MAX_ATTEMPTS and sent once to the dead-letter endpoint, keyed as its participation event; then not offered again", async (t) => {
  const { sim, sink, w, extra: victim } = await deliveryWorld(t, {
    users: 20, seed: 85, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { DEAD_LETTER_URL: `${sink.url}/dead`, MAX_ATTEMPTS: "2", PARTICIPATIONS: "changed-users", RETRY_FOR_MS: "0" }),
    before: (sim, sink) => {
      const victim = sim.listAll().find((u) => sim.getUser(u.id).participations.length > 1);
      const date = Number(sim.getUser(victim.id).participations[0].project_date_id);
      const refusedKeys = [];
      sink.refuse = (body, path) => {
        const refuse = path === "/webhook" && body.type?.startsWith("participation.") && body.participation?.projectDateId === date;
        if (refuse) refusedKeys.push(body.idempotencyKey);
        return refuse;
      };
      return { id: victim.id, date, refusedKeys };
    },
  });
  const others = sim.listAll().filter((u) => u.id !== victim.id);
  const first = await w.pollNow("acme");
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.equal(sink.dead.length, 0, "attempt 1 is not final");
  // Each later slice has another user's change, so a success follows the refusal.
  for (let i = 0; i < 4 && sink.dead.length === 0; i++) {
    sim.updateUser(others[i].id, { phone: `555-02${i}` });
    sim.advanceClock(10_000);
    assert.equal((await w.pollNow("acme")).ok, true);
  }
  assert.equal(sink.dead.length, 1, "given up, sent once");
  const dead = sink.dead[0];
  assert.ok(verifySignature(dead));
  assert.equal(dead.body.type, "dead_letter");
  assert.equal(dead.body.user.id, victim.id);
  assert.equal(dead.body.participation.kind, "added");
  assert.equal(dead.body.participation.participation.projectDateId, victim.date);
  assert.match(dead.body.idempotencyKey, new RegExp(`^acme/${victim.id}/p/\\d+/${victim.date}/added/[0-9a-f]{16}$`));
  assert.equal(dead.headers["idempotency-key"], dead.body.idempotencyKey);
  assert.deepEqual([...new Set(victim.refusedKeys)], [dead.body.idempotencyKey], "refused, offered again and given up under one key");
  const sent = sink.webhook.length;
  for (let i = 0; i < 2; i++) {
    sim.updateUser(others[5 + i].id, { phone: `555-03${i}` });
    sim.advanceClock(10_000);
    await w.pollNow("acme");
  }
  assert.equal(sink.dead.length, 1, "not given up twice");
  assert.equal(sink.webhook.length, sent + 2, "the two users' changes, and no participation event of the given-up one");
});

test("webhook: a record that cannot be read, while the dead-letter endpoint is down, is sent once the endpoint is back", async (t) => {
  // An outside pass: each such record was offered once, got a 500, and was never sent again.
  let deadUp = false;
  const { sim, sink, w, extra: broken } = await deliveryWorld(t, {
    users: 20, seed: 84, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { DEAD_LETTER_URL: `${sink.url}/dead` }),
    before: (sim, sink) => {
      const broken = sim.listAll()[5].id;
      sim.updateUser(broken, { email: null });
      sink.refuse = (body, path) => path === "/dead" && !deadUp;
      return broken;
    },
  });
  const first = await w.pollNow("acme");
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.equal(sink.dead.length, 0);
  assert.equal(w.output.lines.filter((l) => l.msg === "vomo.dead_letter_failed").length, 1);
  deadUp = true;
  sim.advanceClock(10_000);
  await w.pollNow("acme");
  assert.equal(sink.dead.length, 1, "sent by the next slice");
  assert.equal(sink.dead[0].body.user.id, broken);
  assert.equal(sink.dead[0].body.error.kind, "parse");
  sim.advanceClock(10_000);
  await w.pollNow("acme");
  assert.equal(sink.dead.length, 1, "sent once");
});

test("webhook: a redirect is not a delivery (a followed 302 turns the POST into a GET without the body): the change fails and is delivered on the next poll", async (t) => {
  const { sim, sink, w, extra: victim } = await deliveryWorld(t, {
    users: 10, seed: 82, secrets: { WEBHOOK_SECRET }, vars: (sink) => webhook(sink),
    before: (sim, sink) => {
      const victim = sim.listAll()[3].id;
      sink.redirect = (body, path) => path === "/webhook" && body.id === victim;
      return victim;
    },
  });
  const first = await w.pollNow("acme");
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.deepEqual([first.result.processed, first.result.failed], [9, 1]);
  assert.deepEqual(sink.landed, [], "the redirect was not followed");
  sink.redirect = () => false;
  sim.advanceClock(10_000);
  const second = await w.pollNow("acme");
  assert.equal(second.ok, true, JSON.stringify(second.error));
  assert.deepEqual(sink.webhook.filter((e) => e.body.id === victim).length, 1, "delivered once, by the next poll");
});

test("queue: a record VOMO sends that cannot be read goes, once, to the dead-letter queue; the others to the events queue", async (t) => {
  const { sim, sink, w, extra: broken } = await deliveryWorld(t, {
    users: 12, seed: 82,
    before: (sim) => {
      const broken = sim.listAll()[4].id;
      sim.updateUser(broken, { email: null });  // a user without an email: the package refuses to parse it
      return broken;
    },
  });
  await w.cron();
  const h = await w.settled("acme", 1);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  await until(() => sink.events().length >= 11 && sink.events("vomo-user-dead-letters").length >= 1, "11 events and 1 dead letter");
  const [dead] = sink.events("vomo-user-dead-letters");
  assert.equal(dead.type, "dead_letter");
  assert.equal(dead.customerId, "acme");
  assert.equal(dead.error.kind, "parse");
  assert.equal(dead.user.id, broken, "the raw record as VOMO sent it");
  // Keyed as its user event would be, from the raw id and updated_at, so a sink can drop it
  // when a dead-letter target that was down has it offered again.
  assert.equal(dead.idempotencyKey, `acme/${broken}/${new Date(dead.user.updated_at).toISOString()}`);
  assert.match(dead.idempotencyKey, /^acme\/\d+\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(!sink.events().some((e) => e.id === broken));
  assert.equal(h.metrics.deadLetters, 1);

  // The next poll does not send it again.
  sim.advanceClock(10_000);
  await w.cron();
  const h2 = await w.settled("acme", 2);
  assert.equal(h2.metrics.deadLetters, 1, "no second dead letter was sent");
  assert.equal(sink.events("vomo-user-dead-letters").length, 1);
  assert.equal(sink.events().length, 11);

  // Records whose id is not a positive whole number: dead letters keyed null, not `acme/-5/...`.
  const at = new Date(sim.now() - 8_000).toISOString().replace(/\.\d+Z$/, "+00:00");
  const record = (id) => ({ ...sim.listAll()[0], id, email: `odd${String(id).replace(/\W/g, "")}@example.org`, created_at: at, updated_at: at });
  const ids = [-5, 1.5];
  sim.injectFault({ type: "status", status: 200, path: "/v1/users", times: 1, body: {
    data: ids.map(record), links: { first: null, last: null, prev: null, next: null },
    meta: { current_page: 1, from: 1, to: 2, last_page: 1, path: `${sim.url}/users`, per_page: 15, total: 2 } } });
  await w.cron();
  await w.settled("acme", 3);
  await until(() => sink.events("vomo-user-dead-letters").length >= 3, "two more dead letters");
  const odd = sink.events("vomo-user-dead-letters").slice(1);
  assert.deepEqual(odd.map((d) => d.user.id).sort(), ids.sort());
  assert.deepEqual(odd.map((d) => d.idempotencyKey), [null, null], "no key from an id VOMO never gives");
});

test("queue: a user whose detail would pass the queue's 128 KB message limit arrives trimmed of its lists (saying so), not as a dead letter that fails too; the others whole", async (t) => {
  const { sink, w, extra: heavy } = await deliveryWorld(t, {
    users: 5, seed: 83, vars: { PARTICIPATIONS: "changed-users" },
    before: (sim) => {
      const heavy = sim.listAll()[2].id;
      for (let i = 0; i < 900; i++) sim.addParticipation(heavy, { project_id: 900 + (i % 7), project_date_id: 800_000 + i, hours: "2.50" });
      return heavy;
    },
  });
  await w.cron();
  const h = await w.settled("acme", 1);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  const users = await until(() => {
    const u = sink.events().filter((e) => e.type.startsWith("user."));
    return u.length >= 5 && u;
  }, "the 5 users");
  const big = users.find((e) => e.id === heavy);
  assert.ok(big.trimmed, "the heavy user's message says it was trimmed");
  assert.ok(big.trimmed.bytes > 128_000, `whole, it was ${big.trimmed.bytes} bytes: past the queue's limit`);
  assert.deepEqual(big.trimmed.omitted.sort(), ["participations", "profileFieldValues", "warnings"]);
  assert.equal(big.user.participations, undefined);
  assert.equal(big.user.id, heavy);
  assert.equal(typeof big.user.email, "string");
  assert.ok(Buffer.byteLength(JSON.stringify(big)) <= 126_000);
  for (const e of users.filter((e) => e.id !== heavy)) {
    assert.equal(e.trimmed, undefined, "a message within the limit is sent whole");
    assert.ok(Array.isArray(e.user.participations));
  }
  // Its participation changes arrive as messages of their own, once each; nothing was given up.
  const added = await until(() => {
    const p = sink.events().filter((e) => e.type === "participation.added" && e.userId === heavy);
    return p.length >= 900 && p;
  }, "the heavy user's 900 sign-ups", 60_000);
  const mine = added.filter((e) => e.participation.projectDateId >= 800_000);
  assert.equal(mine.length, 900);
  assert.equal(new Set(mine.map((e) => e.participation.projectDateId)).size, 900, "each sign-up once");
  assert.equal(sink.events("vomo-user-dead-letters").length, 0);
  assert.equal(h.metrics.deadLetters, 0);
  assert.equal(h.lastPoll.result.failed, 0);
});

test("webhook: a receiver that is down stops the slice as handler_outage, and poll-now answers 502 (curl -f sees it) with the outcome; back up, everything arrives once and it answers 200", async (t) => {
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 25, seed: 83, secrets: { WEBHOOK_SECRET }, vars: (sink) => webhook(sink),
    before: (sim, sink) => { sink.refuse = (body, path) => path === "/webhook"; },
  });
  const r = await w.call("POST", "/customers/acme/poll");
  // Before, 200: the slice ran (ok), though it delivered nothing.
  assert.equal(r.status, 502, r.text);
  assert.equal(r.body.ok, true);
  assert.equal(r.body.result.stopReason, "handler_outage");
  assert.equal(r.body.result.processed, 0);
  assert.equal(sink.webhook.length, 0);
  sink.refuse = () => false;
  sim.advanceClock(10_000);
  let last;
  for (let i = 0; i < 5 && !(last?.result?.complete); i++) {
    last = await w.pollNow("acme"); // the harness holds each status to the README's table
    assert.equal(last.ok, true, JSON.stringify(last.error));
  }
  assert.equal(last.result.complete, true);
  assert.equal(sink.webhook.length, 25);
  assert.equal(new Set(sink.webhook.map((e) => e.body.idempotencyKey)).size, 25, "each once");
});

test("webhook: a backlog of queued changes the slices' budget defers drains by chained alarms once the receiver takes them, not a slice's worth each cron; while it refuses some, the rest waits for the cron", async (t) => {
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 40, seed: 89, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "10", MAX_ATTEMPTS: "50" }),
  });
  assert.equal((await afterCron(w, "the backfill")).lastPoll.result.complete, true);
  // Every other user's change refused: 20 queued, none an outage (a success follows each).
  const refused = new Set(sim.listAll().filter((_, i) => i % 2 === 0).map((u) => u.id));
  sink.refuse = (body, path) => path === "/webhook" && body.type?.startsWith("user.") && refused.has(body.id);
  for (const u of sim.listAll()) sim.updateUser(u.id, { phone: "555-0114" });
  sim.advanceClock(10_000);
  const walked = await afterCron(w, "the walk over the changes");
  assert.ok(walked.lastPoll.result.complete && walked.lastPoll.result.retriesDeferred > 0 && walked.lastPoll.result.failed > 0,
    JSON.stringify(walked.lastPoll.result));
  const waiting = await afterCron(w, "a cron's slice while some are refused");
  assert.equal(waiting.metrics.invocations, walked.metrics.invocations + 1, "refused ones left: the slice does not chain for the deferred rest");
  // The receiver takes them now: one cron, and alarms chain until none is deferred.
  sink.refuse = () => false;
  const before = sink.webhook.length;
  const drained = await afterCron(w, "the backlog drained");
  assert.deepEqual([drained.lastPoll.result.retriesDeferred, drained.lastPoll.result.failed], [0, 0], JSON.stringify(drained.lastPoll.result));
  const late = sink.webhook.slice(before).filter((e) => e.body.type?.startsWith("user.")).map((e) => e.body.id);
  assert.deepEqual([...new Set(late)].sort((a, b) => a - b), [...refused].sort((a, b) => a - b), "every refused change, after one cron");
  assert.equal(late.length, refused.size, "each once");
  const slices = drained.metrics.invocations - waiting.metrics.invocations;
  assert.ok(slices >= 4, `20 queued at 5 a slice: ${slices} slices`);
});

test("webhook: with slices too small to hold the package's 10 failures in a row, a receiver that is down still ends the chain as handler_outage (the cron tries again), instead of slices chained through the whole backlog; back up, every change once", async (t) => {
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 30, seed: 97, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "3" }),
  });
  for (let n = 0; n < 5 && !(await afterCron(w, "the backfill")).lastPoll.result.complete; n++);
  let attempts = 0;
  sink.refuse = (body, path) => path === "/webhook" && ++attempts > 0;
  const changed = sim.listAll().map((u) => sim.updateUser(u.id, { phone: "555-0116" }));
  sim.advanceClock(10_000);
  const down = await afterCron(w, "the chain against a receiver that is down");
  assert.equal(down.lastPoll.result.stopReason, "handler_outage", JSON.stringify(down.lastPoll.result));
  assert.ok(attempts <= 25, `${attempts} deliveries tried before the chain ended (30 changes)`);
  const tried = attempts;
  const still = await afterCron(w, "a cron while it is still down");
  assert.equal(still.lastPoll.result.stopReason, "handler_outage");
  assert.ok(attempts - tried <= 3, `the cron's slice stops at its first fresh failure: ${attempts - tried} deliveries`);
  sink.refuse = () => false;
  const before = sink.webhook.length;
  for (let n = 0; n < 5; n++) {
    const h = await afterCron(w, "the receiver back");
    if (h.lastPoll.result.complete && h.lastPoll.result.retriesDeferred === 0) break;
  }
  const keys = sink.webhook.slice(before).filter((e) => e.body.type?.startsWith("user.")).map((e) => e.body.idempotencyKey);
  assert.deepEqual([...keys].sort(), changed.map((u) => `acme/${u.id}/${new Date(u.updated_at).toISOString()}`).sort(), "every change once");
});

test("webhook: a receiver refusing some deliveries for a few chained slices of a walk gives nothing up with the defaults (MAX_ATTEMPTS 5, RETRY_FOR_MS an hour): every change arrives once, no dead letter", async (t) => {
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 100, seed: 101, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { DEAD_LETTER_URL: `${sink.url}/dead`, PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "10" }),
  });
  assert.equal((await afterCron(w, "the backfill")).lastPoll.result.complete, true);
  // The receiver refuses the even ids among its next 80 user deliveries (about nine slices),
  // then takes everything.
  let posts = 0;
  const refusedIds = new Set();
  sink.refuse = (body, path) => {
    if (path !== "/webhook" || !body.type?.startsWith("user.") || ++posts > 80 || body.id % 2) return false;
    refusedIds.add(body.id);
    return true;
  };
  const changed = sim.listAll().map((u) => sim.updateUser(u.id, { phone: "555-0117" }));
  sim.advanceClock(10_000);
  const walked = await afterCron(w, "the walk");
  assert.ok(walked.metrics.invocations >= 10 && refusedIds.size >= 10, `${walked.metrics.invocations} slices, ${refusedIds.size} refused`);
  for (let n = 0; n < 5; n++) {
    const h = await afterCron(w, "the rest");
    if (h.lastPoll.result.complete && h.lastPoll.result.retriesDeferred === 0) break;
  }
  assert.deepEqual(sink.dead, [], "nothing given up");
  const keys = sink.webhook.filter((e) => e.body.type?.startsWith("user.") && e.body.user?.phone === "555-0117").map((e) => e.body.idempotencyKey);
  assert.deepEqual([...keys].sort(), changed.map((u) => `acme/${u.id}/${new Date(u.updated_at).toISOString()}`).sort(), "every change once");
});

test("webhook: with RETRY_INTERVAL_MS, one cron drains a backlog by chained alarms past a change refused for good at its front: each other change once, the refused one offered no more than once an interval", async (t) => {
  const INTERVAL = 3000;
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 40, seed: 103, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "10", MAX_ATTEMPTS: "50", RETRY_INTERVAL_MS: String(INTERVAL) }),
  });
  assert.equal((await afterCron(w, "the backfill")).lastPoll.result.complete, true);
  const ids = sim.listAll().map((u) => u.id);
  const poison = ids[0];
  const backlog = new Set(ids.filter((_, i) => i % 2 === 0 && i > 0));
  const poisonOffers = [];
  let lastRefusal = 0;
  sink.refuse = (body, path) => {
    if (path !== "/webhook" || !body.type?.startsWith("user.")) return false;
    if (body.id === poison) poisonOffers.push(Date.now());
    const refused = body.id === poison || backlog.has(body.id);
    if (refused) lastRefusal = Date.now();
    return refused;
  };
  // With another change after it, so that a delivery after its refusal makes the refusal
  // count (one with nothing delivered after it comes again at the next slice).
  sim.updateUser(poison, { phone: "555-0118" });
  sim.advanceClock(1_000);
  sim.updateUser(ids[1], { phone: "555-0118" });
  sim.advanceClock(10_000);
  await afterCron(w, "the refused change queued first");
  // Every other user's change refused (a success after each, so no outage): 19 queued behind it.
  const changed = ids.filter((id) => backlog.has(id)).map((id) => sim.updateUser(id, { phone: "555-0119" }));
  for (const id of ids.slice(1).filter((id) => !backlog.has(id))) sim.updateUser(id, { phone: "555-0119" });
  sim.advanceClock(10_000);
  const walked = await afterCron(w, "the walk that queues the backlog behind it");
  assert.ok(walked.lastPoll.result.complete, JSON.stringify(walked.lastPoll.result));
  // The receiver takes the backlog now; the refused ones are due once the interval has passed.
  backlog.clear();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastRefusal + INTERVAL + 50 - Date.now())));
  const before = sink.webhook.length;
  const drained = await afterCron(w, "the backlog drained");
  assert.equal(drained.lastPoll.result.retriesDeferred, 0, JSON.stringify(drained.lastPoll.result));
  const late = sink.webhook.slice(before).filter((e) => e.body.type?.startsWith("user.") && e.body.id !== poison).map((e) => e.body.idempotencyKey);
  const keyOf = (u) => `acme/${u.id}/${new Date(u.updated_at).toISOString()}`;
  const early = sink.webhook.slice(0, before).filter((e) => changed.some((u) => keyOf(u) === e.body.idempotencyKey));
  assert.deepEqual(early, [], "the walk left the whole backlog queued");
  assert.deepEqual([...late].sort(), changed.map((u) => `acme/${u.id}/${new Date(u.updated_at).toISOString()}`).sort(), "every backlog change once, after one cron");
  const slices = drained.metrics.invocations - walked.metrics.invocations;
  assert.ok(slices >= 4, `19 queued at 5 a slice: ${slices} slices`);
  const gaps = poisonOffers.slice(1).map((at, i) => at - poisonOffers[i]);
  assert.ok(gaps.every((g) => g >= INTERVAL), `the refused change offered ${poisonOffers.length} times, gaps ${JSON.stringify(gaps)} ms`);
});

test("webhook: with RETRY_INTERVAL_MS, a receiver that refuses every retry of a quiet walk ends the chain at the slice (the cron tries again), instead of slices chained through the backlog again and again", async (t) => {
  const INTERVAL = 2000;
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 40, seed: 109, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "10", MAX_ATTEMPTS: "50", RETRY_INTERVAL_MS: String(INTERVAL) }),
  });
  assert.equal((await afterCron(w, "the backfill")).lastPoll.result.complete, true);
  const ids = sim.listAll().map((u) => u.id);
  const backlog = new Set(ids.filter((_, i) => i % 2 === 0));
  let refuseAll = false;
  let tried = 0;
  let lastRefusal = 0;
  sink.refuse = (body, path) => {
    if (path !== "/webhook" || !body.type?.startsWith("user.")) return false;
    if (refuseAll) tried++;
    const refused = refuseAll || backlog.has(body.id);
    if (refused) lastRefusal = Date.now();
    return refused;
  };
  for (const id of ids) sim.updateUser(id, { phone: "555-0122" });
  sim.advanceClock(10_000);
  await afterCron(w, "the walk that queues every other change");
  refuseAll = true; // and nothing new changes: the walk is quiet
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastRefusal + INTERVAL + 50 - Date.now())));
  const before = (await w.health("acme")).metrics.invocations;
  const after = await afterCron(w, "a cron while every retry is refused");
  assert.ok(after.lastPoll.result.retriesDeferred > 0 && after.lastPoll.result.processed === 0, JSON.stringify(after.lastPoll.result));
  assert.equal(after.metrics.invocations, before + 1, `one slice, not a chain: ${after.metrics.invocations - before} slices, ${tried} deliveries tried`);
  assert.ok(tried <= 10, `${tried} deliveries tried`);
});

test("webhook: a change refused for good is offered once while the ten slices of a walk chain (RETRY_INTERVAL_MS a minute), not first in each; every other change once", async (t) => {
  const { sim, sink, w } = await deliveryWorld(t, {
    users: 100, seed: 107, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users", MAX_REQUESTS_PER_SLICE: "10", RETRY_INTERVAL_MS: "60000" }),
  });
  assert.equal((await afterCron(w, "the backfill")).lastPoll.result.complete, true);
  const ids = sim.listAll().map((u) => u.id);
  const poison = ids[0];
  const offers = [];
  sink.refuse = (body, path) => {
    if (path !== "/webhook" || body.id !== poison || !body.type?.startsWith("user.")) return false;
    offers.push(Date.now());
    return true;
  };
  sim.updateUser(poison, { phone: "555-0120" });
  sim.advanceClock(1_000);
  sim.updateUser(ids[1], { phone: "555-0120" }); // delivered after the refusal, which so counts
  sim.advanceClock(10_000);
  await afterCron(w, "the refused change queued");
  const started = Date.now();
  const before = sink.webhook.length;
  const changed = ids.slice(2).map((id) => sim.updateUser(id, { phone: "555-0121" }));
  sim.advanceClock(10_000);
  const walked = await afterCron(w, "the walk");
  const took = Date.now() - started;
  const slices = walked.metrics.invocations;
  assert.ok(walked.lastPoll.result.complete && slices >= 10, `${slices} slices`);
  // Before, each chained slice offered it first: about one offer a slice.
  assert.ok(offers.length <= 1 + Math.floor(took / 60_000), `offered ${offers.length} times in ${took} ms of ${slices} slices`);
  const keys = sink.webhook.slice(before).filter((e) => e.body.type?.startsWith("user.") && e.body.id !== poison).map((e) => e.body.idempotencyKey);
  assert.deepEqual([...keys].sort(), changed.map((u) => `acme/${u.id}/${new Date(u.updated_at).toISOString()}`).sort(), "every other change once");
});

test("webhook: a participation edited, undone and redone comes as three events with three keys, so a receiver that skips a key it applied ends where VOMO is; one refused once comes again under the key it was refused under", async (t) => {
  const { sim, sink, w, extra: victim } = await deliveryWorld(t, {
    users: 20, seed: 86, secrets: { WEBHOOK_SECRET },
    vars: (sink) => webhook(sink, { PARTICIPATIONS: "changed-users" }),
    before: (sim) => {
      const victim = sim.listAll().find((u) => sim.getUser(u.id).participations.length > 0);
      return { id: victim.id, date: Number(sim.getUser(victim.id).participations[0].project_date_id) };
    },
  });
  assert.equal((await w.pollNow("acme")).ok, true);
  const mine = () => sink.webhook.map((e) => e.body).filter((b) => b.userId === victim.id && b.participation.projectDateId === victim.date);
  assert.equal(mine().length, 1, "the backfill's added event");
  // Refuse the first offer of the next event (a receiver that applied it and then failed, say).
  const refusedKeys = [];
  sink.refuse = (body) => {
    if (body.userId !== victim.id || body.type !== "participation.changed" || refusedKeys.length > 0) return false;
    refusedKeys.push(body.idempotencyKey);
    return true;
  };
  const vomoVerified = () => Boolean(sim.getUser(victim.id).participations.find((p) => Number(p.project_date_id) === victim.date).verified);
  const verified = vomoVerified();
  const edits = [!verified, verified, !verified]; // an edit, undone, redone
  for (const [i, value] of edits.entries()) {
    sim.updateParticipation(victim.id, victim.date, { verified: value });
    sim.updateUser(victim.id, { phone: `555-04${i}` });
    sim.advanceClock(10_000);
    assert.equal((await w.pollNow("acme")).ok, true);
    if (i === 0) { // refused: offered again at the next slice (with another user's change, so a success follows)
      assert.equal(refusedKeys.length, 1);
      sim.updateUser(sim.listAll().find((u) => u.id !== victim.id).id, { phone: "555-0499" });
      sim.advanceClock(10_000);
      assert.equal((await w.pollNow("acme")).ok, true);
    }
  }
  const changes = mine().filter((b) => b.type === "participation.changed");
  assert.deepEqual(changes.map((b) => b.participation.verified), edits, "each edit once, in order");
  assert.equal(changes[0].idempotencyKey, refusedKeys[0], "offered again under the key it was refused under");
  assert.equal(new Set(changes.map((b) => b.idempotencyKey)).size, 3, "three changes, three keys");
  assert.ok(changes.every((b) => new RegExp(`^acme/${victim.id}/p/\\d+/${victim.date}/changed/[0-9a-f]{16}$`).test(b.idempotencyKey)));
  // The receiver of the example README: skip a message whose key it applied.
  const applied = new Set(), held = new Map();
  for (const b of mine()) {
    if (applied.has(b.idempotencyKey)) continue;
    applied.add(b.idempotencyKey);
    held.set(b.participation.projectDateId, b.participation.verified);
  }
  assert.equal(held.get(victim.date), vomoVerified(), "the receiver holds what VOMO holds");
});
