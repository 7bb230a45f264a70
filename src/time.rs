//! ISO-8601 timestamps and dates, normalized without a date library.
//!
//! The live API sends `2025-11-04T08:00:00+00:00`, `...Z`, `....000000Z` and more. All of
//! them become milliseconds since the epoch (finer precision truncated, never rounded, so an
//! inclusive `updated_after` bound still holds) and print as `2025-11-04T08:00:00.000Z`.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A UTC instant with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A calendar date `YYYY-MM-DD`, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// Parses an ISO-8601 date-time (`T` or a space between date and time; `Z`, `±HH:MM`,
    /// `±HHMM` or `±HH` offset; no offset means UTC) or a plain date (midnight UTC).
    ///
    /// ```
    /// use vomo_users::time::Timestamp;
    /// let t = Timestamp::parse("2025-11-04T09:00:00.1239+01:00").unwrap();
    /// assert_eq!(t.to_string(), "2025-11-04T08:00:00.123Z");
    /// ```
    pub fn parse(text: &str) -> Option<Timestamp> {
        let s = text.trim().as_bytes();
        let (date, rest) = parse_date_prefix(s)?;
        if rest.is_empty() {
            return Some(Timestamp(date.0 * MS_PER_DAY));
        }
        if rest[0] != b'T' && rest[0] != b't' && rest[0] != b' ' {
            return None;
        }
        let mut i = 1;
        let hour = digits(rest, &mut i, 2)?;
        expect(rest, &mut i, b':')?;
        let minute = digits(rest, &mut i, 2)?;
        let mut second = 0;
        let mut millis = 0;
        if rest.get(i) == Some(&b':') {
            i += 1;
            second = digits(rest, &mut i, 2)?;
            if matches!(rest.get(i), Some(b'.') | Some(b',')) {
                i += 1;
                let start = i;
                while i < rest.len() && rest[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                for (n, d) in rest[start..i].iter().take(3).enumerate() {
                    millis += i64::from(d - b'0') * [100, 10, 1][n];
                }
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let offset_minutes = parse_offset(&rest[i..])?;
        let second = second.min(59); // a leap second folds onto :59
        let ms = date.0 * MS_PER_DAY + (hour * 3600 + minute * 60 + second) * 1000 + millis - offset_minutes * 60_000;
        Some(Timestamp(ms))
    }

    /// The instant this many milliseconds after the Unix epoch.
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
}

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` into a fixed buffer (no formatting machinery: this runs
    /// for every timestamp of every page).
    fn iso_bytes(self) -> Option<[u8; 24]> {
        let days = self.0.div_euclid(MS_PER_DAY);
        let in_day = self.0.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
        let (min, rest) = (rest / 60_000, rest % 60_000);
        let (s, ms) = (rest / 1000, rest % 1000);
        let mut b = *b"0000-00-00T00:00:00.000Z";
        put_digits(&mut b[0..4], y);
        put_digits(&mut b[5..7], m);
        put_digits(&mut b[8..10], d);
        put_digits(&mut b[11..13], h);
        put_digits(&mut b[14..16], min);
        put_digits(&mut b[17..19], s);
        put_digits(&mut b[20..23], ms);
        Some(b)
    }
}

fn put_digits(out: &mut [u8], mut value: i64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iso_bytes() {
            Some(b) => f.write_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => {
                let days = self.0.div_euclid(MS_PER_DAY);
                let (y, m, d) = civil_from_days(days);
                let in_day = self.0.rem_euclid(MS_PER_DAY);
                let (h, min, s, ms) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
                // A year outside 0000-9999 (an offset can carry 9999-12-31 into year 10000) is
                // written as ECMAScript's `toISOString` writes it, so `Date.parse` reads it back:
                // a sign and six digits.
                let sign = if y < 0 { '-' } else { '+' };
                write!(f, "{sign}{:06}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z", y.abs())
            }
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.iso_bytes() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => s.collect_str(self),
        }
    }
}

impl Date {
    /// Parses a strict `YYYY-MM-DD` that names a real calendar day.
    ///
    /// ```
    /// use vomo_users::time::Date;
    /// assert!(Date::parse("2024-02-29").is_some());
    /// assert!(Date::parse("2023-02-29").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let s = text.as_bytes();
        if s.len() != 10 {
            return None;
        }
        let (year, month, day) = date_fields(s)?;
        Some(Date(days_from_civil(year, month, day)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (y, m, d) = civil_from_days(self.0);
        if (0..=9999).contains(&y) {
            let mut b = *b"0000-00-00";
            put_digits(&mut b[0..4], y);
            put_digits(&mut b[5..7], m);
            put_digits(&mut b[8..10], d);
            return s.serialize_str(std::str::from_utf8(&b).unwrap_or_default());
        }
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).ok_or_else(|| de::Error::custom(format!("not an ISO-8601 timestamp: {text:?}")))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).ok_or_else(|| de::Error::custom(format!("not a YYYY-MM-DD date: {text:?}")))
    }
}

fn parse_date_prefix(s: &[u8]) -> Option<(Date, &[u8])> {
    if let [sign @ (b'+' | b'-'), rest @ ..] = s {
        // An expanded year (`+010000-01-01`, `-000001-12-31`), as ECMAScript writes a year
        // outside 0000-9999 and `Date.parse` reads it; `-000000` is no year there.
        let mut i = 0;
        let year = digits(rest, &mut i, 6)?;
        if *sign == b'-' && year == 0 {
            return None;
        }
        let year = if *sign == b'-' { -year } else { year };
        expect(rest, &mut i, b'-')?;
        let month = digits(rest, &mut i, 2)?;
        expect(rest, &mut i, b'-')?;
        let day = digits(rest, &mut i, 2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        return Some((Date(days_from_civil(year, month, day)), &rest[i..]));
    }
    let (year, month, day) = date_fields(s)?;
    Some((Date(days_from_civil(year, month, day)), &s[10..]))
}

/// The year, month and day of a `YYYY-MM-DD` prefix that names a real calendar day.
fn date_fields(s: &[u8]) -> Option<(i64, i64, i64)> {
    let s: &[u8; 10] = s.get(..10)?.try_into().ok()?;
    let d = |i: usize| -> Option<i64> {
        let v = s[i].wrapping_sub(b'0');
        (v < 10).then_some(i64::from(v))
    };
    if s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = ((d(0)? * 10 + d(1)?) * 10 + d(2)?) * 10 + d(3)?;
    let month = d(5)? * 10 + d(6)?;
    let day = d(8)? * 10 + d(9)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

/// Whether [`Date::parse`] accepts `s`, answered without computing the day.
pub(crate) fn is_date(s: &[u8]) -> bool {
    s.len() == 10 && date_fields(s).is_some()
}

fn parse_offset(s: &[u8]) -> Option<i64> {
    match s {
        [] | [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let mut i = 0;
            let h = digits(rest, &mut i, 2)?;
            if rest.get(i) == Some(&b':') {
                i += 1;
            }
            let m = if i < rest.len() { digits(rest, &mut i, 2)? } else { 0 };
            if i != rest.len() || h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            Some(if *sign == b'-' { -total } else { total })
        }
        _ => None,
    }
}

fn digits(s: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let chunk = s.get(*i..*i + n)?;
    let mut v = 0i64;
    for &c in chunk {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    *i += n;
    Some(v)
}

fn expect(s: &[u8], i: &mut usize, c: u8) -> Option<()> {
    if s.get(*i) == Some(&c) {
        *i += 1;
        Some(())
    } else {
        None
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_timestamp_form_normalizes_to_utc_millis() {
        for form in [
            "2025-11-04T08:00:00+00:00",
            "2025-11-04T08:00:00Z",
            "2025-11-04T08:00:00.000000Z",
            "2025-11-04 08:00:00",
            "2025-11-04T09:00:00+01:00",
            "2025-11-04T03:00:00-0500",
            "2025-11-04T08:00Z",
        ] {
            let t = Timestamp::parse(form).unwrap_or_else(|| panic!("{form} did not parse"));
            assert_eq!(t.to_string(), "2025-11-04T08:00:00.000Z", "{form}");
        }
    }

    #[test]
    fn finer_precision_is_truncated_never_rounded() {
        let t = Timestamp::parse("2025-02-15T09:00:00.999999Z").unwrap();
        assert_eq!(t.to_string(), "2025-02-15T09:00:00.999Z");
    }

    #[test]
    fn a_plain_date_is_midnight_utc() {
        assert_eq!(Timestamp::parse("1970-01-01").unwrap().0, 0);
    }

    #[test]
    fn garbage_and_impossible_values_are_rejected() {
        for bad in [
            "",
            "null",
            "2025-13-01T00:00:00Z",
            "2025-02-30",
            "2025-11-04T25:00:00Z",
            "2025-11-04T08:00:00+0",
            "2025-11-04X08:00:00",
            "2025-11-04T08:00:00.Z",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad} should not parse");
        }
    }

    #[test]
    fn dates_round_trip_across_eras() {
        for text in ["1900-01-01", "1972-02-19", "2000-02-29", "2399-12-31", "0001-01-01"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
    }
}
