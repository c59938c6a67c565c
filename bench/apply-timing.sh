#!/usr/bin/env bash
# How long `eniplan apply` takes to reach a verified state, and a rollback to complete, on the
# test host the engine's tests use: a network namespace with a veth NIC whose gateway lives in
# a second namespace, a mount namespace whose /etc, /var and /run are this script's, and the
# real ifdown/ifup (Debian's networking.service commands). Needs root, iproute2, ifupdown,
# util-linux. Prints the median, minimum and maximum of ROUNDS runs (default 15) of:
#   - apply of a one-ENI plan (1 + 2 addresses) on a fresh NIC, to a verified state;
#   - its rollback by hand (`eniplan rollback`), to the state before;
#   - an apply whose gateway does not answer: the probe's 3 s, then the automatic rollback.
# Usage: bash bench/apply-timing.sh [ROUNDS]   (ENIPLAN_BIN=path: time that binary instead
# of a release build; the test command runs one round of the debug build to keep it working)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
if [ -z "${ENIPLAN_BIN:-}" ]; then
  cargo build -q --release --locked -p eniplan
  ENIPLAN_BIN=$PWD/target/release/eniplan
fi
bin=$(realpath "$ENIPLAN_BIN")
work=$PWD/target/apply-timing
rm -rf "$work" && mkdir -p "$work"
host=eniplan-timing-h$$
gw=eniplan-timing-g$$
cleanup() { ip netns del "$host" 2>/dev/null || true; ip netns del "$gw" 2>/dev/null || true; }
trap cleanup EXIT

fresh() {
  cleanup
  rm -rf "$work/root" && mkdir -p "$work/root"
  local r=$work/root
  mkdir -p "$r"/etc/network/{interfaces.d,if-pre-up.d,if-up.d,if-down.d,if-post-down.d} \
    "$r"/run/network "$r"/{etc-up,etc-work,var-up,var-work}
  printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > "$r/etc/network/interfaces"
  ip netns add "$host"; ip netns add "$gw"
  ip -n "$host" link set lo up; ip -n "$gw" link set lo up
  ip link add eth1 netns "$host" type veth peer name gw0 netns "$gw"
  ip -n "$gw" addr add 192.168.2.253/24 dev gw0; ip -n "$gw" link set gw0 up
}

in_host() {
  local r=$work/root
  ip netns exec "$host" unshare -m sh -c "
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$r/etc-up,workdir=$r/etc-work /etc
    mount --bind $r/etc/network /etc/network
    mount -t overlay overlay -o lowerdir=/var,upperdir=$r/var-up,workdir=$r/var-work /var
    mount --bind $r/run /run
    exec \"\$@\"" sh "$bin" "$@"
}

good=$work/good.yaml
bad=$work/bad.yaml
printf 'interface: eth1\nprimary: 192.168.2.10\nsecondaries: [192.168.2.11, 192.168.2.12]\nprefix: 24\ngateway: 192.168.2.253\n' > "$good"
sed 's/192.168.2.253/192.168.2.254/' "$good" > "$bad"

now_ms() { date +%s%3N; }
: > "$work/apply.ms"; : > "$work/rollback.ms"; : > "$work/failed.ms"
for _ in $(seq "$rounds"); do
  fresh
  t0=$(now_ms); in_host apply "$good" --os debian-10 > /dev/null; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/apply.ms"
  t0=$(now_ms); in_host rollback > /dev/null || [ $? -eq 1 ]; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/rollback.ms"
  fresh
  t0=$(now_ms); in_host apply "$bad" --os debian-10 > /dev/null || [ $? -eq 1 ]; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/failed.ms"
done

summary() {
  sort -n "$2" | awk -v what="$1" '{ v[NR] = $1 } END {
    printf "%-58s median %5d ms  (min %d, max %d, %d runs)\n", what, v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
summary "apply → verified (1+2 addresses, ifdown/ifup):" "$work/apply.ms"
summary "rollback by hand → the state before:" "$work/rollback.ms"
summary "apply with a silent gateway → rolled back (3 s probe):" "$work/failed.ms"
