//! What one poll learns of how rows spread over `updated_at`, so that a backfill does not
//! ask twice what it was already told.
//!
//! Every first page answers one question exactly: how many rows the window `[start, end]`
//! holds (`meta.total`). Chained from the poll's first window start (the origin), these
//! answers give the number of rows in `[origin, t]` at a few points `t`. Before, every new
//! window opened as "everything up to the server's now", so each window of a backfill began
//! with a first page that was thrown away (too many rows) even when an earlier, narrower
//! probe had already found an end that fits. Now a window opens at the latest known point
//! that fits, and narrowing never goes below it.
//!
//! Only known points are used, never interpolation between them: rows bunch up at single
//! seconds (bulk imports, batch updates), and a guess between two points walks towards such a
//! bunch in ever smaller windows. Kept in memory for one poll (never stored); the counts drift
//! when rows change during the poll, which is harmless: every first page is still checked
//! against `maxWindowRows`.

#[derive(Debug, Default)]
pub(crate) struct RowCounts {
    /// `(t, rows in [origin, t])`, sorted by `t`; the first is `(origin, 0)`.
    points: Vec<(i64, u64)>,
}

impl RowCounts {
    /// Starts counting at `origin` (the first window start of the poll); later calls keep it.
    pub fn begin(&mut self, origin: i64) {
        if self.points.is_empty() {
            self.points.push((origin, 0));
        }
    }

    fn at(&self, t: i64) -> Option<u64> {
        self.points.iter().find(|(p, _)| *p == t).map(|(_, c)| *c)
    }

    /// A first page said `[start, end]` holds `total` rows.
    pub fn learn(&mut self, start: i64, end: i64, total: u64) {
        let Some(base) = self.at(start) else { return };
        let point = (end, base + total);
        match self.points.binary_search_by_key(&end, |(t, _)| *t) {
            Ok(i) => self.points[i] = point,
            Err(i) => self.points.insert(i, point),
        }
    }

    /// The latest known point in `(start, latest]` up to which `[start, t]` holds at most
    /// `max_rows` rows: a window that is known to fit, without asking. `None` when no point
    /// is known there (or `start` itself is not a known point).
    pub fn known_fit(&self, start: i64, max_rows: u64, latest: i64) -> Option<i64> {
        let base = self.at(start)?;
        self.points.iter().filter(|(t, c)| *t > start && *t <= latest && c.saturating_sub(base) <= max_rows).map(|(t, _)| *t).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points_give_windows_that_fit_without_asking() {
        let mut c = RowCounts::default();
        c.begin(0);
        assert_eq!(c.known_fit(0, 100, 10_000), None, "nothing known yet");
        c.learn(0, 10_000, 1000); // [0, 10000] holds 1000 rows: too many for 100
        assert_eq!(c.known_fit(0, 100, 10_000), None);
        c.learn(0, 2000, 80); // a narrower probe: 80 rows fit
        c.learn(0, 500, 10);
        assert_eq!(c.known_fit(0, 100, 10_000), Some(2000), "the latest point that fits");
        assert_eq!(c.known_fit(0, 1000, 10_000), Some(10_000));
        assert_eq!(c.known_fit(0, 1000, 9_999), Some(2000), "never past `latest`");
        // chained: a window completed up to 2000 counts from there (920 rows left up to 10000)
        assert_eq!(c.known_fit(2000, 919, 10_000), None);
        assert_eq!(c.known_fit(2000, 920, 10_000), Some(10_000));
        assert_eq!(c.known_fit(1234, 10_000, 10_000), None, "an unknown start says nothing");
        c.begin(5);
        assert_eq!(c.known_fit(0, 100, 10_000), Some(2000), "begin keeps the first origin");
        c.learn(0, 2000, 95); // asked again: the newer answer replaces the older
        assert_eq!(c.known_fit(0, 90, 10_000), Some(500));
    }
}
