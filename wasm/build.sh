#!/usr/bin/env bash
# Builds eniplan's WebAssembly package: the module for browsers (wasm/www/pkg, beside the
# previewer page) and for Node.js (wasm/target/node), each optimised for size by binaryen's
# wasm-opt (npm `binaryen`; Debian's older one breaks wasm-bindgen 0.2.130 output). Prints the
# module's raw and gzip sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --locked -p eniplan-wasm --target wasm32-unknown-unknown --profile wasm-release
module=target/wasm32-unknown-unknown/wasm-release/eniplan_wasm.wasm
wasm-bindgen --target web --out-dir wasm/www/pkg "$module"
wasm-bindgen --target nodejs --out-dir wasm/target/node "$module"
before=$(stat -c %s wasm/www/pkg/eniplan_wasm_bg.wasm)
for out in wasm/www/pkg/eniplan_wasm_bg.wasm wasm/target/node/eniplan_wasm_bg.wasm; do
  # The features rustc enables by default for wasm32-unknown-unknown (wasm-bindgen drops the
  # target_features section that would tell wasm-opt).
  wasm/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue --strip-debug --strip-producers "$out" -o "$out"
done
raw=$(stat -c %s wasm/www/pkg/eniplan_wasm_bg.wasm)
gz=$(gzip -9 -c wasm/www/pkg/eniplan_wasm_bg.wasm | wc -c)
echo "eniplan_wasm_bg.wasm: $raw bytes raw ($before before wasm-opt), $gz bytes gzip -9"
