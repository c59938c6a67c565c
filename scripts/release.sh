#!/usr/bin/env bash
# Builds every artifact of a release into dist/ (ignored by git), each checked as it is made:
#
#   eniplan-<version>-x86_64-unknown-linux-musl     the CLI, static: no dynamic section, so no
#   eniplan-<version>-aarch64-unknown-linux-musl    glibc at all (CentOS 7's 2.17 included)
#   eniplan-<version>-cp39-abi3-manylinux2014_{x86_64,aarch64}….whl
#                                                   the Python package: glibc 2.17 and CPython
#                                                   3.9 or later (the oldest PyO3 0.30 supports)
#   eniplan-<version>.tar.gz                        its sdist (builds with a Rust toolchain)
#   eniplan-network-<version>.tar.gz                the Ansible collection, with both binaries
#   eniplan-previewer-<version>/ (and .tar.gz)      the browser previewer, a static folder
#   SHA256SUMS
#
# Cross builds use zig as the C compiler and linker (ziglang and cargo-zigbuild from PyPI,
# maturin's --zig), so no cross toolchain or container is needed. It installs what it needs
# the way the test command does: pinned Python tools in .cache/venv-release, the Rust targets
# with rustup; the previewer needs wasm/build.sh's prerequisites (it says which are missing).
# Usage: bash scripts/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
step() { printf '\n==> %s\n' "$*"; }

version=$(cargo pkgid -p eniplan | sed 's/.*[#@]//')
dist=$root/dist
rm -rf "$dist" && mkdir -p "$dist"

step "tools: zig, cargo-zigbuild, maturin, auditwheel, ansible-galaxy (pinned), Rust targets"
venv=$root/.cache/venv-release
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check \
  ziglang==0.17.1 cargo-zigbuild==0.24.1 maturin==1.16.0 auditwheel==6.8.2 ansible-core==2.19.14
export PATH="$venv/bin:$PATH"
binaries=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
wheels=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)
rustup target add "${binaries[@]}" "${wheels[@]}" > /dev/null 2>&1 \
  || rustup target add "${binaries[@]}" "${wheels[@]}"

step "the CLI, static, for x86_64 and aarch64 Linux"
for triple in "${binaries[@]}"; do
  cargo zigbuild -q --release --locked -p eniplan --target "$triple"
  out="$dist/eniplan-$version-$triple"
  cp "target/$triple/release/eniplan" "$out"
  # Static: `file` says so, and the ELF has no dynamic section (no interpreter, no NEEDED).
  file "$out" | grep -q "statically linked" || { file "$out" >&2; exit 1; }
  readelf -d "$out" | grep -q "There is no dynamic section" || { readelf -d "$out" >&2; exit 1; }
  echo "$(basename "$out"): $(stat -c %s "$out") bytes, $(file -b "$out" | cut -d, -f1-2), statically linked"
done

step "the Python package: manylinux2014 wheels (abi3, CPython >= 3.9) and the sdist"
for triple in "${wheels[@]}"; do
  maturin build -q --release --locked -m py/Cargo.toml --zig --target "$triple" \
    --compatibility manylinux2014 -o "$dist" > /dev/null
done
maturin sdist -m py/Cargo.toml -o "$dist" > /dev/null
for wheel in "$dist"/eniplan-*.whl; do
  arch=$(basename "$wheel" | grep -o 'manylinux_2_17_[a-z0-9_]*' | sed 's/manylinux_2_17_//')
  # auditwheel reads the extension's symbol versions: nothing newer than glibc 2.17.
  auditwheel show "$wheel" > "$dist/.auditwheel" 2>&1
  tr -s ' \n' ' ' < "$dist/.auditwheel" | grep -q "is consistent with the following platform tag: \"manylinux_2_17_$arch\"" \
    || { cat "$dist/.auditwheel" >&2; exit 1; }
  echo "$(basename "$wheel"): $(stat -c %s "$wheel") bytes, auditwheel: manylinux_2_17_$arch"
done
rm -f "$dist/.auditwheel"

step "the Ansible collection (the binaries inside, for managed hosts without eniplan)"
stage=$root/target/release-collection
rm -rf "$stage" && mkdir -p "$stage"
cp -r integrations/ansible/ansible_collections/eniplan/network "$stage/network"
mkdir -p "$stage/network/files"
for triple in "${binaries[@]}"; do
  cp "$dist/eniplan-$version-$triple" "$stage/network/files/eniplan-$triple"
done
grep -q "^version: $version\$" "$stage/network/galaxy.yml" \
  || { echo "galaxy.yml's version is not $version" >&2; exit 1; }
ansible-galaxy collection build "$stage/network" --output-path "$dist" > /dev/null
echo "$(basename "$dist"/eniplan-network-*.tar.gz): $(stat -c %s "$dist"/eniplan-network-*.tar.gz) bytes"

step "the previewer: a static folder (serve it with any web server)"
bash wasm/build.sh
previewer=$dist/eniplan-previewer-$version
mkdir -p "$previewer"
cp -r wasm/www/. "$previewer/"
tar -czf "$previewer.tar.gz" -C "$dist" "$(basename "$previewer")"
echo "$(basename "$previewer"): $(du -sb "$previewer" | cut -f1) bytes"

step "SHA256SUMS"
(cd "$dist" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort \
  | xargs sha256sum > SHA256SUMS)
cat "$dist/SHA256SUMS"
