//! An in-memory store for unit tests: records the largest value written and every `set`,
//! and can die after its n-th `set` (later sets fail and are never applied).

use super::Store;
use crate::error::{ErrorKind, Result, VomoError};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

#[derive(Default)]
pub struct MemStore {
    pub map: RefCell<BTreeMap<String, String>>,
    pub largest: Cell<usize>,
    pub bytes_written: Cell<usize>,
    /// Sets left before the process dies; `None`: never.
    pub sets_left: Cell<Option<u64>>,
    /// Whether `set_many` is atomic (like Durable Object storage `put(object)`).
    pub atomic_batches: bool,
    /// Whether it has compare-and-set (`Store::set_if`, like `FileStore`).
    pub compare_and_set: bool,
}

impl MemStore {
    pub fn died(&self) -> bool {
        self.sets_left.get() == Some(0)
    }

    fn spend(&self) -> Result<()> {
        match self.sets_left.get() {
            Some(0) => Err(VomoError::new(ErrorKind::Network, "the process died")),
            Some(n) => {
                self.sets_left.set(Some(n - 1));
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl Store for MemStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.spend()?;
        self.largest.set(self.largest.get().max(value.len()));
        self.bytes_written.set(self.bytes_written.get() + value.len());
        self.map.borrow_mut().insert(key.to_string(), value.to_string());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    async fn set_if(&self, key: &str, expected: Option<&str>, value: &str) -> Result<Option<bool>> {
        if !self.compare_and_set {
            return Ok(None);
        }
        if self.map.borrow().get(key).map(String::as_str) != expected {
            return Ok(Some(false));
        }
        self.set(key, value).await.map(|()| Some(true))
    }
    fn atomic_batch_limit(&self) -> usize {
        if self.atomic_batches {
            128
        } else {
            0
        }
    }
    async fn set_many(&self, entries: &[(String, String)]) -> Result<()> {
        if !self.atomic_batches {
            for (k, v) in entries {
                self.set(k, v).await?;
            }
            return Ok(());
        }
        self.spend()?; // one atomic write: all entries land, or none
        for (k, v) in entries {
            self.largest.set(self.largest.get().max(v.len()));
            self.bytes_written.set(self.bytes_written.get() + v.len());
            self.map.borrow_mut().insert(k.clone(), v.clone());
        }
        Ok(())
    }
}

/// Runs a future whose awaits never really wait (every store here answers at once).
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}
