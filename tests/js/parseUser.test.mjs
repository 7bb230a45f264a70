import test from "node:test";
import assert from "node:assert/strict";
import { parseUser } from "vomo-users";
import { LIST_PAGE, assertNoUndefined } from "./helpers.mjs";

test("one raw UserResource (object or text) -> User", () => {
  const raw = JSON.parse(LIST_PAGE()).data[1];
  const u = parseUser(raw);
  assert.equal(u.id, 12346);
  assert.equal(u.gender, "F");
  assert.equal(u.phone, null);
  assertNoUndefined(u);
  assert.deepEqual(parseUser(JSON.stringify(raw)), u);
  assert.equal("warnings" in u, false);
});

test("a user without an integer-like id or without email throws a parse error naming the field", () => {
  assert.throws(() => parseUser({ email: "a@b.org" }), (e) => e.kind === "parse" && /id/.test(e.message));
  assert.throws(() => parseUser({ id: 4 }), (e) => e.kind === "parse" && /email/.test(e.message));
});
