import test from "node:test";
import assert from "node:assert/strict";
import { totalHours, diffParticipations, parseUserDetail } from "vomo-users";
import { rawUser } from "./helpers.mjs";

test("sums hours, including coerced string hours", () => {
  const body = { data: rawUser({ participations: [
    { project_date_id: 1, hours: "4.00" }, { project_date_id: 2, hours: 2.5 }, { project_date_id: 3 }] }) };
  assert.equal(totalHours(parseUserDetail(body).participations), 6.5);
  assert.equal(totalHours([]) === 0, true);
});

test("the total of no participations is +0, not -0", () => {
  assert.equal(Object.is(totalHours([]), 0), true);
});

test("totalHours and diffParticipations name themselves when given what is not a Participation[]", () => {
  const refused = (f) => {
    try { f(); } catch (e) { assert.equal(e.kind, "invalid_input"); return e.message; }
    assert.fail("not refused");
  };
  assert.equal(refused(() => totalHours({ hours: 3 })), "totalHours: participations is not a Participation[] (invalid type: map, expected a sequence)");
  assert.match(refused(() => diffParticipations([], "x")), /^diffParticipations: current is not a Participation\[\] \(invalid type: string "x", expected a sequence\)$/);
});
