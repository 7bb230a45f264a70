//! What a non-2xx response means: its kind, message and 422 field errors.

use super::runtime::HttpResponse;
use crate::error::{ErrorKind, VomoError};

/// The `message` of an error body, or a short excerpt of a non-JSON one, ending in `...` where
/// it was cut (which also lets the redaction find a token cut there: see `redact.rs`).
pub fn server_message(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => v.get("message").and_then(|m| m.as_str()).unwrap_or("").to_string(),
        Err(_) => {
            let excerpt: String = body.chars().take(80).collect();
            let cut = excerpt.len() < body.len();
            format!("{}{}", excerpt.trim(), if cut { "..." } else { "" })
        }
    }
}

/// The reason phrase of a 4xx that reaches `validation` without a message of the server's.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        _ => "Client Error",
    }
}

pub fn client_error(what: &str, response: &HttpResponse) -> VomoError {
    let status = response.status;
    let message = server_message(&response.body);
    let (kind, label) = match status {
        401 => (ErrorKind::Auth, "401 Unauthenticated: the token is missing, invalid or expired"),
        403 => (ErrorKind::Forbidden, "403 Forbidden: the token lacks permission"),
        404 => (ErrorKind::NotFound, "404 Not Found"),
        410 => (ErrorKind::NotFound, "410 Gone"),
        _ => (ErrorKind::Validation, "rejected"),
    };
    // Every VOMO API answers GET and POST /users: a 404 for them says the base URL is not the
    // API's (most often its path, such as /v1, left out), which the bare 404 did not.
    let path = what.split_once(' ').map(|(_, p)| p.split('?').next().unwrap_or(p));
    let hint = match (kind, path) {
        (ErrorKind::NotFound, Some(p)) if p.ends_with("/users") => {
            "; no users endpoint at this base URL: check baseUrl, which includes the API's path (such as https://api.vomo.org/v1)"
        }
        _ => "",
    };
    let mut e =
        VomoError::new(kind, format!("{what}: {label}{}{hint}", if message.is_empty() { String::new() } else { format!(" ({message})") }))
            .with_status(status);
    if kind == ErrorKind::Validation {
        e.message = match message.is_empty() {
            false => format!("{what}: {status} {message}"),
            true => format!("{what}: {status} {} (the server sent no message)", reason(status)),
        };
        let errors = serde_json::from_str::<serde_json::Value>(&response.body).ok().and_then(|v| v.get("errors").cloned());
        let mut fields = crate::error::FieldErrors::new();
        if let Some(serde_json::Value::Object(map)) = errors {
            for (k, v) in map {
                let list = match v {
                    serde_json::Value::Array(items) => {
                        items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect()
                    }
                    serde_json::Value::String(s) => vec![s],
                    other => vec![other.to_string()],
                };
                fields.insert(k, list);
            }
        }
        e.fields = Some(fields);
    }
    e
}
