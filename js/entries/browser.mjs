// Browsers: await the default export `init()` once before first use. Before that, every
// call that needs the wasm throws a VomoError saying so (facade/browser-init.mjs).
import initWasm, * as glue from "./web/vomo_users.mjs";
import { createApi, VomoError } from "./facade/index.mjs";
import { browserInit } from "./facade/browser-init.mjs";

const loader = browserInit({
  entry: "vomo-users", file: "web/vomo_users_bg.wasm", initWasm, glue,
  // The URL is written out here so that bundlers (webpack 5, Vite) emit the .wasm with the app.
  defaultUrl: () => new URL("./web/vomo_users_bg.wasm", import.meta.url),
});

/**
 * Loads the wasm (from `web/` next to this file unless `input`, a URL, Request, Response,
 * bytes or WebAssembly.Module, says otherwise). Idempotent; after a failure, tries again.
 */
export default function init(input) {
  return loader.init(input);
}

export const { /* @PUBLIC_NAMES@ */ } = createApi(loader.glue);
export { VomoError, init };
