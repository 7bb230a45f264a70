//! What one poll learns of how rows spread over `updated_at`, and where the next window ends.
//!
//! Every first page answers one question exactly: how many rows a window holds
//! (`meta.total`). The API compares `updated_at` by whole seconds, both ends inclusive, so a
//! window `[start, end]` holds the rows of the seconds `second(start)..=second(end)`. Chained
//! from the poll's first window (the origin), the answers give `c(k)`: the rows of the seconds
//! from the origin's up to second `k`, at a few `k`. A window from `start` to the end of
//! second `k` then holds `c(k) - c(second(start) - 1)` rows.
//!
//! Where a window ends ([`RowCounts::window_end`]): at the latest known second that fits
//! (`maxWindowRows`), else between that and the first known second that does not, by
//! interpolation (as if rows were spread evenly between the two known points), else at the
//! server's now (a probe whose first page is then the count). Never the first page's rows as
//! a sample: the order of a listing is not documented, and when it is by id, the first page of
//! users created one after another is the window's oldest rows, whose times said the window
//! should end seconds after its start; a backfill of 12,000 users written 4 a second then
//! took 2,086 requests (3,524 with ends put before the sampled second) for the minimum 800.
//! Rows bunch up at single seconds (bulk imports, batch updates): interpolating towards such
//! a second gives windows that hold next to nothing, so after such a window the next is at
//! least twice as long (or half the way to the crowded point), which reaches it in a number of
//! windows that grows with the logarithm of the distance; a second that alone holds too many
//! rows becomes a window of its own, walked as it is (it cannot be split). Kept in memory for one poll (never stored); the counts drift
//! when rows change during the poll, which is harmless: every first page is still checked
//! against `maxWindowRows`.

/// The second that holds `ms`.
pub(crate) fn second(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// The last millisecond of second `k`: a window that ends there holds all of that second.
pub(crate) fn end_of(k: i64) -> i64 {
    k * 1000 + 999
}

/// The share of `maxWindowRows` an interpolated window aims at, leaving room for rows that
/// are not spread evenly.
const AIM: f64 = 0.9;

#[derive(Debug, Default)]
pub(crate) struct RowCounts {
    /// `(k, c(k))`, sorted by `k`; the first is `(second(origin) - 1, 0)`.
    points: Vec<(i64, u64)>,
}

impl RowCounts {
    /// Starts counting at `origin` (the first window start of the poll); later calls keep it.
    pub fn begin(&mut self, origin: i64) {
        if self.points.is_empty() {
            self.points.push((second(origin) - 1, 0));
        }
    }

    fn at(&self, k: i64) -> Option<u64> {
        self.points.binary_search_by_key(&k, |(p, _)| *p).ok().map(|i| self.points[i].1)
    }

    /// The rows before a window from `start`: `c(second(start) - 1)`, if known.
    fn base(&self, start: i64) -> Option<u64> {
        self.at(second(start) - 1)
    }

    /// A first page said `[start, end]` holds `total` rows.
    pub fn learn(&mut self, start: i64, end: i64, total: u64) {
        let Some(base) = self.base(start) else { return };
        let point = (second(end), base + total);
        match self.points.binary_search_by_key(&point.0, |(t, _)| *t) {
            Ok(i) => self.points[i] = point,
            Err(i) => self.points.insert(i, point),
        }
    }

    /// Where a window from `start` ends, no later than `latest`: the latest known point that
    /// holds at most `max_rows` rows from `start`; else an end interpolated before the first
    /// known point that holds more; else `latest`. An end before `latest` is the last
    /// millisecond of a second. `None` when `start` is not a known point (then: `latest`).
    pub fn window_end(&self, start: i64, max_rows: u64, latest: i64) -> Option<i64> {
        let base = self.base(start)?;
        let first = second(start);
        let last = second(latest);
        let rows = |c: u64| c.saturating_sub(base);
        let end = |k: i64| if k >= last { latest } else { end_of(k) };
        // The latest known second within reach that fits, and the first known second after
        // it (within reach or beyond) that does not.
        let fit = self.points.iter().rev().find(|(k, c)| *k >= first && *k <= last && rows(*c) <= max_rows).copied();
        let lo = fit.unwrap_or((first - 1, base));
        let Some(&(over, c_over)) = self.points.iter().find(|(k, c)| *k > lo.0 && rows(*c) > max_rows) else {
            return Some(fit.map_or(latest, |(k, _)| end(k)));
        };
        if over - lo.0 <= 1 {
            // `over` is the second right after the fit: as far as can be known without
            // asking; or the window's first second, which alone holds too many rows and is
            // a window of its own.
            return Some(end(if fit.is_some() { lo.0 } else { over }));
        }
        // As if the rows between the two were spread evenly.
        let aim = (max_rows as f64 * AIM).max(1.0);
        let share = ((aim - rows(lo.1) as f64) / (c_over.saturating_sub(lo.1).max(1)) as f64).clamp(0.0, 1.0);
        let mut k = lo.0 + ((over - lo.0) as f64 * share).floor() as i64;
        // They are not when a crowded second lies ahead: the even guess then keeps giving
        // windows that hold next to nothing. After a window that held less than half the aim,
        // the next one is twice as long, or half the way to `over`, whichever is shorter; so
        // the crowded second is reached in a number of windows that grows with the logarithm
        // of the distance, not with the distance.
        let i = self.points.partition_point(|(p, _)| *p < lo.0);
        if let Some(&(prev, c_prev)) = i.checked_sub(1).and_then(|j| self.points.get(j)) {
            if (lo.1.saturating_sub(c_prev) as f64) < aim / 2.0 {
                k = k.max((lo.0 + 2 * (lo.0 - prev)).min(lo.0 + (over - lo.0) / 2));
            }
        }
        Some(end(k.clamp(lo.0 + 1, over - 1).min(last)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_767_243_600_000; // a whole second

    #[test]
    fn known_points_give_windows_that_fit_without_asking() {
        let mut c = RowCounts::default();
        c.begin(S);
        let latest = S + 10_000_000;
        assert_eq!(c.window_end(S, 100, latest), Some(latest), "nothing known yet: ask up to now");
        c.learn(S, latest, 1000); // all of it: too many for 100
        let e = c.window_end(S, 100, latest).unwrap();
        assert_eq!(e % 1000, 999, "an interpolated end is the end of a second");
        assert_eq!(second(e), second(S) + 899, "evenly spread: 90 of the 1000 rows, in 900 of the 10,001 seconds");
        c.learn(S, S + 2_000_999, 80); // a narrower probe: 80 rows fit
        c.learn(S, S + 500_999, 10);
        // Between the fit (80 at second +2000) and the next point known to hold too many.
        let e = c.window_end(S, 100, latest).unwrap();
        assert!(e > S + 2_000_999 && e < latest, "{e}");
        assert_eq!(c.window_end(S, 1000, latest), Some(latest), "everything fits");
        // Chained: a window that ended at second +2000 counts the next one from there.
        assert_eq!(c.window_end(S + 2_001_000, 920, latest), Some(latest));
        assert!(c.window_end(S + 2_001_000, 919, latest).unwrap() < latest);
        assert_eq!(c.window_end(S + 1_234_567, 10_000, latest), None, "an unknown start says nothing");
        c.begin(S + 5);
        c.learn(S, S + 2_000_999, 95); // asked again: the newer answer replaces the older
        let e = c.window_end(S, 90, S + 2_000_999).unwrap();
        assert!(e > S + 500_999 && e < S + 2_000_999, "between the latest point that fits and the one that does not: {e}");
    }

    #[test]
    fn a_crowded_second_ends_the_window_before_it_or_is_a_window_of_its_own() {
        let mut c = RowCounts::default();
        c.begin(S);
        let latest = S + 30_000;
        // 73 rows, all in second +10, and the probes that found that out.
        c.learn(S, latest, 73);
        c.learn(S, S + 10_999, 73);
        c.learn(S, S + 9_999, 0);
        assert_eq!(c.window_end(S, 20, latest), Some(S + 9_999), "the known fit right before the crowded second");
        // From the crowded second on: it alone holds too many, and becomes a window of its own.
        assert_eq!(c.window_end(S + 10_000, 20, latest), Some(S + 10_999));
        // After it, the rest fits.
        assert_eq!(c.window_end(S + 11_000, 20, latest), Some(latest));
        // Knowing only the whole window: an end between, never the window's end or its start.
        let mut c = RowCounts::default();
        c.begin(S);
        c.learn(S, latest, 73);
        let e = c.window_end(S, 20, latest - 1).unwrap();
        assert!(e > S && e < latest && e % 1000 == 999, "{e}");
    }

    #[test]
    fn interpolation_towards_a_crowded_second_reaches_it_in_few_steps() {
        // 10 rows spread over an hour, then 5,000 in one second; windows of at most 100 rows.
        let crowd = 3600;
        // Rows from second S up to `k` seconds after it (none before S).
        let cum = |k: i64| -> u64 {
            if k < 0 {
                return 0;
            }
            (k.min(crowd - 1) as u64 * 10) / crowd as u64 + if k >= crowd { 5000 } else { 0 }
        };
        let rel = |ms: i64| second(ms) - second(S);
        let latest = S + (crowd + 30) * 1000;
        let mut c = RowCounts::default();
        c.begin(S);
        let (mut start, mut first_pages, mut windows) = (S, 0, 0);
        while start <= latest && first_pages < 200 {
            let mut end = c.window_end(start, 100, latest).unwrap();
            loop {
                let total = cum(rel(end)) - cum(rel(start) - 1);
                c.learn(start, end, total);
                first_pages += 1;
                if total <= 100 || end - start < 1000 {
                    break;
                }
                end = c.window_end(start, 100, end - 1).unwrap();
            }
            windows += 1;
            // The checkpoint rule of walk.rs: after the last millisecond of a second, the next.
            start = if end % 1000 == 999 { end + 1 } else { end };
            if end == latest {
                break;
            }
        }
        // 19 on 2026-12-05: 13 windows over the sparse hour, 3 probes that met the crowded
        // second, the second itself, and the rest.
        assert!(first_pages <= 20, "{first_pages} first pages for {windows} windows");
    }
}
