// The Node CommonJS entries (index.cjs, parse/index.cjs) are the same code over different
// glue: instantiate the .wasm synchronously once, then export the API with a no-op `init`.
// The entry passes how to read its .wasm when it knows its folder (`__dirname`); inside an
// ES module bundle it does not, and its index.mjs loads the .wasm through the exported
// `Symbol.for("vomo-users.loadWasm")` instead.

/** Fills `target` (the entry's `exports`) with `createApi(glue)`, `init` and the loader. */
export function nodeEntry(target, glue, createApi, readWasm) {
  let loaded = false;
  /** Instantiates the wasm once, from `bytes()`; later calls do nothing. */
  const loadWasm = (bytes) => {
    if (loaded) return;
    glue.initSync({ module: bytes() });
    loaded = true;
  };
  if (readWasm) loadWasm(readWasm);
  /** A no-op in Node: the module is ready when `require` returns. */
  const init = async () => {};
  Object.defineProperty(target, "__esModule", { value: true });
  Object.assign(target, createApi(glue));
  target.init = init;
  target.default = init;
  Object.defineProperty(target, Symbol.for("vomo-users.loadWasm"), { value: loadWasm });
  // For index.mjs inside a bundle whose CommonJS interop honours `__esModule` (Rollup's
  // commonjs plugin): its default import of this module is then `init`, which leads back here.
  Object.defineProperty(init, Symbol.for("vomo-users.exports"), { value: target });
}
