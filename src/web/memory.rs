//! In-memory [`Store`] and [`Mapping`] for Rust apps that keep no state between runs
//! (tests, a browser tab, one-off imports). Durable state means implementing the two
//! traits over real storage (a Durable Object's, IndexedDB, ...).

use crate::error::Result;
use crate::import::{MappedUser, Mapping};
use crate::poller::Store;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A key-value [`Store`] in a `HashMap`.
///
/// A clone is another handle on the same map, not a copy: what one writes, every clone
/// reads. [`Poller::new`](crate::poller::Poller::new) takes its store by value, so give it a
/// clone and keep one to share with an import or to look into (as a handle on real storage
/// would be shared).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    map: Rc<RefCell<HashMap<String, String>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys written.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    /// Whether no key was written yet.
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.map.borrow_mut().insert(key.to_string(), value.to_string());
        Ok(())
    }
}

/// An external-id [`Mapping`] in a `HashMap`.
///
/// A clone is another handle on the same map, not a copy, as [`MemoryStore`]'s is.
#[derive(Debug, Default, Clone)]
pub struct MemoryMapping {
    map: Rc<RefCell<HashMap<String, MappedUser>>>,
}

impl MemoryMapping {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// What the mapping holds for an external id.
    pub fn lookup(&self, external_id: &str) -> Option<MappedUser> {
        self.map.borrow().get(external_id).cloned()
    }
}

impl Mapping for MemoryMapping {
    async fn get(&self, external_id: &str) -> Result<Option<MappedUser>> {
        Ok(self.lookup(external_id))
    }
    async fn set(&self, external_id: &str, value: &MappedUser) -> Result<()> {
        self.map.borrow_mut().insert(external_id.to_string(), value.clone());
        Ok(())
    }
}
