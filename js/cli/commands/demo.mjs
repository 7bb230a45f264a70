// vomo-users demo: the main job on the built-in simulator (what `npm run demo` shows): an
// initial sync, changes made in VOMO, a second poll with only those, a reconciliation.
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { UsageError, positiveInt } from "../values.mjs";

export default {
  name: "demo",
  summary: "the poller against a built-in simulator: sync, changes, second poll",
  synopsis: "demo [--users N]",
  help: `
Starts the simulated VOMO API with demo data (--users N, default 200), runs a first poll
(the initial sync), makes changes in VOMO (an edit, two users created in the same second, a
shift sign-up, a deletion, an anonymization), polls again and prints the events, the
metrics, a reconciliation and the poller's health. Needs no token and no network.`,
  options: { users: { type: "string" } },
  check: (values) => {
    const users = values.users === undefined ? 200 : positiveInt("users", values.users);
    // The walkthrough edits, signs up and deletes four different users.
    if (users < 4) throw new UsageError(`--users: at least 4 (the demo changes four users), got ${users}`, "demo");
    return { users };
  },
  async run({ out, options }) {
    const { users } = options;
    const line = (s = "") => out.line(s);
    const sim = await startSimulator({ users, seed: 42, now: new Date().toISOString() });
    try {
      const warnings = [];
      const events = [];
      const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100, onWarning: (m) => warnings.push(m) });
      const store = new MemoryStore();
      const poller = new UserPoller({
        client, store, customerId: "demo-customer", participations: "changed-users", pollIntervalMs: 60_000,
        onUser: ({ kind, user, anonymized }) => events.push(`${kind.padEnd(7)} user ${user.id} ${user.fullName} <${user.email}> updatedAt ${user.updatedAt}${anonymized ? "  [anonymized by VOMO]" : ""}`),
        onParticipation: ({ kind, userId, participation, before }) => events.push(`${kind.padEnd(7)} participation of user ${userId} on project date ${participation.projectDateId}: ${participation.hours} h${before ? ` (was ${before.hours} h)` : ""}`),
        onDeadLetter: ({ user, error, attempt, final }) => events.push(`dead letter for user ${user.id}: ${error.message} (attempt ${attempt}${final ? ", final" : ""})`),
      });
      const show = (title, r) => {
        line(`\n== ${out.color.bold(title)}`);
        line(`   processed ${r.processed} (created ${r.created}, updated ${r.updated}, failed ${r.failed}), participation events ${r.participationEvents}`);
        line(`   ${r.requests} requests in ${r.durationMs.toFixed(0)} ms; checkpoint ${r.checkpoint}; lag ${(r.lagMs / 1000).toFixed(1)} s`);
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
      sim.updateUser(b, { address: "12 Harbour Road" }); // participations alone do not move updated_at
      sim.deleteUser(c);
      sim.anonymizeUser(d);
      sim.advanceClock(30_000);
      line(`\n-- changes made in VOMO: user ${a} edited, two users created in the same second, user ${b} signed up for`);
      line(`   project date ${added.project_date_id} and edited, user ${c} deleted, user ${d} anonymized by VOMO`);

      const second = await poller.poll();
      show("Second poll: only what changed", second);
      for (const e of events) line(`   ${e}`);

      const rec = await poller.reconcile();
      line(`\n== ${out.color.bold(`Reconciliation: ${rec.complete ? "complete listing" : "partial listing"}; known but not visible: [${rec.missing.join(", ")}]`)}`);
      line("   (not visible is not proof of deletion: review these before deleting anything downstream)");
      const h = poller.health();
      line(`\n== ${out.color.bold(`Health: stalled ${h.stalled}, lag ${(h.lagMs / 1000).toFixed(1)} s, checkpoint ${h.checkpoint}`)}`);
      const stats = client.stats();
      line(`== Client: ${stats.requests} requests, ${stats.retries} retries, ${stats.rateLimited} rate-limited, ${stats.errors} errors; ${warnings.length} parse warnings (unknown enum values kept as sent)`);
      line(`== Store: ${store.size} keys, largest value ${Math.max(...store.keys().map((k) => store.get(k).length))} characters (limit 102400)`);
      line("\nThe same against your own simulator or the live API: vomo-users sim, then");
      line("  vomo-users poll --customer acme --state-dir ./vomo-state   (run it twice: the second run prints only changes)");
    } finally {
      await sim.close();
    }
    return 0;
  },
};
