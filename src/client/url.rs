//! URLs for the client, read the way `fetch` reads them.
//!
//! Every origin decision goes through the WHATWG URL parser of the `url` crate (the
//! standard `fetch` implements), and what is sent is exactly the URL that was checked,
//! re-serialized: a backslash, a tab, userinfo or a protocol-relative link is read here as
//! the runtime will read it, so a link cannot pass the check as one origin and travel to
//! another. International (non-ASCII) host names are refused: the `idna_adapter` crate is
//! pinned to its ASCII-only 1.0 line in Cargo.lock (it keeps about 100 KB of Unicode tables
//! out of the wasm), so such a link ends a listing as `unsafe_link` instead of being mapped.

use crate::error::{ErrorKind, VomoError};
pub use url::Url;

/// Reads the client's `baseUrl`: http(s), no credentials, query or fragment, and `https`
/// unless the host is loopback. The result has no trailing slash on its path.
pub fn parse_base(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("baseUrl is not an http(s) URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("baseUrl is not an http(s) URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("baseUrl must not carry a user name or password".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("baseUrl must not have a query or fragment".into());
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "baseUrl must use https outside loopback (got {}); the token would travel in clear text",
            url.origin().ascii_serialization()
        ));
    }
    let mut url = url;
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// Loopback hosts, where plain `http` is allowed (the simulator, local tests).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// Resolves `link` (a pagination link or a redirect's `Location`) against the URL it came
/// from and accepts it only on `base`'s origin, without credentials. The returned URL is
/// the one to send.
pub fn same_origin(link: &str, from: &Url, base: &Url, what: &str) -> Result<Url, VomoError> {
    let target = from.join(link).map_err(|e| {
        VomoError::new(ErrorKind::UnsafeLink, format!("{what} is not a readable URL ({e}); not followed"))
    })?;
    let foreign = target.origin() != base.origin() || !matches!(target.scheme(), "http" | "https");
    if foreign || !target.username().is_empty() || target.password().is_some() {
        let why = if foreign { "points at another origin" } else { "carries a user name or password" };
        return Err(VomoError::new(
            ErrorKind::UnsafeLink,
            format!("{what} {why} ({}); not followed, and the token was not sent there", target.origin().ascii_serialization()),
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
    let mut url = base.clone();
    url.set_path(&format!("{}/{}", base.path().trim_end_matches('/'), path));
    if !params.is_empty() {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        url.set_query(Some(&query.join("&")));
    }
    url
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
        assert!(parse_base("https://user:pw@api.vomo.org/v1").is_err());
        assert!(parse_base("ftp://x/y").is_err());
        assert!(parse_base("/v1/users").is_err());
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

    #[test]
    fn queries_are_encoded() {
        let b = parse_base("https://a.example/v1").unwrap();
        let u = endpoint(&b, "users", &[("email_like", "a+b@c.org".into()), ("name_like", "Jo Ann".into())]);
        assert_eq!(u.as_str(), "https://a.example/v1/users?email_like=a%2Bb%40c.org&name_like=Jo%20Ann");
        assert_eq!(path_and_query("https://a.b/v1/users?page=2"), "/v1/users?page=2");
    }
}
