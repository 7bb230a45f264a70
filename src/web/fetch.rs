//! One HTTP exchange with web-sys: a `RequestInit` (`redirect: "manual"`, `Headers`, the
//! caller's signal forwarded to a per-attempt `AbortController`), sent as `fetch(url, init)`
//! to the global `fetch` or to one the user injected; a gloo-timers timeout aborts the
//! attempt; the body is read as bytes under
//! `maxResponseBytes` (a declared `Content-Length` beyond it is refused unread; every body is
//! streamed and cut off once it passes the cap).
//!
//! The body crosses to Rust as bytes (the stream's chunks, one copy each into wasm memory),
//! not as text: `text()` would decode UTF-8 in JS only for wasm-bindgen to encode it again on
//! the way in. Never `arrayBuffer()`, even when the length is declared: `fetch` inflates a
//! `Content-Encoding: gzip` (or br, deflate) body itself, and `Content-Length` counts the
//! compressed bytes, so 20 KB declared can be 20 MB read (a gzip bomb past the cap).

use super::signal::{is_aborted, AbortWait, Forward, UntilAborted};
use crate::client::{HttpRequest, HttpResponse, Oversize, TransportError};
use gloo_timers::callback::Timeout;
use js_sys::{Function, Reflect, Uint8Array};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, RequestRedirect, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (`globalThis.fetch`): there in browsers, their workers, Node 18+
    /// and workerd, with or without a `Window`.
    /// Called as `fetch(url, init)`, not with a `Request`: undici builds a second `Request`
    /// from one it is given, and that construction showed in the poller's CPU profile.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue>;
}

/// What the exchange needs besides the request.
pub struct Exchange<'a> {
    pub fetch: Option<&'a Function>,
    pub token: &'a str,
    pub user_agent: Option<&'a str>,
    pub timeout_ms: f64,
    pub signal: Option<&'a AbortSignal>,
}

/// Why an attempt stopped before a response was read.
enum Stop {
    Js(JsValue),
    TooLarge(Oversize),
}

impl From<JsValue> for Stop {
    fn from(e: JsValue) -> Stop {
        Stop::Js(e)
    }
}

pub async fn send(request: &HttpRequest, x: Exchange<'_>) -> Result<HttpResponse, TransportError> {
    if is_aborted(x.signal) {
        return Err(TransportError::Aborted);
    }
    let controller = AbortController::new().map_err(|e| TransportError::Network(describe(&e)))?;
    let timed_out = Rc::new(Cell::new(false));
    let timer = {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        Timeout::new(super::signal::delay(x.timeout_ms), move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let forward = x.signal.map(|s| Forward::new(s, &controller));
    // The attempt ends when the controller aborts (the timeout, the caller's signal) even
    // where the fetch does not: an injected fetch that drops `init.signal`, or a body stream
    // that ignores it, would otherwise keep the call waiting for good. Each of the attempt's
    // waits (the response, every chunk of the body) is raced against that abort, so that none
    // is left waiting on a promise that never settles (src/web/signal.rs, `UntilAborted`).
    let abort = AbortWait::new(&controller.signal());
    let outcome = attempt(request, &x, &controller.signal(), &abort.until()).await;
    drop(abort);
    drop(timer);
    drop(forward);
    match outcome {
        Ok(response) => Ok(response),
        Err(Stop::TooLarge(size)) => Err(TransportError::TooLarge(size)),
        Err(Stop::Js(_)) if is_aborted(x.signal) => Err(TransportError::Aborted),
        Err(Stop::Js(_)) if timed_out.get() => Err(TransportError::Timeout),
        Err(Stop::Js(e)) if runtime_refused(&e) => Err(TransportError::Refused(describe(&e))),
        Err(Stop::Js(e)) => Err(TransportError::Network(describe(&e))),
    }
}

/// Whether the runtime's permissions refused the request before it was sent: Deno's
/// `NotCapable` (`PermissionDenied` before 2.0), Node's permission model's `ERR_ACCESS_DENIED`
/// (Node 25+ without `--allow-net`: the `cause` of fetch's `TypeError`).
fn runtime_refused(e: &JsValue) -> bool {
    let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).ok().and_then(|v| v.as_string());
    let cause = Reflect::get(e, &"cause".into()).unwrap_or(JsValue::UNDEFINED);
    matches!(get(e, "name").as_deref(), Some("NotCapable" | "PermissionDenied"))
        || get(e, "code").as_deref() == Some("ERR_ACCESS_DENIED")
        || (cause.is_object() && get(&cause, "code").as_deref() == Some("ERR_ACCESS_DENIED"))
}

fn build(request: &HttpRequest, x: &Exchange<'_>, signal: &AbortSignal) -> Result<RequestInit, JsValue> {
    let headers = Headers::new()?;
    headers.set("Authorization", &format!("Bearer {}", x.token))?;
    headers.set("Accept", "application/json")?;
    if request.body.is_some() {
        headers.set("Content-Type", "application/json")?;
    }
    if let Some(ua) = x.user_agent {
        headers.set("User-Agent", ua)?;
    }
    let init = RequestInit::new();
    init.set_method(request.method);
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(signal));
    Ok(init)
}

async fn attempt(request: &HttpRequest, x: &Exchange<'_>, signal: &AbortSignal, until: &UntilAborted) -> Result<HttpResponse, Stop> {
    let init = build(request, x, signal)?;
    let pending = match x.fetch {
        // The package's contract for an injected fetch (`FetchLike`): a URL and an init.
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)?,
        None => global_fetch(&request.url, &init)?,
    };
    let value = until.settle(&pending).await?;
    // Duck-typed: an injected fetch may answer with another realm's Response.
    if value.is_null() || !value.is_object() || !Reflect::has(&value, &"status".into()).unwrap_or(false) {
        return Err(Stop::Js(js_sys::Error::new("fetch did not return a Response").into()));
    }
    let res: Response = value.unchecked_into();
    // When the headers came, for the throttle's latency (src/client/throttle.rs).
    let headers_at_ms = super::monotonic_now();
    let headers = res.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let bytes = read_body(&res, header("content-length").as_deref(), request.max_body_bytes, until).await?;
    Ok(HttpResponse {
        // A browser hides a manual redirect as an opaque response with status 0.
        status: if res.type_() == ResponseType::Opaqueredirect { 302 } else { res.status() },
        retry_after: header("retry-after"),
        location: header("location"),
        date: header("date"),
        rate_limit: header("x-ratelimit-limit"),
        rate_remaining: header("x-ratelimit-remaining"),
        rate_reset: header("x-ratelimit-reset"),
        headers_at_ms: Some(headers_at_ms),
        body: text(bytes),
    })
}

/// UTF-8 as `Response.text()` decodes it: a leading BOM dropped, bad sequences replaced.
fn text(bytes: Vec<u8>) -> String {
    let s = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

async fn read_body(res: &Response, content_length: Option<&str>, max: f64, until: &UntilAborted) -> Result<Vec<u8>, Stop> {
    let declared = content_length.and_then(|v| v.trim().parse::<f64>().ok());
    if let Some(n) = declared.filter(|n| *n > max) {
        if let Some(body) = res.body() {
            let _ = body.cancel(); // nothing to wait for: the response is dropped
        }
        return Err(Stop::TooLarge(Oversize::Declared(n)));
    }
    let Some(stream) = res.body() else { return Ok(Vec::new()) };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    // The declared length is a hint only (compressed bytes, or a server that says wrong).
    let mut out = Vec::with_capacity(declared.map_or(0.0, |n| n.min(max)) as usize);
    loop {
        let chunk = until.settle(&reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(out);
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())?.unchecked_into();
        let at = out.len();
        if (at + value.length() as usize) as f64 > max {
            let _ = reader.cancel();
            return Err(Stop::TooLarge(Oversize::Read((at + value.length() as usize) as f64)));
        }
        out.resize(at + value.length() as usize, 0);
        value.copy_to(&mut out[at..]);
    }
}

/// A thrown JS value as text: an Error's message, with Node's network cause (`ECONNREFUSED`,
/// ...) when there is one.
pub fn describe(e: &JsValue) -> String {
    let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let message = get(e, "message").as_string().or_else(|| e.as_string()).unwrap_or_else(|| "fetch failed".into());
    let cause = get(e, "cause");
    let detail = if cause.is_object() { get(&cause, "code").as_string().or_else(|| get(&cause, "message").as_string()) } else { None };
    match detail {
        Some(d) => format!("{message} ({d})"),
        None => message,
    }
}
