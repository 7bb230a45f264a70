// The Node CommonJS entries (index.cjs, parse/index.cjs) are the same code over different
// glue: instantiate the .wasm synchronously once, then export the API; `init()` has nothing
// to wait for. The .wasm is looked for where the entry's `read` says (next to index.cjs, by
// `__dirname`), then where index.mjs says through `Symbol.for("vomo-users.loadWasm")` (next
// to itself, by `new URL(…, import.meta.url)`, which is what bundlers follow and rewrite).
// The first can miss: an ES module bundle has no __dirname, and a bundler may emit the .wasm
// under a name of its own (webpack and Parcel for Node) or point __dirname back at the
// package's folder (Parcel). So a failed read is not thrown at load: until a load succeeds,
// every call throws a VomoError naming each place tried, `init()` rejects with it, and
// `init(bytes | WebAssembly.Module | path | file URL | Response | Request)` loads the .wasm from elsewhere.
import { VomoError } from "./errors.mjs";
import { guardGlue } from "./guard-glue.mjs";
import { nodeFs, isFileUrl, readFailure } from "./local-file.mjs";
import { isArrayBuffer } from "./realm.mjs";

/** What `init(input)` was given, as bytes or a module `initSync` takes. */
function wasmSource(input) {
  if (input instanceof WebAssembly.Module || isArrayBuffer(input) || ArrayBuffer.isView(input)) return input;
  if (typeof input === "string" || input instanceof URL) {
    const fs = nodeFs();
    if (!fs) throw new TypeError("reading a path needs Node 20.16 or later (process.getBuiltinModule); pass the file's bytes instead");
    return fs.readFileSync(isFileUrl(input) ? new URL(input) : String(input));
  }
  throw new TypeError(`init() takes the .wasm's bytes, a WebAssembly.Module, a path, a file: URL, a Response or a Request (got ${input === null ? "null" : typeof input})`);
}

/**
 * Fills `target` (the entry's `exports`) with `createApi(glue)`, `init` and the loader.
 * `entry` ("vomo-users", "vomo-users/parse") and `file` (the .wasm's path in the package)
 * are for messages; `read`, when the entry knows its folder: `{ where, bytes() }`, as the
 * loader under `Symbol.for("vomo-users.loadWasm")` takes it (`where` may be a function).
 */
export function nodeEntry(target, glue, createApi, { entry, file, read }) {
  let loaded = false;
  // { where, error } of each load that failed: the entry's own places (at most two), then the
  // latest `init(input)` that failed alone, so that a retry loop's message does not grow.
  const tried = [];
  let fromInit = null;
  const failures = () => (fromInit ? [...tried, fromInit] : tried);

  /**
   * Instantiates the wasm from `bytes()` unless it is loaded; a failure is noted with `where`
   * (the place, or a function that names it), not thrown. `byInit`: a load `init(input)` asked for.
   */
  function load(where, bytes, byInit = false) {
    if (loaded) return;
    try {
      glue.initSync({ module: bytes() });
      loaded = true;
    } catch (error) {
      let place = where;
      try {
        if (typeof where === "function") place = where();
      } catch {
        place = "next to its index.mjs (no import.meta.url in this bundle)";
      }
      if (byInit) fromInit = { where: place, error };
      else tried.push({ where: place, error });
    }
  }

  function check() {
    if (loaded) return;
    const last = failures().at(-1)?.error;
    // Each place once (unbundled, index.cjs and index.mjs name the same file); an fs error by
    // its code, since its message repeats the path.
    const places = [...new Map(failures().map((t) => [t.where, t.error?.code ?? t.error?.message ?? String(t.error)]))]
      .map(([where, why]) => `${where}: ${why}`);
    const { kind, advice } = readFailure(last, file, places.length > 1 ? "to one of those places" : "to that place");
    throw new VomoError(kind,
      `${entry} could not load its .wasm (tried ${places.join("; ") || "nowhere yet"}); ${advice}, or pass its bytes or ` +
      "path to `await init(...)` (docs/bundlers.md in the package has a recipe per bundler)",
      last === undefined ? {} : { cause: last });
  }

  if (read) load(read.where, read.bytes);
  /** A no-op once the wasm is loaded; otherwise loads it from `input` if given, or rejects saying why not. */
  const init = async (input) => {
    if (!loaded && input !== undefined) {
      // (A Response made in code has the url "": named as the argument then.)
      const where = String(input?.href ?? (input?.url || (typeof input === "string" ? input : "init() argument")));
      // A Response or a Request, as the browsers' init takes them (the declarations are one
      // text for every runtime): its bytes; a body that cannot be read is a failed load.
      let source = input;
      try {
        if (typeof Request === "function" && input instanceof Request) source = await fetch(input);
        if (typeof Response === "function" && source instanceof Response) source = new Uint8Array(await source.arrayBuffer());
      } catch (error) {
        fromInit = { where, error };
        check();
      }
      load(where, () => wasmSource(source), true);
    }
    check();
  };
  Object.defineProperty(target, "__esModule", { value: true });
  // Checked calls only while the wasm is not loaded: a Proxy costs on every call.
  Object.assign(target, createApi(loaded ? glue : guardGlue(glue, check)));
  target.init = init;
  target.default = init;
  Object.defineProperty(target, Symbol.for("vomo-users.loadWasm"), { value: ({ where, bytes }) => load(where, bytes) });
  // For index.mjs inside a bundle whose CommonJS interop honours `__esModule` (Rollup's
  // commonjs plugin): its default import of this module is then `init`, which leads back here.
  Object.defineProperty(init, Symbol.for("vomo-users.exports"), { value: target });
}
