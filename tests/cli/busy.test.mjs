// Two runs that must not overlap cannot run at once: while the first holds the store's
// lease, a second fails with kind busy (exit 1). Two polls of one customer; two imports of
// one roster (the same key) into one state directory. Ctrl-C on the first aborts it (exit 1,
// aborted) and releases the lease, so the next run goes on at once.
import test from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSimulator } from "vomo-users/sim";
import { cli, jsonLines, mounted, start, tempDir } from "./helpers.mjs";

/** A state directory bound to the API of `env` already, so that a run's first request is its own (not the binding's, state.mjs). */
function bound(state, env) {
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, "api.json"), JSON.stringify({ baseUrl: env.VOMO_BASE_URL }));
  return state;
}

/** A poll of customer "acme" (5 users) on a fresh state directory that holds the lease, stalled on its first request. */
async function heldPoll(t, seed) {
  const sim = createSimulator({ users: 5, seed, now: "2026-01-01T00:00:00Z" });
  sim.advanceClock(60_000);
  const { env, arrival, next } = await mounted(t, sim);
  const dir = await tempDir(t);
  const args = ["poll", "--customer", "acme", "--state-dir", bound(join(dir, "state"), env), "--json", "--rate", "500"];
  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  const holder = start(args, { env });
  t.after(() => holder.child.kill("SIGKILL"));
  await arrival(); // it holds the lease and waits on the server
  return { sim, env, dir, args, holder, next };
}

/** An import of a `rows`-row roster that holds its key's lease, stalled on its first upsert; `upserts()` counts POSTs. */
async function heldImport(t, rows, seed, tag) {
  const sim = createSimulator({ users: 0, seed, now: "2026-01-01T00:00:00Z" });
  const { env, arrival } = await mounted(t, sim);
  const dir = await tempDir(t);
  const roster = join(dir, "roster.csv");
  writeFileSync(roster, `First Name,Last Name,Email\n${Array.from({ length: rows }, (_, i) => `F${i},L${i},${tag}${i}@example.org`).join("\n")}\n`);
  const args = ["import", roster, "--state-dir", bound(join(dir, "state"), env), "--json", "--rate", "500"];
  const upserts = () => sim.log().filter((e) => e.method === "POST").length;
  sim.injectFault({ method: "POST", path: "/v1/users", type: "stall", times: 1 });
  const holder = start(args, { env });
  t.after(() => holder.child.kill("SIGKILL"));
  await arrival(); // it holds the key's lease and waits on its first upsert
  return { sim, env, args, upserts, holder, before: upserts() };
}

test("a second poll of the same customer while one runs: exit 1, busy; after Ctrl-C the lease is free", async (t) => {
  const { env, args, holder: first } = await heldPoll(t, 2);

  const second = await cli(args, { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^vomo-users: busy error/m);
  const refused = jsonLines(second.stdout);
  assert.deepEqual(refused.map((l) => [l.type, l.error.kind, l.nextPollInMs]), [["error", "busy", null]], "a --json reader sees why (stderr has it too)");
  assert.ok(refused[0].error.retryAfterMs > 0 && refused[0].error.retryAfterMs <= 120_000, refused[0].error.retryAfterMs);

  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^vomo-users: aborted error/m);
  assert.deepEqual(jsonLines(stopped.stdout).map((l) => [l.type, l.error.kind, l.nextPollInMs]), [["error", "aborted", null]], "Ctrl-C of a single poll: its line says so");

  const third = await cli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.equal(jsonLines(third.stdout).at(-1).processed, 5);
});

test("a second import of the same roster into the same state while one runs: exit 1, busy, nothing sent; after Ctrl-C the rerun finishes, each row sent once", async (t) => {
  const { sim, env, args, upserts, holder: first, before } = await heldImport(t, 12, 2, "p");

  const second = await cli(args, { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^vomo-users: busy error: another import with this key is running \(its process holds the lease and renews it until the run ends\)/m);
  assert.doesNotMatch(second.stderr, /progress saved/, "it never began");
  const [line, ...more] = jsonLines(second.stdout);
  assert.deepEqual(more, []);
  assert.equal(line.stopped.kind, "busy");
  assert.ok(line.stopped.retryAfterMs > 60_000 && line.stopped.retryAfterMs <= 120_000, line.stopped.retryAfterMs);
  assert.deepEqual([line.done, line.rows, line.created, line.failed], [0, 12, 0, 0]);
  // Still refused after --lock-timeout: the line says how long the lease has left all the same.
  const waited = await cli([...args, "--lock-timeout", "0.3s"], { env });
  assert.equal(waited.code, 1);
  const after = jsonLines(waited.stdout).at(-1).stopped;
  assert.match(after.message, /\(waited 0\.\d s for it: --lock-timeout 0\.3 s\)$/);
  assert.ok(after.retryAfterMs > 60_000 && after.retryAfterMs <= 120_000, after.retryAfterMs);
  assert.equal(upserts(), before, "the refused run sent nothing");

  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^vomo-users: interrupted before any row was done: progress saved under key /m);
  assert.equal(jsonLines(stopped.stdout).at(-1).stopped.kind, "aborted");

  const third = await cli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual({ ...jsonLines(third.stdout).at(-1), key: undefined },
    { created: 12, updated: 0, uncertain: 0, failed: 0, emailChanged: 0, invalidRows: 0, retryable: 0, rows: 12, key: undefined, failedFile: null, emailChangesFile: null });
  assert.equal(upserts() - before, 12, "the rerun sent the 12 rows the aborted run had not settled, once each");
  assert.equal(sim.count(), 12);
});

test("--every: a poll that finds the lease held says busy and polls again; Ctrl-C while a poll is stalled mid-request stops cleanly with exit 0", async (t) => {
  const { sim, env, args, holder, next } = await heldPoll(t, 3);

  const loop = start([...args, "--every", "200ms"], { env });
  t.after(() => loop.child.kill("SIGKILL"));
  await loop.waitFor("stderr", /busy error.*polling again in 200ms/);
  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
  // The lease is free: the loop's next poll runs and delivers everyone.
  await loop.waitFor("stdout", /"type":"result","processed":5/);
  // Then a poll stalls mid-request, and Ctrl-C arrives while it waits on the server.
  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  sim.advanceClock(10_000);
  await next(); // the loop's next poll is in, stalled
  assert.doesNotMatch(loop.stdout.split("\n").filter(Boolean).at(-1), /"processed":0/, "no poll finished since");
  loop.child.kill("SIGINT");
  const r = await loop.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /stopping \(Ctrl-C\)/);
  const lines = jsonLines(r.stdout);
  const errors = lines.filter((l) => l.type === "error");
  assert.ok(errors.length >= 1 && errors.every((l) => l.error.kind === "busy" && l.nextPollInMs === 200), r.stdout);
  assert.equal(lines.at(-1).type, "result", "the busy polls' lines say the loop goes on; the clean stop (mid-request) has none");
});

test("--lock-timeout: a second poll waits for the first to end, sending nothing meanwhile, then polls; each user printed once in all", async (t) => {
  const { sim, env, args, holder } = await heldPoll(t, 4);
  const sent = sim.log().length;

  const waiter = start([...args, "--lock-timeout", "60s"], { env });
  t.after(() => waiter.child.kill("SIGKILL"));
  await waiter.waitFor("stderr", /^vomo-users: customer acme's state in .* is busy \(.*\); waiting up to 60 s for it \(--lock-timeout\)$/m);
  assert.equal(sim.log().length, sent, "the waiting poll sent nothing");

  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
  const r = await waiter.done;
  assert.equal(r.code, 0, r.stderr);
  const users = jsonLines(r.stdout).filter((l) => l.type === "user").map((l) => l.user.id);
  assert.equal(users.length, 5);
  assert.equal(new Set(users).size, 5);
  assert.deepEqual(jsonLines(holder.stdout).map((l) => l.type), ["error"], "the first poll delivered nothing before it was stopped");
});

test("--lock-timeout: a poll still refused when it runs out fails busy saying how long it waited; Ctrl-C while waiting stops it (aborted); a bad duration is bad usage", async (t) => {
  const { env, dir, args, holder } = await heldPoll(t, 5);

  const started = Date.now();
  const late = await cli([...args, "--lock-timeout", "400ms"], { env });
  assert.equal(late.code, 1);
  assert.match(late.stderr, /^vomo-users: busy error: .*\(waited 0\.\d s for it: --lock-timeout 0\.4 s\)$/m);
  assert.ok(Date.now() - started >= 400, "it waited out its --lock-timeout");
  const [line, ...more] = jsonLines(late.stdout);
  assert.deepEqual([line.type, line.error.kind, line.nextPollInMs, more.length], ["error", "busy", null, 0]);
  assert.match(line.error.message, /\(waited 0\.\d s for it: --lock-timeout 0\.4 s\)$/);
  assert.ok(line.error.retryAfterMs > 60_000 && line.error.retryAfterMs <= 120_000, "the lease's time left, kept through the wait");

  // poll --forget waits the same way; Ctrl-C ends the wait.
  const forget = start(["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--forget", "--lock-timeout", "60s"], { env });
  t.after(() => forget.child.kill("SIGKILL"));
  await forget.waitFor("stderr", /waiting up to 60 s for it/);
  forget.child.kill("SIGINT");
  const stopped = await forget.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^vomo-users: aborted error: interrupted while waiting for customer acme's state in .* to be free$/m);

  for (const bad of ["soon", "0", "-1s"]) {
    const u = await cli([...args, `--lock-timeout=${bad}`], { env });
    assert.equal(u.code, 2, `${bad}: ${u.stderr}`);
    assert.match(u.stderr, /--lock-timeout: expected a duration such as 30s/);
  }
  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
});

test("--lock-timeout: a second import of the same roster waits for the first to end, then sends the rows it left, each once", async (t) => {
  const { sim, env, args, upserts, holder, before } = await heldImport(t, 8, 6, "w");

  const waiter = start([...args, "--lock-timeout", "60s"], { env });
  t.after(() => waiter.child.kill("SIGKILL"));
  await waiter.waitFor("stderr", /^vomo-users: the import with key \S+ in .* is busy \(another import with this key is running \(its process holds the lease and renews it until the run ends\)\); waiting up to 60 s/m);
  assert.equal(upserts(), before, "the waiting import sent nothing");

  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
  const r = await waiter.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout).at(-1).created, 8);
  // Its 8 rows went out in well under a second after the wait: the last progress line only.
  assert.deepEqual(r.stderr.split("\n").filter((l) => l.startsWith("progress: ")).map((l) => l.split(" ")[1]), ["8/8"], r.stderr);
  assert.equal(upserts() - before, 8, "each row sent once after the wait");
  assert.equal(sim.count(), 8);
});


test("--lock-timeout: import --forget waits for the import running on the key, then forgets its progress", async (t) => {
  const { env, args, holder } = await heldImport(t, 4, 7, "f");
  const forget = start([...args, "--forget", "--lock-timeout", "60s"], { env });
  t.after(() => forget.child.kill("SIGKILL"));
  await forget.waitFor("stderr", /^vomo-users: the import with key \S+ in .* is busy \(.*\); waiting up to 60 s for it \(--lock-timeout\)$/m);
  assert.equal(forget.child.exitCode, null, "still waiting while the import runs");
  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
  const r = await forget.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^vomo-users: forgot the progress of key \S+ in .*: the next import of it sends every row$/m);
  assert.deepEqual(jsonLines(r.stdout).at(-1).forgotten, true);
});

test("two imports of different rosters (other keys) sharing External IDs into one state directory: the second waits for the first (the mapping is shared), so no External ID gets two VOMO users", async (t) => {
  const sim = createSimulator({ users: 0, seed: 8, now: "2026-01-01T00:00:00Z" });
  const { env, arrival } = await mounted(t, sim);
  const dir = await tempDir(t);
  const state = join(dir, "state");
  const rosterOf = (tag) => {
    const file = join(dir, `${tag}.csv`);
    writeFileSync(file, `External ID,First Name,Last Name,Email\n${Array.from({ length: 6 }, (_, i) => `R-${i},F${i},L${i},${tag}-${i}@example.org`).join("\n")}\n`);
    return file;
  };
  const [a, b] = [rosterOf("ra"), rosterOf("rb")];
  sim.injectFault({ method: "POST", path: "/v1/users", type: "stall", times: 1 });
  const first = start(["import", a, "--state-dir", state, "--json", "--rate", "500"], { env });
  t.after(() => first.child.kill("SIGKILL"));
  await arrival(); // it holds the mapping and waits on its first upsert

  // Without --lock-timeout: busy at once, nothing sent.
  const refused = await cli(["import", b, "--state-dir", state, "--json", "--rate", "500"], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /busy error: another import with an external-id mapping in this store is running \(its process holds the lease and renews it until the run ends\).*two at once could each create a VOMO user for one external id: run this one when that one has finished/);
  assert.equal(sim.log().filter((e) => e.method === "POST").length, 1, "only the first import's stalled upsert");

  // With it: it waits for the first to end, then runs with the mapping to itself.
  const second = start(["import", b, "--state-dir", state, "--json", "--rate", "500", "--lock-timeout", "60s"], { env });
  t.after(() => second.child.kill("SIGKILL"));
  await second.waitFor("stderr", /external-id mapping in this store is running \(its process holds the lease and renews it until the run ends\); .*; waiting up to 60 s/);
  assert.equal(sim.log().filter((e) => e.method === "POST").length, 1, "the waiting import sent nothing");
  first.child.kill("SIGINT"); // the stalled first run stops, its progress saved
  assert.equal((await first.done).code, 1);
  const r = await second.done;
  assert.equal(r.code, 0, r.stderr);
  const two = jsonLines(r.stdout).at(-1);
  assert.equal(two.created, 6, "the first created no one (its one upsert stalled): the second creates all six");
  // The first, run again: each External ID is synced with the other roster's email now, so
  // it sends nothing and lists them as email changes to review, not six more users.
  const again = await cli(["import", a, "--state-dir", state, "--json", "--rate", "500"], { env });
  const one = jsonLines(again.stdout).at(-1);
  assert.deepEqual([one.created, one.updated, one.emailChanged], [0, 0, 6], again.stderr);
  assert.equal(sim.count(), 6, "one VOMO user per External ID");
});
