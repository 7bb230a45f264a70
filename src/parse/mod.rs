//! Tolerant parsers for the VOMO Users wire format, with every documented spec gap.
//!
//! Entry points take the response text. Errors are [`VomoError`]s of kind `parse` whose
//! message starts with the JSON path; what was coerced or unknown goes to `warnings`.

mod clean_user;
mod coerce;
mod page;
mod page_envelope;
mod page_json;
mod page_scan;
mod path;
mod refused_value;
mod user;

pub use coerce::{Warnings, MAX_SAFE_INTEGER};
pub use path::JsonPath;

use crate::error::{Result, VomoError};
use crate::model::{Page, User, UserDetail};
use serde_json::Value;

/// Parses JSON text, naming the position of a syntax error.
pub fn json(text: &str) -> Result<Value> {
    let text = text.trim_start_matches('\u{feff}');
    serde_json::from_str(text).map_err(|e| {
        let said = e.to_string();
        // Two of serde_json's refusals are of JSON it will not read, not of text that is not JSON.
        let what = if text.trim().is_empty() {
            "empty body".to_string()
        } else if said.starts_with("recursion limit exceeded") {
            format!("JSON nested deeper than the parser reads (128 levels; {said})")
        } else if said.starts_with("number out of range") {
            format!("a JSON number beyond what a 64-bit float holds ({said})")
        } else {
            format!("not JSON ({said})")
        };
        // A string's escape or character, or a number's size, refused names its field (refused_value.rs).
        VomoError::parse(&refused_value::refused_value_path(text, &e, "$").unwrap_or_else(|| "$".into()), what)
    })
}

/// Parses a `GET /users` body into a page of users.
///
/// ```
/// let body = r#"{"data":[{"id":"7","email":"a@b.org","first_name":"A","last_name":"B",
///   "created_at":"2025-11-04T08:00:00+00:00","updated_at":"2025-11-04T08:00:00+00:00"}],
///   "links":{"first":"x","last":"x","prev":"null","next":null},
///   "meta":{"current_page":"1","from":1,"to":1,"path":"x","per_page":"15","total":1}}"#;
/// let page = vomo_users::parse::user_page(body).unwrap();
/// assert_eq!(page.data[0].id, 7);
/// assert_eq!(page.links.prev, None);
/// ```
pub fn user_page(text: &str) -> Result<Page<User>> {
    page::user_page_text(text.trim_start_matches('\u{feff}'))
}

pub use page::listed_ids;
pub use page_json::{user_page_json, user_page_parts, user_page_parts_utf8, PageJson};
pub use user::{dropped_id, dropped_version};

/// Parses a `GET /users/{id}` or `POST /users` body. `data` may be an object or a
/// one-element array (spec gap #50); the latter is noted in `warnings`.
pub fn user_detail(text: &str) -> Result<UserDetail> {
    user_detail_value(&json(text)?)
}

/// [`user_detail`] on an already-parsed value.
pub fn user_detail_value(body: &Value) -> Result<UserDetail> {
    let root = JsonPath::Root;
    let data_path = root.key("data");
    let mut w = Warnings::default();
    let data = match body.get("data") {
        Some(Value::Array(items)) if items.len() == 1 => {
            w.push(&data_path, "a one-element array where the live API sends an object; read its element");
            (&items[0], data_path.index(0))
        }
        Some(Value::Array(items)) => {
            return Err(VomoError::parse("data", format_args!("expected one user, got an array of {}", items.len())))
        }
        Some(obj @ Value::Object(_)) => (obj, data_path),
        Some(other) => return Err(VomoError::parse("data", format_args!("expected a user object, got {}", coerce::describe(other)))),
        None if body.is_object() => return Err(VomoError::parse("data", "missing")),
        None => return Err(VomoError::parse("$", format_args!("expected an object with data, got {}", coerce::describe(body)))),
    };
    let mut detail = user::user_detail(data.0, &data.1, &mut w)?;
    detail.warnings = w.0;
    Ok(detail)
}

/// Parses one raw UserResource object (no envelope). Returns the user and its warnings.
pub fn user_object(text: &str) -> Result<(User, Vec<String>)> {
    user_object_value(&json(text)?)
}

/// [`user_object`] on an already-parsed value.
pub fn user_object_value(v: &Value) -> Result<(User, Vec<String>)> {
    let mut w = Warnings::default();
    let user = user::user(v, &JsonPath::Root, &mut w)?;
    Ok((user, w.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_the_parser_will_not_read_is_not_called_not_json() {
        let deep = format!("{{\"data\":{{\"id\":1,\"x\":{}1{}}}}}", "[".repeat(200), "]".repeat(200));
        let e = super::user_detail(&deep).unwrap_err();
        assert!(
            e.message.starts_with("$: JSON nested deeper than the parser reads (128 levels; recursion limit exceeded at line 1"),
            "{}",
            e.message
        );
        let huge = r#"{"data":{"id":1,"email":"a@b.org","hours":1e400}}"#;
        let e = super::user_detail(huge).unwrap_err();
        assert!(
            e.message.starts_with("data.hours: a JSON number beyond what a 64-bit float holds (number out of range at line 1"),
            "{}",
            e.message
        );
        assert!(super::user_detail("{nope").unwrap_err().message.starts_with("$: not JSON ("));
        // A string refused inside well-formed JSON: its field is named (a lone surrogate, as
        // JSON.stringify writes one; JS's JSON.parse reads it back, serde_json does not).
        let lone = r#"{"data":{"id":1,"email":"a@b.org","first_name":"A\ud800"}}"#;
        let e = super::user_detail(lone).unwrap_err();
        assert!(e.message.starts_with("data.first_name: not JSON (unexpected end of hex escape at line 1"), "{}", e.message);
        let page = r#"{"data":[{"id":1,"email":"a@b.org","first_name":"A","last_name":"\ud800","created_at":"2025-11-04T08:00:00Z","updated_at":"2025-11-04T08:00:00Z"}],"links":{},"meta":{"current_page":1,"per_page":15,"total":1}}"#;
        let p = super::user_page(page).unwrap();
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].starts_with("data[0].last_name: unexpected end of hex escape at line 1"), "{}", p.warnings[0]);
    }
}
