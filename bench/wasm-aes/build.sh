#!/usr/bin/env bash
# Builds the microbenchmark twice: plain wasm32 (what the package ships today) and with simd128.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
cargo build --release --target wasm32-unknown-unknown --target-dir target/plain
cp target/plain/wasm32-unknown-unknown/release/wasm_aes_bench.wasm out/plain.wasm
RUSTFLAGS="-C target-feature=+simd128 ${EXTRA_RUSTFLAGS:-}" cargo build --release --target wasm32-unknown-unknown --target-dir target/simd
cp target/simd/wasm32-unknown-unknown/release/wasm_aes_bench.wasm out/simd.wasm
