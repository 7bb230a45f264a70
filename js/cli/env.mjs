// The environment as the runtime lets the command read it. Deno without `--allow-env` (or
// with it for other names) throws on reading a variable, enumerating them too; the command
// must still say what is wrong in one line, not die with a stack trace. A variable that only
// tunes the output (NO_COLOR, a terminal's) reads as unset when refused; one the command's
// outcome depends on (the token, the base URL, the state home) fails with a `forbidden`
// VomoError naming the variable and the flag, when the command reads it.
import { VomoError } from "vomo-users";
import { permissionRefused as refused } from "../facade/permission.mjs";

const NEEDED = new Set(["VOMO_TOKEN", "VOMO_BASE_URL", "XDG_STATE_HOME"]);

/** `env` (process.env) wrapped so that a refused read follows the rules above. */
export function readableEnv(env) {
  const read = (name) => {
    try {
      return env[name];
    } catch (e) {
      if (!refused(e)) throw e;
      if (!NEEDED.has(name)) return undefined;
      throw new VomoError("forbidden", `this process may not read the environment variable ${name} (Deno: --allow-env=${name})`
        + (name === "VOMO_TOKEN" ? "; or give the token with --token-file PATH" : ""), { cause: e });
    }
  };
  return new Proxy({}, {
    get: (_, name) => (typeof name === "string" ? read(name) : undefined),
    has: (_, name) => typeof name === "string" && read(name) !== undefined,
    ownKeys: () => {
      try {
        return Reflect.ownKeys(env);
      } catch (e) {
        if (refused(e)) return [];
        throw e;
      }
    },
    getOwnPropertyDescriptor: (_, name) => {
      const value = typeof name === "string" ? read(name) : undefined;
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
  });
}
