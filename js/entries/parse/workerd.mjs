// `vomo-users/parse` in Cloudflare workerd: the parse-only .wasm import is a compiled
// WebAssembly.Module there, so it is instantiated synchronously at import and no init call
// is needed (as js/entries/workerd.mjs).
import * as glue from "./web/vomo_users_parse.mjs";
import wasmModule from "./web/vomo_users_parse_bg.wasm";
import { createParseApi, VomoError } from "../facade/parse.mjs";

glue.initSync({ module: wasmModule });

/** A no-op in workerd. */
export default async function init() {}

export const { parseUserPage, parseUserDetail, parseUser } = createParseApi(glue);
export { VomoError, init };
