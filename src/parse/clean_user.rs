//! When a listed user's raw values are already what the model route would output, and how
//! they are written then: the rules of [`super::user::user_fields`] restricted to values
//! that pass through unchanged (no warning, no coercion beyond a fixed rewrite).

use super::page_scan::{Kind, Span};
use super::user::{KNOWN_MEMBERSHIP_ROLE, KNOWN_MEMBERSHIP_STATUS, KNOWN_USER_STATUS};
use crate::time::Timestamp;

/// How many UserResource keys the output is made of.
pub(super) const FIELDS: usize = 14;

/// The UserResource keys, in the order [`write`] takes their values.
const KEYS: [&[u8]; FIELDS] = [
    b"id",
    b"first_name",
    b"last_name",
    b"full_name",
    b"email",
    b"phone",
    b"address",
    b"birthday",
    b"gender",
    b"created_at",
    b"updated_at",
    b"user_status",
    b"membership_status",
    b"membership_role",
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

/// A short text (a key, an enum value) as three words that tell the texts of a table apart
/// without a byte-wise compare (a `memcmp` call per text was a visible share of the scan):
/// the first 8 bytes, the last 8 and bytes 4..12 (the last two only for longer texts;
/// every text is at most 24 bytes).
const fn words(s: &[u8]) -> [u64; 3] {
    let n = s.len();
    if n <= 8 {
        [pack(s, 0, n), 0, 0]
    } else {
        [pack(s, 0, 8), pack(s, n - 8, 8), if n > 16 { pack(s, 4, 8) } else { 0 }]
    }
}

/// [`words`] of `text[start..start + n]`, loaded a word at a time.
#[inline(always)]
fn words_at(text: &[u8], start: usize, n: usize) -> Option<[u64; 3]> {
    let load = |at: usize| text.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    Some(match n {
        // A short text is followed by at least its closing quote, and in a page by more, so
        // 8 bytes are there to load in one go (masked to the text) unless the text ends.
        0..=7 => [load(start).map_or_else(|| pack(text, start, n), |w| w & ((1 << (8 * n)) - 1)), 0, 0],
        8 => [load(start)?, 0, 0],
        9..=16 => [load(start)?, load(start + n - 8)?, 0],
        17..=24 => [load(start)?, load(start + n - 8)?, load(start + 4)?],
        _ => return None,
    })
}

const fn table<const N: usize>(texts: [&[u8]; N]) -> [(usize, [u64; 3]); N] {
    let mut t = [(0, [0; 3]); N];
    let mut i = 0;
    while i < N {
        t[i] = (texts[i].len(), words(texts[i]));
        i += 1;
    }
    t
}

const KEY_TABLE: [(usize, [u64; 3]); FIELDS] = table(KEYS);

/// The position of the UserResource key at `text[start..start + n]` in what [`write`] takes.
#[inline]
pub(super) fn field(text: &[u8], start: usize, n: usize) -> Option<usize> {
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
    let w = words_at(text, start, n)?;
    // A plain loop: `iter().find()` stays a call to a `try_fold` at opt-level "s".
    let mut c = 0;
    while c < candidates.len() {
        if KEY_TABLE[candidates[c]].1 == w {
            return Some(candidates[c]);
        }
        c += 1;
    }
    None
}

const fn bytes3(t: [&str; 3]) -> [&[u8]; 3] {
    [t[0].as_bytes(), t[1].as_bytes(), t[2].as_bytes()]
}

const USER_STATUS: [(usize, [u64; 3]); 3] = table(bytes3(KNOWN_USER_STATUS));
const MEMBERSHIP_STATUS: [(usize, [u64; 3]); 3] = table(bytes3(KNOWN_MEMBERSHIP_STATUS));
const MEMBERSHIP_ROLE: [(usize, [u64; 3]); 3] = table(bytes3(KNOWN_MEMBERSHIP_ROLE));

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

    /// A constant piece (a key), as the 8-byte words [`const_words`] made of it; the last
    /// word may write past the piece, into room the next piece overwrites.
    #[inline(always)]
    fn put_const(&mut self, (words, n): (&[u64], usize)) -> Option<()> {
        let at = self.n;
        let to = self.b.get_mut(at..at + 8 * words.len())?;
        for (i, w) in words.iter().enumerate() {
            if let Ok(to) = <&mut [u8; 8]>::try_from(&mut to[8 * i..8 * i + 8]) {
                *to = w.to_le_bytes();
            }
        }
        self.n = at + n;
        Some(())
    }

    #[inline(always)]
    fn put(&mut self, s: &[u8]) -> Option<()> {
        let (at, n) = (self.n, s.len());
        let to = self.b.get_mut(at..at + n)?;
        if (8..=16).contains(&n) {
            // Most values: two overlapping words, in place.
            let word = |at: usize| <[u8; 8]>::try_from(&s[at..at + 8]).unwrap_or_default();
            let (head, tail) = (word(0), word(n - 8));
            if let Ok(to) = <&mut [u8; 8]>::try_from(&mut to[n - 8..n]) {
                *to = tail;
            }
            if let Ok(to) = <&mut [u8; 8]>::try_from(&mut to[..8]) {
                *to = head;
            }
        } else {
            copy(to, s);
        }
        self.n = at + n;
        Some(())
    }
}

/// `to.copy_from_slice(from)` for the short pieces of a user, 8 bytes a step (the last
/// word overlapping the one before): at opt-level "s" an element loop stays a byte loop,
/// and `copy_from_slice` is a call to a `memory.copy` each, which V8 runs as a C call.
#[inline(never)]
fn copy(to: &mut [u8], from: &[u8]) {
    let n = from.len().min(to.len());
    if n >= 8 {
        let mut i = 0;
        loop {
            let at = if i + 8 <= n { i } else { n - 8 };
            if let (Ok(t), Ok(f)) = (<&mut [u8; 8]>::try_from(&mut to[at..at + 8]), <&[u8; 8]>::try_from(&from[at..at + 8])) {
                *t = *f;
            }
            i += 8;
            if i >= n {
                break;
            }
        }
    } else if n >= 4 {
        let word = |at: usize| <[u8; 4]>::try_from(&from[at..at + 4]).unwrap_or_default();
        let (head, tail) = (word(0), word(n - 4));
        if let Ok(to) = <&mut [u8; 4]>::try_from(&mut to[n - 4..n]) {
            *to = tail;
        }
        if let Ok(to) = <&mut [u8; 4]>::try_from(&mut to[..4]) {
            *to = head;
        }
    } else {
        // A loop would become a `memory.copy`.
        if n > 0 {
            to[0] = from[0];
            to[n - 1] = from[n - 1];
            to[n / 2] = from[n / 2];
        }
    }
}

/// A constant piece as little-endian 8-byte words (zero-padded) and its length, for
/// [`UserBuf::put_const`].
macro_rules! const_words {
    ($s:expr) => {{
        const S: &[u8] = $s;
        const W: [u64; S.len().div_ceil(8)] = {
            let mut w = [0; S.len().div_ceil(8)];
            let mut i = 0;
            while i < w.len() {
                w[i] = pack(S, 8 * i, if S.len() - 8 * i < 8 { S.len() - 8 * i } else { 8 });
                i += 1;
            }
            w
        };
        (&W[..], S.len())
    }};
}

/// What a nullable field holds when it is clean: null, or these bytes of JSON.
type Clean<'a> = Option<&'a [u8]>;

/// The bytes between the quotes of a string without escapes.
#[inline(always)]
fn plain(b: &[u8], v: Option<Span>) -> Option<&[u8]> {
    match v? {
        Span { start, end, kind: Kind::Str(false) } => b.get(start + 1..end - 1),
        _ => None,
    }
}

/// Whether both ends of `s` are visible ASCII (so that `str::trim` leaves it as it is).
#[inline(always)]
pub(super) fn visible_ends(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(a), Some(z)) => a.wrapping_sub(0x21) < 0x5e && z.wrapping_sub(0x21) < 0x5e,
        _ => false,
    }
}

/// The string between `text[start..end]` (whole UTF-8 in a scanned page) after `str::trim`.
fn trimmed(text: &[u8], start: usize, end: usize) -> Option<&str> {
    Some(std::str::from_utf8(text.get(start..end)?).ok()?.trim())
}

/// A nullable free-text field: missing, null, empty and blank are null; `"null"` and
/// non-strings are not clean (they carry a warning on the model route).
fn nullable_text(b: &[u8], v: Option<Span>) -> Option<Clean<'_>> {
    let Some(span) = v.filter(|s| s.kind != Kind::Null) else { return Some(None) };
    let inner = plain(b, v)?;
    if inner.is_empty() {
        return Some(None);
    }
    if !visible_ends(inner) {
        // Only the rare value with spaces or non-ASCII at an end: compare what `trim` leaves.
        let t = trimmed(b, span.start + 1, span.end - 1)?;
        return match t {
            "" => Some(None),
            t if t.eq_ignore_ascii_case("null") => None,
            _ => Some(Some(&b[span.start..span.end])),
        };
    }
    (!inner.eq_ignore_ascii_case(b"null")).then_some(Some(&b[span.start..span.end]))
}

/// A nullable field that must be one of `known` exactly when present.
fn known_enum<'a>(text: &'a [u8], v: Option<Span>, known: &[(usize, [u64; 3]); 3]) -> Option<Clean<'a>> {
    if let Some(Span { start, end, kind: Kind::Str(false) }) = v {
        let n = end - start - 2;
        if let Some(w) = words_at(text, start + 1, n) {
            if known[0] == (n, w) || known[1] == (n, w) || known[2] == (n, w) {
                return Some(text.get(start..end));
            }
        }
    }
    // Not a value of the table: clean only when it reads as null.
    match nullable_text(text, v)? {
        Some(_) => None,
        None => Some(None),
    }
}

#[inline(always)]
fn push_clean(out: &mut UserBuf, key: (&[u64], usize), value: Clean) -> Option<()> {
    out.put_const(key)?;
    out.put(value.unwrap_or(b"null"))
}

/// A timestamp as the model route prints it (`2025-11-04T08:00:00.000Z`). The UTC forms the
/// live API sends are rewritten without a calendar round trip; others are parsed.
fn push_timestamp(out: &mut UserBuf, key: &[u8], text: &[u8], v: Option<Span>) -> Option<()> {
    let b = plain(text, v)?;
    let two = |i: usize| -> Option<u8> {
        let (h, l) = (b.get(i)?.wrapping_sub(b'0'), b.get(i + 1)?.wrapping_sub(b'0'));
        (h < 10 && l < 10).then(|| h * 10 + l)
    };
    out.put(key)?;
    let utc = b.len() >= 20
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && two(11).is_some_and(|h| h <= 23)
        && two(14).is_some_and(|m| m <= 59)
        && two(17).is_some_and(|s| s <= 59);
    if utc {
        let rest = &b[19..];
        let mut fraction = 0;
        if rest[0] == b'.' {
            while rest.get(1 + fraction).is_some_and(u8::is_ascii_digit) {
                fraction += 1;
            }
        }
        let tail = if fraction > 0 { &rest[1 + fraction..] } else { rest };
        let zulu = match tail.len() {
            1 => tail[0] == b'Z',
            6 => tail[0] == b'+' && tail[1] == b'0' && tail[2] == b'0' && tail[3] == b':' && tail[4] == b'0' && tail[5] == b'0',
            _ => false,
        };
        if zulu && crate::time::is_date(&b[..10]) {
            let at = out.n;
            let stamp = out.b.get_mut(at..at + 26)?;
            stamp[0] = b'"';
            copy(&mut stamp[1..20], &b[..19]);
            stamp[20] = b'.';
            for i in 0..3 {
                stamp[21 + i] = if i < fraction { b[20 + i] } else { b'0' };
            }
            stamp[24] = b'Z';
            stamp[25] = b'"';
            out.n = at + 26;
            return Some(());
        }
    }
    let span = v?;
    let t = Timestamp::parse(std::str::from_utf8(text.get(span.start + 1..span.end - 1)?).ok()?)?;
    out.put(format!("\"{t}\"").as_bytes())
}

/// Appends one user to `page` if every field is clean; `None` (nothing appended) if not.
#[inline(never)] // one function per stage keeps V8's optimizing compile short (page_scan.rs)
pub(super) fn write(text: &[u8], f: &[Option<Span>; FIELDS], buf: &mut UserBuf, page: &mut Vec<u8>) -> Option<()> {
    let b = text;
    let id = f[0]?;
    let digits = match id.kind {
        Kind::Number => &b[id.start..id.end],
        Kind::Str(false) => &b[id.start + 1..id.end - 1],
        _ => return None,
    };
    // 1 to 15 digits, not all zeros (a positive integer within JS's safe range).
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut zeros = digits.len();
    for (i, d) in digits.iter().enumerate().rev() {
        if !d.is_ascii_digit() {
            return None;
        }
        if *d != b'0' {
            zeros = i;
        }
    }
    let id = digits.get(zeros..).filter(|d| !d.is_empty())?;
    let names = [f[1]?, f[2]?, f[3]?];
    if names.iter().any(|n| !matches!(n.kind, Kind::Str(_))) {
        return None;
    }
    let email = f[4]?;
    let inner = plain(b, Some(email))?;
    if !visible_ends(inner) && trimmed(b, email.start + 1, email.end - 1)?.len() != inner.len() || inner.is_empty() {
        return None;
    }
    let phone = nullable_text(text, f[5])?;
    let address = nullable_text(text, f[6])?;
    let birthday = match nullable_text(text, f[7])? {
        Some(t) if crate::time::is_date(&t[1..t.len() - 1]) => Some(t),
        Some(_) => return None,
        None => None,
    };
    let gender = match nullable_text(text, f[8])? {
        Some(t) => match t {
            b"\"M\"" | b"\"m\"" => Some(&b"\"M\""[..]),
            b"\"F\"" | b"\"f\"" => Some(&b"\"F\""[..]),
            b"\"N\"" | b"\"n\"" => Some(&b"\"N\""[..]),
            _ => return None,
        },
        None => None,
    };
    let user_status = known_enum(text, f[11], &USER_STATUS)?;
    let membership_status = known_enum(text, f[12], &MEMBERSHIP_STATUS)?;
    let membership_role = known_enum(text, f[13], &MEMBERSHIP_ROLE)?;
    buf.n = 0;
    let out = buf;
    out.put_const(const_words!(b"{\"id\":"))?;
    out.put(id)?;
    out.put_const(const_words!(b",\"firstName\":"))?;
    out.put(b.get(names[0].start..names[0].end)?)?;
    out.put_const(const_words!(b",\"lastName\":"))?;
    out.put(b.get(names[1].start..names[1].end)?)?;
    out.put_const(const_words!(b",\"fullName\":"))?;
    out.put(b.get(names[2].start..names[2].end)?)?;
    out.put_const(const_words!(b",\"email\":"))?;
    out.put(b.get(email.start..email.end)?)?;
    push_clean(out, const_words!(b",\"phone\":"), phone)?;
    push_clean(out, const_words!(b",\"address\":"), address)?;
    push_clean(out, const_words!(b",\"birthday\":"), birthday)?;
    push_clean(out, const_words!(b",\"gender\":"), gender)?;
    push_timestamp(out, b",\"createdAt\":", text, f[9])?;
    push_timestamp(out, b",\"updatedAt\":", text, f[10])?;
    push_clean(out, const_words!(b",\"userStatus\":"), user_status)?;
    push_clean(out, const_words!(b",\"membershipStatus\":"), membership_status)?;
    push_clean(out, const_words!(b",\"membershipRole\":"), membership_role)?;
    out.put_const(const_words!(b"}"))?;
    page.extend_from_slice(&out.b[..out.n]);
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
