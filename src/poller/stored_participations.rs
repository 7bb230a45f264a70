//! The last-seen participations of each user, which the participation diff compares a new
//! detail against: 64 buckets by id, each loaded on first use and stored as
//! - `parts/<b>`: the base, `<floor>\n` then a JSON map id -> participations (format 1, a
//!   bare JSON map, is still read, with floor 0);
//! - `parts-log/<b>`: the index of the bucket's append-only log (`crate::store::log`), and
//!   `parts-log/<b>/<slot>`: its segments, one line (a JSON map of the users changed) per save.
//!
//! A save appends, per touched bucket, one segment with just the users changed since the
//! last save, so a `changed-users` backfill writes in proportion to its users instead of
//! rewriting whole buckets on every page. A bucket's base is rewritten when its log has grown
//! as large as it; the base records the highest log sequence folded into it, so a death
//! between that rewrite and the index's reset replays no older list over a newer one.
//! A list moves on only when every event of its diff was handled (the caller's rule); a
//! death before a save offers those events again, as before.

use crate::error::{Result, VomoError};
use crate::model::{Participation, UserId};
use crate::store::log::{Log, LogIndex};
use crate::store::log_removal::LogRemoval;
use crate::store::{read_chunked, write_chunked, Keys, Store, STATE_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const BUCKETS: i64 = 64;

type Lists = BTreeMap<UserId, Vec<Participation>>;

#[derive(Debug, Default)]
pub(crate) struct StoredParticipations {
    loaded: BTreeMap<i64, Bucket>,
    /// Lists set since the last save, by id (their buckets may not be loaded yet).
    pending: Lists,
}

#[derive(Debug)]
struct Bucket {
    lists: Lists,
    base_bytes: usize,
    log: Log,
}

#[derive(Serialize, Deserialize)]
struct IndexValue {
    v: u32,
    segments: LogIndex,
}

fn bucket_of(id: UserId) -> i64 {
    id.rem_euclid(BUCKETS)
}

fn unreadable(e: impl std::fmt::Display) -> VomoError {
    VomoError::parse("parts", format_args!("unreadable participation state ({e})"))
}

impl StoredParticipations {
    /// The last-seen list of `id`, if any.
    pub async fn get<S: Store>(&mut self, store: &S, keys: &Keys, id: UserId) -> Result<Option<Vec<Participation>>> {
        if let Some(list) = self.pending.get(&id) {
            return Ok(Some(list.clone()));
        }
        Ok(self.bucket(store, keys, bucket_of(id)).await?.lists.get(&id).cloned())
    }

    pub fn set(&mut self, id: UserId, list: Vec<Participation>) {
        self.pending.insert(id, list);
    }

    async fn bucket<S: Store>(&mut self, store: &S, keys: &Keys, b: i64) -> Result<&mut Bucket> {
        Ok(match self.loaded.entry(b) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(load_bucket(store, keys, b).await?),
        })
    }

    /// Stores the lists set since the last save, bucket by bucket.
    pub async fn save<S: Store>(&mut self, store: &S, keys: &Keys) -> Result<()> {
        let mut by_bucket: BTreeMap<i64, Lists> = BTreeMap::new();
        for (id, list) in &self.pending {
            by_bucket.entry(bucket_of(*id)).or_default().insert(*id, list.clone());
        }
        for (b, changed) in by_bucket {
            let bucket = self.bucket(store, keys, b).await?;
            let text = serde_json::to_string(&changed).unwrap_or_else(|_| "{}".into());
            let mut lists = bucket.lists.clone();
            lists.extend(changed.iter().map(|(id, l)| (*id, l.clone())));
            let (next, base_bytes) = if bucket.log.bytes() + text.len() > bucket.base_bytes {
                let base = format!("{}\n{}", bucket.log.last_seq(), serde_json::to_string(&lists).unwrap_or_else(|_| "{}".into()));
                write_chunked(store, &keys.key(&format!("parts/{b}")), &base).await?;
                (bucket.log.cleared(), base.len())
            } else {
                (bucket.log.append(store, &text).await?, bucket.base_bytes)
            };
            if next.index() != bucket.log.index() {
                let index = IndexValue { v: STATE_VERSION, segments: next.index() };
                store.set(&keys.key(&format!("parts-log/{b}")), &serde_json::to_string(&index).unwrap_or_default()).await?;
            }
            next.committed(store, &bucket.log).await;
            *bucket = Bucket { lists, base_bytes, log: next };
            for id in changed.keys() {
                self.pending.remove(id);
            }
        }
        Ok(())
    }
}

/// Adds every bucket's log segments to `removal` (`super::state::forget` records them before
/// removing anything). An unreadable index names none.
pub(crate) async fn add_segments<S: Store>(store: &S, keys: &Keys, removal: &mut LogRemoval) -> Result<()> {
    for b in 0..BUCKETS {
        let name = format!("parts-log/{b}");
        if let Some(index) = store.get(&keys.key(&name)).await?.and_then(|t| serde_json::from_str::<IndexValue>(&t).ok()) {
            removal.add(&name, &index.segments);
        }
    }
    Ok(())
}

/// Removes every bucket's participations (`super::state::forget`): per bucket the log's
/// index first (the base alone still loads, as of its last rewrite), then the base. The
/// segments are the caller's to delete ([`add_segments`]). `Ok(true)` when any was there.
pub(crate) async fn forget<S: Store>(store: &S, keys: &Keys) -> Result<bool> {
    let mut found = false;
    for b in 0..BUCKETS {
        found |= super::state::remove(store, &keys.key(&format!("parts-log/{b}"))).await?;
        found |= crate::store::delete_chunked(store, &keys.key(&format!("parts/{b}"))).await?;
    }
    Ok(found)
}

async fn load_bucket<S: Store>(store: &S, keys: &Keys, b: i64) -> Result<Bucket> {
    let (mut lists, floor, base_bytes) = match read_chunked(store, &keys.key(&format!("parts/{b}"))).await? {
        None => (Lists::new(), 0, 0),
        Some(text) => {
            let (floor, json) = match text.split_once('\n') {
                Some((floor, json)) if !text.starts_with('{') => (floor.parse::<u64>().map_err(unreadable)?, json),
                _ => (0, text.as_str()),
            };
            (serde_json::from_str::<Lists>(json).map_err(unreadable)?, floor, text.len())
        }
    };
    let index_key = keys.key(&format!("parts-log/{b}"));
    let index = match store.get(&index_key).await? {
        Some(text) if !text.is_empty() => serde_json::from_str::<IndexValue>(&text).map_err(unreadable)?.segments,
        _ => LogIndex::default(),
    };
    let log = Log::load(store, &index_key, &index, floor).await?;
    for line in log.texts().flat_map(str::lines).filter(|l| !l.is_empty()) {
        lists.extend(serde_json::from_str::<Lists>(line).map_err(unreadable)?);
    }
    Ok(Bucket { lists, base_bytes, log })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::{block_on, MemStore};

    fn list(n: usize, hours: f64) -> Vec<Participation> {
        (0..n)
            .map(|i| Participation {
                project_id: Some(1),
                project_date_id: Some(i as i64),
                guests: 0,
                signed_up_at: None,
                checked_in_at: None,
                checked_out_at: None,
                hours,
                verified: true,
                role: None,
            })
            .collect()
    }

    /// A death at any set of a save (appends and base rewrites alike) reloads every list
    /// as it was before the save or after it, never older.
    #[test]
    fn a_death_at_any_set_reloads_each_list_old_or_new() {
        let keys = Keys::new("parts");
        let ids: Vec<UserId> = (0..40).map(|i| i * 64).collect(); // one bucket
        for round_size in [2usize, 30] {
            let store = MemStore::default();
            let mut parts = StoredParticipations::default();
            for (r, &id) in ids.iter().enumerate() {
                parts.set(id, list(3, r as f64));
            }
            block_on(parts.save(&store, &keys)).unwrap();
            for round in 1..11 {
                for &id in ids.iter().take(round_size) {
                    parts.set(id, list(3 + round, round as f64));
                }
                let before: Vec<_> =
                    ids.iter().map(|&id| block_on(StoredParticipations::default().get(&store, &keys, id)).unwrap()).collect();
                for k in 0..6u64 {
                    let copy = MemStore { map: store.map.clone(), ..Default::default() };
                    copy.sets_left.set(Some(k));
                    let mut trial = StoredParticipations { loaded: Default::default(), pending: parts.pending.clone() };
                    let _ = block_on(trial.save(&copy, &keys));
                    copy.sets_left.set(None);
                    for (i, &id) in ids.iter().enumerate() {
                        let got = block_on(StoredParticipations::default().get(&copy, &keys, id)).unwrap();
                        let new = parts.pending.get(&id).cloned().or_else(|| before[i].clone());
                        assert!(got == before[i] || got == new, "round {round} death after set {k}: #{id} neither old nor new");
                    }
                }
                block_on(parts.save(&store, &keys)).unwrap();
            }
        }
    }

    #[test]
    fn a_format_1_bucket_is_read() {
        let keys = Keys::new("parts");
        let store = MemStore::default();
        let map: Lists = [(64, list(2, 1.0))].into();
        block_on(write_chunked(&store, &keys.key("parts/0"), &serde_json::to_string(&map).unwrap())).unwrap();
        let got = block_on(StoredParticipations::default().get(&store, &keys, 64)).unwrap();
        assert_eq!(got, Some(list(2, 1.0)));
    }
}
