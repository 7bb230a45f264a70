// The JS façade over the wasm glue. It only adapts: JSON text to objects, plain error
// objects to VomoError, Rust cursors to async iterators. Decisions stay in Rust.

import { VomoError, toVomoError, guard, usePolicy, testPanic, watchPanics } from "./errors.mjs";
import { makeParsers } from "./parsers.mjs";
import { makeClientClass } from "./client.mjs";
import { MemoryStore } from "./stores.mjs";
import { makePollerClass } from "./poller.mjs";
import { makeImport } from "./import.mjs";
import { idList } from "./ids.mjs";
import { isArrayBuffer, isUint8Array } from "./realm.mjs";

export { VomoError, toVomoError, MemoryStore };
export { nodeEntry } from "./node-entry.mjs";

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
  const { parseUserPage, parseUserDetail, parseUser } = makeParsers(glue);
  const classifyChange = guard((user, knownIds) =>
    glue.classifyChange(JSON.stringify(user), idList(knownIds, "classifyChange", "knownIds")));
  const diffParticipations = guard((previous, current) =>
    JSON.parse(glue.diffParticipationsJson(JSON.stringify(previous ?? []), JSON.stringify(current ?? []))));
  const totalHours = guard((participations) => glue.totalHours(JSON.stringify(participations ?? [])));
  // A file's bytes are decoded in Rust, which refuses what is not UTF-8 (a decoder in JS
  // would put U+FFFD in the names and send them).
  const parseRosterCsv = guard((input) => {
    if (typeof input === "string") return JSON.parse(glue.parseRosterCsvJson(input));
    if (isArrayBuffer(input)) input = new Uint8Array(input);
    if (isUint8Array(input)) return JSON.parse(glue.parseRosterCsvBytes(input));
    throw new VomoError("invalid_input", `parseRosterCsv: the roster must be a string, a Uint8Array or an ArrayBuffer (got ${input === null ? "null" : typeof input})`);
  });
  // JSON carries the cells: `undefined` becomes null (an empty cell), as in any JSON array.
  // What JSON would change without a word is refused here, naming the cell: NaN and Infinity
  // (written as null), a Date (its ISO text), a BigInt (a TypeError), a lone surrogate.
  const toRosterCsv = guard((rows) => {
    if (Array.isArray(rows)) rows.forEach((row, r) => Array.isArray(row) && row.forEach((cell, c) => {
      const ok = cell == null || (typeof cell === "string" && cell.isWellFormed?.() !== false) || (typeof cell === "number" && Number.isFinite(cell));
      if (!ok) {
        const got = typeof cell === "number" ? String(cell) : typeof cell === "string" ? "a string with a lone surrogate" : cell instanceof Date ? "a Date" : typeof cell;
        throw new VomoError("invalid_input", `toRosterCsv: rows[${r}][${c}] must be a string, a finite number or null (got ${got})`);
      }
    }));
    return glue.toRosterCsvJson(JSON.stringify(rows ?? null));
  });
  const redactToken = guard((text, token) => {
    if (typeof text !== "string" || typeof token !== "string") {
      throw new VomoError("invalid_input", `redactToken: text and token must be strings (got ${text === null ? "null" : typeof text} and ${token === null ? "null" : typeof token})`);
    }
    return glue.redactToken(text, token);
  });
  const findMissingIds = guard((currentIds, knownIds) =>
    Array.from(glue.findMissingIds(idList(currentIds, "findMissingIds", "currentIds") ?? new Float64Array(),
                                   idList(knownIds, "findMissingIds", "knownIds") ?? new Float64Array())));
  const VomoClient = makeClientClass(glue, policy);
  const UserPoller = makePollerClass(glue);
  const { importRoster, findOrCreateUser } = makeImport(glue);
  return {
    VomoError, VomoClient, UserPoller, MemoryStore, importRoster, findOrCreateUser, parseUserPage, parseUserDetail, parseUser, classifyChange,
    diffParticipations, totalHours, findMissingIds, parseRosterCsv, toRosterCsv, redactToken, policy: guard(policy),
    // For the package's own tests: a panic inside Rust, now or inside an async task.
    [Symbol.for("vomo-users.testPanic")]: testPanic(glue),
  };
}
