// Cloudflare workerd: the .wasm import is a compiled WebAssembly.Module there, so the
// module is instantiated synchronously at import and no init call is needed.
import * as glue from "./web/vomo_users.mjs";
import wasmModule from "./web/vomo_users_bg.wasm";
import { createApi, VomoError } from "./facade/index.mjs";

glue.initSync({ module: wasmModule });

/** A no-op in workerd. */
export default async function init() {}

export const { /* @PUBLIC_NAMES@ */ } = createApi(glue);
export { VomoError, init };
