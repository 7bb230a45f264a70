import test from "node:test";
import assert from "node:assert/strict";
import { classifyChange, parseUserPage } from "vomo-users";
import { LIST_PAGE } from "./helpers.mjs";

const [bruce, selina] = parseUserPage(LIST_PAGE()).data; // bruce: updatedAt == createdAt; selina: 2 days later

test("without knownIds: updatedAt - createdAt < 1000 ms is created", () => {
  assert.equal(classifyChange(bruce), "created");
  assert.equal(classifyChange(selina), "updated");
  assert.equal(classifyChange({ ...bruce, updatedAt: "2025-11-04T08:00:00.999Z" }), "created");
  assert.equal(classifyChange({ ...bruce, updatedAt: "2025-11-04T08:00:01.000Z" }), "updated");
});

test("with knownIds as a Set or an array: unknown id is created, known is updated", () => {
  assert.equal(classifyChange(bruce, new Set([12345])), "updated");
  assert.equal(classifyChange(selina, new Set([1])), "created");
  assert.equal(classifyChange(bruce, [12345, 7]), "updated");
  assert.equal(classifyChange(selina, []), "created");
});
