#!/usr/bin/env bash
# The README's main-job command: set up (idempotent), build the package, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent 2>&1 | grep -E "^(error|built)" || true
test -f pkg/index.cjs || { echo "build failed: run 'npm run build' to see why" >&2; exit 1; }
node scripts/demo.mjs
