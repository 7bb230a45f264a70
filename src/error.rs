//! The one error type of the crate. Every failure a caller can see is a [`VomoError`]
//! with a [`ErrorKind`]; the glue turns it into the JS `VomoError` class in one place.

use std::collections::BTreeMap;
use std::fmt;

/// What went wrong, as the error table of docs/api.md names it. It displays as its wire
/// name (`rate_limited`), the `kind` JS sees: [`ErrorKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Refused before anything was sent: bad upsert input, an unknown filter, a bad date, bad
    /// client, poller, import or call options.
    InvalidInput,
    /// A 422 (and other 4xx not listed here), with the server's field errors in
    /// [`VomoError::fields`].
    Validation,
    /// A 401: the token was refused.
    Auth,
    /// A 403.
    Forbidden,
    /// A 404 or 410 (except `get_user`, which gives `None`).
    NotFound,
    /// A 429 after the retries were spent, or at once when `Retry-After` exceeds the
    /// client's `max_retry_after_ms`. Retryable.
    RateLimited,
    /// A 5xx after the retries were spent; a chain of more than 5 same-origin redirects.
    /// Retryable.
    Server,
    /// The connection failed or dropped, after the retries; a store or mapping call that
    /// failed. Retryable.
    Network,
    /// No response within the timeout (per attempt), after the retries. Retryable.
    Timeout,
    /// A body that is not what the API documents, or larger than the client's
    /// `max_response_bytes`; a pagination that repeats a page or runs past its total.
    Parse,
    /// A pagination link or redirect to another origin (which receives no request), or with
    /// a user name or password.
    UnsafeLink,
    /// The call's abort signal fired.
    Aborted,
    /// Another poll of the same customer (or of the same poller, still running), another
    /// import with the same store and key, or one sharing the mapping, holds the lease.
    Busy,
    /// A bug inside the package (a Rust panic), with its message.
    Internal,
}

impl ErrorKind {
    /// The wire name JS sees in `error.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Validation => "validation",
            ErrorKind::Auth => "auth",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Parse => "parse",
            ErrorKind::UnsafeLink => "unsafe_link",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Busy => "busy",
            ErrorKind::Internal => "internal",
        }
    }

    /// Parses the wire name back (used for errors a JS handler or store throws).
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ALL_KINDS.iter().copied().find(|k| k.as_str() == name)
    }

    /// Every kind, in the order of API.md's table.
    pub fn all() -> &'static [ErrorKind] {
        &ALL_KINDS
    }

    /// Whether a later attempt may succeed: rate limits, server errors and transport failures.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Network | ErrorKind::Timeout)
    }
}

const ALL_KINDS: [ErrorKind; 14] = [
    ErrorKind::InvalidInput,
    ErrorKind::Validation,
    ErrorKind::Auth,
    ErrorKind::Forbidden,
    ErrorKind::NotFound,
    ErrorKind::RateLimited,
    ErrorKind::Server,
    ErrorKind::Network,
    ErrorKind::Timeout,
    ErrorKind::Parse,
    ErrorKind::UnsafeLink,
    ErrorKind::Aborted,
    ErrorKind::Busy,
    ErrorKind::Internal,
];

/// Field errors of a 422 body: `{ "email": ["The email has already been taken."] }`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// A failure with its kind, HTTP status (when one was received) and, for `validation`,
/// the field errors. Messages never contain the API token.
#[derive(Debug, Clone, PartialEq)]
pub struct VomoError {
    /// What went wrong; [`VomoError::retryable`] follows from it.
    pub kind: ErrorKind,
    /// The HTTP status of the response the error is about, when one was received.
    pub status: Option<u16>,
    /// What happened, for people: the request (`GET /v1/users/7`) or the option it is about,
    /// never the token.
    pub message: String,
    /// For `validation` (a 422) and `invalid_input` of an upsert: the field errors, as the
    /// server lists them (`{ "email": ["The email must be a valid email address."] }`).
    pub fields: Option<FieldErrors>,
    /// An opaque handle to what a host callback threw (a JS store's or mapping's error), set by
    /// the wasm glue, which keeps the value and hands it back to JS as the error's `cause`. The
    /// core only carries it along.
    pub host_error: Option<u32>,
    /// How long from now a later attempt may succeed, in ms, where the error knows: for
    /// `rate_limited`, the server's `Retry-After` (or its rate-limit window's reset); for
    /// `busy`, the time left on the other run's lease. `None` otherwise.
    pub retry_after_ms: Option<f64>,
}

impl VomoError {
    /// An error of this kind with this message, no status and no fields.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        VomoError { kind, status: None, message: message.into(), fields: None, host_error: None, retry_after_ms: None }
    }

    /// The error with the time after which a later attempt may succeed ([`VomoError::retry_after_ms`]).
    pub fn with_retry_after(mut self, ms: f64) -> Self {
        self.retry_after_ms = Some(ms.max(0.0));
        self
    }

    /// The error with the HTTP status of its response.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The error with field errors.
    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = Some(fields);
        self
    }

    /// A parse error at a JSON path, e.g. `parse("data[3].id", "expected an integer id")`.
    pub fn parse(path: &str, what: impl fmt::Display) -> Self {
        let at = if path.is_empty() { "$".to_string() } else { path.to_string() };
        VomoError::new(ErrorKind::Parse, format!("{at}: {what}"))
    }

    /// An `invalid_input` error: something refused before it was sent.
    pub fn invalid_input(what: impl Into<String>) -> Self {
        VomoError::new(ErrorKind::InvalidInput, what)
    }

    /// Whether a later attempt may succeed ([`ErrorKind::is_retryable`]): `rate_limited`,
    /// `server`, `network` and `timeout`.
    pub fn retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

/// The wire name, as [`ErrorKind::as_str`]: `format!("{}", e.kind)` is `rate_limited`, what
/// JS sees in `error.kind` (`{:?}` is the variant's name, `RateLimited`).
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message and the kind: `getUser: id must be a positive integer (got 0) (invalid_input)`.
impl fmt::Display for VomoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)
    }
}

impl std::error::Error for VomoError {}

/// The crate's `Result`: every fallible call fails with a [`VomoError`].
pub type Result<T> = std::result::Result<T, VomoError>;

/// A number as a JS caller wrote it, for messages: `Infinity`, `-Infinity` and `NaN` rather
/// than Rust's `inf`, `-inf` (finite numbers print alike: `1.5`, `3`).
pub fn js_number(n: f64) -> String {
    match n {
        f64::INFINITY => "Infinity".into(),
        f64::NEG_INFINITY => "-Infinity".into(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{ErrorKind, VomoError};

    #[test]
    fn an_error_kind_displays_as_its_wire_name() {
        assert_eq!(format!("{}", ErrorKind::RateLimited), "rate_limited");
        assert_eq!(ErrorKind::UnsafeLink.to_string(), "unsafe_link");
        for kind in ErrorKind::all() {
            assert_eq!(kind.to_string(), kind.as_str());
            assert_eq!(ErrorKind::from_name(&kind.to_string()), Some(*kind), "the name reads back");
        }
        let e = VomoError::new(ErrorKind::InvalidInput, "getUser: id must be a positive integer (got 0)");
        assert_eq!(e.to_string(), "getUser: id must be a positive integer (got 0) (invalid_input)");
        // A `dyn Error` like any other (`?` into `Box<dyn Error>`, anyhow, ...).
        let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), e.to_string());
    }

    #[test]
    fn js_number_prints_numbers_as_js_does() {
        let cases =
            [(f64::INFINITY, "Infinity"), (f64::NEG_INFINITY, "-Infinity"), (f64::NAN, "NaN"), (1.5, "1.5"), (3.0, "3"), (-0.25, "-0.25")];
        for (n, text) in cases {
            assert_eq!(super::js_number(n), text);
        }
    }
}

/// A `VomoError` as data (the JSON a result carries, and an import's saved outcome): the JS
/// façade makes a `VomoError` of it again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ErrorInfo {
    /// The kind's wire name ([`ErrorKind::as_str`]).
    pub kind: String,
    /// As [`VomoError::status`].
    pub status: Option<u16>,
    /// As [`VomoError::message`].
    pub message: String,
    /// As [`VomoError::fields`].
    pub fields: Option<FieldErrors>,
}

impl From<&VomoError> for ErrorInfo {
    fn from(e: &VomoError) -> Self {
        ErrorInfo { kind: e.kind.as_str().into(), status: e.status, message: e.message.clone(), fields: e.fields.clone() }
    }
}
