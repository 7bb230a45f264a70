//! The one error type of the crate. Every failure a caller can see is a [`VomoError`]
//! with a [`ErrorKind`]; the glue turns it into the JS `VomoError` class in one place.

use std::collections::BTreeMap;
use std::fmt;

/// What went wrong, as API.md's error table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidInput,
    Validation,
    Auth,
    Forbidden,
    NotFound,
    RateLimited,
    Server,
    Network,
    Timeout,
    Parse,
    UnsafeLink,
    Aborted,
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
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub message: String,
    pub fields: Option<FieldErrors>,
    /// An opaque handle to what a host callback threw (a JS store's or mapping's error), set by
    /// the wasm glue, which keeps the value and hands it back to JS as the error's `cause`. The
    /// core only carries it along.
    pub host_error: Option<u32>,
}

impl VomoError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        VomoError { kind, status: None, message: message.into(), fields: None, host_error: None }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = Some(fields);
        self
    }

    /// A parse error at a JSON path, e.g. `parse("data[3].id", "expected an integer id")`.
    pub fn parse(path: &str, what: impl fmt::Display) -> Self {
        let at = if path.is_empty() { "$".to_string() } else { path.to_string() };
        VomoError::new(ErrorKind::Parse, format!("{at}: {what}"))
    }

    pub fn invalid_input(what: impl Into<String>) -> Self {
        VomoError::new(ErrorKind::InvalidInput, what)
    }

    pub fn retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for VomoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind.as_str())
    }
}

impl std::error::Error for VomoError {}

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
    pub kind: String,
    pub status: Option<u16>,
    pub message: String,
    pub fields: Option<FieldErrors>,
}

impl From<&VomoError> for ErrorInfo {
    fn from(e: &VomoError) -> Self {
        ErrorInfo { kind: e.kind.as_str().into(), status: e.status, message: e.message.clone(), fields: e.fields.clone() }
    }
}
