//! The JavaScript glue: thin `#[wasm_bindgen]` adapters over the core. Data crosses the
//! boundary as JSON text (one `JSON.parse` on the JS side is cheaper than building objects
//! field by field); errors cross as plain objects that the JS façade turns into `VomoError`.

mod adapters;
pub mod client;
mod error;
mod poller;
mod policy;
mod pure;
mod panic;
mod runtime;


