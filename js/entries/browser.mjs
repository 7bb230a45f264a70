// Browsers: await the default export `init()` once before first use. Before that, every
// call that needs the wasm throws a VomoError saying so.
import initWasm, * as glue from "./web/vomo_users.mjs";
import { createApi, VomoError } from "./facade/index.mjs";

let ready;
let loaded = false;
/** Loads the wasm (from `web/` next to this file unless `input` says otherwise). Idempotent. */
export default function init(input) {
  // The URL is written out here so that bundlers (webpack 5, Vite) emit the .wasm with the app.
  ready ??= initWasm({ module_or_path: input ?? new URL("./web/vomo_users_bg.wasm", import.meta.url) })
    .then(() => { loaded = true; });
  return ready;
}

function assertLoaded() {
  if (!loaded) {
    throw new VomoError("invalid_input",
      "vomo-users is not initialized: call `await init()` (the package's default export) once before using it in a browser");
  }
}

// The glue as the façade sees it: each of its functions and classes checks first that the
// wasm is loaded (a Proxy, so that `new`, static members and instanceof still work).
const checkedGlue = Object.fromEntries(Object.entries(glue).map(([name, value]) => [name,
  typeof value !== "function" ? value : new Proxy(value, {
    apply(target, self, args) { assertLoaded(); return Reflect.apply(target, self, args); },
    construct(target, args, newTarget) { assertLoaded(); return Reflect.construct(target, args, newTarget); },
  })]));

export const { /* @PUBLIC_NAMES@ */ } = createApi(checkedGlue);
export { VomoError };
