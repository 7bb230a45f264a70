//! Request spacing: a fixed rate, or an adaptive one for servers whose limit is unknown,
//! plus the client-wide pause that a `Retry-After` (or a spent `X-RateLimit-Remaining`)
//! imposes.
//!
//! Every time here is on the runtime's monotonic clock (`performance.now` in JS): spacing is
//! a matter of intervals, and `Date.now`'s whole milliseconds are too coarse against a 1-2 ms
//! margin. Wall-clock times (`Retry-After` dates, `X-RateLimit-Reset` epochs) are turned into
//! delays by the caller first.
//!
//! What the server's limiter sees is when requests *arrive*, so:
//! - the gap is counted from the previous request's actual send time, not from the slot it
//!   was given (a timer that fired late must not shorten the next gap), and a call only goes
//!   out once the clock says so (a timer that fired early sleeps again);
//! - when the previous request's response is back before the next one goes out, its latency
//!   beyond the smallest recent latency is added to the gap: that excess is how late it may
//!   have arrived (a new connection, a busy server), and the next arrival must not catch up
//!   on it. Before two latencies are known the whole first latency counts as excess. The
//!   latency runs from the throttle's own send time (not the host's), so a stall in between
//!   (a GC pause, a busy CPU) counts as lateness too.
//!
//! In `"auto"` mode, `X-RateLimit-Limit` / `-Remaining` can reveal a fixed window's limit and
//! length (rate_limit_headers.rs); the rate is then that limit, with no probing by 429s.
//!
//! Hand-rolled rather than a token-bucket crate: a local bucket spaces *sends* at a rate,
//! while this must follow a remote limiter from send times, latencies, 429s and headers.

use super::rate_limit_headers::{LimitHeaders, WindowLearner};
use std::collections::VecDeque;
use std::task::Waker;

/// How fast the client may start requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Starts at least `1000 / rps` ms apart (plus a small margin).
    Fixed(f64),
    /// Finds an unknown server limit. When `X-RateLimit-Limit` / `-Remaining` reveal a fixed
    /// window ([`WindowLearner`]), the limit per window spread evenly over the window, with
    /// fixed mode's margin (widened by a 429), and no request while a window's budget is
    /// spent. Otherwise slow start until a 429 (or an exhausted `X-RateLimit-Remaining`)
    /// marks a ceiling, then steps up from the fastest rate that ran clean: 4% first,
    /// doubling while clean, at most half the way to the ceiling, and stopping within 4% of
    /// it. Small first steps: each refused probe costs a whole `Retry-After` (a second or more).
    Auto,
}

/// Spacing margin over `1000 / rps`: arrival jitter the latency compensation cannot see.
const BASE_MARGIN: f64 = 0.005;
/// A fixed floor under the margin, in ms (timer and network noise do not shrink with the rate).
const MARGIN_MS: f64 = 0.5;
/// Each 429 in fixed mode widens the margin by this much, up to `MAX_MARGIN`.
const MARGIN_STEP: f64 = 0.02;
pub(crate) const MAX_MARGIN: f64 = 0.25;
/// Clean responses after which a widened margin narrows by one step again.
const MARGIN_RELAX_AFTER: u32 = 100;
/// Latencies remembered for the "smallest recent latency".
const LATENCY_SAMPLES: usize = 64;

const AUTO_START_RPS: f64 = 3.0;
const AUTO_MIN_RPS: f64 = 0.2;
const AUTO_MAX_RPS: f64 = 50.0;
/// Slow start: the rate grows by this factor after each clean step until a first 429.
const AUTO_GROWTH: f64 = 1.5;
/// A 429 before any rate ran clean: this much slower.
const AUTO_DECREASE: f64 = 0.7;
/// A 429 at a rate that ran clean before (jitter, or the limit moved): this much slower.
const AUTO_DECREASE_AT_FLOOR: f64 = 0.95;
/// Once a ceiling is known, the first probe above the clean rate is this much faster; each
/// clean step doubles the step, never past half the way to the ceiling. Within one first
/// step of the ceiling, the search stops.
const AUTO_PROBE_STEP: f64 = 0.04;
/// Steps held just under the ceiling before it is raised again (a limit may have grown):
/// about two minutes.
const AUTO_REPROBE_AFTER: u32 = 120;
/// How far a re-probe raises the ceiling.
const AUTO_REPROBE_RAISE: f64 = 1.2;

#[derive(Debug, Clone, Copy)]
struct Sent {
    seq: u64,
    at: f64,
    /// Added to the gap once the response showed how late the request may have arrived.
    extra: f64,
}

/// The shared spacing state of one client (all its concurrent calls).
#[derive(Debug, Clone)]
pub struct Throttle {
    rate: Rate,
    current_rps: f64,
    margin: f64,
    clean_since_429: u32,
    /// A fixed rate's margin has met a 429 at its widest (`on_rate_limited` said so once).
    above_limit_told: bool,
    // auto
    /// The fastest rate that ran a clean step, and the slowest that met a 429.
    floor_rps: Option<f64>,
    ceiling_rps: Option<f64>,
    clean_at_rate: u32,
    converged_steps: u32,
    probe_step: f64,
    /// The window the rate-limit headers reveal, when they do.
    window: WindowLearner,
    // timing (monotonic ms)
    last: Option<Sent>,
    seq: u64,
    latencies: VecDeque<f64>,
    paused_until: f64,
    queue: VecDeque<u64>,
    next_ticket: u64,
    /// Counts calls that left the line without sending (their followers' turns came sooner).
    line_moves: u64,
    /// Calls in the line to wake when it moves, by ticket (gone when the ticket is).
    waiting: Vec<(u64, Waker)>,
}

impl Throttle {
    /// A throttle at this rate (in `Auto`, at its starting rate), with nothing sent yet.
    pub fn new(rate: Rate) -> Self {
        let current_rps = match rate {
            Rate::Fixed(rps) => rps,
            Rate::Auto => AUTO_START_RPS,
        };
        Throttle {
            rate,
            current_rps,
            margin: BASE_MARGIN,
            clean_since_429: 0,
            above_limit_told: false,
            floor_rps: None,
            ceiling_rps: None,
            clean_at_rate: 0,
            converged_steps: 0,
            probe_step: AUTO_PROBE_STEP,
            window: WindowLearner::default(),
            last: None,
            seq: 0,
            latencies: VecDeque::new(),
            paused_until: f64::NEG_INFINITY,
            queue: VecDeque::new(),
            next_ticket: 0,
            line_moves: 0,
            waiting: Vec::new(),
        }
    }

    /// The current rate in requests per second.
    pub fn current_rps(&self) -> f64 {
        self.current_rps
    }

    /// The gap between two request starts at the current rate, margin included.
    pub fn spacing_ms(&self) -> f64 {
        1000.0 / self.current_rps * (1.0 + self.margin) + MARGIN_MS
    }

    /// Takes a place in the line of calls waiting to send; leave it with [`Throttle::sent`]
    /// or [`Throttle::leave`]. Calls send in the order they joined.
    pub fn join(&mut self) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back(t);
        t
    }

    /// Gives up a place (an aborted call). Harmless when already gone. Returns the wakers of
    /// the calls waiting behind others, to wake once the throttle is no longer borrowed: a
    /// call that leaves brings every later turn one gap sooner than the waiters were told.
    #[must_use = "wake the waiters: their turns came sooner"]
    pub fn leave(&mut self, ticket: u64) -> Vec<Waker> {
        let before = self.queue.len();
        self.queue.retain(|t| *t != ticket);
        self.waiting.retain(|(t, _)| *t != ticket);
        if self.queue.len() == before {
            return Vec::new();
        }
        self.line_moves += 1;
        std::mem::take(&mut self.waiting).into_iter().map(|(_, w)| w).collect()
    }

    /// How many calls have left the line without sending; a waiter that saw one count asks
    /// again when it changes.
    pub fn line_moves(&self) -> u64 {
        self.line_moves
    }

    /// Wakes the call holding `ticket` (by `waker`) when another call leaves the line
    /// without sending.
    pub fn wake_when_line_moves(&mut self, ticket: u64, waker: &Waker) {
        match self.waiting.iter_mut().find(|(t, _)| *t == ticket) {
            Some((_, w)) => w.clone_from(waker),
            None => self.waiting.push((ticket, waker.clone())),
        }
    }

    /// The earliest time the next request may start.
    fn earliest(&self) -> f64 {
        let after_last = self.last.map_or(f64::NEG_INFINITY, |l| l.at + self.spacing_ms() + l.extra);
        after_last.max(self.paused_until)
    }

    /// How long the call holding `ticket` must still wait at `now` (<= 0: send now). Calls
    /// behind others get an estimate of their turn and ask again when it comes.
    pub fn wait_ms(&self, ticket: u64, now: f64) -> f64 {
        let position = self.queue.iter().position(|t| *t == ticket).unwrap_or(0);
        let wait = self.earliest() + position as f64 * self.spacing_ms() - now;
        if position == 0 {
            wait
        } else {
            wait.max(1.0)
        }
    }

    /// The call holding `ticket` sends now; returns the request's number for [`Throttle::on_response`].
    pub fn sent(&mut self, ticket: u64, now: f64) -> u64 {
        // The head of the line sends as the waiters behind it were told: nobody to wake.
        self.queue.retain(|t| *t != ticket);
        self.waiting.retain(|(t, _)| *t != ticket);
        self.seq += 1;
        self.last = Some(Sent { seq: self.seq, at: now, extra: 0.0 });
        self.seq
    }

    /// Whether a pause is still running at `now`.
    pub fn is_paused(&self, now: f64) -> bool {
        now < self.paused_until
    }

    /// Pauses every request of the client until `until` (a `Retry-After`, or a spent budget
    /// with its reset time).
    pub fn pause_until(&mut self, until: f64) {
        self.paused_until = self.paused_until.max(until);
    }

    /// Any response (or transport failure) to request `seq`, `latency` ms after it was sent,
    /// handled at `now`.
    pub fn on_response(&mut self, seq: u64, latency: f64, now: f64, headers: &LimitHeaders) {
        let latency = latency.max(0.0);
        let known = self.latencies.len();
        let smallest = self.latencies.iter().copied().fold(latency, f64::min);
        if self.latencies.len() == LATENCY_SAMPLES {
            self.latencies.pop_front();
        }
        self.latencies.push_back(latency);
        let excess = if known == 0 { latency } else { latency - smallest };
        let cap = self.spacing_ms();
        if let Some(last) = self.last.as_mut().filter(|l| l.seq == seq) {
            last.extra = excess.clamp(0.0, cap);
        }
        // Octokit's rule: a spent budget with a known reset holds every request until then.
        if let (true, Some(ms)) = (headers.remaining == Some(0.0), headers.reset_in_ms) {
            if ms > self.spacing_ms() {
                self.pause_until(now + ms);
            }
        }
    }

    /// A 2xx response to a request sent at `sent_at`.
    pub fn on_success(&mut self, sent_at: f64, headers: &LimitHeaders) {
        self.clean_since_429 += 1;
        if self.clean_since_429 >= MARGIN_RELAX_AFTER && self.margin > BASE_MARGIN {
            self.margin = (self.margin - MARGIN_STEP).max(BASE_MARGIN);
            self.clean_since_429 = 0;
        }
        if self.rate != Rate::Auto {
            return;
        }
        self.window.observe(sent_at, headers);
        if let Some(rps) = self.window.rps() {
            // The headers tell the limit: no probing. Should they stop telling it, the search
            // resumes from here as from a clean rate just under a ceiling.
            let rps = rps.clamp(AUTO_MIN_RPS, AUTO_MAX_RPS);
            self.current_rps = rps;
            self.floor_rps = Some(rps);
            self.ceiling_rps = Some(rps * (1.0 + AUTO_PROBE_STEP));
            self.clean_at_rate = 0;
            // Never past `Remaining`: a budget spent early (a window that opened late, a
            // restart that came early) holds the next request until the window ends.
            if let Some(until) = self.window.spent_until() {
                let w = self.window.window_ms().unwrap_or(0.0);
                self.pause_until(until + w * self.margin + MARGIN_MS);
            }
            return;
        }
        // The server says the budget is spent while we probe above the last clean rate: the
        // ceiling is found without paying a 429 for it.
        if headers.exhausted() && self.floor_rps.is_none_or(|f| self.current_rps > f) {
            self.found_ceiling();
            return;
        }
        self.clean_at_rate += 1;
        // A step: about one second at this rate, enough to fill a one-second window.
        if (self.clean_at_rate as f64) < self.current_rps.ceil() + 1.0 {
            return;
        }
        self.clean_at_rate = 0;
        let floor = self.floor_rps.map_or(self.current_rps, |f| f.max(self.current_rps));
        self.floor_rps = Some(floor);
        let next = match self.ceiling_rps {
            None => self.current_rps * AUTO_GROWTH,
            Some(c) if floor * (1.0 + AUTO_PROBE_STEP) < c => {
                let step = (floor * self.probe_step).min((c - floor) / 2.0).max(floor * AUTO_PROBE_STEP);
                self.probe_step *= 2.0;
                floor + step
            }
            Some(c) => {
                self.converged_steps += 1;
                if self.converged_steps >= AUTO_REPROBE_AFTER {
                    self.converged_steps = 0;
                    self.ceiling_rps = Some(c * AUTO_REPROBE_RAISE);
                    self.probe_step = AUTO_PROBE_STEP;
                }
                floor
            }
        };
        self.current_rps = next.clamp(AUTO_MIN_RPS, AUTO_MAX_RPS);
    }

    /// A 429. In fixed mode, the rate the first time a 429 comes with the margin already at
    /// its widest (`MAX_MARGIN`): the rate set is above what the server allows, and the
    /// client says so once (the margin is there for jitter, not to find a lower limit).
    pub fn on_rate_limited(&mut self) -> Option<f64> {
        self.clean_since_429 = 0;
        match self.rate {
            Rate::Fixed(rps) => {
                let at_widest = self.margin >= MAX_MARGIN;
                self.margin = (self.margin + MARGIN_STEP).min(MAX_MARGIN);
                if at_widest && !self.above_limit_told {
                    self.above_limit_told = true;
                    return Some(rps);
                }
            }
            Rate::Auto => {
                if self.window.rps().is_some() {
                    // The rate the headers told: arrive later, and doubt the window a little.
                    self.margin = (self.margin + MARGIN_STEP).min(MAX_MARGIN);
                    self.window.refuted();
                }
                if self.window.rps().is_none() {
                    self.found_ceiling();
                }
            }
        }
        None
    }

    fn found_ceiling(&mut self) {
        let r = self.current_rps;
        self.ceiling_rps = Some(self.ceiling_rps.map_or(r, |c| c.min(r)));
        // Back to the fastest clean rate below the refused one; without one, a little slower.
        let back = match self.floor_rps {
            Some(f) if f < r => f,
            Some(_) => {
                self.floor_rps = None;
                r * AUTO_DECREASE_AT_FLOOR
            }
            None => r * AUTO_DECREASE,
        };
        self.current_rps = back.clamp(AUTO_MIN_RPS, AUTO_MAX_RPS);
        self.probe_step = AUTO_PROBE_STEP;
        self.clean_at_rate = 0;
        self.converged_steps = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: LimitHeaders = LimitHeaders { limit: None, remaining: None, reset_in_ms: None };

    /// A server limiter on the virtual clock: `Ok(remaining)`, or `Err(retry_after_ms)` in
    /// whole seconds as the simulator sends it; refused requests are not counted.
    trait Limiter {
        fn limit(&self) -> f64;
        fn take(&mut self, at: f64) -> Result<f64, f64>;
    }

    /// Laravel's fixed window: opens at the first request after the last one expired.
    struct FixedWindow {
        window: f64,
        limit: f64,
        start: f64,
        count: f64,
    }

    impl FixedWindow {
        fn new(limit: f64, window: f64) -> Self {
            FixedWindow { window, limit, start: f64::NEG_INFINITY, count: 0.0 }
        }
    }

    impl Limiter for FixedWindow {
        fn limit(&self) -> f64 {
            self.limit
        }
        fn take(&mut self, at: f64) -> Result<f64, f64> {
            if at >= self.start + self.window {
                self.start = at;
                self.count = 0.0;
            }
            if self.count < self.limit {
                self.count += 1.0;
                Ok(self.limit - self.count)
            } else {
                Err(((self.start + self.window - at) / 1000.0).ceil().max(1.0) * 1000.0)
            }
        }
    }

    /// A token bucket of `burst` refilled at `rps`, answering `Limit: burst`.
    struct TokenBucket {
        burst: f64,
        rps: f64,
        tokens: f64,
        at: f64,
    }

    impl Limiter for TokenBucket {
        fn limit(&self) -> f64 {
            self.burst
        }
        fn take(&mut self, at: f64) -> Result<f64, f64> {
            self.tokens = (self.tokens + (at - self.at) / 1000.0 * self.rps).min(self.burst);
            self.at = at;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                Ok(self.tokens.floor())
            } else {
                Err(((1.0 - self.tokens) / self.rps).ceil().max(1.0) * 1000.0)
            }
        }
    }

    /// Lists `n` pages one after the other through `t` against `server` on a virtual clock:
    /// each request arrives 1 ms after it is sent and its answer is back 3 ms after. Returns the
    /// pages per second and the 429s.
    fn list_against(t: &mut Throttle, server: &mut impl Limiter, n: usize, headers: bool) -> (f64, usize) {
        let (mut now, mut ok, mut refused) = (0.0, 0, 0);
        while ok < n {
            let ticket = t.join();
            let (seq, at) = send_when_allowed(t, ticket, now);
            now = at + 3.0;
            let verdict = server.take(at + 1.0);
            let h = match (headers, verdict) {
                (false, _) => NONE,
                (true, Ok(remaining)) => LimitHeaders { limit: Some(server.limit()), remaining: Some(remaining), reset_in_ms: None },
                (true, Err(_)) => LimitHeaders { limit: Some(server.limit()), remaining: Some(0.0), reset_in_ms: None },
            };
            t.on_response(seq, 3.0, now, &h);
            match verdict {
                Ok(_) => {
                    ok += 1;
                    t.on_success(at, &h);
                }
                Err(retry_after) => {
                    refused += 1;
                    t.on_rate_limited();
                    t.pause_until(now + retry_after);
                }
            }
        }
        (ok as f64 / (now / 1000.0), refused)
    }

    #[test]
    fn auto_takes_a_fixed_window_limit_from_the_headers_without_a_429() {
        // 10 per second, 667 pages (the bench's 10,000 users): the headers give the limit, the
        // countdowns the window; the rate is set from them after the first window.
        let mut t = Throttle::new(Rate::Auto);
        let (rps, refused) = list_against(&mut t, &mut FixedWindow::new(10.0, 1000.0), 667, true);
        assert_eq!(refused, 0);
        assert!(rps > 9.6, "{rps} pages/s");
        assert!(t.current_rps() > 9.9 && t.current_rps() <= 10.0, "{}", t.current_rps());
        // A minute window of 60 is learned too, after the first 429 shows where it ends.
        let mut t = Throttle::new(Rate::Auto);
        let (rps, refused) = list_against(&mut t, &mut FixedWindow::new(60.0, 60_000.0), 400, true);
        assert!(refused <= 2, "{refused}");
        assert!(t.current_rps() > 0.97 && t.current_rps() <= 1.0, "{}", t.current_rps());
        assert!(rps > 0.8, "{rps} pages/s");
    }

    #[test]
    fn auto_without_headers_still_searches_a_fixed_window() {
        let mut t = Throttle::new(Rate::Auto);
        let (rps, refused) = list_against(&mut t, &mut FixedWindow::new(10.0, 1000.0), 667, false);
        assert!(refused <= 5, "{refused}");
        assert!(rps > 8.5, "{rps} pages/s");
    }

    #[test]
    fn auto_takes_no_window_from_a_token_bucket_with_room() {
        // Burst 10 refilled at 10/s answers `Limit: 10` and a Remaining that refills: no
        // window is claimed, and the search runs as without headers (14 429s of 681 here,
        // the burst letting probes above 10/s pass for a while).
        let mut t = Throttle::new(Rate::Auto);
        let (rps, refused) = list_against(&mut t, &mut TokenBucket { burst: 10.0, rps: 10.0, tokens: 10.0, at: 0.0 }, 667, true);
        assert_eq!(t.window.window_ms(), None);
        assert!(refused <= 20, "{refused}");
        assert!(rps > 9.0, "{rps} pages/s");
    }

    #[test]
    fn a_spent_window_holds_requests_until_it_ends() {
        let mut t = Throttle::new(Rate::Auto);
        let mut server = FixedWindow::new(10.0, 1000.0);
        list_against(&mut t, &mut server, 30, true); // learns the window
        let w = t.window.window_ms().unwrap();
        // The window restarts, then its budget is spent early (answers from another client's requests).
        let start = 100_000.0;
        for i in 0..10 {
            let h = LimitHeaders { limit: Some(10.0), remaining: Some(9.0 - f64::from(i)), reset_in_ms: None };
            t.on_success(start + f64::from(i), &h);
        }
        let ticket = t.join();
        let wait = t.wait_ms(ticket, start + 10.0);
        assert!(wait >= start + w - (start + 10.0), "{wait}");
    }

    /// Sends one request for `ticket` once allowed; returns when it went out.
    fn send_when_allowed(t: &mut Throttle, ticket: u64, mut now: f64) -> (u64, f64) {
        loop {
            let w = t.wait_ms(ticket, now);
            if w <= 0.0 {
                return (t.sent(ticket, now), now);
            }
            now += w;
        }
    }

    #[test]
    fn the_gap_counts_from_the_actual_send_not_the_slot() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        let spacing = t.spacing_ms();
        assert!(spacing > 100.0 && spacing < 103.0, "{spacing}");
        let a = t.join();
        let (_, at) = send_when_allowed(&mut t, a, 1000.0);
        assert_eq!(at, 1000.0);
        let b = t.join();
        let w = t.wait_ms(b, 1000.0);
        assert!((w - spacing).abs() < 1e-9);
        // The timer fires 30 ms late: the request after it is still a full gap behind it.
        let late = 1000.0 + spacing + 30.0;
        t.sent(b, late);
        let c = t.join();
        assert!((t.wait_ms(c, late) - spacing).abs() < 1e-9);
        // A timer that fires early finds time left and sleeps again.
        assert!(t.wait_ms(c, late + spacing - 0.4) > 0.0);
    }

    #[test]
    fn late_responses_widen_the_next_gap_by_their_excess_latency() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        let s = t.spacing_ms();
        let mut now = 0.0;
        // The first latency is all excess: the request may have arrived that late.
        let a = t.join();
        let (seq, at) = send_when_allowed(&mut t, a, now);
        t.on_response(seq, 40.0, at + 40.0, &NONE);
        let b = t.join();
        assert!((t.wait_ms(b, at + 40.0) - (s + 40.0 - 40.0)).abs() < 1e-9, "{}", t.wait_ms(b, at + 40.0));
        // Then only latency beyond the smallest recent one counts.
        let (seq, at) = send_when_allowed(&mut t, b, at + 40.0);
        t.on_response(seq, 2.0, at + 2.0, &NONE);
        let c = t.join();
        let (seq, at) = send_when_allowed(&mut t, c, at + 2.0);
        t.on_response(seq, 27.0, at + 27.0, &NONE);
        let d = t.join();
        now = at + 27.0;
        let w = t.wait_ms(d, now);
        assert!((w - (s + 25.0 - 27.0)).abs() < 1e-9, "{w}");
    }

    #[test]
    fn concurrent_calls_send_in_join_order_spaced() {
        let mut t = Throttle::new(Rate::Fixed(4.0));
        let s = t.spacing_ms();
        let (a, b, c) = (t.join(), t.join(), t.join());
        assert!(t.wait_ms(a, 0.0) <= 0.0);
        assert!(t.wait_ms(b, 0.0) >= 1.0 && t.wait_ms(c, 0.0) >= 1.0);
        t.sent(a, 0.0);
        // b is now first in line, c one gap behind it.
        assert!((t.wait_ms(b, 0.0) - s).abs() < 1e-9);
        assert!((t.wait_ms(c, 0.0) - 2.0 * s).abs() < 1e-9);
        // c leaving (aborted) lets nothing jump the gap.
        assert!(t.leave(c).is_empty(), "nobody waits");
        assert_eq!(t.line_moves(), 1);
        assert!(t.leave(c).is_empty() && t.line_moves() == 1, "leaving twice moves nothing");
        assert!((t.wait_ms(b, 10.0) - (s - 10.0)).abs() < 1e-9);
    }

    #[test]
    fn a_call_leaving_the_line_wakes_the_calls_still_in_it() {
        let mut t = Throttle::new(Rate::Fixed(4.0));
        let (a, b, c, d) = (t.join(), t.join(), t.join(), t.join());
        for ticket in [b, c, d] {
            t.wake_when_line_moves(ticket, Waker::noop());
        }
        t.wake_when_line_moves(d, Waker::noop()); // asked again: still one entry
        t.sent(a, 0.0);
        t.sent(b, 300.0);
        // c leaves: only d was still waiting (b's entry went with its send, c's with c).
        assert_eq!(t.leave(c).len(), 1);
        assert_eq!(t.line_moves(), 1);
        assert!(t.leave(d).is_empty(), "the waiters were taken; nobody left to wake");
    }

    #[test]
    fn a_pause_delays_every_later_start() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        t.pause_until(5000.0);
        let a = t.join();
        assert_eq!(t.wait_ms(a, 1000.0), 4000.0);
        t.sent(a, 5000.0);
        let b = t.join();
        assert!((t.wait_ms(b, 5000.0) - t.spacing_ms()).abs() < 1e-9);
        assert!(t.is_paused(4999.0) && !t.is_paused(5000.0));
    }

    #[test]
    fn a_spent_budget_with_a_reset_pauses_until_it() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        let a = t.join();
        let seq = t.sent(a, 0.0);
        let h = LimitHeaders::read(Some("60"), Some("0"), Some("1700000030"), 1_700_000_000_000.0);
        assert_eq!(h, LimitHeaders { limit: Some(60.0), remaining: Some(0.0), reset_in_ms: Some(30_000.0) });
        t.on_response(seq, 5.0, 5.0, &h);
        assert!(t.is_paused(30_004.0) && !t.is_paused(30_005.0));
        // Budget left, or no reset: no pause.
        let mut u = Throttle::new(Rate::Fixed(10.0));
        let b = u.join();
        let seq = u.sent(b, 0.0);
        u.on_response(seq, 5.0, 5.0, &LimitHeaders::read(Some("60"), Some("3"), Some("2"), 0.0));
        u.on_response(seq, 5.0, 5.0, &LimitHeaders::read(Some("60"), Some("0"), None, 0.0));
        assert!(!u.is_paused(6.0));
    }

    #[test]
    fn fixed_mode_widens_its_margin_on_429_and_relaxes_it_later() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        let base = t.spacing_ms();
        t.on_rate_limited();
        let wider = t.spacing_ms();
        assert!(wider > base + 1.5, "{base} -> {wider}");
        assert_eq!(t.current_rps(), 10.0, "the rate the user set stays");
        for _ in 0..MARGIN_RELAX_AFTER {
            t.on_success(0.0, &NONE);
        }
        assert!((t.spacing_ms() - base).abs() < 1e-9);
    }

    #[test]
    fn a_fixed_rate_above_the_limit_is_told_once_when_its_widest_margin_meets_a_429() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        let steps = ((MAX_MARGIN - BASE_MARGIN) / MARGIN_STEP).ceil() as usize;
        let told: Vec<Option<f64>> = (0..steps + 3).map(|_| t.on_rate_limited()).collect();
        assert!(told[..steps].iter().all(Option::is_none), "{told:?}");
        assert_eq!(told[steps], Some(10.0), "{told:?}");
        assert!(told[steps + 1..].iter().all(Option::is_none), "once: {told:?}");
        assert!((t.spacing_ms() - (100.0 * (1.0 + MAX_MARGIN) + MARGIN_MS)).abs() < 1e-9);
        assert_eq!(Throttle::new(Rate::Auto).on_rate_limited(), None);
    }

    /// Drives auto mode against a server that allows `limit` req/s: returns the rates seen
    /// and the number of 429s over `n` requests (the 429 comes when the rate is above it).
    fn drive_auto(limit: f64, n: usize, headers: impl Fn(f64) -> LimitHeaders) -> (Vec<f64>, usize) {
        let mut t = Throttle::new(Rate::Auto);
        let (mut rates, mut limited) = (Vec::new(), 0);
        for i in 0..n {
            let r = t.current_rps();
            rates.push(r);
            if 1000.0 / t.spacing_ms() > limit {
                limited += 1;
                t.on_rate_limited();
            } else {
                t.on_success(i as f64, &headers(r));
            }
        }
        (rates, limited)
    }

    #[test]
    fn auto_finds_an_unknown_limit_with_few_429s_and_stays_near_it() {
        let (rates, limited) = drive_auto(10.0, 600, |_| NONE);
        assert_eq!(rates[0], 3.0, "starts at the fixed default");
        assert!(limited <= 2, "{limited} 429s");
        let tail = &rates[300..];
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        assert!(mean > 9.2 && mean < 10.5, "settles near the limit: {mean}");
    }

    #[test]
    fn auto_uses_a_spent_budget_header_as_a_free_ceiling() {
        // A window server: the budget reads 0 once the rate nears its limit, before a 429.
        let (rates, limited) = drive_auto(10.5, 600, |r| LimitHeaders {
            limit: Some(10.0),
            remaining: Some(if r >= 9.5 { 0.0 } else { 3.0 }),
            reset_in_ms: None,
        });
        assert_eq!(limited, 0, "the header warned before any 429");
        let tail = &rates[300..];
        assert!(tail.iter().all(|r| *r <= 10.0), "{tail:?}");
        assert!(tail.iter().sum::<f64>() / tail.len() as f64 > 9.0);
        // A token bucket of burst 1 reports limit 1, remaining 0 every time: no information.
        let (rates, _) = drive_auto(10.0, 300, |_| LimitHeaders { limit: Some(1.0), remaining: Some(0.0), reset_in_ms: None });
        assert!(rates.last().copied().unwrap() > 9.0, "{:?}", rates.last());
    }

    #[test]
    fn auto_backs_off_when_a_429_comes_below_the_last_clean_rate() {
        let mut t = Throttle::new(Rate::Auto);
        t.on_rate_limited();
        assert!((t.current_rps() - 2.1).abs() < 1e-9, "{}", t.current_rps());
        for i in 0..40 {
            t.on_success(f64::from(i), &NONE);
        }
        let near = t.current_rps();
        assert!(near > 2.8 && near < 3.0, "probes back up towards the 429, never to it: {near}");
        // A 429 at a rate that ran clean: only a little slower.
        t.on_rate_limited();
        assert!((t.current_rps() - near * 0.95).abs() < 1e-9);
    }
}
