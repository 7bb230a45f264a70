//! The one place where a core [`VomoError`] becomes a JS value.

use crate::error::{ErrorKind, VomoError};
use wasm_bindgen::prelude::*;

/// `{ __vomo: true, kind, retryable, status, message, fieldsJson }`; the façade wraps it in `VomoError`.
pub fn to_js_error(e: VomoError) -> JsValue {
    let obj = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &v);
    };
    set("__vomo", JsValue::TRUE);
    set("kind", JsValue::from_str(e.kind.as_str()));
    set("retryable", JsValue::from_bool(e.retryable()));
    set("status", e.status.map(|s| JsValue::from_f64(f64::from(s))).unwrap_or(JsValue::NULL));
    set("message", JsValue::from_str(&e.message));
    let fields = match &e.fields {
        Some(f) => serde_json::to_string(f).map(|s| JsValue::from_str(&s)).unwrap_or(JsValue::NULL),
        None => JsValue::NULL,
    };
    set("fieldsJson", fields);
    obj.into()
}

pub type JsResult<T> = Result<T, JsValue>;

pub fn to_json<T: serde::Serialize>(value: &T) -> JsResult<String> {
    serde_json::to_string(value).map_err(|e| to_js_error(VomoError::parse("$", e)))
}

/// The kinds a later attempt may succeed at, for the errors the façade makes itself. The
/// full build's `policy().retryableKinds` is the same list; the parse-only build has this.
#[wasm_bindgen(js_name = retryableKinds)]
pub fn retryable_kinds() -> Vec<String> {
    ErrorKind::all().iter().filter(|k| k.is_retryable()).map(|k| k.as_str().to_string()).collect()
}
