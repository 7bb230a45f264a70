// Browsers: await the default export `init()` once before first use.
import initWasm, * as glue from "./web/vomo_users.js";
import { createApi, VomoError } from "./facade/index.mjs";

let ready;
/** Loads the wasm (from next to this file unless `input` says otherwise). Idempotent. */
export default function init(input) {
  ready ??= initWasm(input === undefined ? undefined : { module_or_path: input });
  return ready.then(() => undefined);
}

export const { /* @PUBLIC_NAMES@ */ } = createApi(glue);
export { VomoError };
