#!/usr/bin/env bash
# Builds the wasm and its one binding, pkg/web: an ES module glue plus rustls_ssl_bg.wasm.
# Every entry loads that same file (js/node.mjs reads it from disk and instantiates it
# synchronously, js/web.mjs fetches it), so the package ships the wasm once (docs/size.md).
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

# binaryen's wasm-opt from the npm devDependency (version 132): Debian's binaryen 108 rewrites
# the externref table that wasm-bindgen sets up, and the module then fails to instantiate.
wasm_opt=node_modules/.bin/wasm-opt
if [ ! -x "$wasm_opt" ]; then
  echo "build.sh: $wasm_opt is missing; run npm ci (binaryen is a devDependency)" >&2
  exit 1
fi
# The features rustc's wasm32 target emits; wasm-opt refuses a module that uses any other.
# -O1 rather than -Oz: rustc has already optimised for size, and binaryen's heavier levels
# make the file smaller but its gzip larger (docs/size.md). Functions are then laid out by
# the sort keys scripts/order-functions.mjs wrote into their names (similar code side by
# side, which gzip compresses far better), and names, producers and target features are
# dropped: the name section alone was a quarter of the file.
opt_flags=(-O1 --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features
  --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-multivalue)

# The bundled Mozilla roots, a module beside the wasm rather than data in it (src/ssl/roots.rs):
# written from the webpki-roots crate in Cargo.lock by a native run of examples/roots_js.rs.
write_roots() {
  local out=pkg/web/roots.js
  if [ -f "$out" ] && [ "$out" -nt Cargo.lock ] && [ "$out" -nt examples/roots_js.rs ] && [ "$out" -nt src/ssl/roots.rs ]; then
    return 0
  fi
  mkdir -p pkg/web
  cargo run -q --example roots_js -- "$out.tmp"
  mv "$out.tmp" "$out"
}

# Skip the bindgen and wasm-opt steps when neither the wasm nor the recipe has changed since
# the last run: the stamp holds the wasm's mtime, the wasm-opt version and flags, and the
# ordering script's checksum.
stamp=pkg/.built-from
recipe="$(stat -c %Y "$wasm") $("$wasm_opt" --version) ${opt_flags[*]} $(cksum < scripts/order-functions.mjs)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ] && [ -f pkg/web/rustls_ssl.js ] && [ -f pkg/web/rustls_ssl_bg.wasm ] && [ ! -e pkg/node ]; then
  write_roots
  exit 0
fi
# pkg/node is what earlier versions of this script also generated; a tree that still has it
# must not look current.
rm -rf pkg/node pkg/web "$stamp"
wasm-bindgen "$wasm" --out-dir pkg/web --target web --weak-refs
node scripts/order-functions.mjs pkg/web/rustls_ssl_bg.wasm
"$wasm_opt" pkg/web/rustls_ssl_bg.wasm "${opt_flags[@]}" -o pkg/web/rustls_ssl_bg.opt.wasm
mv pkg/web/rustls_ssl_bg.opt.wasm pkg/web/rustls_ssl_bg.wasm
echo "$recipe" > "$stamp"
write_roots
