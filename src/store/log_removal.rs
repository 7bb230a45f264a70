//! Removing stored logs for good, across a death (`UserPoller.forget`, `importRoster.forget`).
//!
//! A log's segments are named only by its index (`log.rs`), and the index has to go first: a
//! load that finds a segment named but missing fails. A removal cut short between the two
//! would leave segments that nothing names, never read but never deleted either, since a
//! store cannot be listed. So a removal first records every segment it will delete under a
//! key of its own (one chunked value: a JSON array of keys), removes the indexes and the rest,
//! deletes the recorded segments, and removes the record last. The next removal reads a record
//! a dead one left and deletes its segments too.
//!
//! A record left behind while the state is written again (a poll after a cut-short forget) may
//! name keys the new state reuses; only a removal reads it, and a removal deletes those anyway.

use super::log::{segment_key, LogIndex};
use super::{delete_chunked, read_chunked, write_chunked, Store};
use crate::error::Result;
use std::collections::BTreeSet;

/// The segments one removal deletes, with those a cut-short one recorded.
pub struct LogRemoval {
    key: String,
    segments: BTreeSet<String>,
    left_over: bool,
}

impl LogRemoval {
    /// Starts a removal recorded under `key`, taking over what a dead one recorded there (an
    /// unreadable record is dropped: a removal never wrote one, so nothing of it is ours).
    pub async fn open<S: Store>(store: &S, key: String) -> Result<Self> {
        let recorded = read_chunked(store, &key).await.ok().flatten().unwrap_or_default();
        let segments: BTreeSet<String> = serde_json::from_str(&recorded).unwrap_or_default();
        let left_over = !segments.is_empty();
        Ok(LogRemoval { key, segments, left_over })
    }

    /// Adds the segments `index` names under `prefix`.
    pub fn add(&mut self, prefix: &str, index: &LogIndex) {
        self.segments.extend(index.0.iter().map(|&(slot, _, _)| segment_key(prefix, slot)));
    }

    /// Whether a removal cut short left segments to delete.
    pub fn left_over(&self) -> bool {
        self.left_over
    }

    /// Stores the list, before anything that names the segments is removed (one chunked
    /// write; none when there is nothing to delete or the list is already stored as it is).
    pub async fn record<S: Store>(&self, store: &S) -> Result<()> {
        if self.segments.is_empty() {
            return Ok(());
        }
        let text = serde_json::to_string(&self.segments).unwrap_or_default();
        write_chunked(store, &self.key, &text).await
    }

    /// Deletes every recorded segment (blanked where the store cannot delete, as
    /// `delete_chunked` does), then the record; once nothing names the segments any more.
    pub async fn finish<S: Store>(self, store: &S) -> Result<()> {
        for key in &self.segments {
            delete_chunked(store, key).await?;
        }
        delete_chunked(store, &self.key).await?;
        Ok(())
    }
}
