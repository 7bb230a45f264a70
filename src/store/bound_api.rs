//! Which VOMO API a stored state belongs to. A poller's checkpoint and known ids, and an
//! import's settled records, are facts about one API: used against another (a staging API,
//! then production; the simulator, then the real one), a poll would go on from the other's
//! checkpoint and never deliver this API's changes before it, and an import would report
//! records settled that this API never received. So each state records the base URL it was
//! written for (the client's checked `baseUrl`), and a state of another API is refused
//! before anything is sent or written. State written before this binding existed belongs to
//! the first API that uses it. `previous` names an API whose state may be taken over, for
//! one VOMO organization at a new address: its state is rebound, checkpoint and all.

/// What to do with a state whose recorded API is `bound`, for a client of `current`.
#[derive(Debug, PartialEq, Eq)]
pub enum Binding {
    /// Bound to `current` already.
    Same,
    /// Not bound yet, or bound to `previous`: record `current` at the next save.
    Rebind,
}

/// `Err(bound)`: the state is another API's, and `previous` does not name it.
pub fn check(bound: Option<&str>, current: &str, previous: Option<&str>) -> Result<Binding, String> {
    match bound {
        Some(b) if b == current => Ok(Binding::Same),
        None => Ok(Binding::Rebind),
        Some(b) if Some(b) == previous => Ok(Binding::Rebind),
        Some(b) => Err(b.to_string()),
    }
}

/// A `previousBaseUrl` option as the client checks and writes a `baseUrl`, so that it compares
/// equal to what a state of that API recorded.
pub fn checked_previous(text: &str, who: &str) -> crate::error::Result<String> {
    crate::client::url::parse_base(text)
        .map(|u| u.as_str().to_string())
        .map_err(|m| crate::error::VomoError::invalid_input(format!("{who}: previousBaseUrl: {}", m.replacen("baseUrl ", "", 1))))
}

/// The advice every refusal ends with.
pub fn advice(what: &str, bound: &str) -> String {
    format!(
        "use another {what} for this API; if it is the same VOMO organization at a new address, pass previousBaseUrl: \"{bound}\" to take the state over"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_checks_and_moves() {
        let (a, b) = ("https://a.example/v1", "https://b.example/v1");
        assert_eq!(check(None, a, None), Ok(Binding::Rebind));
        assert_eq!(check(Some(a), a, None), Ok(Binding::Same));
        assert_eq!(check(Some(a), a, Some(b)), Ok(Binding::Same));
        assert_eq!(check(Some(a), b, None), Err(a.to_string()));
        assert_eq!(check(Some(a), b, Some("https://c.example/v1")), Err(a.to_string()));
        assert_eq!(check(Some(a), b, Some(a)), Ok(Binding::Rebind));
    }
}
