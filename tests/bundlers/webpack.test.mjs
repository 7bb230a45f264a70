// webpack 5 with docs/bundlers.md's webpack.config.js, taken from the page as it stands (one
// block for pages, one for Node) and loaded as webpack's command line loads it, in an app laid
// out as the recipe has it (src/main.js, src/server.js): no loader or plugin for the package.
// It follows the entry's `new URL("./web/vomo_users_bg.wasm", import.meta.url)`, emits the
// .wasm as an asset, and the bundle runs in Chromium; for Node, with node outside the project.
// The test scaffolding (helpers.mjs, buildWebpackRecipe): the app folder as `context`, its dist/
// as `output.path`, where `webpack` run in that folder works and writes.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { outsideDir, copyWasm, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, buildWebpackRecipe, docBlock, docSection, WEBPACK_WEB, WEBPACK_NODE, FIXTURE_IDS } from "./helpers.mjs";
import { LIST_PAGE } from "../js/helpers.mjs";
import { startSimulator } from "vomo-users/sim";

const run = promisify(execFile);

const webpack = repoRequire("webpack");

const build = (t, name, pattern, files) => buildWebpackRecipe(t, { name, bundler: webpack, pattern, files });

test("webpack 5 (target web): the .wasm is emitted with the bundle, which runs in Chromium", async (t) => {
  const { dist } = await build(t, "webpack", WEBPACK_WEB, { "main.js": "browser.js" });
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), `a .wasm in ${readdirSync(dist)}`);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

// docs/bundlers.md: "A Web Worker in a browser is a page here: it takes `browser`". A worker
// built on its own with `target: "webworker"` (webpack then resolves the `worker` condition,
// which once led to the Cloudflare entry and failed the build); the page starts it and waits
// for its message.
test("webpack 5 (target webworker): a Web Worker bundle takes the browser entry, emits the .wasm and runs in Chromium", async (t) => {
  const { app } = await build(t, "webpack-webworker", WEBPACK_WEB, { "main.js": "webworker.js" });
  const dist = join(app, "dist-worker");
  const config = { mode: "production", target: "webworker", entry: "./src/main.js", context: app, output: { path: dist } };
  const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString("errors-only"));
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), `a .wasm in ${readdirSync(dist)}`);
  assert.doesNotMatch(readFileSync(join(dist, "main.js"), "utf8"), /workerd/, "not the Cloudflare entry");
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script>new Worker("main.js").onmessage = (e) => { window.result = e.data; };</script>');
  const site = await serveDir(t, dist);
  assert.deepEqual(await resultInChromium(t, `${site.url}/index.html`), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
});

// For Node, webpack takes the `node` condition (index.mjs, over index.cjs) and emits the .wasm
// under a hashed name from index.mjs's `new URL(…, import.meta.url)`; index.cjs's own read
// (`__dirname/web/…`) misses, and the entry loads the emitted file instead of failing. dist/ is
// copied out of the project (as a deployment would) and run there.
test("webpack 5 (target node): the emitted .wasm is found and the bundle runs with node, outside the project", async (t) => {
  const { dist } = await build(t, "webpack-node", WEBPACK_NODE, { "server.js": "node.js" });
  assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(dist)}`);
  const out = outsideDir(t, "webpack-node");
  cpSync(dist, out, { recursive: true });
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const result = await runNode(join(out, "main.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});

// docs/bundlers.md: code that `require`s the package gets index.cjs, which reads web/ next to
// the bundle: without the copy the recipe gives, the first call fails not_found naming where it
// looked; with it (the command taken from the page), the bundle runs outside the project.
test("webpack 5 (target node), code that require()s the package: not_found without the .wasm copied to dist/web/, runs with it", async (t) => {
  const { app, dist } = await build(t, "webpack-node-require", WEBPACK_NODE, { "server.js": "node-require.cjs" });
  const out = outsideDir(t, "webpack-node-require");
  cpSync(dist, out, { recursive: true });
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const env = { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
  const missing = await run(process.execPath, [join(out, "main.js")], { cwd: out, env: { ...process.env, ...env } }).then(() => null, (e) => e);
  assert.ok(missing, "fails without the .wasm");
  assert.match(missing.stderr, /kind: 'not_found'/);
  assert.match(missing.stderr, /could not load its \.wasm \(tried .*web\/vomo_users_bg\.wasm: ENOENT/);
  assert.match(docSection("webpack 5"), /`mkdir -p dist\/web && cp node_modules\/vomo-users\/web\/vomo_users_bg\.wasm dist\/web\/`/, "the page's copy step");
  copyWasm(app, dist); // that step, with the package resolved as the esbuild tests do (this app's node_modules is its parent's)
  cpSync(dist, out, { recursive: true });
  const result = await runNode(join(out, "main.js"), { cwd: out, env });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});

// docs/bundlers.md: "`module.exports` is CommonJS: in a project whose `package.json` says
// `"type": "module"`, name the file `webpack.config.cjs`, or write `export default { … }`."
// A project of its own, as a user's: that package.json, the packed package, webpack and
// webpack-cli installed by npm (webpack-cli is no devDependency of the repository; 6.0.1,
// whose engines take the Node.js 20 the tests run on), src/server.js the Node app. The page's
// Node config is saved under the name the sentence gives, then as webpack.config.js with
// `module.exports =` written `export default`; each is built by the webpack command line as a
// user runs it (`webpack`, no arguments: the CLI finds the config by its default name), and
// dist/ is copied out of the project and run with node. Without either change the CLI cannot
// load the config (why the sentence is there). Test scaffolding: npm's --prefer-offline.
const WEBPACK_CLI = "6.0.1";
const version = (name) => JSON.parse(readFileSync(repoRequire.resolve(`${name}/package.json`), "utf8")).version;
const here = dirname(fileURLToPath(import.meta.url));

test("webpack CLI in a \"type\": \"module\" project: the Node recipe as webpack.config.cjs, and as webpack.config.js with export default, builds, and the bundle runs with node outside the project", { timeout: 300_000 }, async (t) => {
  const sentence = docSection("webpack 5").replace(/\s+/g, " ")
    .match(/in a project whose `package\.json` says `"type": "module"`, name the file `([^`]+)`, or write `export default \{ … \}`/);
  assert.ok(sentence, "docs/bundlers.md's sentence on \"type\": \"module\" projects");
  const recipe = docBlock("webpack 5", WEBPACK_NODE);
  assert.match(recipe, /^module\.exports = \{/m);
  const variants = [[sentence[1], recipe], ["webpack.config.js", recipe.replace(/^module\.exports = /m, "export default ")]];

  const dir = outsideDir(t, "webpack-esm-project");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", process.env.VOMO_TGZ,
    `webpack@${version("webpack")}`, `webpack-cli@${WEBPACK_CLI}`], { cwd: dir, timeout: 240_000 });
  mkdirSync(join(dir, "src"));
  cpSync(join(here, "app", "node.js"), join(dir, "src", "server.js"));
  writeFileSync(join(dir, "src", "page.json"), LIST_PAGE());
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  /** `webpack` in the project with only `file` as config; resolves to { code, output }. */
  const build = (file, text) => {
    for (const f of readdirSync(dir)) if (/^webpack\.config\./.test(f)) rmSync(join(dir, f));
    rmSync(join(dir, "dist"), { recursive: true, force: true });
    writeFileSync(join(dir, file), text);
    return run(process.execPath, [join(dir, "node_modules/webpack/bin/webpack.js")], { cwd: dir, timeout: 120_000 })
      .then(({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }), (e) => ({ code: e.code, output: `${e.stdout}${e.stderr}` }));
  };

  for (const [file, text] of variants) {
    await t.test(file, async (t) => {
      const { code, output } = await build(file, text);
      assert.equal(code, 0, output);
      assert.match(output, /compiled successfully/);
      const dist = join(dir, "dist");
      assert.equal(readdirSync(dist).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(dist)}`);
      const out = outsideDir(t, "webpack-esm-project-dist");
      cpSync(dist, out, { recursive: true });
      const result = await runNode(join(out, "main.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
      assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
    });
  }

  await t.test("the recipe's module.exports as webpack.config.js: the CLI cannot load it (why the sentence)", async () => {
    const { code, output } = await build("webpack.config.js", recipe);
    assert.notEqual(code, 0);
    assert.match(output, /Failed to load '.*webpack\.config\.js' config[\s\S]*module is not defined in ES module scope/);
  });
});
