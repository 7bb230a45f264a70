import test from "node:test";
import assert from "node:assert/strict";
import { findMissingIds } from "vomo-users";

test("ids known but not currently visible, ascending; arrays or Sets", () => {
  assert.deepEqual(findMissingIds([1, 3], [5, 3, 2, 1]), [2, 5]);
  assert.deepEqual(findMissingIds(new Set([1, 2]), new Set([2, 1])), []);
  assert.deepEqual(findMissingIds([], [9, 4]), [4, 9]);
  assert.deepEqual(findMissingIds([7], []), []);
});

test("ids are numbers, bigints or strings of digits; anything else is named, never coerced into an id", () => {
  assert.deepEqual(findMissingIds(new Set([1, "2"]), [1, 2, 3n, " 4 "]), [3, 4]);
  const refused = (current, known) => {
    try { findMissingIds(current, known); } catch (e) { assert.equal(e.kind, "invalid_input"); return e.message; }
    assert.fail("not refused");
  };
  // Number() would make these 1, 0, 7 and NaN.
  assert.equal(refused([1], [true]), "findMissingIds: knownIds[0] must be a number or a string of digits (got boolean)");
  assert.equal(refused([null], []), "findMissingIds: currentIds[0] must be a number or a string of digits (got null)");
  assert.equal(refused([1], [2, [7]]), "findMissingIds: knownIds[1] must be a number or a string of digits (got an array)");
  assert.equal(refused([1], ["7x"]), 'findMissingIds: knownIds[0] must be a number or a string of digits (got "7x")');
  assert.equal(refused(5, []), "findMissingIds: currentIds must be a Set or an array of ids");
  // A number that is no safe integer id is `parse`, as every id past 2^53 is (hardening.test.mjs, 9.7).
  for (const [known, got] of [[[2 ** 60], 2 ** 60], [[1.5], 1.5]]) {
    assert.throws(() => findMissingIds([1], known), (e) => e.kind === "parse"
      && e.message === `findMissingIds: knownIds[0]: not a safe integer id (got ${got})`);
  }
});
