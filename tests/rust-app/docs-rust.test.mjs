// docs/rust.md's ```rust blocks compile, as a user's crate that depends on this one compiles
// them: for wasm32-unknown-unknown, without the `js` feature. The blocks are fragments of one
// program (the client, a call, the poller, the import, each using what the one before made),
// so they become the body of one async function, in order; `token` and `records` are its
// parameters, and a `log` module stands in for the log crate the examples call. Nothing runs:
// tests/wasm_client runs the same calls against the simulator. Part of the `rust-app` layer
// (scripts/test.sh); `cargo check` builds into target/docs-rust, so a second run is quick.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = process.env.VOMO_REPO;
if (!repo) throw new Error("VOMO_REPO: the repository whose docs/rust.md is checked (scripts/test.sh sets it)");

/** The ```rust blocks of a Markdown text, in order. */
export function rustBlocks(markdown) {
  return [...markdown.matchAll(/^```rust\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/**
 * One crate's lib.rs: the blocks as the body of one async function. Each block names what it
 * uses, as a reader of that block alone needs; the \`use\` lines (\`use a::b::C;\` and
 * \`use a::b::{C, D};\`, the forms the doc uses) go to the top, each name once.
 */
function program(blocks) {
  const uses = new Set();
  const USE = /^use ([\w:]+)::(?:\{([^}]*)\}|(\w+));\n/gm;
  const bodies = blocks.map((b) => b.replace(USE, (line, path, list, one) => {
    for (const name of (list ?? one).split(",").map((n) => n.trim()).filter(Boolean)) uses.add(`use ${path}::${name};`);
    return "";
  }));
  assert.doesNotMatch(bodies.join("\n"), /^use /m, "a use line of another form: teach this test to hoist it");
  const body = bodies.map((b, i) => `    // docs/rust.md, block ${i + 1}\n${b.replace(/^(?=.)/gm, "    ")}`).join("\n");
  return `#![allow(unused)]
${[...uses].join("\n")}

mod log {
    macro_rules! discard { ($($t:tt)*) => {{ let _ = format!($($t)*); }} }
    pub(crate) use discard as warn;
    pub(crate) use discard as info;
    pub(crate) use discard as debug;
}

pub async fn docs_rust_md(
    token: String,
    records: Vec<vomo_users::import::RosterRecord>,
) -> Result<(), Box<dyn std::error::Error>> {
${body}
    Ok(())
}
`;
}

test("docs/rust.md: every ```rust block compiles for wasm32 in a crate that depends on vomo-users", { timeout: 600_000 }, () => {
  const blocks = rustBlocks(readFileSync(join(repo, "docs/rust.md"), "utf8"));
  // The client, aborting, the poller and the import: a block missed by the pattern would
  // go unchecked.
  assert.equal(blocks.length, 4, "rust blocks found in docs/rust.md");
  const dir = mkdtempSync(join(tmpdir(), "docs-rust-"));
  try {
    writeFileSync(join(dir, "Cargo.toml"), `[package]
name = "docs-rust"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "lib.rs"

[dependencies]
vomo-users = { path = ${JSON.stringify(repo)} }

[workspace]
`);
    writeFileSync(join(dir, "lib.rs"), program(blocks));
    copyFileSync(join(repo, "Cargo.lock"), join(dir, "Cargo.lock")); // the versions the repository tests
    const r = spawnSync("cargo", ["check", "--offline", "--quiet", "--target", "wasm32-unknown-unknown"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, CARGO_TARGET_DIR: join(repo, "target/docs-rust") },
    });
    assert.equal(r.status, 0, `cargo check of docs/rust.md's blocks failed:\n${r.stderr}\n--- lib.rs ---\n${program(blocks)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
