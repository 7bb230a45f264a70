// `init()` of the browser entries (browser.mjs and parse/browser.mjs, each over its own
// wasm-bindgen web glue and .wasm): fetches and instantiates the .wasm once, with errors
// that say what to do; until then every glue function throws a VomoError saying to call it.
import { VomoError } from "./errors.mjs";
import { guardGlue } from "./guard-glue.mjs";
import { nodeFs, isFileUrl, readFailure } from "./local-file.mjs";

/**
 * `entry`: the import specifier ("vomo-users", "vomo-users/parse"), for messages; `file`:
 * the .wasm's path in the package, for messages; `defaultUrl()`: that .wasm next to the
 * entry (written out in the entry itself, where bundlers look for it); `initWasm` and
 * `glue`: the web glue's default export and module.
 * Returns `{ init, glue }`: the entry's default export and the checked glue for its façade.
 */
export function browserInit({ entry, file, defaultUrl, initWasm, glue }) {
  let ready;
  let loaded = false;
  /**
   * Loads the wasm (from next to the entry unless `input`, a URL, Request, Response,
   * bytes or WebAssembly.Module, says otherwise). Idempotent; after a failure, tries again.
   */
  function init(input) {
    ready ??= load(input).then(() => { loaded = true; }, (e) => { ready = undefined; throw e; });
    return ready;
  }

  const help = `serve the package's ${file} at that URL (docs/bundlers.md in the package has a recipe per bundler) or pass its URL to init()`;
  // When init() was given no URL (a Response built in memory, bytes), there is no "that URL".
  const helpFor = (from) => from ? help : `pass init() the package's ${file}: its URL, a Response, its bytes or a WebAssembly.Module (docs/bundlers.md in the package has a recipe per bundler)`;

  // What init() takes: a URL (text, URL or Request), a Response, the bytes or a compiled
  // module. Anything else is refused by name rather than handed to WebAssembly.instantiate,
  // whose message ("Argument 0 must be a buffer source") does not say what init() wanted.
  const tag = (x) => Object.prototype.toString.call(x);
  const isBytes = (x) => ArrayBuffer.isView(x) || tag(x) === "[object ArrayBuffer]" || tag(x) === "[object SharedArrayBuffer]";
  const isModule = (x) => x instanceof WebAssembly.Module || tag(x) === "[object WebAssembly.Module]";
  const isResponse = (x) => typeof Response === "function" && x instanceof Response;

  async function load(input) {
    // A promise (`init(fetch(url))`, which wasm-bindgen's own init takes) is awaited first.
    let source = await input;
    if (source == null) {
      try {
        source = defaultUrl();
      } catch (e) {
        // A bundle that is not an ES module (esbuild's default IIFE, a CommonJS bundle for a
        // page) has no import.meta.url, and `new URL(…, undefined)` says only "Invalid URL".
        throw new VomoError("invalid_input", `${entry}: init() was given no URL, and this bundle has no import.meta.url to find its .wasm by `
          + `(a page bundled as an IIFE or CommonJS): bundle it as an ES module (esbuild --format=esm) or pass the .wasm's URL to init() `
          + "(docs/bundlers.md in the package has a recipe per bundler)", { cause: e });
      }
    }
    let from = "";
    const url = typeof source === "string" ? source : source instanceof URL ? source.href
      : typeof Request === "function" && source instanceof Request ? source.url : null;
    if (url === null && !isResponse(source) && !isBytes(source) && !isModule(source)) {
      const got = Array.isArray(source) ? "an array" : typeof source === "object" ? `an object (${tag(source).slice(8, -1)})` : `a ${typeof source}`;
      throw new VomoError("invalid_input", `${entry}: init() takes the .wasm's URL (a string or URL), a Request, a Response, its bytes (an ArrayBuffer or typed array) or a WebAssembly.Module (got ${got})`);
    }
    if (url !== null) from = ` from ${url}`;
    // In Node (a bundler that resolved this browser entry for a Node build: Parcel's default,
    // tools that read the `module` field), whose fetch has no file: URLs.
    const fs = url !== null && isFileUrl(url) ? nodeFs() : null;
    if (fs) {
      try {
        source = fs.readFileSync(new URL(url));
      } catch (e) {
        const { kind, advice } = readFailure(e, file, "there");
        throw new VomoError(kind, `${entry} could not read its .wasm${from}: ${e.message}; ${advice} (docs/bundlers.md in the package has a recipe per bundler) or pass its path or bytes to init()`, { cause: e });
      }
    } else if (url !== null) {
      try {
        source = await fetch(source);
      } catch (e) {
        throw new VomoError("network", `${entry} could not fetch its .wasm${from}: ${e.message}`, { cause: e });
      }
    } else if (isResponse(source) && source.url) {
      from = ` from ${source.url}`;
    }
    // A Response, fetched here or passed in, is checked alike: a failed one or an HTML page
    // where the .wasm should be (a dev server's fallback: Vite pre-bundling, an SPA route).
    if (isResponse(source)) {
      if (!source.ok) {
        throw new VomoError(source.status === 404 ? "not_found" : "network",
          `${entry} could not fetch its .wasm${from}: HTTP ${source.status}; ${helpFor(from)}`, { status: source.status });
      }
      if (/^text\/html/i.test(source.headers.get("content-type") ?? "")) {
        throw new VomoError("invalid_input", `${entry} fetched an HTML page, not its .wasm,${from}; ${helpFor(from)}`);
      }
    }
    try {
      await initWasm({ module_or_path: source });
    } catch (e) {
      throw new VomoError("invalid_input", `${entry} could not instantiate its .wasm${from}: ${e.message}; ${helpFor(from)}`, { cause: e });
    }
  }

  function assertLoaded() {
    if (!loaded) {
      throw new VomoError("invalid_input",
        `${entry} is not initialized: call \`await init()\` (the package's default export) once before using it (its browser entry, which browsers, Web Workers and a bundler's browser build load)`);
    }
  }

  return { init, glue: guardGlue(glue, assertLoaded) };
}
