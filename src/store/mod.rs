//! The key-value store behind the poller and the import: the `Store` trait a host
//! implements (JS: `{ get, set }`, optionally `delete` and an atomic `setMany`), the key
//! layout, values of any size written crash-safely across 100 KiB chunks (`chunked`), and
//! append-only segment logs that keep write costs linear (`log`), removed for good across a
//! death (`log_removal`).
//!
//! Hand-rolled on purpose: the only contract is a JS object's `get`/`set` (sync or async,
//! `delete` and `setMany` optional), with no transactions, listing or compare-and-set, and
//! the code runs in WebAssembly. Embedded stores (sled, redb, an LSM crate) assume a file
//! system or their own storage engine; what is needed here is small (two alternating chunk
//! generations behind one header key, and a tiered segment list) and is tested at every
//! death point (`tests/store_crash.rs`, the simulation).

pub mod bound_api;
mod chunked;
pub(crate) mod keys;
pub mod lease;
pub mod log;
pub mod log_removal;
#[cfg(test)]
pub mod memory;

pub use chunked::{delete_chunked, delete_unnamed, read_chunked, write_chunked, READ_ATTEMPTS};
pub use keys::Keys;

use crate::error::Result;

/// serde's `skip_serializing_if` for a stored number that is left out of the text while 0 (the
/// stored formats' one rule for it: an older release reads the field's absence as 0).
pub(crate) fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// A key-value store: `get` returns `None` for a key never set. Sync or async in JS.
///
/// `set` must be atomic per key (a reader, and a restart after a crash, sees the old value
/// or the new one); nothing else is assumed. `delete` and `set_many` are optional: without
/// `delete`, keys no longer used keep their last value (the layout reuses keys, so they stay
/// bounded); without an atomic `set_many`, the generation scheme of [`write_chunked`] alone
/// keeps every write crash-safe.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// The value of `key`, `None` when it was never set (or was deleted).
    async fn get(&self, key: &str) -> Result<Option<String>>;
    /// Writes `value` under `key`, atomically (the old value or the new one, never a mix).
    async fn set(&self, key: &str, value: &str) -> Result<()>;

    /// Removes a key, where the store can; the default keeps it (garbage, never read).
    async fn delete(&self, _key: &str) -> Result<()> {
        Ok(())
    }

    /// The most entries [`Store::set_many`] writes atomically; 0 when it cannot (the default).
    fn atomic_batch_limit(&self) -> usize {
        0
    }

    /// Compare-and-set, where the store has it: writes `value` under `key` only if the value
    /// stored there is `expected` (`None`: no value), as one step no other writer can come
    /// between; `Some(true)` when it wrote, `Some(false)` when the stored value differed.
    /// `None` (the default) when the store cannot: the lease then writes and reads back
    /// (`lease.rs`), which two processes starting at the same moment can both pass.
    async fn set_if(&self, _key: &str, _expected: Option<&str>, _value: &str) -> Result<Option<bool>> {
        Ok(None)
    }

    /// The process a lease is taken in, as text this store can later judge with
    /// [`Store::lease_holder_gone`] (`FileStore`: its host, PID and start time). `None` (the
    /// default) when the store cannot tell whether a holder is gone: a killed run's lease is
    /// then waited out (`lease.rs`).
    async fn lease_holder(&self) -> Result<Option<String>> {
        Ok(None)
    }

    /// Whether the holder named by `holder` (what [`Store::lease_holder`] gave, in another
    /// run) is known to be gone: `Some(true)` lets its lease be taken over at once, before it
    /// expires; `Some(false)` (alive) and `None` (cannot tell: the default) leave it to expire.
    async fn lease_holder_gone(&self, _holder: &str) -> Result<Option<bool>> {
        Ok(None)
    }

    /// Writes every entry, all or none when `entries.len() <= atomic_batch_limit()`. The
    /// default writes them one by one, in order.
    async fn set_many(&self, entries: &[(String, String)]) -> Result<()> {
        for (key, value) in entries {
            self.set(key, value).await?;
        }
        Ok(())
    }
}

/// The largest value written under one key, in UTF-8 bytes (Durable Object values are
/// limited to 128 KiB, browser storage counts UTF-16 units, never more than bytes).
pub const MAX_VALUE_BYTES: usize = 100 * 1024;

/// Format version of everything the store module writes (chunk headers, logs, the
/// poller's core state); a later release reads older versions, and refuses newer ones.
/// 1: chunks `key.0..N` overwritten in place. 2: generation slots, inline small values,
/// append-only logs.
pub const STATE_VERSION: u32 = 2;
