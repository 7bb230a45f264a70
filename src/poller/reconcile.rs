//! `reconcile()`: ids the store knows that the API no longer lists, for review.

use super::walk::MAX_RESTARTS;
use super::{Handlers, Poller, ReconcileProgress, Reconciliation, Store};
use crate::client::{Filters, Runtime};
use crate::error::Result;
use std::collections::HashSet;

/// Lists every visible user (with the same stable-total check as the windows) and
/// confirms each candidate with `GET /users/{id}` before calling it missing.
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
    let mut stable = false;
    for _ in 0..MAX_RESTARTS {
        visible.clear();
        // Its own totals check below (a changed list is listed again), so no warning of one.
        let mut walk = poller.client.start_listing(&Filters::default())?.without_change_warnings();
        let mut first_total = None;
        let mut same = true;
        let listed = async {
            while let Some(page) = poller.client.next_page(&mut walk, call).await? {
                visible.extend(page.data.iter().map(|u| u.id));
                visible.extend(
                    page.dropped.iter().filter_map(|(raw, _)| raw.get("id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))),
                );
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
            Ok(()) if same => {
                stable = true;
                break;
            }
            Ok(()) => continue,
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(e) => return Ok(Reconciliation { missing: Vec::new(), complete: false, error: Some((&e).into()) }),
        }
    }
    if !stable {
        return Ok(Reconciliation { missing: Vec::new(), complete: false, error: None });
        // the total kept changing
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
