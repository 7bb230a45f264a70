//! The one place where a core [`VomoError`] becomes a JS value.

use crate::error::{ErrorKind, VomoError};
use wasm_bindgen::prelude::*;

#[cfg(feature = "full")]
thread_local! {
    /// What host callbacks threw, by handle ([`VomoError::host_error`]), until the error that
    /// carries the handle reaches JS. Errors the core drops (a best-effort lease release) never
    /// come back for theirs, so only the last [`KEPT`] are kept.
    static THROWN: std::cell::RefCell<(u32, std::collections::VecDeque<(u32, JsValue)>)> = Default::default();
}

#[cfg(feature = "full")]
const KEPT: usize = 16;

/// Keeps a value a store or mapping threw; the returned handle goes into the core's error.
#[cfg(feature = "full")]
pub fn keep_thrown(value: JsValue) -> u32 {
    THROWN.with(|t| {
        let (next, kept) = &mut *t.borrow_mut();
        *next = next.wrapping_add(1);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((*next, value));
        *next
    })
}

#[cfg(feature = "full")]
fn take_thrown(handle: u32) -> Option<JsValue> {
    THROWN.with(|t| {
        let kept = &mut t.borrow_mut().1;
        let at = kept.iter().position(|(h, _)| *h == handle)?;
        kept.remove(at).map(|(_, v)| v)
    })
}

/// `{ __vomo: true, kind, retryable, status, message, fieldsJson, cause? }`; the façade wraps it
/// in `VomoError`. `cause` is what the store or mapping threw, when that is what failed.
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
    set("retryAfterMs", e.retry_after_ms.map(|ms| JsValue::from_f64(ms.round())).unwrap_or(JsValue::NULL));
    #[cfg(feature = "full")] // the parse-only build calls no store
    if let Some(thrown) = e.host_error.and_then(take_thrown) {
        set("cause", thrown);
    }
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
