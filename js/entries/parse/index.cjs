// `vomo-users/parse` in Node, CommonJS: reads the parse-only .wasm
// (parse/web/vomo_users_parse_bg.wasm, next to this file) and instantiates it synchronously,
// so no init call is needed; parse/index.mjs re-exports this module (as index.cjs does for
// the main entry). Its VomoError is its own copy of the class, branded: `instanceof` the
// main entry's VomoError holds both ways.
"use strict";
const { createParseApi, nodeEntry } = require("./facade.cjs");

// No __dirname inside an ES module bundle: parse/index.mjs loads the wasm then.
nodeEntry(exports, require("./web/vomo_users_parse.cjs"), createParseApi, typeof __dirname === "string"
  ? () => require("node:fs").readFileSync(require("node:path").join(__dirname, "web", "vomo_users_parse_bg.wasm"))
  : undefined);
