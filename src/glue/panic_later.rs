//! For the package's own tests: a panic inside an async task, where the trap must still
//! reject the task's promise and every other call waiting (src/glue/panic.rs). The
//! parse-only build has no async export, so it has only `panic.rs`'s synchronous one.

use super::runtime::promise;
use wasm_bindgen::prelude::*;

#[doc(hidden)]
#[wasm_bindgen(js_name = __testPanicLater)]
pub fn test_panic_later(message: String) -> js_sys::Promise {
    promise(async move {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await?;
        panic!("{message}");
    })
}
