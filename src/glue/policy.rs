//! `policy()`: the rules the JS façade and the docs would otherwise copy (error kinds and
//! which retry, filter names, option defaults, the package version), computed from the
//! core's own types and constants so that JS cannot disagree with Rust.

use super::error::{to_json, JsResult};
use crate::client::{ClientConfig, Filters, Rate, UpsertInput, MAX_RETRIES_LIMIT};
use crate::error::ErrorKind;
use crate::import::DEFAULT_CHECKPOINT_EVERY;
use crate::poller::{ParticipationMode, PollerConfig};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// The participation modes by their JS names; only names that parse back are listed.
const MODE_NAMES: [&str; 3] = ["off", "changed-users", "full-scan"];

fn mode_name(mode: ParticipationMode) -> &'static str {
    MODE_NAMES.iter().copied().find(|n| ParticipationMode::parse(n) == Some(mode)).unwrap_or("off")
}

/// The serde (JS) names of a struct's fields: exact by construction.
fn field_names<T: serde::Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

pub fn policy_value() -> Value {
    let client = ClientConfig::new("");
    let poller = PollerConfig::new("", "");
    let kinds = ErrorKind::all();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "errorKinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "retryableKinds": kinds.iter().filter(|k| k.is_retryable()).map(|k| k.as_str()).collect::<Vec<_>>(),
        "filterKeys": field_names::<Filters>(),
        "upsertFields": field_names::<UpsertInput>(),
        "client": {
            "baseUrl": client.base_url,
            "requestsPerSecond": match client.rate { Rate::Fixed(r) => json!(r), Rate::Auto => json!("auto") },
            "maxRetries": client.max_retries,
            "maxRetriesLimit": MAX_RETRIES_LIMIT,
            "maxRetryAfterMs": client.max_retry_after_ms,
            "timeoutMs": client.timeout_ms,
        },
        "poller": {
            "participations": mode_name(poller.participations),
            "participationModes": MODE_NAMES.iter().filter(|n| ParticipationMode::parse(n).is_some()).collect::<Vec<_>>(),
            "pollIntervalMs": poller.poll_interval_ms,
            "maxAttempts": poller.max_attempts,
            "windowMarginMs": poller.window_margin_ms,
            "maxWindowRows": poller.max_window_rows,
        },
        "import": { "checkpointEvery": DEFAULT_CHECKPOINT_EVERY },
    })
}

/// The policy as JSON text; the façade parses it once.
#[wasm_bindgen]
pub fn policy() -> JsResult<String> {
    to_json(&policy_value())
}
