//! vomo-users: one validated implementation of the VOMO Volunteer API's Users integration.
//!
//! The core modules below use no JS types and test natively; `glue` (wasm32 only) adapts
//! them to JavaScript; `web` (wasm32 only) is the runtime for Rust wasm apps.
//!
//! The `full` feature (default) is everything; without it the crate is the models and the
//! parsers only (the package's parse-only `.wasm`, `vomo-users/parse`). The `cfg`s on the
//! module declarations here and in `glue` are the one place that decides what that build
//! holds.

pub mod error;
pub mod model;
pub mod parse;
pub mod time;

#[cfg(feature = "full")]
mod case;
#[cfg(feature = "full")]
pub mod changes;
#[cfg(feature = "full")]
pub mod client;
#[cfg(feature = "full")]
pub mod import;
#[cfg(feature = "full")]
pub mod poller;
#[cfg(feature = "full")]
pub mod roster_csv;
#[cfg(feature = "full")]
pub mod store;

#[cfg(target_arch = "wasm32")]
mod glue;

/// The client, poller and import for Rust apps compiled to wasm32 (browsers, workers,
/// Node, workerd), over web-sys `fetch` and gloo-timers.
#[cfg(all(target_arch = "wasm32", feature = "full"))]
pub mod web;

pub use error::{ErrorKind, Result, VomoError};
