//! The normalized shapes of API.md. They serialize to exactly the camelCase JS objects the
//! package returns: absent optional fields are `null`, never missing, never `""`.

use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};

/// A VOMO user id. The wire sends integers and sometimes numeric strings.
pub type UserId = i64;

/// Gender as POST /users accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    /// `M`.
    M,
    /// `F`.
    F,
    /// `N`.
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

    /// `M`, `F` or `N`, as sent and as JS sees it.
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
    /// The user's id (a numeric string on the wire becomes a number).
    pub id: UserId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The full name as the server sent it.
    pub full_name: String,
    /// Email address: the key upserts match on.
    pub email: String,
    /// Phone number; `None` when absent or empty.
    pub phone: Option<String>,
    /// Postal address; `None` when absent or empty.
    pub address: Option<String>,
    /// Birthday (`YYYY-MM-DD`).
    pub birthday: Option<Date>,
    /// Gender, case-normalized; any other value is `None` plus a warning.
    pub gender: Option<Gender>,
    /// When the account was created (UTC, milliseconds).
    pub created_at: Timestamp,
    /// When the account last changed (UTC, milliseconds): what the poller's windows walk.
    pub updated_at: Timestamp,
    /// An open enum: `VERIFIED`, `UNVERIFIED`, `BANNED`, or any new value as sent (an
    /// unknown value of the three open enums is kept verbatim, with a warning).
    pub user_status: Option<String>,
    /// An open enum: `ACCEPTED`, `PENDING`, `REJECTED`, or any new value as sent.
    pub membership_status: Option<String>,
    /// An open enum: `VOLUNTEER`, `ORGANIZER`, `ADMIN`, or any new value as sent.
    pub membership_role: Option<String>,
}

/// A user's attendance at one Project Date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participation {
    /// The project (`"789"` on the wire becomes 789).
    pub project_id: Option<i64>,
    /// The Project Date: what participations are matched by between reads.
    pub project_date_id: Option<i64>,
    /// Guests brought along; 0 when absent.
    pub guests: u32,
    /// When the user signed up.
    pub signed_up_at: Option<Timestamp>,
    /// When the user checked in.
    pub checked_in_at: Option<Timestamp>,
    /// When the user checked out.
    pub checked_out_at: Option<Timestamp>,
    /// Hours credited (`"4.00"` becomes 4; absent is 0; garbage is 0 plus a warning).
    pub hours: f64,
    /// Whether the hours were verified.
    pub verified: bool,
    /// The user's role at the date, as sent.
    pub role: Option<String>,
}

/// An answer to one of the customer's custom profile fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFieldValue {
    /// The custom field's id.
    pub field_id: i64,
    /// The custom field's label.
    pub field_label: String,
    /// The answer, `None` when there is none.
    pub value: Option<String>,
}

/// UserDetailResource: the user plus participations and profile field values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    /// The user, as the listing has it.
    #[serde(flatten)]
    pub user: User,
    /// The user's participations.
    pub participations: Vec<Participation>,
    /// The user's answers to the customer's custom profile fields.
    pub profile_field_values: Vec<ProfileFieldValue>,
    /// What the parser coerced or met unknown, each prefixed with its JSON path.
    pub warnings: Vec<String>,
}

/// The Laravel paginator's `links`: each a URL, or `None` (the strings `"null"` and `""`
/// become `None`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Links {
    /// The first page.
    pub first: Option<String>,
    /// The last page.
    pub last: Option<String>,
    /// The previous page.
    pub prev: Option<String>,
    /// The next page; `None` on the last.
    pub next: Option<String>,
}

/// The Laravel paginator's `meta` (`lastPage` only when the server sent `last_page`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// This page's number, from 1.
    pub current_page: u64,
    /// The position of the page's first row in the whole listing, from 1.
    pub from: Option<u64>,
    /// The position of the page's last row.
    pub to: Option<u64>,
    /// The listing's URL without the query.
    pub path: Option<String>,
    /// Rows per page.
    pub per_page: u64,
    /// Rows in the whole listing.
    pub total: u64,
    /// The number of the last page, when the server sent `last_page`.
    pub last_page: Option<u64>,
}

impl Meta {
    /// How many records this page must hold by its own total: `per_page`, or what is left of
    /// `total` on the last page, 0 past it (a `per_page` of 0 read as 1). A page that holds
    /// fewer shows a row that left between the server's count and its select: the poller's
    /// walk reads such a last page again, a plain listing warns.
    pub fn rows_due(&self) -> u64 {
        let per_page = self.per_page.max(1);
        per_page.min(self.total.saturating_sub(self.current_page.saturating_sub(1).saturating_mul(per_page)))
    }
}

/// One page of a list endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The records of the page that could be read.
    pub data: Vec<T>,
    /// The paginator's links.
    pub links: Links,
    /// The paginator's meta.
    pub meta: Meta,
    /// What the parser coerced, dropped or met unknown, each prefixed with its JSON path.
    pub warnings: Vec<String>,
    /// Records left out of `data` because they could not be read: the raw value and why.
    #[serde(skip)]
    pub dropped: Vec<(serde_json::Value, String)>,
}
