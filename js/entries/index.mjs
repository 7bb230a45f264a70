// Node, ES modules: re-exports the CommonJS build, so `import` and `require` share one
// wasm instance and one VomoError class.
import { readFileSync } from "node:fs";
import imported from "./index.cjs";

// Node's own `import` of a CommonJS module gives its module.exports; a bundler that honours
// its `__esModule` flag (Rollup's commonjs plugin) gives its `default`, the init function,
// which points back to the exports (facade/node-entry.mjs).
const api = imported[Symbol.for("vomo-users.exports")] ?? imported;

// A no-op when index.cjs loaded the wasm itself (it can, except inside an ES module bundle).
api[Symbol.for("vomo-users.loadWasm")](() => readFileSync(new URL("./web/vomo_users_bg.wasm", import.meta.url)));

export const { VomoError, /* @PUBLIC_NAMES@ */ } = api;
export default api.init;
