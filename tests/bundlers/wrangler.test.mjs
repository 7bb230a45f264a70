// wrangler with docs/bundlers.md's wrangler.toml as it stands (read from the page; src/worker.js,
// no build configuration): wrangler bundles the Worker, and the output runs in workerd through
// Miniflare with the recipe's compatibility date. Test scaffolding, which changes nothing wrangler
// does with the package: the build is `wrangler deploy --dry-run --outdir dist` (its real
// deploy build, written to dist/, nothing sent anywhere), with telemetry off and CI's plain
// output; Miniflare's module rules load what wrangler wrote (its modules and the .wasm it kept).
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { makeApp, runBin, repoRequire, recipeFile, srcLayout, FIXTURE_IDS } from "./helpers.mjs";
import { Miniflare } from "../worker/bundle.mjs";

test("wrangler (the docs/bundlers.md wrangler.toml): the bundled Worker runs in workerd and parses there", async (t) => {
  const config = recipeFile("wrangler", "wrangler.toml");
  const compatibilityDate = config["wrangler.toml"].match(/^compatibility_date = "([\d-]+)"$/m)?.[1];
  assert.ok(compatibilityDate, "the recipe's compatibility date");
  const app = makeApp(t, "wrangler", config);
  srcLayout(app, { "worker.js": "worker.js" });
  const wrangler = join(repoRequire.resolve("wrangler/package.json"), "../bin/wrangler.js");
  await runBin(wrangler, ["deploy", "--dry-run", "--outdir", "dist"], {
    cwd: app, env: { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  const out = readdirSync(join(app, "dist"));
  assert.ok(out.some((f) => f.endsWith(".wasm")), `wrangler kept the .wasm as a module: ${out}`);
  const mf = new Miniflare({
    modules: true, scriptPath: join(app, "dist", "worker.js"), compatibilityDate,
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch("http://worker.local/");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(body, { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
});
