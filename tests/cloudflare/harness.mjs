// Runs the example's deployable bundle (wrangler deploy --dry-run) in Miniflare, i.e. in
// real workerd, with the bindings wrangler derives from the example's wrangler.jsonc, plus:
//   - a consumer Worker on both queues that forwards every batch to a local HTTP sink, so the
//     test sees each message that arrived through a real Miniflare queue;
//   - the same sink as webhook receiver (it records headers and raw bodies for signature
//     checks, and can be told to refuse some deliveries);
//   - the runtime's stdout captured, for the structured logs and the "no token" checks.
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareExample, repo, simulatorModule } from "./example.mjs";

const repoRequire = createRequire(join(repo, "package.json"));
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";  // no fetch of the `Request.cf` object
const { Miniflare } = repoRequire("miniflare");
const { unstable_getMiniflareWorkerOptions } = repoRequire("wrangler");

export const CRON = "*/15 * * * *";
export const ADMIN_TOKEN = `admin-${randomBytes(12).toString("hex")}`;
export const WEBHOOK_SECRET = `whsec-${randomBytes(16).toString("hex")}`;
/** Vars for fast tests: no request spacing, slices chained at once. */
// RETRY_INTERVAL_MS "0": a refused change is offered again at the next slice, as the tests of
// retries expect within their seconds; the tests of the interval set it.
export const FAST = { REQUESTS_PER_SECOND: "1000", CHAIN_DELAY_MS: "0", RETRY_DELAY_MS: "200", RETRY_INTERVAL_MS: "0" };

export const example = () => prepareExample();
export const startSimulator = async (options) => (await simulatorModule(example())).startSimulator(options);

/** A test's simulator (on a free port, closed after the test) and sink; with `persistPrefix`, also
 *  a Miniflare persistence folder, removed after the test. */
export async function scenario(t, simOptions, persistPrefix) {
  const sim = await startSimulator({ port: 0, ...simOptions });
  t.after(() => sim.close());
  const sink = await startSink(t);
  if (!persistPrefix) return { sim, sink };
  const persist = mkdtempSync(join(tmpdir(), persistPrefix));
  t.after(() => rmSync(persist, { recursive: true, force: true }));
  return { sim, sink, persist };
}

const CONSUMER = `
export default {
  async queue(batch, env) {
    const body = JSON.stringify({ queue: batch.queue,
      messages: batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })) });
    const res = await fetch(env.SINK + "/queue", { method: "POST", headers: { "content-type": "application/json" }, body });
    if (!res.ok) throw new Error("the sink refused the batch");
  },
};`;

/** Waits until `check()` returns a truthy value (every 25 ms), or fails after `timeoutMs`. */
export async function until(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The HTTP sink: queue batches (from the consumer Worker) and webhook posts. */
export async function startSink(t) {
  const sink = { queue: [], webhook: [], dead: [], landed: [], refuse: () => false, redirect: () => false };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      if (req.url === "/landing") { // where `redirect` sends a webhook: what a followed redirect would reach
        sink.landed.push({ method: req.method, raw });
        res.writeHead(200).end("ok");
        return;
      }
      if (req.url === "/queue") {
        const { queue, messages } = JSON.parse(raw);
        for (const m of messages) sink.queue.push({ queue, ...m });
        res.writeHead(200).end("ok");
        return;
      }
      const entry = { raw, body: JSON.parse(raw), headers: req.headers };
      if (sink.refuse(entry.body, req.url)) {
        res.writeHead(500).end("refused");
        return;
      }
      if (sink.redirect(entry.body, req.url)) {
        res.writeHead(302, { location: `${sink.url}/landing` }).end();
        return;
      }
      (req.url === "/dead" ? sink.dead : sink.webhook).push(entry);
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise((r) => server.close(r)));
  sink.url = `http://127.0.0.1:${server.address().port}`;
  sink.events = (queue = "vomo-user-events") => sink.queue.filter((m) => m.queue === queue).map((m) => m.body);
  return sink;
}

/** Independent check of a webhook's `vomo-signature` (node:crypto, not the example's code). */
export function verifySignature(entry, secret = WEBHOOK_SECRET) {
  const parts = Object.fromEntries(String(entry.headers["vomo-signature"] ?? "").split(",").map((p) => p.split("=")));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${entry.raw}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Starts the example in Miniflare. `vars` override wrangler.jsonc's vars; `secrets` are the
 * Worker's secrets (as `wrangler secret put` would set them); `persist` is a folder for the
 * Durable Objects' storage (a later start on it is a restarted runtime). `consumer: false`
 * leaves the queues without a consumer (the messages stay queued; the bench uses this).
 * `withoutQueues` names queue producer bindings to leave out (a wrangler.jsonc that lacks them).
 */
export async function startWorker(t, { vars = {}, secrets = {}, persist = false, sink, consumer = true, withoutQueues = [] }) {
  const dir = example();
  const { workerOptions: derived } = unstable_getMiniflareWorkerOptions(join(dir, "wrangler.jsonc"));
  const workerOptions = { ...derived };
  if (withoutQueues.length) {
    const kept = Object.entries(derived.queueProducers ?? {}).filter(([binding]) => !withoutQueues.includes(binding));
    assert.equal(kept.length, Object.keys(derived.queueProducers ?? {}).length - withoutQueues.length, "wrangler.jsonc binds each queue left out");
    workerOptions.queueProducers = Object.fromEntries(kept);
  }
  const dist = join(dir, "dist");
  const wasm = readdirSync(dist).find((f) => f.endsWith(".wasm"));
  const output = { lines: [], text: "" };
  const collect = (stream) => stream.on("data", (chunk) => {
    output.text += chunk;
    for (const line of String(chunk).split("\n")) {
      const at = line.indexOf("{\"msg\":");
      if (at >= 0) try { output.lines.push(JSON.parse(line.slice(at))); } catch { /* a partial line */ }
    }
  });
  const mf = new Miniflare({
    workers: [
      {
        ...workerOptions, name: "poller",
        modulesRoot: dist,
        modules: [
          { type: "ESModule", path: join(dist, "index.js") },
          { type: "CompiledWasm", path: join(dist, wasm) },
        ],
        bindings: { ...workerOptions.bindings, ...vars, ...secrets },
      },
      ...(consumer ? [{
        name: "consumer", modules: true, script: CONSUMER, compatibilityDate: workerOptions.compatibilityDate,
        bindings: { SINK: sink.url },
        queueConsumers: {
          "vomo-user-events": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 0 },
          "vomo-user-dead-letters": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 0 },
        },
      }] : []),
    ],
    durableObjectsPersist: persist,
    handleRuntimeStdio: (stdout, stderr) => { collect(stdout); collect(stderr); },
  });
  await mf.ready;
  let disposed = false;
  const dispose = async () => { if (!disposed) { disposed = true; await mf.dispose(); } };
  t.after(dispose);
  const worker = await mf.getWorker("poller");
  const call = async (method, path, { token = ADMIN_TOKEN } = {}) => {
    const res = await mf.dispatchFetch(`http://poller.local${path}`, {
      method, headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
  /** PUT /customers/:id with `{ token }` (registration at run time). */
  const put = async (id, token) => {
    const res = await mf.dispatchFetch(`http://poller.local/customers/${id}`, {
      method: "PUT", body: JSON.stringify({ token }),
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
  const api = {
    mf, worker, output, dispose,
    cron: () => worker.scheduled({ cron: CRON }),
    health: async (id) => {
      const r = await call("GET", `/customers/${id}/health`);
      assert.equal(r.status, 200, r.text);
      return r.body;
    },
    /** POST /customers/:id/poll; its status must say how the slice ended (the README's table). */
    pollNow: async (id) => {
      const r = await call("POST", `/customers/${id}/poll`);
      const sinkDown = ["handler_outage", "dead_letter_limit"].includes(r.body.result?.stopReason);
      const expected = r.body.ok ? (sinkDown ? 502 : 200) : ({ busy: 409, config: 503, other: 500, internal: 500 })[r.body.error?.kind] ?? 502;
      assert.equal(r.status, expected, `status ${r.status} for ${r.text}`);
      return r.body;
    },
    call, put,
    /** The `vomo.cron` log line of the `n`th cron run (from 0), once it is written. */
    cronLine: (n = 0) => until(() => output.lines.filter((l) => l.msg === "vomo.cron")[n], `cron run ${n}'s log line`),
    /** Waits until customer `id` has run `n` invocations in all, has no alarm pending and runs no slice. */
    settled: (id, n = 1, timeoutMs) => until(async () => {
      const h = await api.health(id);
      return h.metrics.invocations >= n && h.nextAlarm === null && !h.sliceRunning && h;
    }, `customer ${id} to finish ${n} invocation(s)`, timeoutMs),
    /** Waits until customer `id`'s last poll completed and no alarm is pending (its chain of
     *  slices and retries is over); resolves to its health. */
    caughtUp: (id, what, timeoutMs) => until(async () => {
      const h = await api.health(id);
      return h.lastPoll?.result?.complete && h.nextAlarm === null && h;
    }, what, timeoutMs),
    polls: (id) => output.lines.filter((l) => l.msg === "vomo.poll" && l.customerId === id),
  };
  return api;
}
