//! Stores for crash tests: one whose process dies after a number of writes.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use vomo_users::store::Store;
use vomo_users::{ErrorKind, Result, VomoError};

pub type Map = Rc<RefCell<BTreeMap<String, String>>>;

/// A store over `map` whose process dies after `limit` sets: from then on nothing it is
/// asked to write lands (each later call fails, as the dead process never made it).
pub struct Dying {
    pub map: Map,
    pub left: Cell<u64>,
}

impl Dying {
    pub fn new(map: &Map, limit: u64) -> Dying {
        Dying { map: map.clone(), left: Cell::new(limit) }
    }
    pub fn healthy(map: &Map) -> Dying {
        Dying::new(map, u64::MAX)
    }
    pub fn died(&self) -> bool {
        self.left.get() == 0
    }
    pub fn spend(&self) -> Result<()> {
        match self.left.get() {
            0 => Err(VomoError::new(ErrorKind::Network, "the process died")),
            n => {
                self.left.set(n.saturating_sub(1).max(if n == u64::MAX { u64::MAX } else { 0 }));
                Ok(())
            }
        }
    }
}

impl Store for Dying {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.spend()?;
        self.map.borrow_mut().insert(key.to_string(), value.to_string());
        Ok(())
    }
}

/// [`Dying`] with a `delete` (each delete counts as a write the death stops too).
pub struct DyingDeleting(pub Dying);

impl Store for DyingDeleting {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.0.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0.set(key, value).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.0.spend()?;
        self.0.map.borrow_mut().remove(key);
        Ok(())
    }
}
