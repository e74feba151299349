#!/usr/bin/env bash
# The cargo-fuzz targets in fuzz/ (docs/fuzzing.md says what each covers).
#
#   bash scripts/fuzz.sh [run] [TARGET…]  `npm run fuzz`: each target FUZZ_SECONDS (default 60)
#   bash scripts/fuzz.sh smoke            `npm test`: the corpus, the regressions, then a few
#                                         seconds of fuzzing (FUZZ_SMOKE_SECONDS, default 3)
#   bash scripts/fuzz.sh cmin [TARGET…]   merge what runs found into fuzz/corpus/TARGET, minimised
#   bash scripts/fuzz.sh seeds            rewrite the seeds from real sessions (then cmin)
#   bash scripts/fuzz.sh install          nightly Rust and cargo-fuzz, if missing
#
# One core per run (no -fork/-jobs). New inputs go to fuzz/target/work-corpus (ignored by
# git), so the committed corpus changes only through `cmin`. A crash, a broken invariant, or
# an input running past FUZZ_TIMEOUT seconds (default 120, generous for a loaded machine; a
# loop without end still trips it) fails the run and lands in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(handshake_server handshake_client pem_loaders der_loaders cipher_string settings_args)
# Optimised; fuzz/Cargo.toml's release profile turns debug assertions and overflow checks on
# (`-O` keeps cargo-fuzz from forcing them on rustls too; see there). No ASan: the crate
# forbids `unsafe`, and ASan would halve the executions that look for what can go wrong
# here (panics, overflows, hangs).
BUILD_FLAGS=(-O -s none)

log() { printf '[fuzz] %s\n' "$*" >&2; }

install_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "rustup toolchain install nightly"
    rustup toolchain install nightly --profile minimal
  fi
  if ! command -v cargo-fuzz >/dev/null; then
    log "cargo install cargo-fuzz (about 2 minutes)"
    cargo install -q cargo-fuzz
  fi
}

max_len() {
  case "$1" in
    handshake_*) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# Runs one target for $2 seconds; prints one summary line (never "test result:" or "# pass",
# which scripts/test.sh totals).
run_target() {
  local t=$1 seconds=$2 work="fuzz/target/work-corpus/$1" out
  mkdir -p "$work" "fuzz/artifacts/$t"
  local dirs=("$work" "fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  out=$(mktemp)
  if ! cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$t" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-120}" -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -print_final_stats=1 >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    log "$t FAILED (the input is in fuzz/artifacts/$t/)"
    return 1
  fi
  local runs
  runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$out")
  rm -f "$out"
  printf 'fuzz %-17s %10s executions in %ss, no failure\n' "$t" "${runs:-?}" "$seconds"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${TARGETS[@]}")

case "$cmd" in
  install) install_tools ;;
  run | smoke)
    install_tools
    seconds=${FUZZ_SECONDS:-60}
    [ "$cmd" = smoke ] && seconds=${FUZZ_SMOKE_SECONDS:-3}
    log "building the targets"
    cargo +nightly fuzz build "${BUILD_FLAGS[@]}" >/dev/null 2>&1 || cargo +nightly fuzz build "${BUILD_FLAGS[@]}"
    for t in "${targets[@]}"; do run_target "$t" "$seconds"; done
    ;;
  cmin)
    # What the runs found (fuzz/target/work-corpus) joins the committed corpus, then only the
    # inputs that add coverage stay.
    install_tools
    for t in "${targets[@]}"; do
      if [ -d "fuzz/target/work-corpus/$t" ]; then
        cp -n fuzz/target/work-corpus/"$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
      fi
      cargo +nightly fuzz cmin "${BUILD_FLAGS[@]}" "$t" "fuzz/corpus/$t" -- -max_len="$(max_len "$t")"
    done
    ;;
  seeds)
    (cd fuzz && cargo +nightly run -q --release --example seeds)
    ;;
  *)
    echo "usage: $0 [run|smoke|cmin|seeds|install] [TARGET…]" >&2
    exit 2
    ;;
esac
