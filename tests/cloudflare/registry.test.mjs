// Customers registered at run time (PUT /customers/:id), the path past the 128 environment
// variables a Worker has: the token is stored encrypted in the customer's own object (not
// readable in the runtime's storage files), the cron polls registered customers, and
// DELETE stops them. Real workerd (Miniflare), the example's deploy bundle, the simulator.
import test from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_TOKEN, FAST, scenario, startWorker, until } from "./harness.mjs";

/** Every file under `dir`, as bytes. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).map((f) => readFileSync(f));
}

test("PUT /customers/:id registers a customer with an encrypted token; the cron polls it; DELETE stops it", async (t) => {
  const { sim, sink, persist } = await scenario(t, { users: 25, seed: 101, now: "2026-01-01T00:00:00Z" }, "vomo-cf-registry-");
  const TOKEN_KEY = randomBytes(32).toString("base64");
  const options = { sink, persist, vars: { ...FAST, CUSTOMERS: "", VOMO_BASE_URL: sim.url }, secrets: { ADMIN_TOKEN, TOKEN_KEY } };
  const w = await startWorker(t, options);
  const put = (id, body, token) => w.mf.dispatchFetch(`http://poller.local/customers/${id}`, {
    method: "PUT", body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token ?? ADMIN_TOKEN}` }) },
  });

  assert.equal((await w.call("GET", "/customers/newco/health")).status, 404, "not known before it registers");
  assert.equal((await put("newco", { token: sim.token }, null)).status, 401);
  assert.equal((await put("newco", { token: sim.token }, "wrong")).status, 401);
  assert.equal((await put("bad id!", { token: sim.token })).status, 400);
  assert.equal((await put("newco", { nope: 1 })).status, 400);
  // A setting beside the token is refused, not silently ignored, and the token is not echoed.
  const extra = await put("newco", { token: sim.token, baseUrl: "https://other.example/v1" });
  assert.equal(extra.status, 400);
  const said = await extra.text();
  assert.match(JSON.parse(said).error, /"baseUrl" is not a registration setting/);
  assert.ok(!said.includes(sim.token));
  const ok = await put("newco", { token: sim.token });
  const okText = await ok.text();
  assert.equal(ok.status, 200, okText);
  assert.deepEqual(JSON.parse(okText), { customerId: "newco", registered: true });

  const h0 = await w.health("newco");
  assert.equal(h0.configured, true, "the registered token is found");
  sim.advanceClock(10_000);
  await w.cron();
  const h1 = await w.settled("newco", 1);
  assert.equal(h1.lastPoll.ok, true, JSON.stringify(h1.lastPoll.error));
  assert.equal(h1.lastPoll.result.processed, 25);
  await until(() => sink.events().length >= 25, "25 messages");

  // The token is nowhere in the runtime's storage files, nor in any output.
  await w.dispose();
  const needle = Buffer.from(sim.token);
  const files = filesUnder(persist);
  assert.ok(files.some((bytes) => bytes.includes(Buffer.from("ops/token"))), "the token's entry is in these files");
  assert.ok(files.every((bytes) => !bytes.includes(needle)), "the token is stored encrypted");
  assert.ok(!w.output.text.includes(sim.token));

  // After a restart the registration holds; DELETE then stops the polling.
  const again = await startWorker(t, options);
  assert.equal((await again.health("newco")).configured, true);
  const del = await again.call("DELETE", "/customers/newco");
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.unregistered, true);
  assert.equal((await again.call("GET", "/customers/newco/health")).status, 404);
  sim.advanceClock(10_000);
  await again.cron();
  const cron = await until(() => again.output.lines.find((l) => l.msg === "vomo.cron"), "the cron's log line");
  assert.equal(cron.customers, 0, "an unregistered customer is not kicked");

  // Registered again: polled again from where it stopped (only the change since), and the
  // new token is the one used.
  const changed = sim.listAll()[4].id;
  sim.updateUser(changed, { first_name: "Again" });
  sim.advanceClock(10_000);
  const readded = await again.put("newco", sim.token);
  assert.equal(readded.status, 200, readded.text);
  const h2 = await again.health("newco");
  assert.equal(h2.configured, true);
  assert.equal(h2.health.checkpoint, h1.health.checkpoint, "its state was kept");
  await again.cron();
  assert.deepEqual((await again.cronLine(1)).kicked, ["newco"]);
  const h3 = await again.settled("newco", 2);
  assert.equal(h3.lastPoll.ok, true, JSON.stringify(h3.lastPoll.error));
  assert.equal(h3.lastPoll.result.processed, 1, "only the change, nothing redelivered");
  await until(() => sink.events().length >= 26, "the change's message");
  assert.equal(sink.events().at(-1).id, changed);
  assert.equal(new Set(sink.events().map((e) => e.idempotencyKey)).size, 26);

  // Without TOKEN_KEY, registration is off (and a stored token cannot be read).
  await again.dispose();
  const keyless = await startWorker(t, { ...options, secrets: { ADMIN_TOKEN } });
  assert.equal((await keyless.mf.dispatchFetch("http://poller.local/customers/other", {
    method: "PUT", body: JSON.stringify({ token: "x" }), headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })).status, 503);
});
