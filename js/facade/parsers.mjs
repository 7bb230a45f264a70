// parseUserPage, parseUserDetail and parseUser over one glue module: the full build's
// (facade/index.mjs) or the parse-only build's (facade/parse.mjs, `vomo-users/parse`).
// Both export the same three Rust functions under the same names.

import { VomoError, guard } from "./errors.mjs";

function bodyText(body, fnName) {
  if (typeof body === "string") return body;
  if (body === undefined) throw new VomoError("parse", `${fnName}: no body given`);
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
  const parseUser = guard((obj) => JSON.parse(glue.parseUserJson(bodyText(obj, "parseUser"))).user);
  return { parseUserPage, parseUserDetail, parseUser };
}
