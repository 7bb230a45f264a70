//! POST /users input: validated before sending, empty optional fields left out.

use crate::error::{Result, VomoError};
use crate::model::Gender;
use crate::time::Date;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The upsert fields as JS passes them (camelCase). Any other key is refused: a misspelt
/// field (`phoneNumber`) would otherwise be dropped without a word.
///
/// `first_name`, `last_name` and `email` are required; empty optional fields are not sent.
/// [`UpsertInput::to_body`] checks them all before anything is sent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "an object of upsert fields")]
pub struct UpsertInput {
    /// Required.
    pub first_name: Option<String>,
    /// Required.
    pub last_name: Option<String>,
    /// Required: the key VOMO upserts by (case-insensitively), a plausible address without
    /// control or invisible characters.
    pub email: Option<String>,
    /// Sent as given.
    pub phone: Option<String>,
    /// `YYYY-MM-DD`, a real date.
    pub birthday: Option<String>,
    /// `M`, `F` or `N`, any case.
    pub gender: Option<String>,
    /// `VOLUNTEER`, `ORGANIZER` or `ADMIN`, any case (sent upper-case).
    pub role: Option<String>,
    /// Sent as given.
    pub address: Option<String>,
    /// Sent as given.
    pub org: Option<String>,
    /// Sent as given.
    pub invite_code: Option<String>,
    /// Sent as given; an import keeps it in no form (it is not part of a record's digest).
    pub password: Option<String>,
}

const ROLES: [&str; 3] = ["VOLUNTEER", "ORGANIZER", "ADMIN"];

/// A plausible email: one `@`, a local part, a dotted domain, no spaces, and nothing no
/// address holds that would still be sent and stored (a NUL, a line break, a zero-width or
/// bidirectional character pasted from a web page: `ann\u{200b}@example.org` is another
/// account than `ann@example.org` that looks the same).
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
}

/// A combining accent (U+0300-U+036F) right after an ASCII letter, as `e` + U+0301 for `é`:
/// Unicode's decomposed form (NFD: macOS file names, some exports), which shows as the
/// composed letter but is other text, so another account than the composed address (an outside
/// test's roster made two users of `renée@…` written both ways). Without Unicode's tables (a
/// normalization crate weighs tens of KiB of wasm) the letters are not composed here; an
/// upsert refuses the address, naming the accent (a lookup takes it: it creates nothing).
/// Scripts whose marks have no composed form (an email in Devanagari) use other blocks and
/// pass.
fn decomposed_accent(email: &str) -> Option<(char, char)> {
    let mut before = None;
    for c in email.chars() {
        if let (Some(letter), '\u{300}'..='\u{36f}') = (before, c) {
            return Some((letter, c));
        }
        before = Some(c).filter(char::is_ascii_alphabetic);
    }
    None
}

/// Format characters that show as nothing: zero-width (space, joiners, word joiner, BOM),
/// the soft hyphen, and the bidirectional marks, embeddings, overrides and isolates.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl UpsertInput {
    /// The trimmed email, lower-cased: the key VOMO matches on.
    pub fn normalized_email(&self) -> Option<String> {
        present(&self.email).map(crate::case::lowercase)
    }

    /// Checks the input and builds the snake_case JSON body. Every problem is listed in
    /// `fields`, as a 422 would list them.
    pub fn to_body(&self) -> Result<String> {
        self.to_body_for("upsertUser")
    }

    /// [`Self::to_body`], its message beginning with `who` (the caller the problems are about).
    pub fn to_body_for(&self, who: &str) -> Result<String> {
        let mut problems: Vec<(&str, String)> = Vec::new();
        let mut body = Map::new();
        for (field, value) in [("first_name", &self.first_name), ("last_name", &self.last_name), ("email", &self.email)] {
            match present(value) {
                Some(v) => {
                    body.insert(field.into(), Value::String(v.to_string()));
                }
                None => problems.push((field, format!("The {} field is required.", field.replace('_', " ")))),
            }
        }
        if let Some(email) = present(&self.email) {
            if let Some((letter, accent)) = decomposed_accent(email) {
                problems.push((
                    "email",
                    format!(
                        "The email has a combining accent (U+{:04X}) after {letter:?}: write the accented letter as one character \
                         (Unicode NFC, as most systems do): written so it would be another account than the address it looks like.",
                        accent as u32
                    ),
                ));
            } else if !is_plausible_email(email) {
                problems.push(("email", "The email must be a valid email address.".into()));
            }
        }
        if let Some(g) = present(&self.gender) {
            match Gender::parse(g) {
                Some(g) => {
                    body.insert("gender".into(), Value::String(g.as_str().into()));
                }
                None => problems.push(("gender", format!("The gender must be one of M, F, N (got {g:?})."))),
            }
        }
        if let Some(b) = present(&self.birthday) {
            match Date::parse(b) {
                Some(d) => {
                    body.insert("birthday".into(), Value::String(d.to_string()));
                }
                None => problems.push(("birthday", format!("The birthday must be a real date as YYYY-MM-DD (got {b:?})."))),
            }
        }
        if let Some(r) = present(&self.role) {
            let upper = r.to_ascii_uppercase();
            if ROLES.contains(&upper.as_str()) {
                body.insert("role".into(), Value::String(upper));
            } else {
                problems.push(("role", format!("The role must be one of VOLUNTEER, ORGANIZER, ADMIN (got {r:?}).")));
            }
        }
        for (field, value) in [
            ("phone", &self.phone),
            ("address", &self.address),
            ("org", &self.org),
            ("invite_code", &self.invite_code),
            ("password", &self.password),
        ] {
            if let Some(v) = present(value) {
                body.insert(field.into(), Value::String(v.to_string()));
            }
        }
        if problems.is_empty() {
            return Ok(Value::Object(body).to_string());
        }
        let message = problems.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ");
        let mut fields = crate::error::FieldErrors::new();
        for (f, m) in problems {
            fields.entry(f.to_string()).or_default().push(m);
        }
        Err(VomoError::invalid_input(format!("{who}: {message}")).with_fields(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_with_a_control_or_invisible_character_is_not_plausible() {
        assert!(is_plausible_email("ann@example.org"));
        assert!(is_plausible_email("jos\u{e9}.m\u{fc}ller@exampl\u{e9}.org"), "non-ASCII letters are fine");
        assert!(is_plausible_email("\u{939}\u{93f}\u{928}\u{94d}\u{926}\u{940}@example.org"), "marks of other scripts are fine");
        assert_eq!(decomposed_accent("rene\u{301}e@example.org"), Some(('e', '\u{301}')));
        assert_eq!(decomposed_accent("ann@exa\u{300}mple.org"), Some(('a', '\u{300}')));
        assert_eq!(decomposed_accent("\u{939}\u{93f}@example.org"), None);
        for bad in [
            "ann\u{0}@example.org",
            "ann\u{7f}@example.org",
            "ann\u{85}@example.org",
            "ann\u{200b}@example.org",
            "ann@exa\u{200d}mple.org",
            "\u{feff}ann@example.org",
            "ann\u{202e}@example.org",
            "ann\u{ad}@example.org",
            "ann@example.org\u{2060}",
        ] {
            assert!(!is_plausible_email(bad), "{bad:?}");
        }
        let e = UpsertInput {
            first_name: Some("A".into()),
            last_name: Some("B".into()),
            email: Some("ann\u{0}@example.org".into()),
            ..Default::default()
        }
        .to_body()
        .unwrap_err();
        assert_eq!(e.fields.unwrap()["email"], ["The email must be a valid email address."]);
    }

    fn input(first: &str, last: &str, email: &str) -> UpsertInput {
        UpsertInput { first_name: Some(first.into()), last_name: Some(last.into()), email: Some(email.into()), ..Default::default() }
    }

    #[test]
    fn empty_optional_fields_are_not_sent_and_enums_are_normalized() {
        let mut i = input(" Ann ", "Lee", "ann@x.org");
        i.phone = Some("  ".into());
        i.gender = Some("f".into());
        i.role = Some("organizer".into());
        let body: Value = serde_json::from_str(&i.to_body().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"first_name":"Ann","last_name":"Lee","email":"ann@x.org","gender":"F","role":"ORGANIZER"}));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut i = input("", "Lee", "not-an-email");
        i.birthday = Some("2023-02-29".into());
        i.gender = Some("X".into());
        i.role = Some("boss".into());
        let e = i.to_body().unwrap_err();
        let fields = e.fields.unwrap();
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["birthday", "email", "first_name", "gender", "role"]);
    }
}
