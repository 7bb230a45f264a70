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
use crate::error::Result;

/// The segments one removal deletes, with those a cut-short one recorded.
pub struct LogRemoval {
    base: String,
    /// Segment keys after `base`, each once.
    segments: Vec<String>,
    left_over: bool,
}

impl LogRemoval {
    /// Starts a removal of logs under `base` (a key prefix ending in `/`), taking over what a
    /// dead one recorded (an unreadable record names nothing: only a removal writes one).
    pub async fn open<S: Store>(store: &S, base: String) -> Result<Self> {
        let recorded = read_chunked(store, &format!("{base}forgetting")).await.ok().flatten().unwrap_or_default();
        let segments: Vec<String> = recorded.lines().filter(|l| !l.is_empty()).map(String::from).collect();
        let left_over = !segments.is_empty();
        Ok(LogRemoval { base, segments, left_over })
    }

    /// Adds the segments `index` names for the log `name` (its index's key after the base).
    pub fn add(&mut self, name: &str, index: &LogIndex) {
        for &(slot, _, _) in &index.0 {
            // A few hundred at most (a log keeps FANOUT - 1 segments per level): no sort
            // linked in for them.
            let key = segment_key(name, slot);
            if !self.segments.contains(&key) {
                self.segments.push(key);
            }
        }
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
        write_chunked(store, &format!("{}forgetting", self.base), &self.segments.join("\n")).await
    }

    /// Deletes every recorded segment (blanked where the store cannot delete, as
    /// `delete_chunked` does), then the record; once nothing names the segments any more.
    pub async fn finish<S: Store>(self, store: &S) -> Result<()> {
        for name in &self.segments {
            delete_chunked(store, &format!("{}{name}", self.base)).await?;
        }
        delete_chunked(store, &format!("{}forgetting", self.base)).await?;
        Ok(())
    }
}
