// TypeScript compiled to CommonJS with docs/bundlers.md's tsconfig.json as it stands (read from
// the page: module commonjs, esModuleInterop, its target): app.ts, which opens with the page's
// import lines (`import init, { … } from "vomo-users"`, "vomo-users/sim"), type-checks and
// compiles, and the output runs with node; then it type-checks under --strict too. Test
// scaffolding: tsconfig.test.json extends the recipe's file with resolveJsonModule only (the app
// imports its fixture page as JSON), and the app's package.json is a CommonJS project's.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp, runBin, runNode, repoRequire, recipeFile, docBlock, FIXTURE_IDS } from "./helpers.mjs";

const TEST_TSCONFIG = JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { resolveJsonModule: true } });

test("tsc with the recipe's tsconfig.json (module commonjs): the app type-checks, compiles and runs with node", async (t) => {
  const app = makeApp(t, "tsc-cjs", { ...recipeFile("TypeScript", "tsconfig.json"), "tsconfig.test.json": TEST_TSCONFIG,
    "package.json": '{ "type": "commonjs" }' });
  const imports = docBlock("TypeScript", /^import init, /);
  const appTs = join(app, "app.ts");
  writeFileSync(appTs, imports + readFileSync(appTs, "utf8"));
  const tsc = (...args) => runBin(repoRequire.resolve("typescript/bin/tsc"), ["-p", "tsconfig.test.json", ...args], { cwd: app })
    .catch((e) => assert.fail(`tsc ${args.join(" ")} failed:\n${e.stdout}${e.stderr}`));
  await tsc();
  const result = await runNode(join(app, "app.js"), { cwd: app });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 3, error: { isVomoError: true, kind: "parse" }, sameSimulator: true });
  await tsc("--strict", "--noEmit");
});
