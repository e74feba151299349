#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step setup
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native and wasm32) -D warnings"
cargo clippy --all-targets -- -D warnings
cargo clippy --lib --tests --target wasm32-unknown-unknown -- -D warnings

step "cargo test (the pure-Rust core, natively)"
cargo test --lib

step "build pkg/node and pkg/web"
bash scripts/build.sh

step "wasm-pack test --node"
wasm-pack test --node

step "node --test js-tests/"
node --test --test-concurrency=1 js-tests/

step "wasm-pack test --headless --chrome"
wasm-pack test --headless --chrome
