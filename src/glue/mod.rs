//! The JavaScript glue: thin `#[wasm_bindgen]` adapters over the core. The HTTP exchange and
//! the sleeps are the crate's web runtime (`crate::web`); errors cross as plain objects that
//! the JS façade turns into `VomoError`.
//!
//! How values cross was measured per value (tests/wasm_boundary.rs; figures in BENCHMARKS.md,
//! "JS boundary: JSON text or serde-wasm-bindgen"), in Node on the release build:
//! - **JSON text** (Rust `serde_json::to_string`, one `JSON.parse` in JS) for everything that
//!   carries users: pages, `listAllUsers` results, details, upsert outcomes, lookups, the
//!   poller's events to handlers, import results; and for options and inputs coming in. Each
//!   string field costs serde-wasm-bindgen its own crossing, so it was 1.2-1.9x slower there
//!   (a page of 15 users: 37 µs as text, 59 µs as objects).
//! - **serde-wasm-bindgen objects** (`objects::to_js`, JSON-compatible shapes) for the small,
//!   mostly numeric values, where it was faster (0.6-0.9x): `stats()`, the `log` hook's
//!   entries, import progress events, poll reports, `reconcile()` and `health()` results,
//!   and the import mapping's entries both ways.
//!
//! Compiled only with the crate's `js` feature (the npm package's build): a Rust wasm app
//! that depends on the crate leaves it off and exports none of this (examples/rust_app.rs).
//! The parse-only build (no `full` feature) has the parsers, the panic hook and the error
//! conversion; every other module here needs `full`.

mod error;
mod panic;
mod parse;

#[cfg(feature = "full")]
mod adapters;
#[cfg(feature = "full")]
pub mod client;
#[cfg(feature = "full")]
mod objects;
#[cfg(feature = "full")]
mod panic_later;
#[cfg(feature = "full")]
mod policy;
#[cfg(feature = "full")]
mod poller;
#[cfg(feature = "full")]
mod pure;
#[cfg(feature = "full")]
mod runtime;
