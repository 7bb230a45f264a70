// `vomo-users/parse` in Node, CommonJS: reads the parse-only .wasm
// (parse/web/vomo_users_parse_bg.wasm, next to this file) and instantiates it synchronously,
// so no init call is needed; parse/index.mjs re-exports this module (as index.cjs does for
// the main entry). Its VomoError is its own copy of the class, branded: `instanceof` the
// main entry's VomoError holds both ways.
"use strict";
const glue = require("./web/vomo_users_parse.cjs");
const { createParseApi } = require("./facade.cjs");

let loaded = false;
/** Instantiates the wasm once, from `bytes()`; later calls do nothing. */
function loadWasm(bytes) {
  if (loaded) return;
  glue.initSync({ module: bytes() });
  loaded = true;
}
// No __dirname inside an ES module bundle: parse/index.mjs loads the wasm then.
if (typeof __dirname === "string") {
  loadWasm(() => require("node:fs").readFileSync(require("node:path").join(__dirname, "web", "vomo_users_parse_bg.wasm")));
}

/** A no-op in Node: the module is ready when `require` returns. */
async function init() {}

Object.defineProperty(exports, "__esModule", { value: true });
Object.assign(exports, createParseApi(glue));
exports.init = init;
exports.default = init;
Object.defineProperty(exports, Symbol.for("vomo-users.loadWasm"), { value: loadWasm });
