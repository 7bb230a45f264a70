// docs/rust.md and src/web/mod.rs say the package needs no Window and runs in browsers'
// workers: a module Web Worker in Chromium loads the browser entry and the parse-only one,
// parses, and lists and polls the simulator's users on another origin (CORS).
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { serve, openPage } from "./helpers.mjs";
import { LIST_PAGE } from "../js/helpers.mjs";

// (A hang fails at the timeout: the call before init() in the worker hung before errors.mjs
// stopped asking unloaded entries about retries, see init.test.mjs.)
test("browser: in a module Web Worker the package initializes, parses, lists and polls", { timeout: 60_000 }, async (t) => {
  const site = await serve(t, { host: "localhost" });
  const sim = await startSimulator({ port: 0, users: 23, seed: 5, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const { page, problems } = await openPage(t, `${site.url}/tests/browser/init.html`); // any page of the site's origin
  const out = await page.evaluate(({ baseUrl, token, text }) => new Promise((resolve, reject) => {
    const worker = new Worker("/tests/browser/worker.js", { type: "module" });
    worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
    worker.postMessage({ baseUrl, token, page: text });
  }), { baseUrl: sim.url, token: sim.token, text: LIST_PAGE() });
  const ids = sim.listAll().map((u) => u.id);
  const { polled, ...rest } = out;
  assert.deepEqual(rest, {
    window: "undefined", document: "undefined", beforeInit: "invalid_input",
    ids: [12345, 12346], users: ids, parseOnlyIds: [12345, 12346],
  });
  assert.equal(polled.complete, true);
  // Each user once (the order is the poller's: by update time).
  assert.deepEqual(polled.delivered.map(([, id]) => id).sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  assert.ok(polled.delivered.every(([kind]) => kind === "created" || kind === "updated"), JSON.stringify(polled.delivered));
  assert.deepEqual(problems, []);
});
