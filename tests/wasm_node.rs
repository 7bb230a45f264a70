//! The Rust core compiled to wasm32 and run in Node: the parsers, and the client, poller and
//! import through the Rust API (`vomo_users::web`) against the simulator over real HTTP:
//! `VOMO_SIM_URL=... wasm-pack test --node -- --test wasm_node` (scripts/test.sh starts one).
#![cfg(target_arch = "wasm32")]

mod wasm_client;

use wasm_bindgen_test::*;
const PAGE: &str = include_str!("fixtures/list_page_spec_example.json");
const DETAIL: &str = include_str!("fixtures/upsert_200_doc_example.json");

#[wasm_bindgen_test]
fn list_page_spec_gaps_in_wasm() {
    let page = vomo_users::parse::user_page(PAGE).expect("page parses");
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1].id, 12346, "string id becomes a number");
    assert_eq!(page.data[1].phone, None, "empty phone becomes null");
    assert_eq!(page.links.prev, None, "\"null\" link becomes null");
    assert_eq!(page.meta.total, 120, "string meta number");
    assert!(!page.warnings.is_empty(), "unknown enum values are reported");
}

#[wasm_bindgen_test]
fn detail_hours_and_ids_in_wasm() {
    let d = vomo_users::parse::user_detail(DETAIL).expect("detail parses");
    assert_eq!(d.user.id, 8205);
    assert_eq!(d.participations[0].hours, 4.0);
    assert_eq!(d.participations[0].project_date_id, Some(1011));
}

#[wasm_bindgen_test]
fn malformed_body_is_a_parse_error_in_wasm() {
    let err = vomo_users::parse::user_page("{\"links\":{}}").unwrap_err();
    assert!(err.to_string().contains("data"), "{err}");
    assert!(vomo_users::parse::user_page("not json").is_err());
}

#[wasm_bindgen_test]
fn page_scan_with_simd128_reads_and_checks_strings_in_wasm() {
    // The wasm scanner finds a string's end 16 bytes at a time (src/parse/page_scan.rs): long
    // strings with escapes and non-ASCII read as the model route reads them, and a broken
    // UTF-8 byte anywhere in one is refused as from_utf8 refuses it.
    let name = r#"Ana Lima de Souza e Silva, \"quoted\", é 日本 \u00e9 😀 and a long tail of plain ASCII text"#;
    let text = format!(
        r#"{{"data":[{{"id":1,"first_name":"{name}","last_name":"L","full_name":"{name}","email":"a@b.org","created_at":"2025-11-04T08:00:00Z","updated_at":"2025-11-04T08:00:00Z"}}],"links":{{}},"meta":{{"current_page":1,"per_page":15,"total":1}}}}"#
    );
    let scanned: serde_json::Value = serde_json::from_str(&vomo_users::parse::user_page_json(&text).unwrap()).unwrap();
    assert_eq!(scanned, serde_json::to_value(vomo_users::parse::user_page(&text).unwrap()).unwrap());
    assert_eq!(scanned["data"][0]["firstName"], "Ana Lima de Souza e Silva, \"quoted\", é 日本 é 😀 and a long tail of plain ASCII text");
    for (at, bad) in [(40, &b"\xff"[..]), (45, b"\xc3"), (50, b"\xed\xa0\x80"), (60, b"\xe6\x97"), (70, b"\x80")] {
        let at = text.find(name).unwrap() + at;
        let bytes = [&text.as_bytes()[..at], bad, &text.as_bytes()[at..]].concat();
        let err = vomo_users::parse::user_page_parts_utf8(&bytes).unwrap_err();
        assert_eq!(err.message, format!("$: not UTF-8 ({})", std::str::from_utf8(&bytes).unwrap_err()));
    }
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
    wasm_client::upsert_with_422(true).await; // Node sends vomo-users' User-Agent
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

#[path = "../examples/web_client.rs"]
#[allow(dead_code)]
mod example;

#[wasm_bindgen_test]
async fn the_rust_example_runs_against_the_simulator() {
    let email = format!("example.{}@example.org", js_sys::Date::now() as u64);
    let s = example::app::sync(wasm_client::SIM_URL, wasm_client::SIM_TOKEN, &email).await.expect("the example runs");
    assert!(s.listed >= 200, "{s:?}");
    assert!(s.created);
    assert_eq!(s.rejected_fields, vec!["password".to_string()]);
    assert!(s.delivered >= s.listed, "the initial sync hands every user to the handler: {s:?}");
    assert_eq!(s.imported, 1);
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
