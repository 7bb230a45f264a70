//! The versioning promise: a store written by the release before format 2 (chunks `key.0..N`
//! under `{"v":1,"chunks":N}` headers, one `journal` value) is read as it is, and the first
//! save carries everything forward. The fixture was written by that release's package (a
//! `changed-users` backfill of 60 simulator users; one journal line added by hand).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use vomo_users::poller::{Keys, PollerState};
use vomo_users::store::Store;
use vomo_users::time::Timestamp;
use vomo_users::Result;

#[derive(Default)]
struct MapStore(RefCell<BTreeMap<String, String>>);

impl Store for MapStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.0.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0.borrow_mut().insert(key.into(), value.into());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.0.borrow_mut().remove(key);
        Ok(())
    }
}

#[allow(clippy::incompatible_msrv)] // Waker::noop is 1.85; the tests need 1.88 anyway (proptest)
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn a_format_1_store_is_read_and_carried_forward() {
    let fixture: serde_json::Value = serde_json::from_str(include_str!("fixtures/store-format-1.json")).unwrap();
    let store = MapStore::default();
    for (k, v) in fixture["store"].as_object().unwrap() {
        store.0.borrow_mut().insert(k.clone(), v.as_str().unwrap().to_string());
    }
    assert!(store.0.borrow().get("vomo-users/v1/legacy/state").unwrap().starts_with(r#"{"v":1"#));
    let ids: Vec<i64> = fixture["ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let checkpoint = Timestamp::parse(fixture["checkpoint"].as_str().unwrap()).unwrap().0;
    let keys = Keys::new("legacy");

    let check = |state: &mut PollerState, when: &str| {
        assert_eq!(state.core.checkpoint_ms, checkpoint, "{when}: checkpoint");
        for &id in &ids {
            assert!(state.known.get(&id).is_some_and(|&t| t > 0), "{when}: #{id} not known as delivered");
        }
        assert!(state.delivered(99999, 1_767_225_600_000), "{when}: the journal's delivery");
        let with_parts = ids.iter().filter(|&&id| block_on(state.participations(&store, &keys, id)).unwrap().is_some()).count();
        assert_eq!(with_parts, ids.len(), "{when}: every user's participations read");
    };
    let mut state = block_on(PollerState::load(&store, &keys)).expect("format 1 loads");
    check(&mut state, "format 1");
    for &id in ids.iter().take(5) {
        let list = block_on(state.participations(&store, &keys, id)).unwrap().unwrap();
        state.set_participations(id, list);
    }
    block_on(state.save(&store, &keys)).unwrap();
    assert!(store.0.borrow().get("vomo-users/v1/legacy/state").unwrap().starts_with(r#"{"v":2"#));
    assert_eq!(
        store.0.borrow().get("vomo-users/v1/legacy/journal").map(String::as_str),
        Some(""),
        "the old journal is emptied once carried forward"
    );
    assert!(!store.0.borrow().contains_key("vomo-users/v1/legacy/state.0"), "format 1 chunks of a rewritten value are deleted");
    let mut reloaded = block_on(PollerState::load(&store, &keys)).expect("after the first save");
    check(&mut reloaded, "after a save");
}
