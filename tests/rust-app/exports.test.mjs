// A Rust wasm app that depends on vomo-users (examples/rust_app.rs), as scripts/test.sh (layer
// `rust-app`) builds it: its wasm exports its own names only, none of the npm package's
// bindings, and the crate's parser and client work inside it (the client over real HTTP
// against the simulator). RUST_APP_DIR: wasm-bindgen's `--target web` output for it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { startSimulator } from "../../sim/index.mjs";

const dir = process.env.RUST_APP_DIR;
if (!dir) throw new Error("RUST_APP_DIR: the wasm-bindgen output of examples/rust_app.rs (scripts/test.sh builds it)");
const wasm = readFileSync(join(dir, "rust_app_bg.wasm"));
const app = await import(pathToFileURL(join(dir, "rust_app.js")).href);
app.initSync({ module: wasm });

// What the npm package's own wasm files export (pkg/, built by `npm run build` before this
// layer), less wasm-bindgen's runtime, which every wasm-bindgen module exports: the package's
// bindings. Of these the app may share only the name it chose on purpose, `policy`.
const pkgDir = process.env.PKG_DIR ?? fileURLToPath(new URL("../../pkg/", import.meta.url));
const RUNTIME = /^(memory$|__wbindgen_|__externref_|wasm_bindgen__|__abort_handler$|__instance_terminated$)/;
const exportsOf = (bytes) => WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
const packageExports = ["web/vomo_users_bg.wasm", "parse/web/vomo_users_parse_bg.wasm"]
  .flatMap((file) => exportsOf(readFileSync(join(pkgDir, file))))
  .filter((name) => !RUNTIME.test(name));

test("the app's JS module has the app's exports and nothing of the package's", () => {
  assert.deepEqual(Object.keys(app).sort(), ["countUsers", "default", "initSync", "listEmails", "policy"]);
  assert.equal(app.policy(), "the app's own", "the app's `policy`, not the package's");
});

test("the app's wasm exports none of the package's bindings", () => {
  assert.ok(packageExports.includes("importRoster") && packageExports.includes("parseUserPageInput"), "the package's bindings were read");
  const names = exportsOf(wasm);
  assert.ok(names.includes("countUsers") && names.includes("policy"), `the app's own exports are there: ${names.join(", ")}`);
  assert.deepEqual(names.filter((n) => packageExports.includes(n)), ["policy"]);
});

test("the crate's parser works inside the app", () => {
  const page = readFileSync(fileURLToPath(new URL("../fixtures/list_page_spec_example.json", import.meta.url)), "utf8");
  assert.equal(app.countUsers(page), 2);
  assert.throws(() => app.countUsers("{\"data\": 5}"), /data/);
});

test("the crate's client works inside the app, over HTTP against the simulator", async () => {
  const sim = await startSimulator({ port: 0, users: 40, seed: 3 });
  try {
    const emails = await app.listEmails(sim.url, sim.token);
    assert.equal(emails.length, 40);
    assert.equal(new Set(emails).size, 40);
    assert.ok(emails.every((e) => e.includes("@")));
    await assert.rejects(app.listEmails(sim.url, "wrong-token"), /auth|401|token/i);
  } finally {
    await sim.close();
  }
});
