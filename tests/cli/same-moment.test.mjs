// Operators start `vomo-users poll` for one customer on one state directory at the same
// moment (a cron run, a `poll --every` service, a manual run): whether they overlap or not,
// every user is printed once across all of them, and each run either polls (exit 0) or is
// refused with busy (exit 1) having printed no change (its one line says busy). The lease is taken by FileStore's
// compare-and-set; before it was written and read back, and two runs could both get in.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { jsonLines, start, world } from "./helpers.mjs";

test("six polls of one customer started at once on one state directory: every user printed once in all, the others busy", async (t) => {
  const { sim, env, dir } = await world(t, { users: 30 });
  sim.advanceClock(60_000);
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  for (let round = 0; round < 3; round++) {
    const runs = await Promise.all(Array.from({ length: 6 }, () => start(args, { env })).map((r) => r.done));
    const printed = [];
    for (const r of runs) {
      if (r.code === 0) {
        printed.push(...jsonLines(r.stdout).filter((v) => v.type === "user").map((v) => v.user.id));
      } else {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^vomo-users: busy error/m);
        assert.deepEqual(jsonLines(r.stdout).map((l) => [l.type, l.error.kind]), [["error", "busy"]], "a refused run prints no change, only why");
      }
    }
    assert.ok(runs.some((r) => r.code === 0), "one of them polled");
    assert.equal(new Set(printed).size, printed.length, `round ${round}: a user printed twice (${runs.filter((r) => r.code === 0).length} runs polled)`);
    assert.equal(printed.length, round === 0 ? 30 : 1, `round ${round}`);
    // The next round has one change to deliver.
    sim.updateUser(sim.listAll()[round].id, { phone: `555-010-000${round}` });
    sim.advanceClock(60_000);
  }
});
