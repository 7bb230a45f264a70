//! The measurement behind the glue's choice of JSON text or serde-wasm-bindgen objects per
//! value (BENCHMARKS.md, "JS boundary"): each value built as a JS object both ways, timed in
//! Node on the release build. Prints figures; asserts only that both ways agree.
//! Also how a response body is best read into Rust: `text()` (decoded in JS, encoded again
//! by wasm-bindgen) or `arrayBuffer()` (one copy of the bytes, UTF-8 checked in Rust).
//! `wasm-pack test --node --release -- --test wasm_boundary -- --nocapture`
#![cfg(target_arch = "wasm32")]

use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now() -> f64;
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn print(s: &str);
}

/// A wire page of `n` users like the live API's (the fixture's two users, repeated).
fn page_text(n: usize) -> String {
    let base: Value = serde_json::from_str(include_str!("fixtures/list_page_spec_example.json")).unwrap();
    let users = base["data"].as_array().unwrap();
    let data: Vec<Value> = (0..n)
        .map(|i| {
            let mut u = users[i % 2].clone();
            u["id"] = json!(20_000 + i);
            u["email"] = json!(format!("user{i}@example.org"));
            u
        })
        .collect();
    let mut page = base.clone();
    page["data"] = Value::Array(data);
    page.to_string()
}

fn as_json<T: Serialize>(value: &T) -> JsValue {
    js_sys::JSON::parse(&serde_json::to_string(value).unwrap()).unwrap()
}

fn as_object<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap()
}

fn per_op(rounds: u32, mut f: impl FnMut() -> JsValue) -> f64 {
    for _ in 0..rounds / 10 {
        f();
    }
    let t0 = now();
    for _ in 0..rounds {
        f();
    }
    (now() - t0) * 1000.0 / f64::from(rounds)
}

fn compare<T: Serialize>(what: &str, value: &T, rounds: u32) {
    let same = js_sys::JSON::stringify(&as_json(value)).unwrap() == js_sys::JSON::stringify(&as_object(value)).unwrap();
    assert!(same, "{what}: both ways build the same object");
    let (text, object) = (per_op(rounds, || as_json(value)), per_op(rounds, || as_object(value)));
    print(&format!("{what:<40} JSON text + JSON.parse {text:>8.1} µs   serde-wasm-bindgen {object:>8.1} µs   ({:.2}x)", object / text));
}

/// JS -> Rust: `JSON.stringify` and serde_json, or serde-wasm-bindgen reading the object.
fn compare_in<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(what: &str, object: &JsValue, rounds: u32) {
    let via_text = || -> T { serde_json::from_str(&js_sys::JSON::stringify(object).unwrap().as_string().unwrap()).unwrap() };
    let via_object = || -> T { serde_wasm_bindgen::from_value(object.clone()).unwrap() };
    assert_eq!(via_text(), via_object(), "{what}: both ways read the same value");
    let (text, obj) = (
        per_op(rounds, || {
            via_text();
            JsValue::NULL
        }),
        per_op(rounds, || {
            via_object();
            JsValue::NULL
        }),
    );
    print(&format!("{what:<40} JSON.stringify + serde_json {text:>8.1} µs   serde-wasm-bindgen {obj:>8.1} µs   ({:.2}x)", obj / text));
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Small {
    requests: u64,
    retries: u64,
    rate_limited: u64,
    errors: u64,
}

#[wasm_bindgen_test]
fn json_text_or_objects_in() {
    let input =
        js_sys::JSON::parse(r#"{"firstName":"Ana","lastName":"Lima","email":"ana@example.org","phone":"555","role":"volunteer"}"#).unwrap();
    compare_in::<vomo_users::client::UpsertInput>("an upsert input (JS -> Rust)", &input, 20_000);
    let mapped = js_sys::JSON::parse(r#"{"vomoUserId":8205,"email":"ana@example.org"}"#).unwrap();
    compare_in::<vomo_users::import::MappedUser>("a mapping entry (JS -> Rust)", &mapped, 20_000);
}

#[wasm_bindgen_test]
fn json_text_or_objects() {
    let page = vomo_users::parse::user_page(&page_text(15)).unwrap();
    compare("a page of 15 users", &page, 2000);
    let big = vomo_users::parse::user_page(&page_text(200)).unwrap();
    compare("200 users (a listAllUsers result)", &big.data, 200);
    compare("one user (an event, a lookup result)", &page.data[0], 20_000);
    let detail = vomo_users::parse::user_detail(include_str!("fixtures/upsert_200_doc_example.json")).unwrap();
    compare("a user detail with participations", &detail, 20_000);
    let request = vomo_users::client::HttpRequest {
        method: "GET",
        url: "https://api.vomo.org/v1/users?page=2".into(),
        body: None,
        max_body_bytes: 1e7,
    };
    let log =
        vomo_users::client::AttemptLog::new(&request, 1, 12.5, &Ok(vomo_users::client::HttpResponse { status: 200, ..Default::default() }));
    compare("a log hook entry", &log, 50_000);
    let progress =
        vomo_users::import::Progress { done: 3, total: 10, created: 2, updated: 1, failed: 0, email_changed: 0, eta_ms: Some(1500.0) };
    compare("an import progress event", &progress, 50_000);
    let report = vomo_users::poller::PollReport { checkpoint: Some("2025-11-04T08:00:00.000Z".into()), ..Default::default() };
    compare("a poll report", &report, 50_000);
    compare("stats (4 numbers)", &Small { requests: 12, retries: 1, rate_limited: 0, errors: 0 }, 50_000);
}

async fn body_per_op(text: &str, rounds: u32, as_bytes: bool) -> f64 {
    use wasm_bindgen_futures::JsFuture;
    let mut total = 0.0;
    let mut len = 0;
    for _ in 0..rounds {
        let response = web_sys::Response::new_with_opt_str(Some(text)).unwrap();
        let t0 = now();
        let body = if as_bytes {
            let buffer = JsFuture::from(response.array_buffer().unwrap()).await.unwrap();
            String::from_utf8(js_sys::Uint8Array::new(&buffer).to_vec()).unwrap()
        } else {
            JsFuture::from(response.text().unwrap()).await.unwrap().as_string().unwrap()
        };
        total += now() - t0;
        len = body.len();
    }
    assert_eq!(len, text.len());
    total * 1000.0 / f64::from(rounds)
}

#[wasm_bindgen_test]
async fn response_body_as_text_or_bytes() {
    for (what, n, rounds) in [("a page of 15 users", 15, 2000), ("a page of 200 users", 200, 300)] {
        let text = page_text(n);
        body_per_op(&text, rounds / 10, false).await; // warm-up
        let (as_text, as_bytes) = (body_per_op(&text, rounds, false).await, body_per_op(&text, rounds, true).await);
        print(&format!(
            "body of {what} ({} bytes): text() {as_text:>7.1} µs   arrayBuffer() as bytes {as_bytes:>7.1} µs   ({:.2}x)",
            text.len(),
            as_bytes / as_text
        ));
    }
}
