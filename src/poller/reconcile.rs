//! `reconcile()`: ids the store knows that the API no longer lists, for review.

use super::page_reads::extend;
use super::walk::MAX_RESTARTS;
use super::{Handlers, Poller, ReconcileProgress, Reconciliation, Store};
use crate::client::{Filters, PageWalk, Runtime};
use crate::error::Result;
use crate::model::{Page, User};
use std::collections::HashSet;

/// Lists every visible user and confirms each candidate with `GET /users/{id}` before calling
/// it missing. A listing whose total moved while it was read (a sign-up, a delete) may have
/// skipped rows that slid across a page boundary: it is listed again, up to `MAX_RESTARTS`
/// times, and the last listing counts (a user deleted while an earlier one ran is missing from
/// it). A row it skipped is only a candidate, and its own request tells whether it is gone, so
/// a customer whose list never stays still for a whole listing still gets an answer (it used
/// to get none: an outside pass's 3,000 users with a sign-up every 5 s), at the cost of a
/// request per row the last listing skipped.
///
/// A server whose page size grows between two pages (15, then 30) answers the next link's page
/// with rows past a stretch nobody read (page 3 at 30 a page starts at row 61, page 2 at 15
/// ended at 30): the listing reads that stretch by page number at the new size before going
/// on, as a walk of the poller's steps back (page_reads.rs). Left to the candidates, each of
/// those rows cost a request of its own: an outside pass's page size changing at random
/// between 5 and 30 made 1,848 requests of a listing of 247 pages.
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
        // Rows by position, from the first, that the listing's pages have read.
        let mut covered = 0;
        let listed = async {
            while let Some(page) = poller.client.next_page(&mut walk, call).await? {
                covered = fill_gap(poller, call, covered, &page, &mut visible).await?;
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

/// Adds `page`'s ids to `visible`, after the rows between `covered` and where the page starts
/// (a page size that grew), read by page number at the latest size; the new `covered`. A size
/// that changes again during those reads leaves a read that gains nothing; after eight in a row,
/// or as many reads as the stretch has rows (each read that gains gains one at least), the rest
/// of the stretch is left to the candidates' own requests, a request a row.
async fn fill_gap<R: Runtime, S: Store, H: Handlers>(
    poller: &Poller<R, S, H>,
    call: &R::Call,
    mut covered: u64,
    page: &Page<User>,
    visible: &mut HashSet<i64>,
) -> Result<u64> {
    let m = &page.meta;
    // A page past the end (its size grew on the last page) has no rows beyond the total.
    let start = m.current_page.saturating_sub(1).saturating_mul(m.per_page.max(1)).min(m.total);
    let mut size = m.per_page.max(1);
    let (mut reads, mut fruitless) = (start.saturating_sub(covered), 0);
    while covered < start && reads > 0 && fruitless < 8 {
        reads -= 1;
        let url = format!("{}?page={}", poller.client.list_url(&Filters::default())?, covered / size + 1);
        let mut walk = PageWalk::new(poller.client.base_url().clone(), url).without_change_warnings();
        let Some(read) = poller.client.next_page(&mut walk, call).await? else { break };
        see(&read, visible);
        let before = covered;
        covered = extend(covered, read.meta.current_page.max(1), read.meta.per_page.max(1));
        fruitless = if covered > before { 0 } else { fruitless + 1 };
        size = read.meta.per_page.max(1);
    }
    see(page, visible);
    Ok(extend(covered, m.current_page.max(1), m.per_page.max(1)))
}

/// The ids a page lists, an unreadable record's too when its id reads.
fn see(page: &Page<User>, visible: &mut HashSet<i64>) {
    visible.extend(page.data.iter().map(|u| u.id));
    visible.extend(page.dropped.iter().filter_map(|(raw, _)| crate::parse::dropped_id(raw)));
}
