#!/usr/bin/env bash
# Builds eniplan's WebAssembly package: the modules for browsers (wasm/www/pkg, beside the
# previewer page: eniplan_render, loaded first, and eniplan_wasm, fetched on first use) and the
# module for Node.js (wasm/target/node), each optimised for size by binaryen's wasm-opt (npm
# `binaryen`; Debian's older one breaks wasm-bindgen 0.2.130 output). Prints their raw and gzip
# sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the build needs, each checked first, with the command that gets it (the test command,
# scripts/test-all.sh, installs all three).
missing=()
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || missing+=("the wasm32 target:          rustup target add wasm32-unknown-unknown")
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version" \
  || missing+=("wasm-bindgen-cli $bindgen_version (the version Cargo.lock pins; found: $(wasm-bindgen --version 2>/dev/null || echo none)):
                              cargo install wasm-bindgen-cli --version $bindgen_version")
[ -x wasm/node_modules/.bin/wasm-opt ] \
  || missing+=("binaryen's wasm-opt (npm):   (cd wasm && npm ci)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "wasm/build.sh cannot build yet; it needs:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi

# Two modules from one crate. The page loads eniplan_render first: rendering alone (no readers,
# sources, YAML text or changes, and no merging with a host's files). eniplan_wasm has
# everything; the page fetches it when one of those is first used, and Node.js gets it.
module=target/wasm32-unknown-unknown/wasm-release/eniplan_wasm.wasm
optimise() {
  # The features rustc enables by default for wasm32-unknown-unknown (wasm-bindgen drops the
  # target_features section that would tell wasm-opt).
  wasm/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue --strip-debug --strip-producers "$1" -o "$1"
}
sizes() {
  echo "$(basename "$1"): $(stat -c %s "$1") bytes raw, $(gzip -9 -c "$1" | wc -c) bytes gzip -9"
}
cargo build -q --locked -p eniplan-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm-bindgen --target web --out-dir wasm/www/pkg --out-name eniplan_render "$module"
optimise wasm/www/pkg/eniplan_render_bg.wasm
cargo build -q --locked -p eniplan-wasm --features full --target wasm32-unknown-unknown \
  --profile wasm-release
wasm-bindgen --target web --out-dir wasm/www/pkg "$module"
wasm-bindgen --target nodejs --out-dir wasm/target/node "$module"
optimise wasm/www/pkg/eniplan_wasm_bg.wasm
optimise wasm/target/node/eniplan_wasm_bg.wasm
sizes wasm/www/pkg/eniplan_render_bg.wasm
sizes wasm/www/pkg/eniplan_wasm_bg.wasm
