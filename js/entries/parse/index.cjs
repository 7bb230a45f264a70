// `vomo-users/parse` in Node, CommonJS: reads the parse-only .wasm
// (parse/web/vomo_users_parse_bg.wasm, next to this file) and instantiates it synchronously,
// so no init call is needed; parse/index.mjs re-exports this module (as index.cjs does for
// the main entry). Its VomoError is its own copy of the class, branded: `instanceof` the
// main entry's VomoError holds both ways.
"use strict";
const { createParseApi, nodeEntry } = require("./facade.cjs");

// No __dirname inside an ES module bundle, and a bundler may have emitted the .wasm elsewhere:
// parse/index.mjs loads it then (as index.cjs says for the main entry).
const where = typeof __dirname === "string" ? require("node:path").join(__dirname, "web", "vomo_users_parse_bg.wasm") : null;
nodeEntry(exports, require("./web/vomo_users_parse.cjs"), createParseApi, {
  entry: "vomo-users/parse", file: "parse/web/vomo_users_parse_bg.wasm",
  read: where && { where, bytes: () => require("node:fs").readFileSync(where) },
});
