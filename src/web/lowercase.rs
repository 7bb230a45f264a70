//! The host's `String.prototype.toLowerCase`, for src/case.rs on wasm32.

/// `text.toLowerCase()` in the JS engine.
pub(crate) fn lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}
