//! The normalized shapes of API.md. They serialize to exactly the camelCase JS objects the
//! package returns: absent optional fields are `null`, never missing, never `""`.

use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};

/// A VOMO user id. The wire sends integers and sometimes numeric strings.
pub type UserId = i64;

/// Gender as POST /users accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    M,
    F,
    N,
}

impl Gender {
    /// Case-insensitive `M`, `F` or `N`.
    pub fn parse(text: &str) -> Option<Gender> {
        match text.trim() {
            "M" | "m" => Some(Gender::M),
            "F" | "f" => Some(Gender::F),
            "N" | "n" => Some(Gender::N),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::M => "M",
            Gender::F => "F",
            Gender::N => "N",
        }
    }
}

/// One UserResource (the list shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub birthday: Option<Date>,
    pub gender: Option<Gender>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub user_status: Option<String>,
    pub membership_status: Option<String>,
    pub membership_role: Option<String>,
}

/// A user's attendance at one Project Date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participation {
    pub project_id: Option<i64>,
    pub project_date_id: Option<i64>,
    pub guests: u32,
    pub signed_up_at: Option<Timestamp>,
    pub checked_in_at: Option<Timestamp>,
    pub checked_out_at: Option<Timestamp>,
    pub hours: f64,
    pub verified: bool,
    pub role: Option<String>,
}

/// An answer to one of the customer's custom profile fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFieldValue {
    pub field_id: i64,
    pub field_label: String,
    pub value: Option<String>,
}

/// UserDetailResource: the user plus participations and profile field values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    pub participations: Vec<Participation>,
    pub profile_field_values: Vec<ProfileFieldValue>,
    pub warnings: Vec<String>,
}

/// The Laravel paginator's `links`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Links {
    pub first: Option<String>,
    pub last: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The Laravel paginator's `meta` (`lastPage` only when the server sent `last_page`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub current_page: u64,
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub path: Option<String>,
    pub per_page: u64,
    pub total: u64,
    pub last_page: Option<u64>,
}

/// One page of a list endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub links: Links,
    pub meta: Meta,
    pub warnings: Vec<String>,
    /// Records left out of `data` because they could not be read: the raw value and why.
    #[serde(skip)]
    pub dropped: Vec<(serde_json::Value, String)>,
}
