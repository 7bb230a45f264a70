import test from "node:test";
import assert from "node:assert/strict";
import { parseUserPage } from "vomo-users";
import { LIST_PAGE, assertNoUndefined, USER_KEYS, ISO_MS } from "./helpers.mjs";

const page = () => parseUserPage(LIST_PAGE());

test("string ids become numbers; timestamps normalized to UTC with ms", () => {
  const p = page();
  assert.deepEqual(p.data.map((u) => u.id), [12345, 12346]);
  for (const u of p.data) { assert.match(u.createdAt, ISO_MS); assert.match(u.updatedAt, ISO_MS); }
  assert.equal(p.data[1].updatedAt, "2025-11-06T12:30:00.000Z");
});

test('"null" links become null; string meta numbers become numbers; lastPage null when not sent', () => {
  const p = page();
  assert.equal(p.links.prev, null);
  assert.equal(p.links.next, "https://api.vomo.org/v1/users?page=2");
  assert.deepEqual(p.meta, { currentPage: 1, from: 1, to: 15, path: "https://api.vomo.org/v1/users",
    perPage: 15, total: 120, lastPage: null });
});

test('optional fields are null, never undefined or ""; gender case-normalized', () => {
  const p = page();
  assertNoUndefined(p);
  for (const u of p.data) assert.deepEqual(Object.keys(u).sort(), [...USER_KEYS].sort());
  const selina = p.data[1];
  assert.equal(selina.phone, null);
  assert.equal(selina.address, null);
  assert.equal(selina.birthday, null);
  assert.equal(selina.gender, "F");
});

test("unknown enum values pass through verbatim and are reported in warnings", () => {
  const p = page();
  assert.equal(p.data[1].userStatus, "SUSPENDED");
  assert.equal(p.data[1].membershipRole, "COORDINATOR");
  assert.ok(p.warnings.some((w) => w.includes("SUSPENDED")), p.warnings.join("\n"));
});

test("takes an already-parsed object as well as text", () => {
  assert.deepEqual(parseUserPage(JSON.parse(LIST_PAGE())), page());
});

test("a bad record is dropped into warnings, not thrown", () => {
  const body = JSON.parse(LIST_PAGE());
  body.data.push({ id: "not-a-number", email: "x@y.org" }, { id: 5, first_name: "No", last_name: "Email" });
  const p = parseUserPage(body);
  assert.equal(p.data.length, 2);
  assert.ok(p.warnings.some((w) => w.startsWith("data[2]")), p.warnings.join("\n"));
  assert.ok(p.warnings.some((w) => w.startsWith("data[3]")), p.warnings.join("\n"));
});

test("non-ASCII text, escapes and pages of any size cross into wasm intact, one after another", () => {
  const user = (i, name) => ({ id: i, email: `u${i}@x.org`, first_name: name, last_name: "Lima", full_name: `${name} Lima`,
    created_at: "2025-11-04T08:00:00Z", updated_at: "2025-11-04T08:00:00.123456+00:00" });
  const body = (users) => JSON.stringify({ data: users, links: {}, meta: { current_page: 1, per_page: 15, total: users.length } });
  const names = ["Élève", "日本語", "😀 emoji", "tab\there", "quote \" and \\ slash /"];
  const big = body(Array.from({ length: 3000 }, (_, i) => user(i + 1, names[i % names.length])));
  for (const text of [body([user(1, "Ana")]), big, body([user(2, "Zoë")]), `\u{feff}${body([user(3, "Ω")])}`]) {
    const expected = JSON.parse(text.replace(/^\u{feff}/u, "")).data;
    const got = parseUserPage(text);
    assert.deepEqual(got.data.map((u) => [u.id, u.firstName, u.updatedAt]),
      expected.map((u) => [u.id, u.first_name, "2025-11-04T08:00:00.123Z"]));
    assert.deepEqual(got.warnings, []);
  }
  // The same text with the escapes JSON allows (as PHP's json_encode sends them) reads the same.
  // Without the u flag the pattern matches UTF-16 units, so the emoji becomes a surrogate pair.
  const escaped = body([user(4, "Élève 😀")]).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  assert.match(escaped, /\\u00c9/);
  assert.equal(parseUserPage(escaped).data[0].firstName, "Élève 😀");
});

test("a lone UTF-16 surrogate in a string (JSON.stringify writes one as an escape; JSON.parse reads it back): the record is dropped with a warning naming its field, in every form of the body", async () => {
  const { parseUser, parseUserDetail } = await import("vomo-users");
  const body = JSON.parse(LIST_PAGE());
  body.data[1].last_name = "Nguy\ud800n";
  const text = JSON.stringify(body);
  assert.ok(text.includes("\\ud800"), "written as an escape");
  assert.equal(JSON.parse(text).data[1].last_name, "Nguy\ud800n", "which the platform's own parser reads");
  for (const form of [text, body, new TextEncoder().encode(text)]) {
    const p = parseUserPage(form);
    assert.deepEqual(p.data.map((u) => u.id), [12345]);
    assert.equal(p.warnings.length, 1, p.warnings.join("\n"));
    assert.match(p.warnings[0], /^data\[1\]\.last_name: .*hex escape.* \(user dropped from the page\)$/);
  }
  assert.throws(() => parseUser(body.data[1]), (e) => e.kind === "parse" && /^last_name: not JSON \(/.test(e.message));
  assert.throws(() => parseUserDetail({ data: body.data[1] }), (e) => e.kind === "parse" && /^data\.last_name: not JSON \(/.test(e.message));
});

test("a number beyond a 64-bit float (1e999, which JSON.parse reads as Infinity) is refused naming its field: in the envelope, in a record (dropped with a warning), in a detail's participations, in every form of the body", async () => {
  const { parseUser, parseUserDetail } = await import("vomo-users");
  const good = JSON.stringify(JSON.parse(LIST_PAGE()));
  const envelope = good.replace(/"total":"?\d+"?/, '"total":1e999');
  assert.equal(JSON.parse(envelope).meta.total, Infinity, "the platform's own parser reads it");
  for (const form of [envelope, new TextEncoder().encode(envelope)]) {
    assert.throws(() => parseUserPage(form), (e) => e.kind === "parse" && /^meta\.total: a JSON number beyond what a 64-bit float holds \(/.test(e.message));
  }
  const second = JSON.parse(good).data[1];
  const record = good.replace(`"id":${JSON.stringify(second.id)}`, '"id":1e999');
  assert.notEqual(record, good);
  const p = parseUserPage(record);
  assert.deepEqual(p.data.map((u) => u.id), [12345]);
  assert.match(p.warnings.join("\n"), /^data\[1\]\.id: number out of range .* \(user dropped from the page\)$/m);
  const user = JSON.stringify({ ...second, id: 7 }).replace('"id":7', '"id":-1e999');
  assert.throws(() => parseUser(user), (e) => e.kind === "parse" && /^id: a JSON number beyond/.test(e.message));
  const detail = JSON.stringify({ data: { ...second, participations: [{ hours: 2 }, { hours: 3 }] } }).replace('"hours":3', '"hours":3e400');
  assert.throws(() => parseUserDetail(detail), (e) => e.kind === "parse" && /^data\.participations\[1\]\.hours: a JSON number beyond/.test(e.message));
});

test("text that is not JSON is refused with the JSON path, before and after a good page", () => {
  const good = LIST_PAGE();
  assert.equal(parseUserPage(good).data.length, 2);
  assert.throws(() => parseUserPage(good.slice(0, 200)), (e) => e.kind === "parse" && e.message.startsWith("$:"));
  assert.equal(parseUserPage(good).data.length, 2);
});
