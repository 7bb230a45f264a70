//! The Rust parsers compiled to wasm32 in headless Chromium, reading a live page from the
//! simulator cross-origin: `wasm-pack test --headless --chrome -- --test wasm_browser`.
//! The simulator URL is fixed at compile time by `VOMO_SIM_URL` (scripts/test.sh starts it).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SIM_URL: &str = match option_env!("VOMO_SIM_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4010/v1",
};
/// The simulator's default bearer token (sim/lib/simulator.mjs DEFAULT_TOKEN).
const SIM_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2b21vLXNpbSIsIm9yZyI6InNpbXVsYXRvciIsImlhdCI6MTcwMDAwMDAwMH0.c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmVyaWZpZWQ";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with(url: &str, init: &JsValue) -> js_sys::Promise;
    type Response;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Response) -> u16;
    #[wasm_bindgen(method)]
    fn text(this: &Response) -> js_sys::Promise;
}

#[wasm_bindgen_test]
fn fixture_page_parses_in_the_browser() {
    let page = vomo_users::parse::user_page(include_str!("fixtures/list_page_spec_example.json")).unwrap();
    assert_eq!(page.data[1].id, 12346);
    assert_eq!(page.links.prev, None);
}

#[wasm_bindgen_test]
async fn simulator_page_fetched_cross_origin_parses() {
    let headers = js_sys::Object::new();
    js_sys::Reflect::set(&headers, &"Authorization".into(), &format!("Bearer {SIM_TOKEN}").into()).unwrap();
    js_sys::Reflect::set(&headers, &"Accept".into(), &"application/json".into()).unwrap();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"headers".into(), &headers).unwrap();
    let url = format!("{SIM_URL}/users");
    let resp: Response = JsFuture::from(fetch_with(&url, &init)).await
        .unwrap_or_else(|e| panic!("fetch {url} failed (is the simulator running?): {e:?}"))
        .unchecked_into();
    assert_eq!(resp.status(), 200, "GET {url}");
    let body = JsFuture::from(resp.text()).await.unwrap().as_string().unwrap();
    let page = vomo_users::parse::user_page(&body).expect("simulator page parses");
    assert!(!page.data.is_empty());
    assert!(page.meta.total >= page.data.len() as u64);
    assert!(page.data.iter().all(|u| u.created_at.to_string().ends_with('Z')));
}
