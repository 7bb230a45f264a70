//! `GET /users` filters and the safety rules of walking its pages.

use super::url;
use crate::error::{ErrorKind, Result, VomoError};
use crate::model::{Links, Meta, Page, User};
use crate::parse::PageJson;
use crate::time::{Date, Timestamp};
use serde::Deserialize;
use std::collections::HashSet;

/// The list filters as JS passes them (camelCase; dates already ISO strings).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filters {
    /// Users updated after this: an ISO-8601 timestamp in any offset (sent as UTC with
    /// milliseconds; no offset reads as UTC), or a plain `YYYY-MM-DD` (sent as given).
    pub updated_after: Option<String>,
    /// Users updated before this (the API's docs call it inclusive), written as
    /// `updated_after` is.
    pub updated_before: Option<String>,
    /// Users created after this, written as `updated_after` is.
    pub created_after: Option<String>,
    /// Users created before this, written as `updated_after` is.
    pub created_before: Option<String>,
    /// Users whose name contains this.
    pub name_like: Option<String>,
    /// Users whose email contains this.
    pub email_like: Option<String>,
}

impl Filters {
    /// The filters that are dates (the others are texts): `policy().dateFilterKeys`, so that
    /// the JS façade takes a `Date` for these alone.
    pub const DATE_KEYS: [&'static str; 4] = ["updatedAfter", "updatedBefore", "createdAfter", "createdBefore"];

    /// The snake_case query parameters, validated: dates must be ISO-8601 (full timestamps
    /// are sent normalized to UTC milliseconds, plain dates as given).
    pub fn to_query(&self) -> Result<Vec<(&'static str, String)>> {
        let mut params = Vec::new();
        let dates = [
            ("updated_after", &self.updated_after),
            ("updated_before", &self.updated_before),
            ("created_after", &self.created_after),
            ("created_before", &self.created_before),
        ];
        for ((param, value), name) in dates.into_iter().zip(Self::DATE_KEYS) {
            let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { continue };
            let sent = if Date::parse(text).is_some() {
                text.to_string()
            } else {
                Timestamp::parse(text)
                    .ok_or_else(|| VomoError::invalid_input(format!("{name}: not an ISO-8601 date or timestamp: {text:?}")))?
                    .to_string()
            };
            params.push((param, sent));
        }
        for (param, value) in [("name_like", &self.name_like), ("email_like", &self.email_like)] {
            // Blank (a search box holding a space) is no filter, as an empty one is.
            if let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) {
                params.push((param, text.to_string()));
            }
        }
        Ok(params)
    }
}

/// The state of one listing: where to go next and what has been seen, so that a foreign
/// link, a loop or a runaway listing stops it before another request is sent.
#[derive(Debug, Clone)]
pub struct PageWalk {
    /// The client's base URL: links are followed only on its origin.
    base: url::Url,
    next_url: Option<String>,
    visited: HashSet<String>,
    pages: u64,
    latest_total: u64,
    per_page: u64,
    /// Why the walk stopped early; raised on the request after the page that caused it,
    /// so that page's users are still delivered.
    stopped: Option<VomoError>,
    /// The server's `Date` header on the last page (the server's clock, in ms).
    server_date_ms: Option<f64>,
    /// Whether the client adds to each page the warnings of `list_changes.rs` (the list
    /// changed while it was read); off for a caller that checks that itself.
    change_warnings: bool,
}

/// What a walk reads of a fetched page, whichever form its users were read into: model
/// structs ([`Page<User>`]) or JSON text for JS ([`PageJson`]).
pub trait ListedPage {
    /// The page's `links`.
    fn links(&self) -> &Links;
    /// The page's `meta`.
    fn meta(&self) -> &Meta;
    /// How many records the server sent, those dropped as unreadable included.
    fn records_sent(&self) -> usize;
    /// The page's parse warnings, which the client redacts in place.
    fn warnings_mut(&mut self) -> &mut Vec<String>;
}

impl ListedPage for Page<User> {
    fn links(&self) -> &Links {
        &self.links
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn records_sent(&self) -> usize {
        self.data.len() + self.dropped.len()
    }
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

impl ListedPage for PageJson {
    fn links(&self) -> &Links {
        &self.links
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn records_sent(&self) -> usize {
        self.sent
    }
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

/// Extra pages tolerated beyond what `meta.total` implies (the set may grow while paging).
const SLACK_PAGES: u64 = 3;

impl PageWalk {
    /// A walk from `first_url` that follows links on `base`'s origin only. A client starts
    /// one with [`Client::start_listing`](super::Client::start_listing).
    pub fn new(base: url::Url, first_url: String) -> Self {
        PageWalk {
            base,
            next_url: Some(first_url),
            visited: HashSet::new(),
            pages: 0,
            latest_total: 0,
            per_page: 1,
            stopped: None,
            server_date_ms: None,
            change_warnings: true,
        }
    }

    /// This walk without the warnings that the list changed while it was read (a caller
    /// that checks the totals itself, as `reconcile()` does).
    pub fn without_change_warnings(self) -> Self {
        PageWalk { change_warnings: false, ..self }
    }

    /// Whether the client adds the warnings that the list changed while it was read.
    pub fn reports_changes(&self) -> bool {
        self.change_warnings
    }

    /// A walk with nothing left to fetch.
    pub fn finished(base: url::Url) -> Self {
        PageWalk { next_url: None, ..PageWalk::new(base, String::new()) }
    }

    /// The URL to request next, or `None` when the listing is over.
    pub fn next_url(&self) -> Option<&str> {
        self.next_url.as_deref()
    }

    /// How many pages the walk has fetched.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The server's clock at the last page, from its `Date` header.
    pub fn server_date_ms(&self) -> Option<f64> {
        self.server_date_ms
    }

    /// `meta.total` of the last page fetched.
    pub fn latest_total(&self) -> u64 {
        self.latest_total
    }

    /// `meta.per_page` of the last page fetched (at least 1).
    pub fn latest_per_page(&self) -> u64 {
        self.per_page
    }

    /// The reason the walk stopped early, once.
    pub fn take_stop_reason(&mut self) -> Option<VomoError> {
        self.stopped.take()
    }

    /// Records a fetched page and decides where to go next. A next link that must not be
    /// followed ends the walk; the reason is kept for [`PageWalk::take_stop_reason`].
    pub fn advance(&mut self, fetched_url: &str, page: &impl ListedPage, server_date_ms: Option<f64>) {
        self.next_url = None;
        self.server_date_ms = server_date_ms;
        if let Err(e) = self.decide_next(fetched_url, page) {
            // Named by the response it came in, as the client's other errors name their request.
            let message = format!("GET {}: {}", url::path_and_query(fetched_url), e.message);
            self.stopped = Some(VomoError { message, ..e });
        }
    }

    fn decide_next(&mut self, fetched_url: &str, page: &impl ListedPage) -> Result<()> {
        self.visited.insert(fetched_url.to_string());
        self.pages += 1;
        self.latest_total = page.meta().total;
        self.per_page = page.meta().per_page.max(1);
        let allowed = self.latest_total.div_ceil(self.per_page) + SLACK_PAGES + self.latest_total.div_ceil(self.per_page) / 10;
        let Some(link) = page.links().next.as_deref() else { return Ok(()) };
        if page.records_sent() == 0 {
            // An empty page with a next link would only loop. Empty as sent: a page whose every
            // record was unreadable (dropped with a warning) goes on to the next.
            return Ok(());
        }
        // Resolved against the page it came from and checked the WHATWG way; the walk
        // sends exactly the re-serialized URL that passed.
        let from = url::Url::parse(fetched_url).map_err(|e| VomoError::new(ErrorKind::UnsafeLink, format!("unreadable page URL ({e})")))?;
        let next: String = url::same_origin(link, &from, &self.base, "links.next")?.into();
        if self.visited.contains(&next) {
            return Err(VomoError::parse("links.next", format_args!("repeats an already fetched page ({})", url::path_and_query(&next))));
        }
        if self.pages >= allowed {
            return Err(VomoError::parse(
                "links.next",
                format_args!(
                    "the listing ran past meta.total ({} users at {} per page) after {} pages",
                    self.latest_total, self.per_page, self.pages
                ),
            ));
        }
        self.next_url = Some(next);
        Ok(())
    }
}
