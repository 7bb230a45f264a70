// TypeScript compiled to CommonJS (module commonjs, esModuleInterop: what a CommonJS
// TypeScript project uses): `import init, { … } from "vomo-users"` and a default import of
// "vomo-users/sim" type-check under --strict, and the output runs with node.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp, runBin, runNode, repoRequire, FIXTURE_IDS } from "./helpers.mjs";

const TSCONFIG = JSON.stringify({
  compilerOptions: { module: "commonjs", target: "es2022", lib: ["es2022", "dom"], strict: true,
    esModuleInterop: true, resolveJsonModule: true, outDir: "dist" },
  files: ["app.ts"],
});

test("tsc --module commonjs: the app type-checks, compiles and runs with node", async (t) => {
  const app = makeApp(t, "tsc-cjs", { "tsconfig.json": TSCONFIG, "package.json": '{ "type": "commonjs" }' });
  await runBin(repoRequire.resolve("typescript/bin/tsc"), ["-p", "tsconfig.json"], { cwd: app })
    .catch((e) => assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`));
  const result = await runNode(join(app, "dist", "app.js"), { cwd: app });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 3, error: { isVomoError: true, kind: "parse" } });
});
