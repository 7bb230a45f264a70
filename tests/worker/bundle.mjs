// Shared by the workerd tests: bundles a Worker entry the way a user's bundler would (the
// installed package by name, through its workerd export condition; the .wasm kept as a
// module) and returns what Miniflare needs to load it.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRequire } from "../js/repo.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { buildSync } = repoRequire("esbuild");
export const { Miniflare } = repoRequire("miniflare");
export const COMPATIBILITY_DATE = "2024-09-23";

/** Where each .wasm a Worker can import lives in the package. */
const WASM_FILES = { "vomo_users_bg.wasm": "web/vomo_users_bg.wasm", "vomo_users_parse_bg.wasm": "parse/web/vomo_users_parse_bg.wasm" };

/** `{ modulesRoot, modules }` for Miniflare, for the Worker in tests/worker/`entry`; and, not
 *  enumerable, `wasmImports`: the file names of the .wasm modules the bundle imports. */
export function bundleWorker(t, entry, define = {}) {
  const out = mkdtempSync(join(tmpdir(), "vomo-worker-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const result = buildSync({
    entryPoints: [join(here, entry)], bundle: true, format: "esm", platform: "neutral",
    conditions: ["workerd", "worker", "browser"], external: ["*.wasm"], write: false,
    outfile: join(out, "worker.mjs"), define, logLevel: "error",
  });
  const code = result.outputFiles[0].text;
  const wasmImports = [...code.matchAll(/from\s*"(\.\/[^"]+\.wasm)"/g)].map((m) => m[1]);
  assert.ok(wasmImports.length > 0, "the bundle imports the .wasm as a module (workerd entry chosen)");
  // The .wasm comes from the installed package, as a user's bundler would find it.
  const pkgDir = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));
  const options = {
    modulesRoot: out,
    modules: [
      { type: "ESModule", path: join(out, "worker.mjs"), contents: code },
      ...wasmImports.map((path) => ({ type: "CompiledWasm", path: join(out, path),
        contents: readFileSync(join(pkgDir, WASM_FILES[basename(path)])) })),
    ],
  };
  // Not an option of Miniflare's: kept out of the spread.
  return Object.defineProperty(options, "wasmImports", { value: wasmImports.map((path) => basename(path)) });
}
