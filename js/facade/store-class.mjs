// What every store class of the package shares: the values it takes, and `instanceof`.
import { VomoError } from "./errors.mjs";

/**
 * A store keeps text: UserPoller and importRoster write JSON strings. Anything else is refused,
 * where `String(value)` would have kept `"[object Object]"` or `"undefined"` without a word.
 */
export function storedText(value, who) {
  if (typeof value !== "string") {
    throw new VomoError("invalid_input", `${who}: a value must be a string (UserPoller and importRoster store JSON text), got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  }
  return value;
}

/**
 * `import` and `require` load different files (stores/index.mjs and stores/index.cjs; the
 * main entry's browser and Node builds), so each store class exists in more than one copy, and
 * `store instanceof FileStore` failed for a store made by the other copy. Every copy marks its
 * prototype with one registered symbol, and `instanceof` asks for the mark, as VomoError's
 * does (js/facade/errors.mjs). `name` is given, since a bundler may rename the class.
 */
export function markStoreClass(Class, name) {
  const mark = Symbol.for(`vomo-users.${name}`);
  Object.defineProperty(Class.prototype, mark, { value: true });
  Object.defineProperty(Class, Symbol.hasInstance, {
    value(value) {
      if (this !== Class) return Function.prototype[Symbol.hasInstance].call(this, value);
      return value != null && typeof value === "object" && value[mark] === true;
    },
  });
}
