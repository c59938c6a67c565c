#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine, installing what it needs first.
# Idempotent: a second run installs nothing and runs the same tests. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "Rust components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, snapshot and property tests"
# CI=true makes insta fail on a changed or missing snapshot instead of writing a new one.
CI=true cargo test --workspace --locked

step "the main job renders the seed's example for every family"
cargo run -q --locked -p eniplan > /dev/null

step "cargo package carries the templates: build the packaged crate and render with it"
cargo package -q -p eniplan --locked --allow-dirty
version=$(cargo pkgid -p eniplan | sed 's/.*[#@]//')
unpacked="$root/target/package-check"
rm -rf "$unpacked/eniplan-$version"
mkdir -p "$unpacked"
tar -xzf "target/package/eniplan-$version.crate" -C "$unpacked"
CARGO_TARGET_DIR="$unpacked/target" cargo run -q --manifest-path "$unpacked/eniplan-$version/Cargo.toml" \
  -- render --os all --format json > "$unpacked/packaged.json"
cargo run -q --locked -p eniplan -- render --os all --format json > "$unpacked/workspace.json"
cmp "$unpacked/packaged.json" "$unpacked/workspace.json"
echo "packaged crate renders byte-identical output"
