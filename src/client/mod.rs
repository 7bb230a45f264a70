//! The VOMO Users client: throttled, retrying, origin-pinned HTTP over a [`Runtime`].

mod list_changes;
mod listing;
mod rate_limit_headers;
pub mod redact;
mod retry;
mod runtime;
mod status;
mod throttle;
mod turn;
mod upsert;
pub mod url;
mod warnings;

pub use listing::{Filters, ListedPage, PageWalk};
pub use rate_limit_headers::{LimitHeaders, WindowLearner};
pub use retry::{backoff_ms, http_date_ms, retry_after_ms};
pub use runtime::{AttemptLog, CallLimits, HttpRequest, HttpResponse, Oversize, Runtime, TransportError, MAX_RETRIES_LIMIT};
use status::{client_error, server_message};
pub use throttle::{Rate, Throttle};
use turn::Turn;
pub use upsert::{is_plausible_email, UpsertInput};

use crate::error::{ErrorKind, Result, VomoError};
use crate::model::{Page, User, UserDetail, UserId};
use crate::parse::{self, PageJson};
use std::cell::{Cell, RefCell};

/// Client options, with the defaults of docs/api.md (`new VomoClient(options)`); checked by
/// [`Client::new`]. Its `Debug` shows every field but the token.
#[derive(Clone, PartialEq)]
pub struct ClientConfig {
    /// The API token, sent only in the `Authorization` header to the base URL's origin and
    /// kept out of every message. Surrounding whitespace and a `Bearer ` prefix are dropped;
    /// what is left must be visible ASCII.
    pub token: String,
    /// Where the API is (default `https://api.vomo.org/v1`): `https`, or plain `http` on
    /// loopback only; no user name, password, query or fragment.
    pub base_url: String,
    /// How fast requests start (default 3 a second).
    pub rate: Rate,
    /// Re-sends after the first try, 0 to [`MAX_RETRIES_LIMIT`] (default 4): 429, 5xx,
    /// network errors and timeouts are retried.
    pub max_retries: u32,
    /// The longest `Retry-After` waited for, in ms (default 120,000); a longer one fails the
    /// call at once as `rate_limited`.
    pub max_retry_after_ms: f64,
    /// The time one attempt may take, in ms (default 30,000).
    pub timeout_ms: f64,
    /// The largest response body read, in bytes (default 10,000,000; at least 1): a larger
    /// one fails as `parse` without being read to the end.
    pub max_response_bytes: u64,
}

/// What `maxResponseBytes` must be, as the JS option is refused (a number that is not a
/// whole count of bytes, 1 or more) and as `Client::new` refuses 0.
pub fn bad_max_response_bytes() -> VomoError {
    VomoError::invalid_input("VomoClient: maxResponseBytes must be a positive whole number of bytes")
}

impl ClientConfig {
    /// The defaults, with this token.
    pub fn new(token: impl Into<String>) -> Self {
        ClientConfig {
            token: token.into(),
            base_url: "https://api.vomo.org/v1".into(),
            rate: Rate::Fixed(3.0),
            max_retries: 4,
            max_retry_after_ms: 120_000.0,
            timeout_ms: 30_000.0,
            max_response_bytes: 10_000_000,
        }
    }
}

/// The token is never printed: a config logged, or quoted in a panic message (`unwrap` on a
/// `Result` holding one), would hand it to whoever reads the log. A base URL that carries it
/// (which nothing forbids) is redacted as the client's messages are.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("token", &"[redacted]")
            .field("base_url", &redact::redact(&self.base_url, bare_token(&self.token)))
            .field("rate", &self.rate)
            .field("max_retries", &self.max_retries)
            .field("max_retry_after_ms", &self.max_retry_after_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// What a client has done so far ([`Client::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Re-sends.
    pub retries: u64,
    /// 429 responses received.
    pub rate_limited: u64,
    /// Calls that ended in a [`VomoError`].
    pub errors: u64,
}

/// The result of [`Client::upsert_user`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UpsertOutcome {
    /// The user as the server returned it.
    pub user: User,
    /// True on a 201 (a user was created), false on a 200 (the user with that email was
    /// updated).
    pub created: bool,
    /// An earlier attempt of this call may have reached the server, so a 200 may follow
    /// our own lost 201.
    pub uncertain: bool,
}

/// One response and whether an earlier attempt may have reached the server.
struct Exchange {
    response: HttpResponse,
    maybe_reached_before: bool,
}

/// The VOMO Users API client over a [`Runtime`] (on wasm32: `web::WebClient`, over the web runtime).
///
/// Built by [`Client::new`], which checks the [`ClientConfig`]. Every call is throttled to
/// the configured rate, retried per the retry policy (429 with `Retry-After`, 5xx, network
/// errors and timeouts), kept on the base URL's origin, and fails with a
/// [`VomoError`] whose message never carries the token. One client can serve many
/// calls at once (they share the throttle), from one thread: share it with an `Rc`.
///
/// Its `Debug` shows the config (without the token), the runtime's type and the counters.
pub struct Client<R: Runtime> {
    config: ClientConfig,
    /// The checked `baseUrl`, without a trailing slash; every request stays on its origin.
    base: url::Url,
    runtime: R,
    throttle: RefCell<Throttle>,
    stats: Cell<Stats>,
}

/// Never the token: the config's `Debug` leaves it out (see there). The runtime is named by
/// its type, so that a runtime without `Debug` (one of a test, an app's own) does not keep
/// the client from having one.
impl<R: Runtime> std::fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Client");
        s.field("config", &self.config).field("runtime", &std::any::type_name::<R>()).field("stats", &self.stats.get());
        // Not while a call holds the throttle (a `Debug` from inside a hook): left out then.
        if let Ok(throttle) = self.throttle.try_borrow() {
            s.field("current_rps", &throttle.current_rps());
        }
        s.finish_non_exhaustive()
    }
}

const MAX_REDIRECTS: u32 = 5;

/// What a page's warnings are reported with ([`Client::report_page_warnings`]): its request's
/// URL and the body, read again for the ids of the users they are about.
pub(crate) struct UnreportedWarnings {
    url: String,
    body: String,
}

/// "GET /v1/users?page=2" for messages, formatted only when a message needs it: parsing the
/// URL for every request showed in the poller's CPU profile (BENCHMARKS.md, CPU per page).
struct RequestLabel(&'static str, String);

/// The longest path and query a message quotes whole: a filter of 100,000 characters (which
/// a server refuses with a 414 or 431) would make every message of the call that long.
const LABEL_CHARS: usize = 300;

impl std::fmt::Display for RequestLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = url::path_and_query(&self.1);
        match path.char_indices().nth(LABEL_CHARS) {
            Some((cut, _)) => write!(f, "{} {}... ({} characters)", self.0, &path[..cut], path.chars().count()),
            None => write!(f, "{} {path}", self.0),
        }
    }
}

/// The token as given, without the surrounding whitespace and the `Bearer ` that
/// [`Client::new`] drops: what the client sends, and so what redaction looks for.
pub fn bare_token(given: &str) -> &str {
    let mut token = given.trim_start();
    if token.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("bearer ")) {
        token = &token[7..];
    }
    token.trim()
}

/// The token as it goes after `Bearer `: a pasted token's surrounding whitespace and a
/// `Bearer ` the caller already wrote (as Octokit's auth-token accepts) are dropped. What is
/// left must be visible ASCII, as every bearer token is (RFC 6750): a line break or a character
/// past U+00FF cannot even be sent in a header and would fail every request as a retried
/// network error. The messages never quote the token.
fn header_token(given: &str) -> Result<String> {
    let token = bare_token(given);
    if token.is_empty() {
        return Err(VomoError::invalid_input("VomoClient: token is required"));
    }
    if let Some((at, c)) = token.chars().enumerate().find(|(_, c)| !c.is_ascii_graphic()) {
        let what = if c.is_whitespace() {
            "a space or line break"
        } else if c.is_ascii_control() {
            "a control character"
        } else {
            "a character outside ASCII"
        };
        return Err(VomoError::invalid_input(format!(
            "VomoClient: the token has {what} at character {} of {}; a bearer token is visible ASCII only: pass the token alone",
            at + 1,
            token.chars().count()
        )));
    }
    Ok(token.to_string())
}

impl<R: Runtime> Client<R> {
    /// Checks the options: a token, a readable base URL, `https` unless on loopback, and
    /// sane numbers.
    pub fn new(mut config: ClientConfig, runtime: R) -> Result<Self> {
        config.token = header_token(&config.token)?;
        let base = url::parse_base(&config.base_url).map_err(|m| VomoError::invalid_input(format!("VomoClient: {m}")))?;
        if let Rate::Fixed(rps) = config.rate {
            if !(rps.is_finite() && rps > 0.0) {
                return Err(VomoError::invalid_input("VomoClient: requestsPerSecond must be a positive number or \"auto\""));
            }
        }
        if config.max_response_bytes == 0 {
            return Err(bad_max_response_bytes());
        }
        if !(config.timeout_ms.is_finite() && config.timeout_ms > 0.0) {
            return Err(VomoError::invalid_input(format!(
                "VomoClient: timeoutMs must be a positive number of milliseconds (got {})",
                crate::error::js_number(config.timeout_ms)
            )));
        }
        if config.max_retry_after_ms.is_nan() || config.max_retry_after_ms < 0.0 {
            return Err(VomoError::invalid_input(format!(
                "VomoClient: maxRetryAfterMs must be a number of milliseconds, 0 or more (got {})",
                crate::error::js_number(config.max_retry_after_ms)
            )));
        }
        // As each call's maxRetries is checked (CallLimits::check): 5,000 retries would back off for a day.
        if config.max_retries > MAX_RETRIES_LIMIT {
            return Err(VomoError::invalid_input(format!(
                "VomoClient: maxRetries must be an integer from 0 to {MAX_RETRIES_LIMIT} (got {})",
                config.max_retries
            )));
        }
        let throttle = RefCell::new(Throttle::new(config.rate));
        Ok(Client { base, runtime, throttle, stats: Cell::new(Stats::default()), config })
    }

    /// The runtime the client sends through.
    pub fn runtime(&self) -> &R {
        &self.runtime
    }

    /// The counters so far: requests, retries, 429s, failed calls.
    pub fn stats(&self) -> Stats {
        self.stats.get()
    }

    /// The checked base URL (no trailing slash).
    pub fn base_url(&self) -> &url::Url {
        &self.base
    }

    /// The current request rate (changes in `"auto"` mode).
    pub fn current_rps(&self) -> f64 {
        self.throttle.borrow().current_rps()
    }

    fn bump(&self, f: impl FnOnce(&mut Stats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    /// Removes the token from any text that reaches a message, a log entry or a stored value
    /// (a server could echo it, a link or redirect could carry it), however it is written
    /// there: see `redact.rs`.
    pub(crate) fn redact(&self, text: String) -> String {
        redact::redact(&text, &self.config.token)
    }

    /// Whether `text` carries the token (so that it is not stored: a saved page link).
    pub(crate) fn carries_token(&self, text: &str) -> bool {
        redact::carries(text, &self.config.token)
    }

    /// Whether `url` is on the base URL's origin: a page link saved by an earlier poll, which
    /// may be another API's (state taken over from an earlier address) or edited, is followed
    /// only then.
    pub(crate) fn owns_url(&self, url: &str) -> bool {
        url::same_origin(url, &self.base, &self.base, "a saved page").is_ok()
    }

    /// Redacts a response's parse warnings in place (they quote the server's values, which
    /// could echo the token) and hands each to the runtime's warning callback, naming the
    /// request and the user it is about (`warnings.rs`): `id_of` gives the id of the user of
    /// `data[i]`, or of `data` when the index is `None`. The whole message is redacted again:
    /// the request's URL, a followed link, may carry the token.
    fn report_warnings(&self, request: &RequestLabel, warnings: &mut [String], mut id_of: impl FnMut(Option<usize>) -> Option<i64>) {
        for w in warnings.iter_mut() {
            *w = self.redact(std::mem::take(w));
            self.runtime.warn(&self.redact(warnings::in_context(request, w, &mut id_of)));
        }
    }

    /// Counts a call the bindings refused before it reached the client (an argument or option
    /// they could not read, a listing aborted between its pages): `stats().errors` counts every
    /// call that ended in an error, wherever it was found.
    pub(crate) fn count_refused(&self) {
        self.bump(|s| s.errors += 1);
    }

    /// Counts an error and redacts its message and fields (every error a caller sees passes here).
    pub(crate) fn fail(&self, e: VomoError) -> VomoError {
        self.count_refused();
        // Inserted one by one (later equal keys win, as `collect` would): `collect` into a map
        // sorts with a stable sort of its own, which is wasm code for this one type.
        let fields = e.fields.map(|f| {
            let mut out = crate::error::FieldErrors::new();
            for (k, v) in f {
                out.insert(self.redact(k), v.into_iter().map(|m| self.redact(m)).collect());
            }
            out
        });
        VomoError { message: self.redact(e.message), fields, ..e }
    }

    /// Sends a request through the throttle with the retry policy; returns the first
    /// 2xx response, or the error its final outcome maps to. At most `sends` attempts when
    /// given (a poll's `max_requests` left: its retries count against it too).
    async fn exchange(&self, mut request: HttpRequest, call: &R::Call, sends: Option<u64>) -> Result<Exchange> {
        let mut attempt: u32 = 0;
        let mut redirects = 0;
        let mut maybe_reached = false;
        let limits = self.runtime.call_limits(call)?; // per-call timeoutMs / maxRetries
        let (timeout_ms, max_retries) =
            (limits.timeout_ms.unwrap_or(self.config.timeout_ms), limits.max_retries.unwrap_or(self.config.max_retries));
        let max_retries = sends.map_or(max_retries, |n| max_retries.min(n.saturating_sub(1).min(u64::from(u32::MAX)) as u32));
        loop {
            let what = RequestLabel(request.method, request.url.clone());
            if self.runtime.is_aborted(call) {
                return Err(VomoError::new(ErrorKind::Aborted, format!("{what}: aborted")));
            }
            let turn = Turn::join(&self.throttle);
            turn.wait(&self.runtime, call).await.map_err(|_| VomoError::new(ErrorKind::Aborted, format!("{what}: aborted")))?;
            let sent_at = self.runtime.monotonic_ms();
            let seq = turn.sent(sent_at);
            self.bump(|s| {
                s.requests += 1;
                if attempt > 0 {
                    s.retries += 1;
                }
            });
            let started = self.runtime.now_ms();
            let outcome = self.runtime.send(&request, &self.config.token, timeout_ms, call).await;
            if self.runtime.logs_attempts() {
                let mut entry = AttemptLog::new(&request, attempt + 1, self.runtime.now_ms() - started, &outcome);
                entry.path = self.redact(entry.path); // a followed link or redirect may carry the token
                self.runtime.log(&entry);
            }
            let rate_headers = match &outcome {
                Ok(r) => {
                    let server_now = r.date.as_deref().and_then(retry::http_date_ms).unwrap_or_else(|| self.runtime.now_ms());
                    LimitHeaders::read(r.rate_limit.as_deref(), r.rate_remaining.as_deref(), r.rate_reset.as_deref(), server_now)
                }
                Err(_) => LimitHeaders::default(),
            };
            // From the throttle's send time, not the host's: a stall in between (a GC, a busy
            // CPU) delays the arrival too, and the next gap must make up for it.
            let latency = outcome.as_ref().ok().and_then(|r| r.headers_at_ms).unwrap_or_else(|| self.runtime.monotonic_ms()) - sent_at;
            // A spent budget holds every request until its reset, unless the reset is further off
            // than maxRetryAfterMs: then the next request goes out, and a 429 it gets fails at
            // once as a long Retry-After does (no call waits longer than that for the limit).
            let pause =
                LimitHeaders { reset_in_ms: rate_headers.reset_in_ms.filter(|ms| *ms <= self.config.max_retry_after_ms), ..rate_headers };
            self.throttle.borrow_mut().on_response(seq, latency, self.runtime.monotonic_ms(), &pause);
            let tries = attempt + 1;
            let retry_in = |ms: f64| -> Option<f64> { (attempt < max_retries).then_some(ms) };
            let backoff = retry::backoff_ms(attempt + 1, self.runtime.random());
            let (error, wait) = match outcome {
                Err(TransportError::Aborted) => return Err(VomoError::new(ErrorKind::Aborted, format!("{what}: aborted"))),
                Err(TransportError::Refused(m)) => {
                    let message =
                        format!("{what}: this process may not send it (Deno: --allow-net; Node's permission model: --allow-net): {m}");
                    return Err(VomoError::new(ErrorKind::Forbidden, message));
                }
                Err(TransportError::TooLarge(size)) => {
                    let max = self.config.max_response_bytes;
                    // A declared length is the server's word, refused before a byte of the body
                    // was read: it is not quoted as bytes read.
                    let detail = match size {
                        Oversize::Declared(n) => format!("): Content-Length declares {n:.0} bytes; not read"),
                        Oversize::Read(n) => format!("; {n:.0} read before stopping)"),
                    };
                    let message = format!("{what}: response body larger than maxResponseBytes ({max:.0} bytes{detail}");
                    return Err(VomoError::new(ErrorKind::Parse, message));
                }
                Err(TransportError::Timeout) => {
                    maybe_reached = true;
                    let e = VomoError::new(ErrorKind::Timeout, format!("{what}: no response within {timeout_ms} ms (attempt {tries})"));
                    (e, retry_in(backoff))
                }
                Err(TransportError::Network(m)) => {
                    maybe_reached = true;
                    (VomoError::new(ErrorKind::Network, format!("{what}: network error: {m} (attempt {tries})")), retry_in(backoff))
                }
                Ok(response) if (200..300).contains(&response.status) => {
                    self.throttle.borrow_mut().on_success(sent_at, &rate_headers);
                    return Ok(Exchange { response, maybe_reached_before: maybe_reached });
                }
                Ok(response) if (300..400).contains(&response.status) => {
                    // Resolved against the URL that was sent and checked by the WHATWG parser
                    // (url.rs); what is followed is the re-serialized URL that passed.
                    let target = match response.location.as_deref() {
                        None => Err(VomoError::new(
                            ErrorKind::UnsafeLink,
                            format!("{what}: redirect to a location the runtime hides; not followed"),
                        )),
                        Some(l) => url::Url::parse(&request.url)
                            .map_err(|e| VomoError::new(ErrorKind::UnsafeLink, format!("{what}: unreadable request URL ({e})")))
                            .and_then(|from| url::same_origin(l, &from, &self.base, &format!("{what}: redirect"))),
                    };
                    match target {
                        Ok(t) if redirects < MAX_REDIRECTS => {
                            redirects += 1;
                            request.url = t.into();
                            // As fetch does: a 303 (of anything but a GET or HEAD), or a 301 or
                            // 302 of a POST, is followed by a GET without the body; the upsert's
                            // body (a password among its fields) is not sent on to another URL.
                            let status = response.status;
                            if (status == 303 && !matches!(request.method, "GET" | "HEAD"))
                                || (matches!(status, 301 | 302) && request.method == "POST")
                            {
                                request.method = "GET";
                                request.body = None;
                            }
                            continue;
                        }
                        Ok(_) => {
                            return Err(VomoError::new(ErrorKind::Server, format!("{what}: more than {MAX_REDIRECTS} redirects"))
                                .with_status(response.status))
                        }
                        Err(e) => return Err(e.with_status(response.status)),
                    }
                }
                Ok(response) if response.status == 429 => {
                    self.bump(|s| s.rate_limited += 1);
                    let above_limit = self.throttle.borrow_mut().on_rate_limited();
                    if let Some(rps) = above_limit {
                        self.runtime.warn(&format!(
                            "requestsPerSecond {}: the server still answers 429 with requests spaced {:.0}% wider than 1000 / {} ms \
                             apart, so its limit is lower: set a lower requestsPerSecond, or \"auto\" when the limit is not known",
                            crate::error::js_number(rps),
                            throttle::MAX_MARGIN * 100.0,
                            crate::error::js_number(rps)
                        ));
                    }
                    let now = self.runtime.now_ms();
                    // Retry-After, else the window's reset (X-RateLimit-Reset, as Laravel sends it).
                    let after = response
                        .retry_after
                        .as_deref()
                        .and_then(|v| retry::retry_after_ms(v, response.date.as_deref(), now))
                        .or(rate_headers.reset_in_ms);
                    let mut e =
                        VomoError::new(ErrorKind::RateLimited, format!("{what}: 429 Too Many Requests (attempt {tries})")).with_status(429);
                    if let Some(ms) = after {
                        e = e.with_retry_after(ms);
                    }
                    match after {
                        Some(ms) if ms > self.config.max_retry_after_ms => {
                            let e = VomoError {
                                // When the server will take requests again, for whoever reads it (an
                                // operator's next run), beside the option a program may raise.
                                message: format!(
                                    "{what}: 429 with Retry-After {:.0} s (until {}), beyond maxRetryAfterMs {:.0}: not waited for; try again then",
                                    ms / 1000.0,
                                    crate::time::Timestamp::from_millis((now + ms).round() as i64),
                                    self.config.max_retry_after_ms
                                ),
                                ..e
                            };
                            return Err(e);
                        }
                        Some(ms) => {
                            self.throttle.borrow_mut().pause_until(self.runtime.monotonic_ms() + ms);
                            (e, retry_in(0.0))
                        }
                        None => (e, retry_in(backoff)),
                    }
                }
                Ok(response) if response.status >= 500 => {
                    maybe_reached = true;
                    let e = VomoError::new(
                        ErrorKind::Server,
                        format!("{what}: {} {} (attempt {tries})", response.status, server_message(&response.body)),
                    )
                    .with_status(response.status);
                    (e, retry_in(backoff))
                }
                Ok(response) => return Err(client_error(&what.to_string(), &response)),
            };
            match wait {
                Some(ms) => {
                    if ms > 0.0 {
                        self.runtime.sleep(ms, call).await.map_err(|_| VomoError::new(ErrorKind::Aborted, format!("{what}: aborted")))?;
                    }
                    attempt += 1;
                }
                None => {
                    let suffix = if attempt > 0 { format!("; gave up after {} retries", attempt) } else { String::new() };
                    return Err(VomoError { message: format!("{}{suffix}", error.message), ..error });
                }
            }
        }
    }

    async fn get(&self, url: String, call: &R::Call, sends: Option<u64>) -> Result<Exchange> {
        self.exchange(HttpRequest { method: "GET", url, body: None, max_body_bytes: self.config.max_response_bytes as f64 }, call, sends)
            .await
    }

    /// The URL of the first page of a listing.
    pub fn list_url(&self, filters: &Filters) -> Result<String> {
        Ok(url::endpoint(&self.base, "users", &filters.to_query()?).into())
    }

    /// Starts a listing; drive it with [`Client::next_page`].
    pub fn start_listing(&self, filters: &Filters) -> Result<PageWalk> {
        Ok(PageWalk::new(self.base.clone(), self.list_url(filters).map_err(|e| self.fail(e))?))
    }

    /// Fetches the next page of a listing, or `None` when it is over.
    pub async fn next_page(&self, walk: &mut PageWalk, call: &R::Call) -> Result<Option<Page<User>>> {
        self.next_page_as(walk, call, parse::user_page).await
    }

    /// [`Client::next_page`] with the users as JSON text (the façade's `listUsers`).
    pub async fn next_page_json(&self, walk: &mut PageWalk, call: &R::Call) -> Result<Option<PageJson>> {
        self.next_page_as(walk, call, parse::user_page_parts).await
    }

    async fn next_page_as<P: ListedPage>(&self, walk: &mut PageWalk, call: &R::Call, read: fn(&str) -> Result<P>) -> Result<Option<P>> {
        let before =
            (walk.pages_fetched() > 0).then(|| list_changes::Before { total: walk.latest_total(), per_page: walk.latest_per_page() });
        let changes = walk.reports_changes();
        Ok(self.read_next_page(walk, call, read, None).await?.map(|(mut page, unreported)| {
            if changes {
                let signs = list_changes::change_warnings(before, page.meta(), page.records_sent());
                page.warnings_mut().extend(signs);
            }
            self.report_page_warnings(unreported, page.warnings_mut());
            page
        }))
    }

    /// [`Client::next_page`] without reporting the page's warnings: the caller reports them
    /// with [`Client::report_page_warnings`] once it uses the page (the poller does not for a
    /// first page it reads again, so that no user's warning is reported twice for one read).
    /// At most `sends` attempts when given.
    pub(crate) async fn next_page_unreported(
        &self,
        walk: &mut PageWalk,
        call: &R::Call,
        sends: Option<u64>,
    ) -> Result<Option<(Page<User>, UnreportedWarnings)>> {
        self.read_next_page(walk, call, parse::user_page, sends).await
    }

    async fn read_next_page<P: ListedPage>(
        &self,
        walk: &mut PageWalk,
        call: &R::Call,
        read: fn(&str) -> Result<P>,
        sends: Option<u64>,
    ) -> Result<Option<(P, UnreportedWarnings)>> {
        if let Some(e) = walk.take_stop_reason() {
            return Err(self.fail(e));
        }
        let Some(url) = walk.next_url().map(str::to_string) else { return Ok(None) };
        let result: Result<(P, String)> = async {
            let exchange = self.get(url.clone(), call, sends).await?;
            let page = read(&exchange.response.body).map_err(|e| unreadable("GET", &url, exchange.response.status, e))?;
            let date = exchange.response.date.as_deref().and_then(retry::http_date_ms);
            walk.advance(&url, &page, date);
            Ok((page, exchange.response.body))
        }
        .await;
        let (page, body) = result.map_err(|e| self.fail(e))?;
        Ok(Some((page, UnreportedWarnings { url, body })))
    }

    /// Reports a page's warnings (see [`Client::next_page_unreported`]).
    pub(crate) fn report_page_warnings(&self, unreported: UnreportedWarnings, warnings: &mut [String]) {
        let UnreportedWarnings { url, body } = unreported;
        // The page has its users, not the records as sent (a dropped one is missing): the ids
        // by position are read from the body again, once, and only for a warning about a record.
        let mut ids = None;
        let id_of = |index: Option<usize>| {
            let ids = ids.get_or_insert_with(|| parse::listed_ids(&body));
            index.and_then(|i| ids.get(i).copied().flatten())
        };
        self.report_warnings(&RequestLabel("GET", url), warnings, id_of);
    }

    /// Every user matching the filters.
    pub async fn list_all(&self, filters: &Filters, call: &R::Call) -> Result<Vec<User>> {
        let mut walk = self.start_listing(filters)?;
        let mut users = Vec::new();
        while let Some(page) = self.next_page(&mut walk, call).await? {
            users.extend(page.data);
        }
        Ok(users)
    }

    /// `GET /users/{id}`; `None` on 404.
    pub async fn get_user(&self, id: UserId, call: &R::Call) -> Result<Option<UserDetail>> {
        self.get_user_within(id, call, None).await
    }

    /// [`Client::get_user`] in at most `sends` attempts when given.
    pub(crate) async fn get_user_within(&self, id: UserId, call: &R::Call, sends: Option<u64>) -> Result<Option<UserDetail>> {
        if id <= 0 {
            return Err(self.fail(VomoError::invalid_input(format!("getUser: id must be a positive integer (got {id})"))));
        }
        let url: String = url::endpoint(&self.base, &format!("users/{id}"), &[]).into();
        match self.get(url.clone(), call, sends).await {
            Ok(x) => {
                let mut detail =
                    parse::user_detail(&x.response.body).map_err(|e| self.fail(unreadable("GET", &url, x.response.status, e)))?;
                let id = detail.user.id;
                self.report_warnings(&RequestLabel("GET", url), &mut detail.warnings, |_| Some(id));
                Ok(Some(detail))
            }
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// `POST /users`, the email-keyed upsert: 201 created, 200 updated.
    pub async fn upsert_user(&self, input: &UpsertInput, call: &R::Call) -> Result<UpsertOutcome> {
        let body = input.to_body().map_err(|e| self.fail(e))?;
        let url: String = url::endpoint(&self.base, "users", &[]).into();
        let x = self
            .exchange(
                HttpRequest { method: "POST", url: url.clone(), body: Some(body), max_body_bytes: self.config.max_response_bytes as f64 },
                call,
                None,
            )
            .await
            .map_err(|e| self.fail(e))?;
        let mut detail = parse::user_detail(&x.response.body).map_err(|e| self.fail(unreadable("POST", &url, x.response.status, e)))?;
        let id = detail.user.id;
        self.report_warnings(&RequestLabel("POST", url), &mut detail.warnings, |_| Some(id));
        Ok(UpsertOutcome { user: detail.user, created: x.response.status == 201, uncertain: x.maybe_reached_before })
    }

    /// Exact, case-insensitive lookup after `email_like`, walking every page. Several exact
    /// matches (which should not happen) give the most recently updated, with a warning.
    pub async fn find_user_by_email(&self, email: &str, call: &R::Call) -> Result<Option<User>> {
        let wanted = crate::case::lowercase(email.trim());
        if !is_plausible_email(&wanted) {
            return Err(self.fail(VomoError::invalid_input(format!("findUserByEmail: not an email address: {email:?}"))));
        }
        let filters = Filters { email_like: Some(wanted.clone()), ..Default::default() };
        let matches: Vec<User> =
            self.list_all(&filters, call).await?.into_iter().filter(|u| crate::case::lowercase(u.email.trim()) == wanted).collect();
        if matches.len() > 1 {
            let ids: Vec<String> = matches.iter().map(|u| u.id.to_string()).collect();
            self.runtime.warn(&format!(
                "findUserByEmail: {} users match {wanted:?} exactly (ids {}); returning the most recently updated",
                matches.len(),
                ids.join(", ")
            ));
        }
        // The last of the greatest, as a stable sort and `pop` would give, without a sort.
        Ok(matches.into_iter().max_by_key(|u| (u.updated_at, u.id)))
    }
}

/// A response body that is not what the API documents, as an error of the request it answered:
/// named by that request, and with the status it came with (a status was received: a `parse`
/// error without one is of something else, such as a poller's saved state, which a scheduler
/// must not retry as a passing fault: the CLI took a proxy's error page for unreadable saved
/// state and advised `--forget`).
fn unreadable(method: &str, url: &str, status: u16, e: VomoError) -> VomoError {
    VomoError { message: format!("{method} {}: {}", url::path_and_query(url), e.message), status: Some(status), ..e }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    #[test]
    fn the_token_is_sent_alone_and_only_if_a_header_can_carry_it() {
        for given in ["abc.DEF-_~+/=", "  abc.DEF-_~+/=\n", "Bearer abc.DEF-_~+/=", "bearer   abc.DEF-_~+/= "] {
            assert_eq!(header_token(given).unwrap(), "abc.DEF-_~+/=", "{given:?}");
        }
        for given in ["", "  \n", "Bearer ", " bearer \t"] {
            assert_eq!(header_token(given).unwrap_err().message, "VomoClient: token is required", "{given:?}");
        }
        assert_eq!(header_token("éé").unwrap_err().kind, ErrorKind::InvalidInput, "no slicing inside a character");
        for (given, what) in [
            ("ab\ncd", "a space or line break at character 3 of 5"),
            ("ab cd", "a space or line break at character 3 of 5"),
            ("ab\u{7}cd", "a control character at character 3 of 5"),
            ("tokén", "a character outside ASCII at character 4 of 5"),
        ] {
            let e = header_token(given).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert!(e.message.contains(what), "{given:?}: {}", e.message);
            assert!(!e.message.contains(given), "the message never quotes the token");
        }
    }
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    /// A host on a hand-moved clock: sends answer 200 at once (after the next of `stalls`, if
    /// any: the request leaves that late, and `arrivals` notes when it does; then `latency`
    /// passes), or fail with the next of `failures`; sleeps end when the clock passes their
    /// end, or when the call's flag is raised (its abort signal).
    #[derive(Clone, Default)]
    struct Host {
        now: Rc<Cell<f64>>,
        sent: Rc<RefCell<Vec<String>>>,
        stalls: Rc<RefCell<std::collections::VecDeque<f64>>>,
        latency: Rc<Cell<f64>>,
        arrivals: Rc<RefCell<Vec<f64>>>,
        /// The bodies of the next responses (then `{}`), and what the client warned.
        bodies: Rc<RefCell<std::collections::VecDeque<String>>>,
        warned: Rc<RefCell<Vec<String>>>,
        failures: Rc<RefCell<std::collections::VecDeque<TransportError>>>,
    }

    #[derive(Clone, Default)]
    struct Signal(Rc<Cell<bool>>);

    impl Runtime for Host {
        type Call = Signal;

        async fn send(&self, request: &HttpRequest, _: &str, _: f64, _: &Signal) -> std::result::Result<HttpResponse, TransportError> {
            self.sent.borrow_mut().push(url::path_and_query(&request.url).to_string());
            if let Some(failure) = self.failures.borrow_mut().pop_front() {
                return Err(failure);
            }
            let stall = self.stalls.borrow_mut().pop_front().unwrap_or(0.0);
            self.now.set(self.now.get() + stall);
            self.arrivals.borrow_mut().push(self.now.get());
            self.now.set(self.now.get() + self.latency.get());
            let body = self.bodies.borrow_mut().pop_front().unwrap_or_else(|| "{}".into());
            Ok(HttpResponse { status: 200, body, headers_at_ms: Some(self.now.get()), ..Default::default() })
        }

        async fn sleep(&self, ms: f64, call: &Signal) -> std::result::Result<(), TransportError> {
            let until = self.now.get() + ms;
            std::future::poll_fn(|_| {
                if call.0.get() {
                    Poll::Ready(Err(TransportError::Aborted))
                } else if self.now.get() >= until {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Pending
                }
            })
            .await
        }

        fn now_ms(&self) -> f64 {
            self.now.get()
        }

        fn random(&self) -> f64 {
            0.5
        }

        fn warn(&self, message: &str) {
            self.warned.borrow_mut().push(message.to_string());
        }

        fn is_aborted(&self, call: &Signal) -> bool {
            call.0.get()
        }
    }

    fn poll<F: Future>(f: &mut Pin<Box<F>>) -> Poll<F::Output> {
        f.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    /// `{:?}` of a config or a client (logged, or in a panic message) never shows the token,
    /// as given or as sent, nor a base URL's copy of it.
    #[test]
    fn debug_never_shows_the_token() {
        let token = "tok-SECRET-4242";
        let config =
            ClientConfig { base_url: format!("https://api.vomo.org/v1/{token}"), ..ClientConfig::new(format!(" Bearer {token}\n")) };
        for shown in [format!("{config:?}"), format!("{config:#?}")] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("token: \"[redacted]\"") && shown.contains("https://api.vomo.org/v1/[redacted]"), "{shown}");
        }
        let client = Client::new(config, Host::default()).unwrap();
        for shown in [format!("{client:?}"), format!("{client:#?}")] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.starts_with("Client") && shown.contains("[redacted]") && shown.contains("requests: 0"), "{shown}");
        }
    }

    /// `maxRetries` of the client as of each call: 0 to MAX_RETRIES_LIMIT (a Rust app sets the
    /// field directly; 5,000 retries of a failing transport would back off for about a day).
    #[test]
    fn the_client_refuses_more_retries_than_a_call_may_have() {
        let with = |n| Client::new(ClientConfig { max_retries: n, ..ClientConfig::new("token") }, Host::default());
        let refused = with(MAX_RETRIES_LIMIT + 1).expect_err("refused");
        assert_eq!(refused.kind, ErrorKind::InvalidInput);
        assert_eq!(refused.message, "VomoClient: maxRetries must be an integer from 0 to 100 (got 101)");
        assert!(with(MAX_RETRIES_LIMIT).is_ok() && with(0).is_ok());
    }

    /// A cap of 0 bytes would refuse every response: refused with the JS option's message.
    #[test]
    fn the_client_refuses_a_response_cap_of_no_bytes() {
        let with = |n| Client::new(ClientConfig { max_response_bytes: n, ..ClientConfig::new("token") }, Host::default());
        let refused = with(0).expect_err("refused");
        assert_eq!(
            (refused.kind, refused.message.as_str()),
            (ErrorKind::InvalidInput, "VomoClient: maxResponseBytes must be a positive whole number of bytes")
        );
        assert!(with(1).is_ok() && with(u64::MAX).is_ok());
    }

    /// A body over `max_response_bytes` is `parse`, and the message says which count it has:
    /// a declared `Content-Length` (nothing was read) or the bytes read when reading stopped.
    #[test]
    fn a_body_too_large_says_whether_its_size_was_declared_or_read() {
        let host = Host::default();
        let client = Client::new(ClientConfig { max_response_bytes: 1000, ..ClientConfig::new("token") }, host.clone()).unwrap();
        let quiet = Signal::default();
        let too_large = |size| {
            host.failures.borrow_mut().push_back(TransportError::TooLarge(size));
            let mut call = Box::pin(client.get_user(7, &quiet));
            loop {
                match poll(&mut call) {
                    Poll::Ready(Err(e)) => break e,
                    Poll::Ready(Ok(_)) => panic!("a failure"),
                    Poll::Pending => host.now.set(host.now.get() + 50.0), // the throttle's gap
                }
            }
        };
        let declared = too_large(Oversize::Declared(25_000_000.0));
        assert_eq!(declared.kind, ErrorKind::Parse);
        assert_eq!(
            declared.message,
            "GET /v1/users/7: response body larger than maxResponseBytes (1000 bytes): Content-Length declares 25000000 bytes; not read"
        );
        let read = too_large(Oversize::Read(1024.0));
        assert_eq!(read.kind, ErrorKind::Parse);
        assert_eq!(read.message, "GET /v1/users/7: response body larger than maxResponseBytes (1000 bytes; 1024 read before stopping)");
        assert_eq!(host.sent.borrow().len(), 2, "neither is retried");
    }

    #[test]
    fn a_call_dropped_or_aborted_in_the_line_does_not_hold_up_the_calls_behind_it() {
        let host = Host::default();
        let client = Client::new(ClientConfig { rate: Rate::Fixed(10.0), ..ClientConfig::new("token") }, host.clone()).unwrap();
        let get =
            |path: &str| HttpRequest { method: "GET", url: format!("https://api.vomo.org/v1/{path}"), body: None, max_body_bytes: 1e6 };
        let (quiet, abort) = (Signal::default(), Signal::default());
        let mut a = Box::pin(client.exchange(get("a"), &quiet, None));
        assert!(poll(&mut a).is_ready(), "the first call goes at once");
        // b, c and d queue up behind it, in that order.
        let mut b = Box::pin(client.exchange(get("b"), &quiet, None));
        let mut c = Box::pin(client.exchange(get("c"), &abort, None));
        let mut d = Box::pin(client.exchange(get("d"), &quiet, None));
        for f in [&mut b, &mut c, &mut d] {
            assert!(poll(f).is_pending());
        }
        // b's caller goes away (its future dropped), c's signal fires.
        drop(b);
        abort.0.set(true);
        match poll(&mut c) {
            Poll::Ready(Err(e)) => assert_eq!(e.kind, ErrorKind::Aborted),
            _ => panic!("the aborted call should end"),
        }
        // d is first in line now: it goes one gap after a, not after two ghost turns.
        let gap = client.throttle.borrow().spacing_ms();
        let mut sent_at = None;
        for ms in 1..=400 {
            host.now.set(f64::from(ms));
            if poll(&mut d).is_ready() {
                sent_at = Some(f64::from(ms));
                break;
            }
        }
        assert_eq!(sent_at, Some(gap.ceil()), "d sent once a's gap was over");
        assert_eq!(*host.sent.borrow(), ["/v1/a", "/v1/d"]);
    }

    /// Two pages with a bad record at the same position (and a dropped one before it, so that
    /// the user's position in `data` is not the record's): each warning handed to the runtime
    /// names its request and its user; `page.warnings` keeps the parser's own text.
    #[test]
    fn listed_warnings_name_their_page_and_user() {
        let host = Host::default();
        let token = "tok-Secret-9931";
        let user = |id: &str, status: &str| {
            format!(
                r#"{{"id":{id},"first_name":"A","last_name":"B","email":"u{}@example.org","created_at":"2025-11-04T08:00:00Z","updated_at":"2025-11-04T08:00:00Z","user_status":"{status}"}}"#,
                id.trim_matches('"')
            )
        };
        let page = |n: u32, ids: [&str; 3], next: &str| {
            format!(
                r#"{{"data":[{},{},{}],"links":{{"next":{next}}},"meta":{{"current_page":{n},"per_page":3,"total":6}}}}"#,
                user(ids[0], "VERIFIED"),
                user(ids[1], "GONE"),
                user(ids[2], "SUSPENDED")
            )
        };
        // The second page's link carries the token: no warning may quote it.
        let next = format!(r#""https://api.vomo.org/v1/users?page=2&key={token}""#);
        host.bodies.borrow_mut().extend([page(1, ["1", "\"x\"", "3"], &next), page(2, ["4", "\"x\"", "\"4211\""], "null")]);
        let client = Client::new(ClientConfig { rate: Rate::Fixed(1000.0), ..ClientConfig::new(token) }, host.clone()).unwrap();
        let mut walk = client.start_listing(&Filters::default()).unwrap();
        let (quiet, mut pages) = (Signal::default(), Vec::new());
        loop {
            let mut next = Box::pin(client.next_page(&mut walk, &quiet));
            let page = loop {
                match poll(&mut next) {
                    Poll::Ready(page) => break page.unwrap(),
                    Poll::Pending => host.now.set(host.now.get() + 1.0),
                }
            };
            match page {
                Some(page) => pages.push(page),
                None => break,
            }
        }
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].warnings[1], r#"data[2].user_status: unknown value "SUSPENDED" kept as sent"#, "the page's own text");
        assert_eq!(
            *host.warned.borrow(),
            [
                r#"GET /v1/users: data[1].id: expected a positive integer id, got "x" (user dropped from the page)"#,
                r#"GET /v1/users: data[2] (user 3): user_status: unknown value "SUSPENDED" kept as sent"#,
                r#"GET /v1/users?page=2&key=[redacted]: data[1].id: expected a positive integer id, got "x" (user dropped from the page)"#,
                r#"GET /v1/users?page=2&key=[redacted]: data[2] (user 4211): user_status: unknown value "SUSPENDED" kept as sent"#,
            ]
        );
    }

    #[test]
    fn a_stall_between_the_throttles_send_time_and_the_wire_delays_the_next_request_as_much() {
        // A GC pause or a busy CPU after the throttle noted the send: the request reaches the
        // server late, and against a burst-1 token bucket the next one, sent on time, would
        // arrive early. The stall is part of the measured latency, so the next gap grows by it.
        let host = Host::default();
        host.latency.set(1.0);
        host.stalls.borrow_mut().extend([0.0, 0.0, 8.0, 0.0, 0.0]);
        let client = Client::new(ClientConfig { rate: Rate::Fixed(10.0), ..ClientConfig::new("token") }, host.clone()).unwrap();
        let get = HttpRequest { method: "GET", url: "https://api.vomo.org/v1/users".into(), body: None, max_body_bytes: 1e6 };
        let quiet = Signal::default();
        for _ in 0..5 {
            let mut call = Box::pin(client.exchange(get.clone(), &quiet, None));
            while poll(&mut call).is_pending() {
                host.now.set(host.now.get() + 0.25);
            }
        }
        let arrivals = host.arrivals.borrow();
        let gaps: Vec<f64> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps.len(), 4);
        assert!(gaps.iter().all(|g| *g >= 100.0), "every arrival >= 1000 / R after the last: {gaps:?}");
    }
}
