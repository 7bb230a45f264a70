//! Differential test of the timestamp and date parsers (`vomo_users::time`) against the
//! platform's own: V8's `Date.parse` in Node, run with `TZ=UTC` (the parsers read a
//! timestamp without an offset as UTC; `Date.parse` reads it in the process's time zone).
//! Over generated texts in every ISO-8601 shape the live API and callers send, and many
//! broken ones:
//!
//! - where both accept a text in ISO form, both give the same millisecond;
//! - whatever text ours accepts, V8 gives our millisecond for it in ISO form: where it
//!   uses one of the extensions docs/api.md lists (a space for the `T`; a leap second
//!   `:60`, read as `:59`; a `±HH` offset; a `,` before the fraction; blanks around the
//!   text), written the way V8's ISO reader takes it;
//! - where only V8 accepts it, ours refuses on purpose: a day the month does not have,
//!   which V8 rolls into the next month (`2023-02-29` is 1 March for V8); hour 24; a field
//!   not written with its full digits; or one of V8's own legacy forms (which it reads in
//!   ways no ISO-8601 text means). Refusing is an error that names the field, never a
//!   silently different instant.
//!
//! Needs `node` on the PATH (as every test layer of this project does).

use std::io::Write;
use std::process::{Command, Stdio};
use vomo_users::time::{Date, Timestamp};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

// Each field: the forms a text may rightly have, and broken ones (a field is broken one
// time in ten, so that most texts are whole and every kind of break still comes up).
const YEARS: (&[&str], &[&str]) =
    (&["2025", "2024", "2000", "1900", "2100", "1970", "1969", "0001", "9999", "1600", "2023"], &["202", "20250", "+2025"]);
const MONTHS: (&[&str], &[&str]) = (&["01", "02", "03", "04", "06", "09", "11", "12"], &["00", "13", "1", "2"]);
const DAYS: (&[&str], &[&str]) = (&["01", "09", "15", "28", "29", "30", "31"], &["00", "32", "1", "7"]);
const SEPARATORS: (&[&str], &[&str]) = (&["T", "T", "T", "t", " "], &["", "TT", "_"]);
const HOURS: (&[&str], &[&str]) = (&["00", "08", "12", "23"], &["24", "25", "9"]);
const MINUTES: (&[&str], &[&str]) = (&["00", "30", "59"], &["60", "5"]);
const SECONDS: (&[&str], &[&str]) = (&["", ":00", ":07", ":59"], &[":60", ":61", ":5"]);
const FRACTIONS: (&[&str], &[&str]) =
    (&["", "", ".0", ".1", ".12", ".123", ".1239", ".000000", ".999999", ".999999999"], &[".", ",5", ",123"]);
const OFFSETS: (&[&str], &[&str]) = (
    &["", "Z", "Z", "z", "+00:00", "-00:00", "+01:00", "-05:30", "+05:45", "+14:00", "-12:00", "+23:59", "+0100", "-0530"],
    &["+24:00", "+01", "-05", "+1", "+01:0", "+01:60", "Z+01:00", " Z", "UTC", "GMT"],
);
const NOISE: &[&str] = &[" ", "\t", "-", ":", ".", "T", "Z", "0", "+"];

fn pick<'a>(rng: &mut Rng, from: &[&'a str]) -> &'a str {
    rng.pick(from).copied().unwrap_or_default()
}

fn field<'a>(rng: &mut Rng, (good, broken): (&[&'a str], &[&'a str])) -> &'a str {
    if rng.chance(0.1) {
        pick(rng, broken)
    } else {
        pick(rng, good)
    }
}

fn generate(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let date = format!("{}-{}-{}", field(&mut rng, YEARS), field(&mut rng, MONTHS), field(&mut rng, DAYS));
        let mut text = match rng.next_u64() % 8 {
            0 => date,
            _ => format!(
                "{date}{}{}:{}{}{}{}",
                field(&mut rng, SEPARATORS),
                field(&mut rng, HOURS),
                field(&mut rng, MINUTES),
                field(&mut rng, SECONDS),
                field(&mut rng, FRACTIONS),
                field(&mut rng, OFFSETS)
            ),
        };
        if rng.chance(0.03) {
            text = format!(" {text} ");
        }
        if rng.chance(0.05) {
            let at = (rng.next_u64() % (text.len() as u64 + 1)) as usize;
            text.insert_str(at, pick(&mut rng, NOISE));
        }
        out.push(text);
    }
    out
}

/// `Date.parse` of each text in Node under `TZ=UTC`: the millisecond, or `None` for NaN.
fn v8_parse(texts: &[String]) -> Vec<Option<i64>> {
    in_node("texts.map((t) => { const ms = Date.parse(t); return Number.isNaN(ms) ? null : ms; })", texts)
}

/// `new Date(ms).toISOString()` of each millisecond in Node.
fn v8_to_iso(ms: &[i64]) -> Vec<String> {
    in_node("texts.map((m) => new Date(m).toISOString())", ms)
}

/// `expression` evaluated in Node under `TZ=UTC` with `texts` bound to `input`: its JSON.
fn in_node<I: serde::Serialize + ?Sized, O: serde::de::DeserializeOwned>(expression: &str, input: &I) -> O {
    let script =
        format!(r#"const texts = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(JSON.stringify({expression}));"#);
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node must be on the PATH for the differential date test");
    child.stdin.take().unwrap().write_all(serde_json::to_string(input).unwrap().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The text written the way V8's ISO reader takes it, if it uses one of our documented
/// extensions: a space for the `T`, `:60` as `:59`, `±HH` as `±HH:00`, `,` as `.`, no
/// blanks around it. (V8 reads a text with a space through its legacy parser, which takes
/// `0001-11-29 12:00:59` for a day in 2029.)
fn without_extensions(text: &str) -> Option<String> {
    let mut t = text.trim().to_string();
    let mut changed = t.len() != text.len();
    if t.as_bytes().get(10) == Some(&b' ') {
        t.replace_range(10..11, "T");
        changed = true;
    }
    if let Some(i) = t.find(',') {
        t.replace_range(i..=i, ".");
        changed = true;
    }
    // The seconds field: after the date (10), a separator (1), "HH:MM" (5).
    if t.get(16..19) == Some(":60") {
        t.replace_range(17..19, "59");
        changed = true;
    }
    let b = t.as_bytes();
    if b.len() > 16 && matches!(b[b.len() - 3], b'+' | b'-') && b[b.len() - 2..].iter().all(u8::is_ascii_digit) {
        t.push_str(":00");
        changed = true;
    }
    changed.then_some(t)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Why our parser refuses a text V8 reads, if the reason is one we chose (module comment):
/// the first part of the text, read by ISO-8601's grammar, that breaks it.
fn refused_on_purpose(text: &str) -> Option<&'static str> {
    let b = text.trim().as_bytes();
    let two = |at: usize| {
        b.get(at..at + 2).filter(|d| d.iter().all(u8::is_ascii_digit)).map(|d| i64::from(d[0] - b'0') * 10 + i64::from(d[1] - b'0'))
    };
    let full_date =
        b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..10].iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !full_date {
        return Some("a date field not written with its full digits");
    }
    let (y, m, d) = (two(0)? * 100 + two(2)?, two(5)?, two(8)?);
    if !(1..=12).contains(&m) {
        return Some("a month that does not exist");
    }
    let days = match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d == 0 || d > days {
        return Some("a day the month does not have");
    }
    if b.len() == 10 {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Some("another separator than T or a space");
    }
    let mut i = 11;
    let field = |i: &mut usize| -> Option<i64> {
        let v = two(*i)?;
        *i += 2;
        Some(v)
    };
    let Some(hour) = field(&mut i) else { return Some("a time field not written with its full digits") };
    if b.get(i) != Some(&b':') {
        return Some("a time field not written with its full digits");
    }
    i += 1;
    let Some(minute) = field(&mut i) else { return Some("a time field not written with its full digits") };
    if hour == 24 {
        return Some("hour 24");
    }
    if b.get(i) == Some(&b':') {
        i += 1;
        if field(&mut i).is_none() {
            return Some("a time field not written with its full digits");
        }
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Some("a fraction without digits");
            }
        }
    } else if matches!(b.get(i), Some(b'.' | b',')) {
        return Some("a fraction without seconds");
    }
    let offset = &b[i..];
    let iso_offset = match offset {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, rest @ ..] if h1.is_ascii_digit() && h2.is_ascii_digit() => {
            let hours_ok = two(i + 1).is_some_and(|h| h <= 23);
            let minutes = match rest {
                [] => Some(0),
                [b':', m1, m2] | [m1, m2] if m1.is_ascii_digit() && m2.is_ascii_digit() => {
                    Some(i64::from(*m1 - b'0') * 10 + i64::from(*m2 - b'0'))
                }
                _ => None,
            };
            hours_ok && minutes.is_some_and(|m| m <= 59)
        }
        _ => false,
    };
    if !iso_offset {
        return Some("an offset ISO-8601 does not have");
    }
    let _ = minute;
    None
}

#[test]
fn timestamps_agree_with_v8_date_parse() {
    let seed: u64 = std::env::var("DATE_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xda7e);
    let texts = generate(20_000, seed);
    let v8 = v8_parse(&texts);
    // Each text as V8's ISO reader takes it: our extensions written its way.
    let iso: Vec<String> = texts.iter().map(|t| without_extensions(t).unwrap_or_else(|| t.clone())).collect();
    let v8_iso = v8_parse(&iso);

    let (mut alike, mut neither, mut extensions, mut v8_only) = (0, 0, 0, 0);
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut unexplained = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        match (Timestamp::parse(text).map(Timestamp::millis), v8[i]) {
            (Some(ours), theirs) => {
                // Whatever we read, V8 reads the same instant from the text in ISO form.
                assert_eq!(
                    v8_iso[i],
                    Some(ours),
                    "{text:?}: ours {}, V8 reads {:?} as {:?}",
                    Timestamp(ours),
                    iso[i],
                    v8_iso[i].map(Timestamp)
                );
                if theirs == Some(ours) {
                    alike += 1;
                } else if iso[i] != *text {
                    extensions += 1;
                } else {
                    unexplained.push(format!("{text:?}: ours {}, V8's {theirs:?}", Timestamp(ours)));
                }
            }
            (None, None) => neither += 1,
            (None, Some(theirs)) => {
                v8_only += 1;
                match refused_on_purpose(text) {
                    Some(reason) => *reasons.entry(reason).or_default() += 1,
                    None => unexplained.push(format!("{text:?}: only V8 reads it ({})", Timestamp(theirs))),
                }
            }
        }
    }
    eprintln!(
        "date differential: {} texts: {alike} read alike, {neither} refused by both, {extensions} read by ours through an extension, {v8_only} by V8 only",
        texts.len()
    );
    for (reason, n) in &reasons {
        eprintln!("  V8 only, {reason}: {n}");
    }
    assert!(
        unexplained.is_empty(),
        "{} texts read differently for no listed reason:\n{}",
        unexplained.len(),
        unexplained[..unexplained.len().min(20)].join("\n")
    );
    assert!(alike > 3_000 && neither > 3_000 && extensions > 100 && v8_only > 300, "the generator must reach every outcome");
    assert!(reasons.contains_key("a day the month does not have") && reasons.contains_key("hour 24"));
}

#[test]
fn calendar_dates_agree_with_v8_where_the_day_exists() {
    // Every day of four whole years (a leap year among them) and the days months lack.
    let mut texts = Vec::new();
    for y in ["1900", "2000", "2023", "2024"] {
        for m in 1..=12 {
            for d in 0..=32 {
                texts.push(format!("{y}-{m:02}-{d:02}"));
            }
        }
    }
    let v8 = v8_parse(&texts);
    let mut refused = 0;
    for (text, theirs) in texts.iter().zip(&v8) {
        match Date::parse(text) {
            Some(date) => {
                assert_eq!(Some(date.0 * 86_400_000), *theirs, "{text:?}");
                assert_eq!(Timestamp::parse(text).map(Timestamp::millis), *theirs, "{text:?} as a timestamp");
                assert_eq!(date.to_string(), *text, "{text:?} prints back as itself");
            }
            None => {
                refused += 1;
                assert!(Timestamp::parse(text).is_none(), "{text:?}");
                assert_eq!(refused_on_purpose(text), Some("a day the month does not have"), "{text:?} (V8: {theirs:?})");
            }
        }
    }
    // Per year: day 00 and 32 of each month (24), the 31st of four months and 30 and 31
    // February (6); and 29 February in 1900 and 2023, which are not leap years.
    assert_eq!(refused, 4 * (24 + 6) + 2);
}

/// What the package writes of an instant is what `toISOString` writes of it, and reads back
/// as the same millisecond, by ours and by `Date.parse`: across years 0000-9999 and past both
/// ends, where an offset can carry a timestamp the server sent (`9999-12-31T23:59:59-14:00` is
/// in year 10000 in UTC; `0000-01-01T00:00:00+01:00` in year -1), and ECMAScript writes a sign
/// and six digits.
#[test]
fn timestamps_print_as_v8_to_iso_string_and_read_back() {
    let year_0 = Timestamp::parse("0000-01-01T00:00:00Z").unwrap().millis();
    let year_10000 = Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap().millis() + 1;
    let mut ms: Vec<i64> = Vec::new();
    for edge in [year_0, year_10000, 0] {
        for d in [-86_400_000 * 400, -86_400_000, -3_600_000, -1000, -1, 0, 1, 999, 86_399_999, 86_400_000 * 366] {
            ms.push(edge + d);
        }
    }
    let mut rng = Rng::new(0x150);
    for _ in 0..5_000 {
        ms.push(rng.range(year_0 - 86_400_000 * 3_000, year_10000 + 86_400_000 * 3_000));
    }
    let theirs = v8_to_iso(&ms);
    let back = v8_parse(&theirs);
    for (i, &m) in ms.iter().enumerate() {
        let ours = Timestamp::from_millis(m).to_string();
        assert_eq!(ours, theirs[i], "{m} ms");
        assert_eq!(serde_json::to_string(&Timestamp::from_millis(m)).unwrap(), format!("\"{ours}\""), "{m} ms, serialized");
        assert_eq!(Timestamp::parse(&ours).map(Timestamp::millis), Some(m), "ours reads {ours} back");
        assert_eq!(back[i], Some(m), "V8 reads {ours} back");
    }
    // The server's texts at the ends, read as V8 reads them and written as it writes them.
    for (sent, written) in [
        ("9999-12-31T23:59:59-14:00", "+010000-01-01T13:59:59.000Z"),
        ("0000-01-01T00:00:00+01:00", "-000001-12-31T23:00:00.000Z"),
        ("+010000-01-01T13:59:59Z", "+010000-01-01T13:59:59.000Z"),
    ] {
        assert_eq!(Timestamp::parse(sent).map(|t| t.to_string()).as_deref(), Some(written), "{sent}");
    }
    // `-000000` is no year for ECMAScript, and a date stays strict YYYY-MM-DD.
    assert_eq!(Timestamp::parse("-000000-01-01T00:00:00Z"), None);
    assert_eq!(v8_parse(&["-000000-01-01T00:00:00Z".to_string()]), [None]);
    assert_eq!(Date::parse("+010000-01-01"), None);
}
