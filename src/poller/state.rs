//! What the poller remembers per customer, and how it is laid out in the store:
//! - `state`: checkpoint, walk progress, dead letters, scan cursor (one chunked JSON value);
//! - `known/<b>`: id -> last delivered `updatedAt`, in 16 buckets by id;
//! - `parts/<b>`: id -> last seen participations, in 64 buckets by id;
//! - `journal`: deliveries since the known buckets were last written, so that a delivery
//!   that returned is never repeated even when the process dies before the page ends.

use super::store::{read_chunked, write_chunked, Keys, Store};
use crate::error::{Result, VomoError};
use crate::model::{Participation, User, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const KNOWN_BUCKETS: i64 = 16;
const PARTS_BUCKETS: i64 = 64;

/// An unfinished walk of one time window `[start, end]` of `updated_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WindowWalk {
    pub start_ms: i64,
    pub end_ms: i64,
    /// The next page to fetch; `None` before the first page.
    pub next_url: Option<String>,
    /// `meta.total` of the first page; any other total means the set shrank mid-walk.
    pub first_total: Option<u64>,
    pub unstable: bool,
    /// Walks of this window that ended unstable in the current poll.
    pub restarts: u32,
}

/// A change whose handler failed, kept for later attempts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeadLetterEntry {
    pub user: User,
    pub attempts: u32,
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
    pub walk: Option<WindowWalk>,
    pub dead_letters: Vec<DeadLetterEntry>,
    pub scan: Option<ScanCursor>,
}

/// Everything the poller loaded, with dirty tracking so a page writes only what changed.
#[derive(Debug, Default)]
pub struct PollerState {
    pub core: CoreState,
    pub known: BTreeMap<UserId, i64>,
    participations: BTreeMap<UserId, Vec<Participation>>,
    parts_loaded: BTreeSet<i64>,
    dirty_known: BTreeSet<i64>,
    dirty_parts: BTreeSet<i64>,
    journal: Vec<(UserId, i64)>,
}

fn bucket(id: UserId, n: i64) -> i64 {
    id.rem_euclid(n)
}

impl PollerState {
    pub async fn load<S: Store>(store: &S, keys: &Keys) -> Result<PollerState> {
        let mut state = PollerState::default();
        match read_chunked(store, &keys.key("state")).await? {
            Some(text) => {
                state.core = serde_json::from_str(&text).map_err(|e| VomoError::parse("state", format_args!("unreadable poller state ({e})")))?;
            }
            // A new customer: its initial sync starts now.
            None => state.core.caught_up = Some(false),
        }
        for b in 0..KNOWN_BUCKETS {
            if let Some(text) = read_chunked(store, &keys.key(&format!("known/{b}"))).await? {
                for line in text.lines().filter(|l| !l.is_empty()) {
                    let (id, ms) = parse_pair(line, "known")?;
                    state.known.insert(id, ms);
                }
            }
        }
        if let Some(text) = store.get(&keys.key("journal")).await? {
            for line in text.lines().filter(|l| !l.is_empty()) {
                let (id, ms) = parse_pair(line, "journal")?;
                state.mark_delivered_in_memory(id, ms);
                // Kept in the journal until a save has written its bucket: the next
                // delivery rewrites the journal and must not drop these.
                state.journal.push((id, ms));
            }
        }
        Ok(state)
    }

    /// Whether `(id, updated_at)` was already delivered.
    pub fn delivered(&self, id: UserId, updated_at_ms: i64) -> bool {
        self.known.get(&id).is_some_and(|&t| t >= updated_at_ms)
    }

    fn mark_delivered_in_memory(&mut self, id: UserId, ms: i64) {
        let slot = self.known.entry(id).or_insert(ms);
        *slot = (*slot).max(ms);
        self.dirty_known.insert(bucket(id, KNOWN_BUCKETS));
    }

    /// Records a delivery durably at once (one small journal write).
    pub async fn mark_delivered<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId, ms: i64) -> Result<()> {
        self.mark_delivered_in_memory(id, ms);
        self.journal.push((id, ms));
        let text: String = self.journal.iter().map(|(i, t)| format!("{i}:{t}\n")).collect();
        store.set(&keys.key("journal"), &text).await
    }

    /// Records an id as known without a delivery (seen by a participation scan).
    pub fn note_id(&mut self, id: UserId) {
        if !self.known.contains_key(&id) {
            self.known.insert(id, i64::MIN);
            self.dirty_known.insert(bucket(id, KNOWN_BUCKETS));
        }
    }

    /// The last-seen participations of a user (loads its bucket on first use).
    pub async fn participations<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId) -> Result<Option<Vec<Participation>>> {
        let b = bucket(id, PARTS_BUCKETS);
        if self.parts_loaded.insert(b) {
            if let Some(text) = read_chunked(store, &keys.key(&format!("parts/{b}"))).await? {
                let map: BTreeMap<UserId, Vec<Participation>> = serde_json::from_str(&text)
                    .map_err(|e| VomoError::parse("parts", format_args!("unreadable participation state ({e})")))?;
                self.participations.extend(map);
            }
        }
        Ok(self.participations.get(&id).cloned())
    }

    pub fn set_participations(&mut self, id: UserId, list: Vec<Participation>) {
        self.participations.insert(id, list);
        self.dirty_parts.insert(bucket(id, PARTS_BUCKETS));
    }

    /// Writes the dirty buckets, then the core state, then clears the journal.
    pub async fn save<S: Store>(&mut self, store: &S, keys: &Keys) -> Result<()> {
        // A bucket stays dirty until its write succeeded: a failed save must not let a
        // later save clear the journal over a bucket that was never written.
        for b in self.dirty_known.clone() {
            let text: String = self.known.iter().filter(|(id, _)| bucket(**id, KNOWN_BUCKETS) == b)
                .map(|(id, t)| format!("{id}:{t}\n")).collect();
            write_chunked(store, &keys.key(&format!("known/{b}")), &text).await?;
            self.dirty_known.remove(&b);
        }
        for b in self.dirty_parts.clone() {
            let map: BTreeMap<&UserId, &Vec<Participation>> =
                self.participations.iter().filter(|(id, _)| bucket(**id, PARTS_BUCKETS) == b).collect();
            let text = serde_json::to_string(&map).unwrap_or_else(|_| "{}".into());
            write_chunked(store, &keys.key(&format!("parts/{b}")), &text).await?;
            self.dirty_parts.remove(&b);
        }
        self.core.version = super::store::STATE_VERSION;
        let core = serde_json::to_string(&self.core).unwrap_or_default();
        write_chunked(store, &keys.key("state"), &core).await?;
        if !self.journal.is_empty() {
            self.journal.clear();
            store.set(&keys.key("journal"), "").await?;
        }
        Ok(())
    }

    /// Ids this customer's store has seen.
    pub fn known_ids(&self) -> Vec<UserId> {
        self.known.keys().copied().collect()
    }
}

fn parse_pair(line: &str, what: &str) -> Result<(UserId, i64)> {
    let (a, b) = line.split_once(':').ok_or_else(|| VomoError::parse(what, format_args!("unreadable line {line:?}")))?;
    match (a.parse(), b.parse()) {
        (Ok(id), Ok(ms)) => Ok((id, ms)),
        _ => Err(VomoError::parse(what, format_args!("unreadable line {line:?}"))),
    }
}
