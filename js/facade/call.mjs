// The options bag every client, poller and import call takes last: `{ signal, timeoutMs,
// maxRetries }`. It goes to the Rust core as is (the core validates the numbers and applies
// them to this call only); the transport and sleeps read its `signal`.
import { VomoError } from "./errors.mjs";

export function callOf(options, who) {
  if (options == null) return undefined;
  if (typeof options !== "object") throw new VomoError("invalid_input", `${who}: options must be an object`);
  const { signal, timeoutMs, maxRetries } = options;
  return { signal, timeoutMs, maxRetries };
}
