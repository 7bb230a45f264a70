//! A Rust panic, seen from JS. The release build aborts on panic (`panic = "abort"`, so
//! the wasm traps with `RuntimeError: unreachable`); the hook installed at start-up keeps
//! the panic's message and hands it to the façade first, which turns the trap into a
//! `VomoError` of kind `internal` and rejects every call still waiting (a trap inside an
//! async task would otherwise leave its promise pending for ever).

use js_sys::Function;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
    static HANDLER: RefCell<Option<Function>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST.with(|l| *l.borrow_mut() = Some(message.clone()));
        HANDLER.with(|h| {
            if let Some(f) = h.borrow().as_ref() {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&message));
            }
        });
    }));
}

/// The façade's callback, called with the message when a panic happens.
#[wasm_bindgen(js_name = setPanicHandler)]
pub fn set_panic_handler(handler: Function) {
    HANDLER.with(|h| *h.borrow_mut() = Some(handler));
}

/// The message of the last panic, if one happened.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST.with(|l| l.borrow().clone())
}

/// For the package's own tests: panics now (`panic_later.rs` has the async one).
#[doc(hidden)]
#[wasm_bindgen(js_name = __testPanic)]
pub fn test_panic(message: String) {
    panic!("{message}");
}
