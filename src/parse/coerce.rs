//! Tolerant readers for single JSON values: the type quirks of the live API in one place.
//! Each reader either returns a clean value, or a clean fallback plus a warning.

use super::path::JsonPath;
use crate::time::{Date, Timestamp};
use serde_json::Value;

/// Collects what the parser coerced, dropped or did not recognize.
#[derive(Default, Debug)]
pub struct Warnings(pub Vec<String>);

impl Warnings {
    /// Adds `what`, prefixed with the JSON path it is about.
    pub fn push(&mut self, path: &JsonPath, what: impl std::fmt::Display) {
        self.0.push(format!("{path}: {what}"));
    }
}

/// Shortens a JSON value for a message (never echoes more than a few dozen characters).
pub fn describe(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(37).collect::<String>())
    } else {
        text
    }
}

/// An integer sent as a JSON integer, an integral float, or a numeric string (`"8205"`).
/// The largest integer JavaScript numbers hold exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// An integer within JavaScript's safe range, from a number or a string of digits; ids
/// beyond it would reach JS rounded, so they are not integers here.
pub fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .filter(|i| i.abs() <= MAX_SAFE_INTEGER)
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64).map(|f| f as i64)),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            // As a number would be: any integer JavaScript holds exactly (16-digit ids included).
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                t.parse::<i64>().ok().filter(|i| i.abs() <= MAX_SAFE_INTEGER)
            }
        }
        _ => None,
    }
}

/// True for a value that means "nothing": missing, `null`, `""` or the string `"null"`.
pub fn is_nullish(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => {
            let t = s.trim();
            t.is_empty() || t.eq_ignore_ascii_case("null")
        }
        _ => false,
    }
}

/// An optional free-text field. Numbers and booleans become their text, with a warning.
pub fn optional_string(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Option<String> {
    if is_nullish(v) {
        if let Some(Value::String(s)) = v {
            if s.trim().eq_ignore_ascii_case("null") {
                w.push(path, "the string \"null\" read as null");
            }
        }
        return None;
    }
    match v? {
        Value::String(s) => Some(s.clone()),
        other @ (Value::Number(_) | Value::Bool(_)) => {
            w.push(path, format_args!("expected a string, got {}; kept as text", describe(other)));
            Some(other.to_string())
        }
        other => {
            w.push(path, format_args!("expected a string, got {}; read as null", describe(other)));
            None
        }
    }
}

/// A string that the shape declares non-null: `""` plus a warning when missing or wrong.
pub fn text_or_empty(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            w.push(path, "missing; read as \"\"");
            String::new()
        }
        Some(other) => {
            w.push(path, format_args!("expected a string, got {}; kept as text", describe(other)));
            other.to_string()
        }
    }
}

/// An optional timestamp; unreadable ones become null with a warning.
pub fn optional_timestamp(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Option<Timestamp> {
    if is_nullish(v) {
        return None;
    }
    let parsed = v.and_then(Value::as_str).and_then(Timestamp::parse);
    if parsed.is_none() {
        w.push(path, format_args!("not an ISO-8601 timestamp: {}; read as null", describe(v?)));
    }
    parsed
}

/// An optional `YYYY-MM-DD`; a full timestamp keeps its date part (with a warning).
pub fn optional_date(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Option<Date> {
    if is_nullish(v) {
        return None;
    }
    let text = v.and_then(Value::as_str).map(str::trim);
    if let Some(date) = text.and_then(Date::parse) {
        return Some(date);
    }
    if let Some(date) = text.filter(|t| t.len() > 10).and_then(|t| t.get(..10)).and_then(Date::parse) {
        if text.and_then(Timestamp::parse).is_some() {
            w.push(path, "a timestamp where a date was expected; kept its date part");
            return Some(date);
        }
    }
    w.push(path, format_args!("not a YYYY-MM-DD date: {}; read as null", describe(v?)));
    None
}

/// A non-negative finite number sent as a number or numeric string (`"4.00"`).
pub fn hours(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> f64 {
    if is_nullish(v) {
        return 0.0;
    }
    let parsed = match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(h) if h.is_finite() && h >= 0.0 => h,
        _ => {
            w.push(path, format_args!("not a non-negative number of hours: {}; read as 0", describe(v.unwrap_or(&Value::Null))));
            0.0
        }
    }
}

/// A non-negative count; missing is 0.
pub fn count(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> u32 {
    if is_nullish(v) {
        return 0;
    }
    match v.and_then(integer) {
        Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => n as u32,
        _ => {
            w.push(path, format_args!("not a non-negative integer: {}; read as 0", describe(v.unwrap_or(&Value::Null))));
            0
        }
    }
}

/// An optional id; garbage becomes null with a warning.
pub fn optional_id(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Option<i64> {
    if is_nullish(v) {
        return None;
    }
    // Ids count from 1: 0 or a negative number names nothing (as a user id of 0 drops its record).
    let id = v.and_then(integer).filter(|&i| i > 0);
    if id.is_none() {
        w.push(path, format_args!("not a positive integer id: {}; read as null", describe(v?)));
    }
    id
}

/// A boolean, also from `1`/`0` and `"true"`/`"false"`; missing is false. Any other number
/// reads as JavaScript and PHP read it (not 0: true), with a warning; any other text as false,
/// with a warning.
pub fn flag(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(number @ Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::INFINITY); // a JSON number always has one
            if f != 0.0 && f != 1.0 {
                w.push(path, format_args!("not a boolean: {}; read as true", describe(number)));
            }
            f != 0.0
        }
        Some(other) => match other.as_str().map(str::trim) {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") | Some("") => false,
            _ => {
                w.push(path, format_args!("not a boolean: {}; read as false", describe(other)));
                false
            }
        },
    }
}
