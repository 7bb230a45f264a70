//! Walking closed time windows `[checkpoint, end]` of `updated_at` (the argument is in
//! docs/poller.md). One step of the walk fetches one page; what happens around it is a
//! small state machine:
//!
//! - **open** a window when none is in progress: from the checkpoint to the server's now
//!   (its `Date` header, or a local estimate fixed for the poll) minus the margin, or at a
//!   point this poll already knows to hold few enough rows (row_counts.rs); or stop,
//!   caught up, when the checkpoint is already there;
//! - **check the first page**: reopen the window from the `Date` header when its end is too
//!   close to the server's now or far behind it, narrow it when it holds too many rows, or
//!   keep it;
//! - **deliver** the page's users (a halt keeps the page for the next poll);
//! - **advance**: the next page, or one behind it when the total fell (page_reads.rs); the
//!   same window again, halved, when its total rose or the walk stopped gaining (given up
//!   for this poll after `MAX_RESTARTS`); or complete it, moving the checkpoint to its end.

use super::delivery::Delivery;
use super::page_reads::{NextRead, PageReads};
use super::row_counts::{second, RowCounts};
use super::state::WindowWalk;
use super::{Handlers, PollRun, Poller, StopReason, Store};
use crate::client::{Filters, PageWalk, Runtime, UnreportedWarnings};
use crate::error::Result;
use crate::model::{Page, User};
use crate::time::Timestamp;

/// How far before the server's `Date` a window must end (see docs/poller.md).
const DATE_SAFETY_MS: i64 = 2_000;
/// How far a window's end may lag the server's clock before it is moved up.
const CLOCK_TOLERANCE_MS: i64 = 2_000;
/// The `Date` header's grain: whole seconds, so an estimate of the server's clock made from
/// one may run up to this far ahead of the next.
const DATE_GRAIN_MS: i64 = 1_000;
/// Unstable walks of one window (and clock fixes) tolerated per poll.
pub(crate) const MAX_RESTARTS: u32 = 3;

/// What this poll knows of the server's clock.
#[derive(Debug, Default)]
struct ServerClock {
    /// The `Date` header of the poll's latest first page.
    date: Option<i64>,
    /// Without a `Date` header: the local estimate of the server's now, fixed for the poll,
    /// so that the walk ends instead of chasing a clock that moves with every request.
    estimate: Option<f64>,
    /// Windows reopened from a `Date` header in this poll.
    fixes: u32,
}

impl ServerClock {
    /// True when a window ending at `checkpoint` is as recent as a window may be.
    fn caught_up(&self, checkpoint: i64, margin: i64) -> bool {
        match (self.date, self.estimate) {
            (Some(date), _) => checkpoint >= date - margin - CLOCK_TOLERANCE_MS,
            (None, Some(e)) => checkpoint >= e as i64 - margin,
            (None, None) => false,
        }
    }

    /// The server's now: its last `Date`, else the estimate (fixed once made).
    fn now(&mut self, local_now: f64, offset: Option<f64>) -> i64 {
        match self.date {
            Some(date) => date,
            None => *self.estimate.get_or_insert(local_now + offset.unwrap_or(0.0)) as i64,
        }
    }
}

/// The verdict on a window's first page.
enum FirstPage {
    /// Walk it as it is.
    Keep,
    /// Start the window again with this end: pulled in for its rows (`narrowed`), or set by
    /// the server's clock.
    Reopen { end: i64, narrowed: bool },
    /// The server's clock says nothing new can be asked for yet.
    CaughtUp,
}

/// Where a window goes after a page's users were delivered.
enum Advance {
    /// Read this page of the window next (page_reads.rs).
    Page(u64),
    /// Walk the window again, halved, from its first page.
    Again,
    /// Unstable too often in this poll: wait for the next one.
    GiveUp,
    Complete,
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    fn window_url(&self, start_ms: i64, end_ms: i64) -> Result<String> {
        let filters = Filters {
            updated_after: Some(Timestamp(start_ms).to_string()),
            updated_before: Some(Timestamp(end_ms).to_string()),
            ..Default::default()
        };
        self.client.list_url(&filters)
    }

    /// A page of the window, by the API's `page` parameter (as Laravel's own links carry it):
    /// a walk that steps back reads a page behind the last one (page_reads.rs).
    fn window_page_url(&self, walk: &WindowWalk, page: u64) -> Result<String> {
        Ok(format!("{}&page={page}", self.window_url(walk.start_ms, walk.end_ms)?))
    }

    pub(crate) async fn fetch_page(&self, page_url: String, call: &R::Call, sends: Option<u64>) -> Result<(Page<User>, PageWalk)> {
        let (mut page, walk, unreported) = self.fetch_page_unreported(page_url, call, sends).await?;
        if let Some(u) = unreported {
            self.client.report_page_warnings(u, &mut page.warnings);
        }
        Ok((page, walk))
    }

    /// [`Poller::fetch_page`] with the page's warnings left for the caller to report: a window's
    /// first page that reopens the window is read again, and its users' warnings are reported
    /// only then, once.
    async fn fetch_page_unreported(
        &self,
        page_url: String,
        call: &R::Call,
        sends: Option<u64>,
    ) -> Result<(Page<User>, PageWalk, Option<UnreportedWarnings>)> {
        let mut walk = PageWalk::new(self.client.base_url().clone(), page_url);
        // A walk with a URL always yields a page or an error.
        Ok(match self.client.next_page_unreported(&mut walk, call, sends).await? {
            Some((page, unreported)) => (page, walk, Some(unreported)),
            None => (empty_page(), walk, None),
        })
    }

    /// Walks windows until the checkpoint is within the margin of the server's clock.
    /// Returns false when it stopped early (`run.stop` says why).
    pub(crate) async fn walk_windows(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        let mut clock = ServerClock::default();
        let mut counts = RowCounts::default();
        loop {
            // Caught up first: a poll whose last request of its budget brought it up to date
            // is complete, so that `while (!r.complete) poll({ maxRequests })` ends.
            let Some(mut walk) = self.current_window(run, &mut clock, &mut counts) else { return Ok(true) };
            if run.out_of_budget(&self.client) {
                return Ok(false);
            }
            // A page link saved by an earlier poll is followed only on this client's origin
            // (state taken over from an earlier address holds that address's links): else the
            // window is walked again from its first page, which delivers nothing twice.
            if walk.next_url.as_deref().is_some_and(|u| !self.client.owns_url(u)) {
                walk.from_first_page();
            }
            let first = walk.next_url.is_none();
            let page_url = match &walk.next_url {
                Some(u) => u.clone(),
                None => self.window_url(walk.start_ms, walk.end_ms)?,
            };
            let fetched = self.fetch_page_unreported(page_url.clone(), run.call, run.sends_left(&self.client)).await;
            let Some((mut page, mut pages, unreported)) = run.within_budget(&self.client, fetched)? else { return Ok(false) };
            if first {
                match self.check_first_page(run, &mut clock, &mut counts, &walk, &page, pages.server_date_ms()) {
                    FirstPage::Keep => {}
                    FirstPage::Reopen { end, narrowed } => {
                        walk.end_ms = end;
                        walk.narrowed = narrowed;
                        run.state.core.walk = Some(walk);
                        continue;
                    }
                    FirstPage::CaughtUp => {
                        run.state.core.walk = None;
                        return Ok(true);
                    }
                }
            }
            // Only for a page that is delivered: a reopened window's first page (above) is read
            // again, and its users' warnings would be reported twice.
            if let Some(u) = unreported {
                self.client.report_page_warnings(u, &mut page.warnings);
            }
            if self.deliver_page(run, &page).await? == Delivery::Halt {
                walk.next_url = Some(page_url);
                run.state.core.walk = Some(walk);
                return Ok(false);
            }
            if let Some(e) = pages.take_stop_reason() {
                run.state.core.walk = None;
                return Err(self.client.fail(e));
            }
            match advance(&mut walk, &page) {
                Advance::Page(number) => {
                    walk.next_url = Some(self.window_page_url(&walk, number)?);
                    run.state.core.walk = Some(walk);
                }
                Advance::Again => run.state.core.walk = Some(walk),
                Advance::GiveUp => {
                    run.state.core.walk = None;
                    run.stop = Some(StopReason::UnsettledWindow);
                    return Ok(false);
                }
                Advance::Complete => {
                    run.state.core.checkpoint_ms = next_start(walk.end_ms);
                    run.state.core.has_history = true;
                    run.state.core.walk = None;
                }
            }
            self.save_state(run).await?;
        }
    }

    /// The window in progress, or a new one from the checkpoint; `None` when caught up.
    fn current_window(&self, run: &PollRun<'_, R>, clock: &mut ServerClock, counts: &mut RowCounts) -> Option<WindowWalk> {
        if let Some(w) = &run.state.core.walk {
            return Some(w.clone());
        }
        let start = run.state.core.checkpoint_ms;
        // Only an estimate until a Date header corrects it; even when the estimate says
        // nothing can be new, ask once, since the server's clock rules. An estimate made from
        // an earlier `Date` can run up to its grain ahead of the next one, so a window it ends
        // leaves that much more than the safety, or its first page would be re-set from `Date`
        // on every poll when the margin is small. The same margin decides "caught up": with a
        // smaller one there, a checkpoint between the two was never caught up, and each window
        // opened from it was 1 ms long (about a thousand requests a poll without `Date`).
        let margin = match clock.date {
            Some(_) => self.config.window_margin_ms,
            None => self.config.window_margin_ms.max(DATE_SAFETY_MS + DATE_GRAIN_MS),
        };
        if clock.caught_up(start, margin) {
            return None;
        }
        let server_now = clock.now(self.client.runtime().now_ms(), run.state.core.clock_offset_ms);
        let latest = (server_now - margin).max(start + 1);
        // Up to the server's now, unless this poll's counts say that holds too many rows.
        counts.begin(start);
        let end = counts.window_end(start, self.config.max_window_rows, latest).unwrap_or(latest);
        Some(WindowWalk { start_ms: start, end_ms: end, next_url: None, restarts: 0, narrowed: end < latest, reads: PageReads::default() })
    }

    /// Judges a window's first page by the server's `Date` and the window's size.
    fn check_first_page(
        &self,
        run: &mut PollRun<'_, R>,
        clock: &mut ServerClock,
        counts: &mut RowCounts,
        walk: &WindowWalk,
        page: &Page<User>,
        date: Option<f64>,
    ) -> FirstPage {
        counts.learn(walk.start_ms, walk.end_ms, page.meta.total);
        if let Some(date) = date {
            clock.date = Some(date as i64);
            run.state.core.clock_offset_ms = Some(date - self.client.runtime().now_ms());
            run.last_date = Some((date, self.client.runtime().monotonic_ms()));
            let safe_end = date as i64 - DATE_SAFETY_MS;
            let desired_end = date as i64 - self.config.window_margin_ms;
            // Too close to the server's now (rows could still enter the window while we
            // page), or far behind it when its end came from our estimate of that clock (the
            // estimate was stale; a window narrowed on purpose lies behind by design): end it
            // by the Date header and start again.
            let behind = !walk.narrowed && walk.end_ms < desired_end - CLOCK_TOLERANCE_MS && clock.fixes < MAX_RESTARTS;
            if walk.end_ms > safe_end || behind {
                clock.fixes += 1;
                return if desired_end <= walk.start_ms {
                    FirstPage::CaughtUp
                } else {
                    FirstPage::Reopen { end: desired_end, narrowed: false }
                };
            }
        }
        // More than one second (a single second cannot be split: it is walked as it is).
        if page.meta.total > self.config.max_window_rows && second(walk.end_ms) > second(walk.start_ms) {
            // The counts now know this window holds too many: an end before it.
            let end = counts.window_end(walk.start_ms, self.config.max_window_rows, walk.end_ms - 1);
            return FirstPage::Reopen { end: end.unwrap_or(walk.start_ms + (walk.end_ms - walk.start_ms) / 2), narrowed: true };
        }
        FirstPage::Keep
    }

    /// Dead-letters the page's unreadable records and delivers its users.
    async fn deliver_page(&self, run: &mut PollRun<'_, R>, page: &Page<User>) -> Result<Delivery> {
        if !page.data.is_empty() || !page.dropped.is_empty() {
            self.confirm_lease(run).await?;
        }
        for (raw, why) in page.dropped.iter().cloned() {
            if self.dead_letter_unreadable(run, raw, why).await? == Delivery::Halt {
                return Ok(Delivery::Halt);
            }
        }
        for user in &page.data {
            if self.deliver_user(run, user).await? == Delivery::Halt {
                return Ok(Delivery::Halt);
            }
        }
        // The downstream took this page's last change: the retries a run of refusals held
        // back go on (delivery.rs, offer_dead_letters).
        if !run.to_offer.is_empty() && run.consecutive_failures == 0 && !self.offer_dead_letters(run).await? {
            return Ok(Delivery::Halt);
        }
        Ok(Delivery::Done)
    }
}

/// Whether a page holds fewer rows than its own `meta.total` says it must. Laravel's
/// `paginate()` counts the rows and then selects the page's, two statements with no snapshot
/// between them: a row that left the window in between (an update, a delete) shifts the rows
/// behind it up one place, past a page already read, while this page's total does not show
/// it. On any page but the last, the next page's total falls and the walk sees it; the last
/// page has no next, so a short one is read again (page_reads.rs; the seeded simulation lost
/// changes before, tests/support `p_torn_page`).
fn short(page: &Page<User>) -> bool {
    ((page.data.len() + page.dropped.len()) as u64) < page.meta.rows_due()
}

/// Where a window goes once a page was delivered.
fn advance(walk: &mut WindowWalk, page: &Page<User>) -> Advance {
    let m = &page.meta;
    match walk.reads.read(m.current_page, m.per_page, m.total, short(page)) {
        NextRead::Complete => Advance::Complete,
        NextRead::Page(number) => Advance::Page(number),
        // A total that rose, or rows leaving about as fast as pages are read: the window is
        // walked again, halved, as often as `MAX_RESTARTS` allows in a poll.
        NextRead::Rose | NextRead::Stalled => {
            walk.restarts += 1;
            if walk.restarts >= MAX_RESTARTS {
                return Advance::GiveUp;
            }
            if walk.end_ms - walk.start_ms > 1000 {
                walk.end_ms = walk.start_ms + (walk.end_ms - walk.start_ms) / 2;
                walk.narrowed = true;
            }
            walk.from_first_page();
            Advance::Again
        }
    }
}

/// Where the window after one that ended at `end` starts. Inclusive, as the API compares
/// (the boundary second read again, the journal absorbing it), except after the last
/// millisecond of a second, where the next second starts: a window ending there held every
/// row of its last second however the server compares (whole seconds, truncated or rounded,
/// or the timestamps themselves, which the API gives in whole seconds), and no row's time
/// lies between the two. Windows narrowed for their rows end there, so a crowded second is
/// not read again by the window after it.
fn next_start(end: i64) -> i64 {
    if end.rem_euclid(1000) == 999 {
        end + 1
    } else {
        end
    }
}

fn empty_page() -> Page<User> {
    Page {
        data: Vec::new(),
        links: Default::default(),
        meta: crate::model::Meta { current_page: 1, from: None, to: None, path: None, per_page: 1, total: 0, last_page: None },
        warnings: Vec::new(),
        dropped: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_last_millisecond_of_a_second_the_next_window_starts_at_the_next_second() {
        const S: i64 = 1_767_243_610_000; // a whole second
        assert_eq!(next_start(S + 999), S + 1000);
        assert_eq!(next_start(S - 1), S);
        // Any other end: the next window starts there, and reads that second again.
        for end in [S, S + 1, S + 400, S + 998] {
            assert_eq!(next_start(end), end);
        }
        assert_eq!(next_start(-1), 0, "before 1970 too");
    }
}
