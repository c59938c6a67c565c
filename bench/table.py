"""Turns the JSON lines of bench/compare.sh into a markdown table: each target and plan size,
eniplan's time, and every peer as a multiple of it."""

import json
import sys
from collections import defaultdict

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
us = {(r["tool"], r["what"], r["plan"]): r["us"] for r in rows}
plans = ["1+2", "1+9", "1+49"]


def cell(tool, what, plan, base):
    value = us.get((tool, what, plan))
    if value is None:
        return "—"
    return f"{value:,.1f} µs ({value / base:,.0f}×)" if base else f"{value:,.1f} µs"


print("| target | plan | eniplan (Rust) | eniplan (Python call) | cloud-init parse+render | cloud-init render only | nmstate new_from_yaml+gen_conf | os-net-config |")
print("|---|---|---|---|---|---|---|---|")
for what in ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows", "keyfile", "networkd", "all"]:
    for plan in plans:
        base = us.get(("eniplan", what, plan))
        parse = us.get(("cloud-init", "parse", plan), 0)
        render = us.get(("cloud-init", what, plan))
        both = f"{parse + render:,.0f} µs ({(parse + render) / base:,.0f}×)" if render and base else "—"
        label = "the six seed families" if what == "all" else what
        print(f"| {label} | {plan} | {base:,.1f} µs | {cell('eniplan-python', what, plan, base)} | {both} | "
              f"{cell('cloud-init', what, plan, base)} | {cell('nmstate', what, plan, base)} | "
              f"{cell('os-net-config', what, plan, base)} |")
print()
for plan in plans:
    print(f"- YAML → validated plan, {plan}: eniplan {us[('eniplan', 'parse', plan)]:.1f} µs; "
          f"cloud-init parse_net_config_data {us.get(('cloud-init', 'parse', plan), 0):,.0f} µs; "
          f"nmstate new_from_yaml {us.get(('nmstate', 'parse', plan), 0):.1f} µs")
