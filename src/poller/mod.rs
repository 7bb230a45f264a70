//! `UserPoller`: incremental change detection that loses nothing and repeats nothing.
//!
//! The argument, trap by trap, is in `docs/poller.md`. In short: the poller walks closed
//! time windows `[checkpoint, end]` of `updated_at`, where `end` lies at least two seconds
//! before the server's own clock (its `Date` header) when the walk starts. Inside such a
//! window rows can only leave (an update moves `updated_at` past `end`; a deletion removes
//! the row), so `meta.total` can only fall; a walk whose pages all report the same total
//! saw one unchanged set, with no row shifted past it. Only then does the checkpoint move
//! to `end`. Deliveries are deduplicated by `(id, updatedAt)` in the store, recorded the
//! moment a handler returns.

mod budget;
mod delivery;
mod events;
mod owed_participations;
mod page_reads;
mod reconcile;
mod row_counts;
mod scan;
mod state;
mod stored_participations;
mod walk;

pub use crate::store::{Keys, Store};
pub use events::dead_letter_error_kind;
pub use events::{
    is_anonymized_email, DeadLetterEvent, Event, HandlerFailure, Handlers, ParticipationEvent, UserEvent, UserPayload, Version,
};
pub use page_reads::PageReads;
pub use state::{CoreState, DeadLetterEntry, PollerState, ScanCursor, WindowWalk};

use crate::client::{Client, Runtime};
use crate::error::{ErrorKind, Result, VomoError};
use crate::model::UserId;
use crate::store::bound_api::{self, Binding};
use crate::store::keys::IMPORTS;
use crate::store::lease::{Held, Holder};
use crate::time::Timestamp;
use serde::Serialize;
use std::rc::Rc;

/// Which participation reads a poll makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipationMode {
    /// None: the listing alone (the default).
    Off,
    /// The detail of each changed user.
    ChangedUsers,
    /// The detail of every user, a slice per poll.
    FullScan,
}

impl ParticipationMode {
    /// Every mode, in the order of their names in the docs.
    pub const ALL: [ParticipationMode; 3] = [ParticipationMode::Off, ParticipationMode::ChangedUsers, ParticipationMode::FullScan];

    /// The mode's name in options and messages (`participations: "changed-users"`).
    pub fn name(self) -> &'static str {
        match self {
            ParticipationMode::Off => "off",
            ParticipationMode::ChangedUsers => "changed-users",
            ParticipationMode::FullScan => "full-scan",
        }
    }

    /// The mode of a [`name`](ParticipationMode::name), `None` for any other text.
    pub fn parse(text: &str) -> Option<ParticipationMode> {
        Self::ALL.into_iter().find(|m| m.name() == text)
    }

    /// The smallest `maxRequests` a poll in this mode can make progress with, and the step
    /// that takes that many requests. A budget too small for one step would be spent on the
    /// same page every slice, for good.
    pub fn least_max_requests(self) -> (u64, &'static str) {
        match self {
            ParticipationMode::Off => (1, "a page"),
            ParticipationMode::ChangedUsers => (2, "a page and a user's detail"),
            ParticipationMode::FullScan => (3, "a window's page, the scan's page and a user's detail"),
        }
    }
}

/// The options of a [`Poller`], with the defaults of docs/api.md (`new UserPoller(options)`);
/// checked by [`Poller::new`].
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Keys the stored state: any non-empty string without `/`, except `import`.
    pub customer_id: String,
    /// Which participation reads a poll makes (default [`ParticipationMode::Off`]).
    pub participations: ParticipationMode,
    /// How often you poll, in ms (default 900,000): [`Poller::health`] reports `stalled` once
    /// the checkpoint lags more than twice this (beyond `window_margin_ms`).
    pub poll_interval_ms: f64,
    /// Attempts per change before it is given up (`final: true`).
    pub max_attempts: u32,
    /// How long a failing change is offered again at least, in ms since its first failure,
    /// before it is given up, whatever its attempts (default 0: by `max_attempts` alone).
    pub retry_for_ms: f64,
    /// The least time, in ms by the local clock, between two offers of one refused change
    /// (or of a user's refused participation events): a queued change refused at a poll, and
    /// judged there by a later successful handler call, waits this long before a later poll
    /// offers it again; one not judged is offered at the next poll (default 0: at every poll).
    pub retry_interval_ms: f64,
    /// How far behind the server's clock a window ends.
    pub window_margin_ms: i64,
    /// A window whose first page reports more rows than this is narrowed first.
    pub max_window_rows: u64,
    /// Handler failures in a row after which the poll stops as a downstream outage: the
    /// checkpoint stays before the undelivered changes and none of those attempts counts
    /// towards `max_attempts`.
    pub max_consecutive_failures: u32,
    /// The dead-letter queue's bound between runs of failures: a run is queued whole (at most
    /// `max_consecutive_failures` beyond it), and a poll whose queue is over it once the run
    /// is judged stops; a failure that would go further stops the poll instead of dropping
    /// anything.
    pub max_dead_letters: usize,
    /// Identifies this poller in the lease; each poll adds `#` and its own number to it. One
    /// poller's alone: a lease under it that none of this poller's polls holds is taken back
    /// at once (left by a release the store failed), so two pollers given one `owner` would
    /// not keep each other out.
    pub owner: String,
    /// A checked base URL whose stored state this poller takes over (`store::bound_api`).
    pub previous_base_url: Option<String>,
}

impl PollerConfig {
    /// The smallest `window_margin_ms`: `updated_at` and `Date` are whole seconds, so a window
    /// must end at least that far behind the server's clock to be complete (docs/poller.md).
    pub const MIN_WINDOW_MARGIN_MS: i64 = 2_000;

    /// The largest `window_margin_ms`, a week: changes reach the handlers that long after they
    /// happen. Unbounded, a margin past the server's epoch (`i64::MAX`) made every poll end
    /// complete having delivered nothing, for ever.
    pub const MAX_WINDOW_MARGIN_MS: i64 = 7 * 86_400_000;

    /// Refuses the numbers a poll cannot work with (`invalid_input`, naming the option as the
    /// JS `UserPoller` does); [`Poller::new`] calls it. Unchecked, a margin of 0 or a
    /// `max_window_rows` of 0 made a poll request the same page (or ever narrower windows) for
    /// ever, at the client's rate, and a `retry_for_ms` of NaN never gave anything up.
    pub fn check(&self) -> Result<()> {
        let refuse = |what: String| Err(VomoError::invalid_input(format!("UserPoller: {what}")));
        if !(self.poll_interval_ms.is_finite() && self.poll_interval_ms > 0.0) {
            return refuse("pollIntervalMs must be a positive number".into());
        }
        if !(Self::MIN_WINDOW_MARGIN_MS..=Self::MAX_WINDOW_MARGIN_MS).contains(&self.window_margin_ms) {
            return refuse(format!(
                "windowMarginMs must be from {} to {} (a week; got {})",
                Self::MIN_WINDOW_MARGIN_MS,
                Self::MAX_WINDOW_MARGIN_MS,
                self.window_margin_ms
            ));
        }
        // The lease takes back what a poll under `{owner}#` left (`lease::take`): "" or a `#`
        // would make one poller's owner a prefix of another's.
        if self.owner.is_empty() || self.owner.contains('#') {
            return refuse(format!("owner must be a non-empty name without '#' (got {:?})", self.owner));
        }
        if !(self.retry_for_ms.is_finite() && self.retry_for_ms >= 0.0) {
            return refuse(format!("retryForMs must be a number of at least 0 (got {})", crate::error::js_number(self.retry_for_ms)));
        }
        if !(self.retry_interval_ms.is_finite() && self.retry_interval_ms >= 0.0) {
            return refuse(format!(
                "retryIntervalMs must be a number of at least 0 (got {})",
                crate::error::js_number(self.retry_interval_ms)
            ));
        }
        let counts = [
            ("maxAttempts", u64::from(self.max_attempts)),
            ("maxWindowRows", self.max_window_rows),
            ("maxConsecutiveFailures", u64::from(self.max_consecutive_failures)),
            ("maxDeadLetters", self.max_dead_letters as u64),
        ];
        match counts.into_iter().find(|&(_, n)| n == 0) {
            Some((name, _)) => refuse(format!("{name} must be at least 1 (got 0)")),
            None => Ok(()),
        }
    }

    /// The defaults, for this customer, with `owner` naming this poller in the lease.
    pub fn new(customer_id: &str, owner: &str) -> Self {
        PollerConfig {
            customer_id: customer_id.to_string(),
            participations: ParticipationMode::Off,
            poll_interval_ms: 900_000.0,
            max_attempts: 5,
            retry_for_ms: 0.0,
            retry_interval_ms: 0.0,
            window_margin_ms: 5_000,
            max_window_rows: 5_000,
            max_consecutive_failures: 10,
            max_dead_letters: 1000,
            owner: owner.to_string(),
            previous_base_url: None,
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PollReport {
    /// User changes delivered (whose handler returned).
    pub processed: u64,
    /// Of those, `created` events.
    pub created: u64,
    /// Of those, `updated` events.
    pub updated: u64,
    /// Handler failures.
    pub failed: u64,
    /// Participation events delivered.
    pub participation_events: u64,
    /// Queued changes, and users owing participation events, that this poll left for the
    /// next because half its `max_requests` went to retries already (each reads a detail), or
    /// a retry's failure spent the rest; 0 without `max_requests`. Above 0 with `failed` 0,
    /// the downstream takes them, and polling again at once drains the backlog.
    pub retries_deferred: u64,
    /// HTTP requests the poll's client sent while the poll ran (a client shared with others,
    /// or called by the handlers, counts theirs too).
    pub requests: u64,
    /// `None` while no watermark is stored (nothing passed yet: an initial sync that has not
    /// finished its first window).
    pub checkpoint: Option<String>,
    /// How long the poll took, in ms.
    pub duration_ms: f64,
    /// The server's estimated now minus the checkpoint, in ms; `None` with no checkpoint.
    pub lag_ms: Option<f64>,
    /// False when the poll stopped early (see `stop_reason`); the next poll continues where
    /// this one stopped.
    pub complete: bool,
    /// Why the poll stopped early, or `None` when it completed.
    pub stop_reason: Option<StopReason>,
}

/// Why a poll stopped before catching up.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The `maxRequests` budget was spent.
    MaxRequests,
    /// `max_consecutive_failures` handler calls failed in a row: the downstream looks down.
    HandlerOutage,
    /// The dead-letter queue is full.
    DeadLetterLimit,
    /// A window kept changing while it was paged; the next poll walks it again.
    UnsettledWindow,
}

/// The outcome of `reconcile()`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Reconciliation {
    /// Ids known to the store but not visible now, ascending (not visible is not proof of
    /// deletion).
    pub missing: Vec<UserId>,
    /// False when the listing did not finish (`error` says why when a request failed).
    pub complete: bool,
    /// Why it did not complete, when a request failed (after the client's retries): a server
    /// or network error, an unsafe link, a page that could not be read. `None` when complete.
    /// (A listing whose total kept changing is listed again, and then its last listing counts:
    /// see `reconcile.rs`.)
    pub error: Option<crate::error::ErrorInfo>,
    /// Where a reconcile in slices stopped, its request budget spent (`complete` false, no
    /// `error`): `ReconcileOptions::resume` goes on from it. Opaque text (JSON), of this
    /// customer and API only.
    pub resume: Option<String>,
}

/// How `reconcile_with` runs.
pub struct ReconcileOptions<'a, R: Runtime> {
    /// The call's signal and timeouts.
    pub call: &'a R::Call,
    /// At most this many requests, retries included; then it stops with `resume` set.
    pub max_requests: Option<u64>,
    /// A stopped reconcile's `resume`, to go on from where it stopped.
    pub resume: Option<&'a str>,
}

/// How far a reconciliation is: `listing` (users listed of the listing's total; a listing
/// started again because its total changed counts from 0), then `confirming` (candidates
/// checked with `GET /users/{id}` of those not listed).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileProgress {
    /// `listing` or `confirming`.
    pub phase: &'static str,
    /// Users listed, or candidates checked.
    pub done: u64,
    /// The listing's total, or the candidates to check.
    pub total: u64,
}

/// `health()`: lag is the server's estimated now minus the checkpoint.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Whether the checkpoint lags too far (see [`Poller::health`]).
    pub stalled: bool,
    /// The server's estimated now minus the checkpoint, in ms; `None` with no checkpoint.
    pub lag_ms: Option<f64>,
    /// The stored `updatedAt` watermark, as ISO text; `None` while there is none.
    pub checkpoint: Option<String>,
}

/// The stored watermark as ISO text; `None` while there is none (a new customer, or an
/// initial sync that has not finished its first window: the epoch is no watermark).
fn checkpoint_of(core: &CoreState) -> Option<String> {
    (core.checkpoint_ms > 0).then(|| Timestamp(core.checkpoint_ms).to_string())
}

/// `UserPoller`: incremental change detection over a [`Client`], a [`Store`] for its state and
/// the application's [`Handlers`] (see the module's documentation, and docs/poller.md for
/// the guarantees: every change once, nothing lost across windows, outages and restarts).
///
/// Call [`Poller::poll`] on a schedule (every `poll_interval_ms`); one poll of a customer
/// runs at a time, across processes sharing the store (a lease in it), and a second
/// `poll` of the same instance while one runs fails with `busy`. Its `Debug` shows the
/// config and the client (without the token), and the store's and handlers' types.
pub struct Poller<R: Runtime, S: Store, H: Handlers> {
    pub(crate) client: Rc<Client<R>>,
    pub(crate) store: S,
    pub(crate) handlers: H,
    pub(crate) config: PollerConfig,
    pub(crate) keys: Keys,
    last_core: std::cell::RefCell<Option<CoreState>>,
    /// The last server `Date` a poll of this instance read, with the monotonic time it was read
    /// at: `health()` counts the lag from it, so that a wall clock stepped since does not move it.
    last_date: std::cell::Cell<Option<(f64, f64)>>,
    /// Polls started by this instance (numbers each poll's lease token).
    polls_started: std::cell::Cell<u64>,
    /// True while a poll of this instance runs.
    running: std::cell::Cell<bool>,
}

/// The config, the client (whose `Debug` leaves the token out) and whether a poll runs; the
/// store and the handlers by their types, so that neither has to be `Debug`.
impl<R: Runtime, S: Store, H: Handlers> std::fmt::Debug for Poller<R, S, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("config", &self.config)
            .field("client", &*self.client)
            .field("store", &std::any::type_name::<S>())
            .field("handlers", &std::any::type_name::<H>())
            .field("running", &self.running.get())
            .finish_non_exhaustive()
    }
}

/// Clears the instance's `running` flag however the poll ends.
struct RunningGuard<'a>(&'a std::cell::Cell<bool>);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Per-poll bookkeeping shared by the walk, the deliveries and the scan.
pub(crate) struct PollRun<'a, R: Runtime> {
    pub call: &'a R::Call,
    pub state: PollerState,
    pub report: PollReport,
    /// The poll's `max_requests`.
    pub budget: budget::RequestBudget,
    /// This poll's lease on its customer, kept by [`Poller::fence`].
    pub lease: &'a mut Held,
    /// Why the poll is stopping early, once something decided it.
    pub stop: Option<StopReason>,
    /// Handler failures in a row (any success resets it).
    pub consecutive_failures: u32,
    /// Failed changes of the current run of failures, already queued as dead letters, whose
    /// attempt counts and dead-letter events wait until the run is judged (delivery.rs).
    pub pending: Vec<delivery::PendingFailure>,
    /// The last `Date` this poll read (server ms) and the monotonic time it was read at: the
    /// report's lag counts from it, so that a wall clock stepped since cannot hide the lag.
    pub last_date: Option<(f64, f64)>,
    /// The queued changes this poll has yet to offer again, front first (delivery.rs).
    pub to_offer: std::collections::VecDeque<(crate::model::UserId, i64)>,
    /// Users whose participation events were refused since the last judged run of failures,
    /// their attempts counted when it is judged (delivery.rs), as a user change's are.
    pub refused_parts: Vec<crate::model::UserId>,
    /// Users whose refusals this poll counted already (one attempt a poll).
    pub parts_counted: Vec<crate::model::UserId>,
}

impl<R: Runtime> PollRun<'_, R> {
    /// True when the dead-letter retries have used their share of the budget (half of it):
    /// the rest is kept for the walk, so that queued changes that keep failing cannot take
    /// every slice's requests (each retry reads a detail in changed-users mode).
    pub fn retries_out_of_budget(&self, client: &Client<R>) -> bool {
        self.budget.half_spent(client)
    }

    /// The requests the budget has left (`None`: no budget): see [`budget::RequestBudget::sends_left`].
    pub fn sends_left(&self, client: &Client<R>) -> Option<u64> {
        self.budget.sends_left(client)
    }

    /// A request's outcome, or `None` when it failed with a retryable error whose retries the
    /// budget cut short: the poll stops there as out of budget (the next poll goes on), not as
    /// failed.
    pub fn within_budget<T>(&mut self, client: &Client<R>, outcome: Result<T>) -> Result<Option<T>> {
        match outcome {
            Err(e) if e.retryable() && self.out_of_budget(client) => Ok(None),
            other => other.map(Some),
        }
    }

    /// True when the next request would exceed the budget (and records why the poll stops).
    pub fn out_of_budget(&mut self, client: &Client<R>) -> bool {
        let out = self.budget.spent(client);
        if out {
            self.stop.get_or_insert(StopReason::MaxRequests);
        }
        out
    }
}

impl<R: Runtime, S: Store, H: Handlers> Poller<R, S, H> {
    /// Checks the config (a customer id, a previous base URL that reads as one, and the numbers
    /// [`PollerConfig::check`] refuses) and builds the poller; nothing is read or sent until the first poll.
    pub fn new(client: Rc<Client<R>>, store: S, handlers: H, mut config: PollerConfig) -> Result<Self> {
        if let Some(previous) = &config.previous_base_url {
            config.previous_base_url = Some(bound_api::checked_previous(previous, "UserPoller")?);
        }
        check_customer_id(&config.customer_id, "UserPoller")?;
        config.check()?;
        let keys = Keys::new(&config.customer_id);
        Ok(Poller {
            client,
            store,
            handlers,
            config,
            keys,
            last_core: Default::default(),
            last_date: Default::default(),
            polls_started: Default::default(),
            running: Default::default(),
        })
    }

    /// The poller's client.
    pub fn client(&self) -> &Client<R> {
        &self.client
    }

    /// One poll: retry dead letters, walk the changed users window by window, then (in
    /// full-scan mode) continue the participation scan. Stops early at `max_requests`.
    pub async fn poll(&self, max_requests: Option<u64>, call: &R::Call) -> Result<PollReport> {
        let (least, step) = self.config.participations.least_max_requests();
        if let Some(m) = max_requests.filter(|m| (1..least).contains(m)) {
            return Err(VomoError::invalid_input(format!(
                "poll: maxRequests {m} can never get past one page with participations \"{}\" ({step} take {least}); give at least {least}",
                self.config.participations.name()
            )));
        }
        if self.running.replace(true) {
            return Err(VomoError::new(ErrorKind::Busy, "a poll of this UserPoller is still running; await it before starting another"));
        }
        let _running = RunningGuard(&self.running);
        let started = self.client.runtime().now_ms();
        let n = self.polls_started.get() + 1;
        self.polls_started.set(n);
        let token = format!("{}#{n}", self.config.owner);
        let mono = self.client.runtime().monotonic_ms();
        // No other poll of this poller runs (`running`), so a lease under its owner id is one an
        // earlier poll could not release (the store failed it): taken back, not waited out.
        let own = format!("{}#", self.config.owner);
        let (mut lease, took_back) =
            Held::take(&self.store, self.keys.key("lease"), token, Some(&own), started, mono, Holder::POLL).await?;
        if took_back {
            self.client
                .runtime()
                .warn("this UserPoller's previous poll could not release its lease (the store failed the write); this poll took it back");
        }
        // Timed on the monotonic clock: a wall clock stepped back mid-poll made it negative.
        let outcome = self.poll_holding_lease(max_requests, call, &mut lease).await.map(|mut report| {
            report.duration_ms = (self.client.runtime().monotonic_ms() - mono).max(0.0);
            report
        });
        // A release the store fails is left to expire (`LEASE_MS`): the poll's changes were
        // delivered and its checkpoint saved before it; rejected here, the report would be lost
        // and the poll read as one that failed.
        let _ = lease.release(&self.store).await;
        outcome
    }

    async fn poll_holding_lease(&self, max_requests: Option<u64>, call: &R::Call, lease: &mut Held) -> Result<PollReport> {
        let mut state = PollerState::load(&self.store, &self.keys).await?;
        if state.unfinished_forget {
            // A forget cut short (a crash, a store failing) marked the state, and may have
            // removed part of the rest: finished here, under this poll's lease, so that the
            // poll starts as an initial sync with nothing of the old state left to read.
            state::forget(&self.store, &self.keys).await?;
            self.client.runtime().warn("a forget of this customer's state (UserPoller.forget) was cut short; this poll finished it first, so it is an initial sync");
            state = PollerState::load(&self.store, &self.keys).await?;
        }
        let loaded = state.core.clone();
        state.rebase_future_failures(self.client.runtime().now_ms());
        if self.check_api(&state.core)? == Binding::Rebind {
            state.core.api = Some(self.client.base_url().as_str().to_string()); // written by this poll's saves
        }
        let mut run = PollRun::<R> {
            call,
            state,
            report: PollReport::default(),
            budget: budget::RequestBudget::starting(&self.client, max_requests),
            lease,
            stop: None,
            consecutive_failures: 0,
            pending: Vec::new(),
            last_date: None,
            to_offer: Default::default(),
            refused_parts: Vec::new(),
            parts_counted: Vec::new(),
        };
        let mut result = self.poll_steps(&mut run).await;
        // Failures after the poll's last success: whether the downstream works is not
        // known, so their attempts are not counted and none is given up (delivery.rs): a
        // change refused while nothing else succeeds stays queued (docs/poller.md).
        if let Err(e) = self.settle_failures(&mut run, delivery::Verdict::Unknown).await {
            result = result.and(Err(e));
        }
        // Whatever happened, keep what was delivered and how far the walk got; but a new
        // customer's poll that got nowhere (its first request refused: a wrong token, an API
        // down) stores nothing, since saving would bind an empty state to this client's API
        // (`store::bound_api`), which another base URL would then have to take over.
        // (Compared as the text a save writes: a derived `==` over the state's types cost 1 KiB
        // of gzipped wasm, where the serializer is linked already.)
        let got_nowhere = run.state.new_customer
            && serde_json::to_string(&run.state.core).ok()
                == serde_json::to_string(&CoreState { api: run.state.core.api.clone(), ..loaded }).ok();
        let saved = if got_nowhere { Ok(()) } else { self.save_state(&mut run).await };
        *self.last_core.borrow_mut() = Some(run.state.core.clone());
        if run.last_date.is_some() {
            self.last_date.set(run.last_date);
        }
        let complete = result?;
        saved?;
        let mut report = run.report;
        report.requests = run.budget.used(&self.client);
        report.checkpoint = checkpoint_of(&run.state.core);
        report.lag_ms = self.lag_ms(&run.state.core, run.last_date);
        report.complete = complete;
        report.stop_reason = if complete { None } else { run.stop.or(Some(StopReason::UnsettledWindow)) };
        Ok(report)
    }

    /// Whether the stored state is of this client's API (`store::bound_api`): `invalid_input`
    /// before anything is sent or written when it is another's.
    pub(crate) fn check_api(&self, core: &CoreState) -> Result<Binding> {
        let current = self.client.base_url().as_str();
        bound_api::check(core.api.as_deref(), current, self.config.previous_base_url.as_deref()).map_err(|bound| {
            VomoError::invalid_input(format!(
                "UserPoller: the store holds customer {:?}'s state for the API at {bound}, and this client's baseUrl is {current}: \
                 going on from that API's checkpoint would never deliver this API's changes before it; {}",
                self.config.customer_id,
                bound_api::advice("store or customerId", &bound)
            ))
        })
    }

    /// Every handler call and every store write of a poll comes after this: `busy` once
    /// another poll has taken this one's lease over (its term ran out while a handler or a
    /// request hung), so a poll that lost its customer neither delivers nor writes again.
    /// A clock read until a quarter of the lease's term has passed, then one read and one
    /// write of the lease (store::lease::Held).
    pub(crate) async fn fence(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        let rt = self.client.runtime();
        run.lease.keep(&self.store, rt.now_ms(), rt.monotonic_ms()).await
    }

    /// Before a page's users are offered (a window's page, a scan's user, the dead letters):
    /// the lease read back (one store read), so that a poll another took over while this one
    /// ran (its term looked run out to the other: a clock stepped forward) stops here rather
    /// than at its next renewal, up to a quarter of the term later.
    pub(crate) async fn confirm_lease(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        run.lease.confirm(&self.store).await
    }

    /// Before a change is offered to `onUser` (a listed user, or a dead letter offered again):
    /// the caller's abort, then the lease ([`Poller::fence`]). An aborted poll offers nothing
    /// more, not even the rest of a page it has; what it delivered is recorded, and saved with
    /// the walk's progress as on any stop. A user's participation events follow its own event
    /// without this check: they belong to that delivery.
    pub(crate) async fn before_offer(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        if self.client.runtime().is_aborted(run.call) {
            return Err(VomoError::new(ErrorKind::Aborted, "poll: aborted before the next change was offered"));
        }
        self.fence(run).await
    }

    /// Saves the poll's state (store writes: see `fence`), the lease read back first (see
    /// `confirm_lease`): a poll taken over while it delivered a page writes none of it over
    /// the state the other poll now owns.
    pub(crate) async fn save_state(&self, run: &mut PollRun<'_, R>) -> Result<()> {
        self.fence(run).await?;
        self.confirm_lease(run).await?;
        run.state.save_keeping(&self.store, &self.keys, &|url| !self.client.carries_token(url)).await
    }

    /// Records a delivery in the journal (a store write: see `fence`).
    pub(crate) async fn record_delivery(&self, run: &mut PollRun<'_, R>, id: UserId, updated_at_ms: i64) -> Result<()> {
        self.fence(run).await?;
        run.state.mark_delivered(&self.store, &self.keys, id, updated_at_ms).await
    }

    /// [`Poller::record_delivery`] of a user whose participation events follow, `first` the
    /// first of them (state.rs).
    pub(crate) async fn record_delivery_owing(
        &self,
        run: &mut PollRun<'_, R>,
        id: UserId,
        updated_at_ms: i64,
        first: &owed_participations::Taken,
    ) -> Result<()> {
        self.fence(run).await?;
        run.state.mark_delivered_owing(&self.store, &self.keys, id, updated_at_ms, first).await
    }

    async fn poll_steps(&self, run: &mut PollRun<'_, R>) -> Result<bool> {
        self.offer_unsent_unreadable(run).await?;
        if !self.retry_dead_letters(run).await? || !self.offer_owed_participations(run).await? {
            return Ok(false);
        }
        let caught_up = self.walk_windows(run).await?;
        if !caught_up {
            return Ok(false);
        }
        // From now on an id the store does not know is a new user (delivery.rs).
        run.state.core.caught_up = Some(true);
        if self.config.participations == ParticipationMode::FullScan {
            return self.continue_scan(run).await;
        }
        Ok(true)
    }

    /// The server's estimated now minus the checkpoint; `None` while there is no checkpoint.
    /// `last_date`: a `Date` a poll of this process read, with the monotonic time it was read at.
    fn lag_ms(&self, core: &CoreState, last_date: Option<(f64, f64)>) -> Option<f64> {
        checkpoint_of(core)?;
        let rt = self.client.runtime();
        let server_now = match last_date {
            // That `Date` plus the time passed since: a wall clock stepped since cannot hide the lag.
            Some((date, at)) => date + (rt.monotonic_ms() - at),
            None => rt.now_ms() + core.clock_offset_ms.unwrap_or(0.0),
        };
        Some((server_now - core.checkpoint_ms as f64).max(0.0))
    }

    /// Lag and stall as of the last poll this instance ran (or loaded). Stalled once the lag
    /// is more than twice `poll_interval_ms` beyond the window margin, by which a caught-up
    /// checkpoint trails the server's clock at best; and while a poll has run but no
    /// checkpoint is stored yet (an initial sync short of its first window: no lag to give).
    pub fn health(&self) -> Health {
        let core = self.last_core.borrow();
        let Some(core) = core.as_ref() else {
            return Health { stalled: false, lag_ms: None, checkpoint: None };
        };
        // A `Date` this instance's polls read, plus the monotonic time since (a wall clock
        // stepped an hour on made a caught-up instance report stalled: an outside pass); an
        // instance that never polled has the stored offset and the wall clock only.
        let lag = self.lag_ms(core, self.last_date.get());
        Health {
            stalled: lag.is_none_or(|l| l > 2.0 * self.config.poll_interval_ms + self.config.window_margin_ms as f64),
            lag_ms: lag,
            checkpoint: checkpoint_of(core),
        }
    }

    /// Loads the stored state so that `health()` answers before the first poll: its small
    /// `state` value alone (checkpoint and clock offset), not the known ids. A customer with no
    /// state yet answers as an instance that never polled (no checkpoint, not stalled).
    pub async fn load_health(&self) -> Result<Health> {
        *self.last_core.borrow_mut() = PollerState::load_core(&self.store, &self.keys).await?;
        Ok(self.health())
    }

    /// Ids known to the store but not visible now, for review. Never deletes anything.
    pub async fn reconcile(&self, call: &R::Call) -> Result<Reconciliation> {
        self.reconcile_with_progress(call, &|_| {}).await
    }

    /// [`Poller::reconcile`], telling `progress` how far it is: after each page of the
    /// listing, and after each candidate it confirmed with the user's detail.
    pub async fn reconcile_with_progress(&self, call: &R::Call, progress: &dyn Fn(&ReconcileProgress)) -> Result<Reconciliation> {
        self.reconcile_with(&ReconcileOptions { call, max_requests: None, resume: None }, progress).await
    }

    /// [`Poller::reconcile_with_progress`] in slices: at most `options.max_requests` requests,
    /// then `resume` set in the result, which `options.resume` goes on from.
    pub async fn reconcile_with(&self, options: &ReconcileOptions<'_, R>, progress: &dyn Fn(&ReconcileProgress)) -> Result<Reconciliation> {
        if options.max_requests == Some(0) {
            return Err(VomoError::invalid_input("reconcile: maxRequests must be at least 1"));
        }
        reconcile::reconcile(self, options, progress).await
    }
}

/// A `customerId` names the customer's keys in the store (`Keys`).
fn check_customer_id(customer_id: &str, who: &str) -> Result<()> {
    if customer_id.trim().is_empty() || customer_id.contains('/') {
        return Err(VomoError::invalid_input(format!("{who}: customerId must be a non-empty string without '/'")));
    }
    if customer_id == IMPORTS {
        return Err(VomoError::invalid_input(format!(
            "{who}: customerId must not be \"{IMPORTS}\": the store keeps the imports' progress under that name"
        )));
    }
    Ok(())
}

/// The base URL a customer's stored state was written for (`store::bound_api`), read from the
/// store alone: no client, no lease, nothing written. `None` when the customer has no state
/// yet, or its state was saved before states recorded their API (the first API to poll it
/// takes it).
pub async fn stored_base_url<S: Store>(store: &S, customer_id: &str) -> Result<Option<String>> {
    check_customer_id(customer_id, "UserPoller.storedBaseUrl")?;
    Ok(PollerState::load_core(store, &Keys::new(customer_id)).await?.and_then(|core| core.api))
}

/// Removes a customer's stored state (checkpoint, known ids, journal, dead letters,
/// participations), so that its next poll is an initial sync that delivers every user again.
/// `Ok(false)` when there was none. Refused with `busy` while a poll of the customer holds
/// its lease (this takes the lease for its writes). Its first write marks the state: cut short
/// before it, a forget removed nothing; after it, loads read the customer as new, and the next
/// poll (or forget) finishes the job (`state::forget`). Keys of the state that no
/// stored index names (left by a store that cannot delete) are never read, and stay.
///
/// `nonce` makes this forget's lease token unique to it (the glue's holds a random part): see
/// `store::lease::while_forgetting`.
pub async fn forget_state<S: Store>(store: &S, customer_id: &str, nonce: &str, now_ms: f64) -> Result<bool> {
    check_customer_id(customer_id, "UserPoller.forget")?;
    let keys = Keys::new(customer_id);
    crate::store::lease::while_forgetting(store, &keys.key("lease"), nonce, now_ms, Holder::POLL, state::forget(store, &keys)).await
}

/// Stops a poll with an auth or permission error (the checkpoint does not move).
pub(crate) fn is_fatal(e: &VomoError) -> bool {
    matches!(e.kind, ErrorKind::Auth | ErrorKind::Forbidden | ErrorKind::Aborted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::{block_on, MemStore};

    /// `UserPoller.forget`: every key of one customer's state goes (the released lease
    /// stays), another customer's stay as they were, and a poll holding the lease refuses it.
    #[test]
    fn forget_removes_one_customers_state_and_no_other() {
        let store = MemStore { compare_and_set: true, ..Default::default() };
        for customer in ["acme", "acme-2"] {
            let keys = Keys::new(customer);
            let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
            state.core.checkpoint_ms = 5_000;
            // 6,000 ids of one bucket: its value spans several 100 KiB chunks.
            for i in 1..=6_000 {
                block_on(state.mark_delivered(&store, &keys, 1_000_000_000_000 + i * 16, 1_000)).unwrap();
            }
            state.set_participations(7, Vec::new());
            block_on(state.save(&store, &keys)).unwrap();
            block_on(state.mark_delivered(&store, &keys, 99, 2_000)).unwrap(); // a journal slot
        }
        let of = |customer: &str| -> Vec<(String, String)> {
            let prefix = Keys::new(customer).key("");
            store.map.borrow().iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let other = of("acme-2");
        assert!(of("acme").iter().any(|(k, _)| k.ends_with("/journal/0")) && of("acme").len() > 5);
        assert!(of("acme").iter().any(|(k, _)| k.contains("/known/0.")), "a chunked bucket");
        assert!(block_on(forget_state(&store, "acme", "1", 1_000.0)).unwrap());
        let left: Vec<String> = of("acme").into_iter().map(|(k, _)| k).collect();
        assert_eq!(left, [Keys::new("acme").key("lease")], "only the released lease");
        let fresh = block_on(PollerState::load(&store, &Keys::new("acme"))).unwrap();
        assert!(fresh.known.is_empty() && fresh.core.checkpoint_ms == 0);
        assert_eq!(of("acme-2"), other, "the other customer is untouched");
        assert!(!block_on(forget_state(&store, "acme", "1", 2_000.0)).unwrap(), "nothing left to forget");
        // A poll holding the customer's lease: refused, nothing removed.
        let lease = Keys::new("acme-2").key("lease");
        block_on(crate::store::lease::acquire(&store, &lease, "poll-1", 3_000.0, Holder::POLL)).unwrap();
        let other = of("acme-2");
        assert_eq!(block_on(forget_state(&store, "acme-2", "1", 3_001.0)).unwrap_err().kind, ErrorKind::Busy);
        assert_eq!(of("acme-2"), other);
        for bad in ["", " ", "a/b", "import"] {
            assert_eq!(block_on(forget_state(&store, bad, "1", 0.0)).unwrap_err().kind, ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    /// A page link `keep_url` refuses is left out of what is written (the window, or the scan
    /// cycle, starts again on a later load), not of the state in memory.
    #[test]
    fn a_page_link_not_kept_is_not_written() {
        let store = MemStore::default();
        let keys = Keys::new("acme");
        let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
        let link = "https://api.vomo.org/v1/users?page=2&access_token=secret-token-1";
        state.core.walk = Some(state::WindowWalk {
            start_ms: 0,
            end_ms: 1000,
            next_url: Some(link.into()),
            restarts: 1,
            narrowed: false,
            reads: Default::default(),
        });
        state.core.scan = Some(state::ScanCursor { page_url: Some(link.into()), done_in_page: 7 });
        block_on(state.save_keeping(&store, &keys, &|url| !url.contains("secret-token-1"))).unwrap();
        assert_eq!(state.core.walk.as_ref().unwrap().next_url.as_deref(), Some(link), "kept in memory");
        let stored = block_on(store.get(&keys.key("state"))).unwrap().unwrap();
        assert!(!stored.contains("secret-token-1"), "{stored}");
        let loaded = block_on(PollerState::load(&store, &keys)).unwrap();
        let walk = loaded.core.walk.unwrap();
        assert_eq!((walk.next_url, walk.reads, walk.restarts, walk.end_ms), (None, Default::default(), 1, 1000), "from its first page");
        assert_eq!(loaded.core.scan, Some(state::ScanCursor::default()));
        block_on(state.save(&store, &keys)).unwrap();
        assert!(block_on(store.get(&keys.key("state"))).unwrap().unwrap().contains("secret-token-1"), "save keeps every link");
    }

    /// Written as a poll's save writes it; read back without a client.
    #[test]
    fn stored_base_url_reads_the_states_api_alone() {
        let store = MemStore::default();
        assert_eq!(block_on(stored_base_url(&store, "acme")).unwrap(), None, "no state yet");
        let keys = Keys::new("acme");
        let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
        block_on(state.save(&store, &keys)).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "acme")).unwrap(), None, "state without an API (as before the binding)");
        state.core.api = Some("https://api.vomo.org/v1".into());
        block_on(state.save(&store, &keys)).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "acme")).unwrap().as_deref(), Some("https://api.vomo.org/v1"));
        assert_eq!(block_on(stored_base_url(&store, "other")).unwrap(), None, "another customer's keys");
        for bad in ["", " ", "a/b", IMPORTS] {
            let e = block_on(stored_base_url(&store, bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{bad:?}");
            assert!(e.message.starts_with("UserPoller.storedBaseUrl: customerId"), "{}", e.message);
        }
        block_on(store.set(&keys.key("state"), "{not json")).unwrap();
        assert_eq!(block_on(stored_base_url(&store, "acme")).unwrap_err().kind, ErrorKind::Parse);
    }
}
