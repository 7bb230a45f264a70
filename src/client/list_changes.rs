//! What a page of a plain listing shows of the list changing while it was read.
//!
//! `GET /users` pages are offsets into the list as it is when each page is read: a user
//! created or deleted (or, with a date filter, updated into or out of it) shifts the rows
//! behind it from one page to the next, so a listing may miss a user or hold one twice.
//! Three signs can be seen from the pages alone, and each becomes a warning on the page that
//! shows it (so `page.warnings`, `onWarning`, the CLI and the admin page all have it):
//!
//! - a `meta.total` other than the page before's: rows came or went between the two pages;
//! - a `meta.per_page` other than the page before's: the server changed its page size, so
//!   this page's offset is not where the page before ended (rows skipped or repeated);
//! - a page holding fewer records than its own total says it must: the server counts the
//!   rows, then selects the page's, and a row deleted in between moves the one behind it onto
//!   the page before while every total agrees (docs/poller.md, mechanism 2).
//!
//! A delete and a create that cancel out between two pages leave neither sign. The poller's
//! window walk does not take these warnings: it reads around such changes itself.

use crate::model::Meta;

/// What the page before showed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Before {
    pub total: u64,
    /// At least 1, as the walk keeps it.
    pub per_page: u64,
}

/// The warnings for a page with `meta` holding `sent` records (those dropped as unreadable
/// count: the server's total counts them), read after the page `before` (none for a first page).
pub(crate) fn change_warnings(before: Option<Before>, meta: &Meta, sent: usize) -> Vec<String> {
    let mut out = Vec::new();
    let per_page = meta.per_page.max(1);
    if let Some(before) = before.filter(|b| b.total != meta.total) {
        out.push(format!(
            "meta.total: {} here, {} on the page before: the list changed while it was read, so a user may be missing or listed twice",
            meta.total, before.total
        ));
    }
    if let Some(before) = before.filter(|b| b.per_page != per_page) {
        out.push(format!(
            "meta.per_page: {per_page} here, {} on the page before: the server changed its page size while the list was read, so users may be missing or listed twice",
            before.per_page
        ));
    }
    let due = meta.rows_due();
    if (sent as u64) < due {
        out.push(format!(
            "data: {sent} record{} where meta.total ({}) says this page holds {due}: the list changed while it was read, so a user may be missing",
            if sent == 1 { "" } else { "s" },
            meta.total
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(current_page: u64, total: u64) -> Meta {
        Meta { current_page, from: None, to: None, path: None, per_page: 15, total, last_page: None }
    }

    /// After a page of 15 with `total` users.
    fn after(total: u64) -> Option<Before> {
        Some(Before { total, per_page: 15 })
    }

    #[test]
    fn an_unchanged_listing_has_no_warning() {
        // 40 users: 15, 15, 10; and an empty list's one empty page.
        for (page, sent) in [(1, 15), (2, 15), (3, 10)] {
            assert!(change_warnings(after(40).filter(|_| page > 1), &meta(page, 40), sent).is_empty(), "page {page}");
        }
        assert!(change_warnings(None, &meta(1, 0), 0).is_empty());
        // A page past the end (the server's own last page) is due nothing.
        assert!(change_warnings(after(40), &meta(4, 40), 0).is_empty());
        // More than due (a row created between the count and the rows) misses nobody.
        assert!(change_warnings(after(40), &meta(3, 40), 11).is_empty());
    }

    #[test]
    fn a_total_that_moved_between_pages_is_named_with_both_figures() {
        assert_eq!(
            change_warnings(after(40), &meta(2, 39), 15),
            ["meta.total: 39 here, 40 on the page before: the list changed while it was read, so a user may be missing or listed twice"]
        );
        assert_eq!(change_warnings(after(39), &meta(2, 41), 15).len(), 1, "a rise too");
    }

    #[test]
    fn a_page_short_of_its_own_total_is_named_with_what_it_held_and_was_due() {
        assert_eq!(
            change_warnings(after(40), &meta(3, 40), 9),
            ["data: 9 records where meta.total (40) says this page holds 10: the list changed while it was read, so a user may be missing"]
        );
        assert!(change_warnings(after(31), &meta(3, 32), 1)[1].starts_with("data: 1 record where meta.total (32) says this page holds 2:"));
        // A full page's due is per_page; both signs at once are both named.
        let both = change_warnings(after(41), &meta(2, 40), 14);
        assert_eq!(both.len(), 2);
        assert!(both[1].starts_with("data: 14 records where meta.total (40) says this page holds 15:"), "{both:?}");
        // A page size other than the page before's: its offset is not where that page ended.
        let resized = change_warnings(Some(Before { total: 40, per_page: 10 }), &meta(2, 40), 15);
        assert_eq!(
            resized,
            ["meta.per_page: 15 here, 10 on the page before: the server changed its page size while the list was read, so users may be missing or listed twice"]
        );
        // A server's per_page of 0 or a page number of 0 divides by nothing and overflows nothing.
        let odd = Meta { per_page: 0, current_page: 0, ..meta(0, u64::MAX) };
        assert_eq!(change_warnings(None, &odd, 0).len(), 1);
        assert_eq!(change_warnings(Some(Before { total: u64::MAX, per_page: 1 }), &odd, 0).len(), 1, "0 a page is read as 1");
    }
}
