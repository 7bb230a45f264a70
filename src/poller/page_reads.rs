//! Which page of a window a walk reads next, and when it has read them all, while rows leave
//! the window mid-walk (the argument is in docs/poller.md, "The mechanism", point 2).
//!
//! The listing is in id order in offset pages. Inside a window already in the server's past
//! rows can only leave (an update moves `updated_at` past the end, a delete removes the row),
//! so a row that stays in the window until the walk ends only moves up: by at most the number
//! of rows that left meanwhile. Each read `i` counts the window (`meta.total`, `T_i`) at `c_i`
//! and then selects its page's rows at `s_i`, with `c_i < s_i < c_{i+1}`; the fall
//! `d_i = T_{i-1} - T_i` is the number of rows that left between `c_{i-1}` and `c_i`.
//!
//! `covered` is a number of positions: every row that stays with a position below it, as of
//! the select of the read before the last, was delivered. A staying row moved up at most
//! `d_i + d_{i+1}` places between `s_{i-1}` and `s_i` (both lie between `c_{i-1}` and
//! `c_{i+1}`), so the bound for read `i` is known once read `i + 1` has counted:
//! `covered - d_i - d_{i+1}` still holds at `s_i`, and read `i`'s page extends it when the page
//! starts at or before it. Until then the last read's bound is tentative (its own rows may have
//! moved between its count and its select), and it picks the next page: the one holding the
//! first position not yet covered, which is behind the last read when rows left. The walk is
//! complete when a finalized bound reaches its read's total, or when the tentative one does and
//! the last page holds every row its total says it must (a row that left between that page's
//! count and its rows would leave it short, [`short`](super::walk)); a short last page is read
//! again, and that read's fall finalizes it.
//!
//! Compared with walking the whole window again when a total falls, a row leaving costs about
//! three pages read again instead of the window (BENCHMARKS.md, "a backfill while users keep
//! changing").

use serde::{Deserialize, Serialize};

/// Reads in a row that bring no new position under cover, beyond the pages a step back has to
/// read again to get back where it was, before a walk is given up (rows leaving about as fast
/// as pages are read would hold it back for good; the window is then walked again, halved,
/// and a smaller window has fewer rows to leave it). A step back after one row left takes
/// three reads.
pub(crate) const MAX_STALLED_READS: u64 = 16;

/// A walk's reads of one window's pages (saved with the walk, so a new process goes on; a
/// field a saved walk lacks reads as 0).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PageReads {
    /// Positions below this, as of the select of the read before the last, are delivered.
    pub covered: u64,
    /// The last read's page (1-based; 0 before the first read).
    pub page: u64,
    /// The last read's `meta.per_page`: the rows its page stands for when the next read
    /// finalizes it (a server may change its page size between two reads; 0 in a walk saved
    /// before it was kept: the next read's size is taken, as it was then).
    pub per_page: u64,
    /// The last read's `meta.total`.
    pub total: u64,
    /// How far the last read's total fell below the read's before it.
    pub fall: u64,
    /// The highest `covered` so far. A walk that stopped gaining (rows leaving about as fast
    /// as its pages are read) is given up, once it has had the reads a step back from `best`
    /// to `low` takes, and 16 more (`MAX_STALLED_READS`).
    pub best: u64,
    /// The lowest `covered` since `best` last rose.
    pub low: u64,
    /// Reads since `best` last rose.
    pub stalled: u64,
}

/// Where a walk goes after a read.
#[derive(Debug, PartialEq)]
pub enum NextRead {
    /// Read this page (1-based) next.
    Page(u64),
    /// Every row that stayed in the window was delivered.
    Complete,
    /// The total rose: a row entered the window, which the argument rules out; the window is
    /// walked again from its first page.
    Rose,
    /// Rows left about as fast as pages were read (`MAX_STALLED_READS`): the same.
    Stalled,
}

impl PageReads {
    /// Records a read of `page` (`per_page` rows each) whose total was `total`; `short`: it
    /// held fewer rows than that total says the page must.
    pub fn read(&mut self, page: u64, per_page: u64, total: u64, short: bool) -> NextRead {
        let per_page = per_page.max(1);
        let page = page.max(1);
        let fall = if self.page == 0 {
            0
        } else if total > self.total {
            return NextRead::Rose;
        } else {
            self.total - total
        };
        if self.page > 0 {
            // The read before this one, finalized by this read's count, with its own page size.
            let its_size = if self.per_page > 0 { self.per_page } else { per_page };
            self.covered = extend(self.covered.saturating_sub(self.fall + fall), self.page, its_size);
            if self.covered >= self.total {
                return NextRead::Complete;
            }
            if self.covered > self.best {
                (self.best, self.low, self.stalled) = (self.covered, self.covered, 0);
            } else {
                self.low = self.low.min(self.covered);
                self.stalled += 1;
            }
        }
        self.page = page;
        self.per_page = per_page;
        self.total = total;
        self.fall = fall;
        let tentative = extend(self.covered.saturating_sub(fall), page, per_page);
        if tentative < total {
            if self.stalled > MAX_STALLED_READS + (self.best - self.low) / per_page {
                return NextRead::Stalled;
            }
            NextRead::Page(tentative / per_page + 1)
        } else if short {
            NextRead::Page(page) // its next count says whether a row left before its rows were read
        } else {
            NextRead::Complete
        }
    }
}

/// `covered` extended by a page read at the same moment, if the page starts within it.
pub(super) fn extend(covered: u64, page: u64, per_page: u64) -> u64 {
    if (page - 1).saturating_mul(per_page) <= covered {
        covered.max(page.saturating_mul(per_page))
    } else {
        covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_window_is_read_page_after_page_once() {
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 40, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 40, false), NextRead::Page(3));
        assert_eq!(r.read(3, 15, 40, false), NextRead::Complete);
        assert_eq!((r.best, r.low, r.stalled), (30, 30, 0));
        let mut empty = PageReads::default();
        assert_eq!(empty.read(1, 15, 0, false), NextRead::Complete);
        let mut one_page = PageReads::default();
        assert_eq!(one_page.read(1, 15, 15, false), NextRead::Complete);
    }

    #[test]
    fn a_row_that_left_steps_the_walk_back_past_the_pages_it_can_have_shifted() {
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 100, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 100, false), NextRead::Page(3));
        assert_eq!(r.read(3, 15, 100, false), NextRead::Page(4));
        // One row left between page 3's count and page 4's: page 3's rows may have been
        // selected after it left, so page 3 is no longer known to touch what came before it.
        assert_eq!(r.read(4, 15, 99, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 99, false), NextRead::Page(3));
        assert_eq!(r.read(3, 15, 99, false), NextRead::Page(4));
        assert_eq!(r.read(4, 15, 99, false), NextRead::Page(5));
        for page in 5..=6 {
            assert_eq!(r.read(page, 15, 99, false), NextRead::Page(page + 1));
        }
        assert_eq!(r.read(7, 15, 99, false), NextRead::Complete);
        assert_eq!((r.best, r.stalled), (90, 0));
    }

    #[test]
    fn many_rows_leaving_step_back_as_many_pages() {
        let mut r = PageReads::default();
        for page in 1..=5 {
            assert_eq!(r.read(page, 10, 200, false), NextRead::Page(page + 1));
        }
        // 25 left: page 5 no longer touches what came before it (40 - 25 = 15 covered), and
        // page 6's rows may have moved 25 more: back to the first page.
        assert_eq!(r.read(6, 10, 175, false), NextRead::Page(1));
        assert_eq!((r.covered, r.best, r.low, r.stalled), (15, 40, 15, 1));
        // Reading forward again gains nothing until it passes where it was.
        for page in 1..=5 {
            assert_eq!(r.read(page, 10, 175, false), NextRead::Page(page + 1));
        }
        assert_eq!((r.covered, r.best, r.low, r.stalled), (40, 40, 0, 6));
        assert_eq!(r.read(6, 10, 175, false), NextRead::Page(7));
        assert_eq!((r.covered, r.best, r.low, r.stalled), (50, 50, 50, 0));
    }

    #[test]
    fn a_walk_that_gains_nothing_is_given_up_after_the_pages_it_had_to_read_again() {
        // One row leaves before every read: the walk goes back and forth over pages 1 and 2.
        let mut r = PageReads::default();
        let mut total = 1000;
        assert_eq!(r.read(1, 15, total, false), NextRead::Page(2));
        let mut page = 2;
        let mut reads = 1;
        loop {
            total -= 1;
            reads += 1;
            match r.read(page, 15, total, false) {
                NextRead::Page(next) => page = next,
                other => {
                    assert_eq!(other, NextRead::Stalled);
                    break;
                }
            }
            assert!(reads < 100, "never given up");
        }
        assert_eq!(reads, 2 + MAX_STALLED_READS as usize + 1);
        // 400 rows leaving at once, 40 pages in: back to the first page, and the 40 pages it
        // had read are read again, and the rest, without the walk being given up.
        let mut r = PageReads::default();
        for page in 1..=40 {
            assert_eq!(r.read(page, 15, 1000, false), NextRead::Page(page + 1));
        }
        assert_eq!(r.read(41, 15, 600, false), NextRead::Page(1));
        for page in 1..=39 {
            assert_eq!(r.read(page, 15, 600, false), NextRead::Page(page + 1), "page {page}");
        }
        assert_eq!(r.read(40, 15, 600, false), NextRead::Complete);
    }

    #[test]
    fn a_short_last_page_is_read_again_and_its_next_count_decides() {
        // The same total: nothing left between its count and its rows (a server short for
        // another reason): complete after that one read.
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 20, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 20, true), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 20, true), NextRead::Complete);
        // A lower total: a row left, and page 2's rows can have moved onto page 1.
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 20, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 20, true), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 19, false), NextRead::Page(1));
        assert_eq!(r.read(1, 15, 19, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 19, false), NextRead::Complete);
    }

    #[test]
    fn a_rising_total_is_outside_the_argument() {
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 20, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 21, false), NextRead::Rose);
    }

    #[test]
    fn a_page_counts_with_its_own_size_when_the_server_changes_it_between_reads() {
        // 15 a page, then 10 for one read (page 3 is then positions 20..30), then 15 again.
        let mut r = PageReads::default();
        assert_eq!(r.read(1, 15, 100, false), NextRead::Page(2));
        assert_eq!(r.read(2, 15, 100, false), NextRead::Page(3));
        assert_eq!(r.read(3, 10, 100, false), NextRead::Page(4), "30 covered: page 4 of 10");
        // Page 3 of 10 covers nothing past 30; taken at 15 a page it would have stood for
        // 30..45, which no read returned. So the walk reads page 3 of 15 (30..45) next.
        assert_eq!(r.read(4, 15, 100, false), NextRead::Page(3));
        assert_eq!(r.covered, 30);
        // A walk saved before the size was kept (0) takes the next read's size, as it did.
        let mut old = PageReads { covered: 15, page: 2, per_page: 0, total: 100, fall: 0, best: 15, low: 15, stalled: 0 };
        assert_eq!(old.read(3, 15, 100, false), NextRead::Page(4));
        assert_eq!(old.covered, 30);
    }
}
