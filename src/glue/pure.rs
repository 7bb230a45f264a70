//! The pure functions of API.md beside the parsers (src/glue/parse.rs): change helpers and
//! the roster CSV. Each takes text or numbers and returns JSON text.

use super::error::{to_js_error, to_json, JsResult};
use crate::changes;
use crate::error::VomoError;
use crate::model::Participation;
use serde::Serialize;
use std::collections::HashSet;
use wasm_bindgen::prelude::*;

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

