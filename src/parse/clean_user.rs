//! When a listed user's raw values are already what the model route would output, and how
//! they are written then: the rules of [`super::user::user_fields`] restricted to values
//! that pass through unchanged (no warning, no coercion beyond a fixed rewrite).

use super::page_scan::{Kind, Span};
use super::user::{KNOWN_MEMBERSHIP_ROLE, KNOWN_MEMBERSHIP_STATUS, KNOWN_USER_STATUS};
use crate::time::{Date, Timestamp};

/// How many UserResource keys the output is made of.
pub(super) const FIELDS: usize = 14;

/// The UserResource keys, in the order [`write`] takes their values.
const KEYS: [&[u8]; FIELDS] = [
    b"id", b"first_name", b"last_name", b"full_name", b"email", b"phone", b"address", b"birthday", b"gender",
    b"created_at", b"updated_at", b"user_status", b"membership_status", b"membership_role",
];

/// Up to 8 bytes of `s` from `at`, little-endian, zero-padded.
const fn pack(s: &[u8], at: usize, n: usize) -> u64 {
    let mut v = 0;
    let mut i = 0;
    while i < n && i < 8 {
        v |= (s[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

/// A key as three words that tell the keys of [`KEYS`] apart without a byte-wise compare
/// (a `memcmp` call per key was a visible share of the scan): the first 8 bytes, the last
/// 8 and bytes 4..12 (the last two only for longer keys; every key is at most 24 bytes).
const fn words(s: &[u8]) -> [u64; 3] {
    let n = s.len();
    if n <= 8 {
        [pack(s, 0, n), 0, 0]
    } else {
        [pack(s, 0, 8), pack(s, n - 8, 8), if n > 16 { pack(s, 4, 8) } else { 0 }]
    }
}

const fn key_table() -> [(usize, [u64; 3]); FIELDS] {
    let mut t = [(0, [0; 3]); FIELDS];
    let mut i = 0;
    while i < FIELDS {
        t[i] = (KEYS[i].len(), words(KEYS[i]));
        i += 1;
    }
    t
}

const KEY_TABLE: [(usize, [u64; 3]); FIELDS] = key_table();

/// The position of the UserResource key at `text[start..start + n]` in what [`write`] takes.
#[inline]
pub(super) fn field(text: &[u8], start: usize, n: usize) -> Option<usize> {
    let load = |at: usize| text.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let w = match n {
        // A short key is followed by at least its closing quote, `:` and a value, so 8 bytes
        // are there to load in one go (masked to the key) unless the text ends.
        1..=7 => [load(start).map_or_else(|| pack(text, start, n), |w| w & ((1 << (8 * n)) - 1)), 0, 0],
        8 => [load(start)?, 0, 0],
        9..=16 => [load(start)?, load(start + n - 8)?, 0],
        17..=24 => [load(start)?, load(start + n - 8)?, load(start + 4)?],
        _ => return None,
    };
    // The keys of each length (positions in KEYS); `keys_are_found_by_length` checks them.
    let candidates: &[usize] = match n {
        2 => &[0],
        5 => &[4, 5],
        6 => &[8],
        7 => &[6],
        8 => &[7],
        9 => &[2, 3],
        10 => &[1, 9, 10],
        11 => &[11],
        15 => &[13],
        17 => &[12],
        _ => return None,
    };
    candidates.iter().copied().find(|&i| {
        let k = KEY_TABLE[i].1;
        k[0] == w[0] && k[1] == w[1] && k[2] == w[2]
    })
}

/// One user's output, assembled in a buffer reused across a page and appended in one
/// copy: a `String::push_str` per piece cost a `reserve` call each in the opt-level "s"
/// wasm (about a fifth of the Rust pass). A user too long for it takes the model route.
pub(super) struct UserBuf {
    b: Box<[u8; 2048]>,
    n: usize,
}

impl UserBuf {
    pub(super) fn new() -> Self {
        UserBuf { b: Box::new([0; 2048]), n: 0 }
    }

    #[inline(always)]
    fn put(&mut self, s: &str) -> Option<()> {
        let end = self.n + s.len();
        // An element loop, which becomes one `memory.copy` in wasm; `copy_from_slice` was a
        // call per piece.
        for (to, from) in self.b.get_mut(self.n..end)?.iter_mut().zip(s.as_bytes()) {
            *to = *from;
        }
        self.n = end;
        Some(())
    }
}

/// What a nullable field holds when it is clean.
enum Clean<'a> {
    Null,
    Copy(&'a str),
}

/// The characters between the quotes of a string without escapes.
fn plain<'a>(text: &'a str, v: Option<Span>) -> Option<&'a str> {
    let v = v?;
    (v.kind == Kind::Str(false)).then(|| &text[v.start + 1..v.end - 1])
}

/// `str::trim`, answered without decoding characters when both ends are visible ASCII.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if (0x21..0x7f).contains(a) && (0x21..0x7f).contains(z) => s,
        _ => s.trim(),
    }
}

/// A nullable free-text field: missing, null, empty and blank are null; `"null"` and
/// non-strings are not clean (they carry a warning on the model route).
fn nullable_text<'a>(text: &'a str, v: Option<Span>) -> Option<Clean<'a>> {
    let Some(span) = v.filter(|s| s.kind != Kind::Null) else { return Some(Clean::Null) };
    let t = trim(plain(text, v)?);
    if t.is_empty() {
        Some(Clean::Null)
    } else if t.eq_ignore_ascii_case("null") {
        None
    } else {
        Some(Clean::Copy(&text[span.start..span.end]))
    }
}

fn known_enum<'a>(text: &'a str, v: Option<Span>, known: &[&str]) -> Option<Clean<'a>> {
    match nullable_text(text, v)? {
        Clean::Copy(t) if known.contains(&&t[1..t.len() - 1]) => Some(Clean::Copy(t)),
        Clean::Copy(_) => None,
        Clean::Null => Some(Clean::Null),
    }
}

#[inline(always)]
fn push_clean(out: &mut UserBuf, key: &str, value: Clean) -> Option<()> {
    out.put(key)?;
    match value {
        Clean::Null => out.put("null"),
        Clean::Copy(text) => out.put(text),
    }
}

/// A timestamp as the model route prints it (`2025-11-04T08:00:00.000Z`). The UTC forms the
/// live API sends are rewritten without a calendar round trip; others are parsed.
fn push_timestamp(out: &mut UserBuf, key: &str, inner: &str) -> Option<()> {
    let b = inner.as_bytes();
    let two = |i: usize| -> Option<u8> {
        let (h, l) = (b.get(i)?.wrapping_sub(b'0'), b.get(i + 1)?.wrapping_sub(b'0'));
        (h < 10 && l < 10).then(|| h * 10 + l)
    };
    let utc = b.len() >= 20
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && two(11).is_some_and(|h| h <= 23)
        && two(14).is_some_and(|m| m <= 59)
        && two(17).is_some_and(|s| s <= 59);
    if utc {
        let rest = &b[19..];
        let fraction = match rest.first() {
            Some(b'.') => rest[1..].iter().take_while(|c| c.is_ascii_digit()).count(),
            _ => 0,
        };
        let tail = if fraction > 0 { &rest[1 + fraction..] } else { rest };
        if matches!(tail, b"Z" | b"+00:00") && Date::parse(&inner[..10]).is_some() {
            let mut stamp = *b"\"0000-00-00T00:00:00.000Z\"";
            stamp[1..20].copy_from_slice(&b[..19]);
            stamp[21..21 + fraction.min(3)].copy_from_slice(&b[20..20 + fraction.min(3)]);
            out.put(key)?;
            return out.put(std::str::from_utf8(&stamp).ok()?);
        }
    }
    let t = Timestamp::parse(inner)?;
    out.put(&format!("{key}\"{t}\""))
}

/// Appends one user to `page` if every field is clean; `None` (nothing appended) if not.
#[inline(never)] // one function per stage keeps V8's optimizing compile short (page_scan.rs)
pub(super) fn write(text: &str, f: &[Option<Span>; FIELDS], buf: &mut UserBuf, page: &mut String) -> Option<()> {
    let [id, first, last, full, email, phone, address, birthday, gender, created, updated, user_status, membership_status, membership_role] = *f;
    let id = id?;
    let digits = match id.kind {
        Kind::Number => &text[id.start..id.end],
        Kind::Str(false) => &text[id.start + 1..id.end - 1],
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.bytes().all(|b| b == b'0') {
        return None;
    }
    let names = [first?, last?, full?];
    if names.iter().any(|n| !matches!(n.kind, Kind::Str(_))) {
        return None;
    }
    let email_inner = plain(text, email)?;
    if email_inner.is_empty() || trim(email_inner).len() != email_inner.len() {
        return None;
    }
    let phone = nullable_text(text, phone)?;
    let address = nullable_text(text, address)?;
    let birthday = match nullable_text(text, birthday)? {
        Clean::Copy(t) if Date::parse(&t[1..t.len() - 1]).is_some() => Clean::Copy(t),
        Clean::Copy(_) => return None,
        Clean::Null => Clean::Null,
    };
    let gender = match nullable_text(text, gender)? {
        Clean::Copy(t) => match &t[1..t.len() - 1] {
            "M" | "m" => Clean::Copy("\"M\""),
            "F" | "f" => Clean::Copy("\"F\""),
            "N" | "n" => Clean::Copy("\"N\""),
            _ => return None,
        },
        Clean::Null => Clean::Null,
    };
    let (created, updated) = (plain(text, created)?, plain(text, updated)?);
    let user_status = known_enum(text, user_status, &KNOWN_USER_STATUS)?;
    let membership_status = known_enum(text, membership_status, &KNOWN_MEMBERSHIP_STATUS)?;
    let membership_role = known_enum(text, membership_role, &KNOWN_MEMBERSHIP_ROLE)?;
    buf.n = 0;
    let out = buf;
    out.put("{\"id\":")?;
    out.put(digits.trim_start_matches('0'))?;
    let span = |s: Span| &text[s.start..s.end];
    out.put(",\"firstName\":")?;
    out.put(span(names[0]))?;
    out.put(",\"lastName\":")?;
    out.put(span(names[1]))?;
    out.put(",\"fullName\":")?;
    out.put(span(names[2]))?;
    out.put(",\"email\":")?;
    out.put(span(email?))?;
    push_clean(out, ",\"phone\":", phone)?;
    push_clean(out, ",\"address\":", address)?;
    push_clean(out, ",\"birthday\":", birthday)?;
    push_clean(out, ",\"gender\":", gender)?;
    push_timestamp(out, ",\"createdAt\":", created)?;
    push_timestamp(out, ",\"updatedAt\":", updated)?;
    push_clean(out, ",\"userStatus\":", user_status)?;
    push_clean(out, ",\"membershipStatus\":", membership_status)?;
    push_clean(out, ",\"membershipRole\":", membership_role)?;
    out.put("}")?;
    // Every piece is a whole &str, so this never fails; it keeps the crate free of unsafe.
    page.push_str(std::str::from_utf8(&out.b[..out.n]).ok()?);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_length() {
        for (i, key) in KEYS.iter().enumerate() {
            let text = [b"\"", *key, b"\":\"value\""].concat();
            assert_eq!(field(&text, 1, key.len()), Some(i), "{}", String::from_utf8_lossy(key));
            // At the very end of a text (no 8 bytes to load past a short key).
            assert_eq!(field(key, 0, key.len()), Some(i), "{}", String::from_utf8_lossy(key));
        }
        for other in [&b"type"[..], b"ID", b"emails", b"first_namf", b"membership_statuz", b"i", b"membership_role_"] {
            let text = [other, b"\":1}"].concat();
            assert_eq!(field(&text, 0, other.len()), None, "{}", String::from_utf8_lossy(other));
        }
    }
}
