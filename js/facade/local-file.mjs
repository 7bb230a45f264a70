// Reading a .wasm from a `file:` URL, for the code paths that may run in Node without
// having imported `node:fs` (the browser entries, which a bundler may hand to Node, and
// `init(url)` in Node): `process.getBuiltinModule` (Node 20.16+) gives `fs` without an
// import statement a browser bundler would try to follow. Node's `fetch` has no `file:`.
import { permissionRefused } from "./permission.mjs";

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

/**
 * What a failed read of the .wasm means, as a VomoError kind and what to do: a missing file
 * (`not_found`: copy it there) or a runtime that may not read it (`forbidden`: Deno without
 * `--allow-read`, Node's permission model without `--allow-fs-read`, a file mode), else
 * `invalid_input`. `place` is "there" or "to one of those places"; `file` the package path.
 */
export function readFailure(error, file, place) {
  const code = error?.code;
  if (permissionRefused(error) || code === "EACCES" || code === "EPERM") {
    return { kind: "forbidden", advice: "this process may not read it: allow reading the package's folder " +
      "(Deno: --allow-read; Node's permission model: --allow-fs-read)" };
  }
  // No file there: missing, or a place that is no file at all (a bundler turned the .wasm's
  // URL into a web path: Next's /_next/static/..., which fs cannot read).
  const nowhere = ["ENOENT", "ENOTDIR", "ERR_INVALID_URL_SCHEME", "ERR_INVALID_FILE_URL_PATH", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_URL"];
  return { kind: nowhere.includes(code) ? "not_found" : "invalid_input",
    advice: `copy the package's ${file} ${place}` };
}
