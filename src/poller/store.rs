//! The lease that keeps two polls of one customer apart, kept in the shared store
//! (`crate::store`).

use crate::error::{ErrorKind, Result, VomoError};
use crate::store::Store;
use serde::{Deserialize, Serialize};

/// Who holds a customer's poll, and until when (local wall-clock ms).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lease {
    pub owner: String,
    pub expires_at: f64,
}

/// How long a lease lasts without renewal; a poll renews it after every page.
pub const LEASE_MS: f64 = 120_000.0;

/// Takes the lease, or fails with `busy` while another live holder has it. Stores without
/// compare-and-set get a read-back check, which catches all but the closest races.
pub async fn acquire_lease<S: Store>(store: &S, key: &str, owner: &str, now: f64) -> Result<()> {
    if let Some(text) = store.get(key).await? {
        if let Ok(lease) = serde_json::from_str::<Lease>(&text) {
            if lease.owner != owner && lease.expires_at > now && !text.is_empty() {
                return Err(VomoError::new(
                    ErrorKind::Busy,
                    format!("another poll of this customer holds the lease for {:.0} s more", (lease.expires_at - now) / 1000.0),
                ));
            }
        }
    }
    renew_lease(store, key, owner, now).await?;
    match store.get(key).await?.and_then(|t| serde_json::from_str::<Lease>(&t).ok()) {
        Some(l) if l.owner == owner => Ok(()),
        _ => Err(VomoError::new(ErrorKind::Busy, "another poll of this customer took the lease at the same moment")),
    }
}

pub async fn renew_lease<S: Store>(store: &S, key: &str, owner: &str, now: f64) -> Result<()> {
    let lease = Lease { owner: owner.to_string(), expires_at: now + LEASE_MS };
    store.set(key, &serde_json::to_string(&lease).unwrap_or_default()).await
}

pub async fn release_lease<S: Store>(store: &S, key: &str, owner: &str) -> Result<()> {
    let lease = Lease { owner: owner.to_string(), expires_at: 0.0 };
    store.set(key, &serde_json::to_string(&lease).unwrap_or_default()).await
}
