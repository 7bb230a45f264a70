//! The poller's durable state in a plain key-value store: string values of at most
//! 100 KiB (Durable Object and browser storage limits), split across keys as needed and
//! versioned. The lease that keeps two polls of one customer apart is in `lease.rs`.

use crate::error::{Result, VomoError};
use serde::{Deserialize, Serialize};

/// A key-value store: `get` returns `None` for a key never set. Sync or async in JS.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, key: &str) -> Result<Option<String>>;
    async fn set(&self, key: &str, value: &str) -> Result<()>;
}

/// The largest value written under one key, in characters (all values are ASCII JSON,
/// so characters, UTF-16 units and bytes agree).
pub const MAX_VALUE_CHARS: usize = 100 * 1024;

/// Format version of everything the poller writes; a later release reads older versions.
pub const STATE_VERSION: u32 = 1;

/// Keys of one customer: `vomo-users/v1/<customer>/<name>`.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(customer_id: &str) -> Self {
        Keys { prefix: format!("vomo-users/v{STATE_VERSION}/{customer_id}/") }
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

#[derive(Serialize, Deserialize)]
struct ChunkHeader {
    v: u32,
    chunks: usize,
}

/// Writes `text` under `key`, split into chunks `key.0`, `key.1`, ...; the header under
/// `key` is written last, so a reader never sees a half-written set of chunks as whole.
pub async fn write_chunked<S: Store>(store: &S, key: &str, text: &str) -> Result<()> {
    let chunks = split_chars(text, MAX_VALUE_CHARS - 64);
    for (i, chunk) in chunks.iter().enumerate() {
        store.set(&format!("{key}.{i}"), chunk).await?;
    }
    let header = serde_json::to_string(&ChunkHeader { v: STATE_VERSION, chunks: chunks.len() }).unwrap_or_default();
    store.set(key, &header).await
}

/// Reads what [`write_chunked`] wrote; `None` when nothing was written yet.
pub async fn read_chunked<S: Store>(store: &S, key: &str) -> Result<Option<String>> {
    let Some(header) = store.get(key).await? else { return Ok(None) };
    let header: ChunkHeader = serde_json::from_str(&header)
        .map_err(|e| VomoError::parse(key, format_args!("unreadable state header ({e})")))?;
    if header.v > STATE_VERSION {
        return Err(VomoError::parse(key, format_args!("state version {} is newer than this release reads ({STATE_VERSION})", header.v)));
    }
    let mut text = String::new();
    for i in 0..header.chunks {
        let part = store.get(&format!("{key}.{i}")).await?
            .ok_or_else(|| VomoError::parse(key, format_args!("state chunk {i} of {} is missing", header.chunks)))?;
        text.push_str(&part);
    }
    Ok(Some(text))
}

fn split_chars(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let cut = rest.char_indices().nth(max).map(|(i, _)| i).unwrap_or(rest.len());
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
pub mod memory {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// An in-memory store for tests; records the largest value ever written.
    #[derive(Default)]
    pub struct MemStore {
        pub map: RefCell<HashMap<String, String>>,
        pub largest: RefCell<usize>,
    }

    impl Store for MemStore {
        async fn get(&self, key: &str) -> Result<Option<String>> {
            Ok(self.map.borrow().get(key).cloned())
        }
        async fn set(&self, key: &str, value: &str) -> Result<()> {
            let mut l = self.largest.borrow_mut();
            *l = (*l).max(value.len());
            self.map.borrow_mut().insert(key.to_string(), value.to_string());
            Ok(())
        }
    }
}
