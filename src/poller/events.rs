//! What the poller hands to the application, and how the application answers.

use crate::model::{Participation, User, UserDetail, UserId};
use serde::Serialize;

/// A user who changed: `kind` is `created` or `updated`.
#[derive(Debug, Clone, Serialize)]
pub struct UserEvent {
    /// `created` or `updated`.
    pub kind: &'static str,
    /// The user, with its detail in `changed-users` mode.
    #[serde(flatten)]
    pub user: UserPayload,
    /// True when VOMO anonymized the account (a `vomodeleteduser...@vomo.org` email).
    pub anonymized: bool,
}

/// The user as listed, or with its detail when the mode fetched it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum UserPayload {
    /// As the listing gave it (participations `off` and `full-scan`).
    Listed {
        /// The user.
        user: User,
    },
    /// With its detail, read for the event (`changed-users`).
    Detailed {
        /// The user's detail.
        user: UserDetail,
    },
}

impl UserPayload {
    /// The user, in either form (`e.user.user().id`).
    pub fn user(&self) -> &User {
        match self {
            UserPayload::Listed { user } => user,
            UserPayload::Detailed { user } => &user.user,
        }
    }

    /// Its detail, when the mode read it (`changed-users`).
    pub fn detail(&self) -> Option<&UserDetail> {
        match self {
            UserPayload::Listed { .. } => None,
            UserPayload::Detailed { user } => Some(user),
        }
    }
}

/// A participation added, changed or removed since it was last seen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipationEvent {
    /// `added`, `changed` or `removed`.
    pub kind: &'static str,
    /// Whose participation it is.
    pub user_id: UserId,
    /// The participation now (as last seen, for `removed`).
    pub participation: Participation,
    /// The previous version, for `changed`.
    pub before: Option<Participation>,
}

/// A change given to the dead-letter handler: a handler threw, or a record was unreadable.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterEvent {
    /// The user as delivered, or the raw record that could not be read.
    pub user: serde_json::Value,
    /// What failed.
    pub error: DeadLetterError,
    /// Which delivery of the change failed: 1 for the first.
    pub attempt: u32,
    /// True when the change is given up (after `max_attempts`, or a record that could not be
    /// read): it is not offered again.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The participation event `onParticipation` refused (`error.kind`
    /// `participation_handler`); `None` for a user's change or an unreadable record.
    pub participation: Option<ParticipationEvent>,
    /// The version of the user it is about: what a sink keys a dead letter by, to drop one
    /// offered again (a sink that was down). The user's own, or an unreadable record's when its
    /// `id` and `updated_at` read as a readable record's would (the rule the poller settles
    /// such a record by, `parse::dropped_version`); `None` when they do not.
    pub version: Option<Version>,
}

/// A user's version: its id and `updatedAt`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Version {
    pub id: UserId,
    #[serde(rename = "updatedAt")]
    pub updated_at: crate::time::Timestamp,
}

impl Version {
    /// The version of `user`, a user as delivered (`updatedAt`) or a raw record (`updated_at`).
    pub fn of(user: &serde_json::Value) -> Option<Version> {
        let (id, ms) = crate::parse::dropped_version(user).or_else(|| {
            let id = crate::parse::dropped_id(user)?;
            let at = user.get("updatedAt")?.as_str().and_then(crate::time::Timestamp::parse)?;
            Some((id, at.0))
        })?;
        Some(Version { id, updated_at: crate::time::Timestamp(ms) })
    }
}

/// The error of a dead letter.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterError {
    /// What failed: `handler` (a user's event), `participation_handler` (a participation's)
    /// or `parse` (a record that could not be read).
    pub kind: String,
    /// The [`HandlerFailure`]'s message, or why the record could not be read.
    pub message: String,
    /// Set when the error is one a JS handler threw (the façade hands back the original).
    #[serde(rename = "handlerErrorRef")]
    pub handler_ref: Option<f64>,
}

/// Why a handler failed: the `Err` of [`Handlers::deliver`], made with
/// [`HandlerFailure::new`] (or from a [`VomoError`](crate::VomoError), so that `?` on a call of
/// the client inside a handler works).
///
/// The poller keeps the change in its dead-letter queue, offers it again on later polls, and
/// hands it to the handler as an [`Event::DeadLetter`] whose `error.message` is this
/// `message` (and whose `error.kind` says which handler failed: `handler` for a user's
/// event, `participation_handler` for a participation's). A change that failed
/// `max_attempts` times while the downstream otherwise works is given up (`final: true`);
/// failures in a row are an outage instead (see [`PollerConfig`](super::PollerConfig)).
#[derive(Debug, Clone)]
pub struct HandlerFailure {
    /// What went wrong, as the dead letter quotes it (the dead-letter handler, and whatever
    /// it logs or forwards, sees it: leave secrets out; the store keeps only the change).
    pub message: String,
    /// Set by the JS glue only: a handle to the value a JS handler threw, which the package
    /// hands back to JS in the dead letter. `None` from a Rust handler.
    pub handler_ref: Option<f64>,
}

impl HandlerFailure {
    /// A failure with this message, as a Rust handler reports one:
    /// `return Err(HandlerFailure::new(format!("CRM answered {status}")))`.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerFailure { message: message.into(), handler_ref: None }
    }
}

/// The error as it displays, kind included (`crm: 503 (server)`): the dead letter's own
/// kind names the handler, not the error.
impl From<crate::error::VomoError> for HandlerFailure {
    fn from(e: crate::error::VomoError) -> Self {
        HandlerFailure::new(e.to_string())
    }
}

/// The message.
impl std::fmt::Display for HandlerFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HandlerFailure {}

/// One event to deliver.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A user created or updated (JS: `onUser`).
    User(UserEvent),
    /// A participation added, changed or removed (JS: `onParticipation`).
    Participation(ParticipationEvent),
    /// A delivery that failed, or a record that could not be read (JS: `onDeadLetter`).
    DeadLetter(DeadLetterEvent),
}

/// The application's handlers. `Err` means the handler threw.
#[allow(async_fn_in_trait)]
pub trait Handlers {
    /// Handles one event. `Ok` when it is done with it (a user's change is then recorded as
    /// delivered and never offered again); `Err` queues a user's change as a dead letter (see
    /// [`HandlerFailure`]).
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
