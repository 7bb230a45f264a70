// The Worker of platforms.test.mjs: both Rust apps' wasm-bindgen output loaded as workerd
// loads a Worker's modules (each .wasm a compiled module, bound with initSync), then the
// shared scenario with the simulator's address, token and a page from the request's body.
import fullWasm from "./rust_app_bg.wasm";
import parseWasm from "./rust_parse_app_bg.wasm";
import * as full from "./rust_app.js";
import * as parse from "./rust_parse_app.js";
import { runScenario } from "./scenario.mjs";

full.initSync({ module: fullWasm });
parse.initSync({ module: parseWasm });

export default {
  async fetch(request) {
    try {
      return Response.json(await runScenario(full, parse, await request.json()));
    } catch (e) {
      return Response.json({ thrown: String(e) }, { status: 500 });
    }
  },
};
