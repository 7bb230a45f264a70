// wrangler, as docs/bundlers.md says (a wrangler.toml, no build config): wrangler bundles
// the Worker (`deploy --dry-run --outdir`, its real build, nothing sent anywhere), and the
// output runs in workerd through Miniflare.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { makeApp, runBin, repoRequire, FIXTURE_IDS } from "./helpers.mjs";
import { Miniflare, COMPATIBILITY_DATE } from "../worker/bundle.mjs";

const WRANGLER_TOML = `name = "vomo-users-app"
main = "worker.js"
compatibility_date = "${COMPATIBILITY_DATE}"
`;

test("wrangler: the bundled Worker runs in workerd and parses there", async (t) => {
  const app = makeApp(t, "wrangler", { "wrangler.toml": WRANGLER_TOML });
  const wrangler = join(repoRequire.resolve("wrangler/package.json"), "../bin/wrangler.js");
  await runBin(wrangler, ["deploy", "--dry-run", "--outdir", "dist"], {
    cwd: app, env: { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  const out = readdirSync(join(app, "dist"));
  assert.ok(out.some((f) => f.endsWith(".wasm")), `wrangler kept the .wasm as a module: ${out}`);
  const mf = new Miniflare({
    modules: true, scriptPath: join(app, "dist", "worker.js"), compatibilityDate: COMPATIBILITY_DATE,
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch("http://worker.local/");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(body, { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } });
});
