// Parcel 2, through its own API (@parcel/core with @parcel/config-default, what the `parcel`
// command runs), with no configuration for the package: a page (Chromium) and a Node build
// (context "node", run with node outside the project), each for the main entry and for
// `vomo-users/parse`. Parcel reads `exports` only when its `packageExports` is on; both ways
// are built. Off, it takes the `module` field (browser.mjs, also for Node) and the parse
// folder's own package.json; on, the `browser` or `node` condition. For Node it emits the
// .wasm under a hashed name and points `__dirname` back at the package's folder, so the
// bundle finds the .wasm only by the URL it rewrote.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, FIXTURE_IDS } from "./helpers.mjs";

const { Parcel } = await import(repoRequire.resolve("@parcel/core"));

/**
 * Builds `entry` of `app` into `distDir`. `packageExports` writes Parcel's resolver option
 * into the app's package.json, with a lockfile that makes the app folder Parcel's project
 * root (where it reads that option); `node` builds for Node as a CommonJS file.
 */
async function parcelBuild(app, entry, distDir, { node = false, packageExports = false } = {}) {
  if (packageExports) {
    writeFileSync(join(app, "package.json"), JSON.stringify({ type: "module", "@parcel/resolver-default": { packageExports: true } }));
    writeFileSync(join(app, "yarn.lock"), "");
  }
  const bundler = new Parcel({
    entries: join(app, entry),
    defaultConfig: repoRequire.resolve("@parcel/config-default"),
    mode: "production",
    shouldDisableCache: true,
    cacheDir: join(app, ".parcel-cache"),
    shouldAutoInstall: false, // a build that needs a Node polyfill in a page fails instead
    logLevel: "error",
    defaultTargetOptions: { distDir, sourceMaps: false },
    ...(node ? { targets: { app: { context: "node", distDir, outputFormat: "commonjs", includeNodeModules: true, sourceMap: false } } } : {}),
  });
  await bundler.run();
}

const wasmIn = (dir) => readdirSync(dir).filter((f) => f.endsWith(".wasm"));
const packageFile = (app, file) => readFileSync(createRequire(join(app, "package.json")).resolve(`vomo-users/${file}`));

for (const packageExports of [false, true]) {
  const how = `packageExports ${packageExports ? "on" : "off"}`;

  test(`parcel build (${how}): the page runs in Chromium`, async (t) => {
    const app = makeApp(t, "parcel-browser");
    const dist = join(app, "dist");
    await parcelBuild(app, "index.html", dist, { packageExports });
    assert.deepEqual(wasmIn(dist).map((f) => readFileSync(join(dist, f)).equals(packageFile(app, "web/vomo_users_bg.wasm"))), [true]);
    const site = await serveDir(t, dist);
    assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
  });

  test(`parcel build for Node (${how}): the bundle runs with node, outside the project`, async (t) => {
    const app = makeApp(t, "parcel-node");
    const out = outsideDir(t, "parcel-node");
    await parcelBuild(app, "node.js", out, { node: true, packageExports });
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith("web")), [], "nothing copied into web/ by hand");
    // The route Parcel took: the Node entry (its loader's symbol) only when it reads `exports`.
    assert.equal(readFileSync(join(out, "node.js"), "utf8").includes("vomo-users.loadWasm"), packageExports);
    const sim = await startSimulator({ port: 0, users: 7 });
    t.after(() => sim.close());
    const result = await runNode(join(out, "node.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
    assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
  });

  test(`parcel (${how}): a parse-only app ships only the parse-only .wasm, in a page and for Node`, async (t) => {
    const app = makeApp(t, "parcel-parse", { "parse.html": '<!doctype html><meta charset="utf-8"><script type="module" src="./parse-browser.js"></script>' });
    const dist = join(app, "dist");
    await parcelBuild(app, "parse.html", dist, { packageExports });
    const parseWasm = packageFile(app, "parse/web/vomo_users_parse_bg.wasm");
    assert.deepEqual(wasmIn(dist).map((f) => readFileSync(join(dist, f)).equals(parseWasm)), [true]);
    const site = await serveDir(t, dist);
    assert.deepEqual(await resultInChromium(t, `${site.url}/parse.html`), {
      beforeInit: { isVomoError: true, kind: "invalid_input", saysInit: true }, ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });

    const out = outsideDir(t, "parcel-parse-node");
    await parcelBuild(app, "parse-node.js", out, { node: true, packageExports });
    assert.deepEqual(wasmIn(out).map((f) => readFileSync(join(out, f)).equals(parseWasm)), [true]);
    assert.deepEqual(await runNode(join(out, "parse-node.js"), { cwd: out }), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
  });
}
