//! One pass over a `GET /users` body: the hot path of `parseUserPage` and of the listing.
//!
//! Hand-written rather than serde_json for a measured reason. On the bench's 10k-user corpus
//! (3.96 MB, bench/lib/corpus.mjs), the wasm export over pre-encoded pages (copy in, parse,
//! JSON text out; best of 21 rounds) took 33.5 ms (118 MB/s) with serde_json over
//! `RawValue`s (the envelope, every user again into a struct of `RawValue`s, each timestamp
//! parsed and re-printed), and takes 14.5 ms (about 270 MB/s) with this scanner, which
//! reads each byte once; natively (`examples/parse_profile`) 146 against 300-460 MB/s.
//! Later work halved that wasm pass again (BENCHMARKS.md, Parse): string bodies are scanned
//! 16 bytes at a time with simd128 on wasm32 (the functions that call [`Cursor::string`] are
//! `#[target_feature(enable = "simd128")]`; 8 bytes in a `u64` natively), compact JSON costs
//! one compare per whitespace check, and the page is read as bytes: the scanner checks UTF-8
//! inside strings itself (JSON allows nothing but ASCII elsewhere), so a page it reads is
//! whole UTF-8 without another pass, in or out.
//! One user's scan ([`Cursor::user`]) and its output ([`super::clean_user::write`]) are
//! functions of their own (`#[inline(never)]`): inlined into one 11 KB function, V8's
//! optimizing tier took 22-34 ms to compile it after the first page, on a background
//! thread that a Node process waits for before it exits (`--trace-wasm-compilation-times`;
//! the cold-start row of BENCHMARKS.md went from about 19 to about 45 ms). Split, a first
//! page runs in the baseline tier with no optimizing compile, and the corpus speed is the same.
//!
//! The scanner validates the whole text as strict JSON as it goes (string escapes, control
//! characters, number grammar, nesting) and copies a user's values verbatim into the output
//! when every field is already clean; the rules are those of the model route
//! ([`super::user::user_fields`]) restricted to values it passes through unchanged. A user
//! that is not clean is handed, as its exact text, to the model route, which also writes
//! its warnings. Anything unusual about the page itself (invalid JSON, an envelope that is
//! not a plain object, escaped or repeated envelope keys, deep nesting) makes [`scan`]
//! return `None`, and the caller takes the model route for the whole page, so errors and
//! warnings stay the model route's; `links` and `meta` are read from their text when plain
//! ([`super::page_envelope`]). `tests/page_json_matches_model.rs` checks that both routes
//! agree on arbitrary and adversarial pages, and the byte route against `from_utf8`.

use super::clean_user;
use super::coerce::Warnings;
use super::page;
use super::page_envelope;
use super::page_json::PageJson;
use super::path::JsonPath;
use crate::error::{Result, VomoError};
use serde_json::Value;

/// Containers nested deeper than this are left to serde_json (whose limit is 128).
const MAX_DEPTH: u32 = 100;

/// What kind of JSON value a span holds.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// A string; `true` when it contains a backslash escape.
    Str(bool),
    Number,
    Null,
    Other,
}

#[derive(Clone, Copy)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// Reads a page body (without its BOM) in one pass. `None`: not plain enough; take the
/// model route. `Some(Err)`: the error the model route gives too (an unreadable `meta`).
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))] // see Cursor::string
pub(super) fn scan(text: &[u8]) -> Option<Result<PageJson>> {
    let mut c = Cursor::at(text, 0);
    let mut buf = clean_user::UserBuf::new();
    let root = JsonPath::Root;
    let data_path = root.key("data");
    let mut w = Warnings::default();
    let mut data = Vec::with_capacity(text.len() + text.len() / 4);
    let mut count = 0;
    let mut sent = 0;
    let (mut links, mut meta, mut saw_data) = (None, None, false);
    c.ws();
    c.open(b'{')?;
    c.ws();
    if !c.close(b'}') {
        loop {
            let key = c.key()?;
            if key.kind != Kind::Str(false) {
                return None;
            }
            match &c.b[key.start + 1..key.end - 1] {
                b"data" if !saw_data => {
                    saw_data = true;
                    c.open(b'[')?;
                    data.extend_from_slice(b"{\"data\":[");
                    c.ws();
                    let mut i = 0;
                    if !c.close(b']') {
                        loop {
                            let mark = data.len();
                            if count > 0 {
                                data.push(b',');
                            }
                            match c.user(&mut buf, &mut data)? {
                                Ok(()) => count += 1,
                                Err(item) => {
                                    data.truncate(mark);
                                    // A scanned item is whole UTF-8 (page_scan validates strings).
                                    let item = std::str::from_utf8(&text[item.start..item.end]).ok()?;
                                    if model_user(item, &data_path.index(i), &mut w, &mut data, count > 0) {
                                        count += 1;
                                    }
                                }
                            }
                            i += 1;
                            if c.next_member(b']')? {
                                break;
                            }
                        }
                    }
                    c.depth -= 1;
                    sent = i;
                    data.push(b']');
                }
                b"links" if links.is_none() => links = Some(c.value_for_serde()?),
                b"meta" if meta.is_none() => meta = Some(c.value_for_serde()?),
                b"data" | b"links" | b"meta" => return None, // repeated: serde's error
                _ => {
                    c.value()?;
                }
            }
            if c.next_member(b'}')? {
                break;
            }
        }
    }
    c.ws();
    if c.i != c.b.len() || !saw_data {
        return None;
    }
    // Plain links and meta are read from their text; anything else as serde_json values
    // through the model route's readers, which also write the warnings.
    let value = |s: Option<(Span, bool)>| -> Option<Option<Value>> {
        match s {
            // from_str, not from_slice: that is a second copy of serde_json's reader in the wasm.
            Some((s, _)) => std::str::from_utf8(&text[s.start..s.end]).ok().and_then(|t| serde_json::from_str(t).ok()),
            None => Some(None),
        }
    };
    let links = match links.and_then(|l| page_envelope::links(text, l)) {
        Some(links) => links,
        None => page::links(value(links)?.as_ref(), &root.key("links"), &mut w),
    };
    let meta = match meta.and_then(|m| page_envelope::meta(text, m)) {
        Some(meta) => meta,
        None => match page::meta(value(meta)?.as_ref(), &root.key("meta"), &mut w) {
            Ok(meta) => meta,
            Err(e) => return Some(Err(e)),
        },
    };
    Some(Ok(PageJson { head: data, count, sent, links, meta, warnings: w.0 }))
}

/// A user that is not clean, through the model route ([`page::listed_user`]): appended as JSON, or dropped with a
/// warning (false).
fn model_user(item: &str, path: &JsonPath, w: &mut Warnings, out: &mut Vec<u8>, comma: bool) -> bool {
    let parsed = page::listed_user(item, path, w).and_then(|u| serde_json::to_string(&u).map_err(|e| VomoError::parse("$", e)));
    match parsed {
        Ok(json) => {
            if comma {
                out.push(b',');
            }
            out.extend_from_slice(json.as_bytes());
            true
        }
        Err(e) => {
            w.0.push(format!("{} (user dropped from the page)", e.message));
            false
        }
    }
}

/// Bytes `b` at each of the 8 positions of a `u64`.
#[cfg(not(target_arch = "wasm32"))]
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte of `w` that ends a run of plain string characters (a quote, a
/// backslash, a control character or a non-ASCII byte); the lowest set bit is exact (SWAR,
/// 8 bytes a step).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn string_stops(w: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(splat(1)) & !x & splat(0x80);
    zero(w ^ splat(b'"')) | zero(w ^ splat(b'\\')) | (w.wrapping_sub(splat(0x20)) & !w & splat(0x80)) | (w & splat(0x80))
}

/// The end of the UTF-8 character that starts at `b[i]` (not ASCII), if it is a valid one.
#[inline(never)]
fn utf8_char(b: &[u8], i: usize) -> Option<usize> {
    let n = match b[i] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let end = i + n;
    std::str::from_utf8(b.get(i..end)?).is_ok().then_some(end)
}

/// Where the run of plain string characters from `b[i]` ends: at a quote, a backslash, a
/// control character or a byte of a non-ASCII character (checked by [`utf8_char`]), or a
/// few bytes before the end of `b` (left to the caller's loop). On wasm32, 16 bytes a step
/// with simd128 instructions, inlined into the `#[target_feature(enable = "simd128")]`
/// functions that call [`Cursor::string`].
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn plain_run(b: &[u8], mut i: usize) -> usize {
    use core::arch::wasm32::{i8x16_lt, i8x16_splat, u64x2, u8x16_bitmask, u8x16_eq, u8x16_splat, v128_or};
    while let Some(chunk) = b.get(i..i + 16) {
        let word = |at: usize| u64::from_le_bytes(chunk[at..at + 8].try_into().unwrap_or_default());
        let v = u64x2(word(0), word(8));
        // Control characters and non-ASCII bytes in one signed compare (below 0x20 as i8).
        let outside = i8x16_lt(v, i8x16_splat(0x20));
        let stops = v128_or(v128_or(u8x16_eq(v, u8x16_splat(b'"')), u8x16_eq(v, u8x16_splat(b'\\'))), outside);
        let mask = u8x16_bitmask(stops);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    i
}

/// [`plain_run`] natively: 8 bytes a step in a `u64` (SWAR).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn plain_run(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let stops = string_stops(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if stops != 0 {
            return i + (stops.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

pub(super) struct Cursor<'a> {
    pub b: &'a [u8],
    pub i: usize,
    depth: u32,
    /// Set by a `\u` escape of a UTF-16 surrogate (serde_json refuses a lone one when it
    /// builds a string, and tolerates it when it skips one).
    surrogate: bool,
    /// Set by a number with an exponent or more than 17 digits (one that serde_json may
    /// find out of range when it builds a value).
    big_number: bool,
}

impl<'a> Cursor<'a> {
    pub fn at(b: &'a [u8], i: usize) -> Self {
        Cursor { b, i, depth: 0, surrogate: false, big_number: false }
    }

    #[inline(always)]
    pub fn ws(&mut self) {
        // Compact JSON first: one compare when the next byte is not whitespace.
        if self.b.get(self.i).is_some_and(|&c| c > b' ') {
            return;
        }
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline(always)]
    pub fn eat(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// After a member or element of a container: the whitespace, then `true` at the
    /// container's `close` (consumed, see [`Self::close`]), or `false` after a comma and the
    /// whitespace that follows it; `None` for anything else.
    #[inline(always)]
    pub fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        if self.close(close) {
            return Some(true);
        }
        self.eat(b',')?;
        self.ws();
        Some(false)
    }

    /// An object member's key: the string, then the whitespace, the colon and the whitespace
    /// before its value.
    #[inline(always)]
    pub fn key(&mut self) -> Option<Span> {
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(key)
    }

    /// Enters a container at its opening bracket.
    #[inline(always)]
    pub fn open(&mut self, c: u8) -> Option<()> {
        self.eat(c)?;
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Leaves a container if its closing bracket is next (`]` leaves depth to the caller
    /// of the data array, which counts its own).
    #[inline(always)]
    pub fn close(&mut self, c: u8) -> bool {
        let closed = self.eat(c).is_some();
        if closed && c == b'}' {
            self.depth -= 1;
        }
        closed
    }

    /// A string at the cursor, validated; its span includes the quotes. Inlined: every
    /// caller is a simd128 function on wasm32 (where [`plain_run`]'s instructions would be
    /// calls otherwise).
    #[inline(always)]
    pub fn string(&mut self) -> Option<Span> {
        let b = self.b;
        let start = self.i;
        if b.get(start) != Some(&b'"') {
            return None;
        }
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            i = plain_run(b, i);
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some(Span { start, end: i + 1, kind: Kind::Str(escaped) });
                }
                b'\\' => {
                    escaped = true;
                    i = self.escape(i + 1)?;
                }
                0..=0x1f => return None,
                0x80.. => i = utf8_char(b, i)?,
                _ => i += 1,
            }
        }
    }

    /// The escape after a backslash at `i`; returns the position after it.
    fn escape(&mut self, i: usize) -> Option<usize> {
        match *self.b.get(i)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
            b'u' => {
                let mut unit = 0;
                for h in self.b.get(i + 1..i + 5)? {
                    unit = unit << 4 | (*h as char).to_digit(16)?;
                }
                self.surrogate |= (0xD800..=0xDFFF).contains(&unit);
                Some(i + 5)
            }
            _ => None,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number in JSON's grammar.
    fn number(&mut self) -> Option<()> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.big_number |= self.digits() > 17;
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            (self.digits() > 0).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.big_number = true;
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        (self.b.get(self.i..self.i + word.len())? == word).then(|| self.i += word.len())
    }

    /// Any JSON value at the cursor, validated and skipped; its span and kind.
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn value(&mut self) -> Option<Span> {
        let start = self.i;
        let kind = match *self.b.get(start)? {
            b'"' => return self.string(),
            b'n' => self.literal(b"null").map(|_| Kind::Null)?,
            b't' => self.literal(b"true").map(|_| Kind::Other)?,
            b'f' => self.literal(b"false").map(|_| Kind::Other)?,
            b'-' | b'0'..=b'9' => self.number().map(|_| Kind::Number)?,
            b'[' => {
                self.open(b'[')?;
                self.ws();
                if !self.close(b']') {
                    loop {
                        self.value()?;
                        if self.next_member(b']')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Kind::Other
            }
            b'{' => {
                self.open(b'{')?;
                self.ws();
                if !self.close(b'}') {
                    loop {
                        self.key()?;
                        self.value()?;
                        if self.next_member(b'}')? {
                            break;
                        }
                    }
                }
                Kind::Other
            }
            _ => return None,
        };
        Some(Span { start, end: self.i, kind })
    }

    /// [`Self::value`], and whether serde_json surely builds it as a value too (no
    /// surrogate escape, no number it may find out of range).
    fn value_for_serde(&mut self) -> Option<(Span, bool)> {
        (self.surrogate, self.big_number) = (false, false);
        let span = self.value()?;
        Some((span, !self.surrogate && !self.big_number))
    }

    /// One item of `data`: `Ok` when it was a clean user, written to `out`; `Err(span)`
    /// when it is valid JSON but not a clean user (nothing written); `None` when the text
    /// is not plain enough to go on.
    #[inline(never)] // see the module comment: one function per stage keeps tier-up cheap
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn user(&mut self, buf: &mut clean_user::UserBuf, out: &mut Vec<u8>) -> Option<std::result::Result<(), Span>> {
        let start = self.i;
        if self.b.get(start) != Some(&b'{') {
            let item = self.value()?;
            return Some(Err(item));
        }
        self.open(b'{')?;
        self.ws();
        let mut fields: [Option<Span>; clean_user::FIELDS] = [None; clean_user::FIELDS];
        let mut clean = true;
        if !self.close(b'}') {
            loop {
                let key = self.key()?;
                let known = match key.kind {
                    Kind::Str(false) => clean_user::field(self.b, key.start + 1, key.end - key.start - 2),
                    _ => {
                        clean = false; // an escaped key may still name a field
                        None
                    }
                };
                self.surrogate = false;
                let value = match self.b.get(self.i) {
                    Some(b'"') => self.string()?,
                    Some(b'n') if self.b.get(self.i..self.i + 4) == Some(b"null") => {
                        self.i += 4;
                        Span { start: self.i - 4, end: self.i, kind: Kind::Null }
                    }
                    Some(b'1'..=b'9') => {
                        // An integer (an id) in place; a fraction or an exponent through value().
                        let start = self.i;
                        let mut end = start + 1;
                        while let Some(b'0'..=b'9') = self.b.get(end) {
                            end += 1;
                        }
                        if let Some(b'.' | b'e' | b'E') = self.b.get(end) {
                            self.value()?
                        } else {
                            self.i = end;
                            Span { start, end, kind: Kind::Number }
                        }
                    }
                    _ => self.value()?,
                };
                if let Some(k) = known {
                    clean &= fields[k].is_none() && !self.surrogate; // a repeated field is serde's error
                    fields[k] = Some(value);
                }
                if self.next_member(b'}')? {
                    break;
                }
            }
        }
        let item = Span { start, end: self.i, kind: Kind::Other };
        if !clean {
            return Some(Err(item));
        }
        match clean_user::write(self.b, &fields, buf, out) {
            Some(()) => Some(Ok(())),
            None => Some(Err(item)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A page ten times the usual size (150 users where the API sends 15, strings of
    /// hundreds of bytes with escapes and non-ASCII): the scanner reads it whole, and its
    /// output equals the model route's (`tests/page_json_matches_model.rs` checks the same
    /// through the public routes).
    #[test]
    fn reads_a_page_ten_times_the_usual_size_like_the_model_route() {
        let long = "x".repeat(600);
        let users: Vec<Value> = (1..=150)
            .map(|i| {
                json!({"type": "user", "id": if i % 2 == 0 { json!(i) } else { json!(i.to_string()) },
                       "first_name": "Ana", "last_name": format!("Lima \u{e9}\u{65e5} {i}"), "full_name": format!("{long} {i} \u{1F600}"),
                       "email": format!("user{i}.{}@example.org", "y".repeat(200)),
                       "address": format!("{i} {long} Street, \"Quoted\" \\ Town\n"),
                       "phone": if i % 7 == 0 { "null" } else { "(555) 012-0105" }, // "null": that user takes the model route
                       "birthday": "1990-01-02", "gender": "f",
                       "created_at": "2025-11-04T08:00:00+00:00", "updated_at": "2025-11-05T08:00:00.123456Z",
                       "user_status": "VERIFIED", "membership_status": "ACCEPTED", "membership_role": "VOLUNTEER"})
            })
            .collect();
        let page = json!({"data": users, "links": {"next": format!("https://x/users?page=2&q={long}"), "prev": null},
                          "meta": {"current_page": 1, "per_page": 150, "total": "1500", "path": long}});
        let text = page.to_string();
        assert!(text.len() > 10 * 5_900, "{} bytes, where a corpus page has about 5.9 KB", text.len());
        let scanned = scan(text.as_bytes()).expect("the scanner reads the page itself").unwrap();
        assert_eq!(scanned.count, 150);
        assert_eq!(scanned.warnings.len(), 150 / 7);
        let scanned: Value = serde_json::from_slice(&scanned.into_json_bytes().unwrap()).unwrap();
        let model = serde_json::to_value(page::user_page_text(&text).unwrap()).unwrap();
        assert_eq!(scanned, model);
    }
}
