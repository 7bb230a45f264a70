//! JS objects behind the core's traits: a store, the poller's event dispatcher and the
//! import's mapping. Each JS call may return a value or a promise.

use super::runtime::{describe_js, settle};
use crate::error::{ErrorKind, Result, VomoError};
use crate::import::{MappedUser, Mapping};
use crate::poller::{Event, HandlerFailure, Handlers};
use crate::store::Store;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

fn js_failure(what: &str, e: JsValue) -> VomoError {
    // A VomoError thrown by JS code keeps its kind; anything else is a store fault. What was
    // thrown comes back to JS as the error's `cause` (super::error::to_js_error).
    let kind = Reflect::get(&e, &JsValue::from_str("kind")).ok().and_then(|k| k.as_string()).and_then(|k| ErrorKind::from_name(&k));
    let mut error = VomoError::new(kind.unwrap_or(ErrorKind::Network), format!("{what} failed: {}", describe_js(&e)));
    error.host_error = Some(super::error::keep_thrown(e));
    error
}

fn invoke(f: &Function, args: &[&JsValue]) -> std::result::Result<JsValue, JsValue> {
    match args {
        [a] => f.call1(&JsValue::NULL, a),
        [a, b] => f.call2(&JsValue::NULL, a, b),
        [a, b, c] => f.call3(&JsValue::NULL, a, b, c),
        _ => f.call0(&JsValue::NULL),
    }
}

async fn call(f: &Function, what: &str, args: &[&JsValue]) -> Result<JsValue> {
    match invoke(f, args) {
        Ok(v) => settle(v).await.map_err(|e| js_failure(what, e)),
        Err(e) => Err(js_failure(what, e)),
    }
}

/// [`call`], waited for only until `signal` fires: a call that hangs (a database that stopped
/// answering) then ends the run with `aborted` instead of keeping it, and the leases it
/// holds, until the call returns. The call itself may still finish later: what it writes is
/// what a run cut short at that point leaves.
async fn call_until(f: &Function, what: &str, args: &[&JsValue], signal: Option<&AbortSignal>) -> Result<JsValue> {
    let Some(signal) = signal else { return call(f, what, args).await };
    let aborted = || VomoError::new(ErrorKind::Aborted, format!("{what}: aborted (not waited for)"));
    if signal.aborted() {
        return Err(aborted());
    }
    let v = invoke(f, args).map_err(|e| js_failure(what, e))?;
    let wait = crate::web::AbortWait::new(signal);
    match wait.until().settle(&v).await {
        Ok(v) => Ok(v),
        Err(_) if signal.aborted() => Err(aborted()),
        Err(e) => Err(js_failure(what, e)),
    }
}

/// `{ get(key), set(key, value) }` as two functions, plus the store's optional `delete(key)`,
/// `setMany(entries)` (all entries or none, at most [`BATCH_LIMIT`] per call) and
/// `setIf(key, expected, value)` (compare-and-set: true when it wrote), `leaseHolder()` and
/// `leaseHolderGone(holder)` (`Store::lease_holder`, `Store::lease_holder_gone`).
pub struct JsStore {
    pub get: Function,
    pub set: Function,
    pub delete: Option<Function>,
    pub set_many: Option<Function>,
    pub set_if: Option<Function>,
    pub lease_holder: Option<Function>,
    pub lease_holder_gone: Option<Function>,
}

impl JsStore {
    /// The store's two functions and its optional ones, as the façade hands them over.
    pub fn new(
        get: Function,
        set: Function,
        delete: Option<Function>,
        set_many: Option<Function>,
        set_if: Option<Function>,
        lease_holder: Option<Function>,
        lease_holder_gone: Option<Function>,
    ) -> JsStore {
        JsStore { get, set, delete, set_many, set_if, lease_holder, lease_holder_gone }
    }

    /// A store of which only `get` is called (and `set` handed over): no optional method.
    pub fn read_only(get: Function, set: Function) -> JsStore {
        JsStore { get, set, delete: None, set_many: None, set_if: None, lease_holder: None, lease_holder_gone: None }
    }
}

/// Durable Object storage `put(object)` takes at most 128 keys at once.
pub const BATCH_LIMIT: usize = 128;

impl Store for JsStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let v = call(&self.get, &format!("store.get({key:?})"), &[&JsValue::from_str(key)]).await?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        v.as_string().map(Some).ok_or_else(|| {
            // What came back, and the usual reason: a client that gives bytes, or one that
            // parses JSON values itself (KV's `get(key, "json")`).
            let got = if v.is_instance_of::<js_sys::Uint8Array>() || v.is_instance_of::<js_sys::ArrayBuffer>() {
                "bytes: return them decoded as UTF-8 text"
            } else if v.is_object() {
                "an object: return the text exactly as it was set (a store that parses JSON itself changes it)"
            } else {
                "neither text nor null"
            };
            VomoError::invalid_input(format!("store.get({key:?}) returned {got}"))
        })
    }

    async fn set(&self, key: &str, value: &str) -> Result<()> {
        call(&self.set, &format!("store.set({key:?})"), &[&JsValue::from_str(key), &JsValue::from_str(value)]).await.map(|_| ())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        match &self.delete {
            Some(f) => call(f, &format!("store.delete({key:?})"), &[&JsValue::from_str(key)]).await.map(|_| ()),
            None => Ok(()),
        }
    }

    async fn set_if(&self, key: &str, expected: Option<&str>, value: &str) -> Result<Option<bool>> {
        let Some(f) = &self.set_if else { return Ok(None) };
        let expected = expected.map_or(JsValue::NULL, JsValue::from_str);
        let what = format!("store.setIf({key:?})");
        let wrote = call(f, &what, &[&JsValue::from_str(key), &expected, &JsValue::from_str(value)]).await?;
        wrote.as_bool().map(Some).ok_or_else(|| {
            VomoError::invalid_input(format!("{what} returned neither true (written) nor false (the stored value differed)"))
        })
    }

    async fn lease_holder(&self) -> Result<Option<String>> {
        let Some(f) = &self.lease_holder else { return Ok(None) };
        let holder = call(f, "store.leaseHolder()", &[]).await?;
        if holder.is_null() || holder.is_undefined() {
            return Ok(None);
        }
        holder.as_string().map(Some).ok_or_else(|| VomoError::invalid_input("store.leaseHolder() returned neither text nor null"))
    }

    async fn lease_holder_gone(&self, holder: &str) -> Result<Option<bool>> {
        let Some(f) = &self.lease_holder_gone else { return Ok(None) };
        let gone = call(f, "store.leaseHolderGone()", &[&JsValue::from_str(holder)]).await?;
        if gone.is_null() || gone.is_undefined() {
            return Ok(None);
        }
        gone.as_bool().map(Some).ok_or_else(|| {
            VomoError::invalid_input("store.leaseHolderGone() returned neither true (gone), false (alive) nor null (cannot tell)")
        })
    }

    fn atomic_batch_limit(&self) -> usize {
        if self.set_many.is_some() {
            BATCH_LIMIT
        } else {
            0
        }
    }

    async fn set_many(&self, entries: &[(String, String)]) -> Result<()> {
        let Some(f) = &self.set_many else {
            for (k, v) in entries {
                self.set(k, v).await?;
            }
            return Ok(());
        };
        let list = js_sys::Array::new();
        for (k, v) in entries {
            list.push(&js_sys::Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)));
        }
        call(f, &format!("store.setMany({} entries)", entries.len()), &[&list.into()]).await.map(|_| ())
    }
}

/// Hands each event (as JSON text) to the façade, which calls the user's handler.
pub struct JsHandlers {
    pub dispatch: Function,
}

impl Handlers for JsHandlers {
    async fn deliver(&self, event: &Event) -> std::result::Result<(), HandlerFailure> {
        let json = serde_json::to_string(event).unwrap_or_default();
        // For a dead letter, the VomoError kind the façade gives it when the handler's own
        // error is not at hand (a second argument: no JSON rewriting, no extra serializer).
        let kind = match event {
            Event::DeadLetter(d) => JsValue::from_str(crate::poller::dead_letter_error_kind(&d.error.kind).as_str()),
            _ => JsValue::UNDEFINED,
        };
        let result = match self.dispatch.call2(&JsValue::NULL, &JsValue::from_str(&json), &kind) {
            Ok(v) => settle(v).await,
            Err(e) => Err(e),
        };
        result.map(|_| ()).map_err(|e| HandlerFailure {
            message: describe_js(&e),
            handler_ref: Reflect::get(&e, &JsValue::from_str("handlerErrorRef")).ok().and_then(|v| v.as_f64()),
        })
    }
}

/// `{ get(externalId), set(externalId, { vomoUserId, email }) }` as two functions.
pub struct JsMapping {
    pub get: Function,
    pub set: Function,
    /// The import's abort signal: a mapping call still running when it fires is not waited for.
    pub signal: Option<AbortSignal>,
}

impl Mapping for JsMapping {
    async fn get(&self, external_id: &str) -> Result<Option<MappedUser>> {
        let v = call_until(&self.get, "mapping.get", &[&JsValue::from_str(external_id)], self.signal.as_ref()).await?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        serde_wasm_bindgen::from_value(v).map(Some).map_err(|e| {
            // serde names the Rust type ("expected struct MappedUser"); the caller knows the object.
            let why = e.to_string().trim_start_matches("Error: ").replace("struct MappedUser", "{ vomoUserId, email }");
            VomoError::invalid_input(format!("mapping.get({external_id:?}) must return {{ vomoUserId, email }} or null ({why})"))
        })
    }

    async fn set(&self, external_id: &str, value: &MappedUser) -> Result<()> {
        let obj = super::objects::to_js(value).unwrap_or(JsValue::NULL);
        call_until(&self.set, "mapping.set", &[&JsValue::from_str(external_id), &obj], self.signal.as_ref()).await.map(|_| ())
    }
}
