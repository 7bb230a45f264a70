// `bun build` (Bun's bundler, the npm build of Bun, a devDependency of the repository), as
// docs/bundlers.md says. Bun does not follow `new URL(…, import.meta.url)`, and for Node and
// Bun targets it writes the package's own folder into the bundle as a fixed path (its
// `__dirname`), which finds the .wasm on the machine that built it and nowhere else. So each
// app here has its own copy of the installed package, deleted after the build: what runs can
// only use what the build put next to it. The recipe with the .wasm imported as a file runs
// the page's `bun build` command lines as they stand (read from the page) on src/main.js
// (app/bun-file.js, the page's src/main.js with the app's code in its place). Test scaffolding
// elsewhere: the copy-recipe builds and the parse-only app write straight into a folder outside
// the project (--outdir, --outfile) instead of dist/, which changes nothing Bun does with the package.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, copyWasm, resultInChromium, serveDir, assertBrowserResult, docBlock, srcLayout, MAIN_HTML, FIXTURE_IDS } from "./helpers.mjs";
import { repo } from "../js/helpers.mjs";

const run = promisify(execFile);
const BUN = join(repo, "node_modules/.bin/bun");
const installed = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));

/** An app folder with a copy of the installed package of its own, and a function that deletes that copy. */
function appWithOwnPackage(t, name) {
  const app = makeApp(t, name);
  cpSync(installed, join(app, "node_modules", "vomo-users"), { recursive: true });
  return { app, removePackage: () => rmSync(join(app, "node_modules"), { recursive: true, force: true }) };
}

/** `bun build <args>` in `app`; fails with Bun's output if it fails. */
const bunBuild = (app, args) => run(BUN, ["build", ...args], { cwd: app, timeout: 120_000 });

async function simulator(t) {
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  return { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
}
const NODE_RESULT = { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } };

test("bun build --target=browser, the .wasm copied to web/ next to the bundle: runs in Chromium", async (t) => {
  const { app, removePackage } = appWithOwnPackage(t, "bun-browser");
  const dist = join(app, "dist");
  await bunBuild(app, ["./browser.js", "--target=browser", "--outdir=dist"]);
  copyWasm(app, dist);
  removePackage();
  cpSync(join(app, "index.html"), join(dist, "index.html"));
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("bun build --target=bun and --target=node, the .wasm copied to web/: run with bun and node outside the project, the package gone", async (t) => {
  const env = await simulator(t);
  for (const target of ["bun", "node"]) {
    const { app, removePackage } = appWithOwnPackage(t, `bun-${target}`);
    const out = outsideDir(t, `bun-${target}`);
    await bunBuild(app, ["./node.js", `--target=${target}`, `--outdir=${out}`]);
    copyWasm(app, out);
    removePackage();
    const { stdout } = await run(target === "bun" ? BUN : process.execPath, [join(out, "node.js")], { cwd: out, env: { ...process.env, ...env } });
    assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)), NODE_RESULT, target);
  }
});

test("bun build without the copy: the bundle names where it looked and what to do", async (t) => {
  const { app, removePackage } = appWithOwnPackage(t, "bun-nocopy");
  const out = outsideDir(t, "bun-nocopy");
  await bunBuild(app, ["./node.js", "--target=node", `--outdir=${out}`]);
  removePackage();
  const r = await run(process.execPath, [join(out, "node.js")], { cwd: out }).then(() => null, (e) => e);
  assert.ok(r, "the bundle failed");
  assert.match(r.stderr, /VomoError: vomo-users could not load its \.wasm \(tried .*web\/vomo_users_bg\.wasm: ENOENT.*\); copy the package's web\/vomo_users_bg\.wasm/);
  assert.match(r.stderr, new RegExp(`${join(out, "web", "vomo_users_bg.wasm").replaceAll(".", "\\.")}: ENOENT`), "it looked next to the bundle");
});

test("bun build with the .wasm imported as a file (the docs/bundlers.md commands): --target=bun and node emit it, --compile embeds it; all run outside the project, the package gone", async (t) => {
  const env = await simulator(t);
  const { app, removePackage } = appWithOwnPackage(t, "bun-file");
  srcLayout(app, { "main.js": "bun-file.js", "node.js": "node.js" });
  const [bundle, compile] = docBlock("Bun", /^bun build /m).split("\n").filter((l) => l.startsWith("bun build ")).map((l) => l.replace(/\s+#.*$/, ""));
  assert.equal(bundle, "bun build src/main.js --target=bun --outdir=dist");
  assert.equal(compile, "bun build src/main.js --compile --outfile=dist/app");
  // The recipe's first line as written, then with its `# or --target=node`, each moved out of the project to run.
  const outs = {};
  for (const target of ["bun", "node"]) {
    await bunBuild(app, bundle.replace("--target=bun", `--target=${target}`).split(" ").slice(2));
    outs[target] = outsideDir(t, `bun-file-${target}`);
    cpSync(join(app, "dist"), outs[target], { recursive: true });
    rmSync(join(app, "dist"), { recursive: true });
  }
  await bunBuild(app, compile.split(" ").slice(2));
  const out = outsideDir(t, "bun-file-compiled");
  cpSync(join(app, "dist"), out, { recursive: true });
  removePackage();
  for (const target of ["bun", "node"]) {
    assert.equal(readdirSync(outs[target]).filter((f) => f.endsWith(".wasm")).length, 1, `Bun emitted the .wasm (--target=${target})`);
    const { stdout } = await run(target === "bun" ? BUN : process.execPath, [join(outs[target], "main.js")], { cwd: outs[target], env: { ...process.env, ...env }, timeout: 30_000 });
    assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)), NODE_RESULT, target);
  }
  assert.deepEqual(readdirSync(out), ["app"], "the executable alone");
  const { stdout } = await run(join(out, "app"), [], { cwd: out, env: { ...process.env, ...env }, timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)), NODE_RESULT, "the compiled executable");
});

test("bun build --compile of an app that only parses: vomo-users/parse's .wasm embedded, and only that one", async (t) => {
  const { app, removePackage } = appWithOwnPackage(t, "bun-parse-file");
  const out = outsideDir(t, "bun-parse-file");
  await bunBuild(app, ["./bun-parse-file.js", "--target=node", `--outdir=${join(out, "node")}`]);
  await bunBuild(app, ["./bun-parse-file.js", "--compile", `--outfile=${join(out, "app")}`]);
  removePackage();
  assert.deepEqual(readdirSync(join(out, "node")).filter((f) => f.endsWith(".wasm")).map((f) => f.replace(/-\w+\.wasm$/, ".wasm")),
    ["vomo_users_parse_bg.wasm"]);
  const { stdout } = await run(join(out, "app"), [], { cwd: out, timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
});

// The same recipe for a page: the page's src/main.js as it stands (read from the page), with
// the one line the recipe leaves to the app, `await startApp();`, after it; its src/app.js
// (app/bun-file-app.js) calls the package at its top level. Built by the page's first `bun
// build` line with the `--target=browser` its comment names, the package deleted, dist/ alone
// served and opened in Chromium, where the app lists the simulator's users (another origin).
test("bun build --target=browser with the .wasm imported as a file (the docs/bundlers.md recipe): Bun emits it, the page fetches it, and the app parses and lists the simulator's users in Chromium", async (t) => {
  const { app, removePackage } = appWithOwnPackage(t, "bun-file-browser");
  const main = docBlock("Bun", /^\/\/ src\/main\.js /);
  assert.match(main.split("\n")[0], /any target: browser,/);
  assert.match(main, /\bstartApp\b.*"\.\/app\.js"/, "src/main.js gets startApp from src/app.js");
  srcLayout(app, { "app.js": "bun-file-app.js" });
  writeFileSync(join(app, "src", "main.js"), `${main}await startApp();\n`);
  const line = docBlock("Bun", /^bun build /m).split("\n").find((l) => l.startsWith("bun build ") && !l.includes("--compile"));
  const [command, alternatives] = line.split(/\s+# or /);
  assert.equal(command, "bun build src/main.js --target=bun --outdir=dist");
  assert.ok(alternatives.split(/,\s*/).includes("--target=browser"), `the comment names --target=browser: ${line}`);
  await bunBuild(app, command.replace("--target=bun", "--target=browser").split(" ").slice(2));
  removePackage();
  const dist = join(app, "dist");
  const wasm = readdirSync(dist).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `Bun emitted the .wasm: ${readdirSync(dist)}`);
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const site = await serveDir(t, dist);
  const requests = [];
  const query = new URLSearchParams({ sim: sim.url, token: sim.token });
  const result = await resultInChromium(t, `${site.url}/index.html?${query}`, { requests });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
  assert.deepEqual(requests.filter((u) => u.endsWith(".wasm")), [`${site.url}/${wasm[0]}`], "the page fetched the .wasm Bun emitted, and no other");
});
