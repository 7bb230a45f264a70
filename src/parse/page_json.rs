//! `GET /users` body text straight to the normalized JSON text that JS parses once: the
//! hot path of `parseUserPage`. A user whose every field is already clean (the common
//! case) is copied field by field from the input; any other user goes through the model
//! route ([`super::user`]), so both routes give the same result, warnings included
//! (`tests/page_json_matches_model.rs` checks that on arbitrary pages).

use super::coerce::Warnings;
use super::page::{self, envelope};
use super::path::JsonPath;
use super::user::{self, KNOWN_MEMBERSHIP_ROLE, KNOWN_MEMBERSHIP_STATUS, KNOWN_USER_STATUS};
use crate::error::{Result, VomoError};
use crate::time::{Date, Timestamp};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt::Write;


/// A listed user's fields as raw JSON text (nothing allocated).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RawUser<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    first_name: Option<&'a RawValue>,
    #[serde(borrow)]
    last_name: Option<&'a RawValue>,
    #[serde(borrow)]
    full_name: Option<&'a RawValue>,
    #[serde(borrow)]
    email: Option<&'a RawValue>,
    #[serde(borrow)]
    phone: Option<&'a RawValue>,
    #[serde(borrow)]
    address: Option<&'a RawValue>,
    #[serde(borrow)]
    birthday: Option<&'a RawValue>,
    #[serde(borrow)]
    gender: Option<&'a RawValue>,
    #[serde(borrow)]
    created_at: Option<&'a RawValue>,
    #[serde(borrow)]
    updated_at: Option<&'a RawValue>,
    #[serde(borrow)]
    user_status: Option<&'a RawValue>,
    #[serde(borrow)]
    membership_status: Option<&'a RawValue>,
    #[serde(borrow)]
    membership_role: Option<&'a RawValue>,
}

/// The characters between the quotes of a JSON string without escapes.
fn plain(raw: Option<&RawValue>) -> Option<&str> {
    let t = raw?.get();
    let inner = t.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// What a nullable field holds when it is clean: `None` = write null, `Some` = copy.
enum Clean<'a> {
    Null,
    Copy(&'a str),
}

/// A nullable free-text field: null, empty and blank are null; `"null"` and non-strings
/// are not clean (they carry a warning on the model route).
fn nullable_text(raw: Option<&RawValue>) -> Option<Clean<'_>> {
    let Some(r) = raw else { return Some(Clean::Null) };
    let inner = plain(Some(r))?;
    let t = inner.trim();
    if t.is_empty() {
        Some(Clean::Null)
    } else if t.eq_ignore_ascii_case("null") {
        None
    } else {
        Some(Clean::Copy(r.get()))
    }
}

fn known_enum<'a>(raw: Option<&'a RawValue>, known: &[&str]) -> Option<Clean<'a>> {
    match nullable_text(raw)? {
        Clean::Copy(text) if known.contains(&&text[1..text.len() - 1]) => Some(Clean::Copy(text)),
        Clean::Copy(_) => None,
        Clean::Null => Some(Clean::Null),
    }
}

fn push_clean(out: &mut String, key: &str, value: Clean) {
    out.push_str(key);
    match value {
        Clean::Null => out.push_str("null"),
        Clean::Copy(text) => out.push_str(text),
    }
}

/// Writes one user if every field is clean; returns false (having written nothing) if not.
fn write_clean_user(text: &str, out: &mut String) -> Option<()> {
    if !text.starts_with('{') {
        return None; // a derived struct would also accept an array, field by position
    }
    let u: RawUser = serde_json::from_str(text).ok()?;
    let id_text = u.id?.get();
    let digits = id_text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(id_text);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = digits.parse().ok().filter(|n| *n > 0)?;
    let (first, last, full) = (u.first_name?, u.last_name?, u.full_name?);
    for name in [first, last, full] {
        if !name.get().starts_with('"') {
            return None;
        }
    }
    let email = plain(u.email)?;
    if email.is_empty() || email.trim() != email {
        return None;
    }
    let phone = nullable_text(u.phone)?;
    let address = nullable_text(u.address)?;
    let birthday = match nullable_text(u.birthday)? {
        Clean::Copy(t) if Date::parse(&t[1..t.len() - 1]).is_some() => Clean::Copy(t),
        Clean::Copy(_) => return None,
        Clean::Null => Clean::Null,
    };
    let gender = match nullable_text(u.gender)? {
        Clean::Copy(t) => match &t[1..t.len() - 1] {
            "M" | "m" => Clean::Copy("\"M\""),
            "F" | "f" => Clean::Copy("\"F\""),
            "N" | "n" => Clean::Copy("\"N\""),
            _ => return None,
        },
        Clean::Null => Clean::Null,
    };
    let created = Timestamp::parse(plain(u.created_at)?)?;
    let updated = Timestamp::parse(plain(u.updated_at)?)?;
    let user_status = known_enum(u.user_status, &KNOWN_USER_STATUS)?;
    let membership_status = known_enum(u.membership_status, &KNOWN_MEMBERSHIP_STATUS)?;
    let membership_role = known_enum(u.membership_role, &KNOWN_MEMBERSHIP_ROLE)?;
    let _ = write!(out, "{{\"id\":{id},\"firstName\":{},\"lastName\":{},\"fullName\":{},\"email\":{}",
                   first.get(), last.get(), full.get(), u.email?.get());
    push_clean(out, ",\"phone\":", phone);
    push_clean(out, ",\"address\":", address);
    push_clean(out, ",\"birthday\":", birthday);
    push_clean(out, ",\"gender\":", gender);
    let _ = write!(out, ",\"createdAt\":\"{created}\",\"updatedAt\":\"{updated}\"");
    push_clean(out, ",\"userStatus\":", user_status);
    push_clean(out, ",\"membershipStatus\":", membership_status);
    push_clean(out, ",\"membershipRole\":", membership_role);
    out.push('}');
    Some(())
}

/// A `GET /users` body to the JSON text of its `Page<User>`.
pub fn user_page_json(text: &str) -> Result<String> {
    let text = text.trim_start_matches('\u{feff}');
    let Some((items, links_value, meta_value)) = envelope(text) else {
        return to_json(&page::user_page(&super::json(text)?)?);
    };
    let root = JsonPath::Root;
    let data_path = root.key("data");
    let mut w = Warnings::default();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    out.push_str("{\"data\":[");
    let mut wrote_any = false;
    for (i, raw) in items.iter().enumerate() {
        let mark = out.len();
        if wrote_any {
            out.push(',');
        }
        if write_clean_user(raw.get(), &mut out).is_some() {
            wrote_any = true;
            continue;
        }
        out.truncate(mark);
        let p = data_path.index(i);
        let parsed = serde_json::from_str::<Value>(raw.get())
            .map_err(|e| VomoError::parse(&p.to_string(), e))
            .and_then(|v| user::user(&v, &p, &mut w));
        match parsed {
            Ok(u) => {
                if wrote_any {
                    out.push(',');
                }
                out.push_str(&to_json(&u)?);
                wrote_any = true;
            }
            Err(e) => w.0.push(format!("{} (user dropped from the page)", e.message)),
        }
    }
    let links = page::links(links_value.as_ref(), &root.key("links"), &mut w);
    let meta = page::meta(meta_value.as_ref(), &root.key("meta"), &mut w)?;
    out.push_str("],\"links\":");
    out.push_str(&to_json(&links)?);
    out.push_str(",\"meta\":");
    out.push_str(&to_json(&meta)?);
    out.push_str(",\"warnings\":");
    out.push_str(&to_json(&w.0)?);
    out.push('}');
    Ok(out)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| VomoError::parse("$", e))
}
