//! A deterministic, seeded world for the poller simulation (tests/poller_simulation.rs):
//! a fake VOMO server behind `vomo_users::client::Runtime`, a virtual clock, an adversary
//! that mutates the data between requests, a durable in-memory `Store`, recording
//! `Handlers`, and a tiny executor that can "kill the process" after N steps.
//!
//! Everything runs on one thread per world, in virtual time: `sleep` advances the clock,
//! and every await point (`send`, `sleep`, store `get`/`set`, inside a handler) yields
//! exactly once, so that the executor can drop a poll future at any of them, which is how
//! a process death is simulated.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use vomo_users::model::Participation;

use vomo_users::client::{Client, ClientConfig, HttpRequest, HttpResponse, Rate, Runtime, TransportError};
use vomo_users::poller::{is_anonymized_email, Event, HandlerFailure, Handlers, UserPayload};
use vomo_users::poller::{ParticipationMode, Poller, PollerConfig};
use vomo_users::store::Store;
use vomo_users::time::Timestamp;
use vomo_users::{ErrorKind, VomoError};

// ---------------------------------------------------------------------------------------
// Randomness

mod rng;
pub use rng::Rng;
mod dying;
#[allow(unused_imports)] // for the crash tests; the other crates including this module do not use them
pub use dying::{Dying, DyingDeleting, Map};

// ---------------------------------------------------------------------------------------
// Executor

fn noop_raw() -> RawWaker {
    fn clone(_: *const ()) -> RawWaker {
        noop_raw()
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    RawWaker::new(std::ptr::null(), &VTABLE)
}

fn noop_waker() -> Waker {
    // SAFETY: the vtable's functions do nothing and never touch the data pointer.
    unsafe { Waker::from_raw(noop_raw()) }
}

/// Yields once: the single kind of suspension in the simulated world.
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

pub fn yield_now() -> YieldOnce {
    YieldOnce(false)
}

/// How a driven future ended.
#[derive(Debug)]
pub enum Run<T> {
    Done(T),
    /// The process died: the future was dropped after this many suspensions.
    Died(u64),
}

/// Drives `fut` to completion, or drops it at its `die_after`-th suspension (a process
/// death at that await point). Nothing in the world really waits, so every suspension
/// can be polled again at once.
pub fn run<F: Future>(fut: F, die_after: Option<u64>) -> Run<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut steps = 0u64;
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return Run::Done(v),
            Poll::Pending => {
                steps += 1;
                if die_after.is_some_and(|d| steps >= d) {
                    return Run::Died(steps);
                }
                assert!(steps < 50_000_000, "a simulated future never finished");
            }
        }
    }
}

/// Drives `fut` to completion, or drops it at the first suspension where `dead()` holds
/// (e.g. right after the store's k-th `set`, which suspends once it has landed).
pub fn run_until<F: Future>(fut: F, dead: impl Fn() -> bool) -> Run<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut steps = 0u64;
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return Run::Done(v),
            Poll::Pending => {
                steps += 1;
                if dead() {
                    return Run::Died(steps);
                }
                assert!(steps < 50_000_000, "a simulated future never finished");
            }
        }
    }
}

/// Drives a future that must finish (test bookkeeping, never a poll that may die).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    match run(fut, None) {
        Run::Done(v) => v,
        Run::Died(_) => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------
// Time formatting

const MS_PER_DAY: i64 = 86_400_000;

/// IMF-fixdate, floored to the second: `Wed, 21 Oct 2015 07:28:00 GMT`.
pub fn http_date(ms: i64) -> String {
    let iso = Timestamp(ms.div_euclid(1000) * 1000).to_string(); // 2015-10-21T07:28:00.000Z
    let days = ms.div_euclid(MS_PER_DAY);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let y = &iso[0..4];
    let m: usize = iso[5..7].parse().unwrap();
    let d = &iso[8..10];
    let hms = &iso[11..19];
    format!("{}, {d} {} {y} {hms} GMT", WD[days.rem_euclid(7) as usize], MON[m - 1])
}

/// Laravel's JSON form of a timestamp: `2025-11-04T08:00:00.000000Z`.
pub fn laravel_ts(ms: i64) -> String {
    Timestamp(ms).to_string().replace(".000Z", ".000000Z")
}

pub fn floor_s(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
}

/// A user's participations: none, a few, or (with `long`, for one user in eight) 530-620,
/// 105-125 KB of stored JSON, so that user's bucket spans two 100 KiB chunks; each version
/// of the user adds up to 4 more.
fn participations_json(u: &SimUser, long: bool) -> serde_json::Value {
    let id = u.id;
    let mut r = Rng::new(id as u64 ^ 0xFACE);
    let n = if long && id % 8 == 4 { r.range(530, 620) } else { r.range(0, 3) } + (u.updated_ms / 1000).rem_euclid(5);
    // Newest first, as a user's history reads: a version that adds or drops some shifts
    // the whole stored text, so a mixture of two versions' chunks is never either one.
    let list: Vec<serde_json::Value> = (0..n)
        .rev()
        .map(|i| {
            let day = 1_700_000_000_000 + (id * 1000 + i) * 86_400_000 % 31_536_000_000;
            serde_json::json!({
                "project_id": 100 + i % 7,
                "project_date_id": 10_000 + i,
                "guests": i % 3,
                "signed_up_at": laravel_ts(day - 86_400_000),
                "checked_in_at": laravel_ts(day),
                "checked_out_at": laravel_ts(day + 4 * 3_600_000),
                "hours": "4.00",
                "verified": i % 2 == 0,
                "role": "VOLUNTEER",
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------
// The world: server, clocks, adversary, oracle records

#[derive(Debug, Clone, PartialEq)]
pub struct SimUser {
    pub id: i64,
    pub email: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Insert(SimUser),
    /// Last writer wins; a no-op when the row is gone by commit time.
    Update(SimUser),
    Delete(i64),
}

#[derive(Debug, Clone)]
struct PendingWrite {
    visible_at: i64,
    seq: u64,
    op: Op,
}

/// Everything a seed decides about the world.
#[derive(Debug, Clone)]
pub struct WorldConfig {
    pub per_page: usize,
    /// Local clock minus server clock.
    pub local_offset_ms: i64,
    /// Server-side latency of one exchange, ms.
    pub latency_ms: (i64, i64),
    /// Probability that a request starts a 429 storm, and the storm's length in requests.
    pub p_storm: f64,
    pub storm_len: (i64, i64),
    /// Retry-After of a storm, seconds.
    pub retry_after_s: (i64, i64),
    pub p_500: f64,
    pub p_network: f64,
    pub p_timeout: f64,
    /// Probability of an adversary mutation batch before a request is handled.
    pub p_mutate_per_request: f64,
    /// A write becomes visible this long after its `updated_at` was stamped (a commit
    /// delay); 0 for an instant commit.
    pub commit_delay_max_ms: i64,
    /// The `Date` header runs ahead of the clock that stamps `updated_at` by up to this
    /// (several app servers behind a balancer).
    pub date_ahead_max_ms: i64,
    /// Send no `Date` header at all.
    pub no_date: bool,
    /// Fraction of handler calls that throw.
    pub p_handler_fail: f64,
    /// A downstream outage: every handler call (users and participations) throws while the
    /// world's clock is inside `[start, end)`.
    pub outage: Option<(i64, i64)>,
    /// Fraction of store writes (other than the delivery journal) that fail.
    pub p_store_fail: f64,
    /// The handler suspends once more after it completed: a process death there falls in
    /// the one-call window between a handler returning and the journal write.
    pub journal_window_yield: bool,
    /// Some users have hundreds of participations, so that the stored participation
    /// buckets span several 100 KiB chunks.
    pub long_participations: bool,
    /// The store has an atomic multi-key write (Durable Object `put(object)`).
    pub store_batches: bool,
    /// A downstream that refuses some users while it takes the others.
    pub refusal: Option<Refusal>,
    /// Probability that an adversary write commits inside a listing request, between its
    /// `meta.total` and its page's rows: Laravel's `paginate()` runs a COUNT and then the
    /// page's SELECT, two statements with no snapshot between them.
    pub p_torn_page: f64,
    /// Probability of a bulk update before a listing request (an import or a mass edit
    /// touching 10-40 users at once), so that a walk's total falls by more than a page.
    pub p_bulk_update: f64,
    /// Probability that the server's page size changes before a listing request (to 5-20: a
    /// deploy that changed `per_page`, servers behind one balancer set differently), so that
    /// the pages of one walk have different sizes.
    pub p_resize: f64,
    /// Fraction of versions the listing sends without their email (a record the parser
    /// drops as unreadable, keeping its id and `updated_at`): offered to `onDeadLetter`, once.
    pub p_unreadable: f64,
}

/// Users the downstream refuses (a 422 for their data, say) while it takes every other one.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// A user whose id is a multiple of this is refused for `for_ms` after the first refusal
    /// of each of its versions, then taken.
    pub every: i64,
    pub for_ms: i64,
    /// A user whose id is a multiple of this is refused for good (checked first).
    pub for_good_every: i64,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            per_page: 10,
            local_offset_ms: 0,
            latency_ms: (20, 400),
            p_storm: 0.0,
            storm_len: (1, 6),
            retry_after_s: (1, 30),
            p_500: 0.0,
            p_network: 0.0,
            p_timeout: 0.0,
            p_mutate_per_request: 0.0,
            commit_delay_max_ms: 0,
            date_ahead_max_ms: 0,
            no_date: false,
            p_handler_fail: 0.0,
            outage: None,
            p_store_fail: 0.0,
            journal_window_yield: false,
            long_participations: false,
            store_batches: false,
            refusal: None,
            p_torn_page: 0.0,
            p_bulk_update: 0.0,
            p_resize: 0.0,
            p_unreadable: 0.0,
        }
    }
}

/// Whether the listing sends this version unreadable (`p_unreadable`): fixed by the version,
/// so every read of it agrees.
pub fn is_unreadable(p_unreadable: f64, id: i64, updated_ms: i64) -> bool {
    let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (updated_ms as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    p_unreadable > 0.0 && ((h >> 11) as f64 / (1u64 << 53) as f64) < p_unreadable
}

#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub requests: u64,
    /// Listing requests whose page's rows were read after a write their total did not see.
    pub torn_pages: u64,
    /// Bulk updates (`p_bulk_update`).
    pub bulk_updates: u64,
    /// Page size changes (`p_resize`).
    pub resizes: u64,
    pub list_requests: u64,
    pub detail_requests: u64,
    pub r429: u64,
    pub r500: u64,
    pub network: u64,
    pub timeouts: u64,
    pub mutations: u64,
    pub handler_calls: u64,
    pub handler_failures: u64,
    pub dead_letter_events: u64,
    pub final_dead_letters: u64,
    pub participation_events: u64,
    pub store_writes: u64,
    /// Bytes of values handed to the store's `set`.
    pub store_bytes: u64,
    /// The largest value written, and the sets of chunks of values over 100 KiB.
    pub largest_value: u64,
    pub chunk_sets: u64,
    /// Sets of values over 50 KB: in practice, the chunks of values over 100 KiB.
    pub big_sets: u64,
    /// The key of the latest `set` (a death right after a chunk is a death between chunks).
    pub last_set_key: String,
    pub upserts: u64,
    pub store_failures: u64,
    pub warnings: u64,
}

/// Where the one running handler stands, to name a death's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HandlerPhase {
    Idle,
    /// Called, not returned.
    Running(i64, i64),
    /// Returned success to no one yet: the journal-window yield.
    Returning(i64, i64),
    /// A participation event returned success to no one yet: the journal-window yield.
    ReturningParticipation,
}

/// One completed `Event::User` delivery.
#[derive(Debug, Clone)]
pub struct Completed {
    pub id: i64,
    pub updated_ms: i64,
    pub email: String,
    pub anonymized: bool,
    pub kind: &'static str,
    pub created_ms: i64,
}

pub struct World {
    pub cfg: WorldConfig,
    pub rng: Rng,
    /// The server's true clock (it stamps `updated_at`), ms.
    pub now: i64,
    pub users: BTreeMap<i64, SimUser>,
    pending: Vec<PendingWrite>,
    pub next_id: i64,
    seq: u64,
    email_counter: u64,
    pub anonymized: BTreeSet<i64>,
    pub mutating: bool,
    pub faults: bool,
    storm_left: i64,
    storm_retry_after: i64,
    last_request_mutation: i64,
    // Oracle records.
    /// Every version ever visible, with the last email it was visible with.
    pub versions: HashMap<(i64, i64), String>,
    pub deleted: BTreeSet<i64>,
    /// The latest `updated_at` stamp any write carried.
    pub last_stamp: i64,
    pub completed: Vec<Completed>,
    /// Each refused version: when it was first refused (world clock), and how many times.
    pub refused: HashMap<(i64, i64), (i64, u32)>,
    /// Each refused version's last refusal that a success after it in the same poll judged
    /// (world clock), while no death or failed poll has made it unknown whether the poller
    /// kept it (the simulation clears it then).
    pub last_refused: HashMap<(i64, i64), i64>,
    /// The refusals of this poll no success has followed yet (the simulation clears them at
    /// each poll's end).
    pub poll_refusals: Vec<((i64, i64), i64)>,
    /// Each offer of a version refused before: `(id, updatedAt, ms since its last refusal)`.
    pub retry_gaps: Vec<(i64, i64, i64)>,
    /// Each final dead letter heard: `(id, updatedAt, world clock)`.
    pub given_up: Vec<(i64, i64, i64)>,
    /// Each unreadable record offered to the dead-letter handler: `(id, updatedAt)`.
    pub parse_offers: Vec<(i64, i64)>,

    /// The downstream's participations, by user and project date, as the events it took
    /// built them.
    pub parts_held: HashMap<i64, BTreeMap<i64, Participation>>,
    /// Events that did not apply to what the downstream held (an `added` over another
    /// participation, a `removed` of one it did not hold as sent, ...).
    pub parts_conflicts: Vec<String>,
    /// Events that applied to nothing new: one the downstream had taken already.
    pub parts_repeats: u64,
    /// Each refused participation event (user, debug text): when first refused.
    pub parts_refused: HashMap<(i64, String), i64>,
    /// Participation events given up (final dead letters), by their debug text.
    pub parts_given_up: HashSet<String>,
    /// Each final participation dead letter: user, `attempt`, world clock.
    pub parts_finals: Vec<(i64, u32, i64)>,
    /// Draws participation handler failures apart from `rng`, so that the other draws of a
    /// seed stay as they were before they existed.
    parts_rng: Rng,
    pub phase: HandlerPhase,
    pub c: Counters,
    pub log: Option<Vec<String>>,
}

pub type Shared = Rc<RefCell<World>>;

impl World {
    /// True while the seed's downstream outage lasts.
    pub fn in_outage(&self) -> bool {
        self.cfg.outage.is_some_and(|(a, b)| self.now >= a && self.now < b)
    }

    /// Whether the downstream refuses this participation event now: `Refusal`'s rule, by
    /// the participation's project date instead of the user's id.
    pub fn refuses_participation(&mut self, e: &vomo_users::poller::ParticipationEvent) -> bool {
        let Some(r) = &self.cfg.refusal else { return false };
        let date = e.participation.project_date_id.unwrap_or(1);
        let for_good = date % r.for_good_every == 0;
        if !for_good && date % r.every != 0 {
            return false;
        }
        let now = self.now;
        let first = *self.parts_refused.entry((e.user_id, format!("{e:?}"))).or_insert(now);
        for_good || now - first < r.for_ms
    }

    /// A handler call succeeded: the refusals before it in this poll are judged (the poller
    /// counts them, and waits `retry_interval_ms` from then).
    pub fn judge_refusals(&mut self) {
        for (key, at) in std::mem::take(&mut self.poll_refusals) {
            self.last_refused.insert(key, at);
        }
    }

    /// Whether the downstream refuses this version of a user now (`Refusal`).
    pub fn refuses(&mut self, id: i64, updated_ms: i64) -> bool {
        let Some(r) = &self.cfg.refusal else { return false };
        let (for_good, for_ms) = (id % r.for_good_every == 0, r.for_ms);
        if !for_good && id % r.every != 0 {
            return false;
        }
        let now = self.now;
        if let Some(&last) = self.last_refused.get(&(id, updated_ms)) {
            self.retry_gaps.push((id, updated_ms, now - last));
        }
        let seen = self.refused.entry((id, updated_ms)).or_insert((now, 0));
        let refuses = for_good || now - seen.0 < for_ms;
        seen.1 += refuses as u32;
        if refuses {
            self.poll_refusals.push(((id, updated_ms), now));
        }
        refuses
    }

    pub fn new(cfg: WorldConfig, seed: u64, start_ms: i64) -> World {
        World {
            cfg,
            rng: Rng::new(seed),
            now: start_ms,
            users: BTreeMap::new(),
            pending: Vec::new(),
            next_id: 1,
            seq: 0,
            email_counter: 0,
            anonymized: BTreeSet::new(),
            mutating: true,
            faults: true,
            storm_left: 0,
            storm_retry_after: 1,
            last_request_mutation: i64::MIN / 2,
            versions: HashMap::new(),
            deleted: BTreeSet::new(),
            last_stamp: 0,
            completed: Vec::new(),
            refused: HashMap::new(),
            last_refused: HashMap::new(),
            poll_refusals: Vec::new(),
            retry_gaps: Vec::new(),
            given_up: Vec::new(),
            parse_offers: Vec::new(),

            parts_held: HashMap::new(),
            parts_conflicts: Vec::new(),
            parts_repeats: 0,
            parts_refused: HashMap::new(),
            parts_given_up: HashSet::new(),
            parts_finals: Vec::new(),
            parts_rng: Rng::new(seed ^ 0x9a27_0f11),
            phase: HandlerPhase::Idle,
            c: Counters::default(),
            log: None,
        }
    }

    pub fn note(&mut self, text: impl FnOnce() -> String) {
        if let Some(log) = self.log.as_mut() {
            let line = format!("[{}] {}", Timestamp(self.now), text());
            // Printed as it happens, so that a seed that hangs still shows where.
            println!("{line}");
            log.push(line);
        }
    }

    pub fn local_now(&self) -> f64 {
        (self.now + self.cfg.local_offset_ms) as f64
    }

    pub fn advance(&mut self, ms: i64) {
        self.now += ms.max(0);
    }

    fn fresh_email(&mut self, id: i64) -> String {
        self.email_counter += 1;
        format!("u{id}.v{}@example.org", self.email_counter)
    }

    /// Seeds a user directly (before the first poll), committed at once.
    pub fn seed_user(&mut self, created_ms: i64, updated_ms: i64) {
        let id = self.next_id;
        self.next_id += 1;
        let email = self.fresh_email(id);
        let u = SimUser { id, email: email.clone(), created_ms, updated_ms };
        self.versions.insert((id, updated_ms), email);
        self.last_stamp = self.last_stamp.max(updated_ms);
        self.users.insert(id, u);
    }

    fn write(&mut self, op: Op) {
        let delay = if self.cfg.commit_delay_max_ms > 0 { self.rng.range(0, self.cfg.commit_delay_max_ms) } else { 0 };
        self.seq += 1;
        self.c.mutations += 1;
        if let Op::Insert(u) | Op::Update(u) = &op {
            self.last_stamp = self.last_stamp.max(u.updated_ms);
        }
        self.pending.push(PendingWrite { visible_at: self.now + delay, seq: self.seq, op });
        self.apply_pending();
    }

    /// Commits every write whose delay has passed, in commit order, last writer wins.
    pub fn apply_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.pending.sort_by_key(|p| (p.visible_at, p.seq));
        let now = self.now;
        let split = self.pending.partition_point(|p| p.visible_at <= now);
        let due: Vec<PendingWrite> = self.pending.drain(..split).collect();
        for p in due {
            match p.op {
                Op::Insert(u) => {
                    self.versions.insert((u.id, u.updated_ms), u.email.clone());
                    self.users.insert(u.id, u);
                }
                Op::Update(u) => {
                    if self.users.contains_key(&u.id) {
                        self.versions.insert((u.id, u.updated_ms), u.email.clone());
                        self.users.insert(u.id, u);
                    }
                }
                Op::Delete(id) => {
                    if self.users.remove(&id).is_some() {
                        self.deleted.insert(id);
                    }
                }
            }
        }
    }

    pub fn pending_writes(&self) -> usize {
        self.pending.len()
    }

    fn live_ids(&self, skip_anonymized: bool) -> Vec<i64> {
        self.users.keys().copied().filter(|id| !(skip_anonymized && self.anonymized.contains(id))).collect()
    }

    /// One adversary move at the current server time.
    pub fn mutate(&mut self) {
        let stamp = floor_s(self.now);
        let roll = self.rng.f64();
        if roll < 0.40 {
            // Updates of 1..3 users (all stamped this second).
            for _ in 0..self.rng.range(1, 3) {
                let mut ids = self.live_ids(true);
                if self.cfg.long_participations && self.rng.chance(0.5) {
                    // Users with long histories change often: their large values get rewritten.
                    ids.retain(|id| id % 8 == 4);
                }
                if let Some(&id) = self.rng.pick(&ids) {
                    let mut u = self.users[&id].clone();
                    u.email = self.fresh_email(id);
                    u.updated_ms = stamp;
                    self.note(|| format!("update #{id} -> {}", Timestamp(stamp)));
                    self.write(Op::Update(u));
                }
            }
        } else if roll < 0.65 && self.users.len() < 200 {
            // Creates sharing one timestamp.
            let n = self.rng.range(1, 5);
            for _ in 0..n {
                let id = self.next_id;
                self.next_id += 1;
                let email = self.fresh_email(id);
                self.note(|| format!("create #{id} @ {}", Timestamp(stamp)));
                self.write(Op::Insert(SimUser { id, email, created_ms: stamp, updated_ms: stamp }));
            }
        } else if roll < 0.85 {
            // A hard delete: rows behind it shift one place up on offset pages.
            let ids = self.live_ids(false);
            if let Some(&id) = self.rng.pick(&ids) {
                self.note(|| format!("delete #{id}"));
                self.write(Op::Delete(id));
            }
        } else {
            // VOMO's anonymization: email rewritten, updated_at bumped.
            let ids = self.live_ids(true);
            if let Some(&id) = self.rng.pick(&ids) {
                let mut u = self.users[&id].clone();
                u.email = format!("vomodeleteduser{}@vomo.org", 1_000_000 + id);
                u.updated_ms = stamp;
                self.anonymized.insert(id);
                self.note(|| format!("anonymize #{id} -> {}", Timestamp(stamp)));
                self.write(Op::Update(u));
            }
        }
    }

    /// Updates 10-40 live users at once, all stamped this second (`p_bulk_update`).
    fn bulk_update(&mut self) {
        let stamp = floor_s(self.now);
        let n = self.rng.range(10, 40);
        let ids = self.live_ids(true);
        for _ in 0..n {
            if let Some(&id) = self.rng.pick(&ids) {
                let mut u = self.users[&id].clone();
                u.email = self.fresh_email(id);
                u.updated_ms = stamp;
                self.write(Op::Update(u));
            }
        }
        self.note(|| format!("bulk update of {n} users -> {}", Timestamp(stamp)));
        self.c.bulk_updates += 1;
    }

    /// The refusing world's other traffic: a user the downstream takes changes now (a failure
    /// is judged only by a success after it). False when there is no such user.
    pub fn touch_taken_user(&mut self) -> bool {
        let Some(r) = self.cfg.refusal.clone() else { return false };
        let taken = |id: &i64| id % r.every != 0 && id % r.for_good_every != 0;
        let Some(&id) = self.live_ids(true).iter().find(|id| taken(id)) else { return false };
        let mut u = self.users[&id].clone();
        u.email = self.fresh_email(id);
        u.updated_ms = floor_s(self.now);
        self.note(|| format!("touch #{id} -> {}", Timestamp(u.updated_ms)));
        self.write(Op::Update(u));
        true
    }

    /// `POST /users`: VOMO's upsert by email (201 created, 200 updated), committed at once.
    fn upsert(&mut self, body: &str) -> HttpResponse {
        let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let email = body["email"].as_str().unwrap_or_default().trim().to_lowercase();
        let stamp = floor_s(self.now);
        let existing = self.users.values().find(|u| u.email == email).map(|u| u.id);
        let (u, status) = match existing {
            Some(id) => {
                let u = SimUser { updated_ms: stamp, ..self.users[&id].clone() };
                (u, 200)
            }
            None => {
                let id = self.next_id;
                self.next_id += 1;
                (SimUser { id, email, created_ms: stamp, updated_ms: stamp }, 201)
            }
        };
        self.c.upserts += 1;
        self.versions.insert((u.id, u.updated_ms), u.email.clone());
        self.last_stamp = self.last_stamp.max(stamp);
        self.users.insert(u.id, u.clone());
        let mut v = Self::user_json(&u);
        v["participations"] = serde_json::json!([]);
        v["profile_field_values"] = serde_json::json!([]);
        self.response(status, serde_json::json!({ "data": v }).to_string())
    }

    fn user_json(u: &SimUser) -> serde_json::Value {
        serde_json::json!({
            "type": "user",
            "id": u.id,
            "first_name": "Sim",
            "last_name": format!("User{}", u.id),
            "email": u.email,
            "created_at": laravel_ts(u.created_ms),
            "updated_at": laravel_ts(u.updated_ms),
        })
    }

    fn response(&mut self, status: u16, body: String) -> HttpResponse {
        let date = if self.cfg.no_date {
            None
        } else {
            let ahead = if self.cfg.date_ahead_max_ms > 0 { self.rng.range(0, self.cfg.date_ahead_max_ms) } else { 0 };
            Some(http_date(self.now + ahead))
        };
        HttpResponse { status, date, body, ..Default::default() }
    }

    /// Handles one exchange at the current server time.
    pub fn handle(&mut self, req: &HttpRequest, timeout_ms: f64) -> Result<HttpResponse, TransportError> {
        self.c.requests += 1;
        let (lo, hi) = self.cfg.latency_ms;
        let latency = self.rng.range(lo, hi);
        self.advance(latency / 2);
        // Changes arrive at a rate of their own (at most one batch per second of server
        // time), not in proportion to our requests: otherwise a poll could never catch up.
        if self.mutating && self.now - self.last_request_mutation >= 1000 && self.rng.chance(self.cfg.p_mutate_per_request) {
            self.last_request_mutation = self.now;
            for _ in 0..self.rng.range(1, 3) {
                self.mutate();
            }
        }
        self.apply_pending();
        if self.faults {
            if self.storm_left == 0 && self.rng.chance(self.cfg.p_storm) {
                let (a, b) = self.cfg.storm_len;
                self.storm_left = self.rng.range(a, b);
                let (a, b) = self.cfg.retry_after_s;
                self.storm_retry_after = self.rng.range(a, b);
            }
            if self.storm_left > 0 {
                self.storm_left -= 1;
                self.c.r429 += 1;
                self.advance(latency - latency / 2);
                let mut r = self.response(429, r#"{"message":"Too Many Attempts."}"#.into());
                r.retry_after = Some(self.storm_retry_after.to_string());
                return Ok(r);
            }
            if self.rng.chance(self.cfg.p_network) {
                self.c.network += 1;
                self.advance(latency - latency / 2);
                return Err(TransportError::Network("connection reset (simulated)".into()));
            }
            if self.rng.chance(self.cfg.p_timeout) {
                self.c.timeouts += 1;
                self.advance(timeout_ms as i64);
                return Err(TransportError::Timeout);
            }
            if self.rng.chance(self.cfg.p_500) {
                self.c.r500 += 1;
                self.advance(latency - latency / 2);
                return Ok(self.response(500, r#"{"message":"Server Error"}"#.into()));
            }
        }
        let r = self.route(req);
        self.advance(latency - latency / 2);
        Ok(r)
    }

    fn route(&mut self, req: &HttpRequest) -> HttpResponse {
        const PREFIX: &str = "https://api.vomo.test/v1/users";
        let Some(rest) = req.url.strip_prefix(PREFIX) else {
            return self.response(404, r#"{"message":"Not Found."}"#.into());
        };
        if req.method == "POST" && rest.is_empty() {
            return self.upsert(req.body.as_deref().unwrap_or(""));
        }
        if req.method != "GET" {
            return self.response(405, r#"{"message":"Method not allowed."}"#.into());
        }
        if let Some(id) = rest.strip_prefix('/') {
            self.c.detail_requests += 1;
            return match id.parse::<i64>().ok().and_then(|id| self.users.get(&id)) {
                Some(u) => {
                    let mut v = Self::user_json(u);
                    v["participations"] = participations_json(u, self.cfg.long_participations);
                    v["profile_field_values"] = serde_json::json!([]);
                    let body = serde_json::json!({ "data": v }).to_string();
                    self.response(200, body)
                }
                None => self.response(404, r#"{"message":"Resource not found."}"#.into()),
            };
        }
        self.c.list_requests += 1;
        let query = rest.strip_prefix('?').unwrap_or("");
        let mut after = None;
        let mut before = None;
        let mut page = 1usize;
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            match k {
                "updated_after" | "updated_before" => {
                    let Some(t) = Timestamp::parse(&v) else {
                        return self
                            .response(422, format!(r#"{{"message":"The {k} is not a valid date.","errors":{{"{k}":["invalid"]}}}}"#));
                    };
                    if k == "updated_after" {
                        after = Some(t.0)
                    } else {
                        before = Some(t.0)
                    }
                    kept.push(pair);
                }
                "page" => page = v.parse().unwrap_or(1).max(1),
                _ => kept.push(pair),
            }
        }
        let in_window = |u: &&SimUser| after.is_none_or(|a| u.updated_ms >= a) && before.is_none_or(|b| u.updated_ms <= b);
        if self.mutating && self.cfg.p_bulk_update > 0.0 && self.rng.chance(self.cfg.p_bulk_update) {
            self.bulk_update();
        }
        let total = self.users.values().filter(in_window).count();
        if self.mutating && self.cfg.p_torn_page > 0.0 && self.rng.chance(self.cfg.p_torn_page) {
            // A write that commits between the COUNT and the SELECT (see `p_torn_page`).
            let delay = std::mem::replace(&mut self.cfg.commit_delay_max_ms, 0);
            self.mutate();
            self.cfg.commit_delay_max_ms = delay;
            self.c.torn_pages += 1;
        }
        let rows: Vec<&SimUser> = self.users.values().filter(in_window).collect();
        if self.cfg.p_resize > 0.0 && self.rng.chance(self.cfg.p_resize) {
            self.cfg.per_page = self.rng.range(5, 20) as usize;
            self.c.resizes += 1;
        }
        let per = self.cfg.per_page;
        let last = total.div_ceil(per).max(1);
        let from = (page - 1) * per;
        let p_unreadable = self.cfg.p_unreadable;
        let data: Vec<serde_json::Value> = rows
            .iter()
            .skip(from)
            .take(per)
            .map(|u| {
                let mut v = Self::user_json(u);
                if is_unreadable(p_unreadable, u.id, u.updated_ms) {
                    v["email"] = serde_json::Value::Null;
                }
                v
            })
            .collect();
        let q = kept.join("&");
        let link = |p: usize| if q.is_empty() { format!("{PREFIX}?page={p}") } else { format!("{PREFIX}?{q}&page={p}") };
        let n = data.len();
        let body = serde_json::json!({
            "data": data,
            "links": {
                "first": link(1),
                "last": link(last),
                "prev": if page > 1 { serde_json::Value::String(link(page - 1)) } else { serde_json::Value::Null },
                "next": if page < last { serde_json::Value::String(link(page + 1)) } else { serde_json::Value::Null },
            },
            "meta": {
                "current_page": page,
                "from": if n > 0 { serde_json::json!(from + 1) } else { serde_json::Value::Null },
                "to": if n > 0 { serde_json::json!(from + n) } else { serde_json::Value::Null },
                "path": PREFIX,
                "per_page": per,
                "total": total,
            }
        })
        .to_string();
        self.response(200, body)
    }
}

// ---------------------------------------------------------------------------------------
// Runtime, Store, Handlers

/// A fault-free simulated world (seed `seed`) and a fast client of it.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn sim_client(seed: u64) -> (Shared, Client<SimRuntime>) {
    let world = Rc::new(RefCell::new(World::new(WorldConfig::default(), seed, 1_740_787_200_000)));
    world.borrow_mut().faults = false;
    let client = client_of(&world);
    (world, client)
}

/// A client of the simulated API of `world` at 1,000 requests a second.
pub fn client_of(world: &Shared) -> Client<SimRuntime> {
    let config = ClientConfig {
        base_url: "https://api.vomo.test/v1".into(),
        rate: Rate::Fixed(1000.0),
        ..ClientConfig::new("sim-token-0123456789")
    };
    Client::new(config, SimRuntime(world.clone())).expect("client")
}

#[derive(Clone)]
pub struct SimRuntime(pub Shared);

impl Runtime for SimRuntime {
    type Call = ();

    async fn send(&self, request: &HttpRequest, _token: &str, timeout_ms: f64, _call: &()) -> Result<HttpResponse, TransportError> {
        yield_now().await; // a death here: the request was never sent
        self.0.borrow_mut().handle(request, timeout_ms)
    }

    async fn sleep(&self, ms: f64, _call: &()) -> Result<(), TransportError> {
        self.0.borrow_mut().advance(ms.ceil() as i64);
        yield_now().await;
        Ok(())
    }

    fn now_ms(&self) -> f64 {
        self.0.borrow().local_now()
    }

    fn random(&self) -> f64 {
        self.0.borrow_mut().rng.f64()
    }

    fn warn(&self, message: &str) {
        let mut w = self.0.borrow_mut();
        w.c.warnings += 1;
        w.note(|| format!("warn: {message}"));
    }

    fn is_aborted(&self, _call: &()) -> bool {
        false
    }
}

/// Whether `key` names a chunk of a value over 100 KiB (`<key>.g<slot>.<i>`, or the
/// `<key>.<i>` of format 1).
pub fn is_chunk_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or("");
    name.rsplit_once('.').is_some_and(|(_, i)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
}

/// A durable key-value store that outlives every simulated process. Each `set` is atomic
/// (like a file written to a temporary name and renamed).
#[derive(Clone)]
pub struct SimStore {
    pub map: Rc<RefCell<BTreeMap<String, String>>>,
    pub world: Shared,
    /// When false, no write ever fails (bookkeeping reads and the final checks).
    pub flaky: Rc<Cell<bool>>,
}

impl SimStore {
    pub fn new(world: Shared) -> Self {
        SimStore { map: Default::default(), world, flaky: Rc::new(Cell::new(true)) }
    }
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        self.map.borrow().clone()
    }
}

impl Store for SimStore {
    async fn get(&self, key: &str) -> vomo_users::Result<Option<String>> {
        let v = self.map.borrow().get(key).cloned();
        yield_now().await;
        Ok(v)
    }

    async fn set(&self, key: &str, value: &str) -> vomo_users::Result<()> {
        let failed = {
            let mut w = self.world.borrow_mut();
            w.c.store_writes += 1;
            w.c.store_bytes += value.len() as u64;
            w.c.largest_value = w.c.largest_value.max(value.len() as u64);
            if is_chunk_key(key) {
                w.c.chunk_sets += 1;
            }
            if value.len() > 50_000 {
                w.c.big_sets += 1;
            }
            w.c.last_set_key = key.to_string();
            // The delivery journal never fails here: a lost journal write after a handler
            // returned is the one documented window (docs/poller.md, limits).
            let p = w.cfg.p_store_fail;
            let failed = self.flaky.get() && w.faults && !key.contains("/journal") && w.rng.chance(p);
            if failed {
                w.c.store_failures += 1;
                w.note(|| format!("store write of {key} failed"));
            }
            failed
        };
        if failed {
            yield_now().await;
            return Err(VomoError::new(ErrorKind::Network, format!("simulated store failure writing {key}")));
        }
        self.map.borrow_mut().insert(key.to_string(), value.to_string());
        yield_now().await; // a death here: the write is durable already
        Ok(())
    }

    async fn delete(&self, key: &str) -> vomo_users::Result<()> {
        self.map.borrow_mut().remove(key);
        yield_now().await;
        Ok(())
    }

    fn atomic_batch_limit(&self) -> usize {
        if self.world.borrow().cfg.store_batches {
            128
        } else {
            0
        }
    }

    /// Like Durable Object storage `put(object)`: every entry lands, or (a failure) none.
    async fn set_many(&self, entries: &[(String, String)]) -> vomo_users::Result<()> {
        if self.atomic_batch_limit() == 0 {
            for (k, v) in entries {
                self.set(k, v).await?;
            }
            return Ok(());
        }
        let failed = {
            let mut w = self.world.borrow_mut();
            w.c.store_writes += 1;
            w.c.store_bytes += entries.iter().map(|(_, v)| v.len() as u64).sum::<u64>();
            let p = w.cfg.p_store_fail;
            let failed = self.flaky.get() && w.faults && w.rng.chance(p);
            if failed {
                w.c.store_failures += 1;
            }
            failed
        };
        if failed {
            yield_now().await;
            return Err(VomoError::new(ErrorKind::Network, "simulated store failure of a batch"));
        }
        self.map.borrow_mut().extend(entries.iter().cloned());
        yield_now().await; // a death here: the batch is durable already
        Ok(())
    }
}

pub struct SimHandlers(pub Shared);

impl Handlers for SimHandlers {
    async fn deliver(&self, event: &Event) -> Result<(), HandlerFailure> {
        match event {
            Event::User(e) => {
                let u = match &e.user {
                    UserPayload::Listed { user } => user,
                    UserPayload::Detailed { user } => &user.user,
                };
                let (id, t) = (u.id, u.updated_at.0);
                {
                    let mut w = self.0.borrow_mut();
                    w.c.handler_calls += 1;
                    w.phase = HandlerPhase::Running(id, t);
                }
                yield_now().await; // a death here: called, never returned
                let window = {
                    let mut w = self.0.borrow_mut();
                    let p = w.cfg.p_handler_fail;
                    if w.in_outage() || w.refuses(id, t) || (w.faults && w.rng.chance(p)) {
                        w.c.handler_failures += 1;
                        w.phase = HandlerPhase::Idle;
                        w.note(|| format!("handler threw for #{id}@{}", Timestamp(t)));
                        return Err(HandlerFailure { message: format!("simulated failure #{id}"), handler_ref: None });
                    }
                    w.judge_refusals();
                    w.completed.push(Completed {
                        id,
                        updated_ms: t,
                        email: u.email.clone(),
                        anonymized: e.anonymized,
                        kind: e.kind,
                        created_ms: u.created_at.0,
                    });
                    w.note(|| format!("delivered {} #{id}@{} {}", e.kind, Timestamp(t), u.email));
                    w.phase = if w.cfg.journal_window_yield { HandlerPhase::Returning(id, t) } else { HandlerPhase::Idle };
                    w.cfg.journal_window_yield
                };
                if window {
                    yield_now().await; // a death here: completed, but the poller never heard
                    self.0.borrow_mut().phase = HandlerPhase::Idle;
                }
                Ok(())
            }
            Event::DeadLetter(d) if d.error.kind == "parse" => {
                let v = vomo_users::parse::dropped_version(&d.user).expect("the simulation's unreadable records keep id and updated_at");
                let window = {
                    let mut w = self.0.borrow_mut();
                    w.c.dead_letter_events += 1;
                    // A dead-letter target that is down now and then: what it refuses must be
                    // offered again until it takes it, a newer version delivered or not.
                    if w.faults && w.parts_rng.chance(0.3) {
                        w.note(|| format!("unreadable #{}@{} refused by the dead-letter handler", v.0, Timestamp(v.1)));
                        return Err(HandlerFailure { message: "simulated dead-letter target down".into(), handler_ref: None });
                    }
                    w.parse_offers.push(v);
                    w.note(|| format!("unreadable #{}@{} offered to the dead-letter handler", v.0, Timestamp(v.1)));
                    w.phase = if w.cfg.journal_window_yield { HandlerPhase::Returning(v.0, v.1) } else { HandlerPhase::Idle };
                    w.cfg.journal_window_yield
                };
                if window {
                    yield_now().await; // a death here: taken, but the poller never heard
                    self.0.borrow_mut().phase = HandlerPhase::Idle;
                }
                Ok(())
            }
            Event::DeadLetter(d) if d.error.kind == "participation_handler" => {
                let mut w = self.0.borrow_mut();
                w.c.dead_letter_events += 1;
                let e = d.participation.as_ref().expect("a participation's dead letter names the event");
                if d.is_final {
                    // A sink that applies what is given up, as the downstream would have; the
                    // same final heard again (a death before it was journaled) changes nothing.
                    let now = w.now;
                    w.parts_finals.push((e.user_id, d.attempt, now));
                    w.parts_given_up.insert(format!("{e:?}"));
                    w.apply_participation(e, false);
                }
                w.note(|| {
                    format!(
                        "participation dead letter {} #{} project date {:?} attempt {} final={}",
                        e.kind, e.user_id, e.participation.project_date_id, d.attempt, d.is_final
                    )
                });
                Ok(())
            }
            Event::DeadLetter(d) => {
                let mut w = self.0.borrow_mut();
                w.c.dead_letter_events += 1;
                if d.is_final {
                    w.c.final_dead_letters += 1;
                    let u: vomo_users::model::User = serde_json::from_value(d.user.clone()).expect("a dead letter's user reads as a User");
                    let now = w.now;
                    w.given_up.push((u.id, u.updated_at.0, now));
                }
                w.note(|| format!("dead letter attempt {} final={} ({})", d.attempt, d.is_final, d.error.message));
                Ok(())
            }
            Event::Participation(e) => {
                self.0.borrow_mut().phase = HandlerPhase::Running(e.user_id, -1);
                yield_now().await; // a death here: called, never returned
                let window = {
                    let mut w = self.0.borrow_mut();
                    // A quarter of the users' rate: a user of the large-values world has
                    // hundreds of events, and a run of failures as long as
                    // `max_consecutive_failures` stops a poll as an outage.
                    let p = w.cfg.p_handler_fail / 4.0;
                    if w.in_outage() || (w.faults && w.parts_rng.chance(p)) || w.refuses_participation(e) {
                        w.c.handler_failures += 1;
                        w.phase = HandlerPhase::Idle;
                        return Err(HandlerFailure { message: "simulated participation failure".into(), handler_ref: None });
                    }
                    w.c.participation_events += 1;
                    w.judge_refusals();
                    // One given up may reach the handler once more: a death between the sink
                    // taking it and its journal write, then a walk reaching the user first.
                    let given_up = w.parts_given_up.contains(&format!("{e:?}"));
                    w.apply_participation(e, !given_up);
                    w.phase = if w.cfg.journal_window_yield { HandlerPhase::ReturningParticipation } else { HandlerPhase::Idle };
                    w.cfg.journal_window_yield
                };
                if window {
                    yield_now().await; // a death here: taken, but the poller never heard
                    self.0.borrow_mut().phase = HandlerPhase::Idle;
                }
                Ok(())
            }
        }
    }
}

impl World {
    /// The downstream takes a participation event: it must apply to what it holds, or be one
    /// it took already (a repeat, counted when `count_repeat`).
    fn apply_participation(&mut self, e: &vomo_users::poller::ParticipationEvent, count_repeat: bool) {
        let (id, p) = (e.user_id, &e.participation);
        let date = p.project_date_id.unwrap_or(-1);
        let held = self.parts_held.entry(id).or_default();
        let have = held.get(&date).cloned();
        let conflict = match (e.kind, &e.before) {
            ("added", _) if have.as_ref() == Some(p) => Some(None),
            ("added", _) if have.is_some() => Some(Some("added over another")),
            ("changed", _) if have.as_ref() == Some(p) => Some(None),
            ("changed", Some(b)) if have.as_ref() != Some(b) => Some(Some("changed, but before is not what was taken")),
            ("removed", _) if have.is_none() => Some(None),
            ("removed", _) if have.as_ref() != Some(p) => Some(Some("removed, but not what was taken")),
            _ => None,
        };
        match conflict {
            Some(None) if count_repeat => self.parts_repeats += 1,
            Some(None) => {}
            Some(Some(what)) => self.parts_conflicts.push(format!("#{id} project date {date}: {what}")),
            None if e.kind == "removed" => {
                held.remove(&date);
            }
            None => {
                held.insert(date, p.clone());
            }
        }
        self.note(|| format!("participation {} #{id} project date {date}", e.kind));
    }

    /// A user's participations as the API lists them now, by project date.
    pub fn participation_dates(&self, u: &SimUser) -> BTreeSet<i64> {
        let list = participations_json(u, self.cfg.long_participations);
        list.as_array().into_iter().flatten().filter_map(|p| p["project_date_id"].as_i64()).collect()
    }
}

/// Whether a completed email is what the anonymized flag says.
pub fn anonymized_matches(c: &Completed) -> bool {
    c.anonymized == is_anonymized_email(&c.email)
}

// ---------------------------------------------------------------------------------------
// A first backfill, measured (examples/store_bytes.rs and tests/store_costs.rs)

/// Counts every byte handed to `set` (values only; keys are short and few).
#[derive(Clone)]
pub struct Counting {
    pub inner: SimStore,
    pub bytes: Rc<Cell<u64>>,
    pub sets: Rc<Cell<u64>>,
}

impl Store for Counting {
    async fn get(&self, key: &str) -> vomo_users::Result<Option<String>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> vomo_users::Result<()> {
        self.bytes.set(self.bytes.get() + value.len() as u64);
        self.sets.set(self.sets.get() + 1);
        self.inner.set(key, value).await
    }
    async fn delete(&self, key: &str) -> vomo_users::Result<()> {
        self.inner.delete(key).await
    }
}

/// What a backfill cost.
#[derive(Debug, Clone)]
pub struct Backfill {
    pub bytes_written: u64,
    pub sets: u64,
    pub final_bytes: u64,
    pub polls: u32,
    pub pages: u64,
    pub seconds: f64,
}

/// Seeds `n` users (creation and update times spread over the past year, seeded), then
/// lets one poller (the real one, against this world's fake server, no faults, 15 users
/// per page like the platform) poll until a poll completes; every user must arrive once.
pub fn backfill(n: i64) -> Backfill {
    backfill_in_mode(n, ParticipationMode::Off)
}

/// [`backfill`] in a participation mode (`ChangedUsers` reads each user's detail).
pub fn backfill_in_mode(n: i64, mode: ParticipationMode) -> Backfill {
    const START_MS: i64 = 1_740_787_200_000;
    let cfg = WorldConfig { per_page: 15, latency_ms: (20, 40), ..Default::default() };
    let mut world = World::new(cfg, 7, START_MS);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..n {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let back = (state >> 20) as i64 % (365 * 86_400_000);
        let created = floor_s(START_MS - 60_000 - back);
        let updated = floor_s(created + (state >> 40) as i64 % (back + 1));
        world.seed_user(created, updated.min(START_MS - 60_000));
    }
    world.mutating = false;
    let w = Rc::new(RefCell::new(world));
    let store = Counting { inner: SimStore::new(w.clone()), bytes: Rc::new(Cell::new(0)), sets: Rc::new(Cell::new(0)) };
    let client = client_of(&w);
    let mut config = PollerConfig::new("bench", "bench");
    config.participations = mode;
    let poller = Poller::new(Rc::new(client), store.clone(), SimHandlers(w.clone()), config).expect("poller");
    let t0 = std::time::Instant::now();
    let mut polls = 0;
    loop {
        polls += 1;
        let report = block_on(poller.poll(None, &())).expect("poll");
        if report.complete {
            break;
        }
        assert!(polls < 1000, "the backfill never completed");
    }
    let seconds = t0.elapsed().as_secs_f64();
    assert_eq!(w.borrow().completed.len() as i64, n, "every user delivered once");
    let final_bytes = store.inner.snapshot().values().map(|v| v.len() as u64).sum();
    let pages = w.borrow().c.list_requests;
    Backfill { bytes_written: store.bytes.get(), sets: store.sets.get(), final_bytes, polls, pages, seconds }
}
