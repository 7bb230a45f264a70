//! Retry policy: which outcomes retry, the backoff between attempts and `Retry-After`.

/// Backoff before re-send number `attempt` (1-based): capped exponential with jitter in
/// [50%, 100%] of the step, so that many clients do not retry in lockstep.
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let step = (BASE_BACKOFF_MS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32)).min(MAX_BACKOFF_MS);
    step * (0.5 + 0.5 * random.clamp(0.0, 1.0))
}

pub const BASE_BACKOFF_MS: f64 = 250.0;
pub const MAX_BACKOFF_MS: f64 = 20_000.0;

/// Reads `Retry-After` as delta seconds or an HTTP date. HTTP dates are measured against
/// the response's own `Date` header when present (the server's clock), else `now_ms`.
pub fn retry_after_ms(value: &str, date_header: Option<&str>, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then_some(secs * 1000.0);
    }
    let at = http_date_ms(v)?;
    let reference = date_header.and_then(http_date_ms).unwrap_or(now_ms);
    Some((at - reference).max(0.0))
}

/// Parses an IMF-fixdate: `Wed, 21 Oct 2015 07:28:00 GMT`.
pub fn http_date_ms(text: &str) -> Option<f64> {
    let rest = text.trim().split_once(", ").map(|(_, r)| r)?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let iso = format!("{year}-{month:02}-{day:0>2}T{time}Z");
    crate::time::Timestamp::parse(&iso).map(|t| t.0 as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1, 1.0), 250.0);
        assert_eq!(backoff_ms(3, 1.0), 1000.0);
        assert_eq!(backoff_ms(30, 1.0), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(1, 0.0), 125.0);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates_against_the_server_clock() {
        assert_eq!(retry_after_ms("3", None, 0.0), Some(3000.0));
        assert_eq!(retry_after_ms("-1", None, 0.0), None);
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let later = "Wed, 21 Oct 2015 07:28:05 GMT";
        assert_eq!(retry_after_ms(later, Some(date), 9e15), Some(5000.0));
        assert_eq!(http_date_ms(date), Some(1_445_412_480_000.0));
        assert_eq!(retry_after_ms("soon", None, 0.0), None);
    }
}
