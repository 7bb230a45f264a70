//! `policy()`: the rules the JS façade and the docs would otherwise copy (error kinds and
//! which retry, filter and upsert field names, option defaults, the package version),
//! computed from the core's own types and constants so that JS cannot disagree with Rust.
//! Plain serde structs written straight to text (a `serde_json::Value` tree cost 12 KB of
//! wasm).

use super::error::{to_json, JsResult};
use crate::client::{ClientConfig, Filters, Rate, UpsertInput, MAX_RETRIES_LIMIT};
use crate::error::ErrorKind;
use crate::import::{DEFAULT_CHECKPOINT_EVERY, DEFAULT_MAX_CONSECUTIVE_FAILURES};
use crate::poller::{ParticipationMode, PollerConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Policy {
    version: &'static str,
    error_kinds: Vec<&'static str>,
    retryable_kinds: Vec<&'static str>,
    filter_keys: Vec<String>,
    date_filter_keys: [&'static str; 4],
    upsert_fields: Vec<String>,
    client: ClientDefaults,
    poller: PollerDefaults,
    import: ImportDefaults,
}

#[derive(Serialize)]
#[serde(untagged)]
enum RateDefault {
    Fixed(f64),
    Auto(&'static str),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientDefaults {
    base_url: String,
    requests_per_second: RateDefault,
    max_retries: u32,
    max_retries_limit: u32,
    max_retry_after_ms: f64,
    timeout_ms: f64,
    max_response_bytes: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PollerDefaults {
    participations: &'static str,
    participation_modes: Vec<&'static str>,
    poll_interval_ms: f64,
    max_attempts: u32,
    retry_for_ms: f64,
    retry_interval_ms: f64,
    window_margin_ms: i64,
    max_window_rows: u64,
    max_consecutive_failures: u32,
    max_dead_letters: usize,
    /// The smallest `maxRequests` a poll can make progress with, per mode.
    least_max_requests: BTreeMap<&'static str, u64>,
    /// How long a poll's lease lasts without renewal: one left by a process that died
    /// expires after at most this.
    lease_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportDefaults {
    checkpoint_every: usize,
    max_consecutive_failures: usize,
}

/// The serde (JS) names of a struct's fields: exact by construction.
fn field_names<T: Serialize + Default>() -> Vec<String> {
    serde_json::to_string(&T::default())
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).ok())
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

fn policy_value() -> Policy {
    let client = ClientConfig::new("");
    let poller = PollerConfig::new("", "");
    let kinds = ErrorKind::all();
    Policy {
        version: env!("CARGO_PKG_VERSION"),
        error_kinds: kinds.iter().map(|k| k.as_str()).collect(),
        retryable_kinds: kinds.iter().filter(|k| k.is_retryable()).map(|k| k.as_str()).collect(),
        filter_keys: field_names::<Filters>(),
        date_filter_keys: Filters::DATE_KEYS,
        upsert_fields: field_names::<UpsertInput>(),
        client: ClientDefaults {
            base_url: client.base_url,
            requests_per_second: match client.rate {
                Rate::Fixed(r) => RateDefault::Fixed(r),
                Rate::Auto => RateDefault::Auto("auto"),
            },
            max_retries: client.max_retries,
            max_retries_limit: MAX_RETRIES_LIMIT,
            max_retry_after_ms: client.max_retry_after_ms,
            timeout_ms: client.timeout_ms,
            max_response_bytes: client.max_response_bytes,
        },
        poller: PollerDefaults {
            participations: poller.participations.name(),
            participation_modes: ParticipationMode::ALL.iter().map(|m| m.name()).collect(),
            poll_interval_ms: poller.poll_interval_ms,
            max_attempts: poller.max_attempts,
            retry_for_ms: poller.retry_for_ms,
            retry_interval_ms: poller.retry_interval_ms,
            window_margin_ms: poller.window_margin_ms,
            max_window_rows: poller.max_window_rows,
            max_consecutive_failures: poller.max_consecutive_failures,
            max_dead_letters: poller.max_dead_letters,
            least_max_requests: ParticipationMode::ALL.iter().map(|m| (m.name(), m.least_max_requests().0)).collect(),
            lease_ms: crate::store::lease::LEASE_MS,
        },
        import: ImportDefaults { checkpoint_every: DEFAULT_CHECKPOINT_EVERY, max_consecutive_failures: DEFAULT_MAX_CONSECUTIVE_FAILURES },
    }
}

/// The policy as JSON text; the façade parses it once.
#[wasm_bindgen]
pub fn policy() -> JsResult<String> {
    to_json(&policy_value())
}
