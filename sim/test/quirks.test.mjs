// Behaviour 6: wire quirks — each on/off by default as documented and switchable.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
const get = async (path) => {
  const r = await fetch(sim.url + path, { headers: { Authorization: `Bearer ${sim.token}` } });
  return r.json();
};
before(async () => { sim = await startSimulator({ users: 400, seed: 11, now: "2026-03-01T12:00:00Z" }); });
after(() => sim.close());

const userWithParts = () => {
  for (const u of sim.listAll()) if (sim.getUser(u.id).participations.some((p) => p.checked_in_at)) return u.id;
  throw new Error("no user with a past participation");
};

test("quirks: defaults — string hours, string project ids, three timestamp forms, unknown enums", async () => {
  const id = userWithParts();
  const d = (await get(`/users/${id}`)).data;
  for (const p of d.participations) {
    assert.match(p.hours, /^\d+\.\d\d$/);
    assert.match(p.project_id, /^\d+$/);
    assert.match(p.project_date_id, /^\d+$/);
  }
  const all = sim.listAll();
  const forms = new Set(all.map((u) => (u.updated_at.endsWith("+00:00") ? "offset" : u.updated_at.endsWith(".000000Z") ? "micro" : /\d\dZ$/.test(u.updated_at) ? "z" : "?")));
  assert.deepEqual([...forms].sort(), ["micro", "offset", "z"]);
  for (const u of all) assert.match(u.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|\.000000Z|Z)$/);
  const unknown = all.filter((u) => u.user_status === "SUSPENDED" || u.membership_role === "COORDINATOR" || u.membership_status === "INVITED");
  assert.ok(unknown.length >= 1 && unknown.length <= 0.06 * all.length, `unknown enums on ~2% (${unknown.length})`);
  // off by default
  const page = await get("/users?page=1");
  assert.equal(page.links.prev, null);
  assert.equal(typeof page.meta.total, "number");
  assert.ok(!Array.isArray((await get(`/users/${id}`)).data));
});

test("quirks: switching the default-on quirks off", async () => {
  const id = userWithParts();
  sim.configure({ quirks: { stringHours: false, stringProjectIds: false, mixedTimestamps: false, unknownEnums: false } });
  try {
    const d = (await get(`/users/${id}`)).data;
    for (const p of d.participations) {
      assert.equal(typeof p.hours, "number");
      assert.equal(typeof p.project_id, "number");
      assert.equal(typeof p.project_date_id, "number");
    }
    const all = sim.listAll();
    assert.ok(all.every((u) => u.updated_at.endsWith("+00:00") && u.created_at.endsWith("+00:00")));
    assert.ok(!all.some((u) => ["SUSPENDED"].includes(u.user_status) || u.membership_role === "COORDINATOR" || u.membership_status === "INVITED"));
  } finally {
    sim.configure({ quirks: { stringHours: true, stringProjectIds: true, mixedTimestamps: true, unknownEnums: true } });
  }
});

test("quirks: switching the default-off quirks on — detail as array, \"null\" links, string meta", async () => {
  sim.configure({ quirks: { detailAsArray: true, nullStringLinks: true, stringMeta: true } });
  try {
    const id = sim.listAll()[0].id;
    const d = await get(`/users/${id}`);
    assert.ok(Array.isArray(d.data) && d.data.length === 1 && d.data[0].id === id);
    const p1 = await get("/users");
    assert.equal(p1.links.prev, "null");
    assert.deepEqual([p1.meta.current_page, p1.meta.from, p1.meta.to, p1.meta.per_page, p1.meta.total], ["1", "1", "15", "15", "400"]);
    const past = await get("/users?page=99");
    assert.equal(past.links.next, "null");
    assert.equal(past.meta.from, null);
  } finally {
    sim.configure({ quirks: { detailAsArray: false, nullStringLinks: false, stringMeta: false } });
  }
});
