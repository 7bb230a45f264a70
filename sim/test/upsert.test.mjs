// Behaviour 3: POST /v1/users — upsert keyed on case-insensitive email, 201/200, 422 validation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
const post = async (body) => {
  const r = await fetch(`${sim.url}/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${sim.token}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};
before(async () => { sim = await startSimulator({ users: 30, seed: 1, now: "2026-03-01T12:00:00.750Z" }); });
after(() => sim.close());

test("upsert: create -> 201, code \"201\", string id, created_at == updated_at (whole seconds)", async () => {
  const { status, body } = await post({ first_name: "Bruce", last_name: "Wayne", email: "Bruce@Wayne.example",
    phone: "(555) 012-0105", birthday: "1972-02-19", gender: "M", role: "ORGANIZER", password: "secret12345" });
  assert.equal(status, 201);
  assert.equal(body.code, "201");
  assert.equal(body.message, "User created.");
  const d = body.data;
  assert.equal(typeof d.id, "string");
  assert.match(d.id, /^\d+$/);
  assert.equal(d.email, "Bruce@Wayne.example");
  assert.equal(d.full_name, "Bruce Wayne");
  assert.equal(d.membership_role, "ORGANIZER");
  assert.equal(Date.parse(d.created_at), Date.parse("2026-03-01T12:00:00Z"));
  assert.equal(d.created_at, d.updated_at);
  assert.deepEqual(d.participations, []);
  assert.deepEqual(d.profile_field_values, []);
  assert.equal(sim.getUser(Number(d.id)).email, "Bruce@Wayne.example");
});

test("upsert: same email in other case -> 200 update of the same id, bumps updated_at", async () => {
  const first = (await post({ first_name: "Selina", last_name: "Kyle", email: "selina@kyle.example" })).body.data;
  sim.advanceClock(5000);
  const { status, body } = await post({ first_name: "Selina", last_name: "Kyle-Wayne", email: "SELINA@KYLE.EXAMPLE", gender: "F" });
  assert.equal(status, 200);
  assert.equal(body.code, "200");
  assert.equal(body.message, "User updated.");
  assert.equal(body.data.id, first.id);
  assert.equal(body.data.last_name, "Kyle-Wayne");
  assert.equal(body.data.gender, "F");
  assert.equal(body.data.created_at, first.created_at);
  assert.equal(Date.parse(body.data.updated_at) - Date.parse(first.updated_at), 5000);
  assert.equal(sim.listAll().filter((u) => u.email.toLowerCase() === "selina@kyle.example").length, 1);
  // a differing character is a new user
  assert.equal((await post({ first_name: "S", last_name: "K", email: "selina@kyle.example2" })).status, 201);
});

test("upsert: 422 Laravel body for missing/invalid fields, enums, dates, password", async () => {
  let r = await post({});
  assert.equal(r.status, 422);
  assert.equal(r.body.message, "The given data was invalid.");
  assert.deepEqual(Object.keys(r.body.errors).sort(), ["email", "first_name", "last_name"]);
  r = await post({ first_name: "A", last_name: "B", email: "not-an-email" });
  assert.deepEqual(Object.keys(r.body.errors), ["email"]);
  r = await post({ first_name: "A", last_name: "B", email: "a@b.example", gender: "X", role: "BOSS", birthday: "2025-02-30" });
  assert.equal(r.status, 422);
  assert.deepEqual(Object.keys(r.body.errors).sort(), ["birthday", "gender", "role"]);
  r = await post({ first_name: "A", last_name: "B", email: "a@b.example", birthday: "19/02/1972" });
  assert.deepEqual(Object.keys(r.body.errors), ["birthday"]);
  for (const pw of ["short1", "onlyletterslong", "1234567890123"]) {
    r = await post({ first_name: "A", last_name: "B", email: "a@b.example", password: pw });
    assert.equal(r.status, 422, pw);
    assert.deepEqual(Object.keys(r.body.errors), ["password"]);
  }
  r = await post("{not json");
  assert.equal(r.status, 422);
  assert.equal(sim.listAll().some((u) => u.email === "a@b.example"), false, "nothing stored");
});

test("upsert: strict switch requires birthday and gender", async () => {
  let r = await post({ first_name: "A", last_name: "B", email: "lax@b.example" });
  assert.equal(r.status, 201);
  sim.configure({ strict: true });
  try {
    r = await post({ first_name: "A", last_name: "B", email: "strict@b.example" });
    assert.equal(r.status, 422);
    assert.deepEqual(Object.keys(r.body.errors).sort(), ["birthday", "gender"]);
    r = await post({ first_name: "A", last_name: "B", email: "strict@b.example", birthday: "1990-01-01", gender: "N" });
    assert.equal(r.status, 201);
  } finally {
    sim.configure({ strict: false });
  }
});

test("upsert: stringIdInUpsert switch off -> numeric code and id", async () => {
  sim.configure({ quirks: { stringIdInUpsert: false } });
  try {
    const r = await post({ first_name: "N", last_name: "Um", email: "num@b.example" });
    assert.equal(r.body.code, 201);
    assert.equal(typeof r.body.data.id, "number");
  } finally {
    sim.configure({ quirks: { stringIdInUpsert: true } });
  }
});
