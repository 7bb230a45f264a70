//! A reader that holds no lease (`reconcile()`, run by an operator while a `poll --every`
//! service polls the same customer) loads the poller's state while another instance saves
//! it. Each case lets one, two or three complete saves land just before one chosen `get` of
//! the load, for every `get` the load makes: `PollerState::load_unleased` must give a state
//! that knows every id saved before it started and no id never stored, never an error. The
//! same interleavings make the plain `PollerState::load` (for a poll, which holds the lease)
//! fail, so the cases do reach the window. The last test does the same with a forget
//! (`UserPoller.forget`), whole or stopped after each of its writes.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use support::{block_on, Dying, DyingDeleting, Map};
use vomo_users::poller::{Keys, PollerState};
use vomo_users::store::Store;
use vomo_users::Result;

/// A store over a shared map, with `delete` (so a save removes what it no longer names).
struct Shared(Map);

impl Store for Shared {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.0.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0.borrow_mut().insert(key.to_string(), value.to_string());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.0.borrow_mut().remove(key);
        Ok(())
    }
}

/// The reader's store: its `trigger`-th `get` first runs `saves` (each a whole save of the
/// writer), then answers from the map as it is then.
struct Interleaved<'a> {
    map: Map,
    gets: Cell<usize>,
    trigger: usize,
    saves: &'a dyn Fn(),
    fired: Cell<bool>,
}

impl Store for Interleaved<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let n = self.gets.get() + 1;
        self.gets.set(n);
        if n == self.trigger {
            (self.saves)();
            self.fired.set(true);
        }
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn set(&self, _: &str, _: &str) -> Result<()> {
        panic!("a reader never writes");
    }
}

const MS: i64 = 1_700_000_000_000;
/// Ids noted before the reader starts: bucket 0 of the known ids spans two chunks.
fn first_ids() -> Vec<i64> {
    (1..=6_000).map(|i| 1_000_000_000_000 + i * 16).collect()
}
/// The ids the writer's `round`-th save delivers (1,500 a round, so the log outgrows the
/// buckets every few rounds and a save compacts it, deleting its segments).
fn round_ids(round: usize) -> Vec<i64> {
    (0..1_500).map(|i| 2_000_000_000_000 + (round as i64 * 1_500 + i) * 16).collect()
}

/// A store holding `first_ids` and three rounds of deliveries (a log of several segments).
fn setup() -> (Map, usize) {
    let map: Map = Default::default();
    let store = Shared(map.clone());
    let keys = Keys::new("acme");
    let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
    for id in first_ids() {
        state.note_id(id);
    }
    block_on(state.save(&store, &keys)).unwrap();
    for round in 0..3 {
        for id in round_ids(round) {
            block_on(state.mark_delivered(&store, &keys, id, MS)).unwrap();
        }
        block_on(state.save(&store, &keys)).unwrap();
    }
    (map, 3)
}

#[test]
fn a_load_without_the_lease_beside_saves_knows_everything_saved_before_it() {
    let keys = Keys::new("acme");
    let (base, done) = setup();
    let known_before: Vec<i64> = first_ids().into_iter().chain((0..done).flat_map(round_ids)).collect();
    let mut plain_failures = 0;
    let mut cases = 0;
    for saves in 1..=3usize {
        for unleased in [true, false] {
            for trigger in 1.. {
                let map: Map = Rc::new(RefCell::new(base.borrow().clone()));
                let writer_store = Shared(map.clone());
                let writer = RefCell::new(block_on(PollerState::load(&writer_store, &keys)).unwrap());
                let next_round = Cell::new(done);
                let run_saves = || {
                    let mut w = writer.borrow_mut();
                    for _ in 0..saves {
                        for id in round_ids(next_round.get()) {
                            block_on(w.mark_delivered(&writer_store, &keys, id, MS)).unwrap();
                        }
                        block_on(w.save(&writer_store, &keys)).unwrap();
                        next_round.set(next_round.get() + 1);
                    }
                };
                let reader = Interleaved { map: map.clone(), gets: Cell::new(0), trigger, saves: &run_saves, fired: Cell::new(false) };
                let loaded = if unleased {
                    block_on(PollerState::load_unleased(&reader, &keys, 0.0))
                } else {
                    block_on(PollerState::load(&reader, &keys))
                };
                if !reader.fired.get() {
                    break; // the load made fewer gets than `trigger`: every position was tried
                }
                cases += 1;
                let state = match loaded {
                    Ok(state) => state,
                    Err(e) if !unleased => {
                        plain_failures += 1;
                        assert!(e.message.contains("missing"), "{}", e.message);
                        continue;
                    }
                    Err(e) => panic!("{saves} saves before get {trigger}: {:?} {}", e.kind, e.message),
                };
                let known: BTreeSet<i64> = state.known_ids().into_iter().collect();
                for id in &known_before {
                    assert!(known.contains(id), "{saves} saves before get {trigger}: #{id} forgotten (unleased={unleased})");
                }
                let stored: BTreeSet<i64> = known_before.iter().copied().chain((done..next_round.get()).flat_map(round_ids)).collect();
                assert!(known.is_subset(&stored), "{saves} saves before get {trigger}: an id never stored");
            }
        }
    }
    eprintln!("{cases} interleavings; the plain load failed {plain_failures} of them");
    assert!(cases > 100, "{cases} interleavings");
    assert!(plain_failures > 0, "the interleavings never reached the window that the plain load cannot stand");
}

/// `reconcile()` beside `UserPoller.forget`: a forget (complete, or stopped after each of its
/// writes, holding its lease) lands just before each `get` of the reader's load. The load
/// gives the whole state or none of it, or is refused with `busy`; never some of the ids
/// (a forget removes `state` last, so comparing `state` before and after cannot see it).
#[test]
fn a_load_without_the_lease_beside_a_forget_gives_all_or_nothing() {
    const NOW: f64 = 1_800_000_000_000.0;
    let keys = Keys::new("acme");
    // A smaller state than `setup`'s (each case loads it once): 300 ids noted, then two saves
    // of 100 deliveries each, so the known log has segments.
    let base: Map = Default::default();
    let all: BTreeSet<i64> = {
        let store = Shared(base.clone());
        let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
        let ids: Vec<i64> = (1..=500).map(|i| 1_000_000_000_000 + i * 16).collect();
        for &id in &ids[..300] {
            state.note_id(id);
        }
        block_on(state.save(&store, &keys)).unwrap();
        for round in ids[300..].chunks(100) {
            for &id in round {
                block_on(state.mark_delivered(&store, &keys, id, MS)).unwrap();
            }
            block_on(state.save(&store, &keys)).unwrap();
        }
        assert!(base.borrow().keys().any(|k| k.contains("/known-log/")), "the known log has segments");
        ids.into_iter().collect()
    };
    // The writes of a whole forget.
    let whole = {
        let store = DyingDeleting(Dying::new(&Rc::new(RefCell::new(base.borrow().clone())), 1_000_000));
        assert!(block_on(vomo_users::poller::forget_state(&store, "acme", "1", NOW)).unwrap());
        1_000_000 - store.0.left.get()
    };
    assert!(whole > 20, "{whole} writes");
    let (mut cases, mut busy, mut none) = (0, 0, 0);
    for writes in 0..=whole {
        for trigger in 1.. {
            let map: Map = Rc::new(RefCell::new(base.borrow().clone()));
            let forget = || {
                let store = DyingDeleting(Dying::new(&map, writes));
                let _ = block_on(vomo_users::poller::forget_state(&store, "acme", "1", NOW));
            };
            let reader = Interleaved { map: map.clone(), gets: Cell::new(0), trigger, saves: &forget, fired: Cell::new(false) };
            let loaded = block_on(PollerState::load_unleased(&reader, &keys, NOW + 1_000.0));
            if !reader.fired.get() {
                break; // every position of the load was tried
            }
            cases += 1;
            match loaded {
                Err(e) => {
                    assert_eq!(e.kind, vomo_users::ErrorKind::Busy, "{writes} writes before get {trigger}: {}", e.message);
                    assert!(e.message.contains("UserPoller.forget"), "{}", e.message);
                    busy += 1;
                }
                Ok(state) => {
                    let known: BTreeSet<i64> = state.known_ids().into_iter().collect();
                    none += usize::from(known.is_empty());
                    assert!(
                        known.is_empty() || known == all,
                        "{writes} writes of the forget before get {trigger}: {} of {} ids",
                        known.len(),
                        all.len()
                    );
                }
            }
        }
    }
    eprintln!("{cases} interleavings over {whole} writes: {busy} busy, {none} loaded nothing");
    assert!(busy > 0 && none > 0, "both outcomes reached");
}
