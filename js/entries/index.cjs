// Node, CommonJS. Reads the package's one .wasm (web/vomo_users_bg.wasm, next to this file)
// and instantiates it synchronously, so no init call is needed. index.mjs re-exports this
// module, so `import` and `require` share one wasm instance and one VomoError class.
"use strict";
const glue = require("./web/vomo_users.cjs");
const { createApi } = require("./facade.cjs");

let loaded = false;
/** Instantiates the wasm once, from `bytes()`; later calls do nothing. */
function loadWasm(bytes) {
  if (loaded) return;
  glue.initSync({ module: bytes() });
  loaded = true;
}
// Bundled into an ES module (esbuild --format=esm), this code has no __dirname: index.mjs
// loads the wasm then, from its import.meta.url. In a CommonJS bundle __dirname is the
// bundle's folder, so both find `web/vomo_users_bg.wasm` next to the bundle.
if (typeof __dirname === "string") {
  loadWasm(() => require("node:fs").readFileSync(require("node:path").join(__dirname, "web", "vomo_users_bg.wasm")));
}

/** A no-op in Node: the module is ready when `require` returns. */
async function init() {}

Object.defineProperty(exports, "__esModule", { value: true });
Object.assign(exports, createApi(glue));
exports.init = init;
exports.default = init;
Object.defineProperty(exports, Symbol.for("vomo-users.loadWasm"), { value: loadWasm });
