// Behaviour 2: GET /v1/users/{id} — detail superset; 404 body.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
const get = async (path) => {
  const r = await fetch(sim.url + path, { headers: { Authorization: `Bearer ${sim.token}` } });
  return { status: r.status, body: await r.json() };
};
before(async () => { sim = await startSimulator({ users: 100, seed: 3, now: "2026-03-01T12:00:00Z" }); });
after(() => sim.close());

test("detail: superset of the list fields plus participations and profile_field_values", async () => {
  const listed = sim.listAll();
  let withParts = 0;
  let zero = 0;
  for (const item of listed.slice(0, 40)) {
    const { status, body } = await get(`/users/${item.id}`);
    assert.equal(status, 200);
    const d = body.data;
    assert.ok(!Array.isArray(d));
    const { participations, profile_field_values, ...base } = d;
    assert.deepEqual(base, item, "base fields equal the list item");
    assert.ok(Array.isArray(participations) && Array.isArray(profile_field_values));
    if (participations.length) withParts++; else zero++;
    assert.ok(participations.length <= 6);
    for (const p of participations) {
      assert.deepEqual(Object.keys(p), ["project_id", "project_date_id", "guests", "signed_up_at", "checked_in_at",
        "checked_out_at", "hours", "verified", "role"]);
      assert.equal(typeof p.role, "string");
      if (p.checked_in_at === null) assert.equal(p.checked_out_at, null);
    }
    for (const f of profile_field_values) assert.deepEqual(Object.keys(f), ["field_id", "field_label", "value"]);
  }
  assert.ok(withParts > 0 && zero > 0, `mix of users with and without participations (${withParts}/${zero})`);
  // deterministic: the same detail twice
  const id = listed[5].id;
  assert.deepEqual((await get(`/users/${id}`)).body, (await get(`/users/${id}`)).body);
});

test("detail: unknown or non-numeric id -> 404 {message: Resource not found.}", async () => {
  for (const p of ["/users/999999", "/users/abc"]) {
    const { status, body } = await get(p);
    assert.equal(status, 404);
    assert.deepEqual(body, { message: "Resource not found." });
  }
});
