//! What the client needs from its host: one HTTP exchange, a sleep, a clock, randomness and
//! a place for warnings. The wasm glue implements it over `fetch`; tests implement it over
//! a simulated server and a virtual clock.

/// One HTTP request as the client sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub body: Option<String>,
}

/// The parts of a response the client reads. Header names are lower-case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub location: Option<String>,
    pub date: Option<String>,
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`, when sent.
    pub rate_limit: Option<String>,
    pub rate_remaining: Option<String>,
    pub rate_reset: Option<String>,
    /// From handing the request over to the response's headers, when the host measured it
    /// (closer to the network than the whole exchange with its body).
    pub latency_ms: Option<f64>,
    pub body: String,
}

/// Why an exchange produced no response.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// Connection refused, reset, DNS, CORS: the request may or may not have arrived.
    Network(String),
    /// No response within the per-attempt timeout.
    Timeout,
    /// The caller's abort signal fired.
    Aborted,
}

/// The host environment of a client. `Call` carries per-call options (in JS: the
/// caller's `AbortSignal`) through to the transport and the sleeps.
#[allow(async_fn_in_trait)]
pub trait Runtime {
    type Call: Clone + Default;

    /// Sends one request carrying `Authorization: Bearer <token>` and waits at most
    /// `timeout_ms` for the whole response.
    async fn send(&self, request: &HttpRequest, token: &str, timeout_ms: f64, call: &Self::Call)
        -> Result<HttpResponse, TransportError>;

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
}
