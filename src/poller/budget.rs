//! A call's request budget (`maxRequests` of `poll` and `reconcile`), retries included: the
//! one place that counts a call's requests against it.

use crate::client::{Client, Runtime};

/// The requests `client` has sent since the call started, against the call's `max`
/// (`None`: no budget). Requests of other calls on a shared client count too (docs/api.md).
pub(crate) struct RequestBudget {
    start: u64,
    max: Option<u64>,
}

impl RequestBudget {
    /// A budget of `max` requests from now.
    pub fn starting<R: Runtime>(client: &Client<R>, max: Option<u64>) -> RequestBudget {
        RequestBudget { start: client.stats().requests, max }
    }

    /// The requests sent since the call started.
    pub fn used<R: Runtime>(&self, client: &Client<R>) -> u64 {
        client.stats().requests.saturating_sub(self.start)
    }

    /// The sends the budget has left (`None`: no budget), so that a request's retries stay
    /// within it: they count against it, and a slice's budget is what keeps it under a
    /// runtime's subrequest limit (an outside pass: a budget of 1 sent 5 requests when the
    /// page failed 4 times first).
    pub fn sends_left<R: Runtime>(&self, client: &Client<R>) -> Option<u64> {
        self.max.map(|m| m.saturating_sub(self.used(client)))
    }

    /// The sends the next request may make (`Some(None)`: no budget), or `None` when the
    /// budget has no room for one.
    pub fn room<R: Runtime>(&self, client: &Client<R>) -> Option<Option<u64>> {
        match self.sends_left(client) {
            Some(0) => None,
            left => Some(left),
        }
    }

    /// The budget is spent: the next request would exceed it, and a retryable failure is where
    /// the call stops (the next call goes on), not an error.
    pub fn spent<R: Runtime>(&self, client: &Client<R>) -> bool {
        self.max.is_some_and(|m| self.used(client) >= m)
    }

    /// Half the budget is spent (the share a poll's dead-letter retries may take).
    pub fn half_spent<R: Runtime>(&self, client: &Client<R>) -> bool {
        self.max.is_some_and(|m| self.used(client) >= m / 2)
    }
}
