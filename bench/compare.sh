#!/usr/bin/env bash
# eniplan beside the peers a user would otherwise pick, on the same plans (1+2, 1+9 and 1+49
# addresses), in one run: nmstate's gen_conf (Rust, bench/peers), cloud-init's renderers
# (Debian's package, in-process in Debian's python3, with the eniplan wheel beside them) and
# os-net-config (PyPI). Every figure is a median of 15 batches; the table gives each peer as a
# multiple of eniplan's time. Installs what it needs (apt cloud-init; a venv for os-net-config).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/bench-compare"
rm -rf "$out" && mkdir -p "$out"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

dpkg-query -W -f='${Status}' cloud-init 2>/dev/null | grep -q "install ok installed" || {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cloud-init
}
onc="$root/.cache/os-net-config"
[ -x "$onc/bin/python" ] || python3 -m venv "$onc"
"$onc/bin/pip" install -q --disable-pip-version-check os-net-config==18.1.0

echo "== eniplan and nmstate (Rust, release, same allocator)" >&2
CARGO_TARGET_DIR="$root/target/bench-peers" cargo build -q --release --manifest-path bench/peers/Cargo.toml
"$root/target/bench-peers/release/eniplan-bench-peers" > "$out/rust.jsonl"

echo "== cloud-init and the eniplan Python binding (Debian python3)" >&2
venv="$root/.cache/venv"
[ -x "$venv/bin/maturin" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q maturin==1.16.0; }
"$venv/bin/maturin" build -q --release -m py/Cargo.toml -o "$out/wheel" > /dev/null 2>&1
(cd "$out" && mkdir -p eniplan-py && python3 -m zipfile -e wheel/eniplan-*.whl eniplan-py)
PYTHONPATH="$out/eniplan-py" /usr/bin/python3 bench/peers.py > "$out/python.jsonl"

echo "== os-net-config" >&2
"$onc/bin/python" bench/peers.py --os-net-config > "$out/os-net-config.jsonl"

python3 bench/table.py "$out"/*.jsonl | tee "$out/table.md"
