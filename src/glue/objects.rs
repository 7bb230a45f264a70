//! Small values as plain JS objects (serde-wasm-bindgen) instead of JSON text: see the module
//! comment of `glue` for which values cross this way and why.

use super::error::{to_js_error, JsResult};
use crate::error::VomoError;
use wasm_bindgen::JsValue;

/// A value as a plain JS object (serde-wasm-bindgen), in JSON's shapes: `None` is `null`,
/// maps are objects, 64-bit integers are numbers. For small values, where building the
/// object directly costs less than JSON text and a `JSON.parse` (see the module comment of
/// `glue`).
pub fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| to_js_error(VomoError::parse("$", e)))
}
