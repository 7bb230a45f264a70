//! Append-only segment logs, so that saving costs what changed, not everything there is.
//!
//! A log is a list of segments (each a chunked value under `<prefix>/<slot>`), oldest
//! first. Its index (`LogIndex`, the segments' slots and levels) is stored by the caller
//! inside a value it writes anyway, and only that write makes a change part of the log:
//! 1. `append` writes the new segment to a slot the stored index does not name;
//! 2. the caller stores the new index (one atomic `set`);
//! 3. `committed` deletes the segments the new index no longer names.
//!
//! A death before 2 leaves the old index naming untouched segments; after 2, the new one.
//!
//! Each segment carries a sequence number in the index. A caller whose base value is not
//! idempotent to replay over (last-writer-wins maps) stores in its base the highest sequence
//! folded into it, and loads the log with that `floor`: segments at or below it are skipped,
//! so a death between rewriting the base and clearing the index replays nothing old.
//!
//! Segments are merged like a base-`FANOUT` counter (an LSM tree's size tiers): when the
//! newest `FANOUT` segments share a level they become one segment of the next level. Every
//! entry is so rewritten at most log_FANOUT(appends) times and a log holds at most
//! `FANOUT - 1` segments per level. Folding the log into the caller's base value
//! ("compaction") is the caller's call: typically when the log outgrows the base.

use super::{delete_unnamed, read_chunked, write_chunked, Store};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// Segments of one level merged into one of the next.
pub const FANOUT: usize = 8;

/// The stored part of a log: `[slot, level, sequence]` per segment, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogIndex(pub Vec<(u32, u8, u64)>);

/// A log with its segments' text in memory.
#[derive(Debug, Clone)]
pub struct Log {
    prefix: String,
    segments: Vec<Segment>,
    /// The highest sequence already folded into the caller's base.
    floor: u64,
}

#[derive(Debug, Clone)]
struct Segment {
    slot: u32,
    level: u8,
    seq: u64,
    text: Rc<str>,
}

impl Log {
    /// Reads the segments `index` names above `floor` (the base's folded sequence; 0 for a
    /// base that replays idempotently).
    pub async fn load<S: Store>(store: &S, prefix: &str, index: &LogIndex, floor: u64) -> Result<Log> {
        let mut segments = Vec::with_capacity(index.0.len());
        for &(slot, level, seq) in index.0.iter().filter(|s| s.2 > floor) {
            let key = segment_key(prefix, slot);
            let text = read_chunked(store, &key)
                .await?
                .ok_or_else(|| crate::VomoError::parse(&key, "a log segment named by the index is missing"))?;
            segments.push(Segment { slot, level, seq, text: text.into() });
        }
        Ok(Log { prefix: prefix.to_string(), segments, floor })
    }

    /// The index of the log's segments, as its owner stores it.
    pub fn index(&self) -> LogIndex {
        LogIndex(self.segments.iter().map(|s| (s.slot, s.level, s.seq)).collect())
    }

    /// The highest sequence in the log or folded below it: a base rewritten with every
    /// change stores this as its floor.
    pub fn last_seq(&self) -> u64 {
        self.segments.iter().map(|s| s.seq).max().unwrap_or(0).max(self.floor)
    }

    /// The segments' text, oldest first (replaying their lines in order rebuilds the changes).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|s| &*s.text)
    }

    /// The segments' text, in bytes.
    pub fn bytes(&self) -> usize {
        self.segments.iter().map(|s| s.text.len()).sum()
    }

    /// Whether the log has no segment.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Writes `text` as the newest segment (merged with the newest ones when a level
    /// fills) and returns the log as it is once the caller has stored its index. A segment
    /// is a sequence of lines, and a merge concatenates them: `text` ends with a newline
    /// (one is added if missing), so a caller that appends one JSON document per save reads
    /// a segment back line by line.
    pub async fn append<S: Store>(&self, store: &S, text: &str) -> Result<Log> {
        let mut segments = self.segments.clone();
        let mut level = 0u8;
        let mut merged = text.to_string();
        if !merged.ends_with('\n') {
            merged.push('\n');
        }
        while segments.len() >= FANOUT - 1 && segments[segments.len() - (FANOUT - 1)..].iter().all(|s| s.level == level) {
            let older = segments.split_off(segments.len() - (FANOUT - 1));
            let mut joined: String = older.iter().map(|s| &*s.text).collect();
            joined.push_str(&merged);
            merged = joined;
            level += 1;
        }
        // A slot neither the stored index nor the new one names: overwriting it is safe.
        let slot = (0u32..).find(|n| !self.segments.iter().chain(&segments).any(|s| s.slot == *n)).unwrap_or(0);
        write_chunked(store, &segment_key(&self.prefix, slot), &merged).await?;
        segments.push(Segment { slot, level, seq: self.last_seq() + 1, text: merged.into() });
        Ok(Log { prefix: self.prefix.clone(), segments, floor: self.floor })
    }

    /// The log once its changes are folded into the caller's base value (whose floor is
    /// now [`Log::last_seq`]).
    pub fn cleared(&self) -> Log {
        Log { prefix: self.prefix.clone(), segments: Vec::new(), floor: self.last_seq() }
    }

    /// After the caller stored `self`'s index in place of `previous`'s: deletes the
    /// segments no longer named, with their chunks (best effort: a store without `delete`
    /// keeps them, and a later append reuses their slots).
    pub async fn committed<S: Store>(&self, store: &S, previous: &Log) {
        for old in &previous.segments {
            if !self.segments.iter().any(|s| s.slot == old.slot) {
                delete_unnamed(store, &segment_key(&self.prefix, old.slot), old.text.len()).await;
            }
        }
    }
}

pub(super) fn segment_key(prefix: &str, slot: u32) -> String {
    format!("{prefix}/{slot}")
}

#[cfg(test)]
mod tests {
    use super::super::memory::{block_on, MemStore};
    use super::*;

    /// Appends merge in tiers: after n appends the log holds at most FANOUT-1 segments per
    /// level, replays every append in order, and wrote each entry O(log n) times.
    #[test]
    fn appends_merge_in_tiers_and_replay_in_order() {
        let store = MemStore::default();
        let mut log = block_on(Log::load(&store, "p", &LogIndex::default(), 0)).unwrap();
        let mut expected = String::new();
        for i in 0..1000 {
            let line = format!("{i:06}\n");
            expected.push_str(&line);
            let next = block_on(log.append(&store, &line)).unwrap();
            block_on(next.committed(&store, &log));
            log = next;
        }
        let reloaded = block_on(Log::load(&store, "p", &log.index(), 0)).unwrap();
        assert_eq!(reloaded.texts().collect::<String>(), expected);
        assert!(log.index().0.len() <= (FANOUT - 1) * 4, "{} segments", log.index().0.len());
        // 1000 appends of 7 bytes, each rewritten at most ceil(log8(1000)) = 4 times.
        assert!(store.bytes_written.get() <= 7_000 * 5 + 1000 * 40, "{} bytes", store.bytes_written.get());
        assert_eq!(store.map.borrow().len(), log.index().0.len(), "unnamed segments are deleted");
    }

    /// Segments over one value's size are stored in chunks; once merged or folded away, their
    /// chunks go with them: the store holds the named segments and their chunks, nothing else
    /// (the header alone was deleted, and every chunk of every merged segment stayed).
    #[test]
    fn segments_merged_or_folded_away_leave_no_chunk_behind() {
        let store = MemStore::default();
        let mut log = block_on(Log::load(&store, "p", &LogIndex::default(), 0)).unwrap();
        let line = format!("{}\n", "x".repeat(30_000));
        let named_keys = |log: &Log, store: &MemStore| -> Vec<String> {
            let mut keys = Vec::new();
            for &(slot, _, _) in &log.index().0 {
                let key = segment_key("p", slot);
                let stored = store.map.borrow().get(&key).cloned().unwrap();
                let header: serde_json::Value = serde_json::from_str(stored.lines().next().unwrap()).unwrap();
                if let Some(n) = header["chunks"].as_u64() {
                    let g = header["gen"].as_u64().unwrap_or(0) % 2;
                    keys.extend((0..n).map(|c| format!("{key}.g{g}.{c}")));
                }
                keys.push(key);
            }
            keys.sort();
            keys
        };
        for i in 0..200 {
            let next = block_on(log.append(&store, &line)).unwrap();
            block_on(next.committed(&store, &log));
            log = next;
            let mut stored: Vec<String> = store.map.borrow().keys().cloned().collect();
            stored.sort();
            assert_eq!(stored, named_keys(&log, &store), "after append {i}");
        }
        assert!(store.map.borrow().keys().any(|k| k.contains(".g")), "no segment was stored in chunks");
        let folded = log.cleared();
        block_on(folded.committed(&store, &log));
        assert_eq!(store.map.borrow().len(), 0, "{:?}", store.map.borrow().keys().collect::<Vec<_>>());
    }

    /// Segments at or below the floor (folded into a base whose index was not yet cleared
    /// when the process died) are skipped; new segments number above the floor.
    #[test]
    fn segments_at_or_below_the_floor_are_skipped() {
        let store = MemStore::default();
        let mut log = block_on(Log::load(&store, "p", &LogIndex::default(), 0)).unwrap();
        log = block_on(log.append(&store, "old\n")).unwrap();
        let stale = log.index();
        let folded = log.last_seq();
        // The base now holds "old" with floor `folded`; the index still names the segment.
        let reloaded = block_on(Log::load(&store, "p", &stale, folded)).unwrap();
        assert!(reloaded.is_empty());
        let next = block_on(reloaded.append(&store, "new\n")).unwrap();
        assert!(next.index().0.iter().all(|s| s.2 > folded));
        assert_eq!(block_on(Log::load(&store, "p", &next.index(), folded)).unwrap().texts().collect::<String>(), "new\n");
    }

    /// A death at any set of an append leaves the stored index naming readable segments.
    #[test]
    fn a_death_during_an_append_keeps_the_stored_index_readable() {
        for k in 0..3u64 {
            let store = MemStore::default();
            let mut log = block_on(Log::load(&store, "p", &LogIndex::default(), 0)).unwrap();
            for i in 0..(FANOUT - 1) {
                log = block_on(log.append(&store, &format!("{i}\n"))).unwrap();
            }
            let stored = log.index();
            store.sets_left.set(Some(k));
            let _ = block_on(log.append(&store, "merge me\n"));
            store.sets_left.set(None);
            let reloaded = block_on(Log::load(&store, "p", &stored, 0)).unwrap();
            assert_eq!(reloaded.texts().collect::<String>(), (0..FANOUT - 1).map(|i| format!("{i}\n")).collect::<String>());
        }
    }
}
