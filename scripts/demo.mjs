// The main job, on the built-in simulator: a poll, some changes, a second poll, and a
// reconciliation, printed as a user would want to see them.
import { startSimulator } from "../pkg/sim/index.mjs";
import { VomoClient, UserPoller, MemoryStore } from "../pkg/index.mjs";

const users = Number(process.env.DEMO_USERS ?? 200);
const sim = await startSimulator({ users, seed: 42, now: new Date().toISOString() });
const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100,
                                onWarning: (m) => warnings.push(m) });
const store = new MemoryStore();
const warnings = [];
const events = [];
const poller = new UserPoller({
  client, store, customerId: "demo-customer", participations: "changed-users", pollIntervalMs: 60_000,
  onUser: ({ kind, user, anonymized }) => events.push(`${kind.padEnd(7)} user ${user.id} ${user.fullName} <${user.email}> updatedAt ${user.updatedAt}${anonymized ? "  [anonymized by VOMO]" : ""}`),
  onParticipation: ({ kind, userId, participation, before }) => events.push(`${kind.padEnd(7)} participation of user ${userId} on project date ${participation.projectDateId}: ${participation.hours} h${before ? ` (was ${before.hours} h)` : ""}`),
  onDeadLetter: ({ user, error, attempt, final }) => events.push(`dead letter for user ${user.id}: ${error.message} (attempt ${attempt}${final ? ", final" : ""})`),
});

const line = (s = "") => console.log(s);
const show = (title, result) => {
  line(`\n== ${title}`);
  const { processed, created, updated, failed, participationEvents, requests, checkpoint, durationMs, lagMs } = result;
  line(`   processed ${processed} (created ${created}, updated ${updated}, failed ${failed}), participation events ${participationEvents}`);
  line(`   ${requests} requests in ${durationMs.toFixed(0)} ms; checkpoint ${checkpoint}; lag ${(lagMs / 1000).toFixed(1)} s`);
};

line(`Simulated VOMO at ${sim.url} with ${users} users (the token is never printed).`);
const first = await poller.poll();
show("First poll: the initial sync, through the same loop", first);
line(`   first events:\n     ${events.slice(0, 4).join("\n     ")}\n     ... and ${events.length - 4} more`);
events.length = 0;

const [a, b, c, d] = sim.listAll().slice(0, 4).map((u) => u.id);
sim.advanceClock(60_000);
sim.updateUser(a, { phone: "(555) 010-2000" });
sim.createUser({ first_name: "Nia", last_name: "Okafor", email: "nia.okafor@example.org" });
sim.createUser({ first_name: "Tomás", last_name: "Ruiz", email: "tomas.ruiz@example.org" });
const added = sim.addParticipation(b, { hours: "3.50" });
sim.updateUser(b, { address: "12 Harbour Road" });          // participations alone do not move updated_at
sim.deleteUser(c);
sim.anonymizeUser(d);
sim.advanceClock(30_000);
line(`\n-- changes made in VOMO: user ${a} edited, two users created in the same second, user ${b} signed up for`);
line(`   project date ${added.project_date_id} and edited, user ${c} deleted, user ${d} anonymized by VOMO`);

const second = await poller.poll();
show("Second poll: only what changed", second);
for (const e of events) line(`   ${e}`);

const rec = await poller.reconcile();
line(`\n== Reconciliation: ${rec.complete ? "complete listing" : "partial listing"}; known but not visible: [${rec.missing.join(", ")}]`);
line("   (not visible is not proof of deletion: review these before deleting anything downstream)");
const h = poller.health();
line(`\n== Health: stalled ${h.stalled}, lag ${(h.lagMs / 1000).toFixed(1)} s, checkpoint ${h.checkpoint}`);
const stats = client.stats();
line(`== Client: ${stats.requests} requests, ${stats.retries} retries, ${stats.rateLimited} rate-limited, ${stats.errors} errors; ${warnings.length} parse warnings (unknown enum values kept as sent)`);
line(`== Store: ${store.size} keys, largest value ${Math.max(...store.keys().map((k) => store.get(k).length))} characters (limit 102400)`);
await sim.close();
