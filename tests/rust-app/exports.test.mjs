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

// What the npm package's glue (src/glue/) exports, by the names wasm-bindgen gives them in
// the wasm; none may reach an app's module.
const PACKAGE_EXPORTS = /^(wasmclient_|wasmlisting_|wasmpoller_|__wbg_wasm(client|listing|poller)_|importRoster$|findOrCreateUser$|parseUserPageInput$|pageInput$|pageOutput$|wasmMemory$|parseUserDetailJson$|parseUserJson$|classifyChange$|diffParticipationsJson$|totalHours$|findMissingIds$|parseRosterCsvJson$|retryableKinds$|setPanicHandler$|lastPanic$|__testPanic|install_panic_hook$)/;

test("the app's JS module has the app's exports and nothing of the package's", () => {
  assert.deepEqual(Object.keys(app).sort(), ["countUsers", "default", "initSync", "listEmails", "policy"]);
  assert.equal(app.policy(), "the app's own", "the app's `policy`, not the package's");
});

test("the app's wasm exports none of the package's bindings", () => {
  const names = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name);
  assert.ok(names.includes("countUsers") && names.includes("policy"), `the app's own exports are there: ${names.join(", ")}`);
  assert.deepEqual(names.filter((n) => PACKAGE_EXPORTS.test(n)), []);
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
