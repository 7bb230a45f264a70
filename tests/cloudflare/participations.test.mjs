// PARTICIPATIONS = "full-scan" in the example Worker (real workerd, the simulator): the scan
// of every user's detail takes several alarm-chained slices; participation changes arrive
// as participation.* messages with their own idempotency keys, once each.
import test from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, FAST, scenario, startWorker, until } from "./harness.mjs";

test("full-scan: the participation scan chains alarms until complete; a new sign-up arrives once, keyed", async (t) => {
  const { sim, sink } = await scenario(t, { users: 24, seed: 111, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, PARTICIPATIONS: "full-scan", MAX_REQUESTS_PER_SLICE: "6" },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  await w.cron();
  const h = await w.caughtUp("acme", "the scan to complete", 60_000);
  const polls = w.polls("acme");
  // 24 details (one request each) plus the listing cannot fit in slices of 6 requests.
  assert.ok(polls.length >= 5, `${polls.length} slices`);
  assert.ok(polls.every((p) => p.ok && p.requests <= 6), JSON.stringify(polls.map((p) => p.requests)));
  assert.ok(polls.slice(0, -1).every((p) => !p.complete && p.nextAlarm));
  await until(() => sink.events().filter((e) => e.type.startsWith("user.")).length >= 24, "the 24 users");
  const before = sink.events().filter((e) => e.type.startsWith("participation.")).length;

  // A sign-up (VOMO does not move updated_at for it): the next scan finds it.
  const userId = sim.listAll()[3].id;
  sim.addParticipation(userId, { project_id: 900, project_date_id: 777001 });
  sim.advanceClock(10_000);
  await w.cron();
  await until(async () => {
    const x = await w.health("acme");
    return x.metrics.invocations > h.metrics.invocations && x.lastPoll.result?.complete && x.nextAlarm === null;
  }, "the next scan to complete", 60_000);
  const added = await until(() => sink.events().find((e) => e.type === "participation.added" && e.participation.projectDateId === 777001), "the sign-up's message");
  assert.equal(added.userId, userId);
  assert.equal(added.customerId, "acme");
  assert.match(added.idempotencyKey, new RegExp(`^acme/${userId}/p/\\d+/777001/added/[0-9a-f]{16}$`));
  const participationEvents = sink.events().filter((e) => e.type.startsWith("participation."));
  assert.equal(new Set(participationEvents.map((e) => e.idempotencyKey)).size, participationEvents.length, "no key twice");
  assert.equal(participationEvents.filter((e) => e.participation.projectDateId === 777001).length, 1, "the sign-up arrived once");
  assert.ok(participationEvents.length > before);
});
