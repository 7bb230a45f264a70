//! Removing stored logs for good, across a death (`UserPoller.forget`, `importRoster.forget`).
//!
//! A log's segments are named only by its index (`log.rs`), and the index has to go first: a
//! load that finds a segment named but missing fails. A removal cut short between the two
//! would leave segments that nothing names, never read but never deleted either, since a
//! store cannot be listed. So a removal first records every segment it will delete under a
//! key of its own (`<base>forgetting`: one chunked value, a line per segment naming its key
//! after `<base>`; a customer id may hold a newline, a name under it does not), removes the
//! indexes and the rest, deletes the recorded segments, and removes the record last. The next
//! removal reads a record a dead one left and deletes its segments too.
//!
//! A record left behind while the state is written again (a poll after a cut-short forget) may
//! name keys the new state reuses; only a removal reads it, and a removal deletes those anyway.

use super::log::{segment_key, LogIndex};
use super::{delete_chunked, read_chunked, write_chunked, Store};
use crate::error::{ErrorKind, Result};

/// The segments one removal deletes, with those a cut-short one recorded.
#[derive(Debug)]
pub struct LogRemoval {
    base: String,
    /// Segment keys after `base`, each once: the record's first.
    segments: Vec<String>,
    /// How many of them the stored record holds.
    stored: usize,
}

impl LogRemoval {
    /// Starts a removal of logs under `base` (a key prefix ending in `/`), taking over what a
    /// dead one recorded. An unreadable record names nothing; a store that fails the read
    /// fails the removal (going on without the record, its segments would be lost track of
    /// when this removal deletes it).
    pub async fn open<S: Store>(store: &S, base: String) -> Result<Self> {
        let recorded = match read_chunked(store, &record_key(&base)).await {
            Ok(text) => text.unwrap_or_default(),
            Err(e) if e.kind == ErrorKind::Parse => String::new(),
            Err(e) => return Err(e),
        };
        let segments: Vec<String> = recorded.lines().filter(|l| !l.is_empty()).map(String::from).collect();
        let stored = segments.len();
        Ok(LogRemoval { base, segments, stored })
    }

    /// Adds the segments `index` names for the log `name` (its index's key after the base).
    pub fn add(&mut self, name: &str, index: &LogIndex) {
        for &(slot, _, _) in &index.0 {
            // Hundreds, rarely more (a log keeps FANOUT - 1 segments per level, and is
            // folded into its base as it grows): a linear check, and no sort linked in.
            let key = segment_key(name, slot);
            if !self.segments.contains(&key) {
                self.segments.push(key);
            }
        }
    }

    /// Whether a removal cut short left segments to delete.
    pub fn left_over(&self) -> bool {
        self.stored > 0
    }

    /// Stores the list, before anything that names the segments is removed (one chunked
    /// write; none when there is nothing to delete or the stored record already lists it all).
    pub async fn record<S: Store>(&self, store: &S) -> Result<()> {
        if self.segments.len() == self.stored {
            return Ok(());
        }
        write_chunked(store, &record_key(&self.base), &self.segments.join("\n")).await
    }

    /// Deletes every recorded segment (blanked where the store cannot delete, as
    /// `delete_chunked` does), then the record; once nothing names the segments any more.
    pub async fn finish<S: Store>(self, store: &S) -> Result<()> {
        for name in &self.segments {
            delete_chunked(store, &format!("{}{name}", self.base)).await?;
        }
        delete_chunked(store, &record_key(&self.base)).await?;
        Ok(())
    }
}

fn record_key(base: &str) -> String {
    format!("{base}forgetting")
}

#[cfg(test)]
mod tests {
    use super::super::memory::{block_on, MemStore};
    use super::*;
    use crate::error::VomoError;

    fn index(slots: &[u32]) -> LogIndex {
        LogIndex(slots.iter().map(|&slot| (slot, 0, 1)).collect())
    }

    /// A removal that died once its record was stored (its indexes gone, its segments not):
    /// the next one finds the segments in the record alone, stores nothing again, and leaves
    /// nothing behind.
    #[test]
    fn the_next_removal_finishes_what_a_dead_one_recorded() {
        let store = MemStore::default();
        for slot in [0, 1, 4] {
            block_on(write_chunked(&store, &format!("b/log/{slot}"), "segment")).unwrap();
        }
        let mut first = block_on(LogRemoval::open(&store, "b/".into())).unwrap();
        assert!(!first.left_over());
        first.add("log", &index(&[0, 1, 4]));
        first.add("log", &index(&[1]));
        block_on(first.record(&store)).unwrap();
        assert_eq!(block_on(read_chunked(&store, "b/forgetting")).unwrap().as_deref(), Some("log/0\nlog/1\nlog/4"), "each once");

        let second = block_on(LogRemoval::open(&store, "b/".into())).unwrap();
        assert!(second.left_over());
        let written = store.bytes_written.get();
        block_on(second.record(&store)).unwrap();
        assert_eq!(store.bytes_written.get(), written, "the record already lists it all");
        block_on(second.finish(&store)).unwrap();
        assert_eq!(store.map.borrow().len(), 0, "{:?}", store.map.borrow().keys().collect::<Vec<_>>());
    }

    /// A record that cannot be read names nothing; a store that fails the read stops the
    /// removal before it deletes anything (the record would be lost with its segments).
    #[test]
    fn an_unreadable_record_names_nothing_and_a_failed_read_stops_the_removal() {
        let store = MemStore::default();
        block_on(store.set("b/forgetting", "{not a header")).unwrap();
        let removal = block_on(LogRemoval::open(&store, "b/".into())).unwrap();
        assert!(!removal.left_over());

        struct FailingReads<'a>(&'a MemStore);
        impl Store for FailingReads<'_> {
            async fn get(&self, _key: &str) -> Result<Option<String>> {
                Err(VomoError::new(ErrorKind::Network, "the store is down"))
            }
            async fn set(&self, key: &str, value: &str) -> Result<()> {
                self.0.set(key, value).await
            }
        }
        let e = block_on(LogRemoval::open(&FailingReads(&store), "b/".into())).expect_err("a failed read fails the removal");
        assert_eq!(e.kind, ErrorKind::Network);
    }
}
