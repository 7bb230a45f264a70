// VomoClient over real HTTP against the simulator: listing, filters, detail, upsert,
// find-by-email, stats, options and token hygiene (issue 4, items 1, 5 and 6).
// Timing, retries and pagination safety live in client-*.test.mjs.
import test from "node:test";
import assert from "node:assert/strict";
import util from "node:util";
import { MemoryStore, UserPoller, VomoClient, VomoError } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, sent } from "./helpers.mjs";

const TOKEN = "tok-Zq9-SECRET-7731-client";
const NOW = "2026-01-01T00:00:00Z";
const FAST = 1000; // tests keep the client's rate high so they run in seconds

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 100, seed: 4, now: NOW, token: TOKEN, ...options });
  t.after(() => s.close());
  return s;
}
const client = (s, options = {}) => new VomoClient({ token: s.token, baseUrl: s.url, requestsPerSecond: FAST, ...options });
const gets = (s, path = "/v1/users") => s.log().filter((e) => e.method === "GET" && e.path === path);

test("client: listUsers, listUserPages and listAllUsers read every user in ceil(n/15) requests", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const expected = s.listAll().map((u) => u.id);
  const minimal = Math.ceil(expected.length / 15);

  const viaAll = await c.listAllUsers();
  assert.deepEqual(viaAll.map((u) => u.id), expected);
  assert.equal(gets(s).length, minimal);

  s.clearLog();
  const viaIter = [];
  for await (const u of c.listUsers()) viaIter.push(u.id);
  assert.deepEqual(viaIter, expected);
  assert.equal(gets(s).length, minimal);

  s.clearLog();
  const pages = [];
  for await (const page of c.listUserPages()) pages.push(page);
  assert.equal(pages.length, minimal);
  assert.deepEqual(pages.flatMap((p) => p.data.map((u) => u.id)), expected);
  assert.deepEqual(pages.map((p) => p.meta.currentPage), [...Array(minimal).keys()].map((i) => i + 1));
  assert.equal(pages[0].meta.total, expected.length);
  assert.equal(gets(s).length, minimal);
  assert.deepEqual(gets(s).map((e) => e.query.page ?? "1"), pages.map((p) => String(p.meta.currentPage)));
  assert.ok(gets(s).every((e) => e.status === 200 && e.authorization));
  for (const u of viaAll.slice(0, 20)) {
    assert.match(u.updatedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(typeof u.id, "number");
  }
});

test("client: iterators stream page by page (page 2 is requested only when consumed)", async (t) => {
  const s = await sim(t);
  const c = client(s);
  let seen = 0;
  for await (const page of c.listUserPages()) {
    seen++;
    assert.equal(gets(s).length, seen, "one request per consumed page, none ahead");
    if (seen === 2) break;
  }
  let users = 0;
  s.clearLog();
  for await (const _ of c.listUsers()) if (++users === 15) break;
  assert.equal(gets(s).length, 1, "15 users need only the first page");
});

test("client: an exact multiple of 15 and an empty result need no extra request", async (t) => {
  const s = await sim(t, { users: 45 });
  const c = client(s);
  assert.equal((await c.listAllUsers()).length, 45);
  assert.equal(gets(s).length, 3);
  s.clearLog();
  assert.deepEqual(await c.listAllUsers({ emailLike: "no-such-address-anywhere" }), []);
  assert.equal(gets(s).length, 1);
});

test("client: filters accept Date and ISO strings and go out as snake_case query parameters", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const all = s.listAll();
  const sorted = all.map((u) => Date.parse(u.updated_at)).sort((a, b) => a - b);
  const mid = new Date(sorted[Math.floor(sorted.length / 2)]);
  const users = await c.listAllUsers({ updatedAfter: mid });
  const q = gets(s)[0].query;
  assert.equal(q.updated_after, mid.toISOString());
  const expected = all.filter((u) => Date.parse(u.updated_at) >= mid.getTime()).map((u) => u.id);
  assert.deepEqual(users.map((u) => u.id), expected);

  s.clearLog();
  const created = all.map((u) => Date.parse(u.created_at)).sort((a, b) => a - b);
  const lo = new Date(created[10]), hi = new Date(created[60]);
  // an ISO string with an offset, a Date, and a name filter together
  const offsetIso = new Date(lo.getTime() + 2 * 3600e3).toISOString().replace(/\.\d{3}Z$/, "+02:00");
  const got = await c.listAllUsers({ createdAfter: offsetIso, createdBefore: hi, nameLike: "a", emailLike: "  " });
  const sentQuery = gets(s)[0].query;
  assert.equal(sentQuery.created_before, hi.toISOString());
  assert.equal(Date.parse(sentQuery.created_after), lo.getTime(), `created_after ${sentQuery.created_after}`);
  assert.equal(sentQuery.name_like, "a");
  assert.equal("email_like" in sentQuery, false, "a blank filter is not sent (it matched nobody)");
  assert.ok(!Object.keys(sentQuery).some((k) => /[A-Z]/.test(k)), "no camelCase parameter goes out");
  const want = all.filter((u) => {
    const c0 = Date.parse(u.created_at);
    return c0 >= lo.getTime() && c0 <= hi.getTime() && /a/i.test(u.first_name + "\n" + u.last_name);
  });
  assert.deepEqual(got.map((u) => u.id), want.map((u) => u.id));
  for (const p of gets(s).slice(1)) assert.equal(p.query.name_like, "a", "next links keep the filters");

  s.clearLog();
  await c.listAllUsers({ updatedBefore: "2025-06-01" });
  assert.equal(gets(s)[0].query.updated_before, "2025-06-01", "a plain date goes out as given");
});

test("client: an unknown filter or a malformed date is invalid_input and sends nothing", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const e = await rejects(c.listAllUsers({ updated_after: "2025-01-01" }), "invalid_input");
  assert.match(e.message, /updated_after/);
  await rejects(c.listAllUsers({ updatedAfter: "last tuesday" }), "invalid_input");
  await rejects(c.listAllUsers({ createdBefore: new Date("nope") }), "invalid_input");
  await rejects((async () => { for await (const _ of c.listUsers({ colour: "red" })); })(), "invalid_input");
  // A value that is neither text nor a Date is named, never sent as String(value) (name_like=[object Object]).
  for (const [filters, message] of [
    [{ nameLike: { first: "Ana" } }, "filters: nameLike must be a string (got object)"],
    [{ emailLike: ["a", "b"] }, "filters: emailLike must be a string (got an array)"],
    [{ updatedAfter: 1700000000000 }, "filters: updatedAfter must be a string or a Date (got number)"],
    // A Date is a date filter's alone: as a name it would have searched for "2026-01-01T00:00:00.000Z".
    [{ nameLike: new Date("2026-01-01") }, "filters: nameLike must be a string (got a Date)"],
    [{ emailLike: new Date("2026-01-01") }, "filters: emailLike must be a string (got a Date)"],
  ]) {
    assert.equal((await rejects(c.listAllUsers(filters), "invalid_input")).message, message);
    await rejects(c.listUserPages(filters).next(), "invalid_input");
  }
  assert.equal(sent(s).length, 0);
  // Which filters take a Date is the core's list.
  const { policy } = await import("vomo-users");
  assert.deepEqual(policy().dateFilterKeys, ["updatedAfter", "updatedBefore", "createdAfter", "createdBefore"]);
  assert.ok(policy().dateFilterKeys.every((k) => policy().filterKeys.includes(k)));
});

test("client: getUser returns the detail, and null on 404", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const id = s.listAll()[3].id;
  const d = await c.getUser(id);
  assert.equal(d.id, id);
  assert.equal(d.email, s.getUser(id).email);
  assert.ok(Array.isArray(d.participations) && Array.isArray(d.profileFieldValues) && Array.isArray(d.warnings));
  assert.equal(d.participations.length, s.getUser(id).participations.length);
  for (const p of d.participations) assert.equal(typeof p.hours, "number");
  assert.equal(await c.getUser(999999), null);
  assert.deepEqual(sent(s).map((e) => [e.path, e.status]), [[`/v1/users/${id}`, 200], ["/v1/users/999999", 404]]);
  await rejects(c.getUser(0), "invalid_input");
  await rejects(c.getUser("abc"), "invalid_input");
  assert.equal(sent(s).length, 2);
});

test("client: getUser takes an id as a number or its digits, and coerces nothing else into an id", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const id = s.listAll()[0].id;
  for (const given of [id, String(id), ` ${id} `, BigInt(id)]) assert.equal((await c.getUser(given)).id, id, String(given));
  // Number() would make these 1, the id, 0 and a rounded id: each is refused, nothing is sent.
  for (const [given, got] of [[true, "boolean"], [[id], "an array"], [null, "null"], [undefined, "undefined"], [{}, "object"], [`${id}x`, `"${id}x"`]]) {
    const e = await rejects(c.getUser(given), "invalid_input");
    assert.equal(e.message, `getUser: id must be a number or a string of digits (got ${got})`);
  }
  // Past 2^53 an id is `parse`, wherever it comes from (issue 9).
  for (const unsafe of [2 ** 53, 2 ** 60, 9007199254740993n]) {
    assert.match((await rejects(c.getUser(unsafe), "parse")).message, /^getUser: id: not a safe integer id \(got \d+\)$/);
  }
  // The id given is quoted, not the neighbour Number() rounds it to.
  for (const given of ["9007199254740993", 9007199254740993n]) {
    assert.equal((await rejects(c.getUser(given), "parse")).message, "getUser: id: not a safe integer id (got 9007199254740993)");
  }
  assert.deepEqual(sent(s).map((e) => e.path), Array(4).fill(`/v1/users/${id}`));
});

test("client: upsertUser creates (201) and updates (200, email compared case-insensitively)", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const r1 = await c.upsertUser({ firstName: "Ada", lastName: "Byron", email: "Ada.Byron@Example.org", gender: "f",
                                  role: "organizer", birthday: "1990-02-28", org: "acme", inviteCode: "INV-1" });
  assert.deepEqual([r1.created, r1.uncertain], [true, false]);
  assert.equal(typeof r1.user.id, "number");
  assert.equal(r1.user.gender, "F");
  assert.equal(r1.user.membershipRole, "ORGANIZER");
  assert.equal(s.getUser(r1.user.id).birthday, "1990-02-28");
  const r2 = await c.upsertUser({ firstName: "Ada", lastName: "Lovelace", email: " ada.byron@example.ORG " });
  assert.deepEqual([r2.created, r2.uncertain, r2.user.id], [false, false, r1.user.id]);
  assert.equal(s.getUser(r1.user.id).last_name, "Lovelace");
  assert.deepEqual(sent(s).map((e) => [e.method, e.path, e.status]), [["POST", "/v1/users", 201], ["POST", "/v1/users", 200]]);
});

test("client: empty optional upsert fields are not sent (a blank phone does not overwrite)", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const u = s.createUser({ email: "keep.phone@example.org", phone: "(555) 010-0000", address: "1 Main St" });
  const r = await c.upsertUser({ firstName: "Kim", lastName: "Phone", email: "keep.phone@example.org",
                                 phone: "", address: "   ", birthday: "", gender: null, role: undefined });
  assert.equal(r.created, false);
  const stored = s.getUser(u.id);
  assert.equal(stored.phone, "(555) 010-0000");
  assert.equal(stored.address, "1 Main St");
  assert.equal(stored.first_name, "Kim");
});

test("client: invalid upsert input is invalid_input with fields, and nothing is sent", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const ok = { firstName: "A", lastName: "B", email: "a.b@example.org" };
  const cases = [
    [{ ...ok, firstName: "" }, "first_name"], [{ ...ok, lastName: "  " }, "last_name"],
    [{ lastName: "B", firstName: "A" }, "email"], [{ ...ok, email: "not-an-email" }, "email"],
    [{ ...ok, email: "a b@example.org" }, "email"], [{ ...ok, gender: "X" }, "gender"],
    [{ ...ok, birthday: "2023-02-29" }, "birthday"], [{ ...ok, birthday: "01/02/1990" }, "birthday"],
    [{ ...ok, role: "boss" }, "role"],
  ];
  for (const [input, field] of cases) {
    const e = await rejects(c.upsertUser(input), "invalid_input");
    assert.ok(e.fields && Array.isArray(e.fields[field]), `${JSON.stringify(input)} -> fields.${field}: ${JSON.stringify(e.fields)}`);
    assert.equal(e.retryable, false);
  }
  await rejects(c.upsertUser(null), "invalid_input");
  assert.equal(sent(s).length, 0, "no request for invalid input");
});

test("client: a 422 from the server is validation with its fields, not retried", async (t) => {
  const s = await sim(t, { strict: true }); // the server also requires birthday and gender
  const c = client(s);
  const e = await rejects(c.upsertUser({ firstName: "A", lastName: "B", email: "strict@example.org" }), "validation");
  assert.equal(e.status, 422);
  assert.equal(e.retryable, false);
  assert.ok(Array.isArray(e.fields.birthday) && Array.isArray(e.fields.gender), JSON.stringify(e.fields));
  assert.equal(sent(s).length, 1);
});

test("client: findUserByEmail walks every email_like page for a trimmed, case-insensitive exact match", async (t) => {
  const s = await sim(t);
  for (let i = 0; i < 20; i++) s.createUser({ email: `p${i}target.shared@example.org` }); // substring matches
  const target = s.createUser({ email: "Target.Shared@Example.org" });
  const c = client(s);
  const found = await c.findUserByEmail("  TARGET.shared@example.ORG ");
  assert.equal(found.id, target.id);
  assert.equal(found.email, "Target.Shared@Example.org");
  const reqs = gets(s);
  assert.equal(reqs.length, 2, "21 substring matches: two pages");
  assert.equal(reqs[0].query.email_like, "target.shared@example.org");
  s.clearLog();
  assert.equal(await c.findUserByEmail("shared@example.org"), null, "substring matches are not exact");
  assert.equal(await c.findUserByEmail("nobody@nowhere.example"), null);
  await rejects(c.findUserByEmail("not an email"), "invalid_input");
  assert.equal(gets(s).length, 3);
});

test("client: duplicate exact matches give the most recently updated user and a warning", async (t) => {
  const s = await sim(t);
  const older = s.createUser({ email: "dup@example.org" });
  const newer = s.createUser({ email: "DUP@example.org" });
  const oldest = s.createUser({ email: "Dup@Example.org" });
  s.updateUser(newer.id, { updated_at: "2025-12-31T10:00:00Z" });
  s.updateUser(older.id, { updated_at: "2025-12-31T09:00:00Z" });
  s.updateUser(oldest.id, { updated_at: "2025-01-01T00:00:00Z" });
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const found = await c.findUserByEmail("dup@example.org");
  assert.equal(found.id, newer.id);
  const dupWarnings = warnings.filter((w) => /dup@example\.org/i.test(w));
  assert.equal(dupWarnings.length, 1, JSON.stringify(warnings));
  for (const id of [older.id, newer.id, oldest.id]) assert.match(dupWarnings[0], new RegExp(String(id)));
});

test("client: parse warnings reach onWarning", async (t) => {
  const s = await sim(t, { users: 300 }); // ~2% carry unknown enum values
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const pages = [];
  for await (const p of c.listUserPages()) pages.push(p);
  const pageWarnings = pages.flatMap((p) => p.warnings);
  assert.ok(pageWarnings.length > 0, "the seeded data has unknown enum values");
  // Each once, after its request and the user it is about (the test above has the format).
  assert.equal(warnings.length, pageWarnings.length, warnings.join("\n"));
  for (const w of pageWarnings) {
    const [, field] = /^data\[\d+\]\.(.*)$/.exec(w);
    assert.ok(warnings.some((m) => /^GET \/v1\/users(\?page=\d+)?: data\[\d+\] \(user \d+\): /.test(m) && m.endsWith(`: ${field}`)), `warning not forwarded: ${w}`);
  }
});

test("client: onWarning names the request and the user of each listed warning; two pages' warnings at the same position stay distinct", async (t) => {
  const s = await sim(t, { users: 30, quirks: { unknownEnums: false } }); // only the two rows below warn
  const [first, second] = [s.listAll()[5], s.listAll()[20]]; // row 5 of page 1 and of page 2 (15 a page)
  for (const u of [first, second]) s.updateUser(u.id, { user_status: "SUSPENDED" });
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const pages = [];
  for await (const p of c.listUserPages()) pages.push(p);
  // The page keeps the parser's own text: the same on both pages.
  assert.deepEqual(pages.map((p) => p.warnings), [[`data[5].user_status: unknown value "SUSPENDED" kept as sent`],
    [`data[5].user_status: unknown value "SUSPENDED" kept as sent`]]);
  assert.deepEqual(warnings, [
    `GET /v1/users: data[5] (user ${first.id}): user_status: unknown value "SUSPENDED" kept as sent`,
    `GET /v1/users?page=2: data[5] (user ${second.id}): user_status: unknown value "SUSPENDED" kept as sent`,
  ]);
  // listUsers, listAllUsers and findUserByEmail (which walks its matches' pages) say the same.
  warnings.length = 0;
  for await (const u of c.listUsers()) void u;
  await c.listAllUsers();
  assert.deepEqual(new Set(warnings).size, 2, warnings.join("\n"));
  assert.equal(warnings.length, 4, warnings.join("\n"));
  warnings.length = 0;
  assert.equal((await c.findUserByEmail(second.email))?.id, second.id);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], new RegExp(`^GET /v1/users\\?email_like=\\S+: data\\[\\d+\\] \\(user ${second.id}\\): user_status: unknown value "SUSPENDED" kept as sent$`));
});

test("client: a listing the data moved under says so on the page that shows it (a total other than the page before's, a page short of its own total, a page size other than the page before's), through every listing; reconcile(), which lists again itself, does not", async (t) => {
  const s = await sim(t, { users: 40, quirks: { unknownEnums: false } });
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const pagesOf = async () => { const pages = []; for await (const p of c.listUserPages()) pages.push(p); return pages; };
  assert.deepEqual((await pagesOf()).map((p) => p.warnings), [[], [], []], "an unchanged listing: none");
  assert.deepEqual(warnings, []);
  // A user listed on page 1 deleted before page 2: the rows behind it shift up one (user 16 is missed).
  const sixteenth = s.listAll()[15].id;
  s.onPage({ page: 2, actions: [{ type: "delete", id: s.listAll()[0].id }] });
  let pages = await pagesOf();
  assert.deepEqual(pages.map((p) => p.warnings), [[], ["meta.total: 39 here, 40 on the page before: the list changed while it was read, so a user may be missing or listed twice"], []]);
  assert.equal(pages.flatMap((p) => p.data).some((u) => u.id === sixteenth), false, "user 16 was missed: what the warning is for");
  assert.deepEqual(warnings, ["GET /v1/users?page=2: meta.total: 39 here, 40 on the page before: the list changed while it was read, so a user may be missing or listed twice"]);
  // Deleted between the last page's count and its rows: every total agrees, the last page is short.
  warnings.length = 0;
  s.onPage({ page: 3, at: "between", actions: [{ type: "delete", id: s.listAll()[0].id }] });
  pages = await pagesOf();
  assert.deepEqual(pages.map((p) => p.meta.total), [39, 39, 39]);
  assert.deepEqual(pages.map((p) => p.warnings), [[], [], ["data: 8 records where meta.total (39) says this page holds 9: the list changed while it was read, so a user may be missing"]]);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  // listUsers and listAllUsers report it through onWarning.
  for (const list of [async () => { for await (const u of c.listUsers()) void u; }, () => c.listAllUsers()]) {
    warnings.length = 0;
    s.onPage({ page: 2, actions: [{ type: "create" }] });
    await list();
    assert.deepEqual(warnings.map((m) => m.replace(/^GET \/v1\/users\?page=2: /, "")), [`meta.total: ${s.listAll().length} here, ${s.listAll().length - 1} on the page before: the list changed while it was read, so a user may be missing or listed twice`]);
  }
  // A server that changes its page size between two pages: page 2 of 15 starts at row 16, page
  // 1 of 10 ended at row 10.
  warnings.length = 0;
  s.configure({ perPage: 10 });
  pages = [];
  for await (const p of c.listUserPages()) { pages.push(p); s.configure({ perPage: 15 }); }
  assert.deepEqual(pages.map((p) => p.data.length), [10, 15, 10], "rows 1-10, 16-30, 31-40: 11-15 missed");
  assert.deepEqual(pages.map((p) => p.warnings), [[], ["meta.per_page: 15 here, 10 on the page before: the server changed its page size while the list was read, so users may be missing or listed twice"], []]);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  // reconcile() checks the totals itself and lists again: no warning of a change it read around.
  warnings.length = 0;
  const poller = new UserPoller({ client: c, store: new MemoryStore(), customerId: "acme", onUser: () => {} });
  await poller.poll();
  s.onPage({ page: 2, actions: [{ type: "delete", id: s.listAll()[0].id }] });
  assert.equal((await poller.reconcile()).complete, true);
  assert.deepEqual(warnings, []);
});

test("client: a page whose every record is unreadable does not end a listing: the pages after it are read (listUserPages, listUsers, listAllUsers, findUserByEmail)", async (t) => {
  const s = await sim(t, { users: 45, quirks: { unknownEnums: false } });
  const all = s.listAll();
  for (const u of all.slice(15, 30)) s.updateUser(u.id, { email: null }); // page 2: 15 records without an email
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const pages = [];
  for await (const p of c.listUserPages()) pages.push(p);
  assert.deepEqual(pages.map((p) => [p.meta.currentPage, p.data.length, p.warnings.length]), [[1, 15, 0], [2, 0, 15], [3, 15, 0]]);
  const readable = [...all.slice(0, 15), ...all.slice(30)].map((u) => u.id);
  assert.deepEqual((await c.listAllUsers()).map((u) => u.id), readable);
  const viaIterator = [];
  for await (const u of c.listUsers()) viaIterator.push(u.id);
  assert.deepEqual(viaIterator, readable);
  assert.equal((await c.findUserByEmail(all[40].email))?.id, all[40].id, "found through a listing that passes page 2");
});

test("client: a detail's and an upsert's warnings name their request and user", async (t) => {
  const s = await sim(t, { users: 5, quirks: { unknownEnums: false } });
  const u = s.listAll()[2];
  s.updateUser(u.id, { membership_role: "COORDINATOR" });
  const warnings = [];
  const c = client(s, { onWarning: (m) => warnings.push(m) });
  const detail = await c.getUser(u.id);
  assert.deepEqual(detail.warnings, [`data.membership_role: unknown value "COORDINATOR" kept as sent`]);
  assert.deepEqual(warnings, [`GET /v1/users/${u.id}: data (user ${u.id}): membership_role: unknown value "COORDINATOR" kept as sent`]);
  warnings.length = 0;
  await c.upsertUser({ firstName: "Ana", lastName: "Lima", email: u.email });
  assert.deepEqual(warnings, [`POST /v1/users: data (user ${u.id}): membership_role: unknown value "COORDINATOR" kept as sent`]);
});

test("client: stats() counts requests, retries, 429s and failed calls", async (t) => {
  const s = await sim(t, { users: 30 });
  const c = client(s, { maxRetries: 1 });
  assert.deepEqual(c.stats(), { requests: 0, retries: 0, rateLimited: 0, errors: 0 });
  await c.listAllUsers();                                                   // 2 requests
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, headers: { "Retry-After": "0" } });
  await c.getUser(1001);                                                    // 429 + retry
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: 2 });
  await rejects(c.getUser(1001), "server");                                 // 503 + retry 503
  await rejects(c.upsertUser({ firstName: "x" }), "invalid_input");         // no request
  assert.equal(await c.getUser(424242), null);                              // 404 is not an error
  assert.deepEqual(c.stats(), { requests: 7, retries: 2, rateLimited: 1, errors: 2 });
  assert.equal(sent(s).length, 7);
});

test("client: stats().errors counts every call that ended in a VomoError, also those refused before a request", async (t) => {
  const s = await sim(t, { users: 40 });
  const c = client(s);
  let errors = 0;
  const counted = async (what, kind) => {
    await rejects(what(), kind);
    assert.equal(c.stats().errors, ++errors, `${kind}: ${what}`);
  };
  const aborted = new AbortController();
  await counted(async () => { let n = 0; for await (const _ of c.listUsers({}, { signal: aborted.signal })) if (++n === 20) aborted.abort(); }, "aborted");
  await counted(async () => { for await (const _ of c.listUsers({ nope: "x" })) ; }, "invalid_input");
  await counted(async () => { for await (const _ of c.listUserPages({}, { signal: "no" })) ; }, "invalid_input");
  await counted(() => c.listAllUsers({ updatedSince: 5 }), "invalid_input");
  await counted(() => c.listAllUsers({}, { timeoutMs: -1 }), "invalid_input");
  await counted(() => c.getUser("abc"), "invalid_input");
  await counted(() => c.getUser(2 ** 60), "parse");
  await counted(() => c.upsertUser(null), "invalid_input");
  await counted(() => c.upsertUser({ email: "a@b.org", firstName: 5 }), "invalid_input");
  await counted(() => c.findUserByEmail(42), "invalid_input");
  await counted(() => c.findUserByEmail("a@b.org", { maxRetries: 1.5 }), "invalid_input");
  const requests = c.stats().requests;
  for await (const _ of c.listUsers()) break;                              // leaving early is no error
  assert.equal(await c.getUser(424242), null);                             // nor is a missing user
  assert.deepEqual(c.stats(), { requests: requests + 2, retries: 0, rateLimited: 0, errors });
});

test("client: options are checked (https outside loopback, token, numbers)", async () => {
  const bad = [
    { token: "t", baseUrl: "http://api.vomo.org/v1" }, { token: "t", baseUrl: "http://10.0.0.5/v1" },
    { token: "t", baseUrl: "ftp://api.vomo.org/v1" }, { token: "t", baseUrl: "not a url" },
    { baseUrl: "https://api.vomo.org/v1" }, { token: "", baseUrl: "https://api.vomo.org/v1" },
    { token: "t", requestsPerSecond: 0 }, { token: "t", requestsPerSecond: "fast" },
    { token: "t", maxRetries: -1 }, { token: "t", timeoutMs: 0 }, { token: "t", fetch: 42 },
    { token: "t", maxResponseBytes: 1.5 }, { token: "t", maxResponseBytes: 0 },
  ];
  for (const options of bad) {
    assert.throws(() => new VomoClient(options), (e) => e instanceof VomoError && e.kind === "invalid_input",
                  JSON.stringify(options));
  }
  for (const baseUrl of ["http://127.0.0.1:59/v1", "http://localhost:59/v1", "http://[::1]:59/v1", "https://api.vomo.org/v1"]) {
    new VomoClient({ token: "t", baseUrl });
  }
  new VomoClient({ token: "t" });
  new VomoClient({ token: "t", requestsPerSecond: "auto" });
});

test("client: a pasted token works with its surrounding whitespace or a Bearer prefix; one no header can carry is refused before sending", async (t) => {
  const s = await sim(t, { users: 20 });
  for (const token of [`  ${s.token}\n`, `Bearer ${s.token}`, `bearer  ${s.token} `]) {
    assert.equal((await client(s, { token }).listAllUsers()).length, 20, JSON.stringify(token.slice(0, 8)));
  }
  const sentBefore = sent(s).length;
  for (const [token, what] of [[`${s.token.slice(0, 10)}\n${s.token.slice(10)}`, "a space or line break at character 11"],
    [`${s.token.slice(0, 5)}\u2028${s.token.slice(5)}`, "a space or line break at character 6"], [`${s.token}ł`, "a character outside ASCII"]]) {
    assert.throws(() => client(s, { token }), (e) => e instanceof VomoError && e.kind === "invalid_input"
      && e.message.includes(what) && !e.message.includes(s.token.slice(0, 10)), what);
  }
  assert.equal(sent(s).length, sentBefore, "nothing was sent (before: each request failed as a retried network error)");
});

test("client: the token appears in no error message, JSON, inspect output or stats", async (t) => {
  const s = await sim(t, { users: 20 });
  const c = client(s, { maxRetries: 0, timeoutMs: 150 });
  const errors = [];
  const collect = async (p) => { try { await p; } catch (e) { errors.push(e); } };
  s.injectFault({ type: "status", status: 500, body: { message: `token ${TOKEN} rejected` } });
  await collect(c.getUser(1001));
  s.injectFault({ type: "status", status: 400, body: { message: `Bearer ${TOKEN}` } });
  await collect(c.getUser(1001));
  s.injectFault({ type: "nonjson" });
  await collect(c.listAllUsers());
  s.injectFault({ type: "reset" });
  await collect(c.getUser(1001));
  s.injectFault({ type: "stall" });
  await collect(c.getUser(1001));
  s.injectFault({ type: "foreign_next" });
  await collect(c.listAllUsers());
  const wrong = new VomoClient({ token: `${TOKEN}-revoked`, baseUrl: s.url, requestsPerSecond: FAST });
  await collect(wrong.getUser(1001));
  assert.equal(errors.length, 7);
  for (const e of errors) {
    for (const text of [e.message, String(e), e.stack, util.inspect(e)]) {
      assert.ok(!text.includes(TOKEN), `token leaked in ${e.kind}: ${text}`);
    }
  }
  for (const text of [JSON.stringify(c), util.inspect(c), util.inspect(c, { showHidden: true, depth: 5 }),
                      String(c), JSON.stringify(c.stats()), JSON.stringify(wrong)]) {
    assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
  }
  assert.ok(s.log().every((e) => !JSON.stringify(e).includes(TOKEN)));
});

test("client: a 422 body that echoes the token does not leak it through error.fields", async (t) => {
  const s = await sim(t, { users: 5 });
  const c = client(s);
  s.injectFault({ method: "POST", type: "status", status: 422,
                  body: { message: "The given data was invalid.", errors: { email: [`${TOKEN} is not allowed`] } } });
  const e = await rejects(c.upsertUser({ firstName: "A", lastName: "B", email: "echo@example.org" }), "validation");
  assert.ok(!e.message.includes(TOKEN));
  assert.ok(!JSON.stringify(e.fields).includes(TOKEN), `token leaked in fields: ${JSON.stringify(e.fields)}`);
});

test("client: what the date filters send: a timestamp as UTC with milliseconds (no offset read as UTC, an offset applied), a Date likewise, a plain date as given", async (t) => {
  const s = await sim(t, { users: 3 });
  const c = client(s);
  s.clearLog();
  await c.listAllUsers({ updatedAfter: "2025-06-01T10:00:00", updatedBefore: "2025-06-01T12:00:00+02:00" });
  await c.listAllUsers({ createdAfter: new Date(Date.UTC(2025, 5, 1, 9, 30)), createdBefore: "2025-06-02" });
  assert.deepEqual(s.log().map((e) => e.query), [
    { updated_after: "2025-06-01T10:00:00.000Z", updated_before: "2025-06-01T10:00:00.000Z" },
    { created_after: "2025-06-01T09:30:00.000Z", created_before: "2025-06-02" },
  ]);
});
