//! Which records an import's runs may have sent without their answer being saved, for the next
//! run with the key: an `updated` answer to such a record, sent again, may be that earlier
//! attempt's own create (`ImportedUser::uncertain`, docs/import.md).
//!
//! Kept by the record's identity (its external id, else its email: what recognizes a record
//! across runs), hashed to 64 bits (FNV-1a, as the record keys' digests), so that a roster
//! reordered between runs, or with rows added before the cut, is judged as the same roster is.
//! The progress log's header carries the set at each save: the records this run sent without
//! an answer, those an earlier run left so that this run has not answered yet, and the
//! `checkpointEvery` records the run sends before its next save (a crash between two saves).
//! About 19 bytes of header per record; past [`MAX_IDS`] the set becomes "every record not
//! settled" (more updates marked than need be, none missed), which a run that walks its whole
//! roster clears.

use std::hash::Hasher;

/// The most records kept one by one (about 38 KB of header).
pub(super) const MAX_IDS: usize = 2000;

/// A set of records by identity, or every record not settled. The ids are a sorted `Vec`
/// (a `BTreeSet<u64>` measured 5.0 KiB more of the `.wasm`, 2.7 KiB gzip).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct MaybeSent {
    all: bool,
    ids: Vec<u64>,
}

impl MaybeSent {
    /// The set's entry for a record's identity (`RecordKey::identity`).
    pub fn id_of(identity: &str) -> u64 {
        let mut hash = fnv::FnvHasher::default();
        hash.write(identity.as_bytes());
        hash.finish()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.all || self.ids.binary_search(&id).is_ok()
    }

    pub fn insert(&mut self, id: u64) {
        if !self.all {
            if let Err(at) = self.ids.binary_search(&id) {
                self.ids.insert(at, id);
            }
            if self.ids.len() > MAX_IDS {
                *self = MaybeSent { all: true, ids: Vec::new() };
            }
        }
    }

    /// An answer came for the record: its outcome is this run's to save.
    pub fn remove(&mut self, id: u64) {
        if let Ok(at) = self.ids.binary_search(&id) {
            self.ids.remove(at);
        }
    }

    /// This set and `more`.
    pub fn with(&self, more: &MaybeSent, ahead: impl IntoIterator<Item = u64>) -> MaybeSent {
        let mut union = self.clone();
        if more.all {
            union.all = true;
            union.ids.clear();
        }
        for id in more.ids.iter().copied().chain(ahead) {
            union.insert(id);
        }
        union
    }

    /// Its header fields: every record not settled, and the ids (16 hex digits each).
    pub fn to_header(&self) -> (bool, Vec<String>) {
        (self.all, self.ids.iter().map(|id| format!("{id:016x}")).collect())
    }

    /// From its header fields; an id that does not read (a foreign write) makes it "every
    /// record not settled": more marked than need be rather than one missed.
    pub fn from_header(all: bool, ids: &[String]) -> MaybeSent {
        let parsed: Option<Vec<u64>> = ids.iter().map(|h| u64::from_str_radix(h, 16).ok()).collect();
        match parsed {
            Some(mut ids) if !all => {
                ids.sort_unstable();
                ids.dedup();
                MaybeSent { all: false, ids }
            }
            _ => MaybeSent { all: true, ids: Vec::new() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_by_identity_round_tripped_through_the_header_and_past_the_cap_every_record() {
        let mut set = MaybeSent::default();
        assert_eq!(set.to_header(), (false, Vec::new()), "empty: no header fields");
        set.insert(MaybeSent::id_of("x:crm-1"));
        set.insert(u64::MAX);
        let (all, ids) = set.to_header();
        assert_eq!((all, ids.len(), ids[1].as_str()), (false, 2, "ffffffffffffffff"));
        let back = MaybeSent::from_header(all, &ids);
        assert_eq!(back, set);
        assert!(back.contains(MaybeSent::id_of("x:crm-1")) && !back.contains(MaybeSent::id_of("x:crm-2")));
        assert!(MaybeSent::from_header(false, &["zz".into()]).contains(7), "an unreadable id: every record");
        let mut big = MaybeSent::default();
        for id in 0..=MAX_IDS as u64 {
            big.insert(id);
        }
        assert!(big.contains(u64::MAX - 1) && big.to_header() == (true, Vec::new()), "past the cap: every record, no ids");
        assert!(set.with(&big, []).contains(12345));
        let mut less = set.with(&MaybeSent::default(), [9]);
        assert!(less.contains(9));
        less.remove(9);
        assert!(!less.contains(9));
    }
}
