#!/usr/bin/env bash
# Idempotent set-up for a fresh machine of this kind. Fast the second time:
# every step checks first and installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin in Cargo.toml
WASM_PACK_VERSION=0.15.1

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null || ! wasm-pack --version | grep -q "$WASM_PACK_VERSION"; then
  log "installing wasm-pack $WASM_PACK_VERSION (about 2 min)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi

if ! command -v wasm-bindgen >/dev/null || ! wasm-bindgen --version | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 min)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  log "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# package.json's allowScripts approves the dev dependencies' install scripts by name, which
# npm 11 ran anyway with a "not yet covered by allowScripts" warning on every install: Bun's
# needs its postinstall (without it `bun` fails: "Bun's postinstall script was not run", which
# a run with them denied showed in the runtimes layer). npm before 11 ignores the field.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
# --tests (scripts/test.sh): also the Node.js releases the runtimes layer runs the package
# under (tests/node-versions: the official builds from npm, about 600 MB; not for the demo).
if [ "${1:-}" = "--tests" ]; then
  nv=tests/node-versions
  if [ ! -d "$nv/node_modules" ] || [ "$nv/package-lock.json" -nt "$nv/node_modules/.package-lock.json" ]; then
    log "installing Node.js 22, 24 and 26 for the runtimes test layer"
    (cd "$nv" && npm ci --no-bin-links --no-audit --no-fund)
  fi
fi
log "ready"
