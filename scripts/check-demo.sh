#!/usr/bin/env bash
# The main job still does what the README says: run it small (`vomo-users demo --users 60`,
# through scripts/demo.mjs) and check what it printed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(DEMO_USERS=60 node scripts/demo.mjs)
echo "$out"
check() { grep -qE "$1" <<<"$out" || { echo "demo output lacks: $1" >&2; exit 1; }; }
check '^== First poll.*$'
check 'processed 60 \(created [0-9]+, updated [0-9]+, failed 0\)'
check 'processed 5 \(created 2, updated 3, failed 0\), participation events 1'
check 'anonymized by VOMO'
check 'known but not visible: \[[0-9]+\]'
check 'Health: stalled false'
check '^  vomo-users poll --customer'
