// Node, CommonJS: the nodejs-target glue loads the wasm synchronously, so no init is needed.
"use strict";
const glue = require("./node/vomo_users.js");
const { createApi } = require("./facade.cjs");

const api = createApi(glue);
/** A no-op in Node: the module is ready when `require` returns. */
async function init() {}
module.exports = { ...api, init, default: init };
