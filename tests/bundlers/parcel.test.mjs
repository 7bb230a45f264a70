// Parcel 2, its command line, with docs/bundlers.md's recipe as it stands (read from the page):
// `parcel build src/index.html` for a page (no configuration), and for Node the page's
// package.json targets ("app" for the page, "server" with context "node") built by
// `parcel build`; each for the main entry and for `vomo-users/parse`; the pages run in
// Chromium, the Node bundles with node outside the project. Parcel reads `exports` only when
// its `packageExports` is on (its resolver's option in package.json); both ways are built.
// Off, it takes the `module` field (browser.mjs, also for Node) and the parse folder's own
// package.json; on, the `browser` or `node` condition. For Node it emits the .wasm under a
// hashed name and points `__dirname` back at the package's folder, so the bundle finds the
// .wasm only by the URL it rewrote.
// Test scaffolding, which changes nothing Parcel does with the package: an empty yarn.lock
// makes the app folder Parcel's project root (a user's lockfile does), --no-autoinstall makes a
// build that would need a Node polyfill in a page fail instead of installing one, and
// --log-level error keeps it quiet.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, runBin, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, docBlock, srcLayout, MAIN_HTML, FIXTURE_IDS } from "./helpers.mjs";

const PARCEL = join(repoRequire.resolve("parcel/package.json"), "../lib/bin.js");

/**
 * An app laid out as the recipe has it (`files` under src/, src/index.html running main.js)
 * whose package.json holds the recipe's targets when `targets`, and Parcel's packageExports
 * when `packageExports`; built by `parcel build` and `args`. Resolves to the app folder.
 */
async function parcelBuild(t, name, files, args, { targets = false, packageExports = false } = {}) {
  const pkg = targets ? JSON.parse(docBlock("Parcel", /"targets"/)) : {};
  if (packageExports) pkg["@parcel/resolver-default"] = { packageExports: true };
  const app = makeApp(t, name, { "package.json": JSON.stringify(pkg), "yarn.lock": "" });
  srcLayout(app, files);
  writeFileSync(join(app, "src", "index.html"), MAIN_HTML);
  await runBin(PARCEL, ["build", ...args, "--no-autoinstall", "--log-level", "error"], { cwd: app })
    .catch((e) => assert.fail(`parcel build ${args.join(" ")} failed:\n${e.stdout}${e.stderr}`));
  return app;
}

const wasmIn = (dir) => readdirSync(dir).filter((f) => f.endsWith(".wasm"));
const packageFile = (app, file) => readFileSync(createRequire(join(app, "package.json")).resolve(`vomo-users/${file}`));
/** The .wasm files in `dir`: exactly one, the package's `file`, byte for byte. */
const assertOnlyWasm = (app, dir, file) => assert.deepEqual(wasmIn(dir).map((f) => readFileSync(join(dir, f)).equals(packageFile(app, file))), [true]);

for (const packageExports of [false, true]) {
  const how = `packageExports ${packageExports ? "on" : "off"}`;
  const PAGE_ARGS = docBlock("Parcel", /^parcel build /).trim().split(" ").slice(2);
  assert.deepEqual(PAGE_ARGS, ["src/index.html"]);

  test(`parcel build src/index.html (${how}): the page runs in Chromium`, async (t) => {
    const app = await parcelBuild(t, "parcel-browser", { "main.js": "browser.js" }, PAGE_ARGS, { packageExports });
    const dist = join(app, "dist");
    assertOnlyWasm(app, dist, "web/vomo_users_bg.wasm");
    const site = await serveDir(t, dist);
    assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
  });

  test(`parcel build with the recipe's targets (${how}): the page runs in Chromium, the Node bundle with node outside the project`, async (t) => {
    const app = await parcelBuild(t, "parcel-targets", { "main.js": "browser.js", "server.js": "node.js" }, [], { targets: true, packageExports });
    const site = await serveDir(t, join(app, "dist", "app"));
    assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
    const out = outsideDir(t, "parcel-node");
    cpSync(join(app, "dist", "server"), out, { recursive: true });
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith("web")), [], "nothing copied into web/ by hand");
    // The route Parcel took: the Node entry (its loader's symbol) only when it reads `exports`.
    assert.equal(readFileSync(join(out, "server.js"), "utf8").includes("vomo-users.loadWasm"), packageExports);
    const sim = await startSimulator({ port: 0, users: 7 });
    t.after(() => sim.close());
    const result = await runNode(join(out, "server.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
    assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
  });

  test(`parcel (${how}): a parse-only app ships only the parse-only .wasm, in a page and for Node`, async (t) => {
    const app = await parcelBuild(t, "parcel-parse", { "main.js": "parse-browser.js", "server.js": "parse-node.js" }, [], { targets: true, packageExports });
    const wasm = "parse/web/vomo_users_parse_bg.wasm";
    assertOnlyWasm(app, join(app, "dist", "app"), wasm);
    assertOnlyWasm(app, join(app, "dist", "server"), wasm);
    const site = await serveDir(t, join(app, "dist", "app"));
    assert.deepEqual(await resultInChromium(t, `${site.url}/index.html`), {
      beforeInit: { isVomoError: true, kind: "invalid_input", saysInit: true }, ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
    const out = outsideDir(t, "parcel-parse-node");
    cpSync(join(app, "dist", "server"), out, { recursive: true });
    assert.deepEqual(await runNode(join(out, "server.js"), { cwd: out }), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
  });
}

test("parcel build src/index.html with only a Node target in package.json builds nothing (why the recipe gives the page a target)", async (t) => {
  const app = makeApp(t, "parcel-nothing", { "yarn.lock": "" });
  srcLayout(app, { "main.js": "browser.js", "server.js": "node.js" });
  writeFileSync(join(app, "src", "index.html"), MAIN_HTML);
  const { targets } = JSON.parse(docBlock("Parcel", /"targets"/));
  writeFileSync(join(app, "package.json"), JSON.stringify({ targets: { server: targets.server } }));
  await runBin(PARCEL, ["build", "src/index.html", "--no-autoinstall", "--log-level", "error"], { cwd: app });
  assert.deepEqual(readdirSync(app).filter((f) => f === "dist"), []);
});
