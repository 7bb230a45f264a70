//! The parsers of API.md (`parseUserPage`, `parseUserDetail`, `parseUser`): text in, JSON
//! text out. With the panic hook and the error conversion, these are all the parse-only
//! build (`vomo-users/parse`, the crate without its `full` feature) exports.

use super::error::{to_js_error, to_json, JsResult};
use crate::error::VomoError;
use crate::parse;
use serde::Serialize;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Where the façade writes a page's UTF-8 text for [`parse_user_page_input`].
    static PAGE_INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The JSON text of the last page [`parse_user_page_input`] read, until the next one.
    static PAGE_OUTPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Pages larger than this do not keep their input buffer after parsing.
const KEPT_INPUT_BYTES: usize = 1 << 20;

/// The address of room for `len` bytes in wasm memory ([`wasm_memory`]), where the façade
/// encodes the page text (`TextEncoder.encodeInto`) before [`parse_user_page_input`]: the
/// text crosses once, without a JS `Uint8Array` per page (`encode` + copy took 3-9 ms per
/// 3.96 MB corpus, mostly GC; `encodeInto` about 0.5 ms).
#[wasm_bindgen(js_name = pageInput)]
pub fn page_input(len: usize) -> usize {
    PAGE_INPUT.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < len {
            b.resize(len, 0);
        }
        b.as_ptr() as usize
    })
}

/// Parses the first `len` bytes written at [`page_input`] (UTF-8: the text crosses as one
/// copy, where a string argument is copied character by character) and returns the length of the page's JSON text, left at [`page_output`] for the façade to
/// decode (`TextDecoder`) until the next call: the text crosses back as it is, where a
/// returned `String` would be checked as UTF-8 once more on the way.
#[wasm_bindgen(js_name = parseUserPageInput)]
pub fn parse_user_page_input(len: usize) -> JsResult<usize> {
    PAGE_INPUT.with(|b| {
        let result = match b.borrow().get(..len) {
            Some(bytes) => parse::user_page_parts_utf8(bytes).and_then(parse::PageJson::into_json_bytes).map_err(to_js_error),
            None => Err(to_js_error(VomoError::invalid_input(format!("parseUserPageInput: {len} bytes were not reserved")))),
        };
        if b.borrow().len() > KEPT_INPUT_BYTES {
            *b.borrow_mut() = Vec::new();
        }
        let json = result?;
        let n = json.len();
        PAGE_OUTPUT.with(|out| *out.borrow_mut() = json);
        Ok(n)
    })
}

/// The address of the JSON text of the last [`parse_user_page_input`].
#[wasm_bindgen(js_name = pageOutput)]
pub fn page_output() -> usize {
    PAGE_OUTPUT.with(|out| out.borrow().as_ptr() as usize)
}

/// The module's memory, for the façade's view at [`page_input`].
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

#[wasm_bindgen(js_name = parseUserDetailJson)]
pub fn parse_user_detail_json(text: &str) -> JsResult<String> {
    to_json(&parse::user_detail(text).map_err(to_js_error)?)
}

#[derive(Serialize)]
struct UserWithWarnings {
    user: crate::model::User,
    warnings: Vec<String>,
}

#[wasm_bindgen(js_name = parseUserJson)]
pub fn parse_user_json(text: &str) -> JsResult<String> {
    let (user, warnings) = parse::user_object(text).map_err(to_js_error)?;
    to_json(&UserWithWarnings { user, warnings })
}
