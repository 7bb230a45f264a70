//! vomo-users: one validated implementation of the VOMO Volunteer API's Users integration.
//!
//! The core modules below use no JS types and test natively; `glue` (wasm32 only) adapts
//! them to JavaScript; `web` (wasm32 only) is the runtime for Rust wasm apps.

mod case;
pub mod changes;
pub mod client;
pub mod error;
pub mod import;
pub mod model;
pub mod poller;
pub mod roster_csv;
pub mod store;
pub mod parse;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod glue;

/// The client, poller and import for Rust apps compiled to wasm32 (browsers, workers,
/// Node, workerd), over web-sys `fetch` and gloo-timers.
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{ErrorKind, Result, VomoError};
