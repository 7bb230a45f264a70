// Next.js (the App Router) as its users build and run it: a project of its own with next,
// react and react-dom beside the packed package (Turbopack refuses a Next installed outside
// the project), a client page that parses in Chromium, and a route handler and a server
// component that list the simulator's users on the server. `next build` then `next start`,
// with Turbopack (the default) and with webpack (`--webpack`), each with docs/bundlers.md's
// next.config.js, read from the page and written as it stands; and without it, what fails:
// the server component under Turbopack, the route handler under webpack.
// Test scaffolding, which changes nothing Next does with the package: `next start`'s port and
// host (a free port on loopback), telemetry off, npm's --prefer-offline.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { startSimulator } from "vomo-users/sim";
import { outsideDir, resultInChromium, repoRequire, recipeFile, FIXTURE_IDS } from "./helpers.mjs";
import { LIST_PAGE } from "../js/helpers.mjs";

const run = promisify(execFile);
const version = (name) => JSON.parse(readFileSync(repoRequire.resolve(`${name}/package.json`), "utf8")).version;

const FILES = {
  "app/layout.js": "export default function RootLayout({ children }) { return <html><body>{children}</body></html>; }\n",
  "app/page.js": `"use client";
import { useEffect } from "react";
import init, { parseUserPage, VomoError } from "vomo-users";
import page from "./page.json";
export default function Page() {
  useEffect(() => {
    const result = {};
    init().then(() => {
      result.ids = parseUserPage(page).data.map((u) => u.id);
      try { parseUserPage("{"); } catch (e) { result.error = { isVomoError: e instanceof VomoError, kind: e.kind }; }
      window.result = result;
    }, (e) => { window.result = { initError: e.message }; });
  }, []);
  return <main>vomo-users</main>;
}
`,
  "app/server/page.js": `import { VomoClient } from "vomo-users";
export const dynamic = "force-dynamic";
export default async function Server() {
  const client = new VomoClient({ token: process.env.VOMO_SIM_TOKEN, baseUrl: process.env.VOMO_SIM_URL, requestsPerSecond: 1000 });
  const users = await client.listAllUsers();
  return <main id="result">{\`server component: \${users.length} users\`}</main>;
}
`,
  "app/api/users/route.js": `import { parseUserPage, VomoClient } from "vomo-users";
import page from "../../page.json";
export const dynamic = "force-dynamic";
export async function GET() {
  const client = new VomoClient({ token: process.env.VOMO_SIM_TOKEN, baseUrl: process.env.VOMO_SIM_URL, requestsPerSecond: 1000 });
  const users = await client.listAllUsers();
  return Response.json({ ids: parseUserPage(page).data.map((u) => u.id), users: users.length });
}
`,
};

/**
 * Says on stderr when each step of test `t` begins, and how long into it: when the runner's
 * timeout ends the file, the last such line names the step that hung (the test's own
 * diagnostics are lost with it).
 */
function steps(t) {
  const started = performance.now();
  return (name) => process.stderr.write(`[nextjs] ${t.name}: ${((performance.now() - started) / 1000).toFixed(1)} s: ${name}\n`);
}

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** `next start` on a free port until the test ends; resolves to its URL and its output so far. */
async function nextStart(t, dir, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    { cwd: dir, env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => { output += d; });
  child.stderr.on("data", (d) => { output += d; });
  // Stopped when the test ends; it may have exited already (then no "exit" comes), and Next's
  // graceful stop may wait on open connections: SIGKILL after 10 s, said on stderr.
  t.after(() => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => {
      process.stderr.write(`[nextjs] ${t.name}: next start did not stop within 10 s of SIGTERM: SIGKILL\n`);
      child.kill("SIGKILL");
    }, 10_000);
    child.once("exit", () => { clearTimeout(kill); resolve(); });
    child.kill("SIGTERM");
  }));
  await new Promise((resolve, reject) => {
    // A bound on every step, so that a hang fails with what the server said, not with the file's timeout.
    const deadline = setTimeout(() => { clearInterval(poll); reject(new Error(`next start not ready after 90 s: ${output}`)); }, 90_000);
    const poll = setInterval(() => { if (/Ready in/.test(output)) { clearInterval(poll); clearTimeout(deadline); resolve(); } }, 50);
    child.once("exit", (code) => { clearInterval(poll); clearTimeout(deadline); reject(new Error(`next start exited ${code}: ${output}`)); });
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output };
}

test("next.js: Turbopack and webpack, each with serverExternalPackages: the page parses in Chromium, the route handler and the server component list the simulator's users", { timeout: 600_000 }, async (t) => {
  const dir = outsideDir(t, "nextjs");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }));
  steps(t)("npm install (next, react, the tarball)");
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", process.env.VOMO_TGZ,
    `next@${version("next")}`, `react@${version("react")}`, `react-dom@${version("react-dom")}`], { cwd: dir, timeout: 180_000 });
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(join(dir, "app/page.json"), LIST_PAGE());
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const env = { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
  const build = (args) => run(process.execPath, [join(dir, "node_modules/next/dist/bin/next"), "build", ...args],
    { cwd: dir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, timeout: 120_000, maxBuffer: 16 << 20 });
  const get = (url, server) => fetch(url, { signal: AbortSignal.timeout(60_000) }).catch((e) => {
    throw new Error(`GET ${url}: ${e.message}; the server said: ${server.output()}`);
  });

  const config = recipeFile("Next.js", "next.config.js");
  for (const [mode, args] of [["turbopack", []], ["webpack", ["--webpack"]]]) {
    await t.test(mode, async (t) => {
      const step = steps(t);
      rmSync(join(dir, ".next"), { recursive: true, force: true });
      writeFileSync(join(dir, "next.config.js"), config["next.config.js"]);
      step("next build");
      await build(args);
      step("next start");
      const server = await nextStart(t, dir, env);
      step("GET /api/users");
      const api = await get(`${server.url}/api/users`, server);
      assert.equal(api.status, 200, server.output());
      assert.deepEqual(await api.json(), { ids: FIXTURE_IDS, users: 7 });
      step("GET /server");
      const page = await get(`${server.url}/server`, server);
      assert.equal(page.status, 200, server.output());
      assert.match(await page.text(), /<main id="result">server component: 7 users<\/main>/);
      const requests = [];
      step("the page in Chromium");
      assert.deepEqual(await resultInChromium(t, `${server.url}/`, { requests, allow: (p) => /favicon/.test(p) }),
        { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
      assert.ok(requests.some((u) => /\/_next\/static\/.*vomo_users_bg.*\.wasm$/.test(u)), "the page fetched the .wasm Next emitted");
      step("stopping (next start, Chromium)");
    });
  }

  // Why the recipe: bundled into the server build, the package's .wasm URL points at the public
  // path, which is no file; the call fails naming the places it looked, as not_found. Under
  // Turbopack the route handler happens to work and the server component does not.
  await t.test("turbopack without serverExternalPackages: the server component fails with the package's not_found message", async (t) => {
    rmSync(join(dir, ".next"), { recursive: true, force: true });
    rmSync(join(dir, "next.config.js"), { force: true });
    const step = steps(t);
    step("next build");
    await build([]);
    step("next start");
    const server = await nextStart(t, dir, env);
    step("GET /server");
    assert.equal((await get(`${server.url}/server`, server)).status, 500);
    assert.match(server.output(), /not_found|VomoError/);
    assert.match(server.output(), /vomo-users could not load its \.wasm \(tried /);
  });

  await t.test("webpack without serverExternalPackages: the route fails with the package's message", async (t) => {
    rmSync(join(dir, ".next"), { recursive: true, force: true });
    rmSync(join(dir, "next.config.js"), { force: true });
    const step = steps(t);
    step("next build");
    await build(["--webpack"]);
    step("next start");
    const server = await nextStart(t, dir, env);
    step("GET /api/users");
    assert.equal((await get(`${server.url}/api/users`, server)).status, 500);
    assert.match(server.output(), /vomo-users could not load its \.wasm \(tried .*web\/vomo_users_bg\.wasm: ENOENT; \/_next\/static\/media\/vomo_users_bg\.\w+\.wasm: /);
  });
});
