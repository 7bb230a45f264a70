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
