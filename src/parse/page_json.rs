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
    /// The page's JSON text up to the end of its users: `{"data":[...]` (written first, so
    /// that nothing is moved when the rest is appended).
    pub head: String,
    /// How many users `head` holds.
    pub count: usize,
    pub links: Links,
    pub meta: Meta,
    pub warnings: Vec<String>,
}

impl PageJson {
    /// The JSON text of the whole `Page<User>`, as serde_json writes it (written by hand:
    /// three serializations into strings of their own were a visible share of a page).
    pub fn into_json(self) -> Result<String> {
        let mut out = self.head;
        let links = [("{\"first\":", &self.links.first), (",\"last\":", &self.links.last), (",\"prev\":", &self.links.prev), (",\"next\":", &self.links.next)];
        out.push_str(",\"links\":");
        for (key, link) in links {
            out.push_str(key);
            push_str_or_null(&mut out, link.as_deref())?;
        }
        let m = &self.meta;
        out.push_str("},\"meta\":{\"currentPage\":");
        push_count(&mut out, Some(m.current_page));
        out.push_str(",\"from\":");
        push_count(&mut out, m.from);
        out.push_str(",\"to\":");
        push_count(&mut out, m.to);
        out.push_str(",\"path\":");
        push_str_or_null(&mut out, m.path.as_deref())?;
        out.push_str(",\"perPage\":");
        push_count(&mut out, Some(m.per_page));
        out.push_str(",\"total\":");
        push_count(&mut out, Some(m.total));
        out.push_str(",\"lastPage\":");
        push_count(&mut out, m.last_page);
        out.push_str("},\"warnings\":");
        if self.warnings.is_empty() {
            out.push_str("[]");
        } else {
            out.push_str(&to_json(&self.warnings)?);
        }
        out.push('}');
        Ok(out)
    }

    fn from_page(page: Page<User>) -> Result<PageJson> {
        Ok(PageJson { head: format!("{{\"data\":{}", to_json(&page.data)?), count: page.data.len(), links: page.links, meta: page.meta, warnings: page.warnings })
    }
}

/// A `GET /users` body to its `Page<User>` with the users as JSON text.
pub fn user_page_parts(text: &str) -> Result<PageJson> {
    let text = text.trim_start_matches('\u{feff}');
    match page_scan::scan(text) {
        Some(page) => page,
        None => PageJson::from_page(page::user_page_text(text)?),
    }
}

/// A `GET /users` body to the JSON text of its `Page<User>`.
pub fn user_page_json(text: &str) -> Result<String> {
    user_page_parts(text)?.into_json()
}

/// A JSON string as serde_json writes it (which escapes only `"`, `\\` and control
/// characters), or `null`.
fn push_str_or_null(out: &mut String, s: Option<&str>) -> Result<()> {
    match s {
        None => out.push_str("null"),
        Some(s) if s.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\') => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Some(s) => out.push_str(&to_json(&s)?),
    }
    Ok(())
}

fn push_count(out: &mut String, n: Option<u64>) {
    let Some(mut n) = n else {
        out.push_str("null");
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
    out.extend(digits[at..].iter().map(|&d| d as char));
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
            let meta = Meta { current_page: i as u64, from: None, to: Some(u64::MAX), path: Some(s.to_string()), per_page: 15, total: 10_000, last_page: (i % 2 == 1).then_some(0) };
            let warnings = if i % 3 == 0 { vec![] } else { vec![s.to_string(), "data[0]: x".into()] };
            let page = Page::<User> { data: vec![], links: links.clone(), meta: meta.clone(), warnings: warnings.clone(), dropped: vec![] };
            let parts = PageJson { head: "{\"data\":[]".into(), count: 0, links, meta, warnings };
            assert_eq!(parts.into_json().unwrap(), serde_json::to_string(&page).unwrap());
        }
    }
}
