//! The Rust core compiled to wasm32 in headless Chromium, against the simulator cross-origin:
//! the parsers on a live page fetched with web-sys, and the client, poller and import through
//! the Rust API (`vomo_users::web`):
//! `VOMO_SIM_URL=... wasm-pack test --headless --chrome -- --test wasm_browser`.
//! The simulator URL is fixed at compile time by `VOMO_SIM_URL` (scripts/test.sh starts it).
#![cfg(target_arch = "wasm32")]

mod wasm_client;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_client::{SIM_TOKEN, SIM_URL};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn fixture_page_parses_in_the_browser() {
    let page = vomo_users::parse::user_page(include_str!("fixtures/list_page_spec_example.json")).unwrap();
    assert_eq!(page.data[1].id, 12346);
    assert_eq!(page.links.prev, None);
}

#[wasm_bindgen_test]
async fn simulator_page_fetched_cross_origin_parses() {
    let headers = web_sys::Headers::new().unwrap();
    headers.set("Authorization", &format!("Bearer {SIM_TOKEN}")).unwrap();
    headers.set("Accept", "application/json").unwrap();
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let url = format!("{SIM_URL}/users");
    let window = web_sys::window().expect("a page has a window");
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .unwrap_or_else(|e| panic!("fetch {url} failed (is the simulator running?): {e:?}"))
        .unchecked_into();
    assert_eq!(resp.status(), 200, "GET {url}");
    let body = JsFuture::from(resp.text().unwrap()).await.unwrap().as_string().unwrap();
    let page = vomo_users::parse::user_page(&body).expect("simulator page parses");
    assert!(!page.data.is_empty());
    assert!(page.meta.total >= page.data.len() as u64);
    assert!(page.data.iter().all(|u| u.created_at.to_string().ends_with('Z')));
}

#[wasm_bindgen_test]
async fn client_lists_every_page() {
    wasm_client::listing().await;
}

#[wasm_bindgen_test]
async fn client_reads_a_detail_and_a_404() {
    wasm_client::detail().await;
}

#[wasm_bindgen_test]
async fn client_upsert_gets_a_422_then_creates_and_updates() {
    wasm_client::upsert_with_422(false).await; // a page sends no script-set User-Agent
}

#[wasm_bindgen_test]
async fn client_retries_after_429_with_retry_after() {
    wasm_client::retry_after_429().await;
}

#[wasm_bindgen_test]
async fn client_aborts_and_times_out() {
    wasm_client::abort_and_timeout().await;
}

#[wasm_bindgen_test]
async fn poller_delivers_a_new_user_once() {
    wasm_client::poll().await;
}

#[wasm_bindgen_test]
async fn import_creates_fails_with_fields_and_resumes() {
    wasm_client::import().await;
}

#[wasm_bindgen_test]
async fn client_uses_an_injected_fetch_and_caps_the_body() {
    wasm_client::injected_fetch_and_size_cap().await;
}

#[wasm_bindgen_test]
async fn client_refuses_a_redirect_to_another_origin() {
    wasm_client::redirect_is_refused().await;
}

#[wasm_bindgen_test]
async fn client_network_error_names_its_cause() {
    wasm_client::network_error_names_its_cause().await;
}

#[wasm_bindgen_test]
async fn client_keeps_no_js_value_per_request() {
    wasm_client::nothing_is_kept_per_request().await;
}

#[wasm_bindgen_test]
async fn client_keeps_nothing_of_an_attempt_given_up_on_a_fetch_that_ignores_its_signal() {
    wasm_client::nothing_is_kept_by_an_abandoned_attempt().await;
}
