//! Store bytes written by a first backfill, against the final state size: the real poller
//! against the simulation's in-process fake VOMO server (tests/support), no faults, 15 users
//! per page (the platform's fixed page size).
//!
//! `cargo run --release --example store_bytes [USERS...]` (default: 3000 12000 50000).
//! Prints one line per size; asserts nothing (see BENCHMARKS.md for the figures).

#[path = "../tests/support/mod.rs"]
mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use support::{block_on, floor_s, SimHandlers, SimRuntime, SimStore, World, WorldConfig};
use vomo_users::client::{Client, ClientConfig, Rate};
use vomo_users::poller::{Poller, PollerConfig};
use vomo_users::poller::Store;

/// 2025-03-01T00:00:00Z.
const START_MS: i64 = 1_740_787_200_000;

/// Counts every byte handed to `set` (values only; keys are short and few).
#[derive(Clone)]
struct Counting {
    inner: SimStore,
    bytes: Rc<Cell<u64>>,
    sets: Rc<Cell<u64>>,
}

impl Store for Counting {
    async fn get(&self, key: &str) -> vomo_users::Result<Option<String>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> vomo_users::Result<()> {
        self.bytes.set(self.bytes.get() + value.len() as u64);
        self.sets.set(self.sets.get() + 1);
        self.inner.set(key, value).await
    }
}

/// Seeds `n` users, then polls until a poll completes. Returns (bytes written, sets,
/// final state bytes, polls, pages requested, seconds).
fn backfill(n: i64) -> (u64, u64, u64, u32, u64, f64) {
    let cfg = WorldConfig { per_page: 15, latency_ms: (20, 40), ..Default::default() };
    let mut world = World::new(cfg, 7, START_MS);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..n {
        // A spread of creation and update times over the past year (seeded, repeatable).
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let back = (state >> 20) as i64 % (365 * 86_400_000);
        let created = floor_s(START_MS - 60_000 - back);
        let updated = floor_s(created + (state >> 40) as i64 % (back + 1));
        world.seed_user(created, updated.min(START_MS - 60_000));
    }
    world.mutating = false;
    let w = Rc::new(std::cell::RefCell::new(world));
    let store = Counting { inner: SimStore::new(w.clone()), bytes: Rc::new(Cell::new(0)), sets: Rc::new(Cell::new(0)) };
    let client = Client::new(
        ClientConfig { base_url: "https://api.vomo.test/v1".into(), rate: Rate::Fixed(1000.0), ..ClientConfig::new("bench-token-0123456789") },
        SimRuntime(w.clone()),
    )
    .expect("client");
    let poller = Poller::new(Rc::new(client), store.clone(), SimHandlers(w.clone()), PollerConfig::new("bench", "bench")).expect("poller");
    let t0 = Instant::now();
    let mut polls = 0;
    loop {
        polls += 1;
        let report = block_on(poller.poll(None, &())).expect("poll");
        if report.complete {
            break;
        }
        assert!(polls < 1000, "the backfill never completed");
    }
    let secs = t0.elapsed().as_secs_f64();
    let delivered = w.borrow().completed.len() as i64;
    assert_eq!(delivered, n, "every user delivered once");
    let final_bytes: u64 = store.inner.snapshot().values().map(|v| v.len() as u64).sum();
    let pages = w.borrow().c.list_requests;
    (store.bytes.get(), store.sets.get(), final_bytes, polls, pages, secs)
}

fn main() {
    let sizes: Vec<i64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![3_000, 12_000, 50_000] } else { sizes };
    println!("store bytes written by a first backfill (15 users per page, no faults)");
    println!("{:>8} {:>14} {:>10} {:>13} {:>8} {:>7} {:>7} {:>8}", "users", "bytes written", "sets", "final state", "ratio", "polls", "pages", "seconds");
    for n in sizes {
        let (bytes, sets, final_bytes, polls, pages, secs) = backfill(n);
        println!(
            "{n:>8} {bytes:>14} {sets:>10} {final_bytes:>13} {:>7.1}x {polls:>7} {pages:>7} {secs:>8.1}",
            bytes as f64 / final_bytes.max(1) as f64
        );
    }
}
