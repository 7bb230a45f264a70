//! The client's runtime in the JS build is the crate's own web runtime (`crate::web`:
//! web-sys `fetch`, gloo-timers), built from the façade's options: an injected `fetch`,
//! the application's `userAgent` product, the `onWarning` and `log` callbacks. A call is
//! the JS options bag of one method call, `{ signal, timeoutMs, maxRetries }` and the name
//! of the method (`who`, from the façade), read here into a [`WebCall`].

use crate::client::{AttemptLog, CallLimits};
use crate::error::VomoError;
use crate::web::{WebCall, WebRuntime};
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A number option of the call, `None` when absent; a non-number is `invalid_input`, named
/// by the method (`who`) as the core's own checks of its value are.
fn opt_number(call: &JsValue, key: &str, who: Option<&str>) -> crate::error::Result<Option<f64>> {
    let v = get(call, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let prefix = who.map(|w| format!("{w}: ")).unwrap_or_default();
    v.as_f64().map(Some).ok_or_else(|| VomoError::invalid_input(format!("{prefix}{key} must be a number")))
}

/// The call's options bag as a [`WebCall`]. The signal is used duck-typed (`aborted`,
/// `addEventListener`), as the JS transport did.
pub fn call_of(options: &JsValue) -> crate::error::Result<WebCall> {
    let mut call = WebCall::new();
    if options.is_undefined() || options.is_null() {
        return Ok(call);
    }
    let who = get(options, "who").as_string();
    if let Some(name) = &who {
        call = call.named(name);
    }
    let signal = get(options, "signal");
    if signal.is_object() {
        call = call.with_signal(signal.unchecked_into());
    }
    if let Some(ms) = opt_number(options, "timeoutMs", who.as_deref())? {
        call = call.with_timeout_ms(ms);
    }
    // A JS number: checked as the client's option is (a whole number in range), then whole.
    let max_retries = opt_number(options, "maxRetries", who.as_deref())?;
    if let Some(n) = CallLimits::check(None, max_retries, who.as_deref().unwrap_or("call options"))?.max_retries {
        call = call.with_max_retries(n);
    }
    Ok(call)
}

/// The web runtime with the façade's options; the hooks get plain JS objects.
pub fn web_runtime(
    fetch: Option<Function>,
    user_agent: Option<String>,
    on_warning: Option<Function>,
    on_log: Option<Function>,
) -> WebRuntime {
    let mut runtime = WebRuntime::new();
    if let Some(f) = fetch {
        runtime = runtime.with_fetch(f);
    }
    if let Some(product) = user_agent.filter(|p| !p.is_empty()) {
        runtime = runtime.with_user_agent(&product);
    }
    if let Some(f) = on_warning {
        runtime = runtime.on_warning(move |message| {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(message));
        });
    }
    if let Some(f) = on_log {
        runtime = runtime.on_log(move |entry: &AttemptLog| {
            if let Ok(value) = super::objects::to_js(entry) {
                let _ = f.call1(&JsValue::NULL, &value);
            }
        });
    }
    runtime
}

/// Awaits `value` (what a store, a handler or a mapping answered) when it is a promise of any
/// realm, else gives it back. A thenable counts: Jest's node environment, for one, runs the
/// package in a realm of its own while `fs/promises` answers with the outer realm's promises,
/// which `instanceof Promise` misses. A value that is not one costs no promise. (A fetch's
/// answer is awaited by `web::signal::UntilAborted`, whose `Promise.race` adopts any realm's.)
pub(crate) async fn settle(value: JsValue) -> Result<JsValue, JsValue> {
    if let Some(p) = value.dyn_ref::<js_sys::Promise>() {
        return wasm_bindgen_futures::JsFuture::from(p.clone()).await;
    }
    let thenable =
        (value.is_object() || value.is_function()) && Reflect::get(&value, &"then".into()).map(|then| then.is_function()).unwrap_or(false);
    if thenable {
        return wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&value)).await;
    }
    Ok(value)
}

/// A short description of a thrown JS value (an Error's message, or its string form).
pub fn describe_js(e: &JsValue) -> String {
    get(e, "message").as_string().or_else(|| e.as_string()).unwrap_or_else(|| "unknown JS error".into())
}

/// The promise of an async export. Every export's future goes through this one boxed
/// instantiation of `future_to_promise`, whose wrapper code would otherwise be repeated for
/// each future type.
pub fn promise(future: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static) -> js_sys::Promise {
    let future: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(future)
}
