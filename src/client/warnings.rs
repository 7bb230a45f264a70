//! The parse warnings the client hands to the runtime's warning callback. The parser's own
//! `data[5].user_status: ...` (what `page.warnings` keeps) names a position within one
//! response: the same on every page, and no user. A log of a listing, or the CLI's list of
//! warnings, each once, could tell neither which user nor which page, and collapsed the
//! warnings of two pages into one line. So each names its request and, when it is about one
//! user, that user's id.

use std::fmt::Display;

/// The record a warning is about, from the start of its path: `data[5]` (a page's record; its
/// index given), or a detail's `data` or `data[0]`; and what follows it (a field's path and
/// the message, or the message alone). `None` for a warning about no record (`links.next`).
fn record(warning: &str) -> Option<(&str, Option<usize>, &str)> {
    let after = warning.strip_prefix("data")?;
    let (index, rest) = match after.strip_prefix('[') {
        Some(inside) => {
            let end = inside.find(']')?;
            (Some(inside[..end].parse().ok()?), &inside[end + 1..])
        }
        None => (None, after),
    };
    let record = &warning[..warning.len() - rest.len()];
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix(": "))?;
    Some((record, index, rest))
}

/// The warning with its request in front and, when it is about a record whose user's id
/// `id_of` knows (given the record's index in `data`, if any), that id after the record:
/// `GET /v1/users?page=3: data[5] (user 4211): user_status: unknown value "SUSPENDED" kept as sent`.
/// Otherwise the parser's text after the request: `GET /v1/users?page=3: links.next: ...`,
/// `GET /v1/users?page=3: data[5].id: expected a positive integer id, got "x" (user dropped from the page)`.
pub(super) fn in_context(request: &impl Display, warning: &str, id_of: impl FnOnce(Option<usize>) -> Option<i64>) -> String {
    match record(warning).and_then(|(record, index, rest)| Some((record, id_of(index)?, rest))) {
        Some((record, id, rest)) => format!("{request}: {record} (user {id}): {rest}"),
        None => format!("{request}: {warning}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "GET /v1/users?page=3";

    fn page(warning: &str) -> String {
        let ids = [Some(11), None, Some(4211)];
        in_context(&REQUEST, warning, |i| i.and_then(|i| ids.get(i).copied().flatten()))
    }

    #[test]
    fn a_records_warning_names_the_request_and_the_user() {
        assert_eq!(
            page(r#"data[2].user_status: unknown value "SUSPENDED" kept as sent"#),
            r#"GET /v1/users?page=3: data[2] (user 4211): user_status: unknown value "SUSPENDED" kept as sent"#
        );
        assert_eq!(
            page("data[0].participations[1].hours: not a number; read as 0"),
            "GET /v1/users?page=3: data[0] (user 11): participations[1].hours: not a number; read as 0"
        );
        assert_eq!(
            page("data[2].email: expected a non-empty email string, got null (user dropped from the page)"),
            "GET /v1/users?page=3: data[2] (user 4211): email: expected a non-empty email string, got null (user dropped from the page)"
        );
        assert_eq!(
            page("data[0]: something about the whole record"),
            "GET /v1/users?page=3: data[0] (user 11): something about the whole record"
        );
    }

    #[test]
    fn without_a_readable_id_or_a_record_the_parsers_text_follows_the_request() {
        for warning in [
            r#"data[1].id: expected a positive integer id, got "x" (user dropped from the page)"#, // no id
            "data[7].gender: read as null",                                                        // past the ids known
            "links.next: expected a URL string, got 3; read as null",
            "meta.from: not a non-negative integer: -1; read as null",
            "database: not a record",
            "data[x].gender: not an index",
            "data[3",
            "",
        ] {
            assert_eq!(page(warning), format!("{REQUEST}: {warning}"));
        }
    }

    #[test]
    fn a_details_warning_names_its_user_too() {
        let detail = |w: &str| in_context(&"POST /v1/users", w, |_| Some(8205));
        assert_eq!(detail("data.gender: read as null"), "POST /v1/users: data (user 8205): gender: read as null");
        assert_eq!(
            detail("data: a one-element array where the live API sends an object; read its element"),
            "POST /v1/users: data (user 8205): a one-element array where the live API sends an object; read its element"
        );
        assert_eq!(detail("data[0].gender: read as null"), "POST /v1/users: data[0] (user 8205): gender: read as null");
    }
}
