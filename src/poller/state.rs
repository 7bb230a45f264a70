//! What the poller remembers per customer, and how it is laid out in the store:
//! - `state`: checkpoint, walk progress, dead letters, scan cursor, and the index of the
//!   known log (one chunked JSON value, written at every save);
//! - `known/<b>`: id -> last delivered `updatedAt`, in 16 buckets by id (the base);
//! - `known-log/<slot>`: segments of `id:ms` lines recorded since the buckets were last
//!   written: a save appends one segment with that save's changes, and the buckets are
//!   rewritten only when the log outgrows them, so a backfill writes linearly, not every
//!   bucket on every page (`crate::store::log`);
//! - `parts/<b>`, `parts-log/<b>`: id -> last seen participations, in 64 buckets by id, each
//!   with its own log (`super::stored_participations`);
//! - `journal/<i>`: `epoch:id:ms`, one key per delivery since the last save (epoch = the
//!   stored state's `journalEpoch`), so that a delivery that returned is never repeated
//!   even when the process dies before the page ends. A save bumps the epoch, which retires
//!   every slot at once; slots are reused from 0. Participation events are journaled too
//!   (`owed_participations.rs`): `epoch:p:id:{"taken":..,"next":..}` after each one the
//!   downstream took (the change alone, replayed onto the user's stored list) naming the
//!   one offered next, `epoch:d:` for the last (none owed now), and a user whose events
//!   follow its own (`changed-users`) as `epoch:id:ms:o:{"next":..}`.
//!
//! Entries of `known` only grow (max of `updatedAt`), so replaying base, log and journal in
//! any mix of old and new is harmless: a death at any point of a save reloads a state that
//! knows every delivery recorded before it. Releases before format 2 wrote the journal as
//! one `journal` value; it is still read, and emptied by the first save.

use super::owed_participations::{PartsRecord, Taken};
use super::page_reads::PageReads;
use super::stored_participations::StoredParticipations;
use crate::error::{Result, VomoError};
use crate::model::{Participation, User, UserId};
use crate::store::log::{Log, LogIndex};
use crate::store::log_removal::LogRemoval;
use crate::store::{read_chunked, write_chunked, Keys, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const KNOWN_BUCKETS: i64 = 16;

/// An unfinished walk of one time window `[start, end]` of `updated_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WindowWalk {
    /// The window's start: `updated_at` from here (server time, ms).
    pub start_ms: i64,
    /// The window's end (server time, ms), at least the margin behind the server's clock
    /// when the walk started.
    pub end_ms: i64,
    /// The next page to fetch; `None` before the first page.
    pub next_url: Option<String>,
    /// Walks of this window that were given up in the current poll (its total rose, or rows
    /// kept leaving about as fast as its pages were read).
    pub restarts: u32,
    /// The end was pulled in on purpose (too many rows, or halved after a walk was given up),
    /// so that it lies behind the server's clock is no sign of a stale estimate of that clock.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrowed: bool,
    /// The pages read so far, and what they cover (page_reads.rs). A walk saved by a release
    /// before it (a `next_url` without reads) vouches for nothing: after its next page, it
    /// steps back to the first.
    #[serde(default)]
    pub reads: PageReads,
}

impl WindowWalk {
    /// The window walked again from its first page (its end and restarts kept).
    pub fn from_first_page(&mut self) {
        self.next_url = None;
        self.reads = PageReads::default();
    }
}

/// An unreadable record whose dead letter `onDeadLetter` refused (a dead-letter sink that is
/// down), kept to be offered again at the start of each later poll until it takes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnsentUnreadable {
    /// The record as the server sent it.
    pub record: serde_json::Value,
    /// Why the parser dropped it.
    pub why: String,
    /// Offers so far.
    pub attempts: u32,
}

/// A change whose handler failed, kept for later attempts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeadLetterEntry {
    /// The user as it was delivered.
    pub user: User,
    /// Failed deliveries counted towards giving it up.
    pub attempts: u32,
    /// When it first failed (local clock, ms since the epoch), for `retry_for_ms`. `None` in
    /// state written before this field existed: given up by its attempts alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failed_ms: Option<f64>,
    /// When a refusal of it last counted (judged while the downstream worked; local clock),
    /// for `retry_interval_ms` (`Poller::waits`). `None` before one did, and in state written
    /// before this field existed: offered at the next poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed_ms: Option<f64>,
}

/// A user's refused participation events: how often, and since when (owed_participations.rs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartsRefused {
    /// Polls in which one was refused, counted when the downstream worked (as a user
    /// change's attempts are).
    pub attempts: u32,
    /// When the first was refused (local clock, ms since the epoch), for `retry_for_ms`.
    pub first_failed_ms: f64,
    /// When a refusal of them last counted (judged while the downstream worked; local clock),
    /// for `retry_interval_ms`; `None` in state written before this field existed. Counted,
    /// not noted: a refusal no success judged yet is offered again at the next poll, so that
    /// a success after it there judges it (the walk offers a user's events after the user's
    /// own event, so one refused there, with nothing delivered after it, was never judged,
    /// and a wait from it kept the owed offers, whose successes judge, from ever coming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed_ms: Option<f64>,
}

/// Where a full participation scan stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ScanCursor {
    /// The page being scanned (`None`: the first page of a new cycle).
    pub page_url: Option<String>,
    /// Users of that page already scanned.
    pub done_in_page: usize,
}

/// The small, always-loaded part of the state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CoreState {
    /// The format it was written in ([`STATE_VERSION`](crate::store::STATE_VERSION)).
    pub version: u32,
    /// Every change with `updated_at` before this (server time, ms) has been delivered or
    /// dead-lettered.
    pub checkpoint_ms: i64,
    /// True once a window completed (kept for readers of older releases).
    pub has_history: bool,
    /// True once the initial sync caught up with the server's clock: from then on an id
    /// the store does not know is definitively new. Until then every change is classified
    /// by the created/updated heuristic, whatever window it sits in. `None` in state
    /// written before this field existed: read as `has_history` then.
    #[serde(default)]
    pub caught_up: Option<bool>,
    /// Server clock minus local clock, from the last `Date` header.
    pub clock_offset_ms: Option<f64>,
    /// The window being walked, when a poll stopped inside one.
    pub walk: Option<WindowWalk>,
    /// Changes whose handler failed, waiting for later attempts.
    pub dead_letters: Vec<DeadLetterEntry>,
    /// The full participation scan's place (`full-scan` mode).
    pub scan: Option<ScanCursor>,
    /// Segments of the known log (format 2; absent before).
    #[serde(default)]
    pub known_log: LogIndex,
    /// Journal slots of this epoch are deliveries not yet in the log (format 2).
    #[serde(default)]
    pub journal_epoch: u64,
    /// The client `baseUrl` this state was written for (`crate::store::bound_api`); `None`
    /// in state written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// Set by a forget (`forget`, behind [`forget_state`](super::forget_state)) as its first
    /// write: from then on the rest of the state may be half removed, so a load reads the
    /// customer as a new one, and the next poll finishes the forget before it polls. Releases
    /// before it ignore the field.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forgetting: bool,
    /// Users whose participation events were not all taken (one refused, or a death among
    /// them), each with the event that may have reached the downstream unrecorded: the next
    /// poll offers that one again, then what is still owed, before its walk
    /// (`owed_participations.rs`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts_owed: BTreeMap<UserId, Option<Taken>>,
    /// The owed user offered last (`offer_owed_participations` starts after it, so that the
    /// users take turns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts_owed_after: Option<UserId>,
    /// The refusals of users in `parts_owed` (kept only while they owe events).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts_refused: BTreeMap<UserId, PartsRefused>,
    /// Unreadable records whose dead letter the sink refused, offered again before the walk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsent_unreadable: Vec<UnsentUnreadable>,
    /// Fresh changes whose handler threw since one last returned, across polls: a poll that
    /// ends before `max_consecutive_failures` of them (small `maxRequests` slices) carries its
    /// count to the next, so that an outage still stops the polls (delivery.rs `on_failure`).
    #[serde(default, skip_serializing_if = "crate::store::is_zero")]
    pub failures_in_a_row: u32,
}

/// Everything the poller loaded, with dirty tracking so a save writes only what changed.
#[derive(Debug)]
pub struct PollerState {
    /// The small, always-loaded part.
    pub core: CoreState,
    /// Id -> the `updated_at` (ms) last delivered; `i64::MIN` for an id only seen by a scan.
    pub known: BTreeMap<UserId, i64>,
    parts: StoredParticipations,
    /// Changes of `known` not yet in the log: journaled deliveries and scanned ids.
    pending: BTreeMap<UserId, i64>,
    /// Buckets whose stored text lacks entries of the log or of `pending`.
    dirty_known: BTreeSet<i64>,
    bucket_bytes: [usize; KNOWN_BUCKETS as usize],
    log: Log,
    /// Journal slots written in this epoch.
    journal_len: u32,
    /// The stored state is marked by a forget cut short (a crash, a store failing): loaded as
    /// a new customer's, with none of the rest read; a poll finishes the forget first.
    pub unfinished_forget: bool,
    /// Nothing was stored for the customer: a new one (also after a forget cut short).
    pub new_customer: bool,
    /// A non-empty format-1 `journal` value was read: emptied by the next save.
    legacy_journal: bool,
    /// Users whose participation events are owed (`CoreState::parts_owed`, and the journal's).
    owed: BTreeMap<UserId, Option<Taken>>,
}

fn bucket(id: UserId, n: i64) -> i64 {
    id.rem_euclid(n)
}

impl PollerState {
    /// The stored `state` value alone, or `None` for a customer with no state yet, or one a
    /// forget cut short marked (`CoreState::forgetting`): that customer is a new one.
    pub async fn load_core<S: Store>(store: &S, keys: &Keys) -> Result<Option<CoreState>> {
        Ok(read_core(store, keys).await?.filter(|core| !core.forgetting))
    }

    /// [`PollerState::load`] for a reader that holds no lease (`reconcile`) while a poll of
    /// another instance or process may save: loaded between two equal reads of the `state`
    /// key, else loaded again. A save writes its log segment, buckets and participations
    /// first, into places the stored state does not name (or, for a bucket, as a chunked
    /// value that only gains entries), then the `state` key, whose write makes them count,
    /// and only then deletes what the old state named. So what a load between two equal
    /// reads of `state` saw is a state a death mid-save could leave, which loads with every
    /// delivery (tests/store_crash.rs); a save that landed in between, which may have deleted
    /// a segment the load was reading, changed `state` (its generation), so the load runs
    /// again. `busy` after [`crate::store::READ_ATTEMPTS`] loads that each met a save.
    ///
    /// A forget removes `state` last, so a load while one runs could see `state` unchanged and
    /// some of the ids gone: while a forget holds the lease (at `now`; checked before the
    /// first load and after each), this is `busy` instead. A load that began before a forget
    /// took the lease and ended after it let go saw `state` change, and runs again.
    pub async fn load_unleased<S: Store>(store: &S, keys: &Keys, now: f64) -> Result<PollerState> {
        let key = keys.key("state");
        no_forget_running(store, keys, now).await?;
        let mut before = store.get(&key).await?;
        for _ in 0..crate::store::READ_ATTEMPTS {
            let loaded = Self::load(store, keys).await;
            no_forget_running(store, keys, now).await?;
            let after = store.get(&key).await?;
            if after == before {
                return loaded;
            }
            before = after;
        }
        Err(VomoError::new(
            crate::error::ErrorKind::Busy,
            format!(
                "the poller state under {key} changed {} times while it was read (a poll is saving it); read it again later",
                crate::store::READ_ATTEMPTS
            ),
        ))
    }

    /// The customer's state as the store holds it (a new customer's when there is none, or a
    /// forget of it was cut short): core, known ids (base, log and journal replayed).
    pub async fn load<S: Store>(store: &S, keys: &Keys) -> Result<PollerState> {
        let stored = read_core(store, keys).await?;
        let unfinished_forget = stored.as_ref().is_some_and(|core| core.forgetting);
        let new_customer = stored.is_none() || unfinished_forget;
        // A new customer (or one being forgotten): its initial sync starts now.
        let core = stored.filter(|_| !unfinished_forget).unwrap_or(CoreState { caught_up: Some(false), ..CoreState::default() });
        let log = Log::load(store, &keys.key("known-log"), &core.known_log, 0).await?;
        let mut state = PollerState {
            core,
            known: BTreeMap::new(),
            parts: StoredParticipations::default(),
            pending: BTreeMap::new(),
            dirty_known: BTreeSet::new(),
            bucket_bytes: [0; KNOWN_BUCKETS as usize],
            log: log.clone(),
            journal_len: 0,
            legacy_journal: false,
            unfinished_forget,
            new_customer,
            owed: BTreeMap::new(),
        };
        if unfinished_forget {
            return Ok(state); // the buckets, log and journal may be half removed: none is read
        }
        for b in 0..KNOWN_BUCKETS {
            if let Some(text) = read_chunked(store, &keys.key(&format!("known/{b}"))).await? {
                state.bucket_bytes[b as usize] = text.len();
                for line in text.lines().filter(|l| !l.is_empty()) {
                    let (id, ms) = parse_pair(line, "known")?;
                    state.known.insert(id, ms);
                }
            }
        }
        for text in log.texts() {
            for line in text.lines().filter(|l| !l.is_empty()) {
                let (id, ms) = parse_pair(line, "known log")?;
                state.apply(id, ms);
            }
        }
        if let Some(text) = store.get(&keys.key("journal")).await? {
            for line in text.lines().filter(|l| !l.is_empty()) {
                let (id, ms) = parse_pair(line, "journal")?;
                state.apply(id, ms);
                state.pending.insert(id, state.known[&id]);
                state.legacy_journal = true;
            }
        }
        state.owed = state.core.parts_owed.clone();
        // Versions this epoch's journal records: an unreadable record kept for the dead-letter
        // sink that is among them was taken before the death that kept the save from dropping it.
        let mut journaled = BTreeSet::new();
        let epoch = format!("{}:", state.core.journal_epoch);
        loop {
            let Some(entry) = store.get(&keys.key(&format!("journal/{}", state.journal_len))).await? else { break };
            // A slot of an earlier epoch ends this epoch's journal.
            let Some(rest) = entry.strip_prefix(&epoch) else { break };
            state.journal_len += 1;
            if let Some((done, rest)) = rest.strip_prefix("p:").map(|r| (false, r)).or_else(|| rest.strip_prefix("d:").map(|r| (true, r))) {
                let unreadable = || VomoError::parse("journal", format_args!("unreadable participation record {:.80}", rest));
                let (id, record) = rest.split_once(':').ok_or_else(unreadable)?;
                let id: UserId = id.parse().map_err(|_| unreadable())?;
                let record: PartsRecord = serde_json::from_str(record).map_err(|_| unreadable())?;
                if let Some(taken) = &record.taken {
                    let mut list = state.parts.get(store, keys, id).await?.unwrap_or_default();
                    taken.apply(&mut list);
                    state.parts.set(id, list);
                }
                if done {
                    state.owed.remove(&id);
                } else {
                    state.owed.insert(id, record.next);
                }
                continue;
            }
            // `id:ms`, or `id:ms:o:<record>` for a user whose participation events follow.
            let (pair, owed) = match rest.match_indices(':').nth(1) {
                Some((at, _)) => (&rest[..at], Some(&rest[at + 1..])),
                None => (rest, None),
            };
            let (id, ms) = parse_pair(pair, "journal")?;
            journaled.insert((id, ms));
            state.apply(id, ms);
            state.pending.insert(id, state.known[&id]);
            if let Some(tail) = owed {
                let record = tail.strip_prefix("o:").and_then(|r| serde_json::from_str::<PartsRecord>(r).ok());
                let record = record.ok_or_else(|| VomoError::parse("journal", format_args!("unreadable entry {:.80}", rest)))?;
                state.owed.insert(id, record.next);
            }
        }
        state.core.unsent_unreadable.retain(|u| crate::parse::dropped_version(&u.record).is_none_or(|v| !journaled.contains(&v)));
        // Refusals of users whose events the journal shows all taken since are over.
        let owed = &state.owed;
        state.core.parts_refused.retain(|id, _| owed.contains_key(id));
        Ok(state)
    }

    /// Whether `(id, updated_at)` was already delivered.
    pub fn delivered(&self, id: UserId, updated_at_ms: i64) -> bool {
        self.known.get(&id).is_some_and(|&t| t >= updated_at_ms)
    }

    /// Merges one entry into `known` (entries only grow) and marks its bucket dirty.
    fn apply(&mut self, id: UserId, ms: i64) {
        let slot = self.known.entry(id).or_insert(ms);
        *slot = (*slot).max(ms);
        self.dirty_known.insert(bucket(id, KNOWN_BUCKETS));
    }

    /// Records a delivery durably at once (one small journal write).
    pub async fn mark_delivered<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId, ms: i64) -> Result<()> {
        self.record_delivery(store, keys, id, ms, None).await
    }

    /// [`Self::mark_delivered`] of a user whose participation events follow, `first` the first
    /// of them: they are owed until [`Self::mark_participations`] says all were taken.
    pub(crate) async fn mark_delivered_owing<S: Store>(
        &mut self,
        store: &S,
        keys: &Keys,
        id: UserId,
        ms: i64,
        first: &Taken,
    ) -> Result<()> {
        self.record_delivery(store, keys, id, ms, Some(first)).await
    }

    async fn record_delivery<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId, ms: i64, first: Option<&Taken>) -> Result<()> {
        self.apply(id, ms);
        self.pending.insert(id, self.known[&id]);
        let owed = first.map(|next| format!(":o:{}", PartsRecord::text(None, Some(next)))).unwrap_or_default();
        // The version itself, not `known`'s maximum (a replay takes the maximum anyway): the
        // load needs it to tell a kept unreadable record that was taken (`unsent_unreadable`).
        self.journal(store, keys, &format!("{id}:{ms}{owed}")).await?;
        if let Some(next) = first {
            self.owed.insert(id, Some(next.clone()));
        }
        Ok(())
    }

    /// Records durably at once (one small journal write) a user's participation event the
    /// downstream took (`taken`), and the one about to be offered (`next`), so that a death
    /// in between offers that one again; `list`: the user's participations as the downstream
    /// holds them now; `done`: none is owed now.
    pub(crate) async fn mark_participations<S: Store>(
        &mut self,
        store: &S,
        keys: &Keys,
        id: UserId,
        (taken, next): (Option<&Taken>, Option<&Taken>),
        list: &[Participation],
        done: bool,
    ) -> Result<()> {
        let kind = if done { "d" } else { "p" };
        self.journal(store, keys, &format!("{kind}:{id}:{}", PartsRecord::text(taken, next))).await?;
        self.parts.set(id, list.to_vec());
        if done {
            self.settle_owed(id);
        } else {
            self.owed.insert(id, next.cloned());
        }
        Ok(())
    }

    async fn journal<S: Store>(&mut self, store: &S, keys: &Keys, entry: &str) -> Result<()> {
        let slot = keys.key(&format!("journal/{}", self.journal_len));
        store.set(&slot, &format!("{}:{entry}", self.core.journal_epoch)).await?;
        self.journal_len += 1;
        Ok(())
    }

    /// Users whose participation events are owed, in id order, each with the event that may
    /// have reached the downstream unrecorded.
    pub(crate) fn owed(&self) -> Vec<(UserId, Option<Taken>)> {
        self.owed.iter().map(|(id, next)| (*id, next.clone())).collect()
    }

    /// The event of `id` that may have reached the downstream unrecorded (the journal names
    /// it as offered next), if any.
    pub(crate) fn in_doubt(&self, id: UserId) -> Option<Taken> {
        self.owed.get(&id).cloned().flatten()
    }

    /// Notes that `id`'s events were refused (at `now_ms`, local clock): the first refusal's
    /// time is kept; the attempt is counted when the refusal is judged (`count_refusal`).
    pub(crate) fn note_refusal(&mut self, id: UserId, now_ms: f64) {
        self.core.parts_refused.entry(id).or_insert(PartsRefused { attempts: 0, first_failed_ms: now_ms, last_failed_ms: None });
    }

    /// Moves to `now_ms` every failure's time (the first and the last, of queued changes and
    /// of refused participation events) that the wall clock puts after it: a clock stepped
    /// back since it was noted. So `retry_for_ms` and `retry_interval_ms` count from the first
    /// poll after the step, instead of waiting for the clock to catch up (a day after a day's
    /// step). A step forward shortens the wait, as the local clock is all that measures it
    /// across processes.
    pub(crate) fn rebase_future_failures(&mut self, now_ms: f64) {
        let changes = self.core.dead_letters.iter_mut().flat_map(|e| [e.first_failed_ms.as_mut(), e.last_failed_ms.as_mut()]);
        let parts = self.core.parts_refused.values_mut().flat_map(|r| [Some(&mut r.first_failed_ms), r.last_failed_ms.as_mut()]);
        for time in changes.chain(parts).flatten() {
            *time = time.min(now_ms);
        }
    }

    /// Counts an attempt of `id`'s refused events (a success followed their refusal), at
    /// `now_ms`, from which `retry_interval_ms` keeps them from the owed offers.
    pub(crate) fn count_refusal(&mut self, id: UserId, now_ms: f64) {
        if let Some(r) = self.core.parts_refused.get_mut(&id).filter(|_| self.owed.contains_key(&id)) {
            r.attempts += 1;
            r.last_failed_ms = Some(now_ms);
        }
    }

    /// Owes nothing more for `id` (the user is gone, or no participations are read).
    pub fn settle_owed(&mut self, id: UserId) {
        self.owed.remove(&id);
        self.core.parts_refused.remove(&id);
    }

    /// `id`'s events are still owed, but none reached the downstream unrecorded (one was
    /// refused, or offered again and taken).
    pub(crate) fn owe_without_doubt(&mut self, id: UserId) {
        self.owed.insert(id, None);
    }

    /// Records an id as known without a delivery (seen by a participation scan).
    pub fn note_id(&mut self, id: UserId) {
        if !self.known.contains_key(&id) {
            self.apply(id, i64::MIN);
            self.pending.insert(id, i64::MIN);
        }
    }

    /// The last-seen participations of a user (loads its bucket on first use).
    pub async fn participations<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId) -> Result<Option<Vec<Participation>>> {
        self.parts.get(store, keys, id).await
    }

    /// Records a user's participations as last seen (written by the next save).
    pub fn set_participations(&mut self, id: UserId, list: Vec<Participation>) {
        self.parts.set(id, list);
    }

    /// [`Self::save_keeping`] with every page link kept.
    pub async fn save<S: Store>(&mut self, store: &S, keys: &Keys) -> Result<()> {
        self.save_keeping(store, keys, &|_| true).await
    }

    /// Writes this save's changes (a log segment, or every dirty bucket when the log has
    /// outgrown them), the dirty participation buckets, then the core state, whose write
    /// makes it all count: it names the new log and retires the journal. A page link for which
    /// `keep_url` is false (one carrying the token) is left out of what is written, not of the
    /// state in memory: a later poll walks that window, or that scan cycle, from its start.
    pub async fn save_keeping<S: Store>(&mut self, store: &S, keys: &Keys, keep_url: &dyn Fn(&str) -> bool) -> Result<()> {
        let mut next_log = None;
        if !self.pending.is_empty() {
            let text: String = self.pending.iter().map(|(id, t)| format!("{id}:{t}\n")).collect();
            let base: usize = self.bucket_bytes.iter().sum();
            if self.log.bytes() + text.len() > base {
                // Compaction: every bucket the log or this save touched, then an empty log.
                for b in self.dirty_known.clone() {
                    let text: String =
                        self.known.iter().filter(|(id, _)| bucket(**id, KNOWN_BUCKETS) == b).map(|(id, t)| format!("{id}:{t}\n")).collect();
                    write_chunked(store, &keys.key(&format!("known/{b}")), &text).await?;
                    self.bucket_bytes[b as usize] = text.len();
                }
                next_log = Some(self.log.cleared());
            } else {
                next_log = Some(self.log.append(store, &text).await?);
            }
        }
        self.parts.save(store, keys).await?;
        let mut core = self.core.clone();
        core.version = crate::store::STATE_VERSION;
        core.journal_epoch += 1;
        core.parts_owed = self.owed.clone();
        core.parts_refused.retain(|id, _| self.owed.contains_key(id));
        if let Some(log) = &next_log {
            core.known_log = log.index();
        }
        let dropped = |url: &Option<String>| url.as_deref().is_some_and(|u| !keep_url(u));
        let (walk_link, scan_link) =
            (core.walk.as_ref().is_some_and(|w| dropped(&w.next_url)), core.scan.as_ref().is_some_and(|s| dropped(&s.page_url)));
        let text = if walk_link || scan_link {
            let mut written = core.clone();
            if let Some(walk) = written.walk.as_mut().filter(|_| walk_link) {
                walk.from_first_page();
            }
            if scan_link {
                written.scan = Some(ScanCursor::default());
            }
            serde_json::to_string(&written)
        } else {
            serde_json::to_string(&core)
        };
        write_chunked(store, &keys.key("state"), &text.unwrap_or_default()).await?;
        // Stored: the journal is retired and the log is the new one.
        self.core = core;
        self.journal_len = 0;
        self.pending.clear();
        if let Some(log) = next_log {
            let previous = std::mem::replace(&mut self.log, log);
            self.log.committed(store, &previous).await;
            if self.log.is_empty() {
                self.dirty_known.clear();
            }
        }
        if self.legacy_journal {
            store.set(&keys.key("journal"), "").await?;
            self.legacy_journal = false;
        }
        Ok(())
    }

    /// Ids this customer's store has seen.
    pub fn known_ids(&self) -> Vec<UserId> {
        self.known.keys().copied().collect()
    }
}

/// `busy` while a forget of the customer holds its lease.
async fn no_forget_running<S: Store>(store: &S, keys: &Keys, now: f64) -> Result<()> {
    match crate::store::lease::held_by_forget(store, &keys.key("lease"), now).await? {
        Some(lease) => Err(VomoError::new(
            crate::error::ErrorKind::Busy,
            format!(
                "a forget of this customer's state (UserPoller.forget) holds its lease for {:.0} s more (if none is running, one \
                 that was killed holds it until then); read it again once it is done",
                (lease.expires_at - now) / 1000.0
            ),
        )),
        _ => Ok(()),
    }
}

/// The stored `state` value as written, a forget's mark (`CoreState::forgetting`) included.
async fn read_core<S: Store>(store: &S, keys: &Keys) -> Result<Option<CoreState>> {
    let Some(text) = read_chunked(store, &keys.key("state")).await? else { return Ok(None) };
    serde_json::from_str(&text).map(Some).map_err(|e| VomoError::parse("state", format_args!("unreadable poller state ({e})")))
}

/// Removes one customer's state from `store` (see `super::forget_state`, which holds the
/// lease, and `Poller::poll`, which finishes one cut short): what a load reads of it, in an
/// order after which every prefix of the writes still loads (tests/store_crash.rs):
/// 0. the stored `state` marked `forgetting`: from this first write on, the forget counts as
///    done, since a load reads the customer as new and the next poll finishes the rest;
/// 1. the list of every log segment it will delete, under `forgetting`
///    (`store::log_removal`), so that a forget cut short once nothing names them any more
///    leaves them for the next forget to find;
/// 2. the journal, its highest slot first, so what is left is a run of slots from 0 that a
///    later forget finds again (a slot left behind after `state` is gone could carry the epoch
///    the next state reaches, and be read as a delivery of that state);
/// 3. the known buckets and the participations, which the stored `state` does not need to load;
/// 4. `state`, whose removal makes the customer a new one (epoch 0, no known log);
/// 5. the recorded segments (the known log's, which only that `state` named, and the
///    participation logs'), then the list.
///
/// Every removal blanks the value first (every store can set) and then deletes it where the
/// store can. `Ok(true)` when any of it was there.
pub async fn forget<S: Store>(store: &S, keys: &Keys) -> Result<bool> {
    let core = read_core(store, keys).await.ok().flatten();
    if let Some(core) = core.as_ref().filter(|core| !core.forgetting) {
        let marked = serde_json::to_string(&CoreState { forgetting: true, ..core.clone() }).unwrap_or_default();
        write_chunked(store, &keys.key("state"), &marked).await?;
    }
    let mut removal = LogRemoval::open(store, keys.key("")).await?;
    if let Some(core) = &core {
        removal.add("known-log", &core.known_log);
    }
    super::stored_participations::add_segments(store, keys, &mut removal).await?;
    removal.record(store).await?;
    let mut found = removal.left_over() || store.get(&keys.key("state")).await?.is_some_and(|t| !t.is_empty());
    let mut slots = Vec::new();
    for slot in 0.. {
        let key = keys.key(&format!("journal/{slot}"));
        match store.get(&key).await? {
            Some(entry) => {
                found |= !entry.is_empty();
                slots.push(key);
            }
            None => break,
        }
    }
    for key in slots.iter().rev().chain(std::iter::once(&keys.key("journal"))) {
        found |= remove(store, key).await?;
    }
    for b in 0..KNOWN_BUCKETS {
        found |= crate::store::delete_chunked(store, &keys.key(&format!("known/{b}"))).await?;
    }
    found |= super::stored_participations::forget(store, keys).await?;
    crate::store::delete_chunked(store, &keys.key("state")).await?;
    removal.finish(store).await?;
    Ok(found)
}

/// Blanks `key`, then deletes it where the store can; whether it held anything.
pub(super) async fn remove<S: Store>(store: &S, key: &str) -> Result<bool> {
    let Some(text) = store.get(key).await? else { return Ok(false) };
    if !text.is_empty() {
        store.set(key, "").await?;
    }
    let _ = store.delete(key).await;
    Ok(!text.is_empty())
}

fn parse_pair(line: &str, what: &str) -> Result<(UserId, i64)> {
    let (a, b) = line.split_once(':').ok_or_else(|| VomoError::parse(what, format_args!("unreadable line {line:?}")))?;
    match (a.parse(), b.parse()) {
        (Ok(id), Ok(ms)) => Ok((id, ms)),
        _ => Err(VomoError::parse(what, format_args!("unreadable line {line:?}"))),
    }
}
