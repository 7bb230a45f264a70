//! Finding the token in text, however it was written there, so that no message, log entry or
//! stored value carries it: a server may echo it (in an error body, a header it reflects, a
//! value it puts in a user) and a link or a redirect may carry it in a URL.
//!
//! One scan of the text, matching the token one character at a time, each character as it is
//! (in either letter case: a URL parser lower-cases a host) or in any of the ways text escapes
//! it: percent-encoded (`%7C` or `%7c`, whichever characters the encoder chose to encode:
//! `encodeURIComponent`, `encodeURI`, Python's `quote` all differ), JSON-escaped (`\"`, `\\`,
//! PHP's `\/`, `\u007C`) or as an HTML character reference (`&quot;`, `&#47;`, `&#x2F;`, HTML5's
//! names for punctuation as PHP's `htmlentities` writes them, `&sol;`, and a numeric one without
//! its `;`); and escaped again, by the same kind or another, up to [`LAYERS`] deep (`%257C`,
//! `%26sol%3B`, `\\\"`): an escape's own characters are read as the token's are. A `+` also as
//! the space a form decoder makes of it (` `, `%20`). A list of pre-encoded forms (what this
//! replaced) misses every encoder it did not list. Also a token cut short: text the package
//! shortens (a server's error body, a value quoted in a warning) ends in `...` where it cut,
//! and a start of the token of `MIN_CUT` or more characters before that mark (the cut may have
//! split an escape: `%3...`), or at the end of the text, is redacted too; so is one before a `#`
//! of the token, where a link cut off its fragment. A start of it anywhere else is not: it
//! cannot be told from ordinary text.
//!
//! And the token's secret alone: a Laravel Sanctum token `42|<secret>` is an id and the
//! secret that authenticates, and a server may echo the secret without the id; a JWT
//! (`<header>.<payload>.<signature>`) may have its signature quoted alone (its header is the
//! same for many tokens, and is no secret). Either part, at least [`MIN_SECRET`] characters,
//! is redacted wherever it appears, as the whole token is.

use std::cell::RefCell;

const MARK: &str = "[redacted]";

/// A token shorter than this is left alone: replacing it would mangle ordinary text and hide
/// nothing.
pub const MIN_TOKEN: usize = 4;

/// The shortest start of the token redacted where text was cut.
const MIN_CUT: usize = 4;

/// The shortest secret part ([`secret_part`]) redacted on its own: shorter ones could be
/// ordinary text, and real ones are far longer (Sanctum's 40 characters, a JWT signature's 43).
const MIN_SECRET: usize = 16;

/// The part of `token` that authenticates on its own, when the token has one: after a
/// Sanctum token's `|`, or a JWT's signature (after its second `.`).
fn secret_part(token: &str) -> Option<&str> {
    let part = match token.split_once('|') {
        Some((_, secret)) => secret,
        None if token.matches('.').count() == 2 => token.rsplit('.').next()?,
        None => return None,
    };
    (part.len() >= MIN_SECRET && part != token).then_some(part)
}

/// Whether `code` is the character `c` in either letter case: a URL parser lower-cases a host,
/// so a token that became one comes back lower-cased (and a shout upper-cased).
fn same(code: u32, c: u8) -> bool {
    u8::try_from(code).is_ok_and(|b| b.eq_ignore_ascii_case(&c))
}

/// How many layers of escaping are read: an escape whose own characters are escaped again
/// (`%257C`: `%25` is `%`; `%26sol%3B`: `&sol;` percent-encoded; `\\\"` and `\\u007C`: JSON
/// escaped twice) is one more layer. Four covers a link encoded four times, or HTML-escaped and
/// then encoded three times; every layer multiplies the readings tried at an escape's start.
const LAYERS: u8 = 4;

/// Whether an escape may start with `b`: every one does with `%`, `\\` or `&`, however many
/// layers deep (its opener escaped again is one of these too).
fn opens_escape(b: u8) -> bool {
    matches!(b, b'%' | b'\\' | b'&')
}

/// One way of reading a character: its code and where its writing ends.
type Reading = (u32, usize);

/// The text being scanned, and the readings ([`Text::reads`]) of escapes' starts found so far.
/// In a run of backslashes every position has many readings, each built of those one layer
/// down; computed again each time, 100 KB of them took 9 s, remembered, 0.3-0.6 s (release
/// build, `cargo run --release --example` over adversarial texts; 2026-12-06). What lies
/// before the scan is forgotten as it moves on: the token is only ever matched forwards.
struct Text<'a> {
    bytes: &'a [u8],
    known: RefCell<Known>,
}

/// The readings found so far, of the positions from `base` on: `LAYERS` slots each (a window
/// of the text, not a map: a `HashMap` cost the .wasm 0.9 KB gzip more, measured per build).
#[derive(Default)]
struct Known {
    base: usize,
    slots: Vec<Option<Vec<Reading>>>,
}

impl Known {
    fn slot(&self, at: usize, layers: u8) -> Option<usize> {
        Some(at.checked_sub(self.base)? * usize::from(LAYERS) + usize::from(layers) - 1)
    }
}

impl Text<'_> {
    /// Where the text at `at` writes the ASCII character `c`: the end of each way it does (a
    /// backslash is itself, or the start of `\\`; both are tried).
    fn written(&self, at: usize, c: u8) -> Vec<usize> {
        // A form decoder reads `+` as a space, which a server may then write as it is or encoded.
        let space = |code: u32| c == b'+' && code == u32::from(b' ');
        match self.bytes.get(at) {
            None => return Vec::new(),
            Some(&b) if !opens_escape(b) => {
                return if same(b.into(), c) || space(b.into()) { vec![at + 1] } else { Vec::new() };
            }
            Some(_) => {}
        }
        self.reads(at, LAYERS).into_iter().filter(|&(code, _)| same(code, c) || space(code)).map(|(_, end)| end).collect()
    }

    /// Every way the text at `at` may be read as one character, through up to `layers` layers
    /// of escaping: the character's code and where its writing ends. The character itself, or
    /// an escape: percent-encoding (`%7C`, `%7c`), JSON's (`\"`, `\\`, PHP's `\/`, `\u007C`)
    /// or an HTML character reference (`&#124;`, `&#x7C;`, without the `;` too, `&verbar;`).
    /// Of an escape, the characters an encoder escapes again are read one layer down (its
    /// opening `%`, `\` or `&`, the `"`, `\` or `/` after a `\`, an HTML reference's `#` and
    /// `;`); its digits and letters, which no encoder in use escapes, as they are. Reading
    /// those too was measured: 43 s for 100 KB of `&#52&#52...` (each digit may open another
    /// reference).
    fn reads(&self, at: usize, layers: u8) -> Vec<Reading> {
        let Some(&first) = self.bytes.get(at) else { return Vec::new() };
        if layers == 0 || !opens_escape(first) {
            return vec![(u32::from(first), at + 1)];
        }
        let slot = self.known.borrow().slot(at, layers);
        if let Some(known) = slot.and_then(|i| self.known.borrow().slots.get(i).cloned().flatten()) {
            return known;
        }
        let down = layers - 1;
        let mut out = vec![(u32::from(first), at + 1)];
        for (opener, after) in self.reads(at, down) {
            match char::from_u32(opener) {
                Some('%') => out.extend(self.hex_digits(after, 2)),
                Some('\\') => {
                    out.extend(
                        self.reads(after, down).into_iter().filter(|&(code, _)| matches!(char::from_u32(code), Some('"' | '\\' | '/'))),
                    );
                    if self.bytes.get(after) == Some(&b'u') {
                        out.extend(self.hex_digits(after + 1, 4));
                    }
                }
                Some('&') => out.extend(self.reference(after, down)),
                _ => {}
            }
        }
        // The same reading reached two ways (a sort and `dedup` cost the .wasm 4.4 KB gzip more
        // than this loop, measured per build).
        let mut unique: Vec<Reading> = Vec::with_capacity(out.len());
        for r in out {
            if !unique.contains(&r) {
                unique.push(r);
            }
        }
        let out = unique;
        if let Some(i) = slot {
            let mut known = self.known.borrow_mut();
            if known.slots.len() <= i {
                known.slots.resize(i + 1, None);
            }
            known.slots[i] = Some(out.clone());
        }
        out
    }

    /// `n` hex digits at `at`: their value and end.
    fn hex_digits(&self, at: usize, n: usize) -> Option<Reading> {
        let digits = std::str::from_utf8(self.bytes.get(at..at + n)?).ok()?;
        digits.bytes().all(|b| b.is_ascii_hexdigit()).then(|| u32::from_str_radix(digits, 16).ok().map(|v| (v, at + n)))?
    }

    /// An HTML character reference after its `&`: numeric, decimal or hex, with its `;` or
    /// without (HTML reads `&#47` too), or a name ([`named_reference`]) and its `;`. The `#`
    /// and `;` are read through `layers`.
    fn reference(&self, at: usize, layers: u8) -> Vec<Reading> {
        let text = self.bytes;
        let semicolon = |end: usize| self.reads(end, layers).into_iter().find(|&(code, _)| code == u32::from(b';')).map(|(_, e)| e);
        let mut out = Vec::new();
        for (_, after) in self.reads(at, layers).into_iter().filter(|&(code, _)| code == u32::from(b'#')) {
            let (radix, from) = if matches!(text.get(after), Some(b'x' | b'X')) { (16, after + 1) } else { (10, after) };
            // The longest run of digits (at most 8), as HTML reads it.
            let len = text.get(from..).unwrap_or_default().iter().take(8).take_while(|b| char::from(**b).is_digit(radix)).count();
            let digits = std::str::from_utf8(&text[from..from + len]).ok().filter(|d| !d.is_empty());
            if let Some(code) = digits.and_then(|d| u32::from_str_radix(d, radix).ok()) {
                out.push((code, semicolon(from + len).unwrap_or(from + len)));
            }
        }
        // A name: letters up to its `;` (the longest used here is 17 characters).
        let len = text.get(at..).unwrap_or_default().iter().take(18).take_while(|b| b.is_ascii_alphabetic()).count();
        let name = std::str::from_utf8(&text[at..at + len]).unwrap_or_default();
        if let (Some(c), Some(end)) = (named_reference(name), semicolon(at + len)) {
            out.push((u32::from(c), end));
        }
        out
    }

    /// Forgets the readings of what lies before `at`.
    fn forget_before(&self, at: usize) {
        let mut known = self.known.borrow_mut();
        let gone = (at.saturating_sub(known.base) * usize::from(LAYERS)).min(known.slots.len());
        known.slots.drain(..gone);
        known.base = known.base.max(at);
    }
}

/// HTML5's named character references for ASCII punctuation (what PHP's `htmlentities` with
/// `ENT_HTML5` writes), and the legacy upper-case four.
fn named_reference(name: &str) -> Option<u8> {
    Some(match name {
        "quot" | "QUOT" => b'"',
        "amp" | "AMP" => b'&',
        "lt" | "LT" => b'<',
        "gt" | "GT" => b'>',
        "apos" => b'\'',
        "excl" => b'!',
        "num" => b'#',
        "dollar" => b'$',
        "percnt" => b'%',
        "lpar" => b'(',
        "rpar" => b')',
        "ast" | "midast" => b'*',
        "plus" => b'+',
        "comma" => b',',
        "period" => b'.',
        "sol" => b'/',
        "colon" => b':',
        "semi" => b';',
        "equals" => b'=',
        "quest" => b'?',
        "commat" => b'@',
        "lsqb" | "lbrack" => b'[',
        "bsol" => b'\\',
        "rsqb" | "rbrack" => b']',
        "Hat" => b'^',
        "lowbar" | "UnderBar" => b'_',
        "grave" | "DiacriticalGrave" => b'`',
        "lcub" | "lbrace" => b'{',
        "verbar" | "vert" | "VerticalLine" => b'|',
        "rcub" | "rbrace" => b'}',
        _ => return None,
    })
}

/// Whether text was cut at `at`: its end, or the `...` the package's shorteners put there;
/// also where the cut split an escape (`%3...`, `\u00...`, `&#4...`): its start, then the mark.
fn cut_at(text: &[u8], at: usize) -> bool {
    let marked = |p: usize| p == text.len() || text[p..].starts_with(b"...") || text[p..].starts_with("…".as_bytes());
    marked(at)
        || (text.get(at).is_some_and(|&b| opens_escape(b))
            && (at + 1..=(at + 9).min(text.len()))
                .take_while(|&p| p == at + 1 || text[p - 1].is_ascii_alphanumeric() || text[p - 1] == b'#')
                .any(marked))
}

/// Where the token (written in any of the ways above) or a cut start of it that begins at
/// `at` ends; also a start of it before a `#` in it, which a link leaves where it cut off its
/// fragment. Every way of reading the text is followed at once (the positions reachable after
/// each character of the token), so an escape that could also be read as itself costs no
/// backtracking.
fn token_at(text: &Text, at: usize, token: &[u8]) -> Option<usize> {
    let mut reach = vec![at];
    let mut cut = None;
    for (matched, &c) in token.iter().enumerate() {
        if matched >= MIN_CUT {
            // A link drops what follows a `#` (its fragment): the start before it is all there is.
            let fragment = c == b'#';
            cut = reach.iter().copied().filter(|&p| fragment || cut_at(text.bytes, p)).max().or(cut);
        }
        let mut next: Vec<usize> = Vec::new();
        for p in reach {
            for end in text.written(p, c) {
                if !next.contains(&end) {
                    next.push(end);
                }
            }
        }
        if next.is_empty() {
            return cut;
        }
        reach = next;
    }
    reach.into_iter().max()
}

/// `text` with every appearance of `token` replaced by `[redacted]` (see the module's comment).
/// A token shorter than [`MIN_TOKEN`] is left alone; one that is not visible ASCII (which the
/// client refuses to send) is replaced only as it is.
pub fn redact(text: &str, token: &str) -> String {
    let whole = redact_one(text, token);
    match secret_part(token) {
        Some(secret) => redact_one(&whole, secret),
        None => whole,
    }
}

/// [`redact`] of one needle: the token, or its secret part.
fn redact_one(text: &str, token: &str) -> String {
    if token.len() < MIN_TOKEN {
        return text.to_string();
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return text.replace(token, MARK);
    }
    let (bytes, token) = (text.as_bytes(), token.as_bytes());
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let text = Text { bytes, known: RefCell::default() };
    let mut at = 0;
    while at < bytes.len() {
        if at % 1024 == 0 {
            text.forget_before(at);
        }
        match token_at(&text, at, token) {
            Some(end) => {
                out.extend_from_slice(MARK.as_bytes());
                at = end;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    // Only whole runs of ASCII were replaced, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Whether `text` carries `token` in any of the ways [`redact`] finds.
pub fn carries(text: &str, token: &str) -> bool {
    redact(text, token) != text
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "42|Sk9x/Ab+Cd=Ef\"G\\h'<j>&k";

    #[test]
    fn the_token_is_found_however_it_is_written() {
        let percent_every = |t: &str| t.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
        let forms = [
            TOKEN.to_string(),
            percent_every(TOKEN),
            percent_every(TOKEN).to_lowercase(),
            // encodeURI leaves / + = alone; Python's quote leaves /; a query leaves more.
            "42%7CSk9x/Ab+Cd=Ef%22G%5Ch'%3Cj%3E&k".to_string(),
            "42%7cSk9x/Ab%2BCd%3DEf%22G%5Ch%27%3Cj%3E%26k".to_string(),
            // JSON: serde's and PHP's (which escapes /), and \u escapes.
            "42|Sk9x/Ab+Cd=Ef\\\"G\\\\h'<j>&k".to_string(),
            "42|Sk9x\\/Ab+Cd=Ef\\\"G\\\\h'<j>&k".to_string(),
            "42\\u007cSk9x\\u002FAb+Cd=Ef\\u0022G\\u005Ch\\u0027\\u003Cj\\u003E\\u0026k".to_string(),
            // HTML, as an error page escapes it.
            "42|Sk9x&#47;Ab+Cd=Ef&quot;G\\h&#039;&lt;j&gt;&amp;k".to_string(),
            "42&#x7C;Sk9x/Ab+Cd=Ef&#34;G\\h&apos;<j>&k".to_string(),
        ];
        for form in forms {
            let text = format!("GET /v1/users?page=2&t={form} said 401");
            assert_eq!(redact(&text, TOKEN), "GET /v1/users?page=2&t=[redacted] said 401", "{form}");
            assert!(carries(&text, TOKEN));
        }
        assert_eq!(redact(&format!("{TOKEN}{TOKEN}"), TOKEN), "[redacted][redacted]");
    }

    #[test]
    fn a_start_of_the_token_is_redacted_where_text_was_cut_and_nowhere_else() {
        let cut = &TOKEN[..12];
        assert_eq!(redact(&format!("server error (HTTP 503): token {cut}...)"), TOKEN), "server error (HTTP 503): token [redacted]...)");
        assert_eq!(redact(&format!("unknown gender \"{cut}…"), TOKEN), "unknown gender \"[redacted]…");
        assert_eq!(redact(&format!("ends with {}", &TOKEN[..4]), TOKEN), "ends with [redacted]", "at the end of the text");
        assert_eq!(redact(&format!("{} then more", &TOKEN[..8]), TOKEN), format!("{} then more", &TOKEN[..8]), "not cut: left");
        assert_eq!(redact(&format!("ends with {}", &TOKEN[..3]), TOKEN), format!("ends with {}", &TOKEN[..3]), "too short to tell");
    }

    #[test]
    fn forms_an_outside_pass_found_missed_are_found() {
        let b64 = "Qw3rTy9uIoPa/SdFgHj+KlZxCvBnM0a1s2D3f4G5h6==";
        let pct = |t: &str| {
            t.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>()
        };
        let forms = [
            // Encoded twice and three times (a link re-encoded by a proxy).
            pct(b64).replace('%', "%25"),
            pct(b64).replace('%', "%2525"),
            // PHP's htmlentities(..., ENT_HTML5): names for the punctuation.
            b64.replace('/', "&sol;").replace('+', "&plus;").replace('=', "&equals;"),
            // Numeric references without their `;`, as HTML reads them.
            b64.bytes().map(|b| format!("&#{b}")).collect::<String>(),
            // A `+` a form decoder made a space of, written as it is or as %20.
            b64.replace('+', " "),
            b64.replace('+', "%20"),
        ];
        for form in forms {
            let text = format!("GET /v1/users?cursor={form} said 500");
            assert_eq!(redact(&text, b64), "GET /v1/users?cursor=[redacted] said 500", "{form}");
        }
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2b21vIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
        assert_eq!(redact(&jwt.replace('.', "&period;"), jwt), "[redacted]");
        assert_eq!(redact("a &QUOT;xyz&AMP; b", "\"xyz&"), "a [redacted] b", "the legacy upper-case names");
        // A URL parser lower-cases a host: a link that made the token one quotes it so.
        assert_eq!(
            redact(&format!("another origin (http://{}.evil.test)", jwt.to_lowercase()), jwt),
            "another origin (http://[redacted].evil.test)"
        );
        assert_eq!(redact(&format!("got http://{}", &b64[..12].to_lowercase()), b64), "got http://[redacted]", "cut, lower-cased");
    }

    #[test]
    fn a_start_of_the_token_is_redacted_where_a_cut_split_an_escape() {
        let b64 = "Qw3rTy9uIoPa/SdFgHj+KlZxCvBnM0a1s2D3f4G5h6==";
        fn pct(t: &str) -> String {
            t.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
        }
        fn html(t: &str) -> String {
            t.bytes().map(|b| format!("&#{b};")).collect()
        }
        fn uni(t: &str) -> String {
            t.bytes().map(|b| format!("\\u{b:04x}")).collect()
        }
        for write in [pct, html, uni] {
            let written = write(b64);
            // Every place the shortener may cut it past the token's first 4 characters (fewer
            // are too short to tell from ordinary text), the escapes' insides included.
            for end in write(&b64[..4]).len()..written.len() {
                let text = format!("500 yyyy{}... (attempt 1)", &written[..end]);
                let out = redact(&text, b64);
                assert!(out.starts_with("500 yyyy[redacted]"), "cut at {end}: {out}");
                assert!(!out.contains("SdF") && !out.contains("KlZ") && !out.contains("M0a"), "cut at {end}: {out}");
            }
        }
        // Not cut there: an escape's start alone before ordinary text is no cut.
        assert_eq!(redact("Qw3r%3 then", b64), "Qw3r%3 then");
    }

    #[test]
    fn escapes_of_escapes_are_read_however_they_were_composed() {
        let b64 = "Qw3rTy9uIoPa/SdFgHj+KlZxCvBnM0a1s2D3f4G5h6==";
        let html5 = b64.replace('/', "&sol;").replace('+', "&plus;").replace('=', "&equals;");
        let json_once = serde_json::to_string(TOKEN).unwrap();
        let json_twice = serde_json::to_string(&json_once).unwrap();
        let forms = [
            // HTML-escaped, then percent-encoded: the `&` and `;`, or every character.
            html5.replace('&', "%26").replace(';', "%3B"),
            html5.replace('&', "%26amp%3B"),
            b64.bytes().map(|b| format!("&#{b};")).collect::<String>().replace('&', "%26").replace('#', "%23"),
            // Percent-encoded, then HTML-escaped (`%` as `&percnt;` or `&#37;`).
            b64.replace('/', "&percnt;2F").replace('+', "&#37;2B").replace('=', "%3D"),
            // Encoded four times.
            b64.replace('/', "%2525252F").replace('+', "%2525252B").replace('=', "%2525253D"),
        ];
        for form in forms {
            let text = format!("GET /v1/users?cursor={form} said 500");
            assert_eq!(redact(&text, b64), "GET /v1/users?cursor=[redacted] said 500", "{form}");
        }
        // JSON-escaped twice (a JSON string holding a JSON text), `\u` escapes escaped again.
        assert_eq!(redact(&format!("{{\"body\":{json_twice}}}"), TOKEN), "{\"body\":\"\\\"[redacted]\\\"\"}");
        assert_eq!(redact("t=42\\\\u007cSk9x\\\\\\/Ab+Cd=Ef\\\\\\\"G\\\\\\\\h'<j>&k;", TOKEN), "t=[redacted];");
    }

    #[test]
    fn a_start_of_the_token_before_its_hash_is_redacted() {
        let token = "Qw3rTy9u#IoPa/SdFgHj";
        // A link `?t=<token>` keeps its query up to the `#`; the rest is its fragment, dropped.
        assert_eq!(redact("next page: https://api.test/v1/users?t=Qw3rTy9u", token), "next page: https://api.test/v1/users?t=[redacted]");
        assert_eq!(redact("t=Qw3rTy9u&page=2", token), "t=[redacted]&page=2", "wherever it stands");
        assert_eq!(redact("a Qw3r then", "Qw3#rTy9uIoPa"), "a Qw3r then", "a start shorter than 4 before the `#`: left");
    }

    #[test]
    fn the_secret_part_alone_is_redacted_too() {
        let sanctum = "42|Sk9xQ2vRAbCdef0123456789wxyz";
        assert_eq!(redact("token Sk9xQ2vRAbCdef0123456789wxyz was revoked", sanctum), "token [redacted] was revoked");
        assert_eq!(redact("token Sk9xQ2vRAbCdef0123%2F", "42|Sk9xQ2vRAbCdef0123/"), "token [redacted]", "encoded too");
        assert_eq!(redact(&format!("a {sanctum} b"), sanctum), "a [redacted] b", "the whole token as before");
        assert_eq!(redact("id 42| only", sanctum), "id 42| only", "the id is no secret");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2b21vIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
        assert_eq!(redact("bad signature c2lnbmF0dXJlLW9mLXRoZS10b2tlbg", jwt), "bad signature [redacted]");
        assert_eq!(redact("header eyJhbGciOiJIUzI1NiJ9 is common", jwt), "header eyJhbGciOiJIUzI1NiJ9 is common", "not the header");
        // Short parts are left: they could be ordinary text.
        assert_eq!(redact("id 7 and abc", "7|abcdefgh"), "id 7 and abc");
        assert_eq!(secret_part("a.b.c"), None);
        assert_eq!(secret_part("no-separator-in-this-token-at-all"), None);
    }

    #[test]
    fn other_text_is_left_as_it_was() {
        let text = "Ann Lee — 42|Sk ä %7 \\u00 &#; &amp; % \\ & ...";
        assert_eq!(redact(text, TOKEN), text);
        assert!(!carries(text, TOKEN));
        assert_eq!(redact("abc abc", "abc"), "abc abc", "a token shorter than 4 is left alone");
        assert_eq!(redact("x é y", "tokentoken"), "x é y");
        assert_eq!(redact("a tok en here", "tok en"), "a [redacted] here", "a token the client refuses: as it is");
    }
}
