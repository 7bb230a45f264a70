// FileStore's compare-and-set (setIf) and the lease the poller takes with it: processes that
// start a poll of one customer at the same moment on one directory (a cron run beside a
// `poll --every` service) get exactly one poll in; the others are `busy` and deliver nothing.
// Before, the lease was written and read back, and in 5 of 10 such rounds two or three
// processes got in and each delivered every user. Real processes, a real simulator over HTTP.
import test from "node:test";
import assert from "node:assert/strict";
import { fork, spawn, spawnSync } from "node:child_process";
import { Worker, threadId } from "node:worker_threads";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, UserPoller, VomoClient } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
import { startSimulator } from "vomo-users/sim";

const tempDir = (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vomo-lease-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test("FileStore.setIf and MemoryStore.setIf: write only over the expected value (null: none), say whether they wrote, leave no lock behind", async (t) => {
  const dir = tempDir(t);
  for (const store of [new FileStore(dir), new MemoryStore()]) {
    assert.equal(await store.setIf("k/1", "x", "a"), false, "nothing stored, x expected");
    assert.equal(await store.get("k/1"), null);
    assert.equal(await store.setIf("k/1", null, "a"), true);
    assert.equal(await store.setIf("k/1", null, "b"), false, "a value is stored now");
    assert.equal(await store.setIf("k/1", "b", "c"), false);
    assert.equal(await store.get("k/1"), "a");
    assert.equal(await store.setIf("k/1", "a", "c"), true);
    assert.equal(await store.get("k/1"), "c");
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".")), [], "no lock or temp file left");
});

test("FileStore.setIf waits for a lock another process holds, and breaks one its dead holder left", async (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  await store.set("lease", "old");
  const lock = join(dir, ".lock-lease");
  // Held by a live process: setIf waits until it is released.
  mkdirSync(lock);
  let released = false;
  setTimeout(() => { released = true; rmSync(lock, { recursive: true }); }, 150);
  assert.equal(await store.setIf("lease", "old", "new"), true);
  assert.ok(released, "it waited for the release");
  // Left by a process that died holding it (20 s old): broken, and the write goes ahead.
  mkdirSync(lock);
  const past = new Date(Date.now() - 20_000);
  utimesSync(lock, past, past);
  assert.equal(await store.setIf("lease", "new", "newer"), true);
  assert.equal(await store.get("lease"), "newer");
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".")), []);
});

const child = (args) => fork(new URL("./file-lock-child.mjs", import.meta.url), args);
const message = (p) => new Promise((resolve) => p.once("message", resolve));
const exited = (p) => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once("exit", resolve)));
const backdate = (path, ms) => { const past = new Date(Date.now() - ms); utimesSync(path, past, past); };
const dotFiles = (dir) => readdirSync(dir).filter((f) => f.startsWith("."));
/** A child process that holds `key`'s lock in `dir`, and the owner record it wrote. */
async function heldBy(t, dir, key) {
  const holder = child(["hold", dir, key]);
  t.after(() => holder.kill("SIGKILL"));
  assert.equal(await message(holder), "holding");
  return { holder, owner: JSON.parse(readFileSync(join(dir, `.lock-${key}`, "owner"), "utf8")) };
}

test("FileStore's lock: a live holder's is never broken, however old; a dead holder's is broken at once", async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, ".lock-lease");
  const { holder, owner } = await heldBy(t, dir, "lease");
  assert.equal(owner.pid, holder.pid, "the lock names its holder");
  const waiter = new FileStore(dir, { lockWaitMs: 300 });
  const busy = (e) => e.kind === "busy" && e.message.includes(`process ${holder.pid} on `) && e.message.includes(lock);
  await assert.rejects(waiter.setIf("lease", null, "waiter"), busy, "held by a live process");
  // Held for a minute by a process that is alive (stuck on a slow disk, stopped by a debugger):
  // before, any lock older than 10 s was broken, and both processes then wrote.
  backdate(lock, 60_000);
  await assert.rejects(waiter.setIf("lease", null, "waiter"), busy, "a minute old, its holder alive");
  assert.equal(JSON.parse(readFileSync(join(lock, "owner"), "utf8")).token, owner.token, "not broken");
  // The holder crashes while holding it: the lock is fresh, but its holder is gone (before, it
  // was waited for until it was 10 s old, longer than this waiter waits).
  holder.kill("SIGKILL");
  await exited(holder);
  utimesSync(lock, new Date(), new Date());
  assert.equal(await waiter.setIf("lease", null, "waiter"), true);
  assert.equal(await waiter.get("lease"), "waiter");
  assert.deepEqual(dotFiles(dir), [], "no lock or guard left");
});

test("FileStore's lock: released by its holder; a lock naming this process's PID but not one of its locks (a container's predecessor) is broken", async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, ".lock-k");
  const { holder, owner } = await heldBy(t, dir, "k");
  holder.send("release");
  assert.deepEqual(await message(holder), { wrote: true });
  await exited(holder);
  assert.equal(existsSync(lock), false, "released");
  // The same owner record with this process's PID: a process that ran under this PID before
  // (containers start every run at the same PIDs) and died holding it. On Linux the start time
  // tells it apart; with this process's own start time (or none, without /proc) the token does:
  // it is none of this thread's current locks.
  const store = new FileStore(dir, { lockWaitMs: 300 });
  const stat = existsSync("/proc/self/stat") ? readFileSync("/proc/self/stat", "utf8") : null;
  const myStart = stat && stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  for (const [start, expected, value] of [[owner.start, "holder", "next"], [myStart, "next", "next2"]]) {
    mkdirSync(lock);
    writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, pid: process.pid, thread: threadId, start, token: "0123456789abcdef" }));
    assert.equal(await store.setIf("k", expected, value), true, `start ${start}`);
  }
  await store.set("k", "next");
  // Two setIf calls of this process on one key: the second waits for the first, and neither
  // takes the other's lock for a predecessor's.
  const both = await Promise.all([store.setIf("k", "next", "a"), store.setIf("k", "next", "b")]);
  assert.deepEqual(both.sort(), [false, true]);
  assert.deepEqual(dotFiles(dir), []);
});

test("FileStore's lock: one held by a worker thread of this process is not taken for a dead predecessor's", async (t) => {
  // Before, a lock naming this process's PID that was none of this module's current locks was
  // broken at once, and a worker thread's locks are its own module's.
  const dir = tempDir(t);
  const lock = join(dir, ".lock-k");
  const worker = new Worker(new URL("./file-lock-child.mjs", import.meta.url), { workerData: ["hold", dir, "k"] });
  t.after(() => worker.terminate());
  assert.equal(await message(worker), "holding");
  const owner = JSON.parse(readFileSync(join(lock, "owner"), "utf8"));
  assert.deepEqual([owner.pid, owner.thread], [process.pid, worker.threadId]);
  const store = new FileStore(dir, { lockWaitMs: 300 });
  await assert.rejects(store.setIf("k", null, "main"), (e) => e.kind === "busy", "the worker holds it");
  worker.postMessage("release");
  assert.deepEqual(await message(worker), { wrote: true });
  assert.equal(existsSync(lock), false, "released by the worker");
  assert.equal(await store.setIf("k", "holder", "main"), true);
  assert.deepEqual(dotFiles(dir), []);
});

test("FileStore's lock: a PID reused by another process does not keep a dead holder's lock (Linux: the start time differs)", { skip: !existsSync("/proc/self/stat") && "no /proc" }, async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, ".lock-k");
  const { holder, owner } = await heldBy(t, dir, "k");
  // Started after the holder (start times are counted in ticks of 10 ms).
  const other = child(["race", dir, "unrelated"]);
  t.after(() => other.kill("SIGKILL"));
  assert.equal(await message(other), "ready");
  holder.kill("SIGKILL");
  await exited(holder);
  // The dead holder's record, its PID now another live process's (started at another time).
  writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, pid: other.pid }));
  assert.equal(await new FileStore(dir, { lockWaitMs: 300 }).setIf("k", null, "next"), true);
  // The same record with the live process's own start time is its lock, and is waited for.
  const start = readFileSync(`/proc/${other.pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
  mkdirSync(lock);
  writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, pid: other.pid, start }));
  await assert.rejects(new FileStore(dir, { lockWaitMs: 300 }).setIf("k", "next", "later"), (e) => e.kind === "busy");
  // Where the start time cannot be read (no /proc: macOS, Windows), a live PID keeps the lock
  // for 5 minutes, then it is taken for a reused PID's.
  writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, pid: other.pid, start: null }));
  backdate(lock, 60_000);
  await assert.rejects(new FileStore(dir, { lockWaitMs: 300 }).setIf("k", "next", "later"), (e) => e.kind === "busy", "a minute old");
  backdate(lock, 6 * 60_000);
  assert.equal(await new FileStore(dir, { lockWaitMs: 300 }).setIf("k", "next", "later"), true, "six minutes old");
});

const hasPython = spawnSync("python3", ["--version"]).status === 0;
test("FileStore's lock: a holder that exited but was not reaped by its parent (a zombie) is gone (Linux)", { skip: (!existsSync("/proc/self/stat") && "no /proc") || (!hasPython && "no python3 to be a parent that does not reap") }, async (t) => {
  const dir = tempDir(t);
  const { holder, owner } = await heldBy(t, tempDir(t), "x"); // a record of this machine, to copy
  holder.kill("SIGKILL");
  await exited(holder);
  // A parent that starts a child and never waits for it: the child stays a zombie while the
  // parent lives. Its PID still answers kill(pid, 0).
  const parent = spawn("python3", ["-c", "import subprocess, sys, time\np = subprocess.Popen(['true'])\nprint(p.pid, flush=True)\ntime.sleep(60)"]);
  t.after(() => parent.kill("SIGKILL"));
  const pid = Number(await new Promise((resolve) => parent.stdout.once("data", resolve)));
  const stat = () => { const text = readFileSync(`/proc/${pid}/stat`, "utf8"); return text.slice(text.lastIndexOf(")") + 2).split(" "); };
  while (stat()[0] !== "Z") await new Promise((resolve) => setImmediate(resolve)); // until it has exited
  const lock = join(dir, ".lock-k");
  mkdirSync(lock);
  writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, pid, start: stat()[19] }));
  assert.equal(await new FileStore(dir, { lockWaitMs: 300 }).setIf("k", null, "v"), true, "broken at once");
  assert.deepEqual(dotFiles(dir), []);
});

test("processes that find one abandoned lock at the same moment: one breaks it, exactly one writes", async (t) => {
  // Before, each moved the lock aside by renaming it: the second's rename could move the fresh
  // lock the first had just taken, and both were inside.
  const ROUNDS = 12;
  const N = 6;
  const { holder: dead, owner } = await heldBy(t, tempDir(t), "x");
  dead.kill("SIGKILL");
  await exited(dead);
  for (let round = 0; round < ROUNDS; round++) {
    const dir = tempDir(t);
    const lock = join(dir, ".lock-k");
    mkdirSync(lock);
    if (round % 3 === 0) {
      writeFileSync(join(lock, "owner"), JSON.stringify(owner)); // a dead holder on this machine: judged by its PID
    } else if (round % 3 === 1) {
      writeFileSync(join(lock, "owner"), JSON.stringify({ ...owner, host: "elsewhere" }));
      backdate(lock, 20_000); // a holder on another machine: judged by its age
    } else {
      backdate(lock, 20_000); // left before its holder wrote its name: judged by its age too
    }
    const racers = Array.from({ length: N }, () => child(["race", dir, "k"]));
    t.after(() => racers.forEach((r) => r.connected && r.kill()));
    await Promise.all(racers.map(message));
    const results = racers.map(message);
    for (const r of racers) r.send("go");
    const out = await Promise.all(results);
    assert.deepEqual(out.filter((o) => o.error), [], `round ${round}`);
    const wrote = out.filter((o) => o.wrote).length;
    assert.equal(wrote, 1, `round ${round}: ${wrote} of ${N} wrote over the same null`);
    assert.deepEqual(dotFiles(dir), [], `round ${round}: no lock or guard left`);
  }
});

test("FileStore's lock: while another process breaks an abandoned lock (its turn, .break-NAME) it is left to that one; a turn whose breaker died ends", async (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir, { lockWaitMs: 300 });
  const lock = join(dir, ".lock-k");
  const guard = join(dir, ".break-k");
  mkdirSync(lock);
  backdate(lock, 20_000); // abandoned (no owner, 20 s old)
  mkdirSync(guard); // a breaker at work
  await assert.rejects(store.setIf("k", null, "v"), (e) => e.kind === "busy", "not broken outside its turn");
  assert.ok(existsSync(lock));
  backdate(guard, 20_000); // that breaker died in its turn before it wrote its name
  assert.equal(await store.setIf("k", null, "v"), true);
  assert.deepEqual(dotFiles(dir), []);
  // A turn that names its breaker: a live one's is waited for however old, a dead one's ends.
  await store.set("k", "x");
  const { holder: breaker, owner } = await heldBy(t, tempDir(t), "elsewhere");
  mkdirSync(lock);
  backdate(lock, 20_000);
  mkdirSync(guard);
  writeFileSync(join(guard, "owner"), JSON.stringify(owner));
  backdate(guard, 60_000);
  await assert.rejects(store.setIf("k", "x", "v"), (e) => e.kind === "busy", "a live breaker's turn");
  assert.ok(existsSync(lock) && existsSync(guard));
  breaker.kill("SIGKILL");
  await exited(breaker);
  assert.equal(await store.setIf("k", "x", "v"), true);
  assert.deepEqual(dotFiles(dir), []);
  // A holder on another machine cannot be checked: its lock is waited for until it is 10 s old.
  mkdirSync(lock);
  writeFileSync(join(lock, "owner"), JSON.stringify({ pid: process.pid, host: "elsewhere", token: "e".repeat(16) }));
  await assert.rejects(store.setIf("k", "v", "w"), (e) => e.kind === "busy" && e.message.includes(`process ${process.pid} on elsewhere`));
  backdate(lock, 20_000);
  assert.equal(await store.setIf("k", "v", "w"), true);
  assert.deepEqual(dotFiles(dir), []);
});

test("FileStore: lockWaitMs must be a number of milliseconds", () => {
  for (const bad of [-1, Number.NaN, Infinity, "5", null]) {
    assert.throws(() => new FileStore("/tmp/x", { lockWaitMs: bad }), (e) => e.kind === "invalid_input" && /lockWaitMs/.test(e.message), String(bad));
  }
  assert.equal(new FileStore("/tmp/x", { lockWaitMs: 0 }).dir, "/tmp/x");
  // A misspelt option is refused, not ignored (it would keep the 30 s wait).
  assert.throws(() => new FileStore("/tmp/x", { lockWaitMS: 300 }), (e) => e.kind === "invalid_input"
    && e.message === 'FileStore: unknown option "lockWaitMS" (did you mean "lockWaitMs"?); the options are lockWaitMs');
  assert.throws(() => new FileStore("/tmp/x", "fast"), (e) => e.kind === "invalid_input" && /options must be an object/.test(e.message));
});

/** One round: `n` processes poll one customer from one fresh directory (an initial sync) at the same moment. */
async function race(t, sim, n, plain) {
  const dir = tempDir(t);
  const racers = Array.from({ length: n }, () => fork(new URL("./lease-racer.mjs", import.meta.url), [sim.url, sim.token, dir, plain ? "plain" : "cas"]));
  t.after(() => racers.forEach((r) => r.connected && r.kill()));
  await Promise.all(racers.map((r) => new Promise((resolve) => r.once("message", resolve))));
  const results = racers.map((r) => new Promise((resolve) => r.once("message", resolve)));
  for (const r of racers) r.send("go");
  return Promise.all(results);
}

test("processes that start a poll of one customer on one FileStore at the same moment: exactly one polls, the others are busy, every user is delivered once", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 5, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000); // every user's last change well behind the server's clock
  const ROUNDS = 5;
  const N = 6;
  for (let round = 0; round < ROUNDS; round++) {
    const out = await race(t, sim, N, false);
    const polled = out.filter((o) => o.ok);
    assert.equal(polled.length, 1, `round ${round}: ${polled.length} processes polled: ${JSON.stringify(out.map((o) => o.ok || o.message))}`);
    for (const o of out.filter((x) => !x.ok)) {
      assert.equal(o.kind, "busy", o.message);
      assert.match(o.message, /took the lease at the same moment|holds the lease/);
    }
    const ids = polled[0].delivered;
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20, "each user once");
  }
  // The same race on the same directory without setIf, for the record (it may or may not let
  // two in on a given run, so nothing is asserted of it).
  let doubled = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if ((await race(t, sim, N, true)).filter((o) => o.ok).length > 1) doubled++;
  }
  t.diagnostic(`without setIf (write and read back): ${doubled} of ${ROUNDS} rounds let more than one process poll`);
});

test("a store of your own with setIf: the lease is taken with it; an answer that is not a boolean is refused, naming the call", async (t) => {
  const { VomoClient, UserPoller } = await import("vomo-users");
  const sim = await startSimulator({ port: 0, users: 5, seed: 6, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const inner = new MemoryStore();
  const calls = [];
  const store = { get: (k) => inner.get(k), set: (k, v) => inner.set(k, v), setIf: (k, e, v) => { calls.push([k, e]); return inner.setIf(k, e, v); } };
  const r = await new UserPoller({ client, store, customerId: "acme" }).poll();
  assert.equal(r.processed, 5);
  const lease = calls.filter(([k]) => k.endsWith("/lease"));
  assert.equal(lease.length, 2, "taken and released by compare-and-set");
  assert.equal(lease[0][1], null, "taken over no lease");
  assert.equal(calls.length, lease.length, "nothing else is written by compare-and-set");
  const odd = { get: (k) => inner.get(k), set: (k, v) => inner.set(k, v), setIf: () => "yes" };
  await assert.rejects(new UserPoller({ client, store: odd, customerId: "other" }).poll(),
    (e) => e.kind === "invalid_input" && /store\.setIf\(".*lease"\) returned neither true \(written\) nor false/.test(e.message));
});

test("a poll killed while it holds the lease (kill -9): the next poll on the FileStore takes the lease over at once, not 2 minutes later; while the holder lives it is busy; a store that names no holder waits it out", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 5 });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  for (const mode of ["file", "plain"]) {
    const dir = mkdtempSync(join(tmpdir(), "vomo-killed-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const holder = spawn(process.execPath, [new URL("./lease-holder-child.mjs", import.meta.url).pathname, sim.url, sim.token, dir, mode], { stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => holder.kill("SIGKILL"));
    await new Promise((resolve, reject) => {
      holder.stdout.on("data", (d) => String(d).includes("holding") && resolve());
      holder.on("exit", (code) => reject(new Error(`the holder exited (${code}) before holding the lease`)));
    });
    const store = new FileStore(dir);
    const seen = [];
    const poller = new UserPoller({ client, store: mode === "plain" ? { get: (k) => store.get(k), set: (k, v) => store.set(k, v), setIf: (k, e, v) => store.setIf(k, e, v) } : store,
      customerId: "acme", onUser: ({ user }) => { seen.push(user.id); } });
    const alive = await poller.poll().then(() => null, (e) => e);
    assert.equal(alive?.kind, "busy", `${mode}: a live holder's lease is never taken`);
    // When to try again, as a number: what is left of the holder's lease (2 minutes at most).
    assert.ok(alive.retryAfterMs > 60_000 && alive.retryAfterMs <= 120_000, String(alive.retryAfterMs));
    assert.match(alive.message, mode === "file" ? /^another poll of this customer is running \(its process holds the lease and renews it until the run ends\)$/ : /\(if none is running, one that was killed holds it until then\)/,
      "the message says what the store knows of the holder");
    holder.kill("SIGKILL");
    await new Promise((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve() : holder.once("exit", resolve)));
    const lease = JSON.parse(await store.get("vomo-users/v1/acme/lease"));
    assert.ok(lease.expires_at > Date.now() + 60_000, "the killed poll's lease is live by its expiry");
    const after = await poller.poll().then((r) => r, (e) => e);
    if (mode === "file") {
      assert.equal(JSON.parse(lease.holder).pid, holder.pid, "the lease names the killed process");
      assert.equal(after.processed, 20, "taken over at once: every user delivered");
      assert.deepEqual([...seen].sort(), sim.listAll().map((u) => u.id).sort());
      const mine = JSON.parse(await store.get("vomo-users/v1/acme/lease"));
      assert.equal(JSON.parse(mine.holder).pid, process.pid, "and held by this process since");
    } else {
      assert.equal(lease.holder, undefined, "a store without leaseHolder records none");
      assert.equal(after.kind, "busy", "waited out: the store cannot tell");
      assert.match(after.message, /holds the lease for 1[0-2]\d s more/);
    }
  }
});

test("FileStore.leaseHolderGone: a holder of another boot under this host name is not judged (machines that share a name and a directory would read as one machine rebooted), a dead PID of this boot is", async () => {
  const store = new FileStore(mkdtempSync(join(tmpdir(), "vomo-holder-")));
  const me = JSON.parse(await store.leaseHolder());
  const dead = { ...me, pid: 2 ** 22 + 1 }; // above Linux's largest PID: never a live process
  assert.equal(await store.leaseHolderGone(JSON.stringify(dead)), true);
  assert.equal(await store.leaseHolderGone(JSON.stringify({ ...dead, boot: "another-machine-or-boot" })), null);
  assert.equal(await store.leaseHolderGone(JSON.stringify(me)), false, "this process");
  assert.equal(await store.leaseHolderGone("not json"), null);
});
