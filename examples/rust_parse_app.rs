//! A Rust wasm app that only parses: it depends on the crate without its default `full`
//! feature (`default-features = false`), so its wasm carries the models and parsers and none
//! of the client, poller or import (it imports no `fetch`), and exports its own names only.
//! scripts/test.sh (layer `rust-app`) builds it and tests/rust-app/exports.test.mjs checks it
//! beside examples/rust_app.rs:
//! `cargo build --release --target wasm32-unknown-unknown --no-default-features --example rust_parse_app`,
//! then `wasm-bindgen --target web --out-dir OUT target/wasm32-unknown-unknown/release/examples/rust_parse_app.wasm`.

#[cfg(target_arch = "wasm32")]
mod app {
    use wasm_bindgen::prelude::*;

    /// Users on one page of a list response.
    #[wasm_bindgen(js_name = countUsers)]
    pub fn count_users(text: &str) -> Result<usize, String> {
        vomo_users::parse::user_page(text).map(|page| page.data.len()).map_err(|e| e.to_string())
    }

    /// Each user's email on one page of a list response, as the parser normalizes it.
    #[wasm_bindgen(js_name = pageEmails)]
    pub fn page_emails(text: &str) -> Result<Vec<String>, String> {
        vomo_users::parse::user_page(text).map(|page| page.data.into_iter().map(|user| user.email).collect()).map_err(|e| e.to_string())
    }
}
