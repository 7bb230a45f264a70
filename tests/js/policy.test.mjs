// Policy in one place (issue 10, item 7): the error kinds and which of them retry, the filter
// names and the option defaults are the Rust core's (`policy()`), and the JS façade holds no
// copy of them. Through the installed package, against the simulator over real HTTP.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VomoClient, VomoError, UserPoller, MemoryStore, policy } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent } from "./helpers.mjs";

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 20, seed: 9, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => s.close());
  return s;
}
const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

test("policy() is one frozen object with the core's kinds, filters and defaults", () => {
  const p = policy();
  assert.equal(policy(), p, "read once");
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.client) && Object.isFrozen(p.errorKinds));
  assert.ok(p.errorKinds.length >= 13 && new Set(p.errorKinds).size === p.errorKinds.length);
  assert.ok(p.retryableKinds.length > 0 && p.retryableKinds.every((k) => p.errorKinds.includes(k)));
  assert.ok(p.poller.participationModes.includes(p.poller.participations));
  assert.match(p.version, /^\d+\.\d+\.\d+/);
});

test("VomoError.retryable follows the core for every kind, for errors made in JS and in Rust", async (t) => {
  const p = policy();
  for (const kind of p.errorKinds) {
    assert.equal(new VomoError(kind, "x").retryable, p.retryableKinds.includes(kind), kind);
  }
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: "always" });
  const server = await rejects(fastClient(s, { maxRetries: 0 }).getUser(1), "server");
  assert.equal(server.retryable, p.retryableKinds.includes("server"));
  const auth = await rejects(new VomoClient({ token: "wrong-token", baseUrl: s.url, requestsPerSecond: 1000 }).listAllUsers(), "auth");
  assert.equal(auth.retryable, p.retryableKinds.includes("auth"));
});

test("filter names: each one the core lists goes out as its query parameter; any other is refused with the list", async (t) => {
  const s = await sim(t);
  const c = fastClient(s);
  const { filterKeys } = policy();
  assert.ok(filterKeys.includes("updatedAfter") && filterKeys.includes("emailLike"));
  assert.ok(policy().upsertFields.includes("inviteCode") && !policy().upsertFields.includes("invite_code"));
  for (const key of filterKeys) {
    s.clearLog();
    const value = key.endsWith("After") ? "2000-01-01" : key.endsWith("Before") ? "2100-01-01" : "a";
    await c.listAllUsers({ [key]: value });
    assert.equal(sent(s)[0].query[snake(key)], value, key);
  }
  s.clearLog();
  const e = await rejects(c.listAllUsers({ colour: "red" }), "invalid_input");
  for (const key of filterKeys) assert.ok(e.message.includes(key), `the message names ${key}: ${e.message}`);
  assert.equal(sent(s).length, 0);
});

test("defaults: a client and a poller built without options behave as policy() says", async (t) => {
  const p = policy();
  const s = await sim(t);
  const plain = new VomoClient({ token: s.token, baseUrl: s.url });
  assert.equal(plain.currentRate(), p.client.requestsPerSecond);
  // maxRetries: a permanent 500 is sent 1 + maxRetries times (the backoff makes this ~2-4 s).
  s.injectFault({ path: "/v1/users/*", type: "status", status: 500, times: "always" });
  const e = await rejects(fastClient(s).getUser(1), "server");
  assert.equal(sent(s).length, 1 + p.client.maxRetries);
  assert.match(e.message, new RegExp(`gave up after ${p.client.maxRetries} retries`));
  s.clearFaults(); s.clearLog();
  // participations: the default mode reads no user detail.
  const poller = new UserPoller({ client: fastClient(s), store: new MemoryStore(), customerId: "acme" });
  assert.equal(p.poller.participations, "off");
  const r = await poller.poll();
  assert.equal(r.processed, 20);
  assert.deepEqual([...new Set(sent(s).map((x) => x.path))], ["/v1/users"]);
});

test("the installed JS façade holds no copy of the core's decisions", () => {
  const dir = join(process.cwd(), "node_modules/vomo-users");
  const files = [...readdirSync(join(dir, "facade")).map((f) => join("facade", f)), "facade.cjs"];
  const copies = [
    [/["']rate_limited["']/, "a list of error kinds"],
    [/["']updatedAfter["']/, "a list of filter names"],
    [/900_?000/, "the poll interval default"],
    [/checkpointEvery\s*=\s*\d/, "the checkpoint default"],
    [/participations\s*=\s*["']/, "the participation mode default"],
    [/["']parse["']\s*\?/, "the dead-letter kind mapping"],
  ];
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const [pattern, what] of copies) assert.doesNotMatch(text, pattern, `${file} copies ${what}`);
  }
});
