//! The web runtime: the crate's [`Client`](crate::client::Client), [`Poller`](crate::poller::Poller) and
//! [`import_roster`](crate::import::import_roster) for Rust compiled to wasm32, over the
//! platform's `fetch` (web-sys) and timers (gloo-timers). It needs no `Window`: the same
//! code runs in browsers and their workers, Node 18+ and Cloudflare Workers (workerd).
//!
//! ```ignore
//! use vomo_users::client::{ClientConfig, Filters};
//! use vomo_users::web::{WebCall, WebRuntime};
//!
//! let client = vomo_users::web::client(ClientConfig::new(token), WebRuntime::new())?;
//! let users = client.list_all(&Filters::default(), &WebCall::new()).await?;
//! ```
//!
//! `docs/rust.md` has the whole walk-through (poller, import, aborts, per-call limits).

mod fetch;
pub(crate) mod lowercase;
mod memory;
mod signal;
/// For the glue's calls of JS code (a mapping) that an abort stops waiting for.
#[cfg(feature = "js")]
pub(crate) use signal::AbortWait;
pub(crate) mod whatwg_url;

pub use memory::{MemoryMapping, MemoryStore};
pub use web_sys::{AbortController, AbortSignal};

use crate::client::{AttemptLog, CallLimits, Client, ClientConfig, HttpRequest, HttpResponse, Runtime, TransportError};
use js_sys::{Function, Reflect};
use wasm_bindgen::JsValue;

/// A client over the web runtime.
pub type WebClient = Client<WebRuntime>;

/// Checks `config` and builds a client over `runtime`.
pub fn client(config: ClientConfig, runtime: WebRuntime) -> crate::Result<WebClient> {
    Client::new(config, runtime)
}

type WarningHook = Box<dyn Fn(&str)>;
type LogHook = Box<dyn Fn(&AttemptLog)>;

/// The host side of a client in a JS engine: `fetch`, timers, the clock, `Math.random`,
/// and the application's warning and log hooks.
pub struct WebRuntime {
    fetch: Option<Function>,
    user_agent: Option<String>,
    on_warning: Option<WarningHook>,
    on_log: Option<LogHook>,
}

/// Which `fetch` (the global one, or one injected), the `User-Agent`, and which hooks are set.
impl std::fmt::Debug for WebRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRuntime")
            .field("fetch", &if self.fetch.is_some() { "injected" } else { "global" })
            .field("user_agent", &self.user_agent)
            .field("on_warning", &self.on_warning.is_some())
            .field("on_log", &self.on_log.is_some())
            .finish()
    }
}

impl Default for WebRuntime {
    fn default() -> Self {
        WebRuntime::new()
    }
}

/// Browsers (pages and web workers) forbid or ignore a script-set `User-Agent`, and on a
/// cross-origin call it would be one more header the server's CORS preflight must allow:
/// none is sent there. Node and workerd send `User-Agent: vomo-users/<version>`.
pub fn can_set_user_agent() -> bool {
    let global = js_sys::global();
    let get = |k: &str| Reflect::get(&global, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    get("document").is_undefined() && !get("importScripts").is_function()
}

impl WebRuntime {
    /// The global `fetch`, `User-Agent: vomo-users/<version>` where one can be set, no hooks.
    pub fn new() -> Self {
        let user_agent = can_set_user_agent().then(|| format!("vomo-users/{}", env!("CARGO_PKG_VERSION")));
        WebRuntime { fetch: None, user_agent, on_warning: None, on_log: None }
    }

    /// Sends every request through this function instead of the global `fetch`; it is
    /// called as `fetch(url, init)` (a string and a `RequestInit`) and may return a
    /// `Response` or a promise of one.
    pub fn with_fetch(mut self, fetch: Function) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// Puts the application's product token before `vomo-users/<version>` in the
    /// `User-Agent` (ignored where none can be set).
    pub fn with_user_agent(mut self, product: &str) -> Self {
        if let Some(ua) = &self.user_agent {
            self.user_agent = Some(format!("{product} {ua}"));
        }
        self
    }

    /// Receives parse warnings and other notices (never the token).
    pub fn on_warning(mut self, hook: impl Fn(&str) + 'static) -> Self {
        self.on_warning = Some(Box::new(hook));
        self
    }

    /// Sees each HTTP attempt: method, path, status or error, duration, attempt number.
    pub fn on_log(mut self, hook: impl Fn(&AttemptLog) + 'static) -> Self {
        self.on_log = Some(Box::new(hook));
        self
    }

    /// The `User-Agent` this runtime sends, if any.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }
}

/// One call's options: an `AbortSignal` and overrides of the client's `timeout_ms` and
/// `max_retries` (checked with the client's own rules when the call starts).
#[derive(Debug, Clone, Default)]
pub struct WebCall {
    signal: Option<AbortSignal>,
    timeout_ms: Option<f64>,
    max_retries: Option<u32>,
    /// The call's name in the messages about its options (`getUser: timeoutMs must be ...`).
    name: Option<String>,
}

impl WebCall {
    /// A call with no signal and the client's own limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ends the call when `signal` fires: a request under way is cut off, a wait ends, and
    /// the call fails with `aborted`.
    pub fn with_signal(mut self, signal: AbortSignal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// This call's per-attempt timeout in ms, instead of the client's (a positive number).
    pub fn with_timeout_ms(mut self, ms: f64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// This call's re-sends, instead of the client's (a whole number from 0 to
    /// [`MAX_RETRIES_LIMIT`](crate::client::MAX_RETRIES_LIMIT)).
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Names the call in the messages about its options (default: `call options`).
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// The call's abort signal, if it has one.
    pub fn signal(&self) -> Option<&AbortSignal> {
        self.signal.as_ref()
    }
}

impl Runtime for WebRuntime {
    type Call = WebCall;

    async fn send(&self, request: &HttpRequest, token: &str, timeout_ms: f64, call: &WebCall) -> Result<HttpResponse, TransportError> {
        let exchange = fetch::Exchange {
            fetch: self.fetch.as_ref(),
            token,
            user_agent: self.user_agent.as_deref(),
            timeout_ms,
            signal: call.signal.as_ref(),
        };
        fetch::send(request, exchange).await
    }

    async fn sleep(&self, ms: f64, call: &WebCall) -> Result<(), TransportError> {
        if signal::sleep(ms, call.signal.as_ref()).await {
            Ok(())
        } else {
            Err(TransportError::Aborted)
        }
    }

    fn now_ms(&self) -> f64 {
        // Date.now: leases and Retry-After dates are wall-clock times.
        js_sys::Date::now()
    }

    fn monotonic_ms(&self) -> f64 {
        monotonic_now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn warn(&self, message: &str) {
        if let Some(hook) = &self.on_warning {
            hook(message);
        }
    }

    fn is_aborted(&self, call: &WebCall) -> bool {
        signal::is_aborted(call.signal.as_ref())
    }

    fn call_limits(&self, call: &WebCall) -> crate::Result<CallLimits> {
        CallLimits::check(call.timeout_ms, call.max_retries.map(f64::from), call.name.as_deref().unwrap_or("call options"))
    }

    fn log(&self, entry: &AttemptLog) {
        if let Some(hook) = &self.on_log {
            hook(entry);
        }
    }

    fn logs_attempts(&self) -> bool {
        self.on_log.is_some()
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, wasm_bindgen::JsValue>;
}

/// `performance.now()` (sub-millisecond, never stepped): it spaces requests; `Date.now()`
/// where a host lacks it.
pub(crate) fn monotonic_now() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}
