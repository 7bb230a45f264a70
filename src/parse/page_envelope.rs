//! The `links` and `meta` of a plain page, read from their text by the page scanner
//! ([`super::page_scan`]) without building serde_json values: the rules of
//! [`super::page::links`] and [`super::page::meta`] restricted to values they read without a
//! warning or an error. Anything else (`None` here) goes through those readers, so the
//! result, warnings and errors included, stays theirs; `tests/page_json_matches_model.rs`
//! checks both routes agree. Reading them as values took about a tenth of the scan of a
//! 15-user page (two maps of owned keys built, looked up and dropped per page).

use super::clean_user::visible_ends;
use super::page_scan::{Cursor, Kind, Span};
use crate::model::{Links, Meta};

/// The members of the object at `span` (already validated), as unescaped key bytes and
/// value spans; `None` for an escaped key or when `member` says so.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))] // see Cursor::string
fn members(text: &[u8], span: Span, mut member: impl FnMut(&[u8], Span) -> Option<()>) -> Option<()> {
    let mut c = Cursor::at(text, span.start);
    c.open(b'{')?;
    c.ws();
    if c.close(b'}') {
        return Some(());
    }
    loop {
        let key = c.key()?;
        if key.kind != Kind::Str(false) {
            return None;
        }
        let value = c.value()?;
        member(&c.b[key.start + 1..key.end - 1], value)?;
        if c.next_member(b'}')? {
            return Some(());
        }
    }
}

/// A plain string's text when it is neither blank nor `"null"`, `Some(None)` when it is
/// empty or `"null"` (ASCII ends only, where `trim` has nothing to remove).
fn text_or_null(text: &[u8], v: Span) -> Option<Option<&str>> {
    match v.kind {
        Kind::Null => Some(None),
        Kind::Str(false) => {
            let inner = text.get(v.start + 1..v.end - 1)?;
            if inner.is_empty() || inner.eq_ignore_ascii_case(b"null") {
                Some(None)
            } else {
                // Whole UTF-8: the scanner validated it.
                visible_ends(inner).then(|| std::str::from_utf8(inner).ok().map(Some)).flatten()
            }
        }
        _ => None,
    }
}

/// `links` as [`super::page::links`] reads it without a warning.
pub(super) fn links(text: &[u8], (span, serde_reads): (Span, bool)) -> Option<Links> {
    if !serde_reads {
        return None;
    }
    if span.kind == Kind::Null {
        return Some(Links::default());
    }
    if text.get(span.start) != Some(&b'{') {
        return None;
    }
    let mut links = Links::default();
    let mut seen = [false; 4];
    members(text, span, |key, v| {
        let (k, slot) = match key {
            b"first" => (0, &mut links.first),
            b"last" => (1, &mut links.last),
            b"prev" => (2, &mut links.prev),
            b"next" => (3, &mut links.next),
            _ => return Some(()),
        };
        if std::mem::replace(&mut seen[k], true) {
            return None; // repeated: the last one counts there
        }
        *slot = text_or_null(text, v)?.map(str::to_string);
        Some(())
    })?;
    Some(links)
}

/// A non-negative integer of at most 15 digits, sent as a number or as a string of digits;
/// `Some(None)` for null, `""` and `"null"`.
fn count(text: &[u8], v: Span) -> Option<Option<u64>> {
    let b = text;
    let digits = match v.kind {
        Kind::Number => &b[v.start..v.end],
        Kind::Str(false) => match text_or_null(text, v)? {
            Some(inner) => inner.as_bytes(),
            None => return Some(None),
        },
        Kind::Null => return Some(None),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(d - b'0');
    }
    Some(Some(n))
}

/// `meta` as [`super::page::meta`] reads it without a warning or an error.
pub(super) fn meta(text: &[u8], (span, serde_reads): (Span, bool)) -> Option<Meta> {
    if !serde_reads || text.get(span.start) != Some(&b'{') {
        return None;
    }
    // current_page, per_page, total, from, to, last_page
    let mut counts: [Option<Option<u64>>; 6] = [None; 6];
    let mut path: Option<Option<&str>> = None;
    members(text, span, |key, v| {
        let k = match key {
            b"current_page" => 0,
            b"per_page" => 1,
            b"total" => 2,
            b"from" => 3,
            b"to" => 4,
            b"last_page" => 5,
            b"path" => {
                if path.is_some() {
                    return None;
                }
                // "null" as a path carries a warning on the model route.
                path = Some(match text_or_null(text, v)? {
                    None if v.kind != Kind::Null && v.end - v.start > 2 => return None,
                    p => p,
                });
                return Some(());
            }
            _ => return Some(()),
        };
        if counts[k].is_some() {
            return None;
        }
        counts[k] = Some(count(text, v)?);
        Some(())
    })?;
    let [Some(Some(current_page)), Some(Some(per_page)), Some(Some(total)), from, to, last_page] = counts else {
        return None; // a required count missing or null: the model route's error
    };
    if current_page == 0 || per_page == 0 {
        return None; // the model route's warning
    }
    Some(Meta {
        current_page,
        per_page,
        total,
        from: from.flatten(),
        to: to.flatten(),
        last_page: last_page.flatten(),
        path: path.flatten().map(str::to_string),
    })
}
