#!/usr/bin/env bash
# Builds the wasm and its one binding, pkg/web: an ES module glue plus rustls_ssl_bg.wasm.
# Every entry loads that same file (js/node.mjs reads it from disk and instantiates it
# synchronously, js/web.mjs fetches it), so the package ships the 2 MB of wasm once.
# wasm-bindgen is called directly rather than through `wasm-pack build`: the package.json
# that wasm-pack would write is hand-written here. Also run by `npm pack` (prepack).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-release}
wasm=target/wasm32-unknown-unknown/$profile/rustls_ssl.wasm
if [ "$profile" = release ]; then
  cargo build --lib --release --target wasm32-unknown-unknown
else
  cargo build --lib --target wasm32-unknown-unknown
fi

# Skip the bindgen step when the wasm has not changed since the last run.
stamp=pkg/.built-from
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c %Y "$wasm")" ] && [ -f pkg/web/rustls_ssl.js ] && [ ! -e pkg/node ]; then
  exit 0
fi
# pkg/node is what earlier versions of this script also generated; a tree that still has it
# must not look current.
rm -rf pkg/node pkg/web
wasm-bindgen "$wasm" --out-dir pkg/web --target web --weak-refs
# No wasm-opt pass: Debian's binaryen (108) rewrites the externref table that wasm-bindgen
# sets up, and the module then fails to instantiate. rustc's release output is used as is.
stat -c %Y "$wasm" > "$stamp"
