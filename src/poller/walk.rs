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
//!   note its `meta.total`;
//! - **deliver** the page's users (a halt keeps the page for the next poll);
//! - **advance**: next page; the same window again, halved, when its total changed while
//!   paging (given up for this poll after `MAX_RESTARTS`); or complete it, moving the
//!   checkpoint to its end.

use super::delivery::Delivery;
use super::row_counts::RowCounts;
use super::state::WindowWalk;
use super::{Handlers, PollRun, Poller, StopReason, Store};
use crate::client::{Filters, PageWalk, Runtime};
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
    NextPage(String),
    /// The set changed while paging: walk the window again (narrowed).
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

    pub(crate) async fn fetch_page(&self, page_url: String, call: &R::Call) -> Result<(Page<User>, PageWalk)> {
        let mut walk = PageWalk::new(self.client.base_url().clone(), page_url);
        let page = self.client.next_page(&mut walk, call).await?;
        // A walk with a URL always yields a page or an error.
        Ok((page.unwrap_or_else(empty_page), walk))
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
            let first = walk.next_url.is_none();
            let page_url = match &walk.next_url {
                Some(u) => u.clone(),
                None => self.window_url(walk.start_ms, walk.end_ms)?,
            };
            let (page, mut pages) = self.fetch_page(page_url.clone(), run.call).await?;
            if first {
                match self.check_first_page(run, &mut clock, &mut counts, &walk, &page, pages.server_date_ms()) {
                    FirstPage::Keep => walk.first_total = Some(page.meta.total),
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
            } else if walk.first_total != Some(page.meta.total) {
                walk.unstable = true;
            }
            if self.deliver_page(run, &page).await? == Delivery::Halt {
                walk.next_url = Some(page_url);
                run.state.core.walk = Some(walk);
                return Ok(false);
            }
            if let Some(e) = pages.take_stop_reason() {
                run.state.core.walk = None;
                return Err(e);
            }
            match advance(&mut walk, pages.next_url()) {
                Advance::NextPage(next) => {
                    walk.next_url = Some(next);
                    run.state.core.walk = Some(walk);
                }
                Advance::Again => run.state.core.walk = Some(walk),
                Advance::GiveUp => {
                    run.state.core.walk = None;
                    run.stop = Some(StopReason::UnsettledWindow);
                    return Ok(false);
                }
                Advance::Complete => {
                    run.state.core.checkpoint_ms = walk.end_ms;
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
        let end = counts.known_fit(start, self.config.max_window_rows, latest).unwrap_or(latest);
        Some(WindowWalk {
            start_ms: start,
            end_ms: end,
            next_url: None,
            first_total: None,
            unstable: false,
            restarts: 0,
            narrowed: end < latest,
        })
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
        if page.meta.total > self.config.max_window_rows && walk.end_ms - walk.start_ms > 1000 {
            // The sample's guess, but never below a point already known to fit.
            let guess = narrower_end(walk, page, self.config.max_window_rows);
            let fits = counts.known_fit(walk.start_ms, self.config.max_window_rows, walk.end_ms - 1);
            return FirstPage::Reopen { end: fits.map_or(guess, |f| f.max(guess)), narrowed: true };
        }
        FirstPage::Keep
    }

    /// Dead-letters the page's unreadable records and delivers its users.
    async fn deliver_page(&self, run: &mut PollRun<'_, R>, page: &Page<User>) -> Result<Delivery> {
        for (raw, why) in page.dropped.iter().cloned() {
            self.dead_letter_unreadable(run, raw, why).await?;
        }
        for user in &page.data {
            if self.deliver_user(run, user).await? == Delivery::Halt {
                return Ok(Delivery::Halt);
            }
        }
        Ok(Delivery::Done)
    }
}

/// Where a window goes once a page was delivered.
fn advance(walk: &mut WindowWalk, next_url: Option<&str>) -> Advance {
    if let Some(next) = next_url {
        return Advance::NextPage(next.to_string());
    }
    if !walk.unstable {
        return Advance::Complete;
    }
    walk.restarts += 1;
    if walk.restarts >= MAX_RESTARTS {
        return Advance::GiveUp;
    }
    if walk.end_ms - walk.start_ms > 1000 {
        walk.end_ms = walk.start_ms + (walk.end_ms - walk.start_ms) / 2;
        walk.narrowed = true;
    }
    walk.next_url = None;
    walk.first_total = None;
    walk.unstable = false;
    Advance::Again
}

/// A narrower window end, guessed from the `updated_at` spread of the first page's rows
/// (a sample of the window) so that about `target` rows remain.
///
/// The API compares `updated_at` by whole seconds, both ends inclusive: a window that ends
/// anywhere in a second holds every row of that second. So the window ends just before the
/// second of the guessed row, which leaves that second (perhaps a bunch of rows written by
/// one bulk update) to the next window, where it comes first. When the guessed second is
/// the window's first one, the window becomes that second alone: it cannot be split, and is
/// walked as it is. Ending at the guessed row itself (as before) kept the bunch in the
/// narrower window, whose rows then gave no guess, and the window was halved again and
/// again: 75 requests for 73 users written in one second with `maxWindowRows: 20`.
fn narrower_end(walk: &WindowWalk, page: &Page<User>, target: u64) -> i64 {
    let half = walk.start_ms + (walk.end_ms - walk.start_ms) / 2;
    let first_second = second_of(walk.start_ms);
    let mut times: Vec<i64> = page.data.iter().map(|u| u.updated_at.0).filter(|t| *t >= first_second && *t <= walk.end_ms).collect();
    times.sort_unstable();
    if times.is_empty() || page.meta.total == 0 {
        return half;
    }
    let share = target as f64 / page.meta.total as f64;
    let idx = ((times.len() as f64) * share).floor() as usize;
    let guessed_second = second_of(times[idx.min(times.len() - 1)]);
    let end = if guessed_second - 1 > walk.start_ms { guessed_second - 1 } else { (guessed_second + 999).max(walk.start_ms + 1) };
    if end < walk.end_ms {
        end
    } else {
        half
    }
}

/// The first millisecond of the second that holds `ms`.
fn second_of(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
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

    fn window(start_ms: i64, end_ms: i64) -> WindowWalk {
        WindowWalk { start_ms, end_ms, next_url: None, first_total: None, unstable: false, restarts: 0, narrowed: false }
    }

    /// A first page of `total` rows whose sample was stamped at `times` (ms).
    fn sample(times: &[i64], total: u64) -> Page<User> {
        let mut page = empty_page();
        page.meta.total = total;
        page.data = times
            .iter()
            .enumerate()
            .map(|(i, &t)| User {
                id: i as i64 + 1,
                first_name: String::new(),
                last_name: String::new(),
                full_name: String::new(),
                email: format!("u{i}@example.org"),
                phone: None,
                address: None,
                birthday: None,
                gender: None,
                created_at: Timestamp(t),
                updated_at: Timestamp(t),
                user_status: None,
                membership_status: None,
                membership_role: None,
            })
            .collect();
        page
    }

    const S: i64 = 1_767_243_610_000; // a whole second

    #[test]
    fn a_narrowed_window_ends_before_the_second_of_its_guess_so_a_bunch_there_goes_to_the_next_window() {
        // 73 rows in second S, the window from hours before to after it: end just before S.
        let w = window(S - 5 * 3_600_000, S + 25_000);
        assert_eq!(narrower_end(&w, &sample(&[S; 15], 73), 20), S - 1);
        // Rows spread out: the window ends before the second of the row at the target's share.
        let spread: Vec<i64> = (0..15).map(|i| S + i * 1000).collect();
        assert_eq!(narrower_end(&w, &sample(&spread, 150), 20), S + 2000 - 1, "20/150 of 15 rows: the third row's second");
        // A guess that fell on a row 400 ms into its second still ends before that second.
        assert_eq!(narrower_end(&w, &sample(&[S + 400; 3], 73), 20), S - 1);
    }

    #[test]
    fn a_bunch_in_the_windows_first_second_becomes_a_window_of_that_second_alone() {
        // Checkpoint at the last millisecond before the bunch (where the previous narrowing ended).
        let w = window(S - 1, S + 25_000);
        let end = narrower_end(&w, &sample(&[S; 15], 73), 20);
        assert_eq!(end, S + 999, "the second cannot be split: it is walked as it is");
        assert!(end - w.start_ms <= 1000, "short enough not to be narrowed again");
        // Checkpoint on the bunch's own second (start exactly S): the same one second.
        assert_eq!(narrower_end(&window(S, S + 25_000), &sample(&[S; 15], 73), 20), S + 999);
        // Checkpoint at the bunch second's last millisecond: the window still moves forward.
        let w = window(S + 999, S + 25_000);
        let end = narrower_end(&w, &sample(&[S; 15], 73), 20);
        assert!(end > w.start_ms && end < w.end_ms, "{end}");
    }

    #[test]
    fn no_sample_in_the_window_halves_it() {
        let w = window(S, S + 100_000);
        assert_eq!(narrower_end(&w, &sample(&[], 73), 20), S + 50_000);
        assert_eq!(narrower_end(&w, &sample(&[S + 200_000], 73), 20), S + 50_000, "rows outside the window say nothing");
    }
}
