//! The pure functions of API.md beside the parsers (src/glue/parse.rs): change helpers and
//! the roster CSV. Each takes text or numbers and returns JSON text.

use super::client::json_error;
use super::error::{to_js_error, to_json, JsResult};
use crate::changes;
use crate::error::VomoError;
use crate::model::Participation;
use serde::Serialize;
use std::collections::HashSet;
use wasm_bindgen::prelude::*;

/// Ids from the caller's JS numbers: whole numbers within the safe-integer range, else
/// `parse` (issue 9: ids past 2^53 are `parse` wherever they come from) naming the function
/// and the entry (an `as` cast would saturate or truncate them silently).
fn safe_ids(ids: Vec<f64>, who: &str, what: &str) -> JsResult<Vec<i64>> {
    let max = crate::parse::MAX_SAFE_INTEGER as f64;
    ids.into_iter()
        .enumerate()
        .map(|(i, f)| {
            if f.is_finite() && f.fract() == 0.0 && f.abs() <= max {
                Ok(f as i64)
            } else {
                Err(to_js_error(VomoError::parse(
                    &format!("{who}: {what}[{i}]"),
                    format_args!("not a safe integer id (got {})", crate::error::js_number(f)),
                )))
            }
        })
        .collect()
}

#[wasm_bindgen(js_name = classifyChange)]
pub fn classify_change(user_json: &str, known_ids: Option<Vec<f64>>) -> JsResult<String> {
    let user: crate::model::User = serde_json::from_str(user_json)
        .map_err(|e| to_js_error(VomoError::invalid_input(format!("classifyChange: not a User ({})", json_error(&e)))))?;
    let known: Option<HashSet<i64>> = match known_ids {
        Some(ids) => Some(safe_ids(ids, "classifyChange", "knownIds")?.into_iter().collect()),
        None => None,
    };
    Ok(changes::classify_change(&user, known.as_ref()).as_str().to_string())
}

/// A `Participation[]` from the façade's JSON; a bad entry is named by its index and, for a
/// value of the wrong type, its field (`totalHours: participations[2].hours: invalid type:
/// null, expected f64`).
fn participations(json: &str, who: &str, which: &str) -> JsResult<Vec<Participation>> {
    let refuse = |message: String| to_js_error(VomoError::invalid_input(message));
    let entries: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(json).map_err(|e| refuse(format!("{who}: {which} is not a Participation[] ({})", json_error(&e))))?;
    entries
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            serde_json::from_str(raw.get()).map_err(|e| {
                let why = json_error(&e);
                // A value of the wrong type ends where the error points; a missing or unknown
                // field names itself.
                let typed = why.starts_with("invalid type") || why.starts_with("invalid value");
                let field = field_before(raw.get(), e.column()).filter(|_| typed).map(|f| format!(".{f}")).unwrap_or_default();
                refuse(format!("{who}: {which}[{i}]{field}: {why}"))
            })
        })
        .collect()
}

/// The key whose value ends at `column` (1-based, as serde_json counts) of one line of
/// compact JSON (the façade's JSON.stringify): the last `"key":` before it. Only a hint for
/// the message; `None` when there is none.
fn field_before(text: &str, column: usize) -> Option<&str> {
    let before = text.get(..column.min(text.len()))?;
    let colon = before.rfind("\":")?;
    let start = before[..colon].rfind('"')?;
    Some(&before[start + 1..colon]).filter(|k| !k.is_empty() && !k.contains(['{', ',', '"']))
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
    let d = changes::diff_participations(
        &participations(previous, "diffParticipations", "previous")?,
        &participations(current, "diffParticipations", "current")?,
    );
    to_json(&DiffJson {
        added: &d.added,
        removed: &d.removed,
        changed: d.changed.iter().map(|(before, after)| ChangedJson { before, after }).collect(),
    })
}

#[wasm_bindgen(js_name = totalHours)]
pub fn total_hours(participations_json: &str) -> JsResult<f64> {
    Ok(changes::total_hours(&participations(participations_json, "totalHours", "participations")?))
}

#[wasm_bindgen(js_name = findMissingIds)]
pub fn find_missing_ids(current: Vec<f64>, known: Vec<f64>) -> JsResult<Vec<f64>> {
    let (current, known) = (safe_ids(current, "findMissingIds", "currentIds")?, safe_ids(known, "findMissingIds", "knownIds")?);
    Ok(changes::find_missing_ids(&current, &known).into_iter().map(|i| i as f64).collect())
}

#[wasm_bindgen(js_name = parseRosterCsvJson)]
pub fn parse_roster_csv_json(text: &str) -> JsResult<String> {
    to_json(&crate::roster_csv::parse_roster_csv(text).map_err(to_js_error)?)
}

/// `parseRosterCsv` of a file's bytes: UTF-8 checked here, never replaced (see the core).
#[wasm_bindgen(js_name = parseRosterCsvBytes)]
pub fn parse_roster_csv_bytes(bytes: &[u8]) -> JsResult<String> {
    to_json(&crate::roster_csv::parse_roster_csv_bytes(bytes).map_err(to_js_error)?)
}

/// `toRosterCsv(rows)`: `rows` as JSON (an array of arrays of strings, numbers and nulls;
/// `undefined` arrives as null), anything else refused naming its place.
#[wasm_bindgen(js_name = toRosterCsvJson)]
pub fn to_roster_csv_json(rows_json: &str) -> JsResult<String> {
    let refuse = |message: String| to_js_error(VomoError::invalid_input(format!("toRosterCsv: {message}")));
    let rows: serde_json::Value = serde_json::from_str(rows_json).map_err(|e| refuse(format!("rows are not JSON ({})", json_error(&e))))?;
    let kind = |v: &serde_json::Value| match v {
        serde_json::Value::Object(_) => "an object",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Null => "null",
    };
    let serde_json::Value::Array(rows) = rows else { return Err(refuse(format!("rows must be an array of rows (got {})", kind(&rows)))) };
    let mut cells = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let serde_json::Value::Array(row) = row else {
            return Err(refuse(format!("rows[{r}] must be an array of cells (got {})", kind(row))));
        };
        let mut out = Vec::with_capacity(row.len());
        for (c, cell) in row.iter().enumerate() {
            out.push(match cell {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(crate::error::js_number(n.as_f64().unwrap_or(f64::NAN))),
                serde_json::Value::Null => None,
                other => return Err(refuse(format!("rows[{r}][{c}] must be a string, a finite number or null (got {})", kind(other)))),
            });
        }
        cells.push(out);
    }
    Ok(crate::roster_csv::to_roster_csv(&cells))
}

/// `redactToken(text, token)`: `text` without the token, however it is written there (see
/// `client/redact.rs`), the token taken as a client takes it (`Bearer ` and spaces dropped).
#[wasm_bindgen(js_name = redactToken)]
pub fn redact_token(text: &str, token: &str) -> String {
    crate::client::redact::redact(text, crate::client::bare_token(token))
}
