import test from "node:test";
import assert from "node:assert/strict";
import { parseUserDetail } from "vomo-users";
import { UPSERT_200, assertNoUndefined, PARTICIPATION_KEYS } from "./helpers.mjs";

test('hours "4.00" -> 4, string project ids -> numbers, string user id -> number', () => {
  const d = parseUserDetail(UPSERT_200());
  assert.equal(d.id, 8205);
  const [p] = d.participations;
  assert.equal(p.hours, 4);
  assert.equal(p.projectId, 789);
  assert.equal(p.projectDateId, 1011);
  assert.equal(p.checkedInAt, "2025-02-15T09:00:00.000Z");
  assert.deepEqual(Object.keys(p).sort(), [...PARTICIPATION_KEYS].sort());
  assert.deepEqual(d.profileFieldValues, [{ fieldId: 12, fieldLabel: "T-shirt size", value: "L" }]);
  assert.deepEqual(d.warnings, []);
});

test("data as a one-element array is read, with a warning", () => {
  const body = JSON.parse(UPSERT_200());
  body.data = [body.data];
  const d = parseUserDetail(body);
  assert.equal(d.id, 8205);
  assert.ok(d.warnings.length >= 1);
});

test("absent participation fields: guests 0, hours 0, nulls not undefined; garbage hours -> 0 + warning", () => {
  const body = JSON.parse(UPSERT_200());
  body.data.participations = [{ project_date_id: 1, hours: "lots" }, {}];
  delete body.data.phone;
  body.data.address = "";
  const d = parseUserDetail(body);
  assertNoUndefined(d);
  assert.equal(d.phone, null);
  assert.equal(d.address, null);
  const [a, b] = d.participations;
  assert.equal(a.hours, 0);
  assert.equal(b.guests, 0);
  assert.equal(b.projectDateId, null);
  assert.equal(b.signedUpAt, null);
  assert.ok(d.warnings.some((w) => w.includes("hours")), d.warnings.join("\n"));
});

test("2.5 hours stays 2.5; +02:00 offsets and microseconds normalize (truncated) to UTC ms", () => {
  const body = JSON.parse(UPSERT_200());
  body.data.participations = [{ project_date_id: 9, hours: 2.5, signed_up_at: "2025-02-01T12:30:00.999999+02:00" }];
  const [p] = parseUserDetail(body).participations;
  assert.equal(p.hours, 2.5);
  assert.equal(p.signedUpAt, "2025-02-01T10:30:00.999Z");
});

test("a participation id of 0 or below names nothing: read as null with a warning; a verified flag other than 0/1/true/false warns (a number reads as JavaScript reads it)", () => {
  const body = JSON.parse(UPSERT_200());
  const base = body.data.participations[0];
  body.data.participations = [
    { ...base, project_id: -1, project_date_id: 0 },
    { ...base, project_id: "-5", project_date_id: "0" },
    { ...base, verified: 2 },
    { ...base, verified: -1 },
    { ...base, verified: 0.5 },
    { ...base, verified: 1 },
    { ...base, verified: "0" },
  ];
  const d = parseUserDetail(body);
  assert.deepEqual(d.participations.map((p) => [p.projectId, p.projectDateId]).slice(0, 2), [[null, null], [null, null]]);
  assert.deepEqual(d.participations.map((p) => p.verified).slice(2), [true, true, true, true, false]);
  assert.deepEqual(d.warnings, [
    "data.participations[0].project_id: not a positive integer id: -1; read as null",
    "data.participations[0].project_date_id: not a positive integer id: 0; read as null",
    'data.participations[1].project_id: not a positive integer id: "-5"; read as null',
    'data.participations[1].project_date_id: not a positive integer id: "0"; read as null',
    "data.participations[2].verified: not a boolean: 2; read as true",
    "data.participations[3].verified: not a boolean: -1; read as true",
    "data.participations[4].verified: not a boolean: 0.5; read as true",
  ]);
});
