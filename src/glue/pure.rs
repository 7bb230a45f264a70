//! The pure functions of API.md. Each takes text or numbers and returns JSON text.

use super::error::{to_js_error, to_json, JsResult};
use crate::changes;
use crate::error::VomoError;
use crate::model::Participation;
use crate::parse;
use serde::Serialize;
use std::collections::HashSet;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_name = parseUserPageJson)]
pub fn parse_user_page_json(text: &str) -> JsResult<String> {
    parse::user_page_json(text).map_err(to_js_error)
}

/// The same over UTF-8 bytes (the façade's `TextEncoder.encode` of the text): a byte array
/// crosses into wasm as one copy, where a string is copied character by character.
#[wasm_bindgen(js_name = parseUserPageBytes)]
pub fn parse_user_page_bytes(bytes: &[u8]) -> JsResult<String> {
    parse::user_page_parts_utf8(bytes).and_then(parse::PageJson::into_json).map_err(to_js_error)
}

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

/// Parses the first `len` bytes written at [`page_input`] (like [`parse_user_page_bytes`])
/// and returns the length of the page's JSON text, left at [`page_output`] for the façade to
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

/// Ids from JS numbers: whole numbers within the safe-integer range, else `parse` (an `as`
/// cast would saturate or truncate them silently).
fn safe_ids(ids: Vec<f64>, what: &str) -> JsResult<Vec<i64>> {
    let max = crate::parse::MAX_SAFE_INTEGER as f64;
    ids.into_iter()
        .enumerate()
        .map(|(i, f)| {
            if f.is_finite() && f.fract() == 0.0 && f.abs() <= max {
                Ok(f as i64)
            } else {
                Err(to_js_error(VomoError::parse(&format!("{what}[{i}]"), format_args!("not a safe integer id: {f}"))))
            }
        })
        .collect()
}

#[wasm_bindgen(js_name = classifyChange)]
pub fn classify_change(user_json: &str, known_ids: Option<Vec<f64>>) -> JsResult<String> {
    let user: crate::model::User = serde_json::from_str(user_json)
        .map_err(|e| to_js_error(VomoError::invalid_input(format!("classifyChange: not a User ({e})"))))?;
    let known: Option<HashSet<i64>> = match known_ids {
        Some(ids) => Some(safe_ids(ids, "knownIds")?.into_iter().collect()),
        None => None,
    };
    Ok(changes::classify_change(&user, known.as_ref()).as_str().to_string())
}

fn participations(json: &str, which: &str) -> JsResult<Vec<Participation>> {
    serde_json::from_str(json).map_err(|e| {
        to_js_error(VomoError::invalid_input(format!("diffParticipations: {which} is not a Participation[] ({e})")))
    })
}

#[derive(Serialize)]
struct ChangedJson<'a> {
    before: &'a Participation,
    after: &'a Participation,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    added: &'a [Participation],
    removed: &'a [Participation],
    changed: Vec<ChangedJson<'a>>,
}

#[wasm_bindgen(js_name = diffParticipationsJson)]
pub fn diff_participations_json(previous: &str, current: &str) -> JsResult<String> {
    let d = changes::diff_participations(&participations(previous, "previous")?, &participations(current, "current")?);
    to_json(&DiffJson {
        added: &d.added,
        removed: &d.removed,
        changed: d.changed.iter().map(|(before, after)| ChangedJson { before, after }).collect(),
    })
}

#[wasm_bindgen(js_name = totalHours)]
pub fn total_hours(participations_json: &str) -> JsResult<f64> {
    Ok(changes::total_hours(&participations(participations_json, "participations")?))
}

#[wasm_bindgen(js_name = findMissingIds)]
pub fn find_missing_ids(current: Vec<f64>, known: Vec<f64>) -> JsResult<Vec<f64>> {
    let (current, known) = (safe_ids(current, "currentIds")?, safe_ids(known, "knownIds")?);
    Ok(changes::find_missing_ids(&current, &known).into_iter().map(|i| i as f64).collect())
}

#[wasm_bindgen(js_name = parseRosterCsvJson)]
pub fn parse_roster_csv_json(text: &str) -> JsResult<String> {
    to_json(&crate::roster_csv::parse_roster_csv(text).map_err(to_js_error)?)
}

