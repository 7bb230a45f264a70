// The example's configuration, checked from the outside (real workerd through Miniflare, the
// deploy bundle, the simulator): the customer id rule (one rule, the one the README states),
// ids refused one by one without stopping the valid customers, two customers that would
// share a token secret, the reserved id "import", and settings that cannot work (a clear
// error naming the setting; no alarm retries of what only a redeploy can fix).
import test from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repo } from "./example.mjs";
import { ADMIN_TOKEN, FAST, scenario, startWorker, until } from "./harness.mjs";

const README = readFileSync(join(repo, "examples/cloudflare/README.md"), "utf8").replace(/\s+/g, " ");

async function world(t, users = 10) {
  const { sim, sink, persist } = await scenario(t, { users, seed: 121, now: "2026-01-01T00:00:00Z" }, "vomo-cf-config-");
  return { sim, sink, persist };
}

test("a customer id: one rule, the README's; PUT refuses other ids, \"import\", and ids whose token secret another customer has", async (t) => {
  const { sim, sink, persist } = await world(t);
  const w = await startWorker(t, {
    sink, persist, vars: { ...FAST, CUSTOMERS: "acme,st-mary", VOMO_BASE_URL: sim.url },
    secrets: { ADMIN_TOKEN, TOKEN_KEY: randomBytes(32).toString("base64"), VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_ST_MARY: sim.token },
  });
  const refused = await w.put("-acme", sim.token);
  assert.equal(refused.status, 400, refused.text);
  assert.ok(refused.body.rule, "the refusal states the rule");
  assert.match(refused.body.error, /"-acme"/);
  assert.ok(refused.body.error.includes(refused.body.rule));
  assert.ok(README.includes(`A customer id is ${refused.body.rule}.`), `the README states the rule the code applies: ${refused.body.rule}`);
  // The rule's edges.
  for (const id of ["a".repeat(64), "9lives", "St.Mary_2-x"]) assert.equal((await w.put(id, sim.token)).status, 200, id);
  for (const id of ["a".repeat(65), ".x", "_x", "%C3%A9t%C3%A9", "a%20b", "a%2Fb"]) assert.equal((await w.put(id, sim.token)).status, 400, id);

  // "import": the package's poller refuses it (its keys would overlap the imports'); so does the Worker, up front.
  const reserved = await w.put("import", sim.token);
  assert.equal(reserved.status, 400, reserved.text);
  assert.match(reserved.body.error, /"import" is reserved/);
  assert.equal((await w.call("GET", "/customers/import/health")).status, 404, "not registered");

  // A second customer whose token secret would be another's: refused, naming both.
  for (const [id, other, secret] of [["ACME", "acme", "VOMO_TOKEN_ACME"], ["st.mary", "st-mary", "VOMO_TOKEN_ST_MARY"], ["St_Mary", "st-mary", "VOMO_TOKEN_ST_MARY"]]) {
    const clash = await w.put(id, "eyJanother");
    assert.equal(clash.status, 409, `${id}: ${clash.text}`);
    assert.ok(clash.body.error.includes(`"${id}"`) && clash.body.error.includes(`"${other}"`) && clash.body.error.includes(secret), clash.body.error);
    assert.equal((await w.call("GET", `/customers/${id}/health`)).status, 404, `${id} was not registered`);
  }
  // Between registered customers too; the same id again is not a clash (a new token).
  assert.equal((await w.put("newco", sim.token)).status, 200);
  const twin = await w.put("NewCo", sim.token);
  assert.equal(twin.status, 409, twin.text);
  assert.match(twin.body.error, /"NewCo".*"newco"|"newco".*"NewCo"/);
  assert.equal((await w.put("newco", sim.token)).status, 200);
  assert.equal((await w.put("acme", sim.token)).status, 200, "acme's own id: a registered token beside its secret");
  const list = await w.call("GET", "/customers");
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.refused, []);
  assert.deepEqual([...list.body.customers].sort(), ["9lives", "St.Mary_2-x", "a".repeat(64), "acme", "newco", "st-mary"].sort());
});

test("bad ids in CUSTOMERS are refused one by one: the valid customers are polled, the cron log and the routes name each refused id and why", async (t) => {
  const { sim, sink, persist } = await world(t);
  const vars = { ...FAST, CUSTOMERS: "acme, bad id!,-x,import,st-mary,St.Mary", VOMO_BASE_URL: sim.url };
  const TOKEN_KEY = randomBytes(32).toString("base64");
  const secrets = { ADMIN_TOKEN, TOKEN_KEY, VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_ST_MARY: sim.token, VOMO_TOKEN_GLOBEX: sim.token };
  const w = await startWorker(t, { sink, persist, vars, secrets });
  sim.advanceClock(10_000);
  await w.cron();
  const line = await w.cronLine(0);
  assert.deepEqual(line.kicked, ["acme"], "only the valid customer is kicked");
  const reasons = Object.fromEntries(line.refused.map((r) => [r.customerId, r.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ["-x", "St.Mary", "bad id!", "import", "st-mary"]);
  assert.match(reasons["bad id!"], /"bad id!" is not a customer id/);
  assert.match(reasons.import, /"import" is reserved/);
  for (const id of ["st-mary", "St.Mary"]) assert.match(reasons[id], /"st-mary" and "St.Mary" share the token secret VOMO_TOKEN_ST_MARY/);
  const acme = await w.settled("acme", 1);
  assert.equal(acme.lastPoll.ok, true, JSON.stringify(acme.lastPoll.error));
  assert.equal(acme.lastPoll.result.processed, 10);

  // Where an operator looks: the list of customers, and each refused customer's routes.
  const list = await w.call("GET", "/customers");
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.customers, ["acme"]);
  assert.deepEqual(list.body.refused, line.refused);
  for (const [path, id] of [["st-mary", "st-mary"], ["bad%20id!", "bad id!"], ["import", "import"]]) {
    for (const [method, action] of [["GET", "health"], ["POST", "poll"]]) {
      const r = await w.call(method, `/customers/${path}/${action}`);
      assert.equal(r.status, 409, `${method} ${path}/${action}: ${r.text}`);
      assert.equal(r.body.error, reasons[id]);
    }
  }
  assert.equal(w.polls("st-mary").length + w.polls("St.Mary").length, 0, "neither twin was polled");
  assert.equal((await w.health("acme")).configured, true, "a valid customer's routes are unaffected");

  // A registered customer and a later CUSTOMERS entry that share a secret: both refused
  // until one goes (DELETE), then the other is polled.
  assert.equal((await w.put("globex", sim.token)).status, 200);
  await w.dispose();
  const next = await startWorker(t, { sink, persist, vars: { ...vars, CUSTOMERS: "acme,Globex" }, secrets });
  sim.advanceClock(10_000);
  await next.cron();
  const clash = await next.cronLine(0);
  assert.deepEqual(clash.kicked, ["acme"]);
  assert.deepEqual(clash.refused.map((r) => r.customerId).sort(), ["Globex", "globex"]);
  assert.equal((await next.call("GET", "/customers/Globex/health")).status, 409);
  const removed = await next.call("DELETE", "/customers/globex");
  assert.equal(removed.status, 200, removed.text);
  await next.cron();
  assert.deepEqual((await next.cronLine(1)).kicked.sort(), ["Globex", "acme"]);
  const globex = await next.settled("Globex", 1);
  assert.equal(globex.lastPoll.ok, true, JSON.stringify(globex.lastPoll.error));
});

test("settings that cannot work: the cron kicks nobody and says why, the routes answer 503 naming the setting", async (t) => {
  const { sim, sink } = await world(t);
  for (const [vars, secrets, setting, withoutQueues = []] of [
    [{ DELIVERY: "bogus" }, {}, /DELIVERY must be one of queue, webhook, got "bogus"/],
    [{ DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook` }, {}, /WEBHOOK_SECRET/],
    // A delivery endpoint without its scheme, or not http(s), would fail every delivery.
    [{ DELIVERY: "webhook", WEBHOOK_URL: sink.url.replace(/^http:\/\//, "") + "/webhook" }, { WEBHOOK_SECRET: "s" },
      /WEBHOOK_URL must be an http\(s\) URL such as https:\/\/hooks.example.com\/vomo, got "127\.0\.0\.1:\d+\/webhook"/],
    [{ DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook`, DEAD_LETTER_URL: "ftp://dead.example/x" }, { WEBHOOK_SECRET: "s" },
      /DEAD_LETTER_URL must be an http\(s\) URL/],
    // Plain http to a host that is not loopback: users' emails, phones and addresses in clear text.
    [{ DELIVERY: "webhook", WEBHOOK_URL: "http://hooks.example.com/vomo" }, { WEBHOOK_SECRET: "s" },
      /WEBHOOK_URL must use https outside loopback, got "http:\/\/hooks\.example\.com\/vomo"/],
    [{ DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook`, DEAD_LETTER_URL: "http://127.evil.example/dead" }, { WEBHOOK_SECRET: "s" },
      /DEAD_LETTER_URL must use https outside loopback/],
    [{ MAX_REQUESTS_PER_SLICE: "many" }, {}, /MAX_REQUESTS_PER_SLICE must be a whole number from 1 to 1000, got "many"/],
    // Decimal only: Number() would read these as 16, 900000 and 5.
    [{ MAX_REQUESTS_PER_SLICE: "0x10" }, {}, /MAX_REQUESTS_PER_SLICE must be a whole number from 1 to 1000, got "0x10"/],
    [{ POLL_INTERVAL_MS: "9e5" }, {}, /POLL_INTERVAL_MS must be a whole number from 1 to 604800000, got "9e5"/],
    [{ MAX_ATTEMPTS: " 5 " }, {}, /MAX_ATTEMPTS must be a whole number from 1 to 100, got " 5 "/],
    [{ PARTICIPATIONS: "sometimes" }, {}, /PARTICIPATIONS must be one of off, changed-users, full-scan, got "sometimes"/],
    // A count that is not whole would fail every slice; a delay past a day makes alarm dates invalid.
    [{ MAX_REQUESTS_PER_SLICE: "2.5" }, {}, /MAX_REQUESTS_PER_SLICE must be a whole number from 1 to 1000, got "2.5"/],
    [{ MAX_ATTEMPTS: "2.5" }, {}, /MAX_ATTEMPTS must be a whole number from 1 to 100/],
    [{ RETRY_DELAY_MS: "1e300" }, {}, /RETRY_DELAY_MS must be a whole number from 0 to 86400000, got "1e300"/],
    [{ RETRY_FOR_MS: "-1" }, {}, /RETRY_FOR_MS must be a whole number from 0 to 604800000, got "-1"/],
    [{ RETRY_INTERVAL_MS: "2d" }, {}, /RETRY_INTERVAL_MS must be a whole number from 0 to 86400000, got "2d"/],
    [{ POLL_GROUPS: "abc" }, {}, /POLL_GROUPS must be a whole number from 1 to 1440, got "abc"/],
    [{ POLL_GROUPS: "-2" }, {}, /POLL_GROUPS must be a whole number/],
    [{ MAX_WINDOW_ROWS: "0" }, {}, /MAX_WINDOW_ROWS must be a whole number from 1 to 1000000, got "0"/],
    [{ MAX_REQUESTS_PER_SLICE: "1", PARTICIPATIONS: "changed-users" }, {}, /MAX_REQUESTS_PER_SLICE must be at least 2 with PARTICIPATIONS changed-users, got 1/],
    [{ VOMO_BASE_URL: "api.vomo.org/v1" }, {}, /VOMO_BASE_URL must be a URL, got "api.vomo.org\/v1"/],
    // A URL the package's client refuses, by its own rules, before any slice would make one.
    [{ VOMO_BASE_URL: "http://api.vomo.org/v1" }, {}, /VOMO_BASE_URL: VomoClient: baseUrl must use https outside loopback/],
    [{ VOMO_BASE_URL: "http://127.0.0.1:6000/v1" }, {}, /VOMO_BASE_URL: VomoClient: baseUrl: fetch refuses to connect to port 6000/],
    // Queue delivery (the default) with a wrangler.jsonc that lacks a producer binding.
    [{}, {}, /DELIVERY is queue but the EVENTS or DEAD_LETTERS queue binding is missing/, ["EVENTS"]],
    [{ DELIVERY: "queue" }, {}, /DELIVERY is queue but the EVENTS or DEAD_LETTERS queue binding is missing/, ["DEAD_LETTERS"]],
  ]) {
    const w = await startWorker(t, {
      sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, ...vars },
      secrets: { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token, ...secrets }, withoutQueues,
    });
    await w.cron();
    const line = await w.cronLine(0);
    assert.match(String(line.configError), setting);
    assert.equal(line.customers, 0, "no customer is kicked: no slice could succeed");
    for (const [method, action] of [["GET", "health"], ["POST", "poll"]]) {
      const r = await w.call(method, `/customers/acme/${action}`);
      assert.equal(r.status, 503, `${action}: ${r.text}`);
      assert.match(r.body.error, setting);
    }
    assert.equal(w.polls("acme").length, 0);
    assert.equal(sim.log().length, 0, "nothing was sent to VOMO");
    await w.dispose();
  }
});

test("an alarm that meets a configuration error records it and schedules no retry", async (t) => {
  const { sim, sink, persist } = await world(t);
  const vars = { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, RETRY_DELAY_MS: "300" };
  const secrets = { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token };
  // A retry alarm is pending (429s until further notice) when the runtime goes away ...
  sim.injectFault({ path: "/v1/users", type: "status", status: 429, times: "always", headers: { "Retry-After": "0" } });
  sim.advanceClock(10_000);
  const first = await startWorker(t, { sink, persist, vars, secrets });
  const limited = await first.pollNow("acme");
  assert.equal(limited.error?.kind, "rate_limited");
  assert.ok(limited.nextAlarm);
  await first.dispose();
  // ... and comes back with a setting that cannot work: the alarm fires once, records the
  // configuration error, and chains nothing.
  const broken = await startWorker(t, { sink, persist, vars: { ...vars, DELIVERY: "bogus" }, secrets });
  const poll = await until(() => broken.polls("acme").find((p) => p.error?.kind === "config"), "the alarm's slice");
  assert.match(poll.error.message, /DELIVERY must be one of/);
  assert.equal(poll.error.retryable, false);
  assert.equal(poll.nextAlarm, null, "no retry alarm: only a redeploy can fix it");
  await broken.dispose();
  sim.clearFaults();
  const fixed = await startWorker(t, { sink, persist, vars, secrets });
  const h = await fixed.health("acme");
  assert.equal(h.nextAlarm, null, "no alarm pending");
  assert.equal(h.lastPoll.error.kind, "config");
  assert.equal(fixed.polls("acme").length, 0);
  await fixed.cron();
  const ok = await fixed.settled("acme", h.metrics.invocations + 1);
  assert.equal(ok.lastPoll.ok, true, JSON.stringify(ok.lastPoll.error));
  assert.equal(ok.metrics.consecutiveErrors, 0);
});

test("TOKEN_KEY: one that is not 32 bytes makes PUT a 503; a registered token it cannot decrypt is a config error, not retried", async (t) => {
  const { sim, sink, persist } = await world(t);
  const vars = { ...FAST, CUSTOMERS: "", VOMO_BASE_URL: sim.url };
  const short = await startWorker(t, { sink, persist, vars, secrets: { ADMIN_TOKEN, TOKEN_KEY: randomBytes(16).toString("base64") } });
  const refused = await short.put("newco", sim.token);
  assert.equal(refused.status, 503, refused.text);
  assert.match(refused.body.error, /TOKEN_KEY must be 32 random bytes/);
  assert.equal((await short.call("GET", "/customers/newco/health")).status, 404, "nothing registered");
  await short.dispose();

  const first = await startWorker(t, { sink, persist, vars, secrets: { ADMIN_TOKEN, TOKEN_KEY: randomBytes(32).toString("base64") } });
  assert.equal((await first.put("newco", sim.token)).status, 200);
  await first.dispose();
  const rotated = await startWorker(t, { sink, persist, vars, secrets: { ADMIN_TOKEN, TOKEN_KEY: randomBytes(32).toString("base64") } });
  sim.advanceClock(10_000);
  const outcome = await rotated.pollNow("newco");
  assert.equal(outcome.error?.kind, "config", JSON.stringify(outcome.error));
  assert.match(outcome.error.message, /TOKEN_KEY does not decrypt the token registered for "newco"/);
  assert.equal(outcome.nextAlarm, null, "no retry");
  const h = await rotated.health("newco");
  assert.equal(h.configured, false);
  assert.equal(h.lastPoll.error.kind, "config");
  // The health route says why itself (it said configured: false, configError: null).
  assert.match(h.configError, /TOKEN_KEY does not decrypt the token registered for "newco"/);
  assert.equal(sim.log().length, 0, "nothing was sent to VOMO");
});

test("transient errors: retry alarms after RETRY_DELAY_MS, doubling, 5 in a row at most; the next cron starts again", async (t) => {
  const { sim, sink } = await world(t);
  const w = await startWorker(t, {
    sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, RETRY_DELAY_MS: "200" },
    secrets: { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token },
  });
  sim.injectFault({ path: "/v1/users", type: "status", status: 429, times: "always", headers: { "Retry-After": "0" } });
  sim.advanceClock(10_000);
  await w.cron();
  const h = await w.settled("acme", 6, 60_000);
  const polls = w.polls("acme");
  assert.equal(polls.length, 6, "the first slice and 5 retries");
  assert.ok(polls.every((p) => p.error?.kind === "rate_limited"));
  // The delay each slice chose: its retry alarm's time less the time of its log line.
  const delays = polls.map((p) => (p.nextAlarm === null ? null : Date.parse(p.nextAlarm) - Date.parse(p.at)));
  [200, 400, 800, 1600, 3200].forEach((d, i) => assert.ok(delays[i] <= d && delays[i] > d - 100, `retry ${i + 1}: ${delays[i]} ms, not ${d}: ${delays}`));
  assert.equal(delays[5], null, "after 5 retries it waits for the cron");
  assert.equal(h.metrics.consecutiveErrors, 6);
  sim.clearFaults();
  await w.cron();
  const ok = await w.settled("acme", 7);
  assert.equal(ok.lastPoll.ok, true, JSON.stringify(ok.lastPoll.error));
  assert.equal(ok.metrics.consecutiveErrors, 0);
});

test("a VOMO_TOKEN_<ID> secret wins over the customer's registered token; without it the registered one is used", async (t) => {
  const { sim, sink, persist } = await world(t);
  const TOKEN_KEY = randomBytes(32).toString("base64");
  const vars = { ...FAST, CUSTOMERS: "", VOMO_BASE_URL: sim.url };
  const w = await startWorker(t, { sink, persist, vars, secrets: { ADMIN_TOKEN, TOKEN_KEY, VOMO_TOKEN_NEWCO: "eyJrevoked" } });
  assert.equal((await w.put("newco", sim.token)).status, 200);
  sim.advanceClock(10_000);
  const withSecret = await w.pollNow("newco");
  assert.equal(withSecret.error?.kind, "auth", "the secret's (revoked) token was used, not the registered one");
  await w.dispose();
  const without = await startWorker(t, { sink, persist, vars, secrets: { ADMIN_TOKEN, TOKEN_KEY } });
  const registered = await without.pollNow("newco");
  assert.equal(registered.ok, true, JSON.stringify(registered.error));
  assert.equal(registered.result.processed, 10);
});

test("CUSTOMERS as JSON text (as .dev.vars and dashboard variables hold it) is read as the array it is", async (t) => {
  const { sim, sink, persist } = await world(t);
  const w = await startWorker(t, { sink, persist, vars: { ...FAST, CUSTOMERS: '["acme", "globex"]', VOMO_BASE_URL: sim.url },
    secrets: { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: sim.token } });
  const list = await w.call("GET", "/customers");
  assert.deepEqual(list.body, { customers: ["acme", "globex"], refused: [] });
});

test("a token the package would refuse to send is refused by PUT (400, naming the problem, not the token); a secret holding one refuses its customer alone (409 naming the secret, not kicked by the cron), not a 500", async (t) => {
  const { sim, sink, persist } = await world(t);
  const w = await startWorker(t, { sink, persist, vars: { ...FAST, CUSTOMERS: "acme,globex", VOMO_BASE_URL: sim.url },
    secrets: { ADMIN_TOKEN, TOKEN_KEY: randomBytes(32).toString("base64"), VOMO_TOKEN_ACME: "abc\ndef-ghi", VOMO_TOKEN_GLOBEX: sim.token } });
  for (const token of ["abc\ndef", "abc def", "tok\r\nen"]) {
    const r = await w.put("newco", token);
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.error, /the token has a space or line break at character \d+/);
    assert.ok(!r.text.includes(token), "the token is not quoted");
  }
  assert.equal((await w.call("GET", "/customers/newco/health")).status, 404, "nothing registered");
  // Named by the secret it came from (an outside pass: the message named no setting), and
  // refused as a customer: before, the cron kicked it every run into a slice that failed.
  const reason = /^the secret VOMO_TOKEN_ACME cannot be sent: .*space or line break.*npx wrangler secret put VOMO_TOKEN_ACME/;
  const list = await w.call("GET", "/customers");
  assert.deepEqual(list.body.customers, ["globex"]);
  assert.deepEqual(list.body.refused.map((r) => r.customerId), ["acme"]);
  assert.match(list.body.refused[0].reason, reason);
  for (const [method, action] of [["GET", "health"], ["POST", "poll"]]) {
    const r = await w.call(method, `/customers/acme/${action}`);
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.error, reason);
    assert.ok(!r.text.includes("def-ghi"), "the token is not quoted");
  }
  await w.cron();
  const cron = await w.cronLine(0);
  assert.deepEqual(cron.kicked, ["globex"], "only the customer whose token can be sent");
  assert.match(cron.refused.find((r) => r.customerId === "acme").reason, reason);
  const other = await w.settled("globex", 1);
  assert.equal(other.lastPoll.ok, true, JSON.stringify(other.lastPoll.error));
  assert.ok(!w.output.text.includes("def-ghi"), "the token is in no log line");
  const big = await w.call("PUT", "/customers/newco");
  assert.ok([400, 413].includes(big.status));
  const res = await w.mf.dispatchFetch("http://poller.local/customers/newco", { method: "PUT", body: JSON.stringify({ token: "x".repeat(20_000) }),
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 413, await res.text());
  // A body that never ends (a client stuck mid-upload): refused once it passes the limit,
  // not waited for (before, request.text() waited for its end for ever).
  let sent = 0;
  const endless = new ReadableStream({
    pull(c) {
      if (sent < 3) c.enqueue(new TextEncoder().encode("x".repeat(10_000)));
      sent++; // then nothing more, and never an end
    },
  });
  let timer;
  const stuck = new Promise((resolve) => { timer = setTimeout(() => resolve("still reading after 20 s"), 20_000); });
  const answer = await Promise.race([stuck, w.mf.dispatchFetch("http://poller.local/customers/newco", { method: "PUT", body: endless, duplex: "half",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` } })]);
  clearTimeout(timer);
  assert.equal(answer.status, 413, String(answer));
  await answer.text();
  for (const [method, path, allow] of [["POST", "/customers", "GET, HEAD"], ["GET", "/customers/acme/poll", "POST"], ["POST", "/customers/acme", "PUT, DELETE"]]) {
    const r = await w.mf.dispatchFetch(`http://poller.local${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
    await r.text();
  }
});

test("a customer taken out of CUSTOMERS while its backfill chains alarms is not polled again: its next alarm records why and sets no other", async (t) => {
  const { sim, sink, persist } = await world(t, 300);
  const vars = { ...FAST, CHAIN_DELAY_MS: "300", MAX_REQUESTS_PER_SLICE: "2", VOMO_BASE_URL: sim.url };
  const secrets = { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: sim.token };
  sim.advanceClock(10_000);
  const first = await startWorker(t, { sink, persist, vars: { ...vars, CUSTOMERS: "acme" }, secrets });
  await first.cron();
  const started = await until(() => first.polls("acme").find((p) => p.nextAlarm), "a slice that chains another");
  assert.equal(started.ok, true);
  await first.dispose();
  // Deployed again without acme (its secret kept): its pending alarm fires once, and stops.
  const next = await startWorker(t, { sink, persist, vars: { ...vars, CUSTOMERS: "globex" }, secrets });
  const stopped = await until(() => next.polls("acme")[0], "acme's pending alarm");
  assert.equal(stopped.ok, false);
  assert.equal(stopped.error.kind, "config");
  assert.match(stopped.error.message, /customer "acme" is no longer polled \(it is neither in CUSTOMERS nor registered\): its alarm chain stops/);
  assert.equal(stopped.nextAlarm, null);
  const requests = sim.log().length;
  await next.cron(); // globex's first slice: acme stays stopped
  await next.settled("globex", 1);
  assert.equal(next.polls("acme").length, 1, "no other acme slice");
  assert.ok(sim.log().length > requests, "globex polled");
});

test("DELETE of a customer only the CUSTOMERS var lists answers 409 and leaves its polling as it was", async (t) => {
  const { sim, sink, persist } = await world(t, 300);
  const w = await startWorker(t, { sink, persist, vars: { ...FAST, CHAIN_DELAY_MS: "300", MAX_REQUESTS_PER_SLICE: "2", CUSTOMERS: "acme", VOMO_BASE_URL: sim.url },
    secrets: { ADMIN_TOKEN, VOMO_TOKEN_ACME: sim.token } });
  sim.advanceClock(10_000);
  await w.cron();
  await until(() => w.polls("acme").find((p) => p.nextAlarm), "a slice that chains another");
  const r = await w.call("DELETE", "/customers/acme");
  assert.equal(r.status, 409, r.text);
  assert.match(r.body.error, /is in the CUSTOMERS var, not registered: take it out of CUSTOMERS and deploy/);
  // Its backfill goes on to the end by its own alarms (no cron, no route poll).
  const done = await until(async () => {
    const h = await w.health("acme");
    return h.metrics.processed >= 300 && h;
  }, "acme's backfill to deliver every user", 60_000);
  assert.equal(done.lastPoll.ok, true, JSON.stringify(done.lastPoll.error));
  assert.equal(done.metrics.processed, 300);
});

test("the operations routes: the Bearer scheme in any case, an ADMIN_TOKEN secret with a line break at its end, HEAD where GET is; registered ids kept by the registry across calls", async (t) => {
  const { sim, sink, persist } = await world(t);
  const w = await startWorker(t, { sink, persist, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url },
    secrets: { ADMIN_TOKEN: `${ADMIN_TOKEN}\n`, TOKEN_KEY: randomBytes(32).toString("base64"), VOMO_TOKEN_ACME: sim.token } });
  const send = (method, path, authorization) => w.mf.dispatchFetch(`http://poller.local${path}`, { method, headers: { authorization } });
  for (const scheme of ["Bearer", "bearer", "BEARER"]) {
    const r = await send("GET", "/customers/acme/health", `${scheme} ${ADMIN_TOKEN}`);
    const text = await r.text();
    assert.equal(r.status, 200, `${scheme}: ${text}`);
  }
  for (const wrong of [`Bearer ${ADMIN_TOKEN}x`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN]) {
    const r = await send("GET", "/customers/acme/health", wrong);
    assert.equal(r.status, 401);
    await r.text();
  }
  for (const path of ["/customers/acme/health", "/customers"]) {
    const head = await send("HEAD", path, `Bearer ${ADMIN_TOKEN}`);
    assert.equal(head.status, 200, path);
    assert.equal(await head.text(), "", "no body");
  }
  const post = await send("POST", "/customers/acme/health", `Bearer ${ADMIN_TOKEN}`);
  assert.deepEqual([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
  await post.text();
  // Registered, listed, removed, registered again: the registry's ids follow each call.
  for (const id of ["newco", "beta", "newco"]) assert.equal((await w.put(id, sim.token)).status, 200);
  assert.deepEqual((await w.call("GET", "/customers")).body.customers, ["acme", "beta", "newco"]);
  assert.equal((await w.call("DELETE", "/customers/beta")).status, 200);
  assert.deepEqual((await w.call("GET", "/customers")).body.customers, ["acme", "newco"]);
  assert.equal((await w.call("GET", "/customers/beta/health")).status, 404, "gone");
  assert.equal((await w.put("beta", sim.token)).status, 200);
  assert.equal((await w.call("GET", "/customers/beta/health")).status, 200);
});
