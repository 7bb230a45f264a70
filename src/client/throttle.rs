//! Request spacing: a fixed rate, or an adaptive one for servers whose limit is unknown,
//! plus the client-wide pause that a `Retry-After` imposes.

/// How fast the client may start requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Starts at least `1000 / rps` ms apart.
    Fixed(f64),
    /// Additive increase, multiplicative decrease on 429: holds near an unknown server budget.
    Auto,
}

const SPACING_MARGIN: f64 = 1.02;
const AUTO_START_RPS: f64 = 3.0;
const AUTO_MIN_RPS: f64 = 0.2;
const AUTO_MAX_RPS: f64 = 50.0;
const AUTO_DECREASE: f64 = 0.7;

/// The shared spacing state of one client (all its concurrent calls).
#[derive(Debug, Clone)]
pub struct Throttle {
    rate: Rate,
    current_rps: f64,
    /// The rate at which the last 429 arrived: probing slows down as it gets close again.
    last_limited_rps: Option<f64>,
    next_start: f64,
    paused_until: f64,
}

impl Throttle {
    pub fn new(rate: Rate) -> Self {
        let current_rps = match rate {
            Rate::Fixed(rps) => rps,
            Rate::Auto => AUTO_START_RPS,
        };
        Throttle { rate, current_rps, last_limited_rps: None, next_start: f64::NEG_INFINITY, paused_until: 0.0 }
    }

    /// The current rate in requests per second.
    pub fn current_rps(&self) -> f64 {
        self.current_rps
    }

    /// Reserves the next start slot at or after `now`; returns how long to wait for it.
    /// Slots are handed out in call order, so concurrent calls queue fairly.
    pub fn reserve(&mut self, now: f64) -> f64 {
        let start = now.max(self.next_start).max(self.paused_until);
        // A 2% margin: timers and clocks are coarse, and a server limiting at exactly this
        // rate refuses a request that arrives a fraction of a millisecond early.
        self.next_start = start + SPACING_MARGIN * 1000.0 / self.current_rps;
        start - now
    }

    /// Whether a `Retry-After` pause is still running at `now`.
    pub fn is_paused(&self, now: f64) -> bool {
        now < self.paused_until
    }

    /// A `Retry-After` pauses every request of the client until `until`.
    pub fn pause_until(&mut self, until: f64) {
        self.paused_until = self.paused_until.max(until);
    }

    pub fn on_success(&mut self) {
        if self.rate != Rate::Auto {
            return;
        }
        // Fast until the first 429 shows where the limit is, then slower, and slowest near it.
        let step = match self.last_limited_rps {
            None => 0.25,
            Some(l) if self.current_rps >= 0.9 * l => 0.02,
            Some(_) => 0.1,
        };
        self.current_rps = (self.current_rps + step).min(AUTO_MAX_RPS);
    }

    pub fn on_rate_limited(&mut self) {
        if self.rate != Rate::Auto {
            return;
        }
        self.last_limited_rps = Some(self.current_rps);
        self.current_rps = (self.current_rps * AUTO_DECREASE).max(AUTO_MIN_RPS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rate_spaces_starts_even_for_simultaneous_calls() {
        let mut t = Throttle::new(Rate::Fixed(4.0));
        assert_eq!(t.reserve(1000.0), 0.0);
        assert_eq!(t.reserve(1000.0), 255.0);
        assert_eq!(t.reserve(1000.0), 510.0);
        assert_eq!(t.reserve(2000.0), 0.0);
    }

    #[test]
    fn a_pause_delays_every_later_slot() {
        let mut t = Throttle::new(Rate::Fixed(10.0));
        t.pause_until(5000.0);
        assert_eq!(t.reserve(1000.0), 4000.0);
        assert_eq!(t.reserve(1000.0), 4102.0);
        assert!(t.is_paused(4999.0) && !t.is_paused(5000.0));
    }

    #[test]
    fn auto_backs_off_on_429_and_probes_up_slower_near_the_limit() {
        let mut t = Throttle::new(Rate::Auto);
        for _ in 0..8 {
            t.on_success();
        }
        let before = t.current_rps();
        assert!((before - 5.0).abs() < 1e-9, "{before}");
        t.on_rate_limited();
        assert!((t.current_rps() - 3.5).abs() < 1e-9);
        for _ in 0..9 {
            t.on_success();
        }
        assert!((t.current_rps() - 4.4).abs() < 1e-9, "{}", t.current_rps());
        for _ in 0..10 {
            t.on_success();
        }
        let near = t.current_rps();
        assert!(near > 4.5 && near < 4.8, "near the last limit it probes in small steps: {near}");
    }
}
