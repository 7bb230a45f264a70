// Behaviour 1: GET /v1/users — filters, paging, Laravel envelope, links, stable order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

const NOW = "2026-03-01T12:00:00Z";
let sim;
const get = async (url, token = sim.token) => {
  const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
};
before(async () => { sim = await startSimulator({ users: 200, seed: 7, now: NOW }); });
after(() => sim.close());

test("list: Laravel envelope, fixed page size 15, id order, exact meta keys", async () => {
  const { status, body } = await get(`${sim.url}/users`);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body), ["data", "links", "meta"]);
  assert.deepEqual(Object.keys(body.meta), ["current_page", "from", "to", "path", "per_page", "total"]);
  assert.deepEqual(Object.keys(body.links), ["first", "last", "prev", "next"]);
  assert.equal(body.data.length, 15);
  assert.deepEqual(body.meta, { current_page: 1, from: 1, to: 15, path: `${sim.url}/users`, per_page: 15, total: 200 });
  assert.equal(body.links.prev, null);
  assert.equal(body.links.next, `${sim.url}/users?page=2`);
  assert.equal(body.links.last, `${sim.url}/users?page=14`);
  assert.deepEqual(Object.keys(body.data[0]), ["type", "id", "first_name", "last_name", "full_name", "email", "address",
    "phone", "birthday", "gender", "created_at", "updated_at", "user_status", "membership_status", "membership_role"]);
  // walk every page by links.next: stable ascending id order, no duplicates, total matches
  const ids = [];
  let url = `${sim.url}/users`;
  while (url) {
    const p = await get(url);
    ids.push(...p.body.data.map((u) => u.id));
    url = p.body.links.next;
  }
  assert.equal(ids.length, 200);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, 200);
  const last = await get(`${sim.url}/users?page=14`);
  assert.equal(last.body.links.next, null);
  assert.equal(last.body.meta.from, 196);
  assert.equal(last.body.meta.to, 200);
  assert.equal(last.body.links.prev, `${sim.url}/users?page=13`);
});

test("list: links keep the filter query and use the origin of the Host header", async () => {
  const port = new URL(sim.url).port;
  for (const host of ["127.0.0.1", "localhost"]) {
    const { body } = await get(`http://${host}:${port}/v1/users?email_like=example&page=2`);
    const o = `http://${host}:${port}`;
    assert.equal(body.meta.path, `${o}/v1/users`);
    assert.equal(body.links.first, `${o}/v1/users?email_like=example&page=1`);
    assert.equal(body.links.prev, `${o}/v1/users?email_like=example&page=1`);
    assert.equal(body.links.next, `${o}/v1/users?email_like=example&page=3`);
  }
});

test("list: name_like (first OR last, case-insensitive), email_like, AND logic", async () => {
  sim.createUser({ first_name: "Zebulon", last_name: "Quixote", email: "zq@first.example" });
  sim.createUser({ first_name: "Anna", last_name: "ZEBULONSKI", email: "anna@second.example" });
  sim.createUser({ first_name: "Zebulon", last_name: "Other", email: "Zeb@SECOND.example" });
  let { body } = await get(`${sim.url}/users?name_like=zebulon`);
  assert.deepEqual(body.data.map((u) => u.email), ["zq@first.example", "anna@second.example", "Zeb@SECOND.example"]);
  ({ body } = await get(`${sim.url}/users?email_like=Second.EXAMPLE`));
  assert.deepEqual(body.data.map((u) => u.email), ["anna@second.example", "Zeb@SECOND.example"]);
  ({ body } = await get(`${sim.url}/users?name_like=ZEBUL&email_like=zeb`));
  assert.deepEqual(body.data.map((u) => u.email), ["Zeb@SECOND.example"]);
  ({ body } = await get(`${sim.url}/users?name_like=nobody-has-this`));
  assert.equal(body.meta.total, 0);
});

test("list: date filters are inclusive, accept full ISO timestamps (any offset) and plain dates", async () => {
  const u = sim.createUser({ email: "edge@dates.example", created_at: "2025-06-10T08:30:00Z", updated_at: "2025-06-10T08:30:00Z" });
  const has = async (qs) => (await get(`${sim.url}/users?email_like=edge@dates&${qs}`)).body.data.some((x) => x.id === u.id);
  assert.equal(await has("updated_after=2025-06-10T08:30:00.000Z"), true, "inclusive after, ms form");
  assert.equal(await has("updated_after=2025-06-10T08:30:00.999Z"), true, "whole-second precision");
  assert.equal(await has("updated_after=2025-06-10T08:30:01Z"), false);
  assert.equal(await has("updated_before=2025-06-10T08:30:00+00:00"), true, "inclusive before");
  assert.equal(await has("updated_before=2025-06-10T08:29:59Z"), false);
  assert.equal(await has(`updated_after=${encodeURIComponent("2025-06-10T10:30:00+02:00")}`), true, "offset");
  assert.equal(await has(`updated_after=${encodeURIComponent("2025-06-10T10:30:01+02:00")}`), false);
  assert.equal(await has("created_after=2025-06-10"), true, "plain date = start of day");
  assert.equal(await has("created_before=2025-06-10"), true, "plain date = end of day");
  assert.equal(await has("created_before=2025-06-09"), false);
  assert.equal(await has("created_after=2025-06-11"), false);
  assert.equal(await has("created_after=2025-06-10&created_before=2025-06-10&updated_after=2025-01-01"), true);
  // the whole data set: inclusive bounds agree with a direct computation
  const all = sim.listAll();
  const mid = all[100].updated_at;
  const { body } = await get(`${sim.url}/users?updated_after=${encodeURIComponent(mid)}`);
  const expect = all.filter((x) => Date.parse(x.updated_at) >= Date.parse(mid)).length;
  assert.equal(body.meta.total, expect);
});

test("list: malformed date filter -> 422 with errors for that field", async () => {
  const { status, body } = await get(`${sim.url}/users?updated_after=yesterday&created_before=2025-02-30`);
  assert.equal(status, 422);
  assert.equal(body.message, "The given data was invalid.");
  assert.deepEqual(Object.keys(body.errors).sort(), ["created_before", "updated_after"]);
  assert.ok(Array.isArray(body.errors.updated_after));
});

test("list: page past the end -> data [], from/to null, next null", async () => {
  const { status, body } = await get(`${sim.url}/users?name_like=a&page=999`);
  assert.equal(status, 200);
  assert.deepEqual(body.data, []);
  assert.equal(body.meta.from, null);
  assert.equal(body.meta.to, null);
  assert.equal(body.meta.current_page, 999);
  assert.equal(body.links.next, null);
  assert.ok(body.links.first.endsWith("?name_like=a&page=1"));
});

test("list: page size is configurable", async () => {
  sim.configure({ perPage: 50 });
  try {
    const { body } = await get(`${sim.url}/users`);
    assert.equal(body.data.length, 50);
    assert.equal(body.meta.per_page, 50);
  } finally {
    sim.configure({ perPage: 15 });
  }
});
