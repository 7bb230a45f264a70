// vomo-users demo: the main job on the built-in simulator (what `npm run demo` shows): an
// initial sync, changes made in VOMO, a second poll with only those, a reconciliation.
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { UsageError, positiveInt } from "../values.mjs";
import { Progress } from "../progress.mjs";

export default {
  name: "demo",
  summary: "the poller against a built-in simulator: sync, changes, second poll",
  synopsis: "demo [--users N]",
  help: `
Starts the simulated VOMO API with demo data (--users N, default 200), runs a first poll
(the initial sync), makes changes in VOMO (an edit, two users created in the same second, a
shift sign-up, a deletion, an anonymization), polls again and prints the events, the
metrics, a reconciliation and the poller's health. Needs no token and no network.
With --json: one JSON value per line, each with a "step" ("simulator", "poll", "event",
"changes", "reconcile", "health", "client", "store") and that step's data.`,
  options: { users: { type: "string" } },
  check: (values) => {
    const users = values.users === undefined ? 200 : positiveInt("users", values.users);
    // The walkthrough edits, signs up and deletes four different users.
    if (users < 4) throw new UsageError(`--users: at least 4 (the demo changes four users), got ${users}`, "demo");
    // The simulator holds them in memory and the demo polls them all twice: past this it would
    // run for many minutes, or run out of memory, printing nothing.
    if (users > 100_000) throw new UsageError(`--users: at most 100000, got ${users}`, "demo");
    return { users };
  },
  async run({ out, options }) {
    const { users } = options;
    // Text for people; with --json the same steps as one JSON value per line.
    const line = (s = "") => { if (!out.json) out.line(s); };
    const step = (name, data) => { if (out.json) out.value({ step: name, ...data }); };
    const sim = await startSimulator({ users, seed: 42, now: new Date().toISOString() });
    try {
      const warnings = [];
      const events = [];
      // The initial sync's progress on stderr (a bar on a terminal): at 100 requests a second,
      // with a detail request per user, 100,000 users take about 17 minutes.
      let progress = new Progress(out, { counts: () => "users delivered" });
      const started = Date.now();
      let done = 0;
      const delivered = () => {
        if (!progress) return;
        done += 1;
        progress.update({ done, total: users, etaMs: ((Date.now() - started) / done) * (users - done) });
      };
      const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100, onWarning: (m) => warnings.push(m) });
      const store = new MemoryStore();
      const poller = new UserPoller({
        client, store, customerId: "demo-customer", participations: "changed-users", pollIntervalMs: 60_000,
        onUser: (e) => events.push({ type: "user", event: e,
          text: `${e.kind.padEnd(7)} user ${e.user.id} ${e.user.fullName} <${e.user.email}> updatedAt ${e.user.updatedAt}${e.anonymized ? "  [anonymized by VOMO]" : ""}` })
          && delivered(),
        onParticipation: (e) => events.push({ type: "participation", event: e,
          text: `${e.kind.padEnd(7)} participation of user ${e.userId} on project date ${e.participation.projectDateId}: ${e.participation.hours} h${e.before ? ` (was ${e.before.hours} h)` : ""}` }),
        onDeadLetter: (e) => events.push({ type: "dead-letter", event: { ...e, error: e.error?.message ?? String(e.error) },
          text: `dead letter for user ${e.user.id}: ${e.error.message} (attempt ${e.attempt}${e.final ? ", final" : ""})` }),
      });
      const eventSteps = (poll) => { for (const { type, event } of events) step("event", { poll, type, event }); };
      const show = (title, r) => {
        step("poll", { poll: title.startsWith("First") ? "first" : "second", result: r });
        line(`\n== ${out.color.bold(title)}`);
        line(`   processed ${r.processed} (created ${r.created}, updated ${r.updated}, failed ${r.failed}), participation events ${r.participationEvents}`);
        line(`   ${r.requests} requests in ${r.durationMs.toFixed(0)} ms; checkpoint ${r.checkpoint ?? "none yet"}; lag ${r.lagMs === null ? "none yet" : `${(r.lagMs / 1000).toFixed(1)} s`}`);
      };

      line(`Simulated VOMO at ${sim.url} with ${users} users (the token is never printed).`);
      step("simulator", { url: sim.url, users });
      const first = await poller.poll();
      progress.end();
      progress = null;
      show("First poll: the initial sync, through the same loop", first);
      line(`   first events:\n     ${events.slice(0, 4).map((e) => e.text).join("\n     ")}\n     ... and ${events.length - 4} more`);
      eventSteps("first");
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
      step("changes", { edited: [a, b], created: 2, signedUp: { userId: b, projectDateId: added.project_date_id }, deleted: c, anonymized: d });

      const second = await poller.poll();
      show("Second poll: only what changed", second);
      for (const e of events) line(`   ${e.text}`);
      eventSteps("second");

      const rec = await poller.reconcile();
      step("reconcile", { result: rec });
      line(`\n== ${out.color.bold(`Reconciliation: ${rec.complete ? "complete listing" : "partial listing"}; known but not visible: [${rec.missing.join(", ")}]`)}`);
      line("   (not visible is not proof of deletion: review these before deleting anything downstream)");
      const h = poller.health();
      step("health", { health: h });
      line(`\n== ${out.color.bold(`Health: stalled ${h.stalled}, lag ${h.lagMs === null ? "none yet" : `${(h.lagMs / 1000).toFixed(1)} s`}, checkpoint ${h.checkpoint ?? "none yet"}`)}`);
      const stats = client.stats();
      step("client", { stats, parseWarnings: warnings.length });
      step("store", { keys: store.size, largestValue: Math.max(...store.keys().map((k) => store.get(k).length)), limit: 102400 });
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
