#!/usr/bin/env bash
# Builds the wasm once and generates both bindings from it: pkg/node (CommonJS, loads the
# wasm synchronously from disk) and pkg/web (ES module, instantiated by js/web.mjs).
# wasm-bindgen is called directly rather than through `wasm-pack build`: one cargo build
# serves both targets, and the package.json that wasm-pack would write is hand-written here.
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
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c %Y "$wasm")" ] && [ -f pkg/node/rustls_ssl.js ] && [ -f pkg/web/rustls_ssl.js ]; then
  exit 0
fi
rm -rf pkg/node pkg/web
wasm-bindgen "$wasm" --out-dir pkg/node --target nodejs --weak-refs
wasm-bindgen "$wasm" --out-dir pkg/web --target web --weak-refs
# No wasm-opt pass: Debian's binaryen (108) rewrites the externref table that wasm-bindgen
# sets up, and the module then fails to instantiate. rustc's release output is used as is.
# The package is "type": "module"; the nodejs build is CommonJS.
echo '{ "type": "commonjs" }' > pkg/node/package.json
stat -c %Y "$wasm" > "$stamp"
