//! `GET /users` body text straight to the normalized JSON text that JS parses once: the
//! hot path of `parseUserPage` and of the listing. [`super::page_scan`] reads a plain page
//! in one pass; any other page takes the model route ([`super::page::user_page_text`] and
//! serialization), so both routes give the same result, warnings included
//! (`tests/page_json_matches_model.rs` checks that on arbitrary pages).

use super::page;
use super::page_scan;
use crate::error::{Result, VomoError};
use crate::model::{Links, Meta, Page, User};

/// A page whose users are already JSON text.
#[derive(Debug, Clone)]
pub struct PageJson {
    /// The page's JSON text (UTF-8) up to the end of its users: `{"data":[...]` (written
    /// first, so that nothing is moved when the rest is appended).
    pub head: Vec<u8>,
    /// How many users `head` holds.
    pub count: usize,
    /// How many records the server sent in `data`: `count` and those dropped as unreadable.
    pub sent: usize,
    /// The page's `links`.
    pub links: Links,
    /// The page's `meta`.
    pub meta: Meta,
    /// What the parser coerced, dropped or did not recognize, each with its JSON path.
    pub warnings: Vec<String>,
}

impl PageJson {
    /// The JSON text of the whole `Page<User>`.
    pub fn into_json(self) -> Result<String> {
        String::from_utf8(self.into_json_bytes()?).map_err(|e| VomoError::parse("$", e))
    }

    /// [`Self::into_json`] as UTF-8 bytes, as serde_json writes it (written by hand: three
    /// serializations into strings of their own were a visible share of a page). For wasm,
    /// where the host decodes them (`TextDecoder`) and nothing needs to check them here.
    pub fn into_json_bytes(self) -> Result<Vec<u8>> {
        let mut out = self.head;
        let links = [
            ("{\"first\":", &self.links.first),
            (",\"last\":", &self.links.last),
            (",\"prev\":", &self.links.prev),
            (",\"next\":", &self.links.next),
        ];
        out.extend_from_slice(b",\"links\":");
        for (key, link) in links {
            out.extend_from_slice(key.as_bytes());
            push_str_or_null(&mut out, link.as_deref())?;
        }
        let m = &self.meta;
        out.extend_from_slice(b"},\"meta\":{\"currentPage\":");
        push_count(&mut out, Some(m.current_page));
        out.extend_from_slice(b",\"from\":");
        push_count(&mut out, m.from);
        out.extend_from_slice(b",\"to\":");
        push_count(&mut out, m.to);
        out.extend_from_slice(b",\"path\":");
        push_str_or_null(&mut out, m.path.as_deref())?;
        out.extend_from_slice(b",\"perPage\":");
        push_count(&mut out, Some(m.per_page));
        out.extend_from_slice(b",\"total\":");
        push_count(&mut out, Some(m.total));
        out.extend_from_slice(b",\"lastPage\":");
        push_count(&mut out, m.last_page);
        out.extend_from_slice(b"},\"warnings\":");
        if self.warnings.is_empty() {
            out.extend_from_slice(b"[]");
        } else {
            out.extend_from_slice(to_json(&self.warnings)?.as_bytes());
        }
        out.push(b'}');
        Ok(out)
    }

    fn from_page(page: Page<User>) -> Result<PageJson> {
        Ok(PageJson {
            head: format!("{{\"data\":{}", to_json(&page.data)?).into_bytes(),
            count: page.data.len(),
            sent: page.data.len() + page.dropped.len(),
            links: page.links,
            meta: page.meta,
            warnings: page.warnings,
        })
    }
}

/// A `GET /users` body to its `Page<User>` with the users as JSON text.
pub fn user_page_parts(text: &str) -> Result<PageJson> {
    user_page_parts_utf8(text.as_bytes())
}

/// [`user_page_parts`] over the body's bytes, which must be UTF-8: a page the scanner reads
/// is checked as it goes (it validates every string, and JSON has no other place for
/// characters beyond ASCII), any other page before the model route.
pub fn user_page_parts_utf8(bytes: &[u8]) -> Result<PageJson> {
    let mut body = bytes;
    while let Some(rest) = body.strip_prefix("\u{feff}".as_bytes()) {
        body = rest;
    }
    if let Some(page) = page_scan::scan(body) {
        return page;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => PageJson::from_page(page::user_page_text(text.trim_start_matches('\u{feff}'))?),
        Err(e) => Err(VomoError::parse("$", format_args!("not UTF-8 ({e})"))),
    }
}

/// A `GET /users` body to the JSON text of its `Page<User>`.
pub fn user_page_json(text: &str) -> Result<String> {
    user_page_parts(text)?.into_json()
}

/// A JSON string as serde_json writes it (which escapes only `"`, `\\` and control
/// characters), or `null`.
fn push_str_or_null(out: &mut Vec<u8>, s: Option<&str>) -> Result<()> {
    match s {
        None => out.extend_from_slice(b"null"),
        Some(s) if s.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\') => {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Some(s) => out.extend_from_slice(to_json(&s)?.as_bytes()),
    }
    Ok(())
}

fn push_count(out: &mut Vec<u8>, n: Option<u64>) {
    let Some(mut n) = n else {
        out.extend_from_slice(b"null");
        return;
    };
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| VomoError::parse("$", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_json_writes_what_serde_json_writes() {
        let odd = ["a\"b\\c", "tab\there", "\u{1}\u{1f}", "é 日本 \u{7f} \u{2028}", "", "https://x/users?page=2"];
        for (i, s) in odd.iter().enumerate() {
            let links = Links { first: Some(s.to_string()), last: None, prev: Some("p".into()), next: (i % 2 == 0).then(|| s.to_string()) };
            let meta = Meta {
                current_page: i as u64,
                from: None,
                to: Some(u64::MAX),
                path: Some(s.to_string()),
                per_page: 15,
                total: 10_000,
                last_page: (i % 2 == 1).then_some(0),
            };
            let warnings = if i % 3 == 0 { vec![] } else { vec![s.to_string(), "data[0]: x".into()] };
            let page = Page::<User> { data: vec![], links: links.clone(), meta: meta.clone(), warnings: warnings.clone(), dropped: vec![] };
            let parts = PageJson { head: b"{\"data\":[]".to_vec(), count: 0, sent: 0, links, meta, warnings };
            assert_eq!(parts.into_json().unwrap(), serde_json::to_string(&page).unwrap());
        }
    }
}

#[cfg(test)]
mod sent_tests {
    use super::*;

    /// `sent` counts the records the server sent, those dropped as unreadable included, on the
    /// scanner's route and on the model route alike (the listing's short-page warning reads it).
    #[test]
    fn sent_counts_dropped_records_on_both_routes() {
        let user = |id: u32| {
            format!(
                r#"{{"id":{id},"email":"u{id}@example.org","first_name":"A","last_name":"B","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}}"#
            )
        };
        let meta = r#""meta":{"current_page":1,"per_page":15,"total":3}"#;
        let records = format!(r#"{},{{"id":"x","email":"bad@example.org"}},{}"#, user(1), user(2));
        // Plain links: the scanner reads the page. A links value the scanner leaves to the model route ("null" strings).
        for links in [r#""links":{"next":null}"#, r#""links":{"next":"null","prev":"null"}"#] {
            let page = user_page_parts(&format!(r#"{{"data":[{records}],{links},{meta}}}"#)).unwrap();
            assert_eq!((page.count, page.sent), (2, 3), "{links} {:?}", page.warnings);
        }
        // A record the model route alone can read (an id as digits in a string) next to a dropped one.
        let page = user_page_parts(&format!(r#"{{"data":[{{"id":"7","email":"s@example.org","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}},{{"email":"no-id@example.org"}}],"links":{{}},{meta}}}"#)).unwrap();
        assert_eq!((page.count, page.sent), (1, 2));
        let model = PageJson::from_page(page::user_page_text(r#"{"data":[{"id":1,"email":"a@b.c","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"},{"id":2}],"links":{},"meta":{"current_page":1,"per_page":15,"total":2}}"#).unwrap()).unwrap();
        assert_eq!((model.count, model.sent), (1, 2));
        let empty = user_page_parts(r#"{"data":[],"links":{},"meta":{"current_page":1,"per_page":15,"total":0}}"#).unwrap();
        assert_eq!((empty.count, empty.sent), (0, 0));
    }
}
