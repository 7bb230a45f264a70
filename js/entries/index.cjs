// Node, CommonJS. Reads the package's one .wasm (web/vomo_users_bg.wasm, next to this file)
// and instantiates it synchronously, so no init call is needed. index.mjs re-exports this
// module, so `import` and `require` share one wasm instance and one VomoError class.
"use strict";
const { createApi, nodeEntry } = require("./facade.cjs");

// Bundled into an ES module (esbuild --format=esm), this code has no __dirname: index.mjs
// loads the wasm then, from its import.meta.url. In a CommonJS bundle __dirname is the
// bundle's folder, so both find `web/vomo_users_bg.wasm` next to the bundle.
nodeEntry(exports, require("./web/vomo_users.cjs"), createApi, typeof __dirname === "string"
  ? () => require("node:fs").readFileSync(require("node:path").join(__dirname, "web", "vomo_users_bg.wasm"))
  : undefined);
