// The two Rust wasm apps as scripts/test.sh (layer `rust-app`) built them: RUST_APP_DIR is
// wasm-bindgen's `--target web` output for examples/rust_app.rs and examples/rust_parse_app.rs.
import { join } from "node:path";

export const dir = process.env.RUST_APP_DIR;
if (!dir) throw new Error("RUST_APP_DIR: the wasm-bindgen output of examples/rust_app.rs and rust_parse_app.rs (scripts/test.sh builds them)");
export const APPS = ["rust_app", "rust_parse_app"];
export const jsPath = (app) => join(dir, `${app}.js`);
export const wasmPath = (app) => join(dir, `${app}_bg.wasm`);
