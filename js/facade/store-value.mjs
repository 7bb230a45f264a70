// What every store of the package takes as a value.
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
