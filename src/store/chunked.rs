//! Values of any size under one key, written so that a process dying after ANY single
//! `set` leaves the old value or the new one readable, never a mixture.
//!
//! The header under `key` is the only thing a reader starts from:
//! - a value that fits in one `set` (header line + text within [`MAX_VALUE_BYTES`]) is
//!   stored inline: `{"v":2,"gen":G}\n<text>`, one atomic write;
//! - a larger one goes to chunks `key.g<G%2>.0..N` first, then the header
//!   `{"v":2,"gen":G,"chunks":N}` names them. Generation G writes the slot that generation
//!   G-1 (the live value) does not use, so until the header lands the old header still
//!   names intact chunks; after it lands, the old slot's chunks are deleted (or, in a store
//!   without `delete`, left to be overwritten by generation G+1). Where the store has an
//!   atomic multi-key write, chunks and header go in one `set_many`.
//!
//! Format 1 (releases before this one) is still read: header `{"v":1,"chunks":N}`, chunks
//! `key.0..N`; the next write replaces it with format 2 and deletes the old chunks.

use super::{Store, MAX_VALUE_BYTES, STATE_VERSION};
use crate::error::{ErrorKind, Result, VomoError};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
struct Header {
    v: u32,
    #[serde(default, skip_serializing_if = "super::is_zero")]
    gen: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunks: Option<usize>,
}

impl Header {
    /// The keys of this header's chunks (none for an inline value).
    fn chunk_keys(&self, key: &str) -> Vec<String> {
        let n = self.chunks.unwrap_or(0);
        match self.v {
            1 => (0..n).map(|i| format!("{key}.{i}")).collect(),
            _ => (0..n).map(|i| format!("{key}.g{}.{i}", self.gen % 2)).collect(),
        }
    }
}

/// Splits a stored header value into the header and, for an inline value, its text.
fn parse_header<'a>(key: &str, stored: &'a str) -> Result<(Header, Option<&'a str>)> {
    let (line, inline) = match stored.split_once('\n') {
        Some((line, text)) => (line, Some(text)),
        None => (stored, None),
    };
    let header: Header = serde_json::from_str(line).map_err(|e| VomoError::parse(key, format_args!("unreadable state header ({e})")))?;
    if header.v > STATE_VERSION {
        return Err(VomoError::parse(key, format_args!("state version {} is newer than this release reads ({STATE_VERSION})", header.v)));
    }
    if inline.is_none() && header.chunks.is_none() {
        return Err(VomoError::parse(key, "state header names neither inline text nor chunks"));
    }
    Ok((header, inline))
}

/// Writes `text` under `key` (see the module comment for why a death at any `set` is safe).
pub async fn write_chunked<S: Store>(store: &S, key: &str, text: &str) -> Result<()> {
    // The live header, to pick the other slot and to clean up after. An unreadable one is
    // replaced (a reader would have failed on it anyway).
    let old = match store.get(key).await? {
        Some(stored) if !stored.is_empty() => parse_header(key, &stored).ok().map(|(h, _)| h),
        _ => None,
    };
    let gen = old.map_or(0, |h| h.gen) + 1;
    let inline_header = serde_json::to_string(&Header { v: STATE_VERSION, gen, chunks: None }).unwrap_or_default();
    if inline_header.len() + 1 + text.len() <= MAX_VALUE_BYTES {
        store.set(key, &format!("{inline_header}\n{text}")).await?;
    } else {
        let parts = split_at_chars(text, MAX_VALUE_BYTES);
        let header = Header { v: STATE_VERSION, gen, chunks: Some(parts.len()) };
        let mut entries: Vec<(String, String)> =
            header.chunk_keys(key).into_iter().zip(parts).map(|(k, part)| (k, part.to_string())).collect();
        entries.push((key.to_string(), serde_json::to_string(&header).unwrap_or_default()));
        if entries.len() <= store.atomic_batch_limit() {
            store.set_many(&entries).await?;
        } else {
            for (k, v) in &entries {
                store.set(k, v).await?;
            }
        }
    }
    if let Some(old) = old {
        for k in old.chunk_keys(key) {
            // Best effort: the new value is in place; a chunk left behind is never read.
            let _ = store.delete(&k).await;
        }
    }
    Ok(())
}

/// The longest inline header line (`{"v":N,"gen":<u64>}` is at most 34 bytes): a text longer
/// than [`MAX_VALUE_BYTES`] less this and its newline may have been stored in chunks.
const MAX_INLINE_HEADER: usize = 40;

/// Deletes a value nothing names any more (a log segment its index dropped), given its text's
/// length: the header is read for its chunks only when the text may have been stored in
/// chunks, and no blanking write comes first, since no reader starts from it. Best effort,
/// like the deletes in [`write_chunked`]. (Deleting the header alone left a chunked
/// segment's chunks behind, named by nothing and never deleted: 1.2 MB of a browser's
/// 5 MB after an import of 6,000 records and its forget.)
pub async fn delete_unnamed<S: Store>(store: &S, key: &str, text_len: usize) {
    if text_len + 1 + MAX_INLINE_HEADER > MAX_VALUE_BYTES {
        if let Ok(Some(stored)) = store.get(key).await {
            if let Ok((header, _)) = parse_header(key, &stored) {
                for k in header.chunk_keys(key) {
                    let _ = store.delete(&k).await;
                }
            }
        }
    }
    let _ = store.delete(key).await;
}

/// Removes what [`write_chunked`] wrote under `key`; `Ok(false)` when nothing was there. The
/// header is blanked first (every store can set; a reader then finds nothing), then the
/// header and its chunks are deleted where the store can delete: a chunk left behind is
/// never read, and a later write picks its slot afresh.
pub async fn delete_chunked<S: Store>(store: &S, key: &str) -> Result<bool> {
    let Some(stored) = store.get(key).await? else { return Ok(false) };
    if stored.is_empty() {
        // Blanked by a removal cut short: deleted now where the store can.
        let _ = store.delete(key).await;
        return Ok(false);
    }
    store.set(key, "").await?;
    if let Ok((header, _)) = parse_header(key, &stored) {
        for k in header.chunk_keys(key) {
            let _ = store.delete(&k).await;
        }
    }
    let _ = store.delete(key).await;
    Ok(true)
}

/// Reads of a value a writer keeps replacing, before a reader that holds no lease gives up
/// with `busy` ([`read_chunked`], `PollerState::load_unleased`).
pub const READ_ATTEMPTS: usize = 8;

/// Reads what [`write_chunked`] (or format 1) wrote; `None` when nothing was written yet.
///
/// Safe beside a writer that holds no lock against this reader (`loadHealth`,
/// `UserPoller.storedBaseUrl` and a status page run while a poll saves): a chunked value is
/// read from its header, then its chunks, then the header again. A header unchanged after the
/// chunks means no generation landed in between, so the chunks were that generation's (the
/// next one writes the other slot, and only the one after it this slot again); a changed
/// header means a save landed mid-read, which could have deleted the chunks or rewritten them
/// with a newer generation's text, so the read starts over. An inline value is one `get`.
pub async fn read_chunked<S: Store>(store: &S, key: &str) -> Result<Option<String>> {
    let mut stored = store.get(key).await?;
    for _ in 0..READ_ATTEMPTS {
        let Some(header_text) = stored.as_deref().filter(|s| !s.is_empty()) else { return Ok(None) };
        let (header, inline) = parse_header(key, header_text)?;
        if let Some(text) = inline {
            return Ok(Some(text.to_string()));
        }
        let keys = header.chunk_keys(key);
        let mut text = String::new();
        let mut missing = None;
        for (i, k) in keys.iter().enumerate() {
            match store.get(k).await? {
                Some(part) => text.push_str(&part),
                None => {
                    missing = Some(i);
                    break;
                }
            }
        }
        let again = store.get(key).await?;
        if again == stored {
            return match missing {
                None => Ok(Some(text)),
                Some(i) => Err(VomoError::parse(key, format_args!("state chunk {i} of {} is missing", keys.len()))),
            };
        }
        stored = again;
    }
    Err(VomoError::new(
        ErrorKind::Busy,
        format!(
            "{key}: the stored value changed {READ_ATTEMPTS} times while it was read (another process is writing it); read it again later"
        ),
    ))
}

/// Pieces of at most `max` bytes, cut at character boundaries.
fn split_at_chars(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::memory::block_on;
    use super::super::memory::MemStore;
    use super::*;
    use std::cell::{Cell, RefCell};

    fn text(tag: &str, n: usize) -> String {
        (0..n).map(|i| format!("{tag}-{i:08}-é-abcdefghijklmnopqrstuvw\n")).collect()
    }

    /// Old -> new at every death point: the reader sees old or new; with an atomic batch
    /// store the same holds with fewer sets. Fails on the format-1 writer, which
    /// overwrote chunks in place (a death after chunk 0 read back chunk 0 new + chunk 1 old).
    #[test]
    fn a_death_after_any_set_leaves_old_or_new() {
        for atomic in [false, true] {
            let cases = [
                (text("a", 10), text("b", 8_000)),
                (text("a", 6_000), text("b", 9_000)),
                (text("a", 9_000), text("b", 3_000)),
                (text("a", 9_000), text("b", 5)),
            ];
            for (old, new) in &cases {
                for k in 0..20u64 {
                    let store = MemStore { atomic_batches: atomic, ..Default::default() };
                    block_on(write_chunked(&store, "k", old)).unwrap();
                    let kept_old_chunks = store.map.borrow().len();
                    store.sets_left.set(Some(k));
                    let wrote = block_on(write_chunked(&store, "k", new));
                    store.sets_left.set(None);
                    let read = block_on(read_chunked(&store, "k")).unwrap().unwrap();
                    assert!(read == *old || read == *new, "atomic={atomic} {}->{} death after set {k}: neither", old.len(), new.len());
                    if wrote.is_ok() {
                        assert_eq!(read, *new);
                        // The old generation's chunks are gone once the new header is in.
                        let live = store.map.borrow().len();
                        assert!(live <= new.len() / MAX_VALUE_BYTES + 2, "{live} keys left (was {kept_old_chunks})");
                    }
                }
            }
        }
    }

    #[test]
    fn values_never_exceed_the_limit_and_multibyte_text_survives() {
        let store = MemStore::default();
        let big = text("x", 20_000);
        block_on(write_chunked(&store, "k", &big)).unwrap();
        assert!(store.largest.get() <= MAX_VALUE_BYTES);
        assert_eq!(block_on(read_chunked(&store, "k")).unwrap().unwrap(), big);
        block_on(write_chunked(&store, "k", "small")).unwrap();
        assert_eq!(block_on(read_chunked(&store, "k")).unwrap().unwrap(), "small");
        assert_eq!(store.map.borrow().len(), 1, "only the inline header is left");
    }

    #[test]
    fn format_1_is_read_and_replaced() {
        let store = MemStore::default();
        let (a, b) = ("x".repeat(70_000), "y".repeat(50_000));
        block_on(store.set("k", r#"{"v":1,"chunks":2}"#)).unwrap();
        block_on(store.set("k.0", &a)).unwrap();
        block_on(store.set("k.1", &b)).unwrap();
        assert_eq!(block_on(read_chunked(&store, "k")).unwrap().unwrap(), format!("{a}{b}"));
        block_on(write_chunked(&store, "k", "new")).unwrap();
        assert_eq!(block_on(read_chunked(&store, "k")).unwrap().unwrap(), "new");
        assert!(!store.map.borrow().contains_key("k.0") && !store.map.borrow().contains_key("k.1"));
    }

    /// A store whose `trigger`-th `get` first lets other writers run (each `write_chunked`
    /// to completion): a reader that holds no lock, interleaved with saves.
    struct Interleaved<'a> {
        inner: &'a MemStore,
        gets: Cell<usize>,
        trigger: usize,
        writes: RefCell<Vec<String>>,
    }

    impl Store for Interleaved<'_> {
        async fn get(&self, key: &str) -> Result<Option<String>> {
            let n = self.gets.get() + 1;
            self.gets.set(n);
            if n == self.trigger {
                for text in self.writes.take() {
                    block_on(write_chunked(self.inner, "k", &text)).unwrap();
                }
            }
            self.inner.get(key).await
        }
        async fn set(&self, key: &str, value: &str) -> Result<()> {
            self.inner.set(key, value).await
        }
        async fn delete(&self, key: &str) -> Result<()> {
            self.inner.delete(key).await
        }
    }

    /// One, two or three saves landing before any `get` of a read (the header, a chunk, the
    /// header again), of chunked and inline values alike: the read gives exactly one value
    /// that was stored, never an error or a mixture. Before the header was read again, a save
    /// landing after the header made a chunk "missing" (a parse error), and two saves gave
    /// the old generation's first chunk joined to the newest one's second.
    #[test]
    fn a_read_interleaved_with_saves_gives_one_stored_value() {
        let values = [text("a", 9_000), text("b", 8_000), text("c", 9_500), "d".to_string(), text("e", 7_000)];
        for atomic in [false, true] {
            for writes in 1..=3usize {
                for first in 0..2 {
                    for trigger in 1..=6 {
                        let store = MemStore { atomic_batches: atomic, ..Default::default() };
                        block_on(write_chunked(&store, "k", &values[first])).unwrap();
                        let later: Vec<String> = values[first + 1..=first + writes].to_vec();
                        let reader = Interleaved { inner: &store, gets: Cell::new(0), trigger, writes: RefCell::new(later) };
                        let read = block_on(read_chunked(&reader, "k"))
                            .unwrap_or_else(|e| panic!("atomic={atomic} writes={writes} first={first} trigger={trigger}: {}", e.message))
                            .unwrap();
                        assert!(values.contains(&read), "atomic={atomic} writes={writes} first={first} trigger={trigger}: a mixture");
                        // Saves that landed during the read leave it reading the newest value; else it read the first.
                        let landed = reader.writes.borrow().is_empty();
                        let expected = if landed { &values[first + writes] } else { &values[first] };
                        assert!(read == *expected, "atomic={atomic} writes={writes} first={first} trigger={trigger} landed={landed}");
                    }
                }
            }
        }
    }

    /// A writer that saves before every `get` forever: the reader gives up with `busy`.
    #[test]
    fn a_value_that_never_stops_changing_is_busy() {
        struct Restless<'a>(&'a MemStore, Cell<u32>);
        impl Store for Restless<'_> {
            async fn get(&self, key: &str) -> Result<Option<String>> {
                self.1.set(self.1.get() + 1);
                block_on(write_chunked(self.0, "k", &text(&self.1.get().to_string(), 9_000))).unwrap();
                self.0.get(key).await
            }
            async fn set(&self, key: &str, value: &str) -> Result<()> {
                self.0.set(key, value).await
            }
        }
        let store = MemStore::default();
        let e = block_on(read_chunked(&Restless(&store, Cell::new(0)), "k")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Busy);
        assert!(e.message.contains("changed 8 times while it was read"), "{}", e.message);
    }

    #[test]
    fn a_newer_format_is_refused() {
        let store = MemStore::default();
        block_on(store.set("k", r#"{"v":3,"gen":1,"chunks":1}"#)).unwrap();
        let e = block_on(read_chunked(&store, "k")).unwrap_err();
        assert!(e.message.contains("newer"), "{}", e.message);
    }
}
