//! A process that dies after ANY single store `set` must reload either the old or the new
//! value, at every layer that writes: one chunked value, the poller's state, the import's
//! progress. Each test replays a write with a store that dies after its k-th `set` (later
//! sets are never applied), for every k until the write completes, then reloads from what
//! the dead store kept.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use support::{block_on, sim_client, Dying, DyingDeleting, Map, SimHandlers, SimRuntime, World, WorldConfig};
use vomo_users::client::{Client, ClientConfig, Rate, UpsertInput};
use vomo_users::import::{import_roster, ImportOptions, MappedUser, Mapping, RosterRecord};
use vomo_users::poller::{Keys, ParticipationMode, Poller, PollerConfig, PollerState};
use vomo_users::store::lease::{acquire, Holder, LEASE_MS};
use vomo_users::store::{read_chunked, write_chunked, Store};
use vomo_users::{ErrorKind, Result};

fn copy(map: &Map) -> Map {
    Rc::new(RefCell::new(map.borrow().clone()))
}

/// `n` lines of ASCII text, `tag` in every line: about `n * 40` bytes.
fn text(tag: &str, n: usize) -> String {
    (0..n).map(|i| format!("{tag}-{i:08}-abcdefghijklmnopqrstuvw\n")).collect()
}

#[test]
fn a_chunked_value_reloads_old_or_new_after_a_death_at_any_set() {
    // small -> large, large -> larger, large -> smaller, large -> small
    let cases = [
        (text("a", 10), text("b", 8_000)),
        (text("a", 6_000), text("b", 9_000)),
        (text("a", 9_000), text("b", 3_000)),
        (text("a", 9_000), text("b", 5)),
    ];
    for (old, new) in cases {
        let base: Map = Default::default();
        block_on(write_chunked(&Dying::healthy(&base), "k", &old)).unwrap();
        let mut k = 0;
        loop {
            let map = copy(&base);
            let store = Dying::new(&map, k);
            let wrote = block_on(write_chunked(&store, "k", &new));
            let read = block_on(read_chunked(&Dying::healthy(&map), "k"));
            let read =
                read.unwrap_or_else(|e| panic!("{} -> {} bytes, death after set {k}: unreadable: {}", old.len(), new.len(), e.message));
            let read = read.expect("a value");
            assert!(
                read == old || read == new,
                "{} -> {} bytes, death after set {k}: read {} bytes, neither old nor new",
                old.len(),
                new.len(),
                read.len()
            );
            if wrote.is_ok() && !store.died() {
                assert_eq!(read, new);
                break;
            }
            k += 1;
            assert!(k < 100, "the write never completed");
        }
    }
}

#[test]
fn poller_state_reloads_after_a_death_at_any_set_of_a_save() {
    // Every id in known bucket 0, so that one bucket spans several 100 KiB chunks; the ids
    // delivered later interleave with the ones saved first.
    // 2,000 later deliveries append a log segment; 6,000 outgrow the bucket and rewrite it.
    for later in [2_000, 6_000] {
        state_save_survives_deaths(later);
    }
}

fn state_save_survives_deaths(later: i64) {
    let keys = Keys::new("crash");
    let first: Vec<i64> = (1..=4_000).map(|i| 1_000_000_000_000 + i * 32).collect();
    let second: Vec<i64> = (1..=later).map(|i| 1_000_000_000_000 + i * 32 + 16).collect();
    let base: Map = Default::default();
    let healthy = Dying::healthy(&base);
    let mut state = block_on(PollerState::load(&healthy, &keys)).unwrap();
    for &id in &first {
        state.note_id(id);
    }
    block_on(state.save(&healthy, &keys)).unwrap();
    let mut k = 0;
    loop {
        let map = copy(&base);
        let store = Dying::new(&map, u64::MAX);
        let mut state = block_on(PollerState::load(&store, &keys)).unwrap();
        for &id in &second {
            block_on(state.mark_delivered(&store, &keys, id, 1_700_000_000_000)).unwrap();
        }
        store.left.set(k);
        let saved = block_on(state.save(&store, &keys));
        let reloaded = block_on(PollerState::load(&Dying::healthy(&map), &keys))
            .unwrap_or_else(|e| panic!("death after set {k} of the save: state unreadable: {}", e.message));
        for &id in &first {
            assert!(reloaded.known.contains_key(&id), "death after set {k}: #{id} (saved before) forgotten");
        }
        for &id in &second {
            assert!(reloaded.delivered(id, 1_700_000_000_000), "death after set {k}: delivery of #{id} forgotten");
        }
        if saved.is_ok() && !store.died() {
            break;
        }
        k += 1;
        assert!(k < 200, "the save never completed");
    }
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

/// `n` roster records `{prefix}-{i}` with emails `{prefix}{i}@example.org`.
fn roster(prefix: &str, n: usize) -> Vec<RosterRecord> {
    (0..n)
        .map(|i| RosterRecord {
            line: None,
            external_id: Some(format!("{prefix}-{i}")),
            input: UpsertInput {
                first_name: Some("F".into()),
                last_name: Some("L".into()),
                email: Some(format!("{prefix}{i}@example.org")),
                ..Default::default()
            },
        })
        .collect()
}

/// The rerun of an import whose process died: refused with `busy` while the dead run's lease
/// lasts (when it died holding it), then, once the lease has expired, the rerun itself.
fn rerun_after_death<T>(world: &Rc<RefCell<World>>, rerun: impl Fn() -> Result<T>) -> Result<T> {
    match rerun() {
        Err(e) if e.kind == ErrorKind::Busy => {
            assert!(e.message.starts_with("another import with this key holds the lease for "), "{}", e.message);
            world.borrow_mut().advance(vomo_users::store::lease::LEASE_MS as i64 + 1);
            rerun()
        }
        other => other,
    }
}

#[test]
fn import_progress_reloads_after_a_death_at_any_set() {
    // 600 settled records are well over 100 KiB of progress.
    let records: Vec<RosterRecord> = (0..600)
        .map(|i| RosterRecord {
            line: None,
            external_id: Some(format!("ext-{i}")),
            input: UpsertInput {
                first_name: Some(format!("First{i}")),
                last_name: Some(format!("Last{i}")),
                email: Some(format!("person{i}@example.org")),
                ..Default::default()
            },
        })
        .collect();
    let mut k = 0;
    loop {
        let (world, client) = sim_client(1);
        let map: Map = Default::default();
        let store = Dying::new(&map, k);
        let options = |s| ImportOptions::<Dying, NoMapping> {
            store: Some(s),
            key: Some("roster".into()),
            checkpoint_every: 100,
            max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
            mapping: None,
            previous_base_url: None,
            mapping_lease: true,
        };
        let first = block_on(import_roster(&client, &records, &options(&store), &|_| {}, &()));
        let healthy = Dying::healthy(&map);
        let rerun = rerun_after_death(&world, || block_on(import_roster(&client, &records, &options(&healthy), &|_| {}, &())))
            .unwrap_or_else(|e| panic!("death after set {k}: the rerun failed: {:?} {}", e.kind, e.message));
        assert_eq!(rerun.created.len() + rerun.updated.len(), records.len(), "death after set {k}: {:?}", rerun.failed.first());
        assert_eq!(world.borrow().users.len(), records.len());
        if first.is_ok() && !store.died() {
            break;
        }
        k += 1;
        assert!(k < 200, "the import never completed");
    }
}

/// Many small checkpoints: the progress log appends a segment per record and merges them
/// (one JSON map per line); a run cut short reloads them all and sends only the rest.
#[test]
fn import_progress_with_merged_segments_reloads() {
    let records = roster("m", 200);
    let (world, client) = sim_client(2);
    let map: Map = Default::default();
    let options = |s| ImportOptions::<Dying, NoMapping> {
        store: Some(s),
        key: Some("merged".into()),
        checkpoint_every: 1,
        max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
        mapping: None,
        previous_base_url: None,
        mapping_lease: true,
    };
    let dying = Dying::new(&map, 150);
    assert!(block_on(import_roster(&client, &records, &options(&dying), &|_| {}, &())).is_err());
    let sent = world.borrow().c.upserts;
    let logged = map.borrow().keys().filter(|k| k.contains("/log/")).count();
    assert!(logged >= 2, "the progress log holds {logged} segments");
    let healthy = Dying::healthy(&map);
    let rerun = rerun_after_death(&world, || block_on(import_roster(&client, &records, &options(&healthy), &|_| {}, &()))).unwrap();
    assert_eq!(rerun.created.len() + rerun.updated.len(), 200);
    let resent = world.borrow().c.upserts - sent;
    assert!(resent < 200 - 50, "the rerun sent {resent} of 200 again: the saved progress was not read");
}

/// A store shared with "another run" that takes the run's lease over once it has expired: at
/// the `at`-th write of a key containing `trigger` (the import's progress log, the poller's
/// journal), the world's clock jumps past the lease (a request or handler that hung for
/// minutes) and the other run's lease is written. Counts the first run's writes, and the
/// world's handler calls, after that.
struct TakenOver {
    inner: Dying,
    world: Rc<RefCell<World>>,
    trigger: &'static str,
    at: u32,
    log_writes: Cell<u32>,
    writes_after: Cell<u32>,
    taken: Cell<bool>,
    handler_calls_then: Cell<u64>,
}

impl TakenOver {
    fn new(world: &Rc<RefCell<World>>, trigger: &'static str, at: u32) -> TakenOver {
        TakenOver {
            inner: Dying::healthy(&Default::default()),
            world: world.clone(),
            trigger,
            at,
            log_writes: Cell::new(0),
            writes_after: Cell::new(0),
            taken: Cell::new(false),
            handler_calls_then: Cell::new(0),
        }
    }

    /// The one lease in the store, which must be the other run's.
    fn assert_other_runs_lease_stands(&self) {
        let held: Vec<String> = self.inner.map.borrow().iter().filter(|(k, _)| k.ends_with("/lease")).map(|(_, v)| v.clone()).collect();
        assert_eq!(held.len(), 1);
        assert!(held[0].contains("other-run"), "the other run's lease stands: {}", held[0]);
    }
}

/// A poller's store given by reference, so that the test can look into it afterwards.
struct ByRef<'a, S>(&'a S);

impl<S: Store> Store for ByRef<'_, S> {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.0.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0.set(key, value).await
    }
}

impl Store for TakenOver {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        if self.taken.get() {
            self.writes_after.set(self.writes_after.get() + 1);
        }
        self.inner.set(key, value).await?;
        if key.contains(self.trigger) && !self.taken.get() {
            self.log_writes.set(self.log_writes.get() + 1);
            if self.log_writes.get() == self.at {
                let mut w = self.world.borrow_mut();
                w.advance(vomo_users::store::lease::LEASE_MS as i64 + 1);
                let other = format!(r#"{{"owner":"other-run","expires_at":{}}}"#, w.local_now() + vomo_users::store::lease::LEASE_MS);
                drop(w);
                let lease_key = self.inner.map.borrow().keys().find(|k| k.ends_with("/lease")).cloned().expect("the run holds a lease");
                self.inner.map.borrow_mut().insert(lease_key, other);
                self.taken.set(true);
                self.handler_calls_then.set(self.world.borrow().c.handler_calls);
            }
        }
        Ok(())
    }
}

/// An import that lost its key to another run (its lease expired while a request hung) stops
/// with `busy` at its next step, writes no more progress over the other run's, and leaves the
/// other run's lease alone.
#[test]
fn an_import_whose_lease_was_taken_over_stops_without_writing_progress() {
    let records = roster("t", 100);
    let (world, client) = sim_client(3);
    // The takeover comes right after the second save: its first writes the progress and the
    // header (which records the API), its second a log segment and the header again.
    let store = TakenOver::new(&world, "/log", 3);
    let options = ImportOptions::<TakenOver, NoMapping> {
        store: Some(&store),
        key: Some("nightly".into()),
        checkpoint_every: 10,
        max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
        mapping: None,
        previous_base_url: None,
        mapping_lease: true,
    };
    let e = block_on(import_roster(&client, &records, &options, &|_| {}, &())).unwrap_err();
    assert!(store.taken.get(), "the takeover happened");
    assert_eq!(e.kind, ErrorKind::Busy, "{}", e.message);
    assert_eq!(e.message, "this import's lease expired and another import with this key took it over; stopping here");
    assert_eq!(store.writes_after.get(), 0, "no write after the takeover");
    store.assert_other_runs_lease_stands();
}

/// A poll that lost its customer to another poll (a handler hung past the lease's term, and
/// the other poll took the lease) stops with `busy` before its next handler call and before
/// its next write: no state, journal or log written over the other poll's, no user delivered
/// by both. Once the other poll's lease has run out, the next poll delivers the rest, each
/// user once. Taken over at several points of the first and later pages.
#[test]
fn a_poll_whose_lease_was_taken_over_stops_before_delivering_or_writing_again() {
    for at in [1, 7, 15, 16, 38] {
        let (world, client) = sim_client(4);
        {
            let mut w = world.borrow_mut();
            w.mutating = false;
            let start = w.local_now() as i64 - 86_400_000;
            for i in 0..60 {
                w.seed_user(start + i * 1000, start + i * 1000);
            }
        }
        let store = TakenOver::new(&world, "/journal/", at);
        let poller = Poller::new(Rc::new(client), ByRef(&store), SimHandlers(world.clone()), PollerConfig::new("taken", "first")).unwrap();
        let e = block_on(poller.poll(None, &())).unwrap_err();
        assert!(store.taken.get(), "at {at}: the takeover happened");
        assert_eq!(e.kind, ErrorKind::Busy, "at {at}: {}", e.message);
        assert_eq!(e.message, "this poll's lease expired and another poll of this customer took it over; stopping here");
        assert_eq!(store.writes_after.get(), 0, "at {at}: no write after the takeover");
        assert_eq!(world.borrow().c.handler_calls, store.handler_calls_then.get(), "at {at}: no handler called after the takeover");
        assert_eq!(world.borrow().completed.len(), at as usize, "at {at}: delivered up to the takeover");
        store.assert_other_runs_lease_stands();
        // The other poll's lease runs out (it died): the next poll goes on from what was recorded.
        world.borrow_mut().advance(vomo_users::store::lease::LEASE_MS as i64 + 1);
        let report = block_on(poller.poll(None, &())).unwrap_or_else(|e| panic!("at {at}: {}", e.message));
        assert!(report.complete);
        let ids: BTreeSet<i64> = world.borrow().completed.iter().map(|c| c.id).collect();
        assert_eq!((ids.len(), world.borrow().completed.len()), (60, 60), "at {at}: every user once");
    }
}

/// A store on which "another run" tries to take the poll's lease at each of the poll's
/// writes once the poll has run for longer than the lease's term.
struct Contender {
    inner: Dying,
    world: Rc<RefCell<World>>,
    started: f64,
    tries: Cell<u32>,
    took: Cell<bool>,
}

impl Store for Contender {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.inner.set(key, value).await?;
        let now = self.world.borrow().local_now();
        if !key.ends_with("/lease") && now > self.started + LEASE_MS {
            let lease_key = self.inner.map.borrow().keys().find(|k| k.ends_with("/lease")).cloned().expect("the poll holds a lease");
            self.tries.set(self.tries.get() + 1);
            match acquire(&self.inner, &lease_key, "other-run", now, Holder::POLL).await {
                Ok(()) => self.took.set(true),
                Err(e) => assert_eq!(e.kind, ErrorKind::Busy, "{}", e.message),
            }
        }
        Ok(())
    }
}

/// A poll that runs for longer than its lease's term (a full participation scan at a slow
/// rate: 69 requests 4 s apart, about five minutes) keeps the lease all the way: another run that
/// tries to take it at each of the poll's writes after the first two minutes is refused.
#[test]
fn a_poll_longer_than_the_lease_term_keeps_its_lease_through_a_full_scan() {
    let world = Rc::new(RefCell::new(World::new(WorldConfig::default(), 5, 1_740_787_200_000)));
    {
        let mut w = world.borrow_mut();
        w.faults = false;
        w.mutating = false;
        let start = w.local_now() as i64 - 86_400_000;
        for i in 0..60 {
            w.seed_user(start + i * 1000, start + i * 1000);
        }
    }
    let client = Client::new(
        ClientConfig { base_url: "https://api.vomo.test/v1".into(), rate: Rate::Fixed(0.25), ..ClientConfig::new("sim-token-0123456789") },
        SimRuntime(world.clone()),
    )
    .unwrap();
    let started = world.borrow().local_now();
    let store = Contender {
        inner: Dying::healthy(&Default::default()),
        world: world.clone(),
        started,
        tries: Cell::new(0),
        took: Cell::new(false),
    };
    let mut config = PollerConfig::new("long", "first");
    config.participations = ParticipationMode::FullScan;
    let poller = Poller::new(Rc::new(client), ByRef(&store), SimHandlers(world.clone()), config).unwrap();
    let report = block_on(poller.poll(None, &())).unwrap();
    assert!(report.complete);
    let took_ms = world.borrow().local_now() - started;
    assert!(took_ms > 2.0 * LEASE_MS, "the poll ran {took_ms} ms ({} requests)", report.requests);
    assert!(store.tries.get() >= 3, "the other run tried {} times", store.tries.get());
    assert!(!store.took.get(), "the other run took the lease of a poll that was still running");
    assert_eq!(world.borrow().completed.len(), 60);
}

/// A forget on `map` by a process that dies after `limit` writes: its outcome, and whether it
/// ran to its end (a best-effort delete the death stopped is not reported as an error).
fn forget_on(map: &Map, deletes: bool, limit: u64, now: f64) -> (Result<bool>, bool) {
    let dying = Dying::new(map, limit);
    let outcome = if deletes {
        let store = DyingDeleting(dying);
        let outcome = block_on(vomo_users::poller::forget_state(&store, "forget", &format!("{now}"), now));
        return (outcome, !store.0.died());
    } else {
        block_on(vomo_users::poller::forget_state(&dying, "forget", &format!("{now}"), now))
    };
    (outcome, !dying.died())
}

/// `UserPoller.forget` cut short by a death at every write, on a store that deletes and on one
/// that cannot. The state it starts from has every part: known buckets and log, participation
/// buckets, and journal slots of a poll that died mid-page. After each cut, what is left loads
/// and knows nothing the state did not; a forget run again (once the dead one's lease ran out)
/// finishes, and then a poll delivers every user exactly once: no stale known entry, and no
/// journal slot of the old state read as a delivery of the new one.
#[test]
fn a_forget_of_poller_state_cut_short_at_any_write_leaves_a_state_that_loads() {
    for deletes in [true, false] {
        let (world, client) = sim_client(9);
        {
            let mut w = world.borrow_mut();
            w.mutating = false;
            let start = w.local_now() as i64 - 86_400_000;
            for i in 0..45 {
                w.seed_user(start + i * 1000, start + i * 1000);
            }
        }
        let client = Rc::new(client);
        let base: Map = Default::default();
        let mut config = PollerConfig::new("forget", "forget");
        config.participations = ParticipationMode::ChangedUsers;
        let poller = |store| Poller::new(client.clone(), store, SimHandlers(world.clone()), config.clone()).unwrap();
        assert!(block_on(poller(Dying::healthy(&base)).poll(None, &())).unwrap().complete);
        // 10 users updated (their participations saved again: log segments) and a poll of them;
        // then 30 users more, and a poll that dies partway through them: journal slots are left.
        {
            let mut w = world.borrow_mut();
            w.advance(60_000);
            let now = w.local_now() as i64 - 30_000;
            let ids: Vec<i64> = w.users.keys().copied().step_by(4).take(10).collect();
            for (i, id) in ids.into_iter().enumerate() {
                let mut user = w.users[&id].clone();
                user.updated_ms = now + i as i64 * 100;
                w.versions.insert((id, user.updated_ms), user.email.clone());
                w.last_stamp = w.last_stamp.max(user.updated_ms);
                w.users.insert(id, user);
            }
        }
        assert!(block_on(poller(Dying::healthy(&base)).poll(None, &())).unwrap().complete);
        {
            let mut w = world.borrow_mut();
            w.advance(60_000);
            let now = w.local_now() as i64 - 30_000;
            for i in 0..30 {
                w.seed_user(now + i * 100, now + i * 100);
            }
        }
        let delivered_before = world.borrow().completed.len();
        let dying = Dying::new(&base, 20);
        assert!(block_on(poller(dying).poll(None, &())).is_err(), "the poll died");
        assert!(world.borrow().completed.len() > delivered_before, "it delivered some");
        let keys = Keys::new("forget");
        assert!(base.borrow().contains_key(&keys.key("journal/0")), "a journal slot left");
        let original = block_on(PollerState::load(&Dying::healthy(&base), &keys)).unwrap();
        // Every key a load of the state reads.
        let segment = |k: &str| k.contains("/known-log/") || k.split_once("/parts-log/").is_some_and(|(_, rest)| rest.contains('/'));
        let mut named: BTreeSet<String> = base.borrow().keys().filter(|k| !segment(k) && !k.ends_with("/lease")).cloned().collect();
        named.extend(original.core.known_log.0.iter().map(|(slot, _, _)| keys.key(&format!("known-log/{slot}"))));
        for b in 0..64 {
            let index = base.borrow().get(&keys.key(&format!("parts-log/{b}"))).cloned().unwrap_or_default();
            let index: serde_json::Value = serde_json::from_str(&index).unwrap_or_default();
            for seg in index["segments"].as_array().into_iter().flatten() {
                named.insert(keys.key(&format!("parts-log/{b}/{}", seg[0])));
            }
        }
        assert!(named.len() > 30, "{named:?}");
        let named_segments = |kind: &str| named.iter().filter(|k| segment(k) && k.contains(kind)).count();
        assert!(named_segments("/known-log/") > 0 && named_segments("/parts-log/") > 0, "both kinds of log have segments");
        let live: BTreeSet<i64> = world.borrow().users.keys().copied().collect();
        assert_eq!(live.len(), 75);
        // What a poll after a forget that finished delivers: every user once, and its
        // participation events (the yardstick for a poll after one cut short).
        let after_forget = |map: &Map| {
            let (from, parts) = (world.borrow().completed.len(), world.borrow().c.participation_events);
            let report = block_on(poller(Dying::healthy(map)).poll(None, &())).unwrap();
            assert!(report.complete);
            let w = world.borrow();
            let ids: Vec<i64> = w.completed[from..].iter().map(|c| c.id).collect();
            (ids, w.c.participation_events - parts)
        };
        let whole = copy(&base);
        world.borrow_mut().advance(LEASE_MS as i64 + 1);
        let now = world.borrow().local_now();
        assert!(forget_on(&whole, deletes, u64::MAX, now).0.unwrap());
        let (ids, forgotten_parts) = after_forget(&whole);
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), live);
        assert!(forgotten_parts > 0, "the users' participations are reported again");
        let mut polled_after_cut = 0;
        for k in 0.. {
            let map = copy(&base);
            world.borrow_mut().advance(LEASE_MS as i64 + 1); // the dead poll's (or forget's) lease runs out
            let now = world.borrow().local_now();
            let (outcome, lived) = forget_on(&map, deletes, k, now);
            let left = block_on(PollerState::load(&Dying::healthy(&map), &keys))
                .unwrap_or_else(|e| panic!("deletes {deletes}, death after write {k}: unreadable: {}", e.message));
            for (id, ms) in &left.known {
                assert_eq!(original.known.get(id), Some(ms), "deletes {deletes}, death after write {k}: #{id} known as never before");
            }
            let finished = outcome.is_ok() && lived;
            if !finished {
                // No second forget: a poll on what the cut one left, and a reader beside it.
                // From the forget's first write of the state (its mark) on, the customer reads as
                // new, and the poll finishes the forget first: the same as after one that
                // finished. Before it, nothing was removed.
                let cut = copy(&map);
                world.borrow_mut().advance(LEASE_MS as i64 + 1); // the dead forget's lease runs out
                let now = world.borrow().local_now();
                let read = block_on(PollerState::load_unleased(&Dying::healthy(&cut), &keys, now)).unwrap();
                if read.known.is_empty() && read.core.checkpoint_ms == 0 {
                    let warned = world.borrow().c.warnings;
                    let marked = block_on(PollerState::load(&Dying::healthy(&cut), &keys)).unwrap().unfinished_forget;
                    let (ids, parts) = after_forget(&cut);
                    let once: BTreeSet<i64> = ids.iter().copied().collect();
                    assert_eq!((ids.len(), &once), (live.len(), &live), "deletes {deletes}, after write {k}, polled: every user once");
                    assert_eq!(
                        parts, forgotten_parts,
                        "deletes {deletes}, after write {k}, polled: participations as after a whole forget"
                    );
                    assert_eq!(world.borrow().c.warnings - warned, u64::from(marked), "deletes {deletes}, after write {k}: said so");
                    polled_after_cut += 1;
                } else {
                    assert_eq!(read.known, original.known, "deletes {deletes}, after write {k}: unmarked, so nothing removed");
                    for (key, value) in base.borrow().iter().filter(|(key, _)| **key != keys.key("lease")) {
                        assert_eq!(cut.borrow().get(key), Some(value), "deletes {deletes}, after write {k}: unmarked, {key} unchanged");
                    }
                }
            }
            if finished {
                assert!(outcome.unwrap(), "there was state to forget");
            } else {
                world.borrow_mut().advance(LEASE_MS as i64 + 1);
                let now = world.borrow().local_now();
                assert!(forget_on(&map, deletes, u64::MAX, now).0.is_ok(), "deletes {deletes}, after write {k}: forgetting again finishes");
            }
            // Nothing a load reads is left: on a store that deletes, only the released lease and
            // segments no index named when the forget began (the dead poll's, those the building
            // store kept; a forget cut short among the segments it deletes recorded them, and
            // the second one deleted them); on one that cannot, the other values blanked.
            let prefix = keys.key("");
            for (key, value) in map.borrow().iter().filter(|(k, _)| k.starts_with(&prefix) && **k != keys.key("lease")) {
                let left = if deletes { !segment(key) || named.contains(key) } else { !segment(key) && !value.is_empty() };
                assert!(!left, "deletes {deletes}, after write {k}: {key} left ({} bytes)", value.len());
            }
            let gone = block_on(PollerState::load(&Dying::healthy(&map), &keys)).unwrap();
            assert!(gone.known.is_empty() && gone.core.checkpoint_ms == 0, "deletes {deletes}, after write {k}: all forgotten");
            let (ids, parts) = after_forget(&map);
            let once: BTreeSet<i64> = ids.iter().copied().collect();
            assert_eq!((ids.len(), &once), (live.len(), &live), "deletes {deletes}, after write {k}: every user once");
            assert_eq!(parts, forgotten_parts, "deletes {deletes}, after write {k}: participations as after a whole forget");
            if finished {
                break;
            }
            assert!(k < 2_000, "the forget never finished");
        }
        assert!(polled_after_cut > 10, "deletes {deletes}: {polled_after_cut} cuts after the mark");
    }
}
