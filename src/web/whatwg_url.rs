//! The host's WHATWG `URL` (the parser its own `fetch` uses), for src/client/url.rs on
//! wasm32: a link resolves to its serialization exactly as the runtime will read it, without
//! the `url` crate in the wasm.

use wasm_bindgen::JsCast;

/// `new URL(input, base)`'s `href` and `hostname`, or why it failed.
pub(crate) fn resolve(input: &str, base: Option<&str>) -> Result<(String, String), String> {
    let url = match base {
        Some(base) => web_sys::Url::new_with_base(input, base),
        None => web_sys::Url::new(input),
    }
    .map_err(|e| e.dyn_into::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|_| "invalid URL".into()))?;
    Ok((url.href(), url.hostname()))
}
