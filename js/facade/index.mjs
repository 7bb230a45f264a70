// The JS façade over the wasm glue. It only adapts: JSON text to objects, plain error
// objects to VomoError, Rust cursors to async iterators. Decisions stay in Rust.

import { VomoError, toVomoError, guard, settle, usePolicy, watchPanics } from "./errors.mjs";
import { makeClientClass } from "./client.mjs";
import { MemoryStore } from "./stores.mjs";
import { makePollerClass } from "./poller.mjs";
import { makeImport } from "./import.mjs";

export { VomoError, toVomoError, MemoryStore };

function bodyText(body, fnName) {
  if (typeof body === "string") return body;
  if (body === undefined) throw new VomoError("parse", `${fnName}: no body given`);
  return JSON.stringify(body);
}

function idList(ids, name) {
  if (ids == null) return undefined;
  if (!(ids instanceof Set) && !Array.isArray(ids)) {
    throw new VomoError("invalid_input", `${name} must be a Set<number> or an array of numbers`);
  }
  return Float64Array.from(ids, Number);
}


function deepFreeze(value) {
  if (value && typeof value === "object") Object.values(Object.freeze(value)).forEach(deepFreeze);
  return value;
}

/** Builds the public API over one loaded glue module. */
export function createApi(glue) {
  watchPanics(glue);
  // The rules the Rust core decides (error kinds, retryable kinds, filter names, defaults,
  // version), read once on first use: in browsers the wasm is loaded by `init()`.
  let cached;
  const policy = () => (cached ??= deepFreeze(JSON.parse(glue.policy())));
  usePolicy(policy);
  // Bytes, not a string: TextEncoder is native, where wasm-bindgen copies a string into wasm
  // one character at a time (as long as a whole JSON.parse of the page).
  const utf8 = new TextEncoder(), fromUtf8 = new TextDecoder();
  // The text is encoded straight into wasm memory (no Uint8Array per page; see pageInput),
  // and the JSON text read back from there (see parseUserPageInput).
  const parseUserPage = guard((body) => {
    const text = bodyText(body, "parseUserPage"), room = text.length * 3;
    const at = glue.pageInput(room);
    const { written } = utf8.encodeInto(text, new Uint8Array(glue.wasmMemory().buffer, at, room));
    const length = glue.parseUserPageInput(written);
    return JSON.parse(fromUtf8.decode(new Uint8Array(glue.wasmMemory().buffer, glue.pageOutput(), length)));
  });
  const parseUserDetail = guard((body) => JSON.parse(glue.parseUserDetailJson(bodyText(body, "parseUserDetail"))));
  const parseUser = guard((obj) => JSON.parse(glue.parseUserJson(bodyText(obj, "parseUser"))).user);
  const classifyChange = guard((user, knownIds) =>
    glue.classifyChange(JSON.stringify(user), idList(knownIds, "knownIds")));
  const diffParticipations = guard((previous, current) =>
    JSON.parse(glue.diffParticipationsJson(JSON.stringify(previous ?? []), JSON.stringify(current ?? []))));
  const totalHours = guard((participations) => glue.totalHours(JSON.stringify(participations ?? [])));
  const parseRosterCsv = guard((text) => {
    if (typeof text !== "string") throw new VomoError("invalid_input", "parseRosterCsv: text must be a string");
    return JSON.parse(glue.parseRosterCsvJson(text));
  });
  const findMissingIds = guard((currentIds, knownIds) =>
    Array.from(glue.findMissingIds(idList(currentIds, "currentIds") ?? new Float64Array(),
                                   idList(knownIds, "knownIds") ?? new Float64Array())));
  const VomoClient = makeClientClass(glue);
  const UserPoller = makePollerClass(glue);
  const { importRoster, findOrCreateUser } = makeImport(glue);
  return {
    VomoError, VomoClient, UserPoller, MemoryStore, importRoster, findOrCreateUser, parseUserPage, parseUserDetail, parseUser, classifyChange,
    diffParticipations, totalHours, findMissingIds, parseRosterCsv, policy: guard(policy),
    // For the package's own tests: a panic inside Rust, now or inside an async task.
    [Symbol.for("vomo-users.testPanic")]: (message, later) => settle(Promise.resolve().then(() => guard(glue.__testPanic)(message, later))),
  };
}
