//! vomo-users: one validated implementation of the VOMO Volunteer API's Users integration.
//!
//! The core modules below use no JS types and test natively; `glue` (wasm32 with the `js`
//! feature) adapts them to JavaScript; `web` (wasm32 only) is the runtime for Rust wasm apps.
//!
//! The `full` feature (default) is everything; without it the crate is the models and the
//! parsers only (the package's parse-only `.wasm`, `vomo-users/parse`). The `js` feature (off
//! by default; the npm package's build turns it on) adds the `#[wasm_bindgen]` exports the
//! package's JS façade calls: a Rust wasm app that depends on the crate exports only its own
//! names, with none of the package's compiled in. The `cfg`s on the module declarations here
//! and in `glue` are the one place that decides what each build holds.

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

#[cfg(all(target_arch = "wasm32", feature = "js"))]
mod glue;

/// The client, poller and import for Rust apps compiled to wasm32 (browsers, workers,
/// Node, workerd), over web-sys `fetch` and gloo-timers.
#[cfg(all(target_arch = "wasm32", feature = "full"))]
pub mod web;

pub use error::{ErrorKind, Result, VomoError};
