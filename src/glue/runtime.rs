//! The [`Runtime`] of the wasm build: JS functions for the HTTP exchange and the sleep
//! (see `js/facade/transport.mjs`), `Date.now`, `Math.random`, the `onWarning` and `log`
//! callbacks. A call is the JS options bag of one method call: `{ signal, timeoutMs, maxRetries }`.

use crate::client::{AttemptLog, CallLimits, HttpRequest, HttpResponse, Runtime, TransportError};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, JsValue>;
}

pub struct JsRuntime {
    pub transport: Function,
    pub sleep: Function,
    pub on_warning: Option<Function>,
    pub on_log: Option<Function>,
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A number option of the call, `None` when absent; a non-number is `invalid_input`.
fn opt_number(call: &JsValue, key: &str) -> crate::error::Result<Option<f64>> {
    if call.is_undefined() || call.is_null() {
        return Ok(None);
    }
    let v = get(call, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| crate::error::VomoError::invalid_input(format!("{key} must be a number")))
}

fn opt_string(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// Awaits a value that may be a promise; a rejection becomes its message.
pub async fn settle(value: JsValue) -> Result<JsValue, JsValue> {
    match value.dyn_into::<js_sys::Promise>() {
        Ok(p) => JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

impl Runtime for JsRuntime {
    type Call = JsValue;

    async fn send(&self, request: &HttpRequest, token: &str, timeout_ms: f64, call: &JsValue) -> Result<HttpResponse, TransportError> {
        let args = Array::of5(
            &JsValue::from_str(request.method),
            &JsValue::from_str(&request.url),
            &JsValue::from_str(token),
            &request.body.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL),
            &JsValue::from_f64(timeout_ms),
        );
        args.push(call);
        args.push(&JsValue::from_f64(request.max_body_bytes));
        let result = match self.transport.apply(&JsValue::NULL, &args) {
            Ok(p) => settle(p).await,
            Err(e) => Err(e),
        };
        let r = result.map_err(|e| TransportError::Network(describe_js(&e)))?;
        match opt_string(&r, "error").as_deref() {
            Some("aborted") => return Err(TransportError::Aborted),
            Some("timeout") => return Err(TransportError::Timeout),
            Some("too_large") => return Err(TransportError::TooLarge(get(&r, "bytes").as_f64().unwrap_or(0.0))),
            Some(_) => return Err(TransportError::Network(opt_string(&r, "message").unwrap_or_else(|| "fetch failed".into()))),
            None => {}
        }
        Ok(HttpResponse {
            status: get(&r, "status").as_f64().unwrap_or(0.0) as u16,
            retry_after: opt_string(&r, "retryAfter"),
            location: opt_string(&r, "location"),
            date: opt_string(&r, "date"),
            rate_limit: opt_string(&r, "rateLimit"),
            rate_remaining: opt_string(&r, "rateRemaining"),
            rate_reset: opt_string(&r, "rateReset"),
            latency_ms: get(&r, "latencyMs").as_f64(),
            body: opt_string(&r, "body").unwrap_or_default(),
        })
    }

    async fn sleep(&self, ms: f64, call: &JsValue) -> Result<(), TransportError> {
        let slept = match self.sleep.call2(&JsValue::NULL, &JsValue::from_f64(ms), call) {
            Ok(p) => settle(p).await.map(|v| v.as_bool().unwrap_or(true)).unwrap_or(true),
            Err(_) => true,
        };
        if slept { Ok(()) } else { Err(TransportError::Aborted) }
    }

    fn now_ms(&self) -> f64 {
        // Date.now: leases and Retry-After dates are wall-clock times.
        js_sys::Date::now()
    }

    fn monotonic_ms(&self) -> f64 {
        // performance.now (sub-millisecond, never stepped) spaces requests; Date.now where a
        // host lacks it.
        performance_now().unwrap_or_else(|_| js_sys::Date::now())
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn warn(&self, message: &str) {
        if let Some(f) = &self.on_warning {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(message));
        }
    }

    fn is_aborted(&self, call: &JsValue) -> bool {
        !call.is_undefined() && !call.is_null() && get(&get(call, "signal"), "aborted").as_bool().unwrap_or(false)
    }

    fn call_limits(&self, call: &JsValue) -> crate::error::Result<CallLimits> {
        CallLimits::check(opt_number(call, "timeoutMs")?, opt_number(call, "maxRetries")?, "call options")
    }

    fn log(&self, entry: &AttemptLog) {
        if let (Some(f), Ok(json)) = (&self.on_log, serde_json::to_string(entry)) {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&json));
        }
    }
}

/// A short description of a thrown JS value (an Error's message, or its string form).
pub fn describe_js(e: &JsValue) -> String {
    opt_string(e, "message").or_else(|| e.as_string()).unwrap_or_else(|| "unknown JS error".into())
}
