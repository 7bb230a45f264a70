//! What `X-RateLimit-*` headers say about the server's limit: one response's headers
//! ([`LimitHeaders`]), and the window they reveal over many responses ([`WindowLearner`]).
//!
//! `X-RateLimit-Limit` gives the count per window, never the window's length (Laravel sends
//! 60 for a minute, a one-second limiter 10), and only a 429 carries `X-RateLimit-Reset`. The
//! length shows in how `Remaining` moves: on a fixed window it counts down by one per request
//! and jumps back to `Limit - 1` on the first request of the next window. Taking send times
//! on the monotonic clock:
//! - a window holds every request of one countdown, so it is longer than the time from its
//!   first request to its last (a lower bound);
//! - a Laravel window opens at the first request after the previous one expired, so the time
//!   from one window's first request to the next one's is at least the window (an upper
//!   bound). Spacing `Limit` requests evenly over that upper bound never puts more than
//!   `Limit` into any window of the real length, whether windows open at a request or on
//!   the clock (the latter's restarts can come early; then the mean restart is used).
//!
//! A sliding window's `Remaining` stays level or creeps up instead of jumping back; those
//! responses count as irregular, as does a 429 at the claimed rate, and while they are as many
//! as the restarts no window is claimed (the caller then probes for the limit as without
//! headers). A restart after a window of one request counts for nothing: a token bucket with
//! room answers `Limit - 1` every time.

/// What a response said about the server's limit, when it said anything
/// (`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` as a delay).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LimitHeaders {
    /// Requests per window (`X-RateLimit-Limit`).
    pub limit: Option<f64>,
    /// Requests left in the window (`X-RateLimit-Remaining`).
    pub remaining: Option<f64>,
    /// Milliseconds until the server's window resets.
    pub reset_in_ms: Option<f64>,
}

impl LimitHeaders {
    /// Reads the three headers. `X-RateLimit-Reset` is an epoch in seconds (GitHub, Laravel)
    /// when it is that large (from 1e9: 2001), in milliseconds when larger still (from 1e12:
    /// an epoch in seconds would be 33,000 years off), measured against `server_now_ms` (the
    /// response's `Date`, else the local wall clock); a smaller number is a delay in seconds.
    pub fn read(limit: Option<&str>, remaining: Option<&str>, reset: Option<&str>, server_now_ms: f64) -> Self {
        let num = |v: Option<&str>| v.and_then(|s| s.trim().parse::<f64>().ok()).filter(|n| n.is_finite() && *n >= 0.0);
        let reset_in_ms = num(reset).map(|r| match r {
            r if r >= 1e12 => (r - server_now_ms).max(0.0),
            r if r >= 1e9 => (r * 1000.0 - server_now_ms).max(0.0),
            r => r * 1000.0,
        });
        LimitHeaders { limit: num(limit), remaining: num(remaining), reset_in_ms }
    }

    /// The server says its budget is spent (and says so meaningfully: a limit of 1, as a
    /// token bucket of burst 1 reports, is spent after every request).
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0.0) && self.limit.is_none_or(|l| l > 1.0)
    }
}

/// The countdown the last responses belong to.
#[derive(Debug, Clone, Copy)]
struct Countdown {
    /// Send time of the window's first request, when this countdown started at `Limit - 1`.
    first: Option<f64>,
    last: f64,
    remaining: f64,
}

/// Learns a fixed window's length from the `Limit` / `Remaining` of successful responses.
#[derive(Debug, Clone, Default)]
pub struct WindowLearner {
    /// The `X-RateLimit-Limit` followed (another value starts the learning afresh).
    limit: f64,
    countdown: Option<Countdown>,
    /// The window is longer than this (ms): the longest first-to-last span of one countdown.
    longer_than: f64,
    /// Restarts (first request of one window to the first of the next), their shortest and sum.
    restarts: u32,
    shortest_restart: f64,
    restart_sum: f64,
    /// Responses whose `Remaining` neither counted down by one nor restarted at `Limit - 1`.
    irregular: u32,
}

impl WindowLearner {
    /// One successful response to a request sent at `sent_at` (monotonic ms), in send order.
    pub fn observe(&mut self, sent_at: f64, headers: &LimitHeaders) {
        let (Some(limit), Some(remaining)) = (headers.limit, headers.remaining) else { return };
        // A limit of 1 (a burst-1 token bucket) restarts on every request and tells nothing.
        if limit <= 1.0 || remaining >= limit {
            return;
        }
        if limit != self.limit {
            *self = WindowLearner { limit, ..WindowLearner::default() };
        }
        let prev = self.countdown;
        if prev.is_some_and(|c| sent_at < c.last) {
            return; // an answer that overtook a later request's: its place in the countdown is unknown
        }
        if remaining == limit - 1.0 {
            // A window seen with one request only tells nothing: a token bucket with room
            // answers `Limit - 1` to every request however slow its refill.
            if let Some(first) = prev.filter(|c| c.remaining < limit - 1.0).and_then(|c| c.first) {
                let restart = sent_at - first;
                self.shortest_restart = if self.restarts == 0 { restart } else { self.shortest_restart.min(restart) };
                self.restart_sum += restart;
                self.restarts += 1;
            }
            self.countdown = Some(Countdown { first: Some(sent_at), last: sent_at, remaining });
            return;
        }
        match prev {
            Some(c) if remaining == c.remaining - 1.0 => {
                if let Some(first) = c.first {
                    self.longer_than = self.longer_than.max(sent_at - first);
                }
                self.countdown = Some(Countdown { last: sent_at, remaining, ..c });
            }
            Some(_) => {
                self.irregular += 1;
                self.countdown = Some(Countdown { first: None, last: sent_at, remaining });
            }
            None => self.countdown = Some(Countdown { first: None, last: sent_at, remaining }),
        }
    }

    /// A 429 at the rate the window allows: evidence against it (a token bucket's countdown
    /// that a pause refilled looks like a window); when such evidence matches the restarts,
    /// no window is claimed.
    pub fn refuted(&mut self) {
        self.irregular += 1;
    }

    /// The window's length (ms) as far as it is known: the shortest restart, or the mean one
    /// when a countdown outlasted it (windows on the clock); `None` before a restart was seen
    /// or while the headers do not behave like a fixed window.
    pub fn window_ms(&self) -> Option<f64> {
        if self.restarts == 0 || self.irregular >= self.restarts {
            return None;
        }
        if self.shortest_restart > self.longer_than {
            Some(self.shortest_restart)
        } else {
            Some((self.restart_sum / f64::from(self.restarts)).max(self.longer_than))
        }
    }

    /// The server's rate (requests per second) that the window and the limit make.
    pub fn rps(&self) -> Option<f64> {
        self.window_ms().filter(|w| *w > 0.0).map(|w| self.limit * 1000.0 / w)
    }

    /// When the current window's budget is spent: the time (monotonic ms) its window ends,
    /// before which no request may go out.
    pub fn spent_until(&self) -> Option<f64> {
        let c = self.countdown?;
        if c.remaining > 0.0 {
            return None;
        }
        Some(c.first? + self.window_ms()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(limit: f64, remaining: f64) -> LimitHeaders {
        LimitHeaders { limit: Some(limit), remaining: Some(remaining), reset_in_ms: None }
    }

    /// Feeds responses from a Laravel fixed window (opens at the first request after the last
    /// one expired) to requests every `gap` ms.
    fn laravel(learner: &mut WindowLearner, window: f64, limit: f64, gap: f64, from: f64, n: usize) -> f64 {
        let (mut start, mut count) = (f64::NEG_INFINITY, 0.0);
        let mut t = from;
        for _ in 0..n {
            if t >= start + window {
                start = t;
                count = 0.0;
            }
            count += 1.0;
            learner.observe(t, &h(limit, limit - count));
            t += gap;
        }
        t
    }

    #[test]
    fn the_reset_is_a_delay_an_epoch_in_seconds_or_one_in_milliseconds() {
        let now = 1_800_000_000_000.0; // 2027-01-15, in ms
        let reset = |v: &str| LimitHeaders::read(None, Some("0"), Some(v), now).reset_in_ms;
        assert_eq!(reset("30"), Some(30_000.0), "a delay in seconds");
        assert_eq!(reset("1800000030"), Some(30_000.0), "an epoch in seconds");
        assert_eq!(reset("1800000030000"), Some(30_000.0), "an epoch in milliseconds");
        assert_eq!(reset("1799999999"), Some(0.0), "passed already");
        assert_eq!(reset("soon"), None);
    }

    #[test]
    fn a_fixed_window_is_learned_from_countdowns_and_restarts() {
        let mut l = WindowLearner::default();
        assert_eq!(l.window_ms(), None);
        // 3 req/s against 10 per second: 9, 8, 7, then 9 again 1005 ms after the first.
        laravel(&mut l, 1000.0, 10.0, 335.0, 0.0, 4);
        assert_eq!(l.window_ms(), Some(1005.0));
        assert!((l.rps().unwrap() - 10.0 / 1.005).abs() < 1e-9);
        // Longer restarts do not loosen it; shorter ones, nearer to the real window, tighten it.
        laravel(&mut l, 1000.0, 10.0, 101.0, 10_000.0, 40);
        assert_eq!(l.window_ms(), Some(1005.0));
        laravel(&mut l, 1000.0, 10.0, 143.0, 20_000.0, 40);
        assert_eq!(l.window_ms(), Some(1001.0));
    }

    #[test]
    fn a_minute_window_is_learned_the_same_way() {
        let mut l = WindowLearner::default();
        laravel(&mut l, 60_000.0, 60.0, 1100.0, 0.0, 200);
        assert_eq!(l.window_ms(), Some(60_500.0));
        let rps = l.rps().unwrap();
        assert!(rps <= 1.0 && rps > 0.99, "{rps}");
    }

    #[test]
    fn a_spent_budget_holds_until_the_window_ends() {
        let mut l = WindowLearner::default();
        let t = laravel(&mut l, 1000.0, 10.0, 335.0, 0.0, 4); // learns 1005 ms; a window opened at 1005
        assert_eq!(l.spent_until(), None, "budget left");
        for i in 1..10 {
            assert_eq!(l.spent_until(), None, "budget left");
            l.observe(t + f64::from(i) * 50.0, &h(10.0, 9.0 - f64::from(i)));
        }
        assert_eq!(l.spent_until(), Some(1005.0 + 1005.0));
    }

    #[test]
    fn no_window_is_claimed_from_a_sliding_window_or_a_burst_one_bucket() {
        // A sliding window of 10 per second at 5 req/s: 9, 8, 7, 6, 5, then 5 for ever.
        let mut l = WindowLearner::default();
        for i in 0..50 {
            l.observe(f64::from(i) * 200.0, &h(10.0, (9 - i).max(5) as f64));
        }
        assert_eq!(l.window_ms(), None);
        // Even after a pause lets it empty once (one restart, many irregular answers).
        l.observe(20_000.0, &h(10.0, 9.0));
        l.observe(30_000.0, &h(10.0, 9.0));
        assert_eq!(l.window_ms(), None);
        // A token bucket of burst 10 with room answers 9 to every request.
        let mut tb = WindowLearner::default();
        for i in 0..20 {
            tb.observe(f64::from(i) * 300.0, &h(10.0, 9.0));
        }
        assert_eq!(tb.window_ms(), None);
        // A token bucket of burst 1 answers limit 1, remaining 0 every time.
        let mut b = WindowLearner::default();
        for i in 0..20 {
            b.observe(f64::from(i) * 100.0, &h(1.0, 0.0));
        }
        assert_eq!(b.window_ms(), None);
    }

    #[test]
    fn a_429_at_the_claimed_rate_withdraws_the_window() {
        let mut l = WindowLearner::default();
        laravel(&mut l, 1000.0, 10.0, 335.0, 0.0, 4);
        assert!(l.window_ms().is_some());
        l.refuted();
        assert_eq!(l.window_ms(), None);
    }

    #[test]
    fn a_new_limit_starts_afresh() {
        let mut l = WindowLearner::default();
        laravel(&mut l, 1000.0, 10.0, 335.0, 0.0, 8);
        assert!(l.window_ms().is_some());
        l.observe(5000.0, &h(20.0, 19.0));
        assert_eq!(l.window_ms(), None);
    }
}
