//! `UserPoller` and `importRoster` for JS.

use super::adapters::{JsHandlers, JsMapping, JsStore};
use super::client::{json_error, parse_json, parse_text_fields, shown, SharedClient, WasmClient};
use super::error::{to_js_error, to_json, JsResult};
use super::objects::to_js;
use super::runtime::{call_of, promise};
use crate::client::UpsertInput;
use crate::error::VomoError;
use crate::import::{self, ImportOptions, RosterRecord};
use crate::poller::{ParticipationMode, Poller, PollerConfig};
use crate::web::WebRuntime;
use js_sys::{Function, Promise};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PollerOptions {
    customer_id: String,
    participations: Option<String>,
    poll_interval_ms: Option<serde_json::Value>,
    max_attempts: Option<serde_json::Value>,
    retry_for_ms: Option<serde_json::Value>,
    retry_interval_ms: Option<serde_json::Value>,
    window_margin_ms: Option<serde_json::Value>,
    max_window_rows: Option<serde_json::Value>,
    max_consecutive_failures: Option<serde_json::Value>,
    max_dead_letters: Option<serde_json::Value>,
    previous_base_url: Option<serde_json::Value>,
}

/// An optional text option; anything else is `invalid_input` naming it (a URL that is not
/// text must not pass as absent).
/// A call's `onProgress` (the façade's contained wrapper, or none) as the core calls it: each
/// value as a JS object. What it throws is the wrapper's to contain.
fn progress_of<T: serde::Serialize>(on_progress: &Option<Function>) -> impl Fn(&T) + '_ {
    move |p| {
        if let (Some(f), Ok(value)) = (on_progress, to_js(p)) {
            let _ = f.call1(&JsValue::NULL, &value);
        }
    }
}

fn optional_text(value: Option<serde_json::Value>, name: &str) -> Result<Option<String>, JsValue> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(to_js_error(VomoError::invalid_input(format!("{name} must be a string (a URL; got {})", shown(&other))))),
    }
}

/// An optional whole number of at least `min`; anything else is `invalid_input` naming the
/// option. (The façade sends non-finite numbers as text, since JSON has no NaN.)
fn whole_value(value: Option<&serde_json::Value>, name: &str, min: f64) -> Result<Option<u64>, JsValue> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => whole(n.as_f64(), name, min),
        Some(other) => {
            Err(to_js_error(VomoError::invalid_input(format!("{name} must be a whole number of at least {min} (got {})", shown(other)))))
        }
    }
}

fn whole(value: Option<f64>, name: &str, min: f64) -> Result<Option<u64>, JsValue> {
    match value {
        None => Ok(None),
        Some(n) if n.is_finite() && n.fract() == 0.0 && n >= min && n <= crate::parse::MAX_SAFE_INTEGER as f64 => Ok(Some(n as u64)),
        Some(n) => Err(to_js_error(VomoError::invalid_input(format!(
            "{name} must be a whole number of at least {min} (got {})",
            crate::error::js_number(n)
        )))),
    }
}

#[wasm_bindgen]
pub struct WasmPoller {
    inner: Rc<Poller<WebRuntime, JsStore, JsHandlers>>,
}

#[wasm_bindgen]
impl WasmPoller {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: &WasmClient,
        options_json: &str,
        store_get: Function,
        store_set: Function,
        dispatch: Function,
        store_delete: Option<Function>,
        store_set_many: Option<Function>,
        store_set_if: Option<Function>,
        store_lease_holder: Option<Function>,
        store_lease_holder_gone: Option<Function>,
    ) -> JsResult<WasmPoller> {
        let o: PollerOptions = parse_json(options_json, "UserPoller")?;
        let owner = format!("poller-{:x}{:x}", (js_sys::Math::random() * 1e12) as u64, js_sys::Date::now() as u64);
        let mut config = PollerConfig::new(&o.customer_id, &owner);
        if let Some(mode) = o.participations.as_deref() {
            config.participations = ParticipationMode::parse(mode).ok_or_else(|| {
                let names: Vec<String> = ParticipationMode::ALL.iter().map(|m| format!("{:?}", m.name())).collect();
                to_js_error(VomoError::invalid_input(format!(
                    "UserPoller: participations must be {} or {} (got {mode:?})",
                    names[..names.len() - 1].join(", "),
                    names[names.len() - 1]
                )))
            })?;
        }
        if let Some(ms) = whole_value(o.poll_interval_ms.as_ref(), "UserPoller: pollIntervalMs", 1.0)? {
            config.poll_interval_ms = ms as f64;
        }
        if let Some(n) = whole_value(o.max_attempts.as_ref(), "UserPoller: maxAttempts", 1.0)? {
            config.max_attempts = n.min(u64::from(u32::MAX)) as u32;
        }
        if let Some(ms) = whole_value(o.retry_for_ms.as_ref(), "UserPoller: retryForMs", 0.0)? {
            config.retry_for_ms = ms as f64;
        }
        if let Some(ms) = whole_value(o.retry_interval_ms.as_ref(), "UserPoller: retryIntervalMs", 0.0)? {
            config.retry_interval_ms = ms as f64;
        }
        if let Some(n) = whole_value(o.window_margin_ms.as_ref(), "UserPoller: windowMarginMs", PollerConfig::MIN_WINDOW_MARGIN_MS as f64)?
        {
            config.window_margin_ms = n as i64;
        }
        if let Some(n) = whole_value(o.max_window_rows.as_ref(), "UserPoller: maxWindowRows", 1.0)? {
            config.max_window_rows = n;
        }
        if let Some(n) = whole_value(o.max_consecutive_failures.as_ref(), "UserPoller: maxConsecutiveFailures", 1.0)? {
            config.max_consecutive_failures = n.min(u64::from(u32::MAX)) as u32;
        }
        if let Some(n) = whole_value(o.max_dead_letters.as_ref(), "UserPoller: maxDeadLetters", 1.0)? {
            config.max_dead_letters = n as usize;
        }
        config.previous_base_url = optional_text(o.previous_base_url, "UserPoller: previousBaseUrl")?;
        let store =
            JsStore::new(store_get, store_set, store_delete, store_set_many, store_set_if, store_lease_holder, store_lease_holder_gone);
        let handlers = JsHandlers { dispatch };
        let poller = Poller::new(client.shared(), store, handlers, config).map_err(to_js_error)?;
        Ok(WasmPoller { inner: Rc::new(poller) })
    }

    /// `max_requests` comes as it was given: wasm-bindgen's `Option<f64>` would turn `"3"` into 3.
    pub fn poll(&self, max_requests: JsValue, signal: JsValue) -> Promise {
        let poller = self.inner.clone();
        let budget = budget_of(&max_requests, "poll", 0.0);
        promise(async move {
            let budget = budget?;
            let report = poller.poll(budget, &call_of(&signal).map_err(to_js_error)?).await.map_err(to_js_error)?;
            to_js(&report)
        })
    }

    /// `max_requests` as `poll`'s (at least 1 here); `resume` a stopped reconcile's.
    pub fn reconcile(&self, signal: JsValue, on_progress: Option<Function>, max_requests: JsValue, resume: JsValue) -> Promise {
        let poller = self.inner.clone();
        let budget = budget_of(&max_requests, "reconcile", 1.0);
        let resume = match resume.as_string() {
            _ if resume.is_undefined() || resume.is_null() => Ok(None),
            Some(text) => Ok(Some(text)),
            None => Err(to_js_error(VomoError::invalid_input("reconcile: resume must be the string a stopped reconcile returned"))),
        };
        promise(async move {
            let (max_requests, resume) = (budget?, resume?);
            let progress = progress_of::<crate::poller::ReconcileProgress>(&on_progress);
            let call = call_of(&signal).map_err(to_js_error)?;
            let options = crate::poller::ReconcileOptions { call: &call, max_requests, resume: resume.as_deref() };
            to_js(&poller.reconcile_with(&options, &progress).await.map_err(to_js_error)?)
        })
    }

    pub fn health(&self) -> JsResult<JsValue> {
        to_js(&self.inner.health())
    }

    #[wasm_bindgen(js_name = loadHealth)]
    pub fn load_health(&self) -> Promise {
        let poller = self.inner.clone();
        promise(async move { to_js(&poller.load_health().await.map_err(to_js_error)?) })
    }
}

/// `UserPoller.storedBaseUrl` (`name`: a customerId) and `importRoster.storedBaseUrl` (`name`:
/// an import's key, `of_import`): the store alone is read (its `set` is never called).
#[wasm_bindgen(js_name = storedBaseUrl)]
pub fn stored_base_url(of_import: bool, name: String, store_get: Function, store_set: Function) -> Promise {
    let store = JsStore::read_only(store_get, store_set);
    promise(async move {
        let api = if of_import {
            crate::import::stored_base_url(&store, &name).await
        } else {
            crate::poller::stored_base_url(&store, &name).await
        };
        Ok(api.map_err(to_js_error)?.map_or(JsValue::NULL, JsValue::from))
    })
}

/// `importRoster.forget({ store, key })` (`of_import`) and `UserPoller.forget({ store,
/// customerId })`: the stored progress or state removed under its lease.
#[wasm_bindgen(js_name = forgetStored)]
#[allow(clippy::too_many_arguments)]
pub fn forget_stored(
    of_import: bool,
    name: String,
    store_get: Function,
    store_set: Function,
    store_delete: Option<Function>,
    store_set_if: Option<Function>,
    store_lease_holder: Option<Function>,
    store_lease_holder_gone: Option<Function>,
) -> Promise {
    let store = JsStore::new(store_get, store_set, store_delete, None, store_set_if, store_lease_holder, store_lease_holder_gone);
    promise(async move {
        let now = js_sys::Date::now();
        // Unique to this forget: two at once (in one millisecond) must not share the lease.
        let nonce = format!("{:x}{:x}", (js_sys::Math::random() * 1e12) as u64, now as u64);
        let forgot = if of_import {
            import::forget_import(&store, &name, &nonce, now).await
        } else {
            crate::poller::forget_state(&store, &name, &nonce, now).await
        };
        Ok(JsValue::from_bool(forgot.map_err(to_js_error)?))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportOptionsJson {
    key: Option<serde_json::Value>,
    checkpoint_every: Option<serde_json::Value>,
    max_consecutive_failures: Option<serde_json::Value>,
    previous_base_url: Option<serde_json::Value>,
    mapping_lease: Option<serde_json::Value>,
    has_store: bool,
    has_mapping: bool,
}

/// `importRoster(client, records, options)`; the store and mapping come as functions.
#[wasm_bindgen(js_name = importRoster)]
#[allow(clippy::too_many_arguments)]
pub fn import_roster(
    client: &WasmClient,
    records_json: &str,
    options_json: &str,
    store_get: Function,
    store_set: Function,
    mapping_get: Function,
    mapping_set: Function,
    on_progress: Option<Function>,
    signal: JsValue,
    store_delete: Option<Function>,
    store_set_many: Option<Function>,
    store_set_if: Option<Function>,
    store_lease_holder: Option<Function>,
    store_lease_holder_gone: Option<Function>,
) -> Promise {
    let client: SharedClient = client.shared();
    let records = roster_records(records_json);
    let options = import_options(options_json);
    promise(async move {
        let (records, o) = (records?, options?);
        let store =
            JsStore::new(store_get, store_set, store_delete, store_set_many, store_set_if, store_lease_holder, store_lease_holder_gone);
        let call = call_of(&signal).map_err(to_js_error)?;
        let mapping = JsMapping { get: mapping_get, set: mapping_set, signal: call.signal().cloned() };
        let opts = ImportOptions {
            store: o.has_store.then_some(&store),
            key: o.key,
            checkpoint_every: o.checkpoint_every,
            max_consecutive_failures: o.max_consecutive_failures,
            mapping: o.has_mapping.then_some(&mapping),
            mapping_lease: o.mapping_lease,
            previous_base_url: o.previous_base_url,
        };
        let progress = progress_of::<import::Progress>(&on_progress);
        let result = import::import_roster(&client, &records, &opts, &progress, &call).await.map_err(to_js_error)?;
        Ok(JsValue::from_str(&to_json(&result)?))
    })
}

/// The import's options as checked: everything of [`ImportOptions`] but the store and
/// mapping objects, which stay JS functions.
struct CheckedImportOptions {
    key: Option<String>,
    checkpoint_every: usize,
    max_consecutive_failures: usize,
    previous_base_url: Option<String>,
    mapping_lease: bool,
    has_store: bool,
    has_mapping: bool,
}

/// The import's options, each checked by name: the key text, `checkpointEvery` and
/// `maxConsecutiveFailures` whole numbers of at least 1 (the façade sends NaN and the
/// infinities as text).
fn import_options(json: &str) -> Result<CheckedImportOptions, JsValue> {
    let o: ImportOptionsJson = parse_json(json, "importRoster: options")?;
    let key = match o.key {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(k)) => Some(k),
        Some(other) => return Err(to_js_error(VomoError::invalid_input(format!("importRoster: key must be a string (got {other})")))),
    };
    let every = whole_value(o.checkpoint_every.as_ref(), "importRoster: checkpointEvery", 1.0)?;
    let failures = whole_value(o.max_consecutive_failures.as_ref(), "importRoster: maxConsecutiveFailures", 1.0)?;
    let mapping_lease = match o.mapping_lease {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::Bool(b)) => b,
        Some(other) => {
            return Err(to_js_error(VomoError::invalid_input(format!("importRoster: mappingLease must be true or false (got {other})"))))
        }
    };
    Ok(CheckedImportOptions {
        key,
        previous_base_url: optional_text(o.previous_base_url, "importRoster: previousBaseUrl")?,
        checkpoint_every: every.map_or(import::DEFAULT_CHECKPOINT_EVERY, |n| n as usize),
        max_consecutive_failures: failures.map_or(import::DEFAULT_MAX_CONSECUTIVE_FAILURES, |n| n as usize),
        mapping_lease,
        has_store: o.has_store,
        has_mapping: o.has_mapping,
    })
}

/// The records, each read on its own so that an error names its index: all of them are
/// read before anything is sent.
fn roster_records(json: &str) -> Result<Vec<RosterRecord>, JsValue> {
    let raw: Vec<&serde_json::value::RawValue> = serde_json::from_str(json)
        .map_err(|e| to_js_error(VomoError::invalid_input(format!("importRoster: records: {}", json_error(&e)))))?;
    raw.iter().enumerate().map(|(i, r)| parse_text_fields(r.get(), &format!("importRoster: records[{i}]"))).collect()
}

#[wasm_bindgen(js_name = findOrCreateUser)]
pub fn find_or_create_user(client: &WasmClient, email: String, defaults_json: &str, signal: JsValue) -> Promise {
    let client = client.shared();
    let defaults: Result<UpsertInput, JsValue> = parse_text_fields(defaults_json, "findOrCreateUser: defaults");
    promise(async move {
        let (user, created) =
            import::find_or_create_user(&client, &email, &defaults?, &call_of(&signal).map_err(to_js_error)?).await.map_err(to_js_error)?;
        #[derive(serde::Serialize)]
        struct Out {
            user: crate::model::User,
            created: bool,
        }
        Ok(JsValue::from_str(&to_json(&Out { user, created })?))
    })
}

/// A `maxRequests` option as it was given (wasm-bindgen's `Option<f64>` would turn `"3"` into
/// 3): none, or a whole number of at least `least`.
fn budget_of(max_requests: &JsValue, who: &str, least: f64) -> Result<Option<u64>, JsValue> {
    match max_requests.as_f64() {
        _ if max_requests.is_undefined() || max_requests.is_null() => Ok(None),
        Some(n) => whole(Some(n), &format!("{who}: maxRequests"), least),
        None => Err(to_js_error(VomoError::invalid_input(format!(
            "{who}: maxRequests must be a whole number of at least {least} (got {})",
            max_requests.as_string().map_or_else(|| max_requests.js_typeof().as_string().unwrap_or_default(), |s| format!("{s:?}"))
        )))),
    }
}
