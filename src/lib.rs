//! vomo-users: one validated implementation of the VOMO Volunteer API's Users integration.
//!
//! The core modules below use no JS types and test natively; `glue` (wasm32 only) adapts
//! them to JavaScript.

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

pub use error::{ErrorKind, Result, VomoError};
