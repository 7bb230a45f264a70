//! Walking time windows of `updated_at`, the participation scan, and reconciliation.

use super::delivery::Delivery;
use super::state::{ScanCursor, WindowWalk};
use super::{Handlers, PollRun, Poller, Reconciliation, Store};
use crate::client::{Filters, PageWalk, Runtime};
use crate::error::Result;
use crate::model::{Page, User};
use crate::time::Timestamp;
use std::collections::HashSet;

/// How far before the server's `Date` a window must end (see docs/poller.md).
const DATE_SAFETY_MS: i64 = 2_000;
/// How far a window's end may lag the server's clock before it is moved up.
const CLOCK_TOLERANCE_MS: i64 = 2_000;
/// Unstable walks of one window tolerated per poll before waiting for the next poll.
const MAX_RESTARTS: u32 = 3;

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    fn window_url(&self, start_ms: i64, end_ms: i64) -> Result<String> {
        let filters = Filters {
            updated_after: Some(Timestamp(start_ms).to_string()),
            updated_before: Some(Timestamp(end_ms).to_string()),
            ..Default::default()
        };
        self.client.list_url(&filters)
    }

    async fn fetch_page(&self, page_url: String, call: &R::Call) -> Result<(Page<User>, PageWalk)> {
        let mut walk = PageWalk::new(self.client.base_url().clone(), page_url);
        let page = self.client.next_page(&mut walk, call).await?;
        // A walk with a URL always yields a page or an error.
        Ok((page.unwrap_or_else(empty_page), walk))
    }

    /// Walks windows until the checkpoint is within the margin of the server's clock.
    /// Returns false when it stopped early (budget or an unsettled window).
    pub(crate) async fn walk_windows(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        let mut clock_fixes = 0;
        // The server's clock as of this poll's latest response (its Date header).
        let mut server_date: Option<i64> = None;
        // Without a Date header: the local estimate of the server's now, fixed for this
        // poll, so that the walk ends instead of chasing a clock that moves with every request.
        let mut estimate: Option<f64> = None;
        loop {
            if run.out_of_budget(&self.client) {
                return Ok(false);
            }
            let now = self.client.runtime().now_ms();
            let mut walk = match run.state.core.walk.clone() {
                Some(w) => w,
                None => {
                    if let Some(date) = server_date {
                        // A window just completed: caught up once it ends near the server's now.
                        if run.state.core.checkpoint_ms >= date - self.config.window_margin_ms - CLOCK_TOLERANCE_MS {
                            return Ok(true);
                        }
                    }
                    if let (None, Some(e)) = (server_date, estimate) {
                        if run.state.core.checkpoint_ms >= e as i64 - self.config.window_margin_ms {
                            return Ok(true);
                        }
                    }
                    let server_now = match server_date {
                        Some(date) => date as f64,
                        None => *estimate.get_or_insert(now + run.state.core.clock_offset_ms.unwrap_or(0.0)),
                    };
                    // Only an estimate: the first page's Date header corrects it. Even when the
                    // estimate says nothing can be new, ask once, since the server's clock rules.
                    let start = run.state.core.checkpoint_ms;
                    let end = (server_now as i64 - self.config.window_margin_ms).max(start + 1);
                    WindowWalk { start_ms: start, end_ms: end, next_url: None, first_total: None, unstable: false, restarts: 0 }
                }
            };
            let first = walk.next_url.is_none();
            let page_url = match &walk.next_url {
                Some(u) => u.clone(),
                None => self.window_url(walk.start_ms, walk.end_ms)?,
            };
            let (page, mut pages) = self.fetch_page(page_url.clone(), run.call).await?;
            if first {
                if let Some(date) = pages.server_date_ms() {
                    server_date = Some(date as i64);
                    run.state.core.clock_offset_ms = Some(date - self.client.runtime().now_ms());
                    let safe_end = date as i64 - DATE_SAFETY_MS;
                    let desired_end = date as i64 - self.config.window_margin_ms;
                    // Too close to the server's now (rows could still enter the window while we
                    // page), or far behind it (our estimate of its clock was stale): set the end
                    // from its Date header and start the window again.
                    let behind = walk.end_ms < desired_end - CLOCK_TOLERANCE_MS && clock_fixes < MAX_RESTARTS;
                    if walk.end_ms > safe_end || behind {
                        clock_fixes += 1;
                        if desired_end <= walk.start_ms {
                            run.state.core.walk = None;
                            return Ok(true);
                        }
                        walk.end_ms = desired_end;
                        run.state.core.walk = Some(walk);
                        continue;
                    }
                }
                if page.meta.total > self.config.max_window_rows && walk.end_ms - walk.start_ms > 1000 {
                    walk.end_ms = narrower_end(&walk, &page, self.config.max_window_rows);
                    run.state.core.walk = Some(walk);
                    continue;
                }
                walk.first_total = Some(page.meta.total);
            } else if walk.first_total != Some(page.meta.total) {
                walk.unstable = true;
            }
            for (raw, why) in page.dropped.iter().cloned() {
                self.dead_letter_unreadable(run, raw, why).await;
            }
            for user in &page.data {
                if self.deliver_user(run, user).await? == Delivery::Halt {
                    walk.next_url = Some(page_url);
                    run.state.core.walk = Some(walk);
                    return Ok(false);
                }
            }
            if let Some(e) = pages.take_stop_reason() {
                run.state.core.walk = None;
                return Err(e);
            }
            match pages.next_url() {
                Some(next) => {
                    walk.next_url = Some(next.to_string());
                    run.state.core.walk = Some(walk);
                }
                None if walk.unstable => {
                    walk.restarts += 1;
                    if walk.restarts >= MAX_RESTARTS {
                        run.state.core.walk = None;
                        return Ok(false);
                    }
                    if walk.end_ms - walk.start_ms > 1000 {
                        walk.end_ms = walk.start_ms + (walk.end_ms - walk.start_ms) / 2;
                    }
                    walk.next_url = None;
                    walk.first_total = None;
                    walk.unstable = false;
                    run.state.core.walk = Some(walk);
                }
                None => {
                    run.state.core.checkpoint_ms = walk.end_ms;
                    run.state.core.has_history = true;
                    run.state.core.walk = None;
                }
            }
            run.state.save(&self.store, &self.keys).await?;
            super::lease::renew(&self.store, &self.keys.key("lease"), &run.lease, self.client.runtime().now_ms()).await?;
        }
    }

    /// Full-scan mode: reads every user's detail, a slice per poll, and diffs participations.
    pub(crate) async fn continue_scan(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        loop {
            let mut cursor = run.state.core.scan.clone().unwrap_or_default();
            if run.out_of_budget(&self.client) {
                return Ok(false);
            }
            let page_url = match &cursor.page_url {
                Some(u) => u.clone(),
                None => self.client.list_url(&Filters::default())?,
            };
            let (page, mut pages) = self.fetch_page(page_url.clone(), run.call).await?;
            for user in page.data.iter().skip(cursor.done_in_page) {
                if run.out_of_budget(&self.client) {
                    cursor.page_url = Some(page_url);
                    run.state.core.scan = Some(cursor);
                    return Ok(false);
                }
                if let Some(detail) = self.client.get_user(user.id, run.call).await? {
                    if self.emit_participation_diff(run, &detail).await? == Delivery::Halt {
                        cursor.page_url = Some(page_url);
                        run.state.core.scan = Some(cursor);
                        return Ok(false);
                    }
                }
                cursor.done_in_page += 1;
                run.state.core.scan = Some(ScanCursor { page_url: Some(page_url.clone()), done_in_page: cursor.done_in_page });
            }
            if let Some(e) = pages.take_stop_reason() {
                run.state.core.scan = None;
                return Err(e);
            }
            match pages.next_url() {
                Some(next) => run.state.core.scan = Some(ScanCursor { page_url: Some(next.to_string()), done_in_page: 0 }),
                None => {
                    run.state.core.scan = None;
                    run.state.save(&self.store, &self.keys).await?;
                    return Ok(true);
                }
            }
            run.state.save(&self.store, &self.keys).await?;
        }
    }
}

/// A narrower window end, guessed from the `updated_at` spread of the first page's rows
/// (a sample of the window) so that about `target` rows remain.
fn narrower_end(walk: &WindowWalk, page: &Page<User>, target: u64) -> i64 {
    let half = walk.start_ms + (walk.end_ms - walk.start_ms) / 2;
    let mut times: Vec<i64> = page.data.iter().map(|u| u.updated_at.0).filter(|t| *t > walk.start_ms && *t < walk.end_ms).collect();
    times.sort_unstable();
    if times.is_empty() || page.meta.total == 0 {
        return half;
    }
    let share = target as f64 / page.meta.total as f64;
    let idx = ((times.len() as f64) * share).floor() as usize;
    let guess = times[idx.min(times.len() - 1)];
    if guess > walk.start_ms { guess } else { half }
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

/// Lists every visible user (with the same stable-total check as the windows) and
/// confirms each candidate with `GET /users/{id}` before calling it missing.
pub(crate) async fn reconcile<R: Runtime, S: Store, H: Handlers>(poller: &Poller<R, S, H>, call: &R::Call) -> Result<Reconciliation> {
    let state = super::PollerState::load(&poller.store, &poller.keys).await?;
    let known = state.known_ids();
    let mut visible: HashSet<i64> = HashSet::new();
    let mut stable = false;
    for _ in 0..MAX_RESTARTS {
        visible.clear();
        let mut walk = poller.client.start_listing(&Filters::default())?;
        let mut first_total = None;
        let mut same = true;
        let listed = async {
            while let Some(page) = poller.client.next_page(&mut walk, call).await? {
                visible.extend(page.data.iter().map(|u| u.id));
                visible.extend(page.dropped.iter().filter_map(|(raw, _)| raw.get("id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))));
                match first_total {
                    None => first_total = Some(page.meta.total),
                    Some(t) if t != page.meta.total => same = false,
                    _ => {}
                }
            }
            Ok::<(), crate::VomoError>(())
        }
        .await;
        match listed {
            Ok(()) if same => {
                stable = true;
                break;
            }
            Ok(()) => continue,
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(_) => return Ok(Reconciliation { missing: Vec::new(), complete: false }),
        }
    }
    if !stable {
        return Ok(Reconciliation { missing: Vec::new(), complete: false });
    }
    let mut missing = Vec::new();
    for id in crate::changes::find_missing_ids(&visible.into_iter().collect::<Vec<_>>(), &known) {
        match poller.client.get_user(id, call).await {
            Ok(None) => missing.push(id),
            Ok(Some(_)) => {}
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(_) => return Ok(Reconciliation { missing, complete: false }),
        }
    }
    Ok(Reconciliation { missing, complete: true })
}
