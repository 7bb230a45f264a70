//! `reconcile()`: ids the store knows that the API no longer lists, for review.

use super::budget::RequestBudget;
use super::page_reads::extend;
use super::walk::MAX_RESTARTS;
use super::{Handlers, Poller, ReconcileOptions, ReconcileProgress, Reconciliation, Store};
use crate::client::{Client, Filters, PageWalk, Runtime};
use crate::error::{Result, VomoError};
use crate::model::{Page, User, UserId};
use serde::{Deserialize, Serialize};
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
///
/// In slices (`options.max_requests`): the reconcile stops before a request the budget has no
/// room for (a request's retries count against it) and hands back where it is
/// (`Reconciliation::resume`), which `options.resume` goes on from, in this process or
/// another. A runtime that caps the requests of one invocation (a Worker's subrequests) can so
/// reconcile any number of users. The listing then goes on by page number, once, whatever
/// changes between the slices: a user a change made it skip is a candidate, confirmed by its
/// own request, instead of a listing started again that slices could never finish.
pub(crate) async fn reconcile<R: Runtime, S: Store, H: Handlers>(
    poller: &Poller<R, S, H>,
    options: &ReconcileOptions<'_, R>,
    progress: &dyn Fn(&ReconcileProgress),
) -> Result<Reconciliation> {
    let (call, client) = (options.call, &poller.client);
    let budget = RequestBudget::starting(client, options.max_requests);
    let resumed = options.resume.map(|text| Resume::read(text, poller)).transpose()?;
    // No lease: a reconciliation only reads, and may run beside a poll of the customer.
    let now = client.runtime().now_ms();
    let state = super::PollerState::load_unleased(&poller.store, &poller.keys, now).await?;
    poller.check_api(&state.core)?; // another API's known ids would all look missing here
    let sliced = options.max_requests.is_some() || resumed.is_some();
    let (candidates, mut missing, mut present) = match resumed {
        Some(Resume { listing: None, candidates, missing, present, .. }) => (undelta(&candidates), missing, present),
        resumed => {
            let at = resumed.and_then(|r| r.listing.map(|l| (l, undelta(&r.seen))));
            let listed = list(poller, options, &budget, at, sliced, progress).await?;
            let visible = match listed {
                Listed::All(visible) => visible,
                Listed::Stopped(at, seen) => return Ok(Resume::listing(poller, at, seen).stopped()),
                Listed::Failed(e) => {
                    return Ok(Reconciliation { missing: Vec::new(), complete: false, error: Some((&e).into()), resume: None })
                }
            };
            (crate::changes::find_missing_ids(&visible.into_iter().collect::<Vec<_>>(), &state.known_ids()), Vec::new(), 0)
        }
    };
    // The candidates of the whole reconcile: those confirmed in slices before this one too.
    let total = present + (candidates.len() + missing.len()) as u64;
    for (i, &id) in candidates.iter().enumerate() {
        let Some(sends) = budget.room(client) else {
            return Ok(Resume::confirming(poller, &candidates[i..], missing, present).stopped());
        };
        match client.get_user_within(id, call, sends).await {
            Ok(None) => missing.push(id),
            Ok(Some(_)) => present += 1,
            Err(e) if super::is_fatal(&e) => return Err(e),
            Err(e) if e.retryable() && budget.spent(client) => {
                return Ok(Resume::confirming(poller, &candidates[i..], missing, present).stopped())
            }
            Err(e) => return Ok(Reconciliation { missing, complete: false, error: Some((&e).into()), resume: None }),
        }
        progress(&ReconcileProgress { phase: "confirming", done: present + missing.len() as u64, total });
    }
    missing.sort_unstable();
    Ok(Reconciliation { missing, complete: true, error: None, resume: None })
}

/// How a listing ended.
enum Listed {
    /// Every page read: the ids seen.
    All(HashSet<i64>),
    /// The budget had no room for the next request: where to go on, and the ids seen so far.
    Stopped(ListingAt, HashSet<i64>),
    /// A request failed (after its retries).
    Failed(VomoError),
}

/// Lists every visible user (from `at`, a stopped listing's place, with the ids it had seen).
/// Unsliced, a listing whose total changed is listed again (see [`reconcile`]).
async fn list<R: Runtime, S: Store, H: Handlers>(
    poller: &Poller<R, S, H>,
    options: &ReconcileOptions<'_, R>,
    budget: &RequestBudget,
    at: Option<(ListingAt, Vec<i64>)>,
    sliced: bool,
    progress: &dyn Fn(&ReconcileProgress),
) -> Result<Listed> {
    let client = &poller.client;
    let (start, mut visible) = match at {
        Some((at, seen)) => (Some(at), seen.into_iter().collect()),
        None => (None, HashSet::new()),
    };
    for listing in 0..MAX_RESTARTS {
        if listing > 0 {
            visible.clear(); // listed again: the last listing counts
        }
        let mut covered = start.as_ref().map_or(0, |a| a.covered);
        let mut walk = match &start {
            Some(a) => PageWalk::new(client.base_url().clone(), page_url(client, covered / a.per_page.max(1) + 1)?),
            None => client.start_listing(&Filters::default())?,
        }
        .without_change_warnings(); // its own totals check below (a changed list is listed again)
        let mut per_page = start.as_ref().map_or(0, |a| a.per_page);
        let mut first_total = None;
        let mut same = true;
        loop {
            // The budget only for a request to make: after the last page there is none (and a
            // walk stopped at an unsafe link has its reason to give, below).
            let sends = match walk.next_url() {
                Some(_) => match budget.room(client) {
                    Some(sends) => sends,
                    None => return Ok(Halt::Stopped.listed(ListingAt { covered, per_page }, visible)),
                },
                None => None,
            };
            let page = match read_page(client, &mut walk, options.call, budget, sends).await? {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(halt) => return Ok(halt.listed(ListingAt { covered, per_page }, visible)),
            };
            covered = match fill_gap(poller, options, budget, covered, &page, &mut visible).await? {
                Ok(covered) => covered,
                Err(halt) => return Ok(halt.listed(ListingAt { covered, per_page }, visible)),
            };
            per_page = page.meta.per_page.max(1);
            let total = page.meta.total.max(visible.len() as u64);
            progress(&ReconcileProgress { phase: "listing", done: visible.len() as u64, total });
            match first_total {
                None => first_total = Some(page.meta.total),
                Some(t) if t != page.meta.total => same = false,
                _ => {}
            }
        }
        if same || sliced {
            return Ok(Listed::All(visible));
        }
    }
    Ok(Listed::All(visible))
}

/// The listing URL at page `n` (by the `page` parameter).
fn page_url<R: Runtime>(client: &Client<R>, n: u64) -> Result<String> {
    Ok(format!("{}?page={n}", client.list_url(&Filters::default())?))
}

/// Adds `page`'s ids to `visible`, after the rows between `covered` and where the page starts
/// (a page size that grew), read by page number at the latest size; the new `covered`. A size
/// that changes again during those reads leaves a read that gains nothing; after eight in a row,
/// or as many reads as the stretch has rows (each read that gains gains one at least), the rest
/// of the stretch is left to the candidates' own requests, a request a row. Halted, the page is
/// gone on from again.
async fn fill_gap<R: Runtime, S: Store, H: Handlers>(
    poller: &Poller<R, S, H>,
    options: &ReconcileOptions<'_, R>,
    budget: &RequestBudget,
    mut covered: u64,
    page: &Page<User>,
    visible: &mut HashSet<i64>,
) -> Result<Halting<u64>> {
    let client = &poller.client;
    let m = &page.meta;
    // A page past the end (its size grew on the last page) has no rows beyond the total.
    let start = m.current_page.saturating_sub(1).saturating_mul(m.per_page.max(1)).min(m.total);
    let mut size = m.per_page.max(1);
    let (mut reads, mut fruitless) = (start.saturating_sub(covered), 0);
    while covered < start && reads > 0 && fruitless < 8 {
        reads -= 1;
        let Some(sends) = budget.room(client) else { return Ok(Err(Halt::Stopped)) };
        let mut walk = PageWalk::new(client.base_url().clone(), page_url(client, covered / size + 1)?).without_change_warnings();
        let read = match read_page(client, &mut walk, options.call, budget, sends).await? {
            Ok(Some(read)) => read,
            Ok(None) => break,
            Err(halt) => return Ok(Err(halt)),
        };
        see(&read, visible);
        let before = covered;
        covered = extend(covered, read.meta.current_page.max(1), read.meta.per_page.max(1));
        fruitless = if covered > before { 0 } else { fruitless + 1 };
        size = read.meta.per_page.max(1);
    }
    see(page, visible);
    Ok(Ok(extend(covered, m.current_page.max(1), m.per_page.max(1))))
}

/// Why a listing's read ended before its last page.
enum Halt {
    /// A retryable failure the spent budget left no retry for, or no room for the next
    /// request: where the slice stops.
    Stopped,
    /// A request failed (after its retries).
    Failed(VomoError),
}

impl Halt {
    /// How a listing halted here ended: stopped at `at` with the ids it saw, or failed.
    fn listed(self, at: ListingAt, visible: HashSet<i64>) -> Listed {
        match self {
            Halt::Stopped => Listed::Stopped(at, visible),
            Halt::Failed(e) => Listed::Failed(e),
        }
    }
}

/// A read's outcome, or why the listing halted.
type Halting<T> = std::result::Result<T, Halt>;

/// The walk's next page (`None`: the listing had no page left) in at most `sends` attempts,
/// its warnings reported; a fatal error (`auth`, `forbidden`, `aborted`) is returned as one.
async fn read_page<R: Runtime>(
    client: &Client<R>,
    walk: &mut PageWalk,
    call: &R::Call,
    budget: &RequestBudget,
    sends: Option<u64>,
) -> Result<Halting<Option<Page<User>>>> {
    match client.next_page_unreported(walk, call, sends).await {
        Ok(Some((mut page, unreported))) => {
            client.report_page_warnings(unreported, &mut page.warnings);
            Ok(Ok(Some(page)))
        }
        Ok(None) => Ok(Ok(None)),
        Err(e) if super::is_fatal(&e) => Err(e),
        Err(e) if e.retryable() && budget.spent(client) => Ok(Err(Halt::Stopped)),
        Err(e) => Ok(Err(Halt::Failed(e))),
    }
}

/// The ids a page lists, an unreadable record's too when its id reads.
fn see(page: &Page<User>, visible: &mut HashSet<i64>) {
    visible.extend(page.data.iter().map(|u| u.id));
    visible.extend(page.dropped.iter().filter_map(|(raw, _)| crate::parse::dropped_id(raw)));
}

/// Where a stopped listing goes on: the rows it covered from the first, at the page size last
/// read (its next page by number is `covered / per_page + 1`).
#[derive(Debug, Serialize, Deserialize)]
struct ListingAt {
    covered: u64,
    per_page: u64,
}

/// A sliced reconcile's place, handed to the caller as JSON text (`Reconciliation::resume`).
/// It names the customer and the API it is of, so that one is not taken for another's.
#[derive(Debug, Serialize, Deserialize)]
struct Resume {
    v: u32,
    customer: String,
    api: String,
    /// Listing: where it goes on; `None` once it is confirming candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listing: Option<ListingAt>,
    /// The ids the listing has seen, sorted, as differences from the one before (a few bytes an
    /// id whatever their size: 100,000 users in about 300 KB).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    seen: Vec<i64>,
    /// The candidates left to confirm, the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    candidates: Vec<i64>,
    /// Those confirmed missing so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    missing: Vec<UserId>,
    /// How many were confirmed still there so far (for the progress's `total`).
    #[serde(default, skip_serializing_if = "crate::store::is_zero")]
    present: u64,
}

impl Resume {
    fn new<R: Runtime, S: Store, H: Handlers>(poller: &Poller<R, S, H>) -> Resume {
        Resume {
            v: 1,
            customer: poller.config.customer_id.clone(),
            api: poller.client.base_url().as_str().to_string(),
            listing: None,
            seen: Vec::new(),
            candidates: Vec::new(),
            missing: Vec::new(),
            present: 0,
        }
    }

    fn listing<R: Runtime, S: Store, H: Handlers>(poller: &Poller<R, S, H>, at: ListingAt, seen: HashSet<i64>) -> Resume {
        let mut seen: Vec<i64> = seen.into_iter().collect();
        seen.sort_unstable();
        Resume { listing: Some(at), seen: delta(&seen), ..Resume::new(poller) }
    }

    fn confirming<R: Runtime, S: Store, H: Handlers>(
        poller: &Poller<R, S, H>,
        candidates: &[i64],
        missing: Vec<UserId>,
        present: u64,
    ) -> Resume {
        Resume { candidates: delta(candidates), missing, present, ..Resume::new(poller) }
    }

    /// The result of a slice that stopped here.
    fn stopped(self) -> Reconciliation {
        let missing = self.missing.clone();
        let resume = serde_json::to_string(&self).ok();
        Reconciliation { missing, complete: false, error: None, resume }
    }

    /// A `resume` text this customer's reconcile handed back, checked to be of this customer
    /// and API.
    fn read<R: Runtime, S: Store, H: Handlers>(text: &str, poller: &Poller<R, S, H>) -> Result<Resume> {
        let refused = |why: &str| {
            VomoError::invalid_input(format!(
                "reconcile: resume {why}: pass the `resume` a stopped reconcile of this customer returned, or none to start over"
            ))
        };
        let r: Resume = serde_json::from_str(text).map_err(|_| refused("is not one a reconcile returned"))?;
        if r.v != 1 {
            return Err(refused("is of another version of the package"));
        }
        if r.customer != poller.config.customer_id.as_str() || r.api != poller.client.base_url().as_str() {
            return Err(refused(&format!(
                "is of customer {:?} at {}, not {:?} at {}",
                r.customer,
                r.api,
                poller.config.customer_id.as_str(),
                poller.client.base_url().as_str()
            )));
        }
        Ok(r)
    }
}

/// Sorted ids as differences from the one before.
fn delta(sorted: &[i64]) -> Vec<i64> {
    let mut last = 0i64;
    sorted.iter().map(|&id| id.wrapping_sub(std::mem::replace(&mut last, id))).collect()
}

/// [`delta`] undone.
fn undelta(deltas: &[i64]) -> Vec<i64> {
    let mut last = 0i64;
    deltas
        .iter()
        .map(|&d| {
            last = last.wrapping_add(d);
            last
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_round_trip() {
        let ids = vec![1, 2, 3, 10, 1_000_000, 9_007_199_254_740_991];
        assert_eq!(delta(&ids), vec![1, 1, 1, 7, 999_990, 9_007_199_253_740_991]);
        assert_eq!(undelta(&delta(&ids)), ids);
        assert!(undelta(&delta(&[])).is_empty());
    }
}
