#!/usr/bin/env bash
# THE test command (`npm test`): set-up, build, then every test layer, stopping at the
# first failure. Ends with one line `N passed, N failed`.
# TEST_LAYERS=build,install,browser runs only the named layers (for working on one part; a
# layer that needs another's output, as most need build and install, needs it named too).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vomo-test.XXXXXX")
PASSED=0
FAILED=0
TIMINGS=()
SIM_PID=
SUITE_PIDS=()

kill_tree() { local child; for child in $(pgrep -P "$1"); do kill_tree "$child"; done; kill "$1" 2>/dev/null || true; }
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  # Suites still running in the background when a layer failed, with every process they started.
  local pid
  for pid in "${SUITE_PIDS[@]}"; do kill_tree "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

summary() {
  printf '\n==== timings ====\n'
  printf '  %s\n' "${TIMINGS[@]}"
  echo "$PASSED passed, $FAILED failed"
}

# run_layer NAME COUNTER COMMAND...   COUNTER: cargo (test result: lines), tap:FILE[,FILE...]
# (node:test TAP summaries, added up), one (the command is one check), none (set-up, not counted).
run_layer() {
  local name=$1 counter=$2; shift 2
  if [ -n "${TEST_LAYERS:-}" ] && [[ ",$TEST_LAYERS," != *",$name,"* ]]; then return 0; fi
  local log="$WORK/$name.log" t0=$SECONDS rc=0 p=0 f=0
  printf '\n==================== [%s] ====================\n$ %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$log" || rc=$?
  case $counter in
    cargo)
      while read -r a b; do p=$((p + a)); f=$((f + b)); done < <(
        sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log") ;;
    tap:*)
      local tap tp tf taps
      IFS=, read -ra taps <<<"${counter#tap:}"
      for tap in "${taps[@]}"; do
        [ -f "$tap" ] || continue
        tp=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$tap" | tail -1); tf=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$tap" | tail -1)
        p=$((p + ${tp:-0})); f=$((f + ${tf:-0}))
      done ;;
    one) if [ "$rc" -eq 0 ]; then p=1; else f=1; fi ;;
  esac
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  TIMINGS+=("$(printf '%-14s %4ss  %s' "$name" $((SECONDS - t0)) "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)")")
  if [ "$rc" -ne 0 ]; then
    printf '\n[%s] FAILED (exit %s); log: see above\n' "$name" "$rc"
    summary
    exit 1
  fi
  printf -- '---- [%s] ok (%s passed) in %ss\n' "$name" "$p" $((SECONDS - t0))
}

node_test() { # TAPFILE FILES...: spec report on stdout, TAP summary to a file for counting.
  # A test that hangs fails after 5 minutes instead of holding up the run.
  local tap=$1; shift
  node --test --test-timeout=300000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
}

start_simulator() { # background simulator for the wasm tests (Node and browser); its URL goes in at compile time.
  # Runs in this shell (not through run_layer's pipe) so that SIM_PID reaches the exit trap.
  local port
  printf '\n==================== [simulator] ====================\n'
  for port in "${VOMO_SIM_PORT:-4010}" 0; do   # 0: any free port when 4010 is taken
    : >"$WORK/sim.out"
    node sim/cli.mjs --port "$port" --users 200 >"$WORK/sim.out" 2>"$WORK/sim.err" &
    SIM_PID=$!
    for _ in $(seq 100); do
      if [ -s "$WORK/sim.out" ] || ! kill -0 "$SIM_PID" 2>/dev/null; then break; fi
      sleep 0.1
    done
    if [ -s "$WORK/sim.out" ]; then break; fi
    echo "simulator did not start on port $port:" >&2; tail -3 "$WORK/sim.err" >&2
    SIM_PID=
  done
  [ -n "$SIM_PID" ] || return 1
  VOMO_SIM_URL=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).url)' "$WORK/sim.out")
  export VOMO_SIM_URL
  echo "simulator at $VOMO_SIM_URL (pid $SIM_PID)"
}

install_package() { # npm pack ./pkg, then install the tarball into a fresh project, as a user would
  npm pack ./pkg --pack-destination "$WORK" --silent >"$WORK/pack.out"
  local tgz="$WORK/$(tail -1 "$WORK/pack.out")"
  mkdir -p "$APP"
  echo '{ "name": "vomo-users-consumer", "private": true, "type": "module" }' >"$APP/package.json"
  (cd "$APP" && npm install --no-audit --no-fund --no-package-lock "$tgz")
  [ ! -L "$APP/node_modules/vomo-users" ] || { echo "installed package is a symlink" >&2; return 1; }
  cp -r tests/js tests/worker tests/browser tests/bundlers tests/package tests/cli tests/runtimes "$APP/"
  echo "installed $(basename "$tgz") into $APP"; ls "$APP/node_modules/vomo-users"
}

export VOMO_REPO=$ROOT
APP="$WORK/app"

run_layer setup none bash scripts/setup.sh --tests
run_layer build none npm run build
# The poller simulation runs here lightly, in a debug build (overflow checks): 200 seeds and
# 10 death points of a backfill (the test asks for one right after a chunk among them: seed
# 0's first is its 8th set since each participation event is journaled, its 4th before;
# measured 2026-12-07). The simulation layer below runs it at CI strength in release
# (at its defaults, 1,000 seeds and 25 death points, it took 130 of this layer's 193 s in
# debug; 26 s so; measured 2026-12-05).
run_layer native cargo env POLLER_SIM_SEEDS=200 POLLER_SIM_REFUSING_SEEDS=50 POLLER_SIM_WINDOW_SETS=10 cargo test
# The crate without `full` (what vomo-users/parse is built from): its own tests, natively.
run_layer native-parse-only cargo cargo test --no-default-features
# Formatting: rustfmt.toml's settings, checked (`cargo fmt` applies them).
run_layer fmt one cargo fmt --check
# Clippy's warnings fail the run (the library's std APIs are held to rust-version by its msrv lint).
run_layer clippy one cargo clippy --all-targets --quiet -- -D warnings
# The poller simulation at CI strength: 9,000 adversarial + 1,000 large-values + 2,000
# refusing-downstream seeds (12,000 worlds) and every death point of 2 backfills, in a
# release build (a minute or two; the refusing seeds 17 s, measured 2026-12-06).
run_layer simulation cargo env POLLER_SIM_SEEDS=9000 POLLER_SIM_LARGE_SEEDS=1000 POLLER_SIM_REFUSING_SEEDS=2000 \
  POLLER_SIM_WINDOW_SEEDS=2 POLLER_SIM_WINDOW_SETS=200 cargo test --release --test poller_simulation
# Smoke runs of the benches (BENCHMARKS.md): they run and print; timing is not checked.
run_layer bench-smoke one bash -c 'cargo run --release --example store_bytes 600 && cargo run --release --example roster_csv_rate 2000 4000'
# Rust wasm apps that depend on the crate (examples/rust_app.rs; examples/rust_parse_app.rs
# without the default `full` feature), built as a user builds one
# (without the `js` feature, in a target directory of its own so that it never replaces the
# package build's target/…/vomo_users.wasm), bound by wasm-bindgen, their exports and calls
# checked in Node, Chromium and workerd.
rust_app() {
  local out="$ROOT/target/rust-app/wasm32-unknown-unknown/release/examples"
  CARGO_TARGET_DIR="$ROOT/target/rust-app" cargo build --release --target wasm32-unknown-unknown --example rust_app &&
    CARGO_TARGET_DIR="$ROOT/target/rust-app" cargo build --release --target wasm32-unknown-unknown \
      --no-default-features --example rust_parse_app &&
    wasm-bindgen --target web --out-dir "$WORK/rust-app" "$out/rust_app.wasm" &&
    wasm-bindgen --target web --out-dir "$WORK/rust-app" "$out/rust_parse_app.wasm" &&
    RUST_APP_DIR="$WORK/rust-app" node_test "$WORK/rust-app.tap" tests/rust-app/*.test.mjs
}
run_layer rust-app "tap:$WORK/rust-app.tap" rust_app
t0=$SECONDS   # the wasm layers drive the Rust client against it (VOMO_SIM_URL at compile time)
if ! start_simulator; then FAILED=$((FAILED + 1)); summary; exit 1; fi
TIMINGS+=("$(printf '%-14s %4ss  %s' simulator $((SECONDS - t0)) ok)")
run_layer wasm-node cargo wasm-pack test --node -- --test wasm_node
run_layer wasm-chrome cargo env CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/browser/webdriver.json" \
  wasm-pack test --headless --chrome -- --test wasm_browser
run_layer sim-tests "tap:$WORK/sim.tap" node_test "$WORK/sim.tap" sim/test/*.test.mjs
run_layer install none install_package
# The packed tarball itself, for the layers that install it elsewhere or serve it as a registry would.
export VOMO_TGZ="$WORK/$(tail -1 "$WORK/pack.out")"
mkdir -p "$APP" && cd "$APP"
JS_TESTS=()
for f in js/*.test.mjs js/*.test.cjs; do case $f in js/types*.test.mjs|js/docs.test.mjs) ;; *) JS_TESTS+=("$f") ;; esac; done
# The JS and CLI suites under Node 20 (the machine's) and both under each other Node.js release
# in support (tests/node-versions has the official builds; `node` on PATH is that release, for
# the tests and every process they start) run at once, five `node --test` processes started
# here; the three layers below wait for theirs and show its report. Most of their time is
# spent waiting on simulators that keep a rate limit, and their files run one at a time in
# each (node --test on 2 cores): 298 s for all five against 510 s for the js and cli layers
# followed by the other three at once (measured 2026-12-05). Each has a temporary directory of
# its own (TMPDIR: the tests' folders and the CLI's HOME), and every simulator and server they
# start takes a free port.
start_suite() { # NAME NODE-VERSION-or-"" FILES...: in the background; $WORK/NAME.{out,tap,rc}
  local name=$1 v=$2; shift 2
  mkdir -p "$WORK/tmp-$name"
  ( if [ -n "$v" ]; then export PATH="$ROOT/tests/node-versions/node_modules/node$v/bin:$PATH"; fi
    rc=0; TMPDIR="$WORK/tmp-$name" node_test "$WORK/$name.tap" "$@" >"$WORK/$name.out" 2>&1 || rc=$?
    echo "$rc" >"$WORK/$name.rc" ) &
  SUITE_PIDS+=($!)
}
wait_suites() { # NAME...: each one's report, once all have ended; fails if any failed
  local name rc=0
  for name in "$@"; do
    while [ ! -f "$WORK/$name.rc" ]; do sleep 1; done
  done
  for name in "$@"; do
    [ $# -eq 1 ] || printf '\n---- %s ----\n' "$name"
    cat "$WORK/$name.out"
    [ "$(cat "$WORK/$name.rc")" = 0 ] || rc=1
  done
  return $rc
}
selected() { [ -z "${TEST_LAYERS:-}" ] || [[ ",$TEST_LAYERS," == *",$1,"* ]]; }
if selected js; then start_suite js "" "${JS_TESTS[@]}"; fi
if selected cli; then start_suite cli "" cli/*.test.mjs; fi
# The CLI at ten times the size (cli/scale.test.mjs: about 25 s of CPU) under Node 20 alone.
CLI_OTHER_NODES=()
for f in cli/*.test.mjs; do [ "$f" = cli/scale.test.mjs ] || CLI_OTHER_NODES+=("$f"); done
if selected js-node22-26; then for v in 22 24 26; do start_suite "js-node$v" "$v" "${JS_TESTS[@]}" "${CLI_OTHER_NODES[@]}"; done; fi
run_layer js "tap:$WORK/js.tap" wait_suites js
run_layer cli "tap:$WORK/cli.tap" wait_suites cli
run_layer js-node22-26 "tap:$WORK/js-node22.tap,$WORK/js-node24.tap,$WORK/js-node26.tap" wait_suites js-node22 js-node24 js-node26
# Node.js 22, 24 and 26 (tests/node-versions), Bun and Deno (their npm builds) running the
# installed package and its command line.
run_layer runtimes "tap:$WORK/runtimes.tap" node_test "$WORK/runtimes.tap" runtimes/*.test.mjs
run_layer tsc-usage one node "$ROOT/node_modules/typescript/bin/tsc" --noEmit --strict -p js/types/tsconfig.json
run_layer tsc-nodenext one node "$ROOT/node_modules/typescript/bin/tsc" --noEmit --strict -p js/types/tsconfig.nodenext.json
run_layer types-drift "tap:$WORK/types.tap" node_test "$WORK/types.tap" js/types*.test.mjs
run_layer docs "tap:$WORK/docs.tap" node_test "$WORK/docs.tap" js/docs.test.mjs
run_layer workerd "tap:$WORK/workerd.tap" node_test "$WORK/workerd.tap" worker/*.test.mjs
# The Cloudflare example (examples/cloudflare) with the packed tarball installed: wrangler types,
# tsc, wrangler's deploy bundle; then its tests in Miniflare and one `wrangler dev` smoke run.
export VOMO_CF_APP="$WORK/cloudflare-example"
run_layer cf-build one node "$ROOT/tests/cloudflare/example.mjs" "$VOMO_CF_APP"
run_layer cloudflare "tap:$WORK/cloudflare.tap" node_test "$WORK/cloudflare.tap" "$ROOT"/tests/cloudflare/*.test.mjs
BROWSER_TESTS=(); ADMIN_TESTS=()   # the admin page (www/) has its own layer
for f in browser/*.test.mjs; do case $f in browser/admin-*) ADMIN_TESTS+=("$f") ;; *) BROWSER_TESTS+=("$f") ;; esac; done
run_layer browser "tap:$WORK/browser.tap" node_test "$WORK/browser.tap" "${BROWSER_TESTS[@]}"
run_layer admin-page "tap:$WORK/admin.tap" node_test "$WORK/admin.tap" "${ADMIN_TESTS[@]}"
# The packed tarball: attw and publint, then each bundler's app built against it and run.
run_layer pkg-lint "tap:$WORK/pkg-lint.tap" node_test "$WORK/pkg-lint.tap" package/*.test.mjs
run_layer bundlers "tap:$WORK/bundlers.tap" node_test "$WORK/bundlers.tap" bundlers/*.test.mjs
cd "$ROOT"
run_layer demo one bash scripts/check-demo.sh
# Every bench of `npm run bench` at tiny sizes: they run and print their table (no timing asserted);
# then a partial run into a copy of BENCHMARKS.md must keep the table's other rows in place and
# write the notes the file holds (bench/check-notes.mjs); the breakdowns the notes cite run too.
run_layer perf-bench-smoke one bash -c 'node bench/table.mjs --smoke && node bench/check-notes.mjs && node bench/where-time-goes.mjs cold --smoke && node bench/where-time-goes.mjs cpu --smoke'
summary
