//! The Laravel pagination envelope around a list of users.

use super::coerce::{self, describe, Warnings};
use super::path::JsonPath;
use super::user;
use crate::error::{Result, VomoError};
use crate::model::{Links, Meta, Page, User};
use serde_json::{Map, Value};

#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    data: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    links: Option<Value>,
    #[serde(default)]
    meta: Option<Value>,
}

/// The envelope with its users still as text; `None` when the body is unusual in any way.
fn envelope(text: &str) -> Option<(Vec<&serde_json::value::RawValue>, Option<Value>, Option<Value>)> {
    let env = serde_json::from_str::<Envelope>(text).ok()?;
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(env.data?.get()).ok()?;
    Some((items, env.links, env.meta))
}

/// Reads a `GET /users` body from its text. The users are read field by field without
/// building JSON objects (the hot path); anything unusual takes the [`user_page`] route,
/// which names what is wrong.
pub fn user_page_text(text: &str) -> Result<Page<User>> {
    let Some((items, links_value, meta_value)) = envelope(text) else {
        return user_page(&super::json(text)?);
    };
    let root = JsonPath::Root;
    let data_path = root.key("data");
    let mut w = Warnings::default();
    let mut data = Vec::with_capacity(items.len());
    let mut dropped = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let p = data_path.index(i);
        match listed_user(raw.get(), &p, &mut w) {
            Ok(u) => data.push(u),
            Err(e) => {
                w.0.push(format!("{} (user dropped from the page)", e.message));
                dropped.push((serde_json::from_str(raw.get()).unwrap_or(Value::Null), e.message));
            }
        }
    }
    let links = links(links_value.as_ref(), &root.key("links"), &mut w);
    let meta = meta(meta_value.as_ref(), &root.key("meta"), &mut w)?;
    Ok(Page { data, links, meta, warnings: w.0, dropped })
}

/// The id of each record of a `GET /users` body's `data`, by its position as sent (what a
/// warning's `data[5]` names, dropped records included), `None` for one without an id the
/// parser reads; empty when the body has no `data` array. Read only when a warning is to name
/// its user: the page itself never needs it.
pub fn listed_ids(text: &str) -> Vec<Option<i64>> {
    let text = text.trim_start_matches('\u{feff}');
    if let Some((items, _, _)) = envelope(text) {
        return items.iter().map(|raw| listed_id(raw.get())).collect();
    }
    match super::json(text) {
        Ok(Value::Object(o)) => match o.get("data") {
            Some(Value::Array(items)) => items.iter().map(|v| user::readable_id(v.get("id"))).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// One record's id from its text, its other keys skipped unread; as a JSON value (which keeps
/// the last of a repeated key, as the page's reading does) when the record is unusual.
fn listed_id(raw: &str) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Id {
        #[serde(default)]
        id: Option<Value>,
    }
    // Only objects: a derived struct would also accept an array, field by position.
    if !raw.starts_with('{') {
        return None;
    }
    match serde_json::from_str::<Id>(raw) {
        Ok(record) => user::readable_id(record.id.as_ref()),
        Err(_) => user::readable_id(serde_json::from_str::<Value>(raw).ok()?.get("id")),
    }
}

/// Reads one item of a page's `data` from its text, the keys read straight into
/// [`user::ListedUser`]; what that cannot take (not an object, a repeated key) is read as a
/// JSON value, which names what is wrong.
pub(super) fn listed_user(raw: &str, p: &JsonPath, w: &mut Warnings) -> Result<User> {
    // Only objects: a derived struct would also accept an array, field by position.
    let typed = raw.starts_with('{').then(|| serde_json::from_str::<user::ListedUser>(raw).ok()).flatten();
    match typed {
        Some(fields) => user::user_fields(&fields, p, w),
        None => serde_json::from_str::<Value>(raw)
            .map_err(|e| {
                let at = p.to_string();
                VomoError::parse(&super::refused_value::refused_value_path(raw, &e, &at).unwrap_or(at), e)
            })
            .and_then(|v| user::user(&v, p, w)),
    }
}

/// Reads a whole `GET /users` body. A bad user is dropped and reported in `warnings`;
/// a body without a `data` array or a readable `meta` is an error.
pub fn user_page(body: &Value) -> Result<Page<User>> {
    let root = JsonPath::Root;
    let o = body
        .as_object()
        .ok_or_else(|| VomoError::parse("$", format_args!("expected the pagination envelope object, got {}", describe(body))))?;
    let mut w = Warnings::default();
    let data_path = root.key("data");
    let items = match o.get("data") {
        Some(Value::Array(items)) => items,
        Some(other) => return Err(VomoError::parse("data", format_args!("expected an array of users, got {}", describe(other)))),
        None => return Err(VomoError::parse("data", "missing")),
    };
    let mut data = Vec::with_capacity(items.len());
    let mut dropped = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let p = data_path.index(i);
        match user::user(raw, &p, &mut w) {
            Ok(u) => data.push(u),
            Err(e) => {
                w.0.push(format!("{} (user dropped from the page)", e.message));
                dropped.push((raw.clone(), e.message));
            }
        }
    }
    let links = links(o.get("links"), &root.key("links"), &mut w);
    let meta = meta(o.get("meta"), &root.key("meta"), &mut w)?;
    Ok(Page { data, links, meta, warnings: w.0, dropped })
}

pub(super) fn links(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Links {
    let Some(Value::Object(o)) = v else {
        if v.is_some() && !coerce::is_nullish(v) {
            w.push(path, "expected an object; read as no links");
        }
        return Links::default();
    };
    // Spec gap #6: the spec's example sends the *string* "null"; it must end a walk.
    // Trimmed as the WHATWG URL parser (fetch) trims a URL, of C0 controls and spaces only: a
    // no-break space before `//host` is part of a relative path there, and must be here too,
    // so that the URL checked and sent is the one fetch would read.
    let link = |k: &str, w: &mut Warnings| match o.get(k) {
        Some(Value::String(s)) if !coerce::is_nullish(o.get(k)) => Some(s.trim_matches(|c: char| c <= ' ').to_string()),
        v if coerce::is_nullish(v) => None,
        Some(other) => {
            w.push(&path.key(k), format_args!("expected a URL string, got {}; read as null", describe(other)));
            None
        }
        None => None,
    };
    Links { first: link("first", w), last: link("last", w), prev: link("prev", w), next: link("next", w) }
}

pub(super) fn meta(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Result<Meta> {
    let o: &Map<String, Value> = match v {
        Some(Value::Object(o)) => o,
        Some(other) => return Err(VomoError::parse("meta", format_args!("expected an object, got {}", describe(other)))),
        None => return Err(VomoError::parse("meta", "missing")),
    };
    // Spec gap #5: the integers may arrive as numeric strings.
    let required = |k: &str| -> Result<u64> {
        let p = path.key(k);
        match o.get(k).and_then(coerce::integer) {
            Some(n) if n >= 0 => Ok(n as u64),
            _ => {
                let got = o.get(k).map(describe).unwrap_or_else(|| "nothing".into());
                Err(VomoError::parse(&p.to_string(), format_args!("expected a non-negative integer, got {got}")))
            }
        }
    };
    let optional = |k: &str, w: &mut Warnings| -> Option<u64> {
        if coerce::is_nullish(o.get(k)) {
            return None;
        }
        let n = o.get(k).and_then(coerce::integer).filter(|n| *n >= 0);
        if n.is_none() {
            w.push(&path.key(k), format_args!("not a non-negative integer: {}; read as null", describe(&o[k])));
        }
        n.map(|n| n as u64)
    };
    let (current_page, per_page) = (required("current_page")?, required("per_page")?);
    // Laravel counts pages from 1 and never pages by 0 rows: a 0 is kept as sent (the listing
    // follows links, not these counts, and refuses a walk that would not end), but said.
    if current_page == 0 {
        w.push(&path.key("current_page"), format_args!("0, where pages count from 1; kept as sent"));
    }
    if per_page == 0 {
        w.push(&path.key("per_page"), format_args!("0, where a page holds at least one row; kept as sent"));
    }
    Ok(Meta {
        current_page,
        per_page,
        total: required("total")?,
        from: optional("from", w),
        to: optional("to", w),
        last_page: optional("last_page", w),
        path: coerce::optional_string(o.get("path"), &path.key("path"), w),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_ids_are_by_position_as_sent_and_read_as_the_parser_reads_an_id() {
        let body = r#"{"data":[{"id":7},{"id":"8"},{"id":"x"},[9],{"id":0},{"name":"no id"},{"id":1,"id":12},{"id":-3}],"meta":{}}"#;
        let ids = vec![Some(7), Some(8), None, None, None, None, Some(12), None];
        assert_eq!(listed_ids(body), ids);
        // A body the envelope's fast reading does not take (a repeated top-level key, a BOM).
        let unusual = body.replacen(r#""meta":{}"#, r#""meta":{},"meta":{}"#, 1);
        assert_eq!(listed_ids(&format!("\u{feff}{unusual}")), ids);
        for no_data in ["", "[]", r#"{"data":{}}"#, "not json"] {
            assert_eq!(listed_ids(no_data), [], "{no_data:?}");
        }
    }

    #[test]
    fn links_are_trimmed_as_fetch_trims_a_url_and_no_more() {
        let body = |next: &str| {
            format!(
                r#"{{"data":[],"links":{{"next":{}}},"meta":{{"current_page":1,"per_page":15,"total":0}}}}"#,
                serde_json::to_string(next).unwrap()
            )
        };
        let next = |text: &str| crate::parse::user_page(&body(text)).map_err(|e| e.message).unwrap().links.next;
        assert_eq!(next(" \t/v1/users?page=2\n"), Some("/v1/users?page=2".into()), "C0 controls and spaces");
        // WHATWG keeps a no-break space (and every other non-ASCII space): a path, not `//host`.
        assert_eq!(next("\u{a0}//evil.example/v1/users"), Some("\u{a0}//evil.example/v1/users".into()));
        assert_eq!(next("/v1/users?page=2\u{3000}"), Some("/v1/users?page=2\u{3000}".into()));
    }
}
