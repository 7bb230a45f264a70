import test from "node:test";
import assert from "node:assert/strict";
import { diffParticipations, parseUserDetail } from "vomo-users";
import { rawUser } from "./helpers.mjs";

const p = (o) => ({ projectId: 1, projectDateId: null, guests: 0, signedUpAt: null, checkedInAt: null,
  checkedOutAt: null, hours: 0, verified: false, role: null, ...o });

test("keyed by projectDateId: added, removed, changed", () => {
  const before = [p({ projectDateId: 1 }), p({ projectDateId: 2, hours: 1 }), p({ projectDateId: 3 })];
  const after = [p({ projectDateId: 2, hours: 3 }), p({ projectDateId: 3 }), p({ projectDateId: 4 })];
  const d = diffParticipations(before, after);
  assert.deepEqual(d.added, [after[2]]);
  assert.deepEqual(d.removed, [before[0]]);
  assert.deepEqual(d.changed, [{ before: before[1], after: after[0] }]);
});

test("entries without projectDateId compare by value: a change is a removal plus an addition", () => {
  const d = diffParticipations([p({ hours: 1 })], [p({ hours: 2 })]);
  assert.deepEqual(d.removed, [p({ hours: 1 })]);
  assert.deepEqual(d.added, [p({ hours: 2 })]);
  assert.deepEqual(d.changed, []);
  assert.deepEqual(diffParticipations([p({})], [p({})]), { added: [], removed: [], changed: [] });
});

test("a date twice in one list: a second entry that appears is an addition, one that goes is that one's removal; nothing is lost", () => {
  const a = p({ projectDateId: 7, hours: 2 }), b = p({ projectDateId: 7, hours: 3 }), c = p({ projectDateId: 7, hours: 4 });
  assert.deepEqual(diffParticipations([a], [a, b]), { added: [b], removed: [], changed: [] });
  assert.deepEqual(diffParticipations([a, b], [b]), { added: [], removed: [a], changed: [] });
  assert.deepEqual(diffParticipations([a, b], [a]), { added: [], removed: [b], changed: [] });
  assert.deepEqual(diffParticipations([a, b], [c, a]), { added: [], removed: [], changed: [{ before: b, after: c }] });
  assert.deepEqual(diffParticipations([a, b, a], [a, b, a]), { added: [], removed: [], changed: [] });
  // Every entry is accounted for: after = before - removed - changed.before + added + changed.after.
  const before = [a, b, p({ projectDateId: 8 })], after = [c, c, b, p({ projectDateId: 8, hours: 1 })];
  const d = diffParticipations(before, after);
  assert.equal(before.length - d.removed.length + d.added.length, after.length);
});

test("works on parser output", () => {
  const body = { data: rawUser({ participations: [{ project_date_id: "5", hours: "2.00" }] }) };
  const cur = parseUserDetail(body).participations;
  assert.deepEqual(diffParticipations([], cur).added, cur);
});
