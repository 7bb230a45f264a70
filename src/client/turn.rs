//! A call's turn in the throttle's line: waiting for it, and giving it up.
//!
//! A call behind others sleeps until the turn it was told (its place times the gap). A call
//! ahead of it that leaves without sending (aborted, or its future dropped) brings that turn
//! one gap sooner, so the sleep is raced against the line moving, and the waiter asks again
//! then. Sends do not wake anyone: the head sending is what the waiters were told.
//!
//! The race is a dozen lines rather than the `futures` crate's `select`, which is the only
//! thing from it that would be used.

use super::runtime::{Runtime, TransportError};
use super::throttle::Throttle;
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

/// A place in the line, given up if the call ends (aborted, dropped) before it sends.
pub(super) struct Turn<'a> {
    throttle: &'a RefCell<Throttle>,
    ticket: u64,
}

impl<'a> Turn<'a> {
    pub fn join(throttle: &'a RefCell<Throttle>) -> Self {
        let ticket = throttle.borrow_mut().join();
        Turn { throttle, ticket }
    }

    /// Waits until this call may send (its turn, the throttle's gap, any pause). `Err` when
    /// the call's signal fired.
    pub async fn wait<R: Runtime>(&self, runtime: &R, call: &R::Call) -> Result<(), TransportError> {
        loop {
            let (wait, moves) = {
                let t = self.throttle.borrow();
                (t.wait_ms(self.ticket, runtime.monotonic_ms()), t.line_moves())
            };
            if wait <= 0.0 {
                return Ok(());
            }
            // A timer that fired early, a pause that arrived meanwhile (a concurrent call's
            // 429), or a call ahead that left: ask again.
            let (mut sleep, mut moved) = (pin!(runtime.sleep(wait, call)), pin!(self.line_moved(moves)));
            std::future::poll_fn(|cx| match sleep.as_mut().poll(cx) {
                Poll::Ready(r) => Poll::Ready(r),
                Poll::Pending => moved.as_mut().poll(cx).map(Ok),
            })
            .await?;
        }
    }

    /// Resolves once a call has left the line since it counted `seen` moves.
    fn line_moved(&self, seen: u64) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            let mut t = self.throttle.borrow_mut();
            if t.line_moves() != seen {
                return Poll::Ready(());
            }
            t.wake_when_line_moves(self.ticket, cx.waker());
            Poll::Pending
        })
    }

    /// The call sends now: leaves the line; the request's number for `on_response`.
    pub fn sent(self, now: f64) -> u64 {
        self.throttle.borrow_mut().sent(self.ticket, now) // dropping `self` then finds the ticket gone
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let waiters = self.throttle.borrow_mut().leave(self.ticket);
        for w in waiters {
            w.wake();
        }
    }
}
