//! Abort signals and timers: the caller's `AbortSignal` forwarded to a per-attempt
//! `AbortController`, and sleeps (gloo-timers) raced against the signal. Listeners are
//! removed, and the waits' promises settled, when the value that added them is dropped, so a
//! long-lived signal collects none and nothing is kept per request.

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

/// Whether the signal (if any) has fired.
pub fn is_aborted(signal: Option<&AbortSignal>) -> bool {
    signal.is_some_and(AbortSignal::aborted)
}

/// Milliseconds as a timer delay: `setTimeout` treats anything above 2^31 - 1 as 1 ms.
pub fn delay(ms: f64) -> u32 {
    if ms.is_nan() || ms <= 0.0 {
        0
    } else {
        ms.min(f64::from(i32::MAX)).ceil() as u32
    }
}

/// Aborts `controller` when `signal` fires, until dropped.
pub struct Forward {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Forward {
    pub fn new(signal: &AbortSignal, controller: &AbortController) -> Forward {
        let controller = controller.clone();
        let listener = Closure::<dyn FnMut()>::new(move || controller.abort());
        let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        Forward { signal: signal.clone(), listener }
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

/// Resolves when the signal fires; removes its listener when dropped.
pub struct AbortWait {
    signal: AbortSignal,
    resolve: Option<Function>,
    promise: Promise,
    fired: JsFuture,
}

impl AbortWait {
    pub fn new(signal: &AbortSignal) -> AbortWait {
        let mut resolve = None;
        let promise = Promise::new(&mut |res: Function, _reject: Function| {
            let _ = signal.add_event_listener_with_callback("abort", &res);
            resolve = Some(res);
        });
        AbortWait { signal: signal.clone(), resolve, promise: promise.clone(), fired: JsFuture::from(promise) }
    }

    /// What awaits the JS promises of the work this wait ends (see [`UntilAborted`]).
    pub fn until(&self) -> UntilAborted {
        UntilAborted { signal: self.signal.clone(), fired: self.promise.clone() }
    }
}

/// Awaits a JS promise only until an [`AbortWait`]'s signal fires, by awaiting the race of
/// the two. A promise that never settles (an injected fetch, or a body stream, that ignores
/// the signal) is then given up on without keeping anything: a `JsFuture` over it would keep
/// its two callbacks and their state for good once dropped (see `AbortWait`'s `Drop`), while
/// the race settles when the signal fires, or else when the wait is dropped.
pub struct UntilAborted {
    signal: AbortSignal,
    fired: Promise,
}

impl UntilAborted {
    /// `value` settled (a promise of any realm, a thenable, or a plain value); an `Error` once
    /// the signal has fired, whichever the race gave.
    pub async fn settle(&self, value: &JsValue) -> Result<JsValue, JsValue> {
        let race = Promise::race(&js_sys::Array::of2(value, &self.fired));
        let settled = JsFuture::from(race).await;
        if self.signal.aborted() {
            return Err(js_sys::Error::new("the attempt was aborted").into());
        }
        settled
    }
}

impl Drop for AbortWait {
    fn drop(&mut self) {
        if let Some(f) = &self.resolve {
            let _ = self.signal.remove_event_listener_with_callback("abort", f);
            // Settled now, so that its `JsFuture` lets go: a `JsFuture`'s two callbacks and its
            // state refer to each other until the promise settles (js-sys' futures), so a wait
            // that never fired kept them, and the JS functions they hold, for good: two per
            // request and per sleep, about 45 bytes of JS heap a listed user (bench memory row,
            // tests/wasm_client: `nothing_is_kept_per_request`).
            let _ = f.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }
}

/// Runs two futures at once; the first to finish wins (`Ok` for `a`, `Err` for `b`).
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Result<A::Output, B::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Ok(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Err(y));
        }
        Poll::Pending
    })
    .await
}

/// Waits `ms`; `false` when the signal fired first (or had already fired).
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> bool {
    let timer = TimeoutFuture::new(delay(ms));
    match signal {
        None => {
            timer.await;
            true
        }
        Some(_) if is_aborted(signal) => false,
        Some(s) => {
            let mut wait = AbortWait::new(s);
            race(timer, &mut wait.fired).await.is_ok()
        }
    }
}
