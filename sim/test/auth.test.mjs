// Behaviour 4: Bearer auth — 401 for missing/wrong token, 403 for the forbidden token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
before(async () => { sim = await startSimulator({ users: 20, token: "sim-token-0123456789" }); });
after(() => sim.close());

const call = async (path, headers = {}, method = "GET") => {
  const r = await fetch(sim.url + path, { method, headers });
  return { status: r.status, body: await r.json() };
};

test("auth: default token looks like a JWT; the configured token is accepted", async () => {
  const other = await startSimulator({ users: 1 });
  try { assert.match(other.token, /^eyJ/); } finally { await other.close(); }
  assert.equal(sim.token, "sim-token-0123456789");
  assert.equal((await call("/users", { Authorization: "Bearer sim-token-0123456789" })).status, 200);
});

test("auth: missing, wrong or malformed token -> 401 {message: Unauthenticated.} on every endpoint", async () => {
  const id = sim.listAll()[0].id;
  for (const headers of [{}, { Authorization: "Bearer nope" }, { Authorization: "sim-token-0123456789" },
    { Authorization: "Bearer  sim-token-0123456789" }, { Authorization: "Basic sim-token-0123456789" }]) {
    for (const [path, method] of [["/users", "GET"], [`/users/${id}`, "GET"], ["/users/424242", "GET"], ["/users", "POST"]]) {
      const r = await call(path, headers, method);
      assert.equal(r.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.deepEqual(r.body, { message: "Unauthenticated." });
    }
  }
});

test("auth: the forbidden token -> 403 {message: This action is unauthorized.}", async () => {
  const r = await call("/users", { Authorization: "Bearer sim-forbidden-token" });
  assert.equal(r.status, 403);
  assert.deepEqual(r.body, { message: "This action is unauthorized." });
});
