// Browsers: await the default export `init()` once before first use. Before that, every
// call that needs the wasm throws a VomoError saying so.
import initWasm, * as glue from "./web/vomo_users.mjs";
import { createApi, VomoError } from "./facade/index.mjs";

let ready;
let loaded = false;
/**
 * Loads the wasm (from `web/` next to this file unless `input`, a URL, Request, Response,
 * bytes or WebAssembly.Module, says otherwise). Idempotent; after a failure, tries again.
 */
export default function init(input) {
  ready ??= load(input).then(() => { loaded = true; }, (e) => { ready = undefined; throw e; });
  return ready;
}

const HELP = "serve the package's web/vomo_users_bg.wasm at that URL (docs/bundlers.md in the package has a recipe per bundler) or pass its URL to init()";

async function load(input) {
  // The URL is written out here so that bundlers (webpack 5, Vite) emit the .wasm with the app.
  let source = input ?? new URL("./web/vomo_users_bg.wasm", import.meta.url);
  let from = "";
  if (typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
    const url = typeof source === "string" ? source : source.href ?? source.url;
    from = ` from ${url}`;
    try {
      source = await fetch(source);
    } catch (e) {
      throw new VomoError("network", `vomo-users could not fetch its .wasm${from}: ${e.message}`, { cause: e });
    }
    if (!source.ok) {
      throw new VomoError(source.status === 404 ? "not_found" : "network",
        `vomo-users could not fetch its .wasm${from}: HTTP ${source.status}; ${HELP}`, { status: source.status });
    }
    // A dev server's fallback page where the .wasm should be (Vite pre-bundling, an SPA route).
    if (/^text\/html/i.test(source.headers.get("content-type") ?? "")) {
      throw new VomoError("invalid_input", `vomo-users fetched an HTML page, not its .wasm,${from}; ${HELP}`);
    }
  }
  try {
    await initWasm({ module_or_path: source });
  } catch (e) {
    throw new VomoError("invalid_input", `vomo-users could not instantiate its .wasm${from}: ${e.message}; ${HELP}`, { cause: e });
  }
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
