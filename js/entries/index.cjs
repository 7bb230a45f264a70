// Node, CommonJS. Reads the package's one .wasm (web/vomo_users_bg.wasm, next to this file)
// and instantiates it synchronously, so no init call is needed. index.mjs re-exports this
// module, so `import` and `require` share one wasm instance and one VomoError class.
"use strict";
const { createApi, nodeEntry } = require("./facade.cjs");

// Bundled into an ES module (esbuild --format=esm), this code has no __dirname, and a bundler
// may have emitted the .wasm elsewhere: index.mjs loads it then, from its import.meta.url (a
// failed read here is not thrown; facade/node-entry.mjs). In a CommonJS bundle __dirname is
// the bundle's folder, so both look for `web/vomo_users_bg.wasm` next to the bundle.
const where = typeof __dirname === "string" ? require("node:path").join(__dirname, "web", "vomo_users_bg.wasm") : null;
nodeEntry(exports, require("./web/vomo_users.cjs"), createApi, {
  entry: "vomo-users", file: "web/vomo_users_bg.wasm",
  read: where && { where, bytes: () => require("node:fs").readFileSync(where) },
});
