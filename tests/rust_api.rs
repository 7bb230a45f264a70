//! The crate as a Rust application meets it: a handler of its own that fails (the
//! `HandlerFailure` it returns reaches the dead-letter event as it wrote it), and `{:?}` of
//! the client's holders, which never shows the token. Natively, against the simulated world
//! of `tests/support` (no faults, no mutations).

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use support::{block_on, client_of, World, WorldConfig};
use vomo_users::import::{ImportOptions, MappedUser, Mapping};
use vomo_users::poller::{DeadLetterEvent, Event, HandlerFailure, Handlers, Poller, PollerConfig, UserPayload};
use vomo_users::store::Store;
use vomo_users::{ErrorKind, VomoError};

const START_MS: i64 = 1_740_787_200_000;
/// The token `support::client_of` gives its client.
const TOKEN: &str = "sim-token-0123456789";

/// A world of `n` users, changed a minute or more before it starts.
fn world(n: i64) -> support::Shared {
    let mut w = World::new(WorldConfig::default(), 11, START_MS);
    (w.mutating, w.faults) = (false, false);
    for i in 0..n {
        w.seed_user(START_MS - 3_600_000 + i * 1_000, START_MS - 600_000 + i * 1_000);
    }
    Rc::new(RefCell::new(w))
}

/// A store in a map (`MemoryStore` is the web module's, wasm32 only).
#[derive(Default)]
struct Map(RefCell<std::collections::HashMap<String, String>>);

impl Store for Map {
    async fn get(&self, key: &str) -> vomo_users::Result<Option<String>> {
        Ok(self.0.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> vomo_users::Result<()> {
        self.0.borrow_mut().insert(key.into(), value.into());
        Ok(())
    }
}

/// A mapping that holds nothing.
struct NoMapping;

impl Mapping for NoMapping {
    async fn get(&self, _: &str) -> vomo_users::Result<Option<MappedUser>> {
        Ok(None)
    }
    async fn set(&self, _: &str, _: &MappedUser) -> vomo_users::Result<()> {
        Ok(())
    }
}

/// A downstream that refuses two users, each the way an application would write it: a
/// failure of its own, and a `VomoError` passed on with `?`. It keeps the dead letters.
#[derive(Default)]
struct Crm {
    refused_own: RefCell<Option<i64>>,
    refused_with_question_mark: RefCell<Option<i64>>,
    dead_letters: RefCell<Vec<DeadLetterEvent>>,
}

/// A call of the application's that fails with the crate's error type (its own use of the
/// client, say).
fn lookup_in_crm(id: i64) -> vomo_users::Result<()> {
    Err(VomoError::new(ErrorKind::Server, format!("CRM lookup of {id}: 503")))
}

impl Handlers for Crm {
    async fn deliver(&self, event: &Event) -> Result<(), HandlerFailure> {
        match event {
            Event::User(e) => {
                let id = e.user.user().id;
                // The accessors agree with the variants.
                match &e.user {
                    UserPayload::Listed { user } => assert!(user.id == id && e.user.detail().is_none()),
                    UserPayload::Detailed { user } => assert!(user.user.id == id && e.user.detail().is_some()),
                }
                if self.refused_own.borrow().is_none() {
                    *self.refused_own.borrow_mut() = Some(id);
                    return Err(HandlerFailure::new(format!("CRM refused user {id}: no such team")));
                }
                if self.refused_with_question_mark.borrow().is_none() {
                    *self.refused_with_question_mark.borrow_mut() = Some(id);
                    lookup_in_crm(id)?;
                }
                Ok(())
            }
            Event::DeadLetter(d) => {
                self.dead_letters.borrow_mut().push(d.clone());
                Ok(())
            }
            Event::Participation(_) => Ok(()),
        }
    }
}

#[test]
fn a_rust_handlers_failure_reaches_the_dead_letter_as_it_wrote_it() {
    let w = world(5);
    let crm = Rc::new(Crm::default());
    struct Sharing(Rc<Crm>);
    impl Handlers for Sharing {
        async fn deliver(&self, event: &Event) -> Result<(), HandlerFailure> {
            self.0.deliver(event).await
        }
    }
    let poller = Poller::new(Rc::new(client_of(&w)), Map::default(), Sharing(crm.clone()), PollerConfig::new("acme", "test")).unwrap();
    let report = block_on(poller.poll(None, &())).unwrap();
    assert!(report.complete, "{report:?}");
    assert_eq!((report.processed, report.failed), (3, 2), "{report:?}");
    let own = crm.refused_own.borrow().expect("a user refused");
    let passed_on = crm.refused_with_question_mark.borrow().expect("a second user refused");
    let letters = crm.dead_letters.borrow();
    let summary: Vec<(String, String, Option<f64>, u32, bool)> =
        letters.iter().map(|d| (d.error.kind.clone(), d.error.message.clone(), d.error.handler_ref, d.attempt, d.is_final)).collect();
    assert_eq!(
        summary,
        [
            ("handler".into(), format!("CRM refused user {own}: no such team"), None, 1, false),
            ("handler".into(), format!("CRM lookup of {passed_on}: 503 (server)"), None, 1, false),
        ],
        "one dead letter each, judged by the success after them, offered again later"
    );
    assert_eq!(letters[0].user["id"], own);
    // The failure as a value: its message, `Display`, and a `std::error::Error`.
    let failure = HandlerFailure::new("CRM is down");
    assert_eq!((failure.message.as_str(), failure.handler_ref), ("CRM is down", None));
    let boxed: Box<dyn std::error::Error> = Box::new(failure);
    assert_eq!(boxed.to_string(), "CRM is down");
}

#[test]
fn a_poller_config_a_poll_cannot_work_with_is_refused_by_new() {
    // An outside pass (2026-12-06): a margin of 0 polled the same page for ever, a
    // max_window_rows of 0 narrowed windows for ever, a retry_for_ms of NaN gave nothing up;
    // the JS options were checked, the Rust config was not.
    let w = world(3);
    let client = Rc::new(client_of(&w));
    type Spoil = fn(&mut PollerConfig);
    let cases: [(&str, Spoil); 12] = [
        ("windowMarginMs must be from 2000 to 604800000 (a week; got 0)", |c| c.window_margin_ms = 0),
        ("windowMarginMs must be from 2000 to 604800000 (a week; got -5)", |c| c.window_margin_ms = -5),
        // Another outside pass: past the epoch, every poll ended complete having delivered nothing.
        ("windowMarginMs must be from 2000 to 604800000 (a week; got 9223372036854775807)", |c| c.window_margin_ms = i64::MAX),
        ("windowMarginMs must be from 2000 to 604800000 (a week; got 604800001)", |c| c.window_margin_ms = 604_800_001),
        // The lease takes back a lease under `{owner}#` (lease::take): no owner may prefix another's.
        ("owner must be a non-empty name without '#' (got \"\")", |c| c.owner = String::new()),
        ("owner must be a non-empty name without '#' (got \"a#1\")", |c| c.owner = "a#1".into()),
        ("maxWindowRows must be at least 1 (got 0)", |c| c.max_window_rows = 0),
        ("maxAttempts must be at least 1 (got 0)", |c| c.max_attempts = 0),
        ("maxConsecutiveFailures must be at least 1 (got 0)", |c| c.max_consecutive_failures = 0),
        ("maxDeadLetters must be at least 1 (got 0)", |c| c.max_dead_letters = 0),
        ("retryForMs must be a number of at least 0 (got NaN)", |c| c.retry_for_ms = f64::NAN),
        ("pollIntervalMs must be a positive number", |c| c.poll_interval_ms = 0.0),
    ];
    for (message, spoil) in cases {
        let mut config = PollerConfig::new("acme", "test");
        spoil(&mut config);
        match Poller::new(client.clone(), Map::default(), Crm::default(), config) {
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::InvalidInput);
                assert_eq!(e.message, format!("UserPoller: {message}"));
            }
            Ok(_) => panic!("accepted: {message}"),
        }
    }
    let mut edge = PollerConfig::new("acme", "test");
    (edge.window_margin_ms, edge.retry_for_ms) = (PollerConfig::MIN_WINDOW_MARGIN_MS, 0.0);
    let poller = Poller::new(client.clone(), Map::default(), Crm::default(), edge).unwrap();
    assert!(block_on(poller.poll(None, &())).unwrap().complete, "the smallest margin polls to the end");
    let mut edge = PollerConfig::new("acme", "test");
    edge.window_margin_ms = PollerConfig::MAX_WINDOW_MARGIN_MS;
    let poller = Poller::new(client, Map::default(), Crm::default(), edge).unwrap();
    assert!(block_on(poller.poll(None, &())).unwrap().complete, "the largest margin polls to the end");
}

#[test]
fn import_options_an_import_cannot_work_with_are_refused_as_the_js_options_are() {
    // An outside pass (a Rust user): 0 for either ran as 1 without a word.
    let w = world(2);
    let client = client_of(&w);
    let records = [vomo_users::import::RosterRecord::default()];
    type Spoil = fn(&mut ImportOptions<'_, Map, NoMapping>);
    let cases: [(&str, Spoil); 2] = [
        ("checkpointEvery must be a whole number of at least 1 (got 0)", |o| o.checkpoint_every = 0),
        ("maxConsecutiveFailures must be a whole number of at least 1 (got 0)", |o| o.max_consecutive_failures = 0),
    ];
    for (message, spoil) in cases {
        let mut options = ImportOptions::default();
        spoil(&mut options);
        let e = block_on(vomo_users::import::import_roster(&client, &records, &options, &|_| {}, &())).expect_err(message);
        assert_eq!((e.kind, e.message), (ErrorKind::InvalidInput, format!("importRoster: {message}")));
    }
    assert_eq!(w.borrow().c.requests, 0, "nothing was sent");
}

#[test]
fn debug_of_the_clients_holders_never_shows_the_token() {
    let w = world(1);
    let client = Rc::new(client_of(&w));
    let poller = Poller::new(client.clone(), Map::default(), Crm::default(), PollerConfig::new("acme", "test")).unwrap();
    let store = Map::default();
    let options: ImportOptions<'_, Map, NoMapping> = ImportOptions {
        store: Some(&store),
        key: Some("roster-2026".into()),
        checkpoint_every: 50,
        max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
        mapping: None,
        mapping_lease: true,
        previous_base_url: None,
    };
    for shown in [format!("{client:?}"), format!("{poller:?}"), format!("{poller:#?}")] {
        assert!(!shown.contains(TOKEN) && !shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("token: \"[redacted]\"") && shown.contains("https://api.vomo.test/v1"), "{shown}");
    }
    assert!(format!("{poller:?}").contains("customer_id: \"acme\""));
    let shown = format!("{options:?}");
    assert!(shown.contains("store: Some(\"rust_api::Map\")") && shown.contains("mapping: None"), "{shown}");
}
