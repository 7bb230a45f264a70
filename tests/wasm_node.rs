//! The Rust parsers compiled to wasm32 and run in Node: `wasm-pack test --node -- --test wasm_node`.
#![cfg(target_arch = "wasm32")]

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
