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
  assert.equal(refused([1], [2 ** 60]), `findMissingIds: knownIds[0] must be a safe integer id (got ${2 ** 60})`);
  assert.equal(refused([1], [1.5]), "findMissingIds: knownIds[0] must be a safe integer id (got 1.5)");
  assert.equal(refused(5, []), "findMissingIds: currentIds must be a Set or an array of ids");
});
