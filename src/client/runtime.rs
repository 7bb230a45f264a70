//! What the client needs from its host: one HTTP exchange, a sleep, a clock, randomness and
//! a place for warnings. The wasm glue implements it over `fetch`; tests implement it over
//! a simulated server and a virtual clock.

/// One HTTP request as the client sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The whole URL, checked to be on the client's origin.
    pub url: String,
    /// The JSON body of a `POST` (sent with `Content-Type: application/json`).
    pub body: Option<String>,
    /// The largest response body accepted, in bytes; a larger one is `TooLarge`.
    pub max_body_bytes: f64,
}

/// The parts of a response the client reads. Header names are lower-case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpResponse {
    /// The HTTP status (a redirect's own, not followed: the client follows redirects itself).
    pub status: u16,
    /// `Retry-After`, when sent.
    pub retry_after: Option<String>,
    /// `Location`, when sent.
    pub location: Option<String>,
    /// `Date`, when sent: the server's clock.
    pub date: Option<String>,
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`, when sent.
    pub rate_limit: Option<String>,
    /// `X-RateLimit-Remaining`, when sent.
    pub rate_remaining: Option<String>,
    /// `X-RateLimit-Reset`, when sent.
    pub rate_reset: Option<String>,
    /// When the response's headers arrived, on [`Runtime::monotonic_ms`]'s clock, if the host
    /// noted it (closer to the network than the end of the body). The throttle counts the
    /// latency from its own send time, so a stall between that and the host's send counts too.
    pub headers_at_ms: Option<f64>,
    /// The body as text (UTF-8, as `Response.text()` decodes it).
    pub body: String,
}

/// Why an exchange produced no response.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// Connection refused, reset, DNS, CORS: the request may or may not have arrived.
    Network(String),
    /// The runtime itself refused to send it (Deno without `--allow-net`, Node's permission
    /// model): nothing was sent, and no retry can mend it.
    Refused(String),
    /// No response within the per-attempt timeout.
    Timeout,
    /// The caller's abort signal fired.
    Aborted,
    /// The response body exceeded `max_body_bytes`: declared so, or found so while reading.
    TooLarge(Oversize),
}

/// How a response body was found larger than `max_body_bytes`, with the count a message
/// quotes: a declared length is not bytes read (none were).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Oversize {
    /// Its `Content-Length` declared this many bytes: refused before any was read.
    Declared(f64),
    /// Reading stopped once this many bytes had come (no length was declared, or a compressed
    /// body inflated past the cap: `Content-Length` counts the compressed bytes).
    Read(f64),
}

/// Per-call overrides of the client's `timeoutMs` and `maxRetries` (in JS: the call's
/// options bag, next to its `signal`). `None` keeps the client's own setting.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallLimits {
    /// This call's per-attempt timeout, in ms.
    pub timeout_ms: Option<f64>,
    /// This call's re-sends.
    pub max_retries: Option<u32>,
}

impl CallLimits {
    /// Validates raw numbers with the same rules as the client options: a positive finite
    /// timeout, an integer number of retries from 0 to [`MAX_RETRIES_LIMIT`].
    pub fn check(timeout_ms: Option<f64>, max_retries: Option<f64>, who: &str) -> crate::error::Result<CallLimits> {
        if let Some(t) = timeout_ms {
            if !(t.is_finite() && t > 0.0) {
                return Err(crate::error::VomoError::invalid_input(format!(
                    "{who}: timeoutMs must be a positive number of milliseconds (got {})",
                    crate::error::js_number(t)
                )));
            }
        }
        let max_retries = match max_retries {
            None => None,
            Some(n) if (0.0..=f64::from(MAX_RETRIES_LIMIT)).contains(&n) && n.fract() == 0.0 => Some(n as u32),
            Some(n) => {
                return Err(crate::error::VomoError::invalid_input(format!(
                    "{who}: maxRetries must be an integer from 0 to {MAX_RETRIES_LIMIT} (got {})",
                    crate::error::js_number(n)
                )))
            }
        };
        Ok(CallLimits { timeout_ms, max_retries })
    }
}

/// The largest `maxRetries` the client accepts.
pub const MAX_RETRIES_LIMIT: u32 = 100;

/// One HTTP attempt as a `log` hook sees it: never the token, never a body.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptLog {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query of the URL (the origin is the client's `baseUrl`).
    pub path: String,
    /// The HTTP status, or `None` when no response arrived.
    pub status: Option<u16>,
    /// `"timeout"`, `"network"`, `"refused"`, `"aborted"` or `"too_large"` when no response was read.
    pub error: Option<&'static str>,
    /// From sending to the response (or the failure), in ms.
    pub duration_ms: f64,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: u32,
}

impl AttemptLog {
    /// The entry of one attempt (`attempt` counts from 1) and its outcome; the path is read
    /// from the request's URL.
    pub fn new(request: &HttpRequest, attempt: u32, duration_ms: f64, outcome: &Result<HttpResponse, TransportError>) -> Self {
        let (status, error) = match outcome {
            Ok(r) => (Some(r.status), None),
            Err(TransportError::Timeout) => (None, Some("timeout")),
            Err(TransportError::Network(_)) => (None, Some("network")),
            Err(TransportError::Refused(_)) => (None, Some("refused")),
            Err(TransportError::Aborted) => (None, Some("aborted")),
            Err(TransportError::TooLarge(_)) => (None, Some("too_large")),
        };
        let path = super::url::path_and_query(&request.url).to_string();
        AttemptLog { method: request.method, path, status, error, duration_ms: duration_ms.max(0.0), attempt }
    }
}

/// The host environment of a client. `Call` carries per-call options (in JS: the
/// caller's `AbortSignal`) through to the transport and the sleeps.
#[allow(async_fn_in_trait)]
pub trait Runtime {
    /// One call's options, passed by reference to every method the client calls for it (on
    /// wasm32's web runtime: `web::WebCall`, an abort signal and per-call limits). `Default`
    /// is a call with none.
    type Call: Clone + Default;

    /// Sends one request carrying `Authorization: Bearer <token>` and waits at most
    /// `timeout_ms` for the whole response.
    async fn send(&self, request: &HttpRequest, token: &str, timeout_ms: f64, call: &Self::Call) -> Result<HttpResponse, TransportError>;

    /// Waits `ms`; `Err(Aborted)` when the call's signal fires first.
    async fn sleep(&self, ms: f64, call: &Self::Call) -> Result<(), TransportError>;

    /// Milliseconds since the epoch by the local clock (leases, `Retry-After` dates, windows).
    fn now_ms(&self) -> f64;

    /// A monotonic clock in milliseconds with sub-millisecond grain where the host has one
    /// (`performance.now`), for spacing requests. Defaults to [`Runtime::now_ms`].
    fn monotonic_ms(&self) -> f64 {
        self.now_ms()
    }

    /// A number in [0, 1) for jitter.
    fn random(&self) -> f64;

    /// Reports a warning (parse warnings, duplicate exact email matches, ...).
    fn warn(&self, message: &str);

    /// Whether the call's signal has fired.
    fn is_aborted(&self, call: &Self::Call) -> bool;

    /// The call's own `timeoutMs` / `maxRetries`, if it gave any.
    fn call_limits(&self, _call: &Self::Call) -> crate::error::Result<CallLimits> {
        Ok(CallLimits::default())
    }

    /// Reports one finished attempt (for a `log` hook).
    fn log(&self, _entry: &AttemptLog) {}

    /// Whether [`Runtime::log`] wants entries: when not, the client does not build them.
    fn logs_attempts(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_limits_take_the_client_option_rules() {
        assert_eq!(CallLimits::check(None, None, "x").unwrap(), CallLimits::default());
        assert_eq!(CallLimits::check(Some(150.0), Some(0.0), "x").unwrap(), CallLimits { timeout_ms: Some(150.0), max_retries: Some(0) });
        for (t, r) in [(Some(0.0), None), (Some(f64::NAN), None), (None, Some(-1.0)), (None, Some(1.5)), (None, Some(101.0))] {
            assert!(CallLimits::check(t, r, "x").is_err(), "{t:?} {r:?}");
        }
    }

    #[test]
    fn an_attempt_log_has_the_path_and_no_origin() {
        let request = HttpRequest { method: "GET", url: "https://api.vomo.org/v1/users?page=2".into(), body: None, max_body_bytes: 1e7 };
        let ok = AttemptLog::new(&request, 2, 12.5, &Ok(HttpResponse { status: 200, ..Default::default() }));
        assert_eq!((ok.path.as_str(), ok.status, ok.error, ok.attempt), ("/v1/users?page=2", Some(200), None, 2));
        let timeout = AttemptLog::new(&request, 1, 30.0, &Err(TransportError::Timeout));
        assert_eq!((timeout.status, timeout.error), (None, Some("timeout")));
    }
}
