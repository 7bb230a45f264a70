//! URLs for the client, read the way `fetch` reads them.
//!
//! Every origin decision goes through a WHATWG URL parser (the standard `fetch`
//! implements), and what is sent is exactly the URL that was checked, re-serialized: a
//! backslash, a tab, userinfo or a protocol-relative link is read here as the runtime will
//! read it, so a link cannot pass the check as one origin and travel to another.
//!
//! Which parser is the one decision of this file (`resolve`): on wasm32 the host's own
//! `URL` (src/web/whatwg_url.rs), the very parser its `fetch` uses, which keeps the `url`
//! crate (about 70 KB raw / 31 KB gzip of wasm) out of the package; natively the `url`
//! crate, whose agreement with Node's `URL` tests/url_differential.rs checks. Either parser
//! only resolves a link to its serialization (`href`); the parts are read from that
//! canonical text here, the same for both. International (non-ASCII) host names are refused
//! by both, here (`refuse_mapped_host`): a host the parser mapped to punycode. (Natively the
//! `idna_adapter` crate of this repository's Cargo.lock is its ASCII-only 1.0 line, which keeps
//! about 100 KB of Unicode tables out and refuses such a host itself; an app that depends on
//! this crate resolves a later line, with Unicode, and the check here refuses it the same.)
//! Such a link ends a listing as `unsafe_link`.

use crate::error::{ErrorKind, VomoError};
use std::fmt;

/// Resolves `input` (against `base` when given) with the WHATWG parser of this target and
/// returns its serialization, or the parser's reason.
fn resolve(input: &str, base: Option<&str>) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    let (href, hostname) = crate::web::whatwg_url::resolve(input, base)?;
    #[cfg(not(target_arch = "wasm32"))]
    let (href, hostname) = {
        let url = match base {
            Some(base) => url::Url::parse(base).and_then(|b| b.join(input)),
            None => url::Url::parse(input),
        }
        .map_err(|e| e.to_string())?;
        let hostname = url.host_str().unwrap_or_default().to_string();
        (String::from(url), hostname)
    };
    refuse_mapped_host(&hostname, input, base)?;
    Ok(href)
}

/// A host the parser mapped to punycode from non-ASCII (or percent-encoded) text is refused:
/// each `xn--` label of the result must be written in the input (or come from `base`).
fn refuse_mapped_host(hostname: &str, input: &str, base: Option<&str>) -> Result<(), String> {
    let written = |label: &str| {
        let has = |text: &str| text.to_ascii_lowercase().contains(label);
        has(input) || base.is_some_and(has)
    };
    if hostname.split('.').any(|label| label.starts_with("xn--") && !written(label)) {
        return Err("international host names are not supported".into());
    }
    Ok(())
}

/// A parsed URL: its WHATWG serialization and the parts read from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    href: String,
    scheme: String,
    username: String,
    password: String,
    /// The host as serialized: a domain, dotted IPv4, or `[IPv6]`; empty when none.
    host: String,
    /// The port after the host, without `:`; empty for the scheme's default.
    port: String,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

impl Url {
    /// Parses an absolute URL.
    pub fn parse(text: &str) -> Result<Url, String> {
        resolve(text, None).map(Url::from_href)
    }

    /// Resolves `link` against this URL.
    pub fn join(&self, link: &str) -> Result<Url, String> {
        resolve(link, Some(&self.href)).map(Url::from_href)
    }

    /// Reads the parts of a serialization the parser produced (canonical: userinfo, `?`
    /// and `#` inside the parts are percent-encoded, default ports omitted).
    fn from_href(href: String) -> Url {
        let (scheme, rest) = href.split_once(':').unwrap_or(("", &href));
        let (rest, fragment) = match rest.split_once('#') {
            Some((a, f)) => (a, Some(f.to_string())),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q.to_string())),
            None => (rest, None),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(r) => r.split_at(r.find('/').unwrap_or(r.len())),
            None => ("", rest),
        };
        let (userinfo, host_port) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let port_at = if host_port.starts_with('[') { host_port.find(']').map(|i| i + 1) } else { host_port.rfind(':') };
        let (host, port) = match port_at {
            Some(i) if host_port[i..].starts_with(':') => (&host_port[..i], &host_port[i + 1..]),
            _ => (host_port, ""),
        };
        Url {
            scheme: scheme.to_string(),
            username: username.to_string(),
            password: password.to_string(),
            host: host.to_string(),
            port: port.to_string(),
            path: path.to_string(),
            query,
            fragment,
            href,
        }
    }

    /// The whole URL as the parser serialized it (`href`).
    pub fn as_str(&self) -> &str {
        &self.href
    }
    /// The scheme, lower-case, without the `:`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// The user name, `""` when there is none.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The password, `None` when there is none.
    pub fn password(&self) -> Option<&str> {
        Some(self.password.as_str()).filter(|p| !p.is_empty())
    }
    /// The path, percent-encoded as serialized.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The query without its `?`, `None` when there is none.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }
    /// The fragment without its `#`, `None` when there is none.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.as_deref()
    }

    /// The ASCII serialization of the origin (`scheme://host[:port]`); `None` for an opaque
    /// origin, which equals no other.
    pub fn origin(&self) -> Option<String> {
        if !matches!(self.scheme.as_str(), "http" | "https" | "ws" | "wss" | "ftp") || self.host.is_empty() {
            return None;
        }
        let port = if self.port.is_empty() { String::new() } else { format!(":{}", self.port) };
        Some(format!("{}://{}{port}", self.scheme, self.host))
    }

    /// The origin for messages: `null` when opaque, as WHATWG serializes it.
    fn origin_text(&self) -> String {
        self.origin().unwrap_or_else(|| "null".into())
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.href)
    }
}

impl From<Url> for String {
    fn from(url: Url) -> String {
        url.href
    }
}

/// `origin` followed by `path_and_query`, re-serialized by the parser.
fn rebuilt(url: &Url, path_and_query: &str) -> Url {
    let text = format!("{}{path_and_query}", url.origin_text());
    resolve(&text, None).map(Url::from_href).unwrap_or_else(|_| Url::from_href(text))
}

/// The Fetch standard's "bad ports" (fetch.spec.whatwg.org, "port blocking"): every `fetch`
/// fails on them before connecting (Node's names it "bad port", browsers do not say why), and
/// a client would retry that as a network fault. Sorted, for the binary search; the JS test
/// `client-safety` holds it equal to what this platform's `fetch` refuses.
const BAD_PORTS: [u16; 82] = [
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
    119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
    989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/// Reads the client's `baseUrl`: http(s), no credentials, query or fragment, a port `fetch`
/// connects to (not 0 nor a "bad port"), and `https` unless the host is loopback. The result has no trailing slash on its path.
pub fn parse_base(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("baseUrl is not an http(s) URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host.is_empty() {
        return Err("baseUrl is not an http(s) URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("baseUrl must not carry a user name or password".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("baseUrl must not have a query or fragment".into());
    }
    if let Ok(port) = url.port.parse::<u16>() {
        if port == 0 || BAD_PORTS.binary_search(&port).is_ok() {
            return Err(format!(
                "baseUrl: fetch refuses to connect to port {port} (the Fetch standard's \"bad ports\", which browsers, Node and workerd block); serve the API on another port"
            ));
        }
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!("baseUrl must use https outside loopback (got {}); the token would travel in clear text", url.origin_text()));
    }
    Ok(rebuilt(&url, url.path().trim_end_matches('/')))
}

/// Loopback hosts, where plain `http` is allowed (the simulator, local tests).
pub fn is_loopback(url: &Url) -> bool {
    // The host as the parser serialized it: IPv6 compressed (`::1` is always `[::1]`), IPv4
    // as dotted decimal (WHATWG reads a host whose last label is numeric as an IPv4 address,
    // or refuses it, so four numeric labels are one); 127.0.0.0/8 is loopback.
    let host = url.host.as_str();
    let labels: Vec<&str> = host.split('.').collect();
    let ipv4 = labels.len() == 4 && labels.iter().all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
    host == "[::1]" || host == "localhost" || (ipv4 && labels[0] == "127")
}

/// Resolves `link` (a pagination link or a redirect's `Location`) against the URL it came
/// from and accepts it only on `base`'s origin, without credentials. The returned URL is
/// the one to send.
pub fn same_origin(link: &str, from: &Url, base: &Url, what: &str) -> Result<Url, VomoError> {
    let target =
        from.join(link).map_err(|e| VomoError::new(ErrorKind::UnsafeLink, format!("{what} is not a readable URL ({e}); not followed")))?;
    let foreign = target.origin().is_none() || target.origin() != base.origin() || !matches!(target.scheme(), "http" | "https");
    if foreign || !target.username().is_empty() || target.password().is_some() {
        let why = if foreign { "points at another origin" } else { "carries a user name or password" };
        return Err(VomoError::new(
            ErrorKind::UnsafeLink,
            format!("{what} {why} ({}); not followed, and the token was not sent there", target.origin_text()),
        ));
    }
    Ok(target)
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `base` with `path` appended and `?k=v&...` for the given parameters.
pub fn endpoint(base: &Url, path: &str, params: &[(&str, String)]) -> Url {
    let mut tail = format!("{}/{}", base.path().trim_end_matches('/'), path);
    if !params.is_empty() {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        tail = format!("{tail}?{}", query.join("&"));
    }
    rebuilt(base, &tail)
}

/// The path and query of a URL, for messages (never the host or credentials).
pub fn path_and_query(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check itself, whatever IDNA the `url` crate resolved to (an app depending on this
    /// crate gets one with Unicode, which maps `bücher` to `xn--bcher-kva` instead of failing).
    #[test]
    fn a_host_mapped_to_punycode_is_refused_unless_written_so() {
        let refused = refuse_mapped_host("xn--bcher-kva.example", "https://bücher.example/v1", None);
        assert_eq!(refused, Err("international host names are not supported".to_string()));
        let percent = refuse_mapped_host("api.xn--bcher-kva.example", "https://api.b%C3%BCcher.example/v1", None);
        assert!(percent.is_err());
        assert_eq!(refuse_mapped_host("xn--bcher-kva.example", "https://XN--BCHER-KVA.example/v1", None), Ok(()));
        assert_eq!(refuse_mapped_host("xn--bcher-kva.example", "/v1/users?page=2", Some("https://xn--bcher-kva.example/v1/")), Ok(()));
        assert_eq!(refuse_mapped_host("api.vomo.org", "https://api.vomo.org/v1", None), Ok(()));
        // Through the parser of this build: refused either way (here by the lockfile's ASCII-only IDNA or by the check).
        assert!(parse_base("https://bücher.example/v1").is_err());
    }

    fn base() -> Url {
        parse_base("http://127.0.0.1:4010/v1/").unwrap()
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(base().as_str(), "http://127.0.0.1:4010/v1");
        assert_eq!(parse_base("HTTPS://API.vomo.org:443/v1").unwrap().as_str(), "https://api.vomo.org/v1");
        assert!(parse_base("http://api.vomo.org/v1").unwrap_err().contains("https"));
        assert!(parse_base("http://127.evil.example/v1").is_err(), "a domain that starts with 127. is not loopback");
        assert!(parse_base("http://[::1]:4010/v1").is_ok());
        assert!(parse_base("http://localhost:4010/v1").is_ok());
        assert!(parse_base("http://[0:0::1]:4010/v1").is_ok(), "IPv6 loopback however written");
        assert!(parse_base("http://[::2]:4010/v1").is_err());
        assert!(parse_base("http://[::ffff:127.0.0.1]:4010/v1").is_err(), "IPv4-mapped is not loopback (Ipv6Addr::is_loopback)");
        assert!(parse_base("http://127.1:4010/v1").is_ok(), "127.1 is 127.0.0.1");
        assert!(parse_base("http://0x7f.0.0.1/v1").is_ok());
        assert!(parse_base("http://128.0.0.1/v1").is_err());
        assert!(parse_base("https://user:pw@api.vomo.org/v1").is_err());
        assert!(parse_base("ftp://x/y").is_err());
        assert!(parse_base("/v1/users").is_err());
    }

    #[test]
    fn ports_fetch_refuses_are_refused_by_name() {
        assert!(BAD_PORTS.windows(2).all(|w| w[0] < w[1]), "sorted, for binary_search");
        for port in [0, 1, 6000, 6697, 10080] {
            let e = parse_base(&format!("http://127.0.0.1:{port}/v1")).unwrap_err();
            assert!(e.contains(&format!("port {port} ")) && e.contains("bad ports"), "{e}");
        }
        for port in [2, 5999, 6001, 8080, 10081, 65535] {
            assert!(parse_base(&format!("http://127.0.0.1:{port}/v1")).is_ok(), "{port}");
        }
        assert!(parse_base("https://api.vomo.org:443/v1").is_ok(), "a default port is no port");
        assert!(parse_base("https://api.vomo.org:6000/v1").is_err(), "https too");
    }

    #[test]
    fn the_backslash_userinfo_link_of_the_review_is_refused() {
        let from = endpoint(&base(), "users", &[]);
        // fetch reads the backslash as a slash: host 127.0.0.1:9999, path "/@127.0.0.1:4010/..."
        let e = same_origin("http://127.0.0.1:9999\\@127.0.0.1:4010/v1/users?page=2", &from, &base(), "links.next").unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsafeLink);
        assert!(e.message.contains("http://127.0.0.1:9999"), "{}", e.message);
    }

    #[test]
    fn same_origin_links_are_sent_as_reserialized() {
        let from = endpoint(&base(), "users", &[("page", "1".into())]);
        let ok = |l: &str| same_origin(l, &from, &base(), "links.next").map(|u| u.to_string());
        assert_eq!(ok("HTTP://127.0.0.1:4010/v1/users?page=2").unwrap(), "http://127.0.0.1:4010/v1/users?page=2");
        assert_eq!(ok("/v1/users?page=2").unwrap(), "http://127.0.0.1:4010/v1/users?page=2");
        assert_eq!(ok("?page=3").unwrap(), "http://127.0.0.1:4010/v1/users?page=3");
        assert_eq!(ok("http://127.0.0.1:4010/v1/us\ters?page=2").unwrap(), "http://127.0.0.1:4010/v1/users?page=2");
        assert_eq!(ok("http://127.0.0.1:4010\\v1\\users?page=2").unwrap(), "http://127.0.0.1:4010/v1/users?page=2");
        assert!(ok("//evil.example/v1/users").is_err());
        assert!(ok("\\\\evil.example/v1/users").is_err());
        assert!(ok("http://user:pw@127.0.0.1:4010/v1/users").is_err());
        assert!(ok("http://127.0.0.1:4011/v1/users").is_err());
        assert!(ok("https://127.0.0.1:4010/v1/users").is_err());
        assert!(ok("http://b\u{fc}cher.example/").is_err());
        assert!(ok("javascript:alert(1)").is_err());
    }

    /// The parts read from the serialization are the `url` crate's own, over tricky forms.
    #[cfg(not(target_arch = "wasm32"))] // the `url` crate is a native dependency only
    #[test]
    fn parts_read_from_the_serialization_match_the_parser() {
        let from = url::Url::parse("http://127.0.0.1:4010/v1/users?page=1").unwrap();
        let links = [
            "http://u:p@[::1]:8080/a/b?c=d#e",
            "https://user@example.org/",
            "http://a:@h/",
            "http://:p@h:1/x",
            "http://h/p?q#f?g",
            "http://h/p#f#g",
            "http://h/?",
            "http://h/#",
            "http://%40@h/",
            "http://a\\b@h/",
            "HTTP://H:80/%2e%2e/x",
            "https://h:443",
            "http://0x7f.1/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:a@b.org",
            "ftp://h:21/x",
            "ws://h:81/x",
            "//evil.example/x",
            "?page=3",
            "/v1/users?page=2",
            "http://h/a b?c d#e f",
            "http://[0:0::1]/",
            "foo://bar@baz:9/q?r#s",
            "http://h:65535/",
        ];
        for link in links {
            let Ok(theirs) = from.join(link) else { continue };
            let ours = Url::from_href(theirs.to_string());
            let what = format!("{link:?} -> {theirs}");
            assert_eq!(ours.scheme(), theirs.scheme(), "{what}");
            assert_eq!(ours.username(), theirs.username(), "{what}");
            assert_eq!(ours.password(), theirs.password(), "{what}");
            assert_eq!(ours.host, theirs.host_str().unwrap_or(""), "{what}");
            assert_eq!(ours.port, theirs.port().map(|p| p.to_string()).unwrap_or_default(), "{what}");
            assert_eq!(ours.path(), theirs.path(), "{what}");
            assert_eq!(ours.query(), theirs.query(), "{what}");
            assert_eq!(ours.fragment(), theirs.fragment(), "{what}");
            let origin = theirs.origin();
            assert_eq!(ours.origin(), origin.is_tuple().then(|| origin.ascii_serialization()), "{what}");
        }
    }

    #[test]
    fn queries_are_encoded() {
        let b = parse_base("https://a.example/v1").unwrap();
        let u = endpoint(&b, "users", &[("email_like", "a+b@c.org".into()), ("name_like", "Jo Ann".into())]);
        assert_eq!(u.as_str(), "https://a.example/v1/users?email_like=a%2Bb%40c.org&name_like=Jo%20Ann");
        assert_eq!(path_and_query("https://a.b/v1/users?page=2"), "/v1/users?page=2");
    }
}
