//! Full-scan mode: every user's detail, a slice per poll, diffed against the participations
//! last seen, so that a sign-up that does not touch the user's `updated_at` is found too.

use super::delivery::Delivery;
use super::state::ScanCursor;
use super::{Handlers, PollRun, Poller, Store};
use crate::client::{Filters, Runtime};
use crate::error::Result;

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    /// Full-scan mode: reads every user's detail, a slice per poll, and diffs participations.
    pub(crate) async fn continue_scan(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        loop {
            let mut cursor = run.state.core.scan.clone().unwrap_or_default();
            if run.out_of_budget(&self.client) {
                return Ok(false);
            }
            // A saved page link of another origin (see walk.rs): the cycle starts again.
            if cursor.page_url.as_deref().is_some_and(|u| !self.client.owns_url(u)) {
                cursor = ScanCursor::default();
            }
            let page_url = match &cursor.page_url {
                Some(u) => u.clone(),
                None => self.client.list_url(&Filters::default())?,
            };
            let fetched = self.fetch_page(page_url.clone(), run.call, run.sends_left(&self.client)).await;
            let Some((page, mut pages)) = run.within_budget(&self.client, fetched)? else { return Ok(false) };
            for user in page.data.iter().skip(cursor.done_in_page) {
                if run.out_of_budget(&self.client) {
                    cursor.page_url = Some(page_url);
                    run.state.core.scan = Some(cursor);
                    return Ok(false);
                }
                self.confirm_lease(run).await?;
                let read = self.client.get_user_within(user.id, run.call, run.sends_left(&self.client)).await;
                let Some(read) = run.within_budget(&self.client, read)? else {
                    cursor.page_url = Some(page_url);
                    run.state.core.scan = Some(cursor);
                    return Ok(false);
                };
                if let Some(detail) = read {
                    if self.emit_participation_diff(run, &detail, false).await? == Delivery::Halt {
                        // An outage: the user's events not taken are owed, and offered again
                        // before the next walk (owed_participations.rs), so the scan goes on
                        // after it (kept at it, a downstream refusing its events for good
                        // held the scan there for ever).
                        cursor.done_in_page += 1;
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
                return Err(self.client.fail(e));
            }
            match pages.next_url() {
                Some(next) => run.state.core.scan = Some(ScanCursor { page_url: Some(next.to_string()), done_in_page: 0 }),
                None => {
                    run.state.core.scan = None;
                    self.save_state(run).await?;
                    return Ok(true);
                }
            }
            self.save_state(run).await?;
        }
    }
}
