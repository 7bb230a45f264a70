// The poller's window options, seen in the requests it sends to the simulator (frozen clock,
// ours moved along with it): `maxWindowRows` narrows a window that holds more rows before it
// is walked, and `windowMarginMs` is how far behind the server's clock a window ends
// (docs/poller.md, "Options"; docs/api.md, the UserPoller options).
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, tick, sent } from "./helpers.mjs";

const second = (ms) => Math.floor(ms / 1000) * 1000;

/** The windows of the requests `entries` sent: `{ after, before, page }`, times in ms. */
const windows = (entries) => entries.map((e) => ({
  after: Date.parse(e.query.updated_after), before: Date.parse(e.query.updated_before), page: Number(e.query.page ?? 1),
}));

/** Rows of `sim` whose updated_at lies in [after, before], compared by whole seconds as the API does. */
const rowsIn = (sim, { after, before }) =>
  sim.listAll().filter((u) => { const t = Date.parse(u.updated_at); return t >= second(after) && t <= second(before); }).length;

/** A poller that records each delivery as `id@updatedAt`. */
function recordingPoller(client, options = {}) {
  const delivered = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme",
    onUser: ({ user }) => { delivered.push(`${user.id}@${user.updatedAt}`); }, ...options });
  return { poller, delivered };
}

/** 20 updates, then 30 creates, one second apart: 50 changes over 50 seconds. Returns their keys. */
function fiftyChanges(sim) {
  const ids = sim.listAll().map((u) => u.id).slice(0, 20);
  for (const [i, id] of ids.entries()) { sim.updateUser(id, { phone: `555-010-${String(i).padStart(4, "0")}` }); tick(sim, 1000); }
  for (let i = 0; i < 30; i++) { sim.createUser({ email: `window${i}@example.org` }); tick(sim, 1000); }
  tick(sim);
  return sim.listAll().filter((u) => Date.parse(u.updated_at) >= sim.now() - 60_000)
    .map((u) => `${u.id}@${new Date(u.updated_at).toISOString()}`).sort();
}

/** Two pollers backfilled over the same world, then 50 changes: one with `maxWindowRows`, one with the default. */
async function narrowingWorld(t, maxWindowRows) {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 20, seed: 3 });
  const narrow = recordingPoller(client, { maxWindowRows });
  const wide = recordingPoller(client);
  assert.equal((await narrow.poller.poll()).complete, true);
  assert.equal((await wide.poller.poll()).complete, true);
  narrow.delivered.length = 0;
  wide.delivered.length = 0;
  const changes = fiftyChanges(sim);
  assert.equal(changes.length, 50);
  return { sim, narrow, wide, changes };
}

test("maxWindowRows: a window whose first page reports more rows is narrowed before it is walked; every change is delivered once", async (t) => {
  const max = 10;
  const { sim, narrow, wide, changes } = await narrowingWorld(t, max);

  // The default (5,000): one window, walked page by page (15 a page).
  sim.clearLog();
  const w = await wide.poller.poll();
  assert.equal(w.complete, true);
  const wideWindows = windows(sent(sim));
  assert.deepEqual(wideWindows.map((x) => x.page), [1, 2, 3, 4]);
  assert.equal(new Set(wideWindows.map((x) => `${x.after}/${x.before}`)).size, 1, "one window");
  assert.deepEqual([...wide.delivered].sort(), changes);

  // maxWindowRows 10: only windows of at most 10 rows are walked past their first page, and
  // each of them is walked to its end; a first page that reported more is followed at once by
  // a narrower window from the same start.
  sim.clearLog();
  const r = await narrow.poller.poll();
  assert.equal(r.complete, true);
  assert.equal(r.stopReason, null);
  const asked = windows(sent(sim));
  assert.equal(r.requests, asked.length);
  let narrowed = 0;
  for (const [i, x] of asked.entries()) {
    const rows = rowsIn(sim, x);
    if (rows > max) {
      narrowed++;
      assert.equal(x.page, 1, `a window of ${rows} rows was walked: ${JSON.stringify(x)}`);
      const next = asked[i + 1];
      assert.ok(next && next.after === x.after && next.before < x.before && next.page === 1,
        `a window of ${rows} rows is followed by a narrower one from the same start: ${JSON.stringify([x, next])}`);
    }
  }
  assert.ok(narrowed >= 1, "the 50 changes did not fit one window of 10");
  const walked = asked.filter((x) => rowsIn(sim, x) <= max);
  // Every window walked holds at most 10 rows (one page each), and together they cover all 50.
  assert.ok(walked.every((x) => x.page === 1), "a window of at most 10 rows is one page");
  assert.ok(walked.length >= Math.ceil(50 / max), `${walked.length} walked windows for 50 rows`);
  // Every change exactly once, none lost between the narrowed windows.
  assert.equal(r.processed, 50);
  assert.deepEqual([...narrow.delivered].sort(), changes);
  assert.equal(new Set(narrow.delivered).size, narrow.delivered.length, "nothing delivered twice");
  // The walked windows chain: each starts where the last one ended (the checkpoint), or at the
  // next second when that was a second's last millisecond, up to the poll's end.
  const nextStart = (before) => (before % 1000 === 999 ? before + 1 : before);
  const completed = walked.filter((x, i) => !walked.slice(i + 1).some((y) => y.after === x.after));
  for (let i = 1; i < completed.length; i++) assert.equal(completed[i].after, nextStart(completed[i - 1].before), "windows chain");
  assert.equal(nextStart(completed.at(-1).before), Date.parse(r.checkpoint));
});

// docs/poller.md: "each narrowing costs the first page it read; a poll reuses the row counts
// those pages reported". A narrowed window ends well before the server's clock by design, but
// the first-page check (src/poller/walk.rs, `behind`) takes that for a stale clock estimate and
// reopens it up to the server's Date, whose first page is then narrowed again: the same two
// windows are asked MAX_RESTARTS (3) more times, 6 wasted requests in a poll that narrows.
test("maxWindowRows: a poll asks no window twice (a narrowed window is not reopened as if the clock were stale)", async (t) => {
  const { sim, narrow } = await narrowingWorld(t, 10);
  sim.clearLog();
  const r = await narrow.poller.poll();
  assert.equal(r.processed, 50);
  const firstPages = windows(sent(sim)).filter((x) => x.page === 1).map((x) => `${new Date(x.after).toISOString()}..${new Date(x.before).toISOString()}`);
  const repeated = firstPages.filter((w, i) => firstPages.indexOf(w) !== i);
  assert.deepEqual(repeated, [], `windows asked again:\n${firstPages.join("\n")}`);
});

/** `sim`'s now minus the `before` of each request in `entries`: how far behind the server's clock each window ended. */
const lags = (sim, entries) => windows(entries).map((x) => sim.now() - x.before);

test("windowMarginMs: a window ends that far behind the server's clock (5 s by default, 20 s given); a change younger than the margin waits", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 20, seed: 3 });
  const pollers = { 5000: recordingPoller(client), 20000: recordingPoller(client, { windowMarginMs: 20_000 }) };
  // The first poll re-sets its window from the Date header: it ends exactly the margin behind it.
  for (const [margin, { poller }] of Object.entries(pollers)) {
    sim.clearLog();
    const r = await poller.poll();
    assert.equal(r.processed, 20);
    assert.equal(Date.parse(r.checkpoint), sim.now() - Number(margin), `checkpoint, margin ${margin}`);
    assert.equal(lags(sim, sent(sim)).at(-1), Number(margin), `the last window's updated_before, margin ${margin}`);
  }
  const id = sim.listAll()[3].id;
  tick(sim, 30_000);
  const changed = sim.updateUser(id, { phone: "555-020-0001" });
  const key = `${id}@${new Date(changed.updated_at).toISOString()}`;
  tick(sim, 10_000); // the change is 10 s old: inside a 20 s margin, outside a 5 s one
  const sentBy = {};
  for (const [margin, { poller, delivered }] of Object.entries(pollers)) {
    sim.clearLog();
    delivered.length = 0;
    const r = await poller.poll();
    assert.equal(r.complete, true);
    sentBy[margin] = windows(sent(sim));
    // Later polls end their window by the server's clock as estimated from the last Date (our
    // clock moved with the simulator's, plus the real milliseconds the test took): the margin
    // behind it, less those milliseconds (an estimate is trusted within 2 s), never more.
    for (const lag of lags(sim, sent(sim))) assert.ok(lag <= Number(margin) && lag > Number(margin) - 2000, `margin ${margin}: lag ${lag}`);
    assert.equal(Date.parse(r.checkpoint), sentBy[margin].at(-1).before);
  }
  assert.deepEqual(pollers[5000].delivered, [key], "5 s margin: the 10 s old change is delivered");
  assert.deepEqual(pollers[20000].delivered, [], "20 s margin: the 10 s old change waits");
  const gap = sentBy[5000].at(-1).before - sentBy[20000].at(-1).before;
  assert.ok(gap > 13_000 && gap < 17_000, `the windows end 15 s apart (${gap} ms)`);
  // Once the change is older than 20 s, the 20 s poller delivers it, once.
  tick(sim, 15_000);
  await pollers[20000].poller.poll();
  assert.deepEqual(pollers[20000].delivered, [key]);
  tick(sim);
  assert.equal((await pollers[5000].poller.poll()).processed, 0, "and the 5 s poller does not deliver it again");
});

// docs/poller.md, "What it costs": "A quiet customer costs one request per poll"; a page is
// re-read when a window is re-set from Date only "on the first poll and after a clock jump".
// At the smallest margin allowed (2,000 ms, equal to the Date safety in src/poller/walk.rs,
// DATE_SAFETY_MS), the estimated end (last Date + the time since, which carries the real
// milliseconds elapsed) always lies past Date - 2 s, so every quiet poll is re-set from Date
// and costs two requests.
test("windowMarginMs at its minimum (2000): a quiet poll costs one request, as at the default", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 20, seed: 3 });
  for (const margin of [5000, 2000]) {
    const { poller } = recordingPoller(client, { windowMarginMs: margin });
    await poller.poll();
    for (let i = 0; i < 3; i++) {
      tick(sim);
      sim.clearLog();
      const r = await poller.poll();
      assert.deepEqual([r.processed, r.requests, sent(sim).length], [0, 1, 1], `margin ${margin}, quiet poll ${i + 1}: ${lags(sim, sent(sim))}`);
    }
  }
});

test("windowMarginMs below 3 s against a server that sends no Date header: a quiet poll is still one request", async (t) => {
  // Its Date header stripped on the way (as some proxies do); its clock a minute behind ours,
  // so that every seeded user lies before the windows' end by our clock, the only one there is.
  const sim = await startSimulator({ port: 0, users: 40, seed: 12, now: Date.now() - 60_000 });
  t.after(() => sim.close());
  const noDate = async (url, init) => {
    const r = await fetch(url, init);
    const headers = new Headers(r.headers);
    headers.delete("date");
    return new Response(r.body, { status: r.status, statusText: r.statusText, headers });
  };
  const { VomoClient } = await import("vomo-users");
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000, fetch: noDate });
  const { poller, delivered } = recordingPoller(client, { windowMarginMs: 2000 });
  const first = await poller.poll();
  assert.equal(first.complete, true);
  assert.equal(delivered.length, 40);
  for (let i = 0; i < 3; i++) {
    const quiet = await poller.poll();
    // Before, the window's end and "caught up" used different margins: ~1,000 windows of 1 ms.
    assert.ok(quiet.requests <= 2, `quiet poll ${i}: ${quiet.requests} requests`);
    assert.equal(quiet.complete, true);
  }
  assert.equal(delivered.length, 40, "nothing delivered twice");
});

for (const [bunch, max] of [[73, 20], [730, 200]]) {
  test(`maxWindowRows ${max}: ${bunch} users written in one second (a bulk update) are delivered once each, without halving towards that second`, async (t) => {
    const { sim, client } = await frozenWorld(t, { startSimulator, users: 20, seed: 3 });
    const { poller, delivered } = recordingPoller(client, { maxWindowRows: max });
    assert.equal((await poller.poll()).complete, true);
    delivered.length = 0;
    tick(sim, 5 * 3600_000 + 400); // hours later, in the middle of a second
    const ids = [];
    for (let i = 0; i < bunch; i++) ids.push(sim.createUser({ email: `bulk${i}@example.org` }).id);
    const seconds = new Set(ids.map((id) => second(Date.parse(sim.getUser(id).updated_at))));
    assert.equal(seconds.size, 1, "the simulator stamped them all with one second");
    tick(sim, 30_000);
    sim.clearLog();
    const r = await poller.poll();
    assert.equal(r.complete, true);
    assert.deepEqual(delivered.map((k) => Number(k.split("@")[0])).sort((a, b) => a - b), ids, "each delivered once");
    // The API compares updated_at by whole seconds, both ends inclusive, so that second cannot
    // be split: it is walked once, in its own window (ceil(bunch/15) pages), and the window
    // after it starts at the next second. Reaching it from a checkpoint five hours back takes
    // first pages that grow with the logarithm of the distance (18,030 s: 16 here). Before,
    // each narrowed window ended *at* the bunch's second, kept it, and was halved over and
    // over: 75 requests for 73 users, 207 for 730; then, ended just before it, the bunch was
    // read again by the next window: 103 for 730.
    const pages = Math.ceil(bunch / 15);
    const asked = windows(sent(sim));
    assert.equal(r.requests, asked.length);
    const seen = (x) => `${new Date(x.after).toISOString()}..${new Date(x.before).toISOString()}#${x.page}`;
    assert.ok(r.requests <= pages + 20, `${r.requests} requests: ${asked.map(seen).join(" ")}`);
    const stamped = Date.parse(sim.getUser(ids[0]).updated_at);
    assert.equal(asked.filter((x) => x.after <= stamped && x.before >= stamped && x.page > 1).length, pages - 1, "its pages read once");
  });
}

for (const [rows, perSecond, max, bound] of [[200, 1, 20, 30], [1500, 4, 500, 110]]) {
  test(`maxWindowRows ${max}: ${rows} users written ${perSecond} a second (a steady backfill) take at most ${bound} requests, not one window per second`, async (t) => {
    const { sim, client } = await frozenWorld(t, { startSimulator, users: 0 });
    const { poller, delivered } = recordingPoller(client, { maxWindowRows: max });
    sim.createUser({ email: "first@example.org" });
    tick(sim);
    assert.equal((await poller.poll()).complete, true);
    delivered.length = 0;
    for (let i = 0; i < rows; i++) {
      sim.createUser({ email: `steady${i}@example.org` });
      if ((i + 1) % perSecond === 0) tick(sim, 1000);
    }
    tick(sim);
    sim.clearLog();
    const r = await poller.poll();
    assert.equal(r.complete, true);
    assert.equal(new Set(delivered).size, rows, "each delivered");
    assert.equal(delivered.length, rows, "once");
    // The first page of each window says how many rows it holds; the next window's end is put
    // where that count says about maxWindowRows lie. Before, a sample of the first page's rows
    // (the oldest, in the listing's id order) put each end a second or two after its start:
    // 123 requests for 200 rows at 1 a second (254 with ends before the sampled second), and
    // 12,000 rows at 4 a second with the default took 2,086 (3,524) for the minimum 800.
    assert.ok(r.requests <= bound, `${r.requests} requests (minimum ${Math.ceil(rows / 15)})`);
  });
}

test("a window reopened from the server's Date header (our clock an hour ahead of the server's): its first page is read again, and each user's parse warning is reported once, none lost", async (t) => {
  const sim = await startSimulator({ port: 0, now: Date.now() - 3_600_000, users: 300, seed: 6 });
  t.after(() => sim.close());
  const warnings = [];
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, onWarning: (m) => warnings.push(m) });
  const { poller, delivered } = recordingPoller(client);
  const r = await poller.poll();
  assert.equal(delivered.length, 300);
  const firstPages = windows(sent(sim)).filter((w) => w.page === 1);
  assert.equal(firstPages.length, 2, "the first window was reopened once, by the Date header");
  assert.ok(firstPages[1].before < firstPages[0].before - 3_000_000, "pulled back to the server's clock");
  assert.equal(r.requests, 21, "20 pages of 15, and the first page read twice");
  // Which users carry a value the parser does not know (the simulator's unknownEnums quirk).
  const unknown = { user_status: "SUSPENDED", membership_role: "COORDINATOR", membership_status: "INVITED" };
  const expected = sim.listAll().flatMap((u) => Object.entries(unknown).filter(([k, v]) => u[k] === v).map(([k]) => `${u.id} ${k}`)).sort();
  assert.ok(expected.length >= 3, `the seed gives users with unknown values (${expected.length})`);
  const reported = warnings.map((w) => {
    const m = w.match(/^GET \S+: data\[\d+\] \(user (\d+)\): (\w+): unknown value/);
    assert.ok(m, w);
    return `${m[1]} ${m[2]}`;
  }).sort();
  assert.deepEqual(reported, expected, "each once (the first page's, read twice, included), none missing");
});

test("a row that leaves the window between the last page's total and its rows (Laravel's paginate(): a COUNT, then the SELECT) skips no one: the short page is read again, and the pages behind it", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 40, seed: 11 });
  const before = sim.listAll().map((u) => u.id);
  // 40 rows, 15 a page: page 3 holds rows 31-40. A delete of the first row, committed after
  // page 3's count (40) and before its rows are selected: row 31 slides onto page 2, read already.
  sim.onPage({ page: 3, at: "between", actions: [{ type: "delete", id: before[0] }] });
  const { poller, delivered } = recordingPoller(client);
  sim.clearLog();
  const r = await poller.poll();
  assert.equal(r.complete, true);
  const ids = new Set(delivered.map((d) => Number(d.split("@")[0])));
  assert.deepEqual(before.filter((id) => !ids.has(id)), [], "every user the window held is delivered");
  assert.equal(delivered.length, ids.size, "none twice");
  const third = sent(sim).filter((e) => e.query.page === "3");
  assert.ok(third.length >= 2, `page 3, short by one row, was read again: ${third.length}`);
});

// docs/poller.md, mechanism 2: a row leaving a window while it is walked costs the pages
// behind it (about three), not the whole window walked again, halved (as before 0.2.0: under
// steady edits a backfill of 3,270 users took 2,223 requests, BENCHMARKS.md).
/**
 * A backfill of `users` during which the users `edited(ids)` picks are updated (and leave the
 * window) before page `page` is counted. Polls once; holds it complete with every user the
 * window held delivered once. Returns the list requests from page `page` on, their pages,
 * and what the next poll needs.
 */
async function backfillWithEdits(t, { users, seed, page, edited }) {
  const { sim, client } = await frozenWorld(t, { startSimulator, users, seed });
  const before = sim.listAll().map((u) => u.id);
  sim.onPage({ page, actions: edited(before).map((id) => ({ type: "update", id, patch: { phone: "555-0101" } })) });
  const { poller, delivered } = recordingPoller(client);
  sim.clearLog();
  assert.equal((await poller.poll()).complete, true);
  const listed = sent(sim).filter((e) => e.path === "/v1/users");
  const all = listed.map((e) => Number(e.query.page ?? 1));
  const from = all.indexOf(page);
  const ids = new Set(delivered.map((d) => Number(d.split("@")[0])));
  assert.deepEqual(before.filter((id) => !ids.has(id)), [], "every user the window held is delivered");
  assert.equal(delivered.length, ids.size, "none twice");
  return { sim, poller, delivered, before, listed: listed.slice(from), pages: all.slice(from), all };
}

test("an edit while a backfill is walked costs about three pages read again, not the window again; every user once", async (t) => {
  // 300 rows, 15 a page: 20 pages. Before page 12 is counted, the third user (page 1) is edited:
  // it leaves the window, and every row behind it moves up one place, one across each boundary.
  const { sim, poller, delivered, before, pages, all } = await backfillWithEdits(t, { users: 300, seed: 5, page: 12, edited: (ids) => [ids[2]] });
  assert.deepEqual(pages, [12, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], `pages read: ${all}`);
  assert.ok(all.length <= 20 + 1 + 3, `${all.length} requests: 20 pages, a first page re-set from Date, 3 read again`);
  // The edited user's new version comes with the next poll, once the margin has passed.
  tick(sim);
  const next = await poller.poll();
  assert.equal(next.complete, true);
  assert.deepEqual(delivered.slice(300).map((d) => Number(d.split("@")[0])), [before[2]]);
});

test("a bulk edit of 40 users while a backfill is walked (a total falling by more than two pages) steps back as far as rows can have slid; every user once", async (t) => {
  // Before page 10 is counted, the first 40 users (pages 1-3) are edited and leave the window:
  // every row behind them moves up 40 places, from page 10 onto pages 7-8 already read.
  const { sim, poller, delivered, before, pages, all } = await backfillWithEdits(t, { users: 300, seed: 6, page: 10, edited: (ids) => ids.slice(0, 40) });
  // Page 9's rows may have moved 40 places before they were read, page 10's 40 more: back to
  // position 120 - 40 - 40 = 40, on page 3; then on to the last of 260 rows' 18 pages.
  assert.deepEqual(pages, [10, ...Array.from({ length: 16 }, (_, i) => i + 3)], `pages read: ${all}`);
  tick(sim);
  await poller.poll();
  assert.deepEqual(delivered.slice(300).map((d) => Number(d.split("@")[0])).sort((a, b) => a - b), before.slice(0, 40), "the 40 new versions, once each");
});

test("a bulk edit of 200 users 30 pages into a backfill steps back 28 pages and reads them again rather than giving the walk up; every user once", async (t) => {
  const { listed, pages, all } = await backfillWithEdits(t, { users: 600, seed: 8, page: 30, edited: (ids) => ids.slice(0, 200) });
  // 420 - 200 - 200 = 20: page 2, then on to the last of 400 rows' 27 pages; no first page of
  // the window read again (a walk given up starts the window, halved, from its first page).
  assert.deepEqual(pages, [30, ...Array.from({ length: 26 }, (_, i) => i + 2)], `pages read: ${all}`);
  assert.ok(listed.every((e) => e.query.page !== undefined), "the walk was not given up");
});

// A walk saved mid-window by a build that followed `links.next` has no `reads` (what its pages
// vouch for): the next read must not be trusted to continue it, since the rows before it may
// have moved since. It steps back to the first page.
test("a walk saved mid-window without `reads` (as a build that followed links.next saved it) goes on from its first page: every user once", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 40, seed: 4 });
  const store = new MemoryStore();
  const delivered = [];
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => { delivered.push(user.id); } });
  // The first page, re-set from Date, then page 1: the walk is saved before page 2.
  assert.equal((await poller.poll({ maxRequests: 2 })).complete, false);
  // A header line, then the state (store format 2, a value that fits one key).
  const [header, text] = (await store.get("vomo-users/v1/acme/state")).split("\n");
  assert.equal(JSON.parse(header).v, 2);
  const state = JSON.parse(text);
  assert.equal(state.walk.reads.page, 1);
  // As the earlier build saved it after pages 1 and 2 (page 2's users were delivered then).
  const ids = sim.listAll().map((u) => u.id);
  delete state.walk.reads;
  Object.assign(state.walk, { first_total: 40, unstable: false });
  state.walk.next_url = state.walk.next_url.replace(/page=2/, "page=3");
  await store.set("vomo-users/v1/acme/state", `${header}\n${JSON.stringify(state)}`);
  sim.clearLog();
  const r = await poller.poll();
  assert.equal(r.complete, true);
  const pages = sent(sim).map((e) => e.query.page);
  assert.deepEqual(pages.slice(0, 4), ["3", "1", "2", "3"], "page 3, then back to the first");
  assert.ok(pages.slice(4).every((p) => p === undefined), `then only a later window's first page: ${pages}`);
  assert.deepEqual([...delivered].sort((a, b) => a - b), ids, "every user once (page 2's for the first time here)");
});

// The walk's arithmetic is in rows: a page stands for the rows of its own size. A server whose
// page size changes between two reads (a deploy, servers behind one balancer set differently)
// must not make a page stand for rows it did not return.
test("a server whose page size grows from 10 to 15 after a walk's first page skips no one: the first page stands for the 10 rows it held, not 15", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 100, seed: 9 });
  const ids = sim.listAll().map((u) => u.id);
  const delivered = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: ({ user }) => { delivered.push(user.id); } });
  sim.clearLog();
  // One request a slice: the window's first page (set again from the server's Date) and page 1
  // at 10 a page, then 15. The build that counted page 1 at the next read's size skipped 11-15.
  let done = false;
  for (let slice = 0; slice < 40 && !done; slice++) {
    sim.configure({ perPage: slice < 2 ? 10 : 15 });
    done = (await poller.poll({ maxRequests: 1 })).complete;
  }
  assert.equal(done, true);
  assert.deepEqual([...delivered].sort((a, b) => a - b), ids, "every user once");
  // Page 2 at 15 starts at row 16, past the 10 rows page 1 held: back to page 1 at 15 (rows 1-15).
  const pages = sent(sim).filter((e) => e.path === "/v1/users").map((e) => Number(e.query.page ?? 1));
  assert.deepEqual(pages.slice(0, 5), [1, 1, 2, 1, 2], `pages read: ${pages}`);
});
