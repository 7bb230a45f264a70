//! `VomoClient` for JS: options in, JSON text out. The façade adds the async iterators.

use super::error::{to_js_error, to_json, JsResult};
use super::objects::to_js;
use super::runtime::{call_of, promise, web_runtime};
use crate::client::{bad_max_response_bytes, CallLimits, Client, ClientConfig, Filters, PageWalk, Rate, UpsertInput};
use crate::error::VomoError;
use crate::web::WebRuntime;
use js_sys::{Function, Promise};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub type SharedClient = Rc<Client<WebRuntime>>;

/// `result`, counted in the client's `stats().errors` when it is an error found here, before
/// the core saw the call (which counts its own: `Client::fail`).
fn refused<T>(client: &Client<WebRuntime>, result: Result<T, JsValue>) -> Result<T, JsValue> {
    if result.is_err() {
        client.count_refused();
    }
    result
}

/// `getUser`'s id as the core takes it: a whole number, and one that names one integer.
fn safe_id(id: f64) -> Result<i64, JsValue> {
    if !(id.is_finite() && id.fract() == 0.0) {
        return Err(invalid(format!("getUser: id must be an integer (got {})", crate::error::js_number(id))));
    }
    // Past 2^53 a number no longer names one integer: the id asked for may not be the one
    // that would be sent. `parse`, as every id past 2^53 is (issue 9).
    if id.abs() > crate::parse::MAX_SAFE_INTEGER as f64 {
        return Err(to_js_error(VomoError::parse(
            "getUser: id",
            format_args!("not a safe integer id (got {})", crate::error::js_number(id)),
        )));
    }
    Ok(id as i64)
}

/// The call's options (`call_of`), counted as [`refused`] when they cannot be read.
fn call_for(client: &Client<WebRuntime>, signal: &JsValue) -> Result<crate::web::WebCall, JsValue> {
    refused(client, call_of(signal).map_err(to_js_error))
}

fn invalid(what: String) -> JsValue {
    to_js_error(VomoError::invalid_input(what))
}

/// An option's value as the caller wrote it, for a message: the façade sends NaN and the
/// infinities as text (`optionsJson`, never JSON's null), shown here without quotes.
pub fn shown(value: &Value) -> String {
    match value {
        Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => s.clone(),
        other => other.to_string(),
    }
}

/// Reads the client options JSON (everything but `fetch` and `onWarning`).
fn config_from_json(options: &str) -> Result<ClientConfig, JsValue> {
    let v: Value = serde_json::from_str(options).map_err(|e| invalid(format!("VomoClient: options: {e}")))?;
    let token = v.get("token").and_then(Value::as_str).unwrap_or_default();
    let mut config = ClientConfig::new(token);
    let not_a_number = |key: &str, wanted: &str, got: &Value| invalid(format!("VomoClient: {key} must be {wanted} (got {})", shown(got)));
    let number = |key: &str| -> Result<Option<f64>, JsValue> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n.as_f64().map(Some).ok_or_else(|| not_a_number(key, "a finite number", n)),
        }
    };
    // A baseUrl that is not text must not fall back to the default: the token would go there.
    match v.get("baseUrl") {
        None | Some(Value::Null) => {}
        Some(Value::String(base)) => config.base_url = base.clone(),
        Some(_) => return Err(invalid("VomoClient: baseUrl must be a string (a URL)".into())),
    }
    if !matches!(v.get("token"), None | Some(Value::Null) | Some(Value::String(_))) {
        return Err(invalid("VomoClient: token must be a string".into()));
    }
    match v.get("requestsPerSecond") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "auto" => config.rate = Rate::Auto,
        Some(n) => {
            config.rate = Rate::Fixed(n.as_f64().ok_or_else(|| not_a_number("requestsPerSecond", "a finite number or \"auto\"", n))?)
        }
    }
    if let Some(n) = CallLimits::check(None, number("maxRetries")?, "VomoClient").map_err(to_js_error)?.max_retries {
        config.max_retries = n;
    }
    if let Some(n) = number("maxRetryAfterMs")? {
        config.max_retry_after_ms = n;
    }
    if let Some(n) = number("timeoutMs")? {
        config.timeout_ms = n;
    }
    if let Some(n) = number("maxResponseBytes")? {
        // A byte count: 1.5 would read as "2 bytes" in messages and cut at 1.
        if !(n >= 1.0 && n.fract() == 0.0) {
            return Err(to_js_error(bad_max_response_bytes()));
        }
        config.max_response_bytes = n as u64; // saturating: a cap of 1e300 bytes is no cap
    }
    Ok(config)
}

#[wasm_bindgen]
pub struct WasmClient {
    inner: SharedClient,
}

pub fn parse_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, JsValue> {
    serde_json::from_str(json).map_err(|e| invalid(format!("{what}: {}", json_error(&e))))
}

/// `parse_json` for the upsert fields and roster records, whose fields all take text: when
/// serde refuses a value (its message does not say whose), the first field holding neither
/// text nor null is named instead. (serde_path_to_error would name it for every type, but
/// added 11 KiB gzip to the wasm: measured 2026-12-03.)
pub fn parse_text_fields<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, JsValue> {
    serde_json::from_str(json).map_err(|e| {
        let wrong = serde_json::from_str::<serde_json::Map<String, Value>>(json).ok().and_then(|fields| {
            fields.into_iter().find(|(key, value)| match key.as_str() {
                "line" => !(value.is_u64() || value.is_null()),
                _ => !(value.is_string() || value.is_null()),
            })
        });
        let wrong_value = e.classify() == serde_json::error::Category::Data && !e.to_string().starts_with("unknown field");
        match wrong {
            Some((key, _)) if key == "line" && wrong_value => {
                invalid(format!("{what}: line must be a line number (parseRosterCsv's) or null"))
            }
            Some((key, value)) if wrong_value => {
                let got = match value {
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                invalid(format!("{what}: {key} must be a string or null (got {got})"))
            }
            _ => invalid(format!("{what}: {}", json_error(&e))),
        }
    })
}

/// serde_json's message, less its position where the JSON was the façade's own
/// `JSON.stringify` of the caller's object (a wrong field or value, not a syntax slip).
pub fn json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match e.classify() {
        serde_json::error::Category::Data => message.split(" at line ").next().unwrap_or_default().to_string(),
        _ => message,
    }
}

#[wasm_bindgen]
impl WasmClient {
    #[wasm_bindgen(constructor)]
    pub fn new(
        options: &str,
        fetch: Option<Function>,
        user_agent: Option<String>,
        on_warning: Option<Function>,
        on_log: Option<Function>,
    ) -> JsResult<WasmClient> {
        let config = config_from_json(options)?;
        let runtime = web_runtime(fetch, user_agent, on_warning, on_log);
        let inner = Client::new(config, runtime).map_err(to_js_error)?;
        Ok(WasmClient { inner: Rc::new(inner) })
    }

    #[wasm_bindgen(js_name = startListing)]
    pub fn start_listing(&self, filters_json: &str) -> JsResult<WasmListing> {
        let filters: Filters = refused(&self.inner, parse_json(filters_json, "filters"))?;
        let walk = self.inner.start_listing(&filters).map_err(to_js_error)?;
        Ok(WasmListing { client: self.inner.clone(), walk: Rc::new(RefCell::new(Some(walk))) })
    }

    #[wasm_bindgen(js_name = listAllUsers)]
    pub fn list_all_users(&self, filters_json: &str, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        let filters: Result<Filters, JsValue> = refused(&client, parse_json(filters_json, "filters"));
        promise(async move {
            let users = client.list_all(&filters?, &call_for(&client, &signal)?).await.map_err(to_js_error)?;
            Ok(JsValue::from_str(&to_json(&users)?))
        })
    }

    #[wasm_bindgen(js_name = getUser)]
    pub fn get_user(&self, id: f64, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        let id = refused(&client, safe_id(id));
        promise(async move {
            match client.get_user(id?, &call_for(&client, &signal)?).await.map_err(to_js_error)? {
                Some(detail) => Ok(JsValue::from_str(&to_json(&detail)?)),
                None => Ok(JsValue::NULL),
            }
        })
    }

    #[wasm_bindgen(js_name = upsertUser)]
    pub fn upsert_user(&self, input_json: &str, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        let input: Result<UpsertInput, JsValue> = refused(&client, parse_text_fields(input_json, "upsertUser"));
        promise(async move {
            let outcome = client.upsert_user(&input?, &call_for(&client, &signal)?).await.map_err(to_js_error)?;
            Ok(JsValue::from_str(&to_json(&outcome)?))
        })
    }

    #[wasm_bindgen(js_name = findUserByEmail)]
    pub fn find_user_by_email(&self, email: String, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(async move {
            match client.find_user_by_email(&email, &call_for(&client, &signal)?).await.map_err(to_js_error)? {
                Some(user) => Ok(JsValue::from_str(&to_json(&user)?)),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// The base URL as the client checked it (no trailing slash on its path but a bare origin's): where requests
    /// go, and what a poller's state and an import's progress record (`store::bound_api`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().as_str().to_string()
    }

    pub fn stats(&self) -> JsResult<JsValue> {
        to_js(&self.inner.stats())
    }

    /// Counts a call the façade refused before it reached here (see [`refused`]).
    #[wasm_bindgen(js_name = countRefused)]
    pub fn count_refused(&self) {
        self.inner.count_refused();
    }

    #[wasm_bindgen(js_name = currentRate)]
    pub fn current_rate(&self) -> f64 {
        self.inner.current_rps()
    }
}

/// One listing in progress; `next()` resolves to the next page's JSON or `null`.
#[wasm_bindgen]
pub struct WasmListing {
    client: SharedClient,
    walk: Rc<RefCell<Option<PageWalk>>>,
}

#[wasm_bindgen]
impl WasmListing {
    pub fn next(&self, signal: JsValue) -> Promise {
        let client = self.client.clone();
        let slot = self.walk.clone();
        promise(async move {
            let Some(mut walk) = slot.borrow_mut().take() else {
                return refused(&client, Err(invalid("listUsers: the previous page is still being fetched; await it first".into())));
            };
            let result = match call_of(&signal) {
                Ok(call) => client.next_page_json(&mut walk, &call).await,
                Err(e) => Err(client.fail(e)),
            };
            *slot.borrow_mut() = Some(if result.is_err() { PageWalk::finished(client.base_url().clone()) } else { walk });
            match result.map_err(to_js_error)? {
                Some(page) => Ok(JsValue::from_str(&page.into_json().map_err(to_js_error)?)),
                None => Ok(JsValue::NULL),
            }
        })
    }
}

impl WasmClient {
    pub fn shared(&self) -> SharedClient {
        self.inner.clone()
    }
}
