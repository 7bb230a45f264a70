//! Client scenarios through the Rust API (`vomo_users::web`) against the simulator over real
//! HTTP, shared by the Node (`wasm_node.rs`) and headless Chromium (`wasm_browser.rs`) runs.
//! The simulator URL is fixed at compile time by `VOMO_SIM_URL` (scripts/test.sh starts
//! one); its `/__sim/` control routes inject faults and move its clock.

use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use vomo_users::client::{ClientConfig, Filters, HttpRequest, Rate, Runtime, UpsertInput};
use vomo_users::import::{import_roster, ImportOptions, RosterRecord};
use vomo_users::poller::{Event, HandlerFailure, Handlers, Poller, PollerConfig};
use vomo_users::web::{AbortController, MemoryMapping, MemoryStore, WebCall, WebClient, WebRuntime};
use vomo_users::ErrorKind;

pub const SIM_URL: &str = match option_env!("VOMO_SIM_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4010/v1",
};
/// The simulator's default bearer token (sim/lib/simulator.mjs DEFAULT_TOKEN).
pub const SIM_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2b21vLXNpbSIsIm9yZyI6InNpbXVsYXRvciIsImlhdCI6MTcwMDAwMDAwMH0.c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmVyaWZpZWQ";

fn origin() -> &'static str {
    SIM_URL.strip_suffix("/v1").unwrap_or(SIM_URL)
}

/// One `/__sim/` control call (through the web runtime's own exchange: no hand-written fetch).
pub async fn control(method: &'static str, path: &str, body: Option<Value>) -> Value {
    let request = HttpRequest { method, url: format!("{}/__sim/{path}", origin()), body: body.map(|b| b.to_string()), max_body_bytes: 1e8 };
    let response = WebRuntime::new()
        .send(&request, "control", 10_000.0, &WebCall::new())
        .await
        .unwrap_or_else(|e| panic!("{method} /__sim/{path}: {e:?} (is the simulator running at {SIM_URL}?)"));
    assert!(response.status < 300, "{method} /__sim/{path}: {} {}", response.status, response.body);
    serde_json::from_str(&response.body).unwrap_or(Value::Null)
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::new(SIM_TOKEN);
    config.base_url = SIM_URL.to_string();
    config.rate = Rate::Fixed(200.0);
    config
}

fn client() -> WebClient {
    vomo_users::web::client(config(), WebRuntime::new()).expect("client")
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// A fresh, unique email for this run.
fn fresh_email(tag: &str) -> String {
    format!("{tag}.{}.{}@example.org", now() as u64, (js_sys::Math::random() * 1e6) as u64)
}

async fn some_user_id() -> i64 {
    let users = control("GET", "users", None).await;
    users[0]["id"].as_i64().expect("a seeded user")
}

pub async fn listing() {
    let client = client();
    let expected = control("GET", "users", None).await.as_array().unwrap().len();
    let mut walk = client.start_listing(&Filters::default()).unwrap();
    let first = client.next_page(&mut walk, &WebCall::new()).await.unwrap().expect("a first page");
    assert_eq!(first.data.len(), 15);
    assert_eq!(first.meta.total as usize, expected);
    let all = client.list_all(&Filters::default(), &WebCall::new()).await.unwrap();
    assert_eq!(all.len(), expected, "every user, each once");
    let mut ids: Vec<i64> = all.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), expected);
    assert_eq!(client.stats().requests as usize, 1 + expected.div_ceil(15), "one request per page");
    let some = &all[3];
    let filtered = client.list_all(&Filters { email_like: Some(some.email.clone()), ..Default::default() }, &WebCall::new()).await.unwrap();
    assert!(filtered.iter().any(|u| u.id == some.id), "email_like finds {}", some.email);
}

pub async fn detail() {
    let client = client();
    let id = some_user_id().await;
    let detail = client.get_user(id, &WebCall::new()).await.unwrap().expect("the user exists");
    assert_eq!(detail.user.id, id);
    let wire = control("GET", &format!("users/{id}"), None).await;
    assert_eq!(detail.participations.len(), wire["participations"].as_array().map_or(0, Vec::len));
    assert!(client.get_user(987_654_321, &WebCall::new()).await.unwrap().is_none(), "404 is None");
}

/// The User-Agent of the last logged request to `path`.
async fn last_user_agent(path: &str) -> Option<String> {
    let log = control("GET", "log", None).await;
    log.as_array().unwrap().iter().rev().find(|e| e["path"] == path).and_then(|e| e["userAgent"].as_str().map(String::from))
}

pub async fn upsert_with_422(expect_user_agent: bool) {
    let client = client();
    let email = fresh_email("rust-upsert");
    let bad = UpsertInput {
        first_name: Some("Ra".into()),
        last_name: Some("Ust".into()),
        email: Some(email.clone()),
        password: Some("short".into()),
        ..Default::default()
    };
    let e = client.upsert_user(&bad, &WebCall::new()).await.expect_err("the server refuses a short password");
    assert_eq!((e.kind, e.status), (ErrorKind::Validation, Some(422)), "{e}");
    assert!(e.fields.as_ref().is_some_and(|f| f.contains_key("password")), "field errors: {:?}", e.fields);
    let good = UpsertInput { password: None, ..bad };
    let created = client.upsert_user(&good, &WebCall::new()).await.unwrap();
    assert!(created.created && created.user.email == email);
    let again = client.upsert_user(&good, &WebCall::new()).await.unwrap();
    assert!(!again.created && again.user.id == created.user.id, "the same email updates");
    let ua = last_user_agent("/v1/users").await;
    if expect_user_agent {
        assert_eq!(ua.as_deref(), Some(concat!("vomo-users/", env!("CARGO_PKG_VERSION"))));
    } else {
        assert!(!ua.unwrap_or_default().contains("vomo-users"), "no script-set User-Agent in a browser");
    }
}

pub async fn retry_after_429() {
    let attempts: Rc<RefCell<Vec<Option<u16>>>> = Rc::default();
    let seen = attempts.clone();
    let runtime = WebRuntime::new().on_log(move |a| seen.borrow_mut().push(a.status));
    let client = vomo_users::web::client(config(), runtime).unwrap();
    let id = some_user_id().await;
    control(
        "POST",
        "faults",
        Some(json!({ "fault": {
        "method": "GET", "path": format!("/v1/users/{id}"), "type": "status", "status": 429,
        "headers": { "Retry-After": "1" }, "body": { "message": "Too Many Requests" } } })),
    )
    .await;
    let started = now();
    let detail = client.get_user(id, &WebCall::new()).await.unwrap().unwrap();
    let waited = now() - started;
    assert_eq!(detail.user.id, id);
    assert_eq!(*attempts.borrow(), vec![Some(429), Some(200)]);
    assert!(waited >= 1000.0, "Retry-After: 1 is honoured (waited {waited} ms)");
    let stats = client.stats();
    assert_eq!((stats.rate_limited, stats.retries, stats.requests), (1, 1, 2));
}

pub async fn abort_and_timeout() {
    let client = client();
    let id = some_user_id().await;
    let path = format!("/v1/users/{id}");
    control("POST", "faults", Some(json!({ "fault": { "path": path, "type": "stall", "times": 2 } }))).await;
    // An abort while the request hangs.
    let controller = AbortController::new().unwrap();
    let call = WebCall::new().with_signal(controller.signal());
    let aborter = controller.clone();
    let _timer = gloo_timers::callback::Timeout::new(150, move || aborter.abort());
    let started = now();
    let e = client.get_user(id, &call).await.expect_err("aborted");
    assert_eq!(e.kind, ErrorKind::Aborted, "{e}");
    assert!(now() - started < 5000.0, "the abort ends the wait");
    // A second call with the same, fired signal does not even start.
    let before = client.stats().requests;
    assert_eq!(client.get_user(id, &call).await.unwrap_err().kind, ErrorKind::Aborted);
    assert_eq!(client.stats().requests, before);
    // A per-call timeout, without retries.
    let e = client.get_user(id, &WebCall::new().with_timeout_ms(200.0).with_max_retries(0)).await.expect_err("timeout");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    // An abort during a Retry-After wait.
    control(
        "POST",
        "faults",
        Some(json!({ "fault": { "path": path, "type": "status", "status": 429, "headers": { "Retry-After": "30" } } })),
    )
    .await;
    let controller = AbortController::new().unwrap();
    let aborter = controller.clone();
    let _timer = gloo_timers::callback::Timeout::new(300, move || aborter.abort());
    let started = now();
    let e = client.get_user(id, &WebCall::new().with_signal(controller.signal())).await.expect_err("aborted in the wait");
    assert_eq!(e.kind, ErrorKind::Aborted, "{e}");
    assert!(now() - started < 5000.0, "the sleep ends on abort");
    control("DELETE", "faults", None).await;
}

/// The poller's handlers: every event as (kind, email), shared with the test.
#[derive(Clone, Default)]
struct Collect {
    events: Rc<RefCell<Vec<(String, String)>>>,
}

impl Handlers for Collect {
    async fn deliver(&self, event: &Event) -> Result<(), HandlerFailure> {
        let v = serde_json::to_value(event).unwrap();
        let kind = v["kind"].as_str().unwrap_or(v["type"].as_str().unwrap_or_default()).to_string();
        self.events.borrow_mut().push((kind, v["user"]["email"].as_str().unwrap_or_default().to_string()));
        Ok(())
    }
}

pub async fn poll() {
    let client = Rc::new(client());
    let events = Collect::default();
    let customer = format!("rust-{}", now() as u64);
    let poller = Poller::new(client, MemoryStore::new(), events.clone(), PollerConfig::new(&customer, "wasm-test")).unwrap();
    let first = poller.poll(None, &WebCall::new()).await.unwrap();
    assert!(first.complete, "{first:?}");
    assert!(first.checkpoint.as_deref().is_some_and(|c| c.ends_with("Z")), "a complete poll has a checkpoint: {first:?}");
    assert_eq!(events.events.borrow().len() as u64, first.created + first.updated);
    // A user created in VOMO shows up in the next poll, once the server's clock has moved
    // past the window margin (the simulator's clock is advanced instead of waiting).
    let email = fresh_email("rust-poll");
    control("POST", "users", Some(json!({ "fields": { "email": email, "first_name": "Po", "last_name": "Ll" } }))).await;
    control("POST", "clock", Some(json!({ "advanceMs": 10_000 }))).await;
    let second = poller.poll(None, &WebCall::new()).await;
    control("POST", "clock", Some(json!({ "real": true }))).await;
    let second = second.unwrap();
    let after: Vec<(String, String)> = events.events.borrow()[(first.created + first.updated) as usize..].to_vec();
    // (Changes from just before the first poll's window end, e.g. an earlier test's, come too.)
    let ours: Vec<&(String, String)> = after.iter().filter(|(_, e)| *e == email).collect();
    assert_eq!(ours, vec![&("created".to_string(), email.clone())], "{second:?}");
    assert_eq!(after.len() as u64, second.created + second.updated);
    let third = poller.poll(None, &WebCall::new()).await.unwrap();
    assert_eq!(third.processed, 0, "nothing is delivered twice: {third:?}");
}

pub async fn import() {
    let client = client();
    let (store, mapping) = (MemoryStore::new(), MemoryMapping::new());
    let email = fresh_email("rust-import");
    let record = |ext: &str, email: &str, password: Option<&str>| RosterRecord {
        line: None,
        external_id: Some(ext.into()),
        input: UpsertInput {
            first_name: Some("Im".into()),
            last_name: Some("Port".into()),
            email: Some(email.into()),
            password: password.map(Into::into),
            ..Default::default()
        },
    };
    let tag = now() as u64;
    let (ok, bad) = (format!("crm-{tag}-1"), format!("crm-{tag}-2"));
    let records = vec![record(&ok, &email, None), record(&bad, &fresh_email("rust-import-bad"), Some("short"))];
    let options = ImportOptions {
        store: Some(&store),
        key: Some("import-1".into()),
        checkpoint_every: 1,
        max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
        mapping: Some(&mapping),
        previous_base_url: None,
        mapping_lease: true,
    };
    let progress: RefCell<Vec<usize>> = RefCell::default();
    let result = import_roster(&client, &records, &options, &|p| progress.borrow_mut().push(p.done), &WebCall::new()).await.unwrap();
    assert_eq!(result.created.len(), 1);
    assert_eq!(result.created[0].email, email);
    assert_eq!(result.failed.len(), 1);
    assert!(result.failed[0].fields.as_ref().is_some_and(|f| f.contains_key("password")), "{:?}", result.failed);
    assert_eq!(*progress.borrow(), vec![1, 2]);
    assert_eq!(mapping.lookup(&ok).map(|m| m.vomo_user_id), Some(result.created[0].user.id));
    assert!(!store.is_empty(), "the checkpoint is saved");
    // A rerun with the same store and key sends again only the record whose password the
    // server refused: the key leaves passwords out, so a corrected one could not be told apart.
    let before = client.stats().requests;
    let again = import_roster(&client, &records, &options, &|_| {}, &WebCall::new()).await.unwrap();
    assert_eq!(client.stats().requests, before + 1, "only the refused password's record is sent again");
    assert_eq!((again.created.len(), again.failed.len()), (1, 1));
}

/// An injected fetch that records `[url, init.redirect, Accept]` per call and can hide the
/// response's Content-Length (so the body is read as a stream).
fn recording_fetch(hide_length: bool) -> js_sys::Function {
    js_sys::Function::new_with_args(
        "url, init",
        &format!(
            "(globalThis.__vomoCalls ??= []).push([url, init.redirect, init.headers.get('accept')]);
         return fetch(url, init).then((r) => {hide} ? new Response(r.body, {{ status: r.status,
           headers: [...r.headers].filter(([k]) => k !== 'content-length') }}) : r);",
            hide = hide_length
        ),
    )
}

fn recorded_calls() -> Vec<Value> {
    let calls = js_sys::Reflect::get(&js_sys::global(), &"__vomoCalls".into()).unwrap();
    let _ = js_sys::Reflect::set(&js_sys::global(), &"__vomoCalls".into(), &js_sys::Array::new());
    let text = js_sys::JSON::stringify(&calls).ok().and_then(|t| t.as_string()).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

pub async fn injected_fetch_and_size_cap() {
    let _ = recorded_calls();
    let client = vomo_users::web::client(config(), WebRuntime::new().with_fetch(recording_fetch(false))).unwrap();
    let id = some_user_id().await;
    assert_eq!(client.get_user(id, &WebCall::new()).await.unwrap().unwrap().user.id, id);
    let calls = recorded_calls();
    assert_eq!(calls, vec![json!([format!("{SIM_URL}/users/{id}"), "manual", "application/json"])], "one call through the injected fetch");
    // maxResponseBytes: a declared Content-Length beyond it is refused unread ...
    let mut small = config();
    small.max_response_bytes = 500;
    let capped = vomo_users::web::client(small.clone(), WebRuntime::new()).unwrap();
    let e = capped.get_user(id, &WebCall::new()).await.expect_err("too large");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("larger than maxResponseBytes") && e.message.contains("Content-Length declares"), "{e}");
    assert!(!e.message.contains("read before stopping"), "a declared length is not bytes read: {e}");
    // ... and an undeclared one is streamed and cut off past the cap.
    let streamed = vomo_users::web::client(small, WebRuntime::new().with_fetch(recording_fetch(true))).unwrap();
    let e = streamed.get_user(id, &WebCall::new()).await.expect_err("too large, streamed");
    assert!(e.message.contains("larger than maxResponseBytes") && e.message.contains("read before stopping"), "{e}");
    // Without the cap the streamed body is read whole.
    let whole = vomo_users::web::client(config(), WebRuntime::new().with_fetch(recording_fetch(true))).unwrap();
    assert_eq!(whole.get_user(id, &WebCall::new()).await.unwrap().unwrap().user.id, id);
    let _ = recorded_calls();
}

pub async fn redirect_is_refused() {
    let client = client();
    let id = some_user_id().await;
    control("POST", "faults", Some(json!({ "fault": { "path": format!("/v1/users/{id}"), "type": "redirect" } }))).await;
    let e = client.get_user(id, &WebCall::new()).await.expect_err("a redirect to another origin");
    assert_eq!(e.kind, ErrorKind::UnsafeLink, "{e}");
    let foreign = control("GET", "foreign-log", None).await;
    assert_eq!(foreign.as_array().map_or(0, Vec::len), 0, "the foreign origin received nothing");
}

pub async fn network_error_names_its_cause() {
    // A closed port on loopback (not one of fetch's blocked ports): Node's fetch names
    // ECONNREFUSED in the error's cause.
    let mut config = config();
    config.base_url = "http://127.0.0.1:47/v1".into();
    config.max_retries = 0;
    let client = vomo_users::web::client(config, WebRuntime::new()).unwrap();
    let e = client.get_user(1, &WebCall::new()).await.expect_err("nothing listens on port 47");
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    if vomo_users::web::can_set_user_agent() {
        assert!(e.message.contains("ECONNREFUSED"), "the cause is named: {e}");
    }
}

/// A turn of the event loop: promise reactions queued before it have run.
async fn a_turn() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Nothing is kept per request: 60 detail reads, with and without the caller's signal (each
/// an attempt's abort wait, and with the signal each throttle sleep's), leave the glue's table
/// of live JS values as it was. Before, each wait that never fired kept its promise's two
/// callbacks (a `JsFuture` frees them only when its promise settles): two per request.
pub async fn nothing_is_kept_per_request() {
    let client = client();
    let id = some_user_id().await;
    let controller = AbortController::new().unwrap();
    client.get_user(id, &WebCall::new()).await.unwrap();
    client.get_user(id, &WebCall::new().with_signal(controller.signal())).await.unwrap();
    a_turn().await;
    let before = wasm_bindgen::externref_heap_live_count();
    for i in 0..60 {
        let call = if i % 2 == 0 { WebCall::new() } else { WebCall::new().with_signal(controller.signal()) };
        assert!(client.get_user(id, &call).await.unwrap().is_some());
    }
    a_turn().await;
    let after = wasm_bindgen::externref_heap_live_count();
    assert!(after <= before + 4, "live JS values held by the glue: {before} before 60 requests, {after} after");
}

/// Nothing is kept by an attempt given up on a fetch that ignores its signal: one whose
/// promise never settles, a body stream that never ends (read chunk by chunk) and a body with
/// a declared length that never arrives (read by `arrayBuffer()`). Each attempt ends at its
/// timeout; before, its `JsFuture` on the promise that never settles kept its two callbacks
/// (and their state in wasm memory) for good: two live JS values per attempt.
pub async fn nothing_is_kept_by_an_abandoned_attempt() {
    let variants = [
        ("a fetch that never settles", "return new Promise(() => {});"),
        (
            "a body stream that never ends",
            "return new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{')); } }), \
             { status: 200, headers: { 'Content-Type': 'application/json' } });",
        ),
        (
            "a declared body that never arrives",
            "const r = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{')); } }), \
             { status: 200, headers: { 'Content-Type': 'application/json' } }); \
             const h = new Headers(r.headers); h.set('content-length', '100'); \
             return { status: 200, type: 'basic', headers: h, body: r.body, arrayBuffer: () => new Promise(() => {}) };",
        ),
    ];
    for (what, body) in variants {
        let fetch = js_sys::Function::new_with_args("url, init", body);
        let client = vomo_users::web::client(config(), WebRuntime::new().with_fetch(fetch)).unwrap();
        let call = || WebCall::new().with_timeout_ms(5.0).with_max_retries(0);
        assert_eq!(client.get_user(1, &call()).await.unwrap_err().kind, ErrorKind::Timeout, "{what}");
        a_turn().await;
        let before = wasm_bindgen::externref_heap_live_count();
        for _ in 0..20 {
            let e = client.get_user(1, &call()).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Timeout, "{what}: {e}");
        }
        a_turn().await;
        let after = wasm_bindgen::externref_heap_live_count();
        assert!(after <= before + 4, "{what}: live JS values held by the glue: {before} before 20 abandoned attempts, {after} after");
    }
}
