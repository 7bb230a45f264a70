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
    /// The JSON text of the whole `Page<User>`.
    pub fn into_json(self) -> Result<String> {
        let mut out = self.head;
        for (key, json) in [("links", to_json(&self.links)?), ("meta", to_json(&self.meta)?), ("warnings", to_json(&self.warnings)?)] {
            out.push_str(",\"");
            out.push_str(key);
            out.push_str("\":");
            out.push_str(&json);
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

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| VomoError::parse("$", e))
}
