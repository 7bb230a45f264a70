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

test("a malformed entry is named by its index and, for a value of the wrong type, its field", () => {
  const refused = (f) => {
    try { f(); } catch (e) { assert.equal(e.kind, "invalid_input"); return e.message; }
    assert.fail("not refused");
  };
  const detail = parseUserDetail({ data: rawUser({ participations: [{ project_date_id: 1, hours: 2 }, { project_date_id: 2, hours: 3 }] }) });
  const [a, b] = detail.participations;
  assert.match(refused(() => totalHours([a, { ...b, hours: null }])), /^totalHours: participations\[1\]\.hours: invalid type: null, expected f64$/);
  assert.match(refused(() => totalHours([a, { ...b, verified: "yes" }])), /^totalHours: participations\[1\]\.verified: invalid type: string "yes", expected a boolean$/);
  assert.match(refused(() => diffParticipations([a, b], [{ ...a, projectDateId: "one" }])), /^diffParticipations: current\[0\]\.projectDateId: invalid type: string "one"/);
  assert.match(refused(() => diffParticipations([a, 7], [a])), /^diffParticipations: previous\[1\]: invalid type: integer `7`/);
  const { hours, ...noHours } = a;
  assert.match(refused(() => totalHours([noHours])), /^totalHours: participations\[0\]: missing field `hours`$/);
});

test("hours sum as the decimals they are: 2.5 + 0.1 + 0.2 is 2.8 (the binary sum is 2.8000000000000003), to a millionth of an hour", () => {
  const body = { data: rawUser({ participations: [
    { project_date_id: 1, hours: "2.5" }, { project_date_id: 2, hours: 0.1 }, { project_date_id: 3, hours: "0.20" }] }) };
  const parts = parseUserDetail(body).participations;
  assert.equal(parts.reduce((t, p) => t + p.hours, 0), 2.8000000000000003, "what a plain sum gives");
  assert.equal(totalHours(parts), 2.8);
  assert.equal(String(totalHours(parts)), "2.8", "so a page shows 2.8");
  assert.equal(totalHours(Array.from({ length: 10 }, (_, i) => ({ ...parts[1], projectDateId: i }))), 1);
});
