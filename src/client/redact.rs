//! Finding the token in text, however it was written there, so that no message, log entry or
//! stored value carries it: a server may echo it (in an error body, a header it reflects, a
//! value it puts in a user) and a link or a redirect may carry it in a URL.
//!
//! One scan of the text, matching the token one character at a time, each character as it is
//! or in any of the ways text escapes it: percent-encoded (`%7C` or `%7c`, whichever
//! characters the encoder chose to encode: `encodeURIComponent`, `encodeURI`, Python's `quote`
//! all differ), JSON-escaped (`\"`, `\\`, PHP's `\/`, `\u007C`) or as an HTML character
//! reference (`&quot;`, `&#47;`, `&#x2F;`). A list of pre-encoded forms (what this replaced)
//! misses every encoder it did not list. Also a token cut short: text the package shortens
//! (a server's error body, a value quoted in a warning) ends in `...` where it cut, and a start
//! of the token of `MIN_CUT` or more characters before that mark, or at the end of the text,
//! is redacted too.
//!
//! And the token's secret alone: a Laravel Sanctum token `42|<secret>` is an id and the
//! secret that authenticates, and a server may echo the secret without the id; a JWT
//! (`<header>.<payload>.<signature>`) may have its signature quoted alone (its header is the
//! same for many tokens, and is no secret). Either part, at least [`MIN_SECRET`] characters,
//! is redacted wherever it appears, as the whole token is.

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

/// The ways `text` at `at` may write the ASCII character `c`: the byte counts of each (a
/// backslash is itself, or the start of `\\`; both are tried).
fn written(text: &[u8], at: usize, c: u8) -> impl Iterator<Item = usize> {
    let rest = text.get(at..).unwrap_or_default();
    let literal = (rest.first() == Some(&c)).then_some(1);
    [literal, escaped(rest, c)].into_iter().flatten()
}

/// An escape at the start of `rest` that writes `c`: its byte count.
fn escaped(rest: &[u8], c: u8) -> Option<usize> {
    let hex = |digits: &[u8]| std::str::from_utf8(digits).ok().and_then(|d| u32::from_str_radix(d, 16).ok());
    match *rest.first()? {
        b'%' if rest.len() >= 3 && hex(&rest[1..3]) == Some(c as u32) => Some(3),
        b'\\' => match *rest.get(1)? {
            b if b == c && matches!(c, b'"' | b'\\' | b'/') => Some(2),
            b'u' if rest.len() >= 6 && hex(&rest[2..6]) == Some(c as u32) => Some(6),
            _ => None,
        },
        b'&' => {
            let end = rest.iter().take(10).position(|&b| b == b';')?;
            let name = std::str::from_utf8(&rest[1..end]).ok()?;
            let code = match name.strip_prefix('#') {
                Some(n) => match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok()?,
                    None => n.parse().ok()?,
                },
                None => match name {
                    "quot" => b'"',
                    "amp" => b'&',
                    "lt" => b'<',
                    "gt" => b'>',
                    "apos" => b'\'',
                    _ => return None,
                }
                .into(),
            };
            (code == c as u32).then_some(end + 1)
        }
        _ => None,
    }
}

/// Whether text was cut at `at`: its end, or the `...` the package's shorteners put there.
fn cut_at(text: &[u8], at: usize) -> bool {
    at == text.len() || text[at..].starts_with(b"...") || text[at..].starts_with("…".as_bytes())
}

/// Where the token (written in any of the ways above) or a cut start of it that begins at
/// `at` ends. Every way of reading the text is followed at once (the positions reachable after
/// each character of the token), so an escape that could also be read as itself costs no
/// backtracking.
fn token_at(text: &[u8], at: usize, token: &[u8]) -> Option<usize> {
    let mut reach = vec![at];
    let mut cut = None;
    for (matched, &c) in token.iter().enumerate() {
        if matched >= MIN_CUT {
            cut = reach.iter().copied().find(|&p| cut_at(text, p)).or(cut);
        }
        let mut next: Vec<usize> = Vec::new();
        for p in reach {
            for n in written(text, p, c) {
                if !next.contains(&(p + n)) {
                    next.push(p + n);
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
    let mut at = 0;
    while at < bytes.len() {
        match token_at(bytes, at, token) {
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
