// parseUserPage, parseUserDetail and parseUser over one glue module: the full build's
// (facade/index.mjs) or the parse-only build's (facade/parse.mjs, `vomo-users/parse`).
// Both export the same three Rust functions under the same names.

import { VomoError, guard } from "./errors.mjs";
import { checkOptions } from "./options.mjs";
import { ignoringFailures } from "./call.mjs";
import { isArrayBuffer, isUint8Array } from "./realm.mjs";

// A response's bytes are read as `Response.text()` reads them: UTF-8, a BOM dropped, a bad
// sequence replaced. (JSON.stringify would have made `{"0":123,...}` of them: "data: missing".)
const bytesDecoder = new TextDecoder();

function bodyText(body, fnName) {
  if (typeof body === "string") return body;
  if (body === undefined) throw new VomoError("parse", `${fnName}: no body given`);
  if (isUint8Array(body) || isArrayBuffer(body)) return bytesDecoder.decode(body);
  let text;
  try {
    text = JSON.stringify(body);
  } catch (e) { // a circular structure, a BigInt, a throwing toJSON
    throw new VomoError("parse", `${fnName}: the body given is not JSON (${e?.message ?? e}): pass the response's text or its parsed JSON`);
  }
  if (text === undefined) throw new VomoError("parse", `${fnName}: a ${typeof body} is not a body: pass the response's text or its parsed JSON`);
  return text;
}

export function makeParsers(glue) {
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
  // One user has no `warnings` list of its own (a page and a detail have): what the parser
  // coerced or met unknown goes to `onWarning`, each message once (what it throws, or the
  // promise it returns rejects with, is ignored: `ignoringFailures`, as the client's hooks).
  const parseUser = guard((obj, options) => {
    checkOptions(options ?? {}, ["onWarning"], "parseUser");
    const onWarning = options?.onWarning;
    if (onWarning != null && typeof onWarning !== "function") throw new VomoError("invalid_input", "parseUser: onWarning must be a function");
    const { user, warnings } = JSON.parse(glue.parseUserJson(bodyText(obj, "parseUser")));
    if (onWarning) warnings.forEach(ignoringFailures(onWarning));
    return user;
  });
  return { parseUserPage, parseUserDetail, parseUser };
}
