// Rust wasm apps that depend on vomo-users, as scripts/test.sh (layer `rust-app`) builds them:
// examples/rust_app.rs (the default `full` crate) and examples/rust_parse_app.rs (without it).
// Their wasm exports their own names only, none of the npm package's bindings; the
// parse-only app carries no client (it imports no `fetch`); and in Node both do the shared
// scenario (scenario.mjs: the parsers, and the client over real HTTP against the simulator).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { startSimulator } from "../../sim/index.mjs";
import { fixture } from "../js/repo.mjs";
import { jsPath, wasmPath } from "./apps.mjs";
import { runScenario, checkScenario } from "./scenario.mjs";

const load = async (app) => {
  const wasm = readFileSync(wasmPath(app));
  const mod = await import(pathToFileURL(jsPath(app)).href);
  mod.initSync({ module: wasm });
  return { wasm, mod };
};
const full = await load("rust_app");
const parseOnly = await load("rust_parse_app");

// What the npm package's own wasm files export (pkg/, built by `npm run build` before this
// layer), less wasm-bindgen's runtime, which every wasm-bindgen module exports: the package's
// bindings. Of these the full app may share only the name it chose on purpose, `policy`.
const pkgDir = process.env.PKG_DIR ?? fileURLToPath(new URL("../../pkg/", import.meta.url));
const RUNTIME = /^(memory$|__wbindgen_|__externref_|wasm_bindgen__|__abort_handler$|__instance_terminated$)/;
const compiled = (bytes) => new WebAssembly.Module(bytes);
const exportsOf = (bytes) => WebAssembly.Module.exports(compiled(bytes)).map((e) => e.name);
const packageExports = ["web/vomo_users_bg.wasm", "parse/web/vomo_users_parse_bg.wasm"]
  .flatMap((file) => exportsOf(readFileSync(join(pkgDir, file))))
  .filter((name) => !RUNTIME.test(name));

test("the apps' wasm export none of the package's bindings", () => {
  assert.ok(packageExports.includes("importRoster") && packageExports.includes("parseUserPageInput"), "the package's bindings were read");
  const names = exportsOf(full.wasm);
  assert.ok(names.includes("countUsers") && names.includes("policy"), `the app's own exports are there: ${names.join(", ")}`);
  assert.deepEqual(names.filter((n) => packageExports.includes(n)), ["policy"]);
  const parseNames = exportsOf(parseOnly.wasm);
  assert.ok(parseNames.includes("countUsers") && parseNames.includes("pageEmails"), `the parse-only app's exports: ${parseNames.join(", ")}`);
  assert.deepEqual(parseNames.filter((n) => packageExports.includes(n)), []);
});

test("the parse-only app carries none of the client: it imports no fetch, Headers or timer", () => {
  const NETWORK = /fetch|headers|abortcontroller|settimeout|response/i;
  const imports = (wasm) => WebAssembly.Module.imports(compiled(wasm)).map((i) => i.name);
  assert.ok(imports(full.wasm).some((n) => NETWORK.test(n)), "the full app's client imports them (the check can see them)");
  assert.deepEqual(imports(parseOnly.wasm).filter((n) => NETWORK.test(n)), []);
  assert.ok(parseOnly.wasm.length < full.wasm.length * 0.6,
    `parse-only ${parseOnly.wasm.length} B against ${full.wasm.length} B for the app with the client`);
});

test("in Node, the apps parse, and list over HTTP against the simulator", async () => {
  const sim = await startSimulator({ port: 0, users: 40, seed: 3 });
  try {
    const page = fixture("list_page_spec_example.json");
    checkScenario(assert, await runScenario(full.mod, parseOnly.mod, { sim: sim.url, token: sim.token, page }), sim);
  } finally {
    await sim.close();
  }
});
