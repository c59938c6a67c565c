#!/usr/bin/env bash
# What a `sync` with nothing to change costs — it runs every minute on every host of a fleet —
# next to amazon-ec2-net-utils' own refresh, in one run against the same metadata service.
#
# The host: a network namespace with two veth NICs (eth0 = device 0 with 10.0.1.10 + 2
# secondaries, eth1 = device 1 with 10.0.2.20 + 1) and a mount namespace whose /etc, /var and
# /run are this script's. Its VPC: a second namespace with both gateways and an IMDSv2 service
# (core/tests/real_tools/scripts/metadata_server.py, tokens required) at 169.254.169.254:80,
# where both tools look by default. First `eniplan sync --cloud aws --os debian-10` configures
# the host (real ifdown/ifup); every run measured after it has nothing to change.
#
# amazon-ec2-net-utils: Debian's package (bookworm, 2.3.0), unpacked under .cache and laid
# over /usr in the host's mount namespace only (its 70-<if>.network links to its
# /usr/lib/systemd/network/80-ec2.network, and a dangling link would be remade every run). Its timer, refresh-policy-routes@<if>.timer, runs `setup-policy-routes <if> start`
# once a minute per interface; that is what runs here, for eth0 and for eth1, after a first
# pass wrote its files: its IMDSv2 queries (curl), its systemd-networkd files under
# /run/systemd/network compared by md5sum, its `ip` checks and altnames, its lock dance.
# Replaced: /lib/systemd/systemd-networkd-wait-online by /bin/true (no networkd runs in the
# namespace; it returns at once on a configured host), and networkctl by a script that counts
# its calls: the first pass reloads, a refresh that changes nothing must not (checked). One eniplan sync covers every NIC; the package's cost per host
# is the sum of its two runs.
#
# Each figure comes from wait4(2) (bench/rusage.c): user + system CPU of the command and all
# it waited for, and the peak resident set of any one of those processes.
# Usage: bash bench/sync-cost.sh [ROUNDS]   (default 20; ENIPLAN_BIN=path: that binary instead
# of a release build; the test command runs one round of the debug build to keep it working)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
if [ -z "${ENIPLAN_BIN:-}" ]; then
  cargo build -q --release --locked -p eniplan
  ENIPLAN_BIN=$PWD/target/release/eniplan
fi
bin=$(realpath "$ENIPLAN_BIN")
work=$PWD/target/sync-cost
rm -rf "$work" && mkdir -p "$work"
cc -O2 -Wall -o "$work/rusage" bench/rusage.c

# amazon-ec2-net-utils, unpacked (apt-get download needs no root and installs nothing).
netutils=$PWD/.cache/amazon-ec2-net-utils
if [ ! -x "$netutils/usr/bin/setup-policy-routes" ]; then
  rm -rf "$netutils" && mkdir -p "$netutils"
  (cd "$netutils" && apt-get download -q amazon-ec2-net-utils=2.3.0-3 >/dev/null 2>&1 \
      && dpkg -x amazon-ec2-net-utils_*.deb .) || {
    echo "sync-cost: cannot download amazon-ec2-net-utils 2.3.0-3 (apt-get update first)" >&2
    exit 2
  }
fi

host=eniplan-cost-h$$
vpc=eniplan-cost-v$$
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  ip netns del "$host" 2>/dev/null || true
  ip netns del "$vpc" 2>/dev/null || true
}
trap cleanup EXIT

root=$work/root
mkdir -p "$root"/etc/network/{interfaces.d,if-pre-up.d,if-up.d,if-down.d,if-post-down.d} \
  "$root"/run/network "$root"/{etc-up,etc-work,var-up,var-work}
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' \
  > "$root/etc/network/interfaces"
ip netns add "$host"; ip netns add "$vpc"
ip -n "$host" link set lo up; ip -n "$vpc" link set lo up
ip link add eth0 netns "$host" address 0e:49:61:0f:c3:11 type veth peer name v0 netns "$vpc"
ip link add eth1 netns "$host" address 0e:49:61:0f:c3:22 type veth peer name v1 netns "$vpc"
ip -n "$vpc" addr add 10.0.1.1/24 dev v0; ip -n "$vpc" addr add 10.0.2.1/24 dev v1
ip -n "$vpc" addr add 169.254.169.254/32 dev lo
ip -n "$vpc" link set v0 up; ip -n "$vpc" link set v1 up
# Before the first sync eth0 has what DHCP gave it (the primary address); the service is
# reached over its link, and through the gateway once the sync has configured the host.
ip -n "$host" addr add 10.0.1.10/24 dev eth0
ip -n "$host" link set eth0 up
ip -n "$host" route add 169.254.169.254/32 dev eth0

cat > "$work/cloud.json" <<'JSON'
{"mac": "0e:49:61:0f:c3:11", "placement": {"region": "us-east-1"},
 "network": {"interfaces": {"macs": {
   "0e:49:61:0f:c3:11": {"device-number": "0", "network-card-index": "0",
     "interface-id": "eni-0f95d3625f5c521cc", "local-ipv4s": "10.0.1.10\n10.0.1.11\n10.0.1.12",
     "subnet-ipv4-cidr-block": "10.0.1.0/24"},
   "0e:49:61:0f:c3:22": {"device-number": "1", "network-card-index": "0",
     "interface-id": "eni-0a1b2c3d4e5f60718", "local-ipv4s": "10.0.2.20\n10.0.2.21",
     "subnet-ipv4-cidr-block": "10.0.2.0/24"}}}}}
JSON
ip netns exec "$vpc" python3 core/tests/real_tools/scripts/metadata_server.py \
  "$work/cloud.json" "$work/no-failure" 80 169.254.169.254 > "$work/server.out" &
server=$!
for _ in $(seq 50); do grep -q ready "$work/server.out" 2>/dev/null && break; sleep 0.1; done

# Runs "$@" on the host: its network namespace, a mount namespace with this script's /etc
# (overlay), /etc/network, /var (overlay) and /run, the package's files over /usr as if
# installed, and no systemd-networkd to wait for.
in_host() {
  ip netns exec "$host" unshare -m sh -c "
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$root/etc-up,workdir=$root/etc-work /etc
    mount --bind $root/etc/network /etc/network
    mount -t overlay overlay -o lowerdir=/var,upperdir=$root/var-up,workdir=$root/var-work /var
    mount --bind $root/run /run
    mount -t overlay overlay -o lowerdir=$netutils/usr:/usr /usr
    mount --bind /bin/true /lib/systemd/systemd-networkd-wait-online
    mount --bind $work/networkctl \$(command -v networkctl)
    exec \"\$@\"" sh "$@"
}
printf '#!/bin/sh\necho "$*" >> %s/networkctl.calls\n' "$work" > "$work/networkctl"
chmod +x "$work/networkctl"
sync=("$bin" sync --cloud aws --os debian-10)
refresh() { echo /usr/bin/setup-policy-routes "$1" start; }

in_host "${sync[@]}" > "$work/first-sync.out" 2>&1 || {
  echo "sync-cost: the first sync failed:" >&2; cat "$work/first-sync.out" >&2; exit 1; }
for nic in eth0 eth1; do
  # shellcheck disable=SC2046
  in_host $(refresh "$nic") || { echo "sync-cost: setup-policy-routes $nic failed" >&2; exit 1; }
done
# Both have what they need: a sync now finds nothing to change, and the package's files exist.
in_host "${sync[@]}" --dry-run > "$work/dry-run.out" 2>&1 || {
  echo "sync-cost: the host is not in line after the first sync:" >&2
  cat "$work/dry-run.out" >&2; exit 1; }
[ -e "$root/run/systemd/network/70-eth1.network.d/ec2net_policy_4.conf" ] || {
  echo "sync-cost: amazon-ec2-net-utils wrote no policy for eth1" >&2; exit 1; }

: > "$work/eniplan"; : > "$work/netutils"; : > "$work/networkctl.calls"
for _ in $(seq "$rounds"); do
  in_host "$work/rusage" "${sync[@]}" >> "$work/eniplan"
  # shellcheck disable=SC2046
  a=$(in_host "$work/rusage" $(refresh eth0)); b=$(in_host "$work/rusage" $(refresh eth1))
  echo "$a $b" | awk '{ printf "%.1f %d %d\n", $1 + $4, ($2 > $5 ? $2 : $5), $3 + $6 }' \
    >> "$work/netutils"
done
if awk '$3 != 0 { bad = 1 } END { exit !bad }' "$work/eniplan" "$work/netutils"; then
  echo "sync-cost: a measured run failed:" >&2; cat "$work/eniplan" "$work/netutils" >&2; exit 1
fi

[ ! -s "$work/networkctl.calls" ] || {
  echo "sync-cost: a refresh reloaded networkd: it had something to change" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
e_cpu=$(cut -d' ' -f1 "$work/eniplan" | median); e_rss=$(cut -d' ' -f2 "$work/eniplan" | sort -n | tail -1)
n_cpu=$(cut -d' ' -f1 "$work/netutils" | median); n_rss=$(cut -d' ' -f2 "$work/netutils" | sort -n | tail -1)
printf '%-58s CPU median %7.1f ms   peak RSS %6d KB\n' \
  "eniplan sync, nothing to change (2 NICs):" "$e_cpu" "$e_rss" \
  "amazon-ec2-net-utils refresh, eth0 + eth1:" "$n_cpu" "$n_rss"
awk -v e="$e_cpu" -v n="$n_cpu" -v r="$e_rss" -v runs="$rounds" 'BEGIN {
  printf "eniplan / net-utils CPU: 1/%.1f; eniplan peak RSS %.1f MB (%d rounds; goal: at most 1/10, 10 MB)\n",
    n / e, r / 1024, runs }'
