"""Stands in for a network daemon's restart where the daemon cannot run (the test host runs no
systemd, NetworkManager, wicked or systemd-networkd): `eniplan apply --restart-with
'python3 restart_standin.py FAMILY'` runs it after the files are written, and again after a
rollback restored them.

It reads the configuration under / the way the real tool does where the tool is here, and
otherwise by the format's documented meaning:
- rhel: bash sources each ifcfg file (as initscripts' ifup does); route-<if> and rule-<if>
  lines are `ip route add` / `ip rule add` arguments (initscripts' ifup-routes);
- suse: bash sources ifcfg-<if> (wicked's compat reader takes the same shell syntax); the
  columns of routes and ifroute-<if> (destination, gateway, netmask, interface, options;
  routes(5)) and the words of ifrule-<if> (ifrule(5));
- netplan: the real `netplan generate` writes systemd-networkd's files, read as below;
- networkd: each .network file in name order, the first whose [Match] Name= is the interface
  (systemd.network(5)): Address=, Gateway=, [Route], [RoutingPolicyRule];
- keyfile: libnm's own NM.keyfile_read (as NetworkManager loads a profile).

Then it makes the kernel hold exactly that, with `ip`, for each configured interface: the
link up, its global addresses replaced (the first one the primary), its main-table default
routes and the routes of its tables replaced, the rules of its tables replaced. That is what
the daemons do on a restart for a static configuration; what else they do (DHCP, carrier
handling, DNS) is not stood in for."""

from __future__ import annotations

import glob
import ipaddress
import json
import os
import subprocess
import sys
from typing import Dict, List, Optional


def ip(*args: str, check: bool = True) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


class Config:
    """What one interface's configuration asks of the kernel."""

    def __init__(self) -> None:
        self.addresses: List[str] = []
        # (destination, via or None, table or None, metric or None)
        self.routes: List[tuple] = []
        # (from, table, priority)
        self.rules: List[tuple] = []


def sourced(path: str, names: List[str]) -> Dict[str, str]:
    """The variables a shell sourcing `path` sets, as bash sees them."""
    script = 'set -a; . "$1"; for v in ' + " ".join(names) + '; do printf "%s=%s\\0" "$v" "${!v}"; done'
    out = subprocess.run(["bash", "-c", script, "bash", path], capture_output=True, text=True,
                         check=True).stdout
    values = {}
    for pair in out.split("\0"):
        if "=" in pair:
            key, value = pair.split("=", 1)
            if value:
                values[key] = value
    return values


def cidr(address: str, netmask: Optional[str], prefix: Optional[str]) -> str:
    if prefix:
        return f"{address}/{prefix}"
    if netmask:
        return f"{address}/{ipaddress.IPv4Network(f'0.0.0.0/{netmask}').prefixlen}"
    return address if "/" in address else f"{address}/32"


def rhel() -> Dict[str, Config]:
    configs: Dict[str, Config] = {}
    directory = "/etc/sysconfig/network-scripts"
    names = ["DEVICE", "BOOTPROTO", "IPADDR", "NETMASK", "PREFIX", "GATEWAY", "DEFROUTE"]
    names += [f"{key}{n}" for key in ("IPADDR", "NETMASK", "PREFIX") for n in range(256)]
    for path in sorted(glob.glob(f"{directory}/ifcfg-*")):
        values = sourced(path, names)
        device = values.get("DEVICE", path.rsplit("ifcfg-", 1)[1])
        base = device.split(":")[0]
        config = configs.setdefault(base, Config())
        if "IPADDR" in values:
            address = cidr(values["IPADDR"], values.get("NETMASK"), values.get("PREFIX"))
            # An alias file's address comes after the interface's own.
            if ":" in device:
                config.addresses.append(address)
            else:
                config.addresses.insert(0, address)
        for n in range(256):
            if f"IPADDR{n}" in values:
                config.addresses.append(cidr(values[f"IPADDR{n}"], values.get(f"NETMASK{n}"),
                                             values.get(f"PREFIX{n}")))
        if "GATEWAY" in values and values.get("DEFROUTE", "yes") != "no" and ":" not in device:
            config.routes.append(("default", values["GATEWAY"], None, None))
    for base, config in configs.items():
        for kind, target in (("route", config.routes), ("rule", config.rules)):
            path = f"{directory}/{kind}-{base}"
            if os.path.exists(path):
                for line in open(path, encoding="utf-8"):
                    if line.strip() and not line.lstrip().startswith("#"):
                        target.append(("raw", line.split()))
    return configs


def suse() -> Dict[str, Config]:
    configs: Dict[str, Config] = {}
    directory = "/etc/sysconfig/network"
    suffixes = [""] + [f"_{n}" for n in range(1, 256)]
    names = [f"{key}{s}" for key in ("IPADDR", "NETMASK", "PREFIXLEN") for s in suffixes]
    for path in sorted(glob.glob(f"{directory}/ifcfg-*")):
        interface = path.rsplit("ifcfg-", 1)[1]
        if interface == "lo":
            continue
        values = sourced(path, names)
        config = configs.setdefault(interface, Config())
        for suffix in suffixes:
            if f"IPADDR{suffix}" in values:
                config.addresses.append(cidr(values[f"IPADDR{suffix}"],
                                             values.get(f"NETMASK{suffix}"),
                                             values.get(f"PREFIXLEN{suffix}")))

    def routes(path: str, default_interface: Optional[str]) -> None:
        if not os.path.exists(path):
            return
        for line in open(path, encoding="utf-8"):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            destination, via, _mask, interface = (words + ["-"] * 4)[:4]
            interface = interface if interface != "-" else default_interface
            if interface is None:
                # wicked gives a `-` route the interface whose subnet holds the gateway.
                for name, config in configs.items():
                    if any(ipaddress.ip_address(via) in ipaddress.ip_interface(a).network
                           for a in config.addresses if via != "-"):
                        interface = name
            if interface not in configs:
                continue
            table = words[words.index("table") + 1] if "table" in words else None
            configs[interface].routes.append(
                (destination, None if via == "-" else via, table, None))

    routes(f"{directory}/routes", None)
    for interface in list(configs):
        routes(f"{directory}/ifroute-{interface}", interface)
        path = f"{directory}/ifrule-{interface}"
        if os.path.exists(path):
            for line in open(path, encoding="utf-8"):
                words = line.split()
                if words and not words[0].startswith("#"):
                    configs[interface].rules.append(("raw", words[1:]))
    return configs


def sections(path: str) -> List[tuple]:
    """A systemd unit file's sections in order, each with its (key, value) pairs in order:
    keys repeat (Address=, one per address), and so do sections ([Route])."""
    out: List[tuple] = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            out.append((line[1:-1], []))
        elif "=" in line and out:
            key, value = line.split("=", 1)
            out[-1][1].append((key.strip(), value.strip()))
    return out


def networkd(directory: str) -> Dict[str, Config]:
    configs: Dict[str, Config] = {}
    for path in sorted(glob.glob(f"{directory}/*.network")):
        parsed = sections(path)
        names = [v for name, pairs in parsed if name == "Match" for k, v in pairs if k == "Name"]
        if not names or names[0] in configs:
            continue
        config = configs.setdefault(names[0], Config())
        for kind, pairs in parsed:
            values = dict(pairs)
            if kind in ("Network", "Address"):
                for key, value in pairs:
                    if key == "Address":
                        config.addresses.extend(value.split())
                    if kind == "Network" and key == "Gateway":
                        config.routes.append(("default", value, None, None))
            if kind == "Route":
                destination = values.get("Destination", "default")
                if destination in ("0.0.0.0/0", "::/0"):
                    destination = "default"
                config.routes.append((destination, values.get("Gateway"), values.get("Table"),
                                      values.get("Metric")))
            if kind == "RoutingPolicyRule":
                config.rules.append((values["From"], values["Table"], values.get("Priority")))
    return configs


def netplan() -> Dict[str, Config]:
    subprocess.run(["netplan", "generate"], check=True, capture_output=True)
    return networkd("/run/systemd/network")


def keyfile() -> Dict[str, Config]:
    import gi

    gi.require_version("NM", "1.0")
    from gi.repository import GLib, NM

    configs: Dict[str, Config] = {}
    directory = "/etc/NetworkManager/system-connections"
    profiles = []
    for path in sorted(glob.glob(f"{directory}/*.nmconnection")):
        data = GLib.KeyFile()
        data.load_from_file(path, GLib.KeyFileFlags.NONE)
        connection = NM.keyfile_read(data, directory, NM.KeyfileHandlerFlags.NONE, None, None)
        connection.normalize()
        profiles.append((connection.get_setting_connection().get_autoconnect_priority(), path,
                         connection))
    # The profile NetworkManager activates for a NIC: the highest autoconnect-priority.
    for _priority, _path, connection in sorted(profiles, key=lambda p: (-p[0], p[1])):
        interface = connection.get_interface_name()
        if not interface or interface in configs:
            continue
        config = configs.setdefault(interface, Config())
        for setting in (connection.get_setting_ip4_config(), connection.get_setting_ip6_config()):
            if setting is None:
                continue
            for index in range(setting.get_num_addresses()):
                address = setting.get_address(index)
                config.addresses.append(f"{address.get_address()}/{address.get_prefix()}")
            if setting.get_gateway() and not setting.get_never_default():
                config.routes.append(("default", setting.get_gateway(), None, None))
            for index in range(setting.get_num_routes()):
                route = setting.get_route(index)
                table = route.get_attribute("table")
                destination = f"{route.get_dest()}/{route.get_prefix()}"
                if destination in ("0.0.0.0/0", "::/0"):
                    destination = "default"
                config.routes.append((destination, route.get_next_hop(),
                                      table.get_uint32() if table is not None else None,
                                      route.get_metric() if route.get_metric() >= 0 else None))
            for index in range(setting.get_num_routing_rules()):
                rule = setting.get_routing_rule(index)
                config.rules.append((rule.get_from(), str(rule.get_table()),
                                     str(rule.get_priority())))
    return configs


def apply(configs: Dict[str, Config]) -> None:
    links = {link["ifname"] for link in json.loads(ip("-j", "link", "show"))}
    for interface, config in configs.items():
        if interface not in links:
            continue
        ip("link", "set", interface, "up")
        ip("addr", "flush", "dev", interface, "scope", "global")
        for address in config.addresses:
            family = "-6" if ":" in address else "-4"
            extra = ["nodad"] if family == "-6" else []
            ip(family, "addr", "add", address, "dev", interface, *extra)
        tables = {str(r[2]) for r in config.routes if r[0] != "raw" and r[2]}
        for route in config.routes:
            if route[0] == "raw":
                words = route[1]
                if "table" in words:
                    tables.add(words[words.index("table") + 1])
        for family in ("-4", "-6"):
            for default in json.loads(ip("-j", family, "route", "show", "default", "dev", interface)):
                ip(family, "route", "del", "default", "via", default["gateway"], "dev", interface,
                   check=False)
        for table in tables:
            ip("route", "flush", "table", table, check=False)
            for rule in json.loads(ip("-j", "rule", "show", "table", table)):
                ip("rule", "del", "priority", str(rule["priority"]), "table", table, check=False)
        for route in config.routes:
            if route[0] == "raw":
                ip("route", "replace", *route[1])
                continue
            destination, via, table, metric = route
            words = [destination]
            if via:
                words += ["via", via]
            words += ["dev", interface]
            if metric:
                words += ["metric", str(metric)]
            if table:
                words += ["table", str(table)]
            family = "-6" if ":" in (via or destination) else "-4"
            ip(family, "route", "replace", *words)
        for rule in config.rules:
            if rule[0] == "raw":
                ip("rule", "add", *rule[1])
                continue
            source, table, priority = rule
            words = ["from", source, "table", table]
            if priority:
                words += ["priority", priority]
            ip("rule", "add", *words)


FAMILIES = {
    "rhel": rhel,
    "suse": suse,
    "netplan": netplan,
    "networkd": lambda: networkd("/etc/systemd/network"),
    "keyfile": keyfile,
}

if __name__ == "__main__":
    apply(FAMILIES[sys.argv[1]]())
