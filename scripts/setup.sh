#!/usr/bin/env bash
# Installs, idempotently, what a fresh machine of this project's kind lacks. Each step checks
# first, so a second run costs a few hundred milliseconds.
#   bash scripts/setup.sh        everything `npm test` needs
#   bash scripts/setup.sh demo   only what building and running the demo needs (`npm start`):
#                                no browsers, websockify, openssl, wasm-pack or fuzzing tools
set -euo pipefail

case "${1:-all}" in
  all) full=1 ;;
  demo) full=0 ;;
  *) printf 'usage: %s [demo]\n' "$0" >&2; exit 2 ;;
esac

# The wasm-bindgen CLI must match the crate pinned in Cargo.toml exactly.
WASM_BINDGEN_VERSION=0.2.130
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)          # ring's C parts for wasm32
if [ "$full" = 1 ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  command -v openssl >/dev/null || need_apt+=(openssl)        # test peers and fixtures
  command -v websockify >/dev/null || need_apt+=(websockify)  # a tunnel nobody here wrote
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # No --locked: the CLI's lock file names a crate version this registry lacks.
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$full" = 1 ]; then
  # wasm-pack only runs the wasm tests (`wasm-pack test`); the build calls wasm-bindgen itself.
  if ! command -v wasm-pack >/dev/null; then
    log "cargo install wasm-pack (about 4 minutes)"
    cargo install -q wasm-pack
  fi
  # Nightly Rust and cargo-fuzz, for the fuzz smoke in `npm test` (scripts/fuzz.sh).
  bash scripts/fuzz.sh install
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  else
    log "npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
