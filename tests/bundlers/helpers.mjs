// Shared by the bundler tests: each builds a tiny app (tests/bundlers/app/) with a real
// bundler against the installed tarball, as docs/bundlers.md tells a user to, and runs it.
// scripts/test.sh runs them from the temp project that installed the packed package, so
// an app folder made under the working directory resolves "vomo-users" to that copy.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { LIST_PAGE, repo, repoRequire } from "../js/helpers.mjs";
import { serve, launchChromium } from "../browser/helpers.mjs";

export { repoRequire };
const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** The ids in tests/fixtures/list_page_spec_example.json, which every app parses. */
export const FIXTURE_IDS = [12345, 12346];

/**
 * A fresh app folder inside the consumer project (so "vomo-users" is the installed tarball)
 * holding tests/bundlers/app/ and the fixture page as page.json, plus any `files`.
 */
export function makeApp(t, name, files = {}) {
  const dir = mkdtempSync(join(process.cwd(), `app-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(here, "app"), dir, { recursive: true });
  writeFileSync(join(dir, "page.json"), LIST_PAGE());
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/**
 * The fenced code blocks of docs/bundlers.md (the repository's copy) under the `## ` heading
 * that starts with `heading`, in order, as { lang, code }: the tests build the recipes from
 * this text, so that what they build is what the page tells a user to write.
 */
export function docBlocks(heading) {
  return [...docSection(heading).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

/** The text of docs/bundlers.md's `## ` section whose heading starts with `heading`, prose and blocks. */
export function docSection(heading) {
  const sections = readFileSync(join(repo, "docs/bundlers.md"), "utf8").split(/^## /m).filter((s) => s.startsWith(heading));
  assert.equal(sections.length, 1, `one section "## ${heading}…" in docs/bundlers.md`);
  return sections[0];
}

/** The one code block of docs/bundlers.md's section `heading` whose text `pattern` matches. */
export function docBlock(heading, pattern) {
  const found = docBlocks(heading).filter((b) => pattern.test(b.code));
  assert.equal(found.length, 1, `one block matching ${pattern} in docs/bundlers.md's "## ${heading}…"`);
  return found[0].code;
}

/**
 * The block of docs/bundlers.md's section `heading` that opens with the comment naming `file`
 * (`// vite.config.js`, `# wrangler.toml`), as { [file]: text }, for makeApp.
 */
export function recipeFile(heading, file) {
  const name = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return { [file]: docBlock(heading, new RegExp(`^(//|#) ${name}\n`)) };
}

/**
 * Lays `app` out as docs/bundlers.md's recipes have it: each `src/<name>` a copy of the app
 * file `files[name]`, with the fixture page.json beside them.
 */
export function srcLayout(app, files) {
  mkdirSync(join(app, "src"), { recursive: true });
  cpSync(join(app, "page.json"), join(app, "src", "page.json"));
  for (const [name, file] of Object.entries(files)) cpSync(join(app, file), join(app, "src", name));
}

/**
 * Test scaffolding: the dev tools a recipe's config file imports (e.g. Rollup's plugins), linked
 * into the app's node_modules from the repository's install, as a user's devDependencies are
 * installed; "vomo-users" still resolves to the installed tarball above.
 */
export function linkDevDependencies(app, names) {
  for (const name of names) {
    mkdirSync(dirname(join(app, "node_modules", name)), { recursive: true });
    symlinkSync(join(repo, "node_modules", name), join(app, "node_modules", name), "dir");
  }
}

/**
 * webpack's recipe (docs/bundlers.md, "webpack 5 and Rspack"), built by `bundler` (webpack or
 * Rspack's `rspack`, which takes the same configuration): an app whose `configFile`
 * (webpack.config.js, rspack.config.js) is the page's block matching `pattern`, as it stands,
 * loaded as the command lines load it, with `files` under src/. Resolves to the app folder and
 * its dist/. Test scaffolding, which changes nothing the bundler does with the package:
 * `context` and `output.path` are the app folder and its dist/, where the command run in that
 * folder works and writes (both default to the working directory); the app's package.json is a
 * plain (CommonJS) project's, so that the recipe's `module.exports` file loads.
 */
export async function buildWebpackRecipe(t, { name, bundler, configFile = "webpack.config.js", pattern, files }) {
  const app = makeApp(t, name, { "package.json": "{}\n", [configFile]: docBlock("webpack 5", pattern) });
  srcLayout(app, files);
  const config = createRequire(join(app, "package.json"))(`./${configFile}`);
  assert.equal(config.context ?? config.output, undefined, "the scaffolding below overrides nothing of the recipe");
  const dist = join(app, "dist");
  const stats = await new Promise((resolve, reject) => bundler({ ...config, context: app, output: { path: dist } },
    (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString("errors-only"));
  return { app, dist };
}
/** The recipe's two webpack.config.js blocks: for pages, and for Node (`target: "node"`). */
export const WEBPACK_WEB = /^\/\/ webpack\.config\.js\n/;
export const WEBPACK_NODE = /target: "node"/;

/**
 * Rollup's recipe (docs/bundlers.md): an app with the page's rollup.config.mjs as it stands and
 * `files` under src/, built by `rollup -c`, then the package's .wasm `wasm` copied to dist/web/
 * as the recipe's next command does; resolves to the app folder. Its Node build is built twice:
 * as written (dist/server.mjs) and with the `// or output: …` the recipe gives for CommonJS
 * (rollup.cjs.config.mjs, the same text with that output). Test scaffolding, none of it about the
 * package: the app imports its fixture page as JSON, so rollup.test.config.mjs (the config run)
 * adds @rollup/plugin-json to each build; the plugins are linked into the app's node_modules as a
 * user's devDependencies are installed.
 */
export async function rollupRecipe(t, name, files, wasm) {
  const { "rollup.config.mjs": recipe } = recipeFile("Rollup", "rollup.config.mjs");
  const alternative = recipe.match(/(output: \{ file: "dist\/server\.mjs"[^}]*\}), \/\/ or (output: \{[^}]*\})/);
  assert.ok(alternative, "the recipe's CommonJS output for Node");
  const app = makeApp(t, name, {
    "rollup.config.mjs": recipe,
    "rollup.cjs.config.mjs": recipe.replace(alternative[0], `${alternative[2]},`),
    "rollup.test.config.mjs": `import json from "@rollup/plugin-json";
import recipe from "./rollup.config.mjs";
import cjs from "./rollup.cjs.config.mjs";
export default [...recipe, cjs[1]].map((config) => ({ ...config, plugins: [...config.plugins, json()] }));
`,
  });
  srcLayout(app, files);
  linkDevDependencies(app, ["@rollup/plugin-node-resolve", "@rollup/plugin-commonjs", "@rollup/plugin-json"]);
  await runBin(join(repo, "node_modules/rollup/dist/bin/rollup"), ["-c", "rollup.test.config.mjs", "--silent"], { cwd: app })
    .catch((e) => assert.fail(`rollup -c failed:\n${e.stdout}${e.stderr}`));
  copyWasm(app, join(app, "dist"), wasm);
  return app;
}

/**
 * esbuild's recipe (docs/bundlers.md): an app with `files` under src/, built by each `esbuild …`
 * command line of the page's block as it stands (the esbuild command line, in the app folder);
 * resolves to the app folder. The .wasm is not copied: the caller does that step, or leaves it out.
 */
export async function esbuildRecipe(t, name, files) {
  const app = makeApp(t, name);
  srcLayout(app, files);
  const commands = docBlock("esbuild", /^esbuild /m).split("\n").filter((line) => line.startsWith("esbuild "));
  assert.equal(commands.length, 3, "the recipe's browser, Node ES module and Node CommonJS builds");
  for (const line of commands) {
    await run(join(repo, "node_modules/esbuild/bin/esbuild"), line.split(" ").slice(1), { cwd: app, timeout: 60_000 })
      .catch((e) => assert.fail(`${line} failed:\n${e.stdout}${e.stderr}`));
  }
  return app;
}

/** A page that runs dist/main.js, the recipes' browser bundle. */
export const MAIN_HTML = '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>';

/** A folder outside the consumer project: what runs there cannot reach its node_modules. */
export function outsideDir(t, name) {
  const dir = mkdtempSync(join(tmpdir(), `vomo-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * What docs/bundlers.md tells esbuild and Rollup users to do: copy the package's `.wasm`
 * (`file`, a path the package exports, resolved as a user's build script would) into `web/`
 * next to the bundle in `outdir`.
 */
export function copyWasm(appDir, outdir, file = "web/vomo_users_bg.wasm") {
  mkdirSync(join(outdir, "web"), { recursive: true });
  cpSync(createRequire(join(appDir, "package.json")).resolve(`vomo-users/${file}`), join(outdir, "web", file.split("/").at(-1)));
}

/** Runs `node file` (in `cwd`) and returns its stdout parsed as JSON. */
export async function runNode(file, { cwd, env = {} } = {}) {
  const { stdout } = await run(process.execPath, [file], { cwd, env: { ...process.env, ...env }, timeout: 30_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

/** Runs a command-line tool's bin with node, in `cwd`. */
export const runBin = (bin, args, { cwd, env = {} }) =>
  run(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, timeout: 120_000 });

/**
 * Opens `url` in headless Chromium and returns `window.result`, which app/browser.js sets
 * when it has run; fails on any page error or failed request unless `allow(problem)`. Every
 * URL the page requests is pushed to `requests`.
 */
export async function resultInChromium(t, url, { allow = () => false, requests = [] } = {}) {
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const problems = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`); });
  await page.goto(url);
  await page.waitForFunction(() => window.result !== undefined || document.title === "failed", null, { timeout: 20_000 })
    .catch((e) => problems.push(`no result: ${e.message}`));
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(problems.filter((p) => !allow(p)), []);
  return result;
}

/** Serves `root` over HTTP on 127.0.0.1. */
export const serveDir = (t, root) => serve(t, { root, host: "127.0.0.1" });

/** What app/browser.js reports when the package works in the page. */
export function assertBrowserResult(result) {
  assert.deepEqual(result, {
    beforeInit: { isVomoError: true, kind: "invalid_input", saysInit: true },
    clientBeforeInit: { isVomoError: true, kind: "invalid_input", saysInit: true },
    ids: FIXTURE_IDS,
    error: { isVomoError: true, kind: "parse" },
  });
}
