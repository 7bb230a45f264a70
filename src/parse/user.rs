//! UserResource, UserDetailResource, participations and profile field values.

use super::coerce::{self, describe, Warnings};
use super::path::JsonPath;
use crate::error::{Result, VomoError};
use crate::model::{Gender, Participation, ProfileFieldValue, User, UserDetail};
use crate::time::Timestamp;
use serde_json::{Map, Value};

pub(super) const KNOWN_USER_STATUS: [&str; 3] = ["VERIFIED", "UNVERIFIED", "BANNED"];
pub(super) const KNOWN_MEMBERSHIP_STATUS: [&str; 3] = ["ACCEPTED", "PENDING", "REJECTED"];
pub(super) const KNOWN_MEMBERSHIP_ROLE: [&str; 3] = ["VOLUNTEER", "ORGANIZER", "ADMIN"];

fn object<'v>(v: &'v Value, path: &JsonPath) -> Result<&'v Map<String, Value>> {
    v.as_object().ok_or_else(|| VomoError::parse(&path.to_string(), format_args!("expected an object, got {}", describe(v))))
}

/// Reads one UserResource. `id` (integer-like) and `email` are required, and so are valid
/// `created_at`/`updated_at`, since change detection rests on them.
pub fn user(v: &Value, path: &JsonPath, w: &mut Warnings) -> Result<User> {
    user_fields(object(v, path)?, path, w)
}

/// Read access to a user's fields, from a JSON object or from [`ListedUser`].
pub trait UserFields {
    fn get(&self, key: &str) -> Option<&Value>;
}

impl UserFields for Map<String, Value> {
    fn get(&self, key: &str) -> Option<&Value> {
        Map::get(self, key)
    }
}

/// The UserResource keys, read straight from the text without building a JSON object
/// (no key strings, no map): the hot path of a page. Other keys are skipped.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListedUser {
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    full_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    phone: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    address: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    birthday: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    gender: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    created_at: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    updated_at: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    user_status: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    membership_status: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    membership_role: Option<Value>,
}

/// A key that is present, even as `null`, is `Some` (so messages can say "got null").
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

impl UserFields for ListedUser {
    fn get(&self, key: &str) -> Option<&Value> {
        match key {
            "id" => self.id.as_ref(),
            "first_name" => self.first_name.as_ref(),
            "last_name" => self.last_name.as_ref(),
            "full_name" => self.full_name.as_ref(),
            "email" => self.email.as_ref(),
            "phone" => self.phone.as_ref(),
            "address" => self.address.as_ref(),
            "birthday" => self.birthday.as_ref(),
            "gender" => self.gender.as_ref(),
            "created_at" => self.created_at.as_ref(),
            "updated_at" => self.updated_at.as_ref(),
            "user_status" => self.user_status.as_ref(),
            "membership_status" => self.membership_status.as_ref(),
            "membership_role" => self.membership_role.as_ref(),
            _ => None,
        }
    }
}

/// A user's `id` as the parser takes it: a positive integer, sent as a number or as its digits.
pub(super) fn readable_id(v: Option<&Value>) -> Option<i64> {
    v.and_then(coerce::integer).filter(|id| *id > 0)
}

/// The id of a record the parser dropped, when it reads as a readable record's would
/// (`reconcile()` counts such a user as visible).
pub fn dropped_id(raw: &Value) -> Option<i64> {
    readable_id(raw.get("id"))
}

/// The version `(id, updatedAt ms)` of a record the parser dropped, when both read as they
/// would in a readable one: what identifies its change (the poller settles it by it).
pub fn dropped_version(raw: &Value) -> Option<(i64, i64)> {
    let id = dropped_id(raw)?;
    let at = raw.get("updated_at")?.as_str().and_then(Timestamp::parse)?;
    Some((id, at.0))
}

/// Reads one UserResource from its fields (see [`user`]).
pub fn user_fields<F: UserFields>(o: &F, path: &JsonPath, w: &mut Warnings) -> Result<User> {
    let id_path = path.key("id");
    let id = match readable_id(o.get("id")) {
        Some(id) => id,
        None => {
            let got = o.get("id").map(describe).unwrap_or_else(|| "nothing".into());
            return Err(VomoError::parse(&id_path.to_string(), format_args!("expected a positive integer id, got {got}")));
        }
    };
    let email_path = path.key("email");
    let email = match o.get("email") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        other => {
            let got = other.map(describe).unwrap_or_else(|| "nothing".into());
            return Err(VomoError::parse(&email_path.to_string(), format_args!("expected a non-empty email string, got {got}")));
        }
    };
    let created_at = required_timestamp(o, "created_at", path)?;
    let updated_at = required_timestamp(o, "updated_at", path)?;
    let first_name = coerce::text_or_empty(o.get("first_name"), &path.key("first_name"), w);
    let last_name = coerce::text_or_empty(o.get("last_name"), &path.key("last_name"), w);
    let full_name = match o.get("full_name") {
        Some(Value::String(s)) => s.clone(),
        _ => format!("{first_name} {last_name}").trim().to_string(),
    };
    Ok(User {
        id,
        first_name,
        last_name,
        full_name,
        email,
        phone: coerce::optional_string(o.get("phone"), &path.key("phone"), w),
        address: coerce::optional_string(o.get("address"), &path.key("address"), w),
        birthday: coerce::optional_date(o.get("birthday"), &path.key("birthday"), w),
        gender: gender(o.get("gender"), &path.key("gender"), w),
        created_at,
        updated_at,
        user_status: open_enum(o.get("user_status"), &path.key("user_status"), &KNOWN_USER_STATUS, w),
        membership_status: open_enum(o.get("membership_status"), &path.key("membership_status"), &KNOWN_MEMBERSHIP_STATUS, w),
        membership_role: open_enum(o.get("membership_role"), &path.key("membership_role"), &KNOWN_MEMBERSHIP_ROLE, w),
    })
}

/// Reads a UserDetailResource object: the base user plus the two arrays (default empty).
pub fn user_detail(v: &Value, path: &JsonPath, w: &mut Warnings) -> Result<UserDetail> {
    let user = user(v, path, w)?;
    let o = object(v, path)?;
    let participations = array_items(o.get("participations"), &path.key("participations"), w, participation);
    let profile_field_values = array_items(o.get("profile_field_values"), &path.key("profile_field_values"), w, profile_field_value);
    Ok(UserDetail { user, participations, profile_field_values, warnings: Vec::new() })
}

fn required_timestamp<F: UserFields>(o: &F, key: &str, path: &JsonPath) -> Result<Timestamp> {
    let p = path.key(key);
    match o.get(key) {
        Some(Value::String(s)) => Timestamp::parse(s).ok_or_else(|| {
            VomoError::parse(&p.to_string(), format_args!("not an ISO-8601 timestamp: {}", describe(&Value::String(s.clone()))))
        }),
        other => {
            let got = other.map(describe).unwrap_or_else(|| "nothing".into());
            Err(VomoError::parse(&p.to_string(), format_args!("expected a timestamp string, got {got}")))
        }
    }
}

fn gender(v: Option<&Value>, path: &JsonPath, w: &mut Warnings) -> Option<Gender> {
    if coerce::is_nullish(v) {
        return None;
    }
    let g = v.and_then(Value::as_str).and_then(Gender::parse);
    if g.is_none() {
        w.push(path, format_args!("unknown gender {}; read as null", describe(v?)));
    }
    g
}

/// An open enum: known values and unknown ones both pass through verbatim; unknown ones
/// are reported so that nobody is surprised by them.
fn open_enum(v: Option<&Value>, path: &JsonPath, known: &[&str], w: &mut Warnings) -> Option<String> {
    let value = coerce::optional_string(v, path, w)?;
    if !known.contains(&value.as_str()) {
        w.push(path, format_args!("unknown value {value:?} kept as sent"));
    }
    Some(value)
}

/// Reads an optional array whose bad items are dropped with a warning.
fn array_items<T>(v: Option<&Value>, path: &JsonPath, w: &mut Warnings, item: fn(&Value, &JsonPath, &mut Warnings) -> Result<T>) -> Vec<T> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| {
                let p = path.index(i);
                item(raw, &p, w).map_err(|e| w.0.push(format!("{} (item dropped)", e.message))).ok()
            })
            .collect(),
        Some(other) => {
            w.push(path, format_args!("expected an array, got {}; read as []", describe(other)));
            Vec::new()
        }
    }
}

/// Reads one participation (every field tolerant; see the spec-gap table in the README).
pub fn participation(v: &Value, path: &JsonPath, w: &mut Warnings) -> Result<Participation> {
    let o = object(v, path)?;
    let field = |k: &str| o.get(k);
    Ok(Participation {
        project_id: coerce::optional_id(field("project_id"), &path.key("project_id"), w),
        project_date_id: coerce::optional_id(field("project_date_id"), &path.key("project_date_id"), w),
        guests: coerce::count(field("guests"), &path.key("guests"), w),
        signed_up_at: coerce::optional_timestamp(field("signed_up_at"), &path.key("signed_up_at"), w),
        checked_in_at: coerce::optional_timestamp(field("checked_in_at"), &path.key("checked_in_at"), w),
        checked_out_at: coerce::optional_timestamp(field("checked_out_at"), &path.key("checked_out_at"), w),
        hours: coerce::hours(field("hours"), &path.key("hours"), w),
        verified: coerce::flag(field("verified"), &path.key("verified"), w),
        role: coerce::optional_string(field("role"), &path.key("role"), w),
    })
}

/// Reads one profile field value; `field_id` is required, a non-text `value` becomes text.
pub fn profile_field_value(v: &Value, path: &JsonPath, w: &mut Warnings) -> Result<ProfileFieldValue> {
    let o = object(v, path)?;
    let id_path = path.key("field_id");
    let field_id = o.get("field_id").and_then(coerce::integer).ok_or_else(|| {
        let got = o.get("field_id").map(describe).unwrap_or_else(|| "nothing".into());
        VomoError::parse(&id_path.to_string(), format_args!("expected an integer field id, got {got}"))
    })?;
    let field_label = coerce::text_or_empty(o.get("field_label"), &path.key("field_label"), w);
    let value = match o.get("value") {
        v if coerce::is_nullish(v) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(scalar @ (Value::Number(_) | Value::Bool(_))) => Some(scalar.to_string()),
        Some(other) => {
            w.push(&path.key("value"), "a list or object value; kept as its JSON text");
            Some(other.to_string())
        }
        None => None,
    };
    Ok(ProfileFieldValue { field_id, field_label, value })
}
