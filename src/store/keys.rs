//! Where things live in a store. Every key starts `vomo-users/v1/`: the `v1` names the key
//! layout, which has not changed since the first release (the value formats carry their
//! own version, `STATE_VERSION`), so stores written by earlier releases are read in place.

/// The keys of one customer's poller state (`vomo-users/v1/<customer>/<name>`) or of one
/// resumable import (`vomo-users/v1/import/<key>`).
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

const ROOT: &str = "vomo-users/v1/";

/// The name under the root that holds every import's keys, so no customer may take it.
pub const IMPORTS: &str = "import";

impl Keys {
    /// A poller's keys; `customer_id` holds no `/` (the poller checks).
    pub fn new(customer_id: &str) -> Self {
        Keys { prefix: format!("{ROOT}{customer_id}/") }
    }

    /// The key of an import's progress, named by the caller's `key` (which holds no `/`: the
    /// import checks), under which its lease and log live too.
    pub fn import(key: &str) -> String {
        format!("{ROOT}{IMPORTS}/{}", key.trim())
    }

    /// The lease of the imports that use an external-id mapping in a store (one at a time:
    /// `import::import_roster`). No `/` after the root: no customer's key (`<customer>/<name>`)
    /// and no import's (`import/<key>`) can be it.
    pub fn mapping_lease() -> String {
        format!("{ROOT}mapping-lease")
    }

    /// The store key of `name` under this prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}
