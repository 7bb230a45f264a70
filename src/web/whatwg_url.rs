//! The host's WHATWG `URL` (the parser its own `fetch` uses), for src/client/url.rs on
//! wasm32: a link resolves to its serialization exactly as the runtime will read it, without
//! the `url` crate in the wasm.

use wasm_bindgen::JsCast;

/// `new URL(input, base)`'s `href`, or why it failed. A host that the parser mapped to
/// punycode from non-ASCII (or percent-encoded) text is refused, as the native build's
/// ASCII-only IDNA refuses it: a `xn--` label of the result must be written in the input
/// (or come from `base`).
pub(crate) fn resolve(input: &str, base: Option<&str>) -> Result<String, String> {
    let url = match base {
        Some(base) => web_sys::Url::new_with_base(input, base),
        None => web_sys::Url::new(input),
    }
    .map_err(|e| e.dyn_into::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|_| "invalid URL".into()))?;
    let written = |label: &str| {
        let has = |text: &str| text.to_ascii_lowercase().contains(label);
        has(input) || base.is_some_and(has)
    };
    if url.hostname().split('.').any(|label| label.starts_with("xn--") && !written(label)) {
        return Err("international host names are not supported".into());
    }
    Ok(url.href())
}
