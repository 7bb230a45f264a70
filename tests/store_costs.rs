//! Store writes grow linearly with the data (issue 9, item 5): a first backfill writes a
//! small multiple of its final state, whatever the size, and an import's progress saves
//! cost what settled since the last save. Byte counts, not timings. On the starting commit
//! (every dirty bucket rewritten per page, the whole import progress per checkpoint) the
//! backfill wrote 75x its final state at 3,000 users and 264x at 12,000.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::{backfill, block_on, sim_client, SimStore};
use vomo_users::client::UpsertInput;
use vomo_users::import::{import_roster, ImportOptions, MappedUser, Mapping, RosterRecord};
use vomo_users::Result;

#[test]
fn a_backfill_writes_a_bounded_multiple_of_its_final_state() {
    let small = backfill(1_500);
    let large = backfill(6_000);
    for (n, b) in [(1_500, &small), (6_000, &large)] {
        let ratio = b.bytes_written as f64 / b.final_bytes as f64;
        println!("{n} users: {} bytes written, final state {} bytes ({ratio:.1}x)", b.bytes_written, b.final_bytes);
        assert!(ratio <= 10.0, "{n} users: wrote {ratio:.1}x the final state");
    }
    // 4x the users: linear costs write ~4x the bytes, quadratic ones ~16x.
    let growth = large.bytes_written as f64 / small.bytes_written as f64;
    assert!(growth < 6.0, "4x the users wrote {growth:.1}x the bytes");
}

struct NoMapping;

impl Mapping for NoMapping {
    async fn get(&self, _: &str) -> Result<Option<MappedUser>> {
        Ok(None)
    }
    async fn set(&self, _: &str, _: &MappedUser) -> Result<()> {
        Ok(())
    }
}

/// Bytes an import of `n` records writes (checkpoint every 10), and its final size.
fn import_bytes(n: usize) -> (u64, u64) {
    let (world, client) = sim_client(3);
    let store = support::Counting { inner: SimStore::new(world.clone()), bytes: Rc::new(Cell::new(0)), sets: Rc::new(Cell::new(0)) };
    let records: Vec<RosterRecord> = (0..n)
        .map(|i| RosterRecord {
            line: None,
            external_id: Some(format!("ext-{i}")),
            input: UpsertInput {
                first_name: Some("F".into()),
                last_name: Some("L".into()),
                email: Some(format!("p{i}@example.org")),
                ..Default::default()
            },
        })
        .collect();
    let options = ImportOptions::<support::Counting, NoMapping> {
        store: Some(&store),
        key: Some("costs".into()),
        checkpoint_every: 10,
        max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
        mapping: None,
        previous_base_url: None,
        mapping_lease: true,
    };
    let r = block_on(import_roster(&client, &records, &options, &|_| {}, &())).unwrap();
    assert_eq!(r.created.len(), n);
    let final_bytes = store.inner.snapshot().values().map(|v| v.len() as u64).sum();
    (store.bytes.get(), final_bytes)
}

#[test]
fn import_progress_writes_what_settled_since_the_last_save() {
    let (small, small_final) = import_bytes(500);
    let (large, large_final) = import_bytes(2_000);
    println!("500 records: {small} bytes written ({small_final} kept); 2,000: {large} ({large_final} kept)");
    // The whole progress per checkpoint would write ~n/20 times the final size (100x at 2,000).
    assert!(large as f64 <= 6.0 * large_final as f64, "2,000 records wrote {large} bytes for {large_final} kept");
    let growth = large as f64 / small as f64;
    assert!(growth < 6.0, "4x the records wrote {growth:.1}x the bytes");
}
