// `npm run admin` itself (scripts/admin.mjs, run as a process from the repository): it
// starts the simulator with demo data and serves the page, whose Connect form is filled in
// for it; `--base-url` points the page at another API and starts no simulator; `--static`
// writes a folder that any static server can host. The token is never printed.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { repo } from "../js/helpers.mjs";
import { launchChromium } from "./helpers.mjs";
import { waitText, connect, screenshot, startAdminServer } from "./admin-kit.mjs";

/** Runs scripts/admin.mjs; resolves with its output once it prints "Ctrl-C stops." (or exits). */
function runAdmin(t, args, env = {}) {
  const child = spawn(process.execPath, [join(repo, "scripts/admin.mjs"), "--no-setup", ...args],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const out = { stdout: "", stderr: "", code: null };
  child.stderr.on("data", (d) => { out.stderr += d; });
  const exited = new Promise((ok) => child.on("exit", (code) => { out.code = code; ok(out); }));
  t.after(() => { if (out.code === null) child.kill("SIGTERM"); return exited; });
  const ready = new Promise((ok) => {
    child.stdout.on("data", (d) => { out.stdout += d; if (out.stdout.includes("Ctrl-C stops.")) ok(out); });
    exited.then(ok);
  });
  return { child, ready, exited, out };
}

async function openPage(t, url) {
  const page = await (await launchChromium(t)).newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await waitText(page, "#app-status", /^(ready|error)/);
  return { page, errors };
}

test("npm run admin: simulator with demo data, page served on another origin, connect form filled in", async (t) => {
  const run = runAdmin(t, ["--port", "0", "--sim-port", "0", "--users", "25"]);
  const out = await run.ready;
  assert.equal(out.code, null, `admin exited early: ${out.stderr}`);
  const pageUrl = /^admin page: (http:\/\/localhost:\d+\/)$/m.exec(out.stdout)?.[1];
  const simUrl = /^simulator: +(http:\/\/127\.0\.0\.1:\d+\/v1) \(25 demo users/m.exec(out.stdout)?.[1];
  assert.ok(pageUrl && simUrl, out.stdout);
  const info = await (await fetch(`${new URL(simUrl).origin}/__sim/info`)).json();
  assert.equal(info.users, 25);

  const { page, errors } = await openPage(t, pageUrl);
  assert.equal(await page.textContent("#app-status"), "ready: the demo simulator is filled in; press Connect");
  assert.equal(await page.inputValue("#base-url"), simUrl);
  assert.equal(await page.inputValue("#token"), info.token);
  assert.equal(await connect(page), `connected to ${simUrl}: 25 users`);
  await screenshot(page, "cli-default", "#connect");
  assert.deepEqual(errors, []);

  run.child.kill("SIGTERM");
  const done = await run.exited;
  assert.equal(done.code, 0, "Ctrl-C / SIGTERM stops it cleanly");
  assert.ok(!`${done.stdout}${done.stderr}`.includes(info.token), "the token is never printed");
});

test("npm run admin -- --base-url: the page targets that API, no simulator, token typed by the user", async (t) => {
  const api = await startSimulator({ port: 0, users: 12, seed: 4 });
  t.after(() => api.close());
  const run = runAdmin(t, ["--port", "0", "--base-url", api.url]);
  const out = await run.ready;
  assert.match(out.stdout, new RegExp(`^API: +${api.url.replace(/\./g, "\\.")} \\(enter its token on the page\\)$`, "m"));
  assert.doesNotMatch(out.stdout, /simulator:/);
  const { page, errors } = await openPage(t, /^admin page: (\S+)$/m.exec(out.stdout)[1]);
  assert.equal(await page.inputValue("#base-url"), api.url);
  assert.equal(await page.inputValue("#token"), "", "no token is filled in for a real API");
  await page.fill("#token", api.token);
  assert.equal(await connect(page), `connected to ${api.url}: 12 users`);
  assert.deepEqual(errors, []);
});

test("npm run admin -- --static DIR: a folder any static server can host", async (t) => {
  const api = await startSimulator({ port: 0, users: 8, seed: 2 });
  t.after(() => api.close());
  const dir = mkdtempSync(join(tmpdir(), "vomo-admin-static-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = runAdmin(t, ["--static", dir, "--base-url", api.url]);
  const out = await run.exited;
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^static admin page written to /m);
  for (const f of ["index.html", "main.mjs", "pkg/browser.mjs", "pkg/stores/index.mjs", "pkg/web/vomo_users_bg.wasm"]) {
    assert.ok(existsSync(join(dir, f)), f);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), { baseUrl: api.url, requestsPerSecond: 3 });

  // Hosted as plain files: no /pkg/ mount, no generated config.
  const site = await startAdminServer({ www: dir });
  t.after(() => site.close());
  const { page, errors } = await openPage(t, site.url);
  assert.equal(await page.textContent("#app-status"), "ready");
  assert.equal(await page.inputValue("#base-url"), api.url);
  await page.fill("#token", api.token);
  assert.equal(await connect(page), `connected to ${api.url}: 8 users`);
  assert.deepEqual(errors, []);
});

test("npm run admin -- --static with a relative DIR writes it where the command was run (npm's INIT_CWD), not in the repository's root", async (t) => {
  const where = mkdtempSync(join(tmpdir(), "vomo-admin-cwd-"));
  t.after(() => rmSync(where, { recursive: true, force: true }));
  // As npm starts it from a subfolder: the script runs in the package root, INIT_CWD is the subfolder.
  const out = await runAdmin(t, ["--static", "site"], { INIT_CWD: where }).exited;
  assert.equal(out.code, 0, out.stderr);
  assert.ok(existsSync(join(where, "site", "index.html")), "written under INIT_CWD");
  assert.ok(out.stdout.includes(`written to ${join(where, "site")} `), out.stdout);
  assert.equal(existsSync(join(repo, "site")), false, "nothing in the repository's root");
});

test("npm run admin with a value it cannot use: exit 2 and the reason, before anything listens", async (t) => {
  const cases = [
    [["--port", "abc"], /--port: expected a non-negative integer, got "abc"/],
    [["--port", "70000"], /--port: a port is 0 to 65535/],
    // Ports fetch refuses: the browser could not open the page, nor a client reach the simulator.
    [["--port", "6000"], /--port 6000: no client could reach it \(.*bad ports/],
    [["--sim-port", "10080"], /--sim-port 10080: no client could reach it/],
    [["--users", "many"], /--users: expected a non-negative integer/],
    [["--seed=-1"], /--seed: expected a non-negative integer/],
    [["--base-url", "http://api.vomo.org/v1"], /--base-url: .*https/],
    [["--base-url", "ftp://x"], /--base-url: VomoClient: baseUrl is not an http\(s\) URL/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["stray"], /Unexpected argument 'stray'/],
  ];
  for (const [args, reason] of cases) {
    const { exited, out } = runAdmin(t, args);
    await exited;
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.match(out.stderr, reason, args.join(" "));
    assert.match(out.stderr, /usage: npm run admin/);
    assert.equal(out.stdout, "", `${args.join(" ")}: nothing started`);
  }
});
