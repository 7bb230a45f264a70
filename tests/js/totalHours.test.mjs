import test from "node:test";
import assert from "node:assert/strict";
import { totalHours, parseUserDetail } from "vomo-users";
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
