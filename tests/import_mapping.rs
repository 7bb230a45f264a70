//! importRoster with a mapping, at two sizes ten times apart: records whose email changed are
//! held (`email_changed`), records taking an email another record left are held too (they
//! would update the leaver's VOMO user), and the mapping is read once per record sent, not
//! once per pair. Counts, not timings, against the in-process simulated API.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use support::{block_on, sim_client, SimStore};
use vomo_users::client::UpsertInput;
use vomo_users::import::{import_roster, ImportOptions, MappedUser, Mapping, RosterRecord};
use vomo_users::Result;

#[derive(Default)]
struct CountingMapping {
    map: RefCell<HashMap<String, MappedUser>>,
    gets: Cell<usize>,
}

impl Mapping for CountingMapping {
    async fn get(&self, external_id: &str) -> Result<Option<MappedUser>> {
        self.gets.set(self.gets.get() + 1);
        Ok(self.map.borrow().get(external_id).cloned())
    }
    async fn set(&self, external_id: &str, value: &MappedUser) -> Result<()> {
        self.map.borrow_mut().insert(external_id.to_string(), value.clone());
        Ok(())
    }
}

fn record(external_id: &str, email: &str) -> RosterRecord {
    RosterRecord {
        line: None,
        external_id: Some(external_id.into()),
        input: UpsertInput { first_name: Some("F".into()), last_name: Some("L".into()), email: Some(email.into()), ..Default::default() },
    }
}

/// Imports `n` records, then a roster where every 20th moved to a new email and a newcomer
/// took each old one; checks the second run at that size.
fn email_moves(n: usize) {
    let (world, client) = sim_client(7);
    let mapping = CountingMapping::default();
    // The defaults are the JS options' (checkpoint every 50, the mapping's lease taken).
    let options = |store| ImportOptions::<SimStore, CountingMapping> {
        store,
        key: store.map(|_| "nightly".to_string()),
        mapping: Some(&mapping),
        ..Default::default()
    };
    let defaults = ImportOptions::<SimStore, CountingMapping>::default();
    assert_eq!((defaults.checkpoint_every, defaults.max_consecutive_failures, defaults.mapping_lease), (50, 5, true));
    let first: Vec<RosterRecord> = (0..n).map(|i| record(&format!("ext-{i}"), &format!("p{i}@example.org"))).collect();
    let r = block_on(import_roster(&client, &first, &options(None), &|_| {}, &())).unwrap();
    assert_eq!(r.created.len(), n);
    let users_before = world.borrow().users.clone();

    let movers: Vec<usize> = (0..n).step_by(20).collect();
    let mut second = first.clone();
    for &i in &movers {
        second[i] = record(&format!("ext-{i}"), &format!("moved{i}@example.org"));
        second.push(record(&format!("new-{i}"), &format!("p{i}@example.org")));
    }
    let upserts = world.borrow().c.upserts;
    mapping.gets.set(0);
    let store = SimStore::new(world.clone());
    store.flaky.set(false);
    let r = block_on(import_roster(&client, &second, &options(Some(&store)), &|_| {}, &())).unwrap();
    let sent = world.borrow().c.upserts - upserts;
    println!("{n} records, {} moved: {sent} sent, {} mapping reads", movers.len(), mapping.gets.get());
    assert_eq!(r.email_changed.len(), movers.len());
    assert_eq!(r.updated.len(), n - movers.len());
    assert_eq!(r.created.len(), 0, "no newcomer was sent");
    assert_eq!(r.failed.len(), movers.len());
    for (f, &i) in r.failed.iter().zip(&movers) {
        assert_eq!(f.external_id.as_deref(), Some(format!("new-{i}").as_str()));
        assert_eq!(f.error.kind, "invalid_input");
        assert!(
            f.error.message.starts_with(&format!("p{i}@example.org was the email of external id ext-{i} (VOMO user ")),
            "{}",
            f.error.message
        );
    }
    assert_eq!(sent as usize, n - movers.len(), "only the records that neither moved nor took a moved email");
    assert_eq!(mapping.gets.get(), second.len(), "one mapping read per record, whatever the roster's size");
    let users_after = world.borrow().users.clone();
    assert_eq!(users_after.len(), users_before.len(), "no user created");
    for &i in &movers {
        let id = mapping.map.borrow()[&format!("ext-{i}")].vomo_user_id;
        assert_eq!(users_after[&id].email, format!("p{i}@example.org"), "the mover's user kept its email");
        assert_eq!(users_after[&id].updated_ms, users_before[&id].updated_ms, "and was not written");
        assert!(!mapping.map.borrow().contains_key(&format!("new-{i}")), "the newcomer is not mapped to it");
    }

    // A rerun with the same key: the held records are worked out again (still held), nothing
    // else is sent, and the mapping is read only for the records still to send.
    mapping.gets.set(0);
    let upserts = world.borrow().c.upserts;
    let r = block_on(import_roster(&client, &second, &options(Some(&store)), &|_| {}, &())).unwrap();
    assert_eq!(world.borrow().c.upserts, upserts, "nothing sent again");
    assert_eq!((r.email_changed.len(), r.failed.len()), (movers.len(), movers.len()));
    assert_eq!(mapping.gets.get(), 2 * movers.len(), "read only for the records not settled");
}

#[test]
fn email_moves_are_held_at_one_size_and_ten_times_it() {
    email_moves(400);
    email_moves(4_000);
}
