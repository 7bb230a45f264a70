import test from "node:test";
import assert from "node:assert/strict";
import { findMissingIds } from "vomo-users";

test("ids known but not currently visible, ascending; arrays or Sets", () => {
  assert.deepEqual(findMissingIds([1, 3], [5, 3, 2, 1]), [2, 5]);
  assert.deepEqual(findMissingIds(new Set([1, 2]), new Set([2, 1])), []);
  assert.deepEqual(findMissingIds([], [9, 4]), [4, 9]);
  assert.deepEqual(findMissingIds([7], []), []);
});
