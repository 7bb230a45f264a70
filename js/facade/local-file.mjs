// Reading a .wasm from a `file:` URL, for the code paths that may run in Node without
// having imported `node:fs` (the browser entries, which a bundler may hand to Node, and
// `init(url)` in Node): `process.getBuiltinModule` (Node 20.16+) gives `fs` without an
// import statement a browser bundler would try to follow. Node's `fetch` has no `file:`.

/** The `fs` module when this is Node with `process.getBuiltinModule`; otherwise null. */
export function nodeFs() {
  const get = globalThis.process?.getBuiltinModule;
  return typeof get === "function" ? get("node:fs") : null;
}

/** Whether `source` (a string or URL) is a `file:` URL. */
export function isFileUrl(source) {
  try {
    return new URL(source).protocol === "file:";
  } catch {
    return false;
  }
}
