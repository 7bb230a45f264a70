//! Just enough URL handling for the client: origins, same-origin checks and query strings.

/// `scheme://host[:port]`, lower-cased, with the scheme's default port dropped.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h).to_ascii_lowercase();
    if host_port.is_empty() {
        return None;
    }
    let default = if scheme == "https" { ":443" } else { ":80" };
    let host_port = host_port.strip_suffix(default).unwrap_or(&host_port);
    Some(format!("{scheme}://{host_port}"))
}

/// The host of an origin, without port or brackets.
pub fn host(origin: &str) -> &str {
    let hp = origin.split_once("://").map_or(origin, |(_, r)| r);
    if let Some(rest) = hp.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    hp.rsplit_once(':').map_or(hp, |(h, _)| h)
}

/// Loopback hosts, where plain `http` is allowed (the simulator, local tests).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// Resolves a link against the base origin: absolute links stay as they are, `/path`
/// links get the base's origin.
pub fn resolve(link: &str, base_origin: &str) -> String {
    if link.starts_with('/') && !link.starts_with("//") {
        format!("{base_origin}{link}")
    } else {
        link.to_string()
    }
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

/// `base + path + ?k=v&...` for the given parameters.
pub fn with_query(base: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return base.to_string();
    }
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
    format!("{base}?{}", query.join("&"))
}

/// The path and query of a URL, for messages (never the host's credentials).
pub fn path_and_query(url: &str) -> &str {
    url.split_once("://").and_then(|(_, r)| r.find('/').map(|i| &r[i..])).unwrap_or("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalize_case_and_default_ports() {
        assert_eq!(origin("HTTPS://API.vomo.org:443/v1/users?page=2").as_deref(), Some("https://api.vomo.org"));
        assert_eq!(origin("http://127.0.0.1:4010/v1").as_deref(), Some("http://127.0.0.1:4010"));
        assert_eq!(origin("http://user:pw@evil.example/v1").as_deref(), Some("http://evil.example"));
        assert_eq!(origin("ftp://x/y"), None);
        assert_eq!(origin("/v1/users"), None);
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback(host("http://127.0.0.1:4010")));
        assert!(is_loopback(host("http://[::1]:80")));
        assert!(is_loopback(host("http://localhost")));
        assert!(!is_loopback(host("http://10.0.0.1")));
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(
            with_query("https://a/v1/users", &[("email_like", "a+b@c.org".into()), ("name_like", "Jo Ann".into())]),
            "https://a/v1/users?email_like=a%2Bb%40c.org&name_like=Jo%20Ann"
        );
        assert_eq!(path_and_query("https://a.b/v1/users?page=2"), "/v1/users?page=2");
    }
}
