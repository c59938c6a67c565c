#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine, installing what it needs first.
# Idempotent: a second run installs nothing and runs the same tests. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "system packages: the real tools the renderings are checked with"
# netplan generate, nmcli --offline, ifquery/ifup, ip netns, and cloud-init (only its `devel
# net-convert`, the cross-tool check of the readers). None of them starts a daemon here; the
# engine's tests start NetworkManager and a D-Bus (dbus-daemon) of their own inside the test's
# namespaces.
packages=(netplan.io network-manager dbus-daemon gir1.2-nm-1.0 python3-gi ifupdown iproute2
  python3-venv chromium cloud-init systemd curl qemu-user file binutils)  # systemd: systemd-analyze verify of the sync units
# curl: amazon-ec2-net-utils' scripts, which bench/sync-cost.sh runs beside `eniplan sync`;
# qemu-user runs the release's aarch64 binary; file and readelf (binutils) show it static
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# amazon-ec2-net-utils is unpacked by bench/sync-cost.sh (apt-get download), never installed:
# its package lists must be there.
apt-cache show amazon-ec2-net-utils=2.3.0-3 >/dev/null 2>&1 || as_root apt-get update -qq
for tool in netplan nmcli ifquery ifup ip python3 chromium node npm curl cc qemu-aarch64 file readelf; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
dpkg-query -W -f='netplan.io ${Version}\n' netplan.io
nmcli --version
ifup --version | head -1

step "Rust components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The core as the browser's first module builds it: no minijinja, no host merging, no YAML
# fast path, no CLI.
cargo clippy -p eniplan --no-default-features --lib --locked -- -D warnings

step "unit, snapshot, property, CLI and real-tool tests"
# CI=true makes insta fail on a changed or missing snapshot instead of writing a new one.
# The real-tool tests create network namespaces, so they need root; without it they fail.
# --nocapture shows how many plans each real tool checked.
CI=true cargo test --workspace --locked -- --nocapture

step "fuzz smoke: each cargo fuzz target for 30 s (each reader 10 s) (corpus: fuzz/corpus)"
# cargo fuzz needs unstable flags; RUSTC_BOOTSTRAP lets this machine's stable rustc take them.
if ! cargo fuzz --version 2>/dev/null | grep -q "0.13.1"; then
  cargo install -q cargo-fuzz --version 0.13.1
fi
fuzz_seconds=${ENIPLAN_FUZZ_SECONDS:-30}
# Every target built in one cargo run (both cores at once); each run below then only runs it.
mkdir -p "$root/fuzz/target"
(cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build > "$root/fuzz/target/build.log" 2>&1) \
  || { tail -40 "$root/fuzz/target/build.log" >&2; exit 1; }
for fuzz_target in render_text plan_bytes yaml_fast_path metadata metadata_aws metadata_azure api_clouds \
    read_ifcfg read_keyfile read_netplan read_ifupdown read_suse read_networkd; do
  work="$root/fuzz/target/corpus-$fuzz_target"
  rm -rf "$work" && mkdir -p "$work" && cp fuzz/corpus/"$fuzz_target"/* "$work"/
  log="$root/fuzz/target/$fuzz_target.log"
  # One reader per target, each smaller than the render path: a third of the time each.
  seconds=$fuzz_seconds
  case $fuzz_target in read_*) seconds=$(( (fuzz_seconds + 2) / 3 )) ;; esac
  if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$fuzz_target" "$work" -- \
        -max_total_time="$seconds" -print_final_stats=1) > "$log" 2>&1; then
    tail -40 "$log" >&2
    echo "cargo fuzz run $fuzz_target failed (a crash is kept in fuzz/artifacts/)" >&2
    exit 1
  fi
  echo "$fuzz_target: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$log" | sed 's/.*: //') executions in ${seconds}s, no crash"
done

step "cross-tool: nmstate's own keyfiles (gen_conf) read back by the keyfile reader"
cargo test -q --locked --manifest-path bench/peers/Cargo.toml --test nmstate_keyfiles

step "benches in quick mode: they compile and run; no timing is asserted"
cargo bench -q --locked -p eniplan --bench render -- --test > /dev/null
echo "cargo bench -p eniplan: every benchmark ran once"
cargo build -q --locked -p eniplan
ENIPLAN_BIN=target/debug/eniplan bash bench/apply-timing.sh 1
ENIPLAN_BIN=target/debug/eniplan bash bench/sync-cost.sh 1

step "the main job renders the ECS document's example for every family"
cargo run -q --locked -p eniplan > /dev/null

step "cargo package carries the templates: build the packaged crate and render with it"
cargo package -q -p eniplan --locked --allow-dirty
version=$(cargo pkgid -p eniplan | sed 's/.*[#@]//')
unpacked="$root/target/package-check"
rm -rf "$unpacked/eniplan-$version"
mkdir -p "$unpacked"
tar -xzf "target/package/eniplan-$version.crate" -C "$unpacked"
# The .crate's files carry cargo's fixed timestamps: without a fresh mtime, a build cached in
# $unpacked/target from an older package looks up to date and would be reused.
find "$unpacked/eniplan-$version" -type f -exec touch {} +
CARGO_TARGET_DIR="$unpacked/target" cargo run -q --manifest-path "$unpacked/eniplan-$version/Cargo.toml" \
  -- render --os all --format json > "$unpacked/packaged.json"
cargo run -q --locked -p eniplan -- render --os all --format json > "$unpacked/workspace.json"
cmp "$unpacked/packaged.json" "$unpacked/workspace.json"
echo "packaged crate renders byte-identical output"

step "Python: the package, built from ./py by pip (maturin fetched as the build backend)"
# One virtualenv for the test tools, kept in the ignored .cache/ so a second run is quick.
venv="$root/.cache/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check \
  maturin==1.16.0 pytest==9.2.0 mypy==2.4.1 ansible-core==2.19.14 salt==3008.4 \
  ansible==12.3.0 `# the community package: ansible.windows, for the Windows example's syntax check` \
  tree-sitter==0.26.1 tree-sitter-powershell==0.26.4 `# PowerShell's grammar: the Windows apply script` \
  awscli==1.46.3  # the AWS CLI judges the cloud target's aws ec2 calls offline
# The Azure CLI judges the cloud target's az calls offline; its ~100 dependencies get a
# virtualenv of their own so they pin nothing of the one above.
venv_az="$root/.cache/venv-az"
[ -x "$venv_az/bin/python" ] || python3 -m venv "$venv_az"
"$venv_az/bin/pip" install -q --disable-pip-version-check azure-cli==2.91.0
dist="$root/target/python-dist"
rm -rf "$dist" && mkdir -p "$dist"
# `pip wheel ./py` is `pip install ./py` up to the install: pip builds ./py with maturin.
"$venv/bin/pip" wheel -q --disable-pip-version-check --no-deps ./py -w "$dist" > "$dist/build.log" 2>&1 \
  || { cat "$dist/build.log" >&2; exit 1; }
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$dist"/eniplan-*.whl

step "Python: the wheel and an sdist, each installed into a fresh virtualenv, render the ECS document's example"
"$venv/bin/maturin" sdist -m py/Cargo.toml -o "$dist" > /dev/null
tar -tzf "$dist"/eniplan-*.tar.gz > "$dist/sdist-files.txt"
grep -q "core/templates/rhel/ifcfg-INTERFACE" "$dist/sdist-files.txt" \
  || { echo "the sdist does not carry the templates" >&2; exit 1; }
expected=$(cargo run -q --locked -p eniplan -- render --os all --format json)
for artifact in "$dist"/eniplan-*.whl "$dist"/eniplan-*.tar.gz; do
  fresh="$dist/venv-$(basename "$artifact" | sed 's/[^a-z]//g' | tail -c 8)"
  python3 -m venv "$fresh"
  "$fresh/bin/pip" install -q --disable-pip-version-check "$artifact"
  got=$("$fresh/bin/python" -c 'import eniplan, json; print(json.dumps(eniplan.render_example(), indent=2, ensure_ascii=False))')
  [ "$got" = "$expected" ] || { echo "$(basename "$artifact") renders differently from the CLI" >&2; exit 1; }
  echo "$(basename "$artifact"): installed in a fresh venv, renders byte-identical to the CLI"
done

step "Python: API, errors, stubs (mypy), CLI parity, Ansible and Salt"
cargo build -q --locked -p eniplan
(cd py/tests && ENIPLAN_CLI="$root/target/debug/eniplan" "$venv/bin/python" -m pytest -q -p no:cacheprovider)
# ansible-test sanity, each test that runs offline (the others install linters from PyPI into
# virtualenvs of their own).
(cd integrations/ansible/ansible_collections/eniplan/network \
  && "$venv/bin/ansible-test" sanity --local --python "$("$venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')" \
    --test action-plugin-docs --test compile --test empty-init --test line-endings \
    --test no-assert --test no-get-exception --test no-illegal-filenames --test no-smart-quotes \
    --test shebang --test symlinks --test use-argspec-type-path --test use-compat-six \
    --test replace-urlopen 2>&1 | grep -v "locale" ) || { echo "ansible-test sanity failed" >&2; exit 1; }

step "WASM: target, wasm-bindgen CLI (the version Cargo.lock pins), npm packages, build"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version"; then
  # --locked fails for 0.2.130 (its lockfile wants a crate version the registry lacks).
  cargo install -q wasm-bindgen-cli --version "$bindgen_version"
fi
(cd wasm && npm ci --no-audit --no-fund --loglevel=error)
# Without a prerequisite, build.sh refuses and says how to get it (here: no wasm-bindgen).
no_bindgen=$(mktemp -d)
ln -s "$(command -v rustup)" "$no_bindgen/rustup"
if said=$(PATH="$no_bindgen:/usr/bin:/bin" bash wasm/build.sh 2>&1); then
  echo "wasm/build.sh built without wasm-bindgen" >&2; exit 1
fi
grep -q "cargo install wasm-bindgen-cli --version $bindgen_version" <<< "$said" \
  || { echo "wasm/build.sh did not say how to get wasm-bindgen: $said" >&2; exit 1; }
rm -rf "$no_bindgen"
bash wasm/build.sh

step "WASM: node tests of the built package, and the previewer in headless Chromium"
(cd wasm && ENIPLAN_CLI="$root/target/debug/eniplan" node --test tests/)

step "release: scripts/release.sh builds every artifact into dist/; each one is used here"
bash scripts/release.sh
version=$(cargo pkgid -p eniplan | sed 's/.*[#@]//')
(cd dist && sha256sum --quiet -c SHA256SUMS)
expected=$(cargo run -q --locked -p eniplan -- render --os all --format json)
# The x86_64 binary in a root that holds nothing but itself: no libc, no loader, no /etc.
empty=$(mktemp -d)
cp "dist/eniplan-$version-x86_64-unknown-linux-musl" "$empty/eniplan"
[ "$(as_root chroot "$empty" /eniplan render --os all --format json)" = "$expected" ] \
  || { echo "the static x86_64 binary renders differently in an empty root" >&2; exit 1; }
rm -rf "$empty"
# The aarch64 one under qemu's user-mode emulation.
[ "$(qemu-aarch64 "dist/eniplan-$version-aarch64-unknown-linux-musl" render --os all --format json)" = "$expected" ] \
  || { echo "the static aarch64 binary renders differently" >&2; exit 1; }
# The x86_64 wheel, installed into a fresh virtualenv, renders the same.
fresh=$(mktemp -d)
python3 -m venv "$fresh"
"$fresh/bin/pip" install -q --disable-pip-version-check dist/eniplan-*manylinux_2_17_x86_64.whl
got=$("$fresh/bin/python" -c 'import eniplan, json; print(json.dumps(eniplan.render_example(), indent=2, ensure_ascii=False))')
[ "$got" = "$expected" ] || { echo "the manylinux2014 wheel renders differently" >&2; exit 1; }
rm -rf "$fresh"
# The collection tarball installs, and configures a host whose Python has no eniplan with the
# static binary it carries.
collections=$(mktemp -d)
"$venv/bin/ansible-galaxy" collection install -p "$collections" dist/eniplan-network-*.tar.gz > /dev/null
(cd py/tests && ENIPLAN_COLLECTIONS="$collections" ENIPLAN_CLI="$root/target/debug/eniplan" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider test_ansible_controller.py)
rm -rf "$collections"
# A Salt minion without the package runs the release's static binary from the file server.
(cd py/tests && ENIPLAN_STATIC_BINARY="$root/dist/eniplan-$version-$(uname -m)-unknown-linux-musl" \
  ENIPLAN_CLI="$root/target/debug/eniplan" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider test_salt.py -k binary)
echo "dist/: static binaries (empty root, qemu-aarch64), wheels, collection, previewer, SHA256SUMS verified"
