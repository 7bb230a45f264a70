// A state directory holds the state of one API (DIR/api.json): import, poll and reconcile
// against another base URL are refused before anything is sent, so that a poll does not go on
// from another API's checkpoint (skipping the backfill) and an import does not report a roster
// imported that this API never received (both were so before).
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { VomoClient } from "vomo-users";
import { createServer } from "node:http";
import { cli, jsonLines, posts, world } from "./helpers.mjs";
import { readOnlyMount } from "../js/read-only-mount.mjs";

const ROSTER = "First Name,Last Name,Email\r\nAna,Lima,ana.lima@example.org\r\nBo,Ek,bo.ek@example.org\r\n";

/** Two simulators (two APIs) and a roster file. */
async function twoApis(t) {
  const a = await world(t);
  const b = await world(t, { seed: 6 });
  const file = join(a.dir, "roster.csv");
  await writeFile(file, ROSTER);
  return { a, b, file, state: join(a.dir, "state") };
}

/** The files under `dir` with their contents. */
async function snapshot(dir) {
  const out = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath ?? entry.path, entry.name)] = await readFile(join(entry.parentPath ?? entry.path, entry.name), "utf8");
  }
  return out;
}

test("import: a state directory used with one API is refused for another (nothing sent, nothing written); another --state-dir imports there", async (t) => {
  const { a, b, file, state } = await twoApis(t);
  const first = await cli(["import", file, "--state-dir", state, "--rate", "500"], { env: a.env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(posts(a.sim).length, 2);
  assert.deepEqual(JSON.parse(await readFile(join(state, "api.json"), "utf8")), { baseUrl: a.sim.url });
  const before = await snapshot(state);

  const other = await cli(["import", file, "--state-dir", state, "--rate", "500"], { env: b.env });
  assert.equal(other.code, 2, other.stderr);
  assert.ok(other.stderr.includes(`holds the state of the API at ${a.sim.url}, and this run is against ${b.sim.url}`), other.stderr);
  assert.match(other.stderr, /Use another --state-dir for this API/);
  assert.equal(b.sim.log().length, 0, "nothing was sent to the second API");
  assert.deepEqual(await snapshot(state), before, "nothing was written");
  // --forget sends nothing, but it forgets this directory's API's progress: refused too, so
  // that a stale VOMO_BASE_URL cannot wipe it.
  const forget = await cli(["import", file, "--state-dir", state, "--forget"], { env: b.env });
  assert.equal(forget.code, 2, forget.stderr);
  assert.match(forget.stderr, /holds the state of the API at/);
  assert.deepEqual(await snapshot(state), before, "nothing was forgotten");

  const own = await cli(["import", file, "--state-dir", join(b.dir, "state"), "--rate", "500"], { env: b.env });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(posts(b.sim).length, 2, "with a state directory of its own, the roster reaches the second API");
  assert.ok(b.sim.listAll().some((u) => u.email === "bo.ek@example.org"));
});

test("poll and reconcile: another API's state directory is refused before any request; the same API written differently is the same", async (t) => {
  const { a, b, state } = await twoApis(t);
  const poll = (env, ...more) => cli(["poll", "--customer", "acme", "--state-dir", state, "--json", ...more], { env });
  const first = await poll(a.env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim().split("\n").length, 31, "the backfill: 30 users and the result");

  const before = await snapshot(state);
  for (const args of [["poll", "--customer", "acme"], ["reconcile", "--customer", "acme"], ["poll", "--customer", "globex"],
    ["poll", "--customer", "acme", "--forget"]]) {
    const r = await cli([...args, "--state-dir", state], { env: b.env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /holds the state of the API at/);
  }
  assert.equal(b.sim.log().length, 0, "no request reached the second API");
  assert.deepEqual(await snapshot(state), before, "nothing written, nothing forgotten");

  // The base URL with an upper-case host, a default port and a trailing slash is the same API.
  const url = new URL(a.sim.url);
  const same = `http://LOCALHOST:${url.port}${url.pathname}/`.replace("LOCALHOST", url.hostname.toUpperCase());
  const again = await poll({ ...a.env, VOMO_BASE_URL: same });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout.trim().split("\n").at(-1)).processed, 0, "the same API: its checkpoint holds");
  // api.json records the URL as the library's client reads it (one rule, the library's).
  const recorded = JSON.parse(await readFile(join(state, "api.json"), "utf8")).baseUrl;
  assert.equal(recorded, new VomoClient({ token: "t0ken", baseUrl: same }).baseUrl);
  assert.equal(recorded, a.sim.url);
});

test("a state directory from before the binding is bound to the first API that uses it; reconcile binds nothing", async (t) => {
  const { a, b, state } = await twoApis(t);
  assert.equal((await cli(["poll", "--customer", "acme", "--state-dir", state], { env: a.env })).code, 0);
  await rm(join(state, "api.json")); // as written by an earlier version
  const reconcile = await cli(["reconcile", "--customer", "acme", "--state-dir", state], { env: b.env });
  // The directory is unbound, but the customer's state itself says whose it is (the library's check).
  assert.equal(reconcile.code, 2, reconcile.stderr);
  assert.ok(reconcile.stderr.includes(`the API at ${a.sim.url}`), reconcile.stderr);
  assert.equal(b.sim.log().length, 0);
  assert.equal(existsSync(join(state, "api.json")), false, "reconcile only reads");
  const poll = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json"], { env: a.env });
  assert.equal(poll.code, 0, poll.stderr);
  assert.equal(JSON.parse(poll.stdout.trim().split("\n").at(-1)).processed, 0, "its state is found again");
  assert.deepEqual(JSON.parse(await readFile(join(state, "api.json"), "utf8")), { baseUrl: a.sim.url });

  const fresh = join(a.dir, "fresh");
  const none = await cli(["reconcile", "--customer", "acme", "--state-dir", fresh], { env: b.env });
  assert.equal(existsSync(join(fresh, "api.json")), false, `reconcile binds nothing (exit ${none.code})`);
});

// An outside pass: a first run against a mistyped or down base URL failed, yet bound the
// directory to that URL, and the corrected command was refused (exit 2) with advice to write a
// previousBaseUrl, for an API of which nothing was stored.
test("a first run against an unreachable base URL or with a refused token fails with that error and binds nothing; the corrected command then runs and binds the directory", async (t) => {
  const { a, file, state } = await twoApis(t);
  const closed = createServer();
  await new Promise((ok) => closed.listen(0, "127.0.0.1", ok));
  const down = `http://127.0.0.1:${closed.address().port}/v1`;
  await new Promise((ok) => closed.close(ok));
  const cases = [
    ["down", { ...a.env, VOMO_BASE_URL: down }, "network"],
    ["refused token", { ...a.env, VOMO_TOKEN: "wrong-token" }, "auth"],
  ];
  for (const [what, env, kind] of cases) {
    const poll = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json", "--rate", "500"], { env });
    assert.equal(poll.code, 1, `${what}: ${poll.stderr}`);
    assert.deepEqual(jsonLines(poll.stdout).map((l) => [l.type, l.error?.kind]), [["error", kind]], `${what}: ${poll.stdout}`);
    const imp = await cli(["import", file, "--state-dir", state, "--json", "--rate", "500"], { env });
    assert.equal(imp.code, 1, `${what}: ${imp.stderr}`);
    assert.equal(jsonLines(imp.stdout).at(-1).stopped.kind, kind, imp.stdout);
    assert.match(imp.stderr, /stopped before any row was sent: the first request to .* did not succeed; nothing was saved, and .* stays bound to no API; /);
    if (kind === "auth") assert.match(imp.stderr, /; check the token \(VOMO_TOKEN or --token-file\), then run the same command again$/m);
    assert.equal(existsSync(join(state, "api.json")), false, `${what}: not bound`);
    assert.deepEqual((await readdir(state)).filter((f) => f !== "customers" && f !== "imports" && f !== "mapping"), [], `${what}: ${await readdir(state)}`);
    assert.equal(existsSync(join(state, "imports")), false, `${what}: no import progress bound to it`);
  }
  assert.equal(posts(a.sim).length, 0, "nothing was sent to the right API by the runs that failed");
  const imp = await cli(["import", file, "--state-dir", state, "--rate", "500"], { env: a.env });
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(posts(a.sim).length, 2);
  const poll = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json", "--rate", "500"], { env: a.env });
  assert.equal(poll.code, 0, poll.stderr);
  assert.deepEqual(JSON.parse(await readFile(join(state, "api.json"), "utf8")), { baseUrl: a.sim.url });
  // Bound now: the first page is asked for once per directory, not by every run.
  const gets = () => a.sim.log().filter((e) => e.method === "GET").length;
  const before = gets();
  const again = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json", "--rate", "500"], { env: a.env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(gets() - before, jsonLines(again.stdout).at(-1).requests, "a bound directory's poll sends only the poll's requests");
});

test("two first runs against two APIs at once on one new state directory: exactly one binds it, the other is refused", async (t) => {
  const { a, b, file } = await twoApis(t);
  for (let round = 0; round < 5; round++) {
    const state = join(a.dir, `race-${round}`);
    const runs = await Promise.all([a, b].map((w) => cli(["import", file, "--state-dir", state, "--rate", "500", "--json"], { env: w.env })));
    assert.deepEqual(runs.map((r) => r.code).sort(), [0, 2], runs.map((r) => r.stderr).join("\n"));
    const winner = runs[0].code === 0 ? a : b;
    assert.deepEqual(JSON.parse(await readFile(join(state, "api.json"), "utf8")), { baseUrl: winner.sim.url });
    assert.deepEqual((await readdir(state)).filter((f) => f.startsWith(".api.json.")), [], "no temporary file left");
  }
});

test("an API that moved: with previousBaseUrl written into api.json as the refusal says, poll and import go on from their checkpoint and progress at the new address", async (t) => {
  const { a, file, state } = await twoApis(t);
  const b = await world(t); // the same organization (the same seed: the same users) at a new address
  assert.equal((await cli(["poll", "--customer", "acme", "--state-dir", state], { env: a.env })).code, 0);
  assert.equal((await cli(["import", file, "--state-dir", state, "--rate", "500"], { env: a.env })).code, 0);

  const refused = await cli(["poll", "--customer", "acme", "--state-dir", state], { env: b.env });
  assert.equal(refused.code, 2);
  const advice = JSON.stringify({ baseUrl: b.sim.url, previousBaseUrl: a.sim.url });
  assert.ok(refused.stderr.includes(`write ${advice} into ${join(state, "api.json")}`), refused.stderr);
  await writeFile(join(state, "api.json"), advice);

  const poll = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json"], { env: b.env });
  assert.equal(poll.code, 0, poll.stderr);
  assert.equal(JSON.parse(poll.stdout.trim().split("\n").at(-1)).processed, 0, "the checkpoint was taken over: no backfill");
  const again = await cli(["import", file, "--state-dir", state, "--rate", "500", "--json"], { env: b.env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(posts(b.sim).length, 0, "the import's progress was taken over: nothing sent again");
  const reconcile = await cli(["reconcile", "--customer", "acme", "--state-dir", state], { env: b.env });
  assert.equal(reconcile.code, 0, reconcile.stderr);

  // Without the file's previousBaseUrl the library's own check refuses the old state: the
  // library, not the file, is what keeps it from being used against another API.
  const c = await world(t);
  await writeFile(join(state, "api.json"), JSON.stringify({ baseUrl: c.sim.url }));
  const unbound = await cli(["poll", "--customer", "acme", "--state-dir", state], { env: c.env });
  assert.notEqual(unbound.code, 0);
  assert.ok(unbound.stderr.includes(`the API at ${b.sim.url}`), unbound.stderr);
  assert.equal(c.sim.log().length, 0);
});

test("a --state-dir that is a file is bad usage naming it, for the commands that bind it and for reconcile, which only reads it", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "afile");
  await writeFile(file, "not a directory\n");
  const roster = join(dir, "r.csv");
  await writeFile(roster, "First Name,Last Name,Email\nA,B,ab@example.org\n");
  for (const [args, what] of [
    [["reconcile", "--customer", "c", "--state-dir", file], /--state-dir .*afile is not a directory \(ENOTDIR\)$/m],
    [["poll", "--customer", "c", "--state-dir", file], /--state-dir .*afile is not a directory \(ENOTDIR\)$/m],
    [["import", roster, "--state-dir", file], /--state-dir .*afile is not a directory \(ENOTDIR\)$/m],
  ]) {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, what);
  }
  assert.equal(sim.log().length, 0, "nothing sent");
});

test("poll with a customer id the poller refuses is bad usage, and leaves the state directory unbound (not even created)", async (t) => {
  const { sim, env, dir } = await world(t);
  const state = join(dir, "st");
  for (const customer of ["../../esc", "a/b"]) {
    const r = await cli(["poll", "--customer", customer, "--state-dir", state], { env });
    assert.equal(r.code, 2, `${customer}: ${r.stderr}`);
    assert.match(r.stderr, /customerId must be a non-empty string without '\/'/);
  }
  assert.equal(existsSync(join(state, "api.json")), false, "not bound to this API");
  assert.equal(sim.log().length, 0, "nothing sent");
  // The same directory then works for a real customer, and is bound by that poll.
  const ok = await cli(["poll", "--customer", "acme", "--state-dir", state, "--json"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(await readFile(join(state, "api.json"), "utf8")).baseUrl, sim.url);
});

test("a --state-dir where the file system takes no new directories (/proc) is bad usage at once, not a spin (Node's recursive mkdir spins there)",
  { skip: !existsSync("/proc/self") && "no /proc here", timeout: 60_000 }, async (t) => {
  const { sim, env, dir } = await world(t);
  const roster = join(dir, "r.csv");
  await writeFile(roster, "First Name,Last Name,Email\nA,B,ab@example.org\n");
  for (const args of [["import", roster], ["poll", "--customer", "c"]]) {
    const r = await cli([...args, "--state-dir", "/proc/vomo-users-test/state"], { env });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /^vomo-users: --state-dir \/proc\/vomo-users-test\/state cannot be used as a directory \(ENOENT\)$/m);
  }
  assert.equal(sim.log().length, 0, "nothing sent");
});

test("a --state-dir on a read-only file system (EROFS) is bad usage naming it, for import and poll, with nothing sent", async (t) => {
  const { sim, env, dir } = await world(t);
  const ro = readOnlyMount(t);
  if (!ro) return;
  const roster = join(dir, "r.csv");
  await writeFile(roster, "First Name,Last Name,Email\nA,B,ab@example.org\n");
  for (const [args, what] of [
    [["import", roster, "--state-dir", ro], /--state-dir .*\/ro is not writable \(EROFS\)$/m],
    [["import", roster, "--state-dir", join(ro, "sub", "state")], /--state-dir .*\/ro\/sub\/state cannot be used as a directory \(EROFS\)$/m],
    [["poll", "--customer", "c", "--state-dir", ro], /--state-dir .*\/ro is not writable \(EROFS\)$/m],
  ]) {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, what);
  }
  assert.equal(sim.log().length, 0, "nothing sent");
});
