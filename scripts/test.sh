#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest. Installs what it needs first.
set -euo pipefail  # pipefail: a failing runner fails the step even through tee
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

# Every runner's output also goes here, so the last line can total what ran.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step setup
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native and wasm32) -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --lib --tests --target wasm32-unknown-unknown -- -D warnings

step "cargo test (the pure-Rust core, natively)"
cargo test --lib 2>&1 | tee -a "$log"

# Its lines are summaries ("fuzz TARGET N executions …"), kept out of the tally below.
step "cargo fuzz smoke (every target: its corpus, its regressions, a few seconds)"
bash scripts/fuzz.sh smoke

step "build pkg/web (one wasm for every entry)"
bash scripts/build.sh

step "wasm-pack test --node"
wasm-pack test --node 2>&1 | tee -a "$log"

step "node --test js-tests/ (Node entry on node:crypto, its default)"
node --test --test-concurrency=1 js-tests/ 2>&1 | tee -a "$log"

# The same suite with the Node entry on *ring* (what browsers and workers run), so both
# crypto providers pass everything, not just the interop tests.
step "node --test js-tests/ (Node entry on ring: RUSTLS_SSL_CRYPTO=ring)"
RUSTLS_SSL_CRYPTO=ring node --test --test-concurrency=1 js-tests/ 2>&1 | tee -a "$log"

# wasm-bindgen-test-runner gives chromedriver 5 s to bind its port, then kills it (CI saw
# exactly that: SIGKILL, "driver failed to bind port during startup"). A cold machine after
# two full suites can be slower than that; the runner restarts a stuck driver every 10 s
# within this budget, so a slow start costs time, not the run.
step "wasm-pack test --headless --chrome"
WASM_BINDGEN_TEST_DRIVER_TIMEOUT=${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-90} \
  wasm-pack test --headless --chrome 2>&1 | tee -a "$log"

# One closing line for the whole run: Rust test results plus node --test's counts.
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^# pass / { p += $3 }
  /^# fail / { f += $3 }
  END { printf "\nnpm test: %d passed, %d failed\n", p, f }
' "$log"