// `vomo-users/parse` in browsers: only the parse-only .wasm (parse/web/), about a third of
// the main one. Await the default export `init()` once before first use, as for the main
// entry (facade/browser-init.mjs).
import initWasm, * as glue from "./web/vomo_users_parse.mjs";
import { createParseApi, VomoError } from "../facade/parse.mjs";
import { browserInit } from "../facade/browser-init.mjs";

const loader = browserInit({
  entry: "vomo-users/parse", file: "parse/web/vomo_users_parse_bg.wasm", initWasm, glue,
  // The URL is written out here so that bundlers (webpack 5, Vite) emit the .wasm with the app.
  defaultUrl: () => new URL("./web/vomo_users_parse_bg.wasm", import.meta.url),
});

/**
 * Loads the parse-only wasm (from `web/` next to this file unless `input`, a URL, Request,
 * Response, bytes or WebAssembly.Module, says otherwise). Idempotent; after a failure,
 * tries again.
 */
export default function init(input) {
  return loader.init(input);
}

export const { parseUserPage, parseUserDetail, parseUser } = createParseApi(loader.glue);
export { VomoError, init };
