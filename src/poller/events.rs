//! What the poller hands to the application, and how the application answers.

use crate::model::{Participation, User, UserDetail, UserId};
use serde::Serialize;

/// A user who changed: `kind` is `created` or `updated`.
#[derive(Debug, Clone, Serialize)]
pub struct UserEvent {
    pub kind: &'static str,
    #[serde(flatten)]
    pub user: UserPayload,
    /// True when VOMO anonymized the account (a `vomodeleteduser...@vomo.org` email).
    pub anonymized: bool,
}

/// The user as listed, or with its detail when the mode fetched it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum UserPayload {
    Listed { user: User },
    Detailed { user: UserDetail },
}

/// A participation added, changed or removed since it was last seen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipationEvent {
    pub kind: &'static str,
    pub user_id: UserId,
    pub participation: Participation,
    pub before: Option<Participation>,
}

/// A change given to the dead-letter handler: a handler threw, or a record was unreadable.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterEvent {
    /// The user as delivered, or the raw record that could not be read.
    pub user: serde_json::Value,
    pub error: DeadLetterError,
    pub attempt: u32,
    #[serde(rename = "final")]
    pub is_final: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterError {
    pub kind: String,
    pub message: String,
    /// Set when the error is one a JS handler threw (the façade hands back the original).
    #[serde(rename = "handlerErrorRef")]
    pub handler_ref: Option<f64>,
}

/// Why a handler failed, as reported back to the poller.
#[derive(Debug, Clone)]
pub struct HandlerFailure {
    pub message: String,
    pub handler_ref: Option<f64>,
}

/// One event to deliver.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    User(UserEvent),
    Participation(ParticipationEvent),
    DeadLetter(DeadLetterEvent),
}

/// The application's handlers. `Err` means the handler threw.
#[allow(async_fn_in_trait)]
pub trait Handlers {
    async fn deliver(&self, event: &Event) -> Result<(), HandlerFailure>;
}

/// The `VomoError` kind a dead letter's error gets in JS when it is not the handler's own
/// thrown value: `parse` for an unreadable record, `invalid_input` otherwise.
pub fn dead_letter_error_kind(source: &str) -> crate::error::ErrorKind {
    match source {
        "parse" => crate::error::ErrorKind::Parse,
        _ => crate::error::ErrorKind::InvalidInput,
    }
}

/// VOMO's anonymization of a deleted account rewrites the email to this pattern.
pub fn is_anonymized_email(email: &str) -> bool {
    let e = email.trim().to_ascii_lowercase();
    e.strip_prefix("vomodeleteduser")
        .and_then(|r| r.strip_suffix("@vomo.org"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}
