//! `reconcile()`: ids the store knows that the API no longer lists, for review.

use super::walk::MAX_RESTARTS;
use super::{Handlers, Poller, ReconcileProgress, Reconciliation, Store};
use crate::client::{Filters, Runtime};
use crate::error::Result;
use std::collections::HashSet;

/// Lists every visible user and confirms each candidate with `GET /users/{id}` before calling
/// it missing. A listing whose total moved while it was read (a sign-up, a delete) may have
/// skipped rows that slid across a page boundary: it is listed again, up to `MAX_RESTARTS`
/// times, and the last listing counts (a user deleted while an earlier one ran is missing from
/// it). A row it skipped is only a candidate, and its own request tells whether it is gone, so
/// a customer whose list never stays still for a whole listing still gets an answer (it used
/// to get none: an outside pass's 3,000 users with a sign-up every 5 s), at the cost of a
/// request per row the last listing skipped.
pub(crate) async fn reconcile<R: Runtime, S: Store, H: Handlers>(
    poller: &Poller<R, S, H>,
    call: &R::Call,
    progress: &dyn Fn(&ReconcileProgress),
) -> Result<Reconciliation> {
    // No lease: a reconciliation only reads, and may run beside a poll of the customer.
    let now = poller.client.runtime().now_ms();
    let state = super::PollerState::load_unleased(&poller.store, &poller.keys, now).await?;
    poller.check_api(&state.core)?; // another API's known ids would all look missing here
    let known = state.known_ids();
    let mut visible: HashSet<i64> = HashSet::new();
    for _ in 0..MAX_RESTARTS {
        visible.clear();
        // Its own totals check below (a changed list is listed again), so no warning of one.
        let mut walk = poller.client.start_listing(&Filters::default())?.without_change_warnings();
        let mut first_total = None;
        let mut same = true;
        let listed = async {
            while let Some(page) = poller.client.next_page(&mut walk, call).await? {
                visible.extend(page.data.iter().map(|u| u.id));
                visible.extend(page.dropped.iter().filter_map(|(raw, _)| crate::parse::dropped_id(raw)));
                let total = page.meta.total.max(visible.len() as u64);
                progress(&ReconcileProgress { phase: "listing", done: visible.len() as u64, total });
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
            Ok(()) if same => break,
            Ok(()) => continue,
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(e) => return Ok(Reconciliation { missing: Vec::new(), complete: false, error: Some((&e).into()) }),
        }
    }
    let mut missing = Vec::new();
    let candidates = crate::changes::find_missing_ids(&visible.into_iter().collect::<Vec<_>>(), &known);
    let total = candidates.len() as u64;
    for (done, id) in candidates.into_iter().enumerate() {
        match poller.client.get_user(id, call).await {
            Ok(None) => missing.push(id),
            Ok(Some(_)) => {}
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(e) => return Ok(Reconciliation { missing, complete: false, error: Some((&e).into()) }),
        }
        progress(&ReconcileProgress { phase: "confirming", done: done as u64 + 1, total });
    }
    Ok(Reconciliation { missing, complete: true, error: None })
}
