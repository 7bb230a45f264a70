#!/usr/bin/env bash
# The README's main-job command: set up (idempotent), build the package, run the demo
# through the package's own command, `vomo-users demo` (scripts/demo.mjs runs pkg/'s bin).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent 2>&1 | grep -E "^(error|built)" || true
test -f pkg/index.cjs || { echo "build failed: run 'npm run build' to see why" >&2; exit 1; }
echo "\$ vomo-users demo"
node scripts/demo.mjs
