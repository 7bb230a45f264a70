// Node, ES modules: re-exports the CommonJS build, so `import` and `require` share one
// wasm instance and one VomoError class.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import imported from "./index.cjs";

// Node's own `import` of a CommonJS module gives its module.exports; a bundler that honours
// its `__esModule` flag (Rollup's commonjs plugin) gives its `default`, the init function,
// which points back to the exports (facade/node-entry.mjs).
const api = imported[Symbol.for("vomo-users.exports")] ?? imported;

// A no-op when index.cjs loaded the wasm itself. It cannot inside an ES module bundle (no
// __dirname), nor when a bundler emitted the .wasm under a name of its own: it follows this URL.
// (Built only when needed: a CommonJS bundle has no import.meta.url.)
const url = () => new URL("./web/vomo_users_bg.wasm", import.meta.url);
api[Symbol.for("vomo-users.loadWasm")]({ where: () => (url().protocol === "file:" ? fileURLToPath(url()) : url().href), bytes: () => readFileSync(url()) });

export const { VomoError, /* @PUBLIC_NAMES@ */ } = api;
/** Also by name, as `require("vomo-users").init` has it. */
export const init = api.init;
export default init;
