// The test runners an app's own tests run the package under: Jest (node and jsdom
// environments) and Vitest (node and jsdom), each run as its command line over test files in
// an app folder of the project that installed the tarball, as docs/bundlers.md says: Jest's
// node environment and Vitest with no configuration, Jest's jsdom environment with the page's
// jest.config.js as it stands (read from the page). Where there is a fetch (a global one, or
// one passed as the client's `fetch` option), the client lists the simulator's users over real
// HTTP and a poller delivers them into a FileStore; each run reports whether the environment
// has a global fetch (the page: Jest's jsdom environment has none, Vitest's keeps Node's).
// Test scaffolding, which changes nothing the runners do with the package: the runners and
// jest-environment-jsdom (and, for Vitest's jsdom environment, jsdom) are linked into the app's
// node_modules as a user's devDependencies are installed; CI=true (no watch mode, plain
// output); Vitest's --environment picks the environment each test runs (a user's config or the
// same flag).
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { startSimulator } from "vomo-users/sim";
import { makeApp, repoRequire, recipeFile, linkDevDependencies, FIXTURE_IDS } from "./helpers.mjs";

const run = promisify(execFile);
const JEST = join(repoRequire.resolve("jest/package.json"), "..", "bin", "jest.js");
const VITEST = join(repoRequire.resolve("vitest/package.json"), "..", "vitest.mjs");

// One test file per runner, written for each: parses the fixture page and a roster file's
// bytes, reports the error a bad page gives, lists the simulator's users and polls them into
// a FileStore (else reports why a client could not be made). Results go to RESULT_FILE. With
// PASS_FETCH set, the client is given a fetch as its `fetch` option: Node's own, taken from
// outside the runner's sandbox (test scaffolding: which fetch to pass is the user's choice;
// undici's, for one, does not load in Jest's jsdom environment, which has no TextDecoder).
const body = `
  const fs = require("node:fs"), path = require("node:path");
  const page = fs.readFileSync(path.join(process.cwd(), "page.json"), "utf8");
  const out = { env: typeof window === "undefined" ? "node" : "jsdom", globalFetch: typeof globalThis.fetch };
  await vomo.default();
  out.ids = vomo.parseUserPage(page).data.map((u) => u.id);
  try { vomo.parseUserPage("{"); } catch (e) { out.error = { isVomoError: e instanceof vomo.VomoError, kind: e.kind }; }
  // A file's bytes as fs gives them (a Buffer).
  out.roster = vomo.parseRosterCsv(fs.readFileSync(path.join(process.cwd(), "roster.csv"))).records.map((r) => r.firstName);
  try {
    const passed = process.env.PASS_FETCH ? { fetch: require("node:vm").runInThisContext("fetch") } : {};
    const client = new vomo.VomoClient({ token: process.env.VOMO_SIM_TOKEN, baseUrl: process.env.VOMO_SIM_URL, requestsPerSecond: 1000, ...passed });
    out.users = (await client.listAllUsers()).length;
    // A poller over the package's FileStore, whose fs/promises calls answer with Node's promises.
    const { FileStore } = require("vomo-users/stores/file");
    let delivered = 0;
    const poller = new vomo.UserPoller({ client, store: new FileStore(path.join(process.cwd(), "state")), customerId: "runner", onUser: () => { delivered++; } });
    const result = await poller.poll();
    out.polled = { complete: result.complete, delivered };
  } catch (e) {
    out.clientError = { kind: e.kind, message: e.message };
  }
  fs.writeFileSync(process.env.RESULT_FILE, JSON.stringify(out));
  expect(out.ids).toEqual(${JSON.stringify(FIXTURE_IDS)});
`;
const JEST_TEST = `const vomo = require("vomo-users");\ntest("vomo-users under jest", async () => {${body}});\n`;
const VITEST_TEST = `import { test, expect } from "vitest";\nimport * as vomo from "vomo-users";\nimport { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\ntest("vomo-users under vitest", async () => {${body}});\n`;

/** Runs `args` with node in `app`; resolves to { code, output, result } (what the test file wrote, or null). */
async function runRunner(app, args, env) {
  const resultFile = join(app, `result-${Math.random().toString(36).slice(2)}.json`);
  const r = await run(process.execPath, args, { cwd: app, env: { ...process.env, ...env, RESULT_FILE: resultFile, CI: "true" }, timeout: 120_000 })
    .then(({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }), (e) => ({ code: e.code, output: `${e.stdout}${e.stderr}` }));
  return { ...r, result: existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, "utf8")) : null };
}

const ROSTER = "first_name,last_name,email\nAna,Lima,ana@example.org\nJos\u00e9,Silva,jose@example.org\n";
const ROSTER_NAMES = ["Ana", "Jos\u00e9"];

/**
 * A Jest app: a plain (CommonJS) project whose test file app.test.js Jest finds by its default
 * testMatch, with `config` (file name to text) and Jest's jsdom environment as devDependencies.
 */
function jestApp(t, name, config = {}) {
  const app = makeApp(t, name, { "package.json": "{}\n", "app.test.js": JEST_TEST, "roster.csv": ROSTER, ...config });
  linkDevDependencies(app, ["jest", "jest-environment-jsdom"]);
  return app;
}

test("jest, node environment (no configuration): require('vomo-users') parses a page and a roster file, its client lists the simulator's users and a poller over FileStore delivers them", async (t) => {
  const app = jestApp(t, "jest-node");
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const r = await runRunner(app, [JEST], { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(r.result, { env: "node", globalFetch: "function", ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" }, roster: ROSTER_NAMES, users: 7, polled: { complete: true, delivered: 7 } });
});

test("jest, jsdom environment with docs/bundlers.md's jest.config.js: parses; the client asks for a fetch", async (t) => {
  const app = jestApp(t, "jest-jsdom", recipeFile("Test runners", "jest.config.js"));
  const r = await runRunner(app, [JEST], { VOMO_SIM_URL: "http://127.0.0.1:59/v1", VOMO_SIM_TOKEN: "t" });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(r.result, { env: "jsdom", globalFetch: "undefined", ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" }, roster: ROSTER_NAMES,
    clientError: { kind: "invalid_input", message: "VomoClient: this runtime has no global fetch (Jest's jsdom environment, Node before 18): pass one as the `fetch` option" } });
});

test("jest, jsdom environment with docs/bundlers.md's jest.config.js, a fetch passed as the client's option: it lists the simulator's users and a poller over FileStore delivers them", async (t) => {
  const app = jestApp(t, "jest-jsdom-fetch", recipeFile("Test runners", "jest.config.js"));
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const r = await runRunner(app, [JEST], { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token, PASS_FETCH: "1" });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(r.result, { env: "jsdom", globalFetch: "undefined", ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" }, roster: ROSTER_NAMES, users: 7, polled: { complete: true, delivered: 7 } });
});

test("jest, jsdom environment without the recipe's export conditions: Jest cannot require the browser entry and says so (why the recipe is needed)", async (t) => {
  const app = jestApp(t, "jest-jsdom-bare", { "jest.config.js": 'module.exports = { testEnvironment: "jsdom" };\n' });
  const r = await runRunner(app, [JEST], {});
  assert.notEqual(r.code, 0);
  assert.match(r.output, /Must use import to load ES Module: .*vomo-users[/\\]browser\.mjs/);
  assert.equal(r.result, null);
});

for (const environment of ["node", "jsdom"]) {
  test(`vitest run, ${environment} environment${environment === "jsdom" ? " (jsdom installed beside Vitest)" : ""}, no configuration: parses, lists the simulator's users with the global fetch and polls them into a FileStore`, async (t) => {
    const app = makeApp(t, `vitest-${environment}`, { "app.test.mjs": VITEST_TEST, "roster.csv": ROSTER });
    linkDevDependencies(app, environment === "jsdom" ? ["vitest", "jsdom"] : ["vitest"]);
    const sim = await startSimulator({ port: 0, users: 7 });
    t.after(() => sim.close());
    const r = await runRunner(app, [VITEST, "run", "--environment", environment], { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.result, { env: environment, globalFetch: "function", ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" }, roster: ROSTER_NAMES, users: 7, polled: { complete: true, delivered: 7 } });
  });
}
