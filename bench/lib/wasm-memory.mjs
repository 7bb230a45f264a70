// The package loaded (its CommonJS entry) with its one wasm memory captured as it is
// instantiated, for the memory benches: the memory is not among the package's exports.
import { createRequire } from "node:module";
import { join } from "node:path";

/** `{ api, memory }`: the package in `pkgDir`, and a function giving its wasm memory's size in bytes. */
export function loadWithWasmMemory(pkgDir) {
  const memories = [];
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    if (instance.exports.memory) memories.push(instance.exports.memory);
    return instance;
  };
  WebAssembly.Instance.prototype = Instance.prototype;
  const api = createRequire(import.meta.url)(join(pkgDir, "index.cjs"));
  return { api, memory: () => memories[0].buffer.byteLength };
}
