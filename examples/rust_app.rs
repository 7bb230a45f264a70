//! A Rust wasm app that depends on the crate and exports names of its own, one of them a
//! name the npm package's glue also exports (`policy`). Without the crate's `js` feature its
//! wasm exports only its own names and carries none of the package's JS bindings; with it,
//! the build fails on the second `policy` (here the linker's "symbol multiply defined"; in an
//! app crate of its own, wasm-bindgen's "the name `policy` is exported by multiple crates").
//! scripts/test.sh (layer `rust-app`) builds it and checks its exports and calls with
//! tests/rust-app/exports.test.mjs:
//! `cargo build --release --target wasm32-unknown-unknown --example rust_app`, then
//! `wasm-bindgen --target web --out-dir OUT target/wasm32-unknown-unknown/release/examples/rust_app.wasm`.

#[cfg(target_arch = "wasm32")]
mod app {
    use vomo_users::client::{ClientConfig, Filters};
    use vomo_users::web::{WebCall, WebRuntime};
    use wasm_bindgen::prelude::*;

    /// Users on one page of a list response (the parser).
    #[wasm_bindgen(js_name = countUsers)]
    pub fn count_users(text: &str) -> Result<usize, String> {
        vomo_users::parse::user_page(text).map(|page| page.data.len()).map_err(|e| e.to_string())
    }

    /// Every user's email (the client over the platform's `fetch`).
    #[wasm_bindgen(js_name = listEmails)]
    pub async fn list_emails(base_url: String, token: String) -> Result<Vec<String>, String> {
        let mut config = ClientConfig::new(&token);
        config.base_url = base_url;
        let client = vomo_users::web::client(config, WebRuntime::new()).map_err(|e| e.to_string())?;
        let users = client.list_all(&Filters::default(), &WebCall::new()).await.map_err(|e| e.to_string())?;
        Ok(users.into_iter().map(|u| u.email).collect())
    }

    /// The app's own `policy`, a name the package's glue exports too.
    #[wasm_bindgen]
    pub fn policy() -> String {
        "the app's own".into()
    }
}
