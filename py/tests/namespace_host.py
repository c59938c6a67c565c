"""A host to apply to, for real and in isolation (the Rust tests' `engine.rs` host, for the
Python surfaces): a network namespace whose veth NICs have their gateways in a second
namespace, and a command wrapper that runs inside it and inside a mount namespace of its own
whose /etc and /var are overlays with this host's directories on top and whose /etc/network
and /run are this host's. The real ifdown/ifup run there; nothing reaches this machine's own
/etc, /var, /run or interfaces, and no packet leaves the two namespaces."""

from __future__ import annotations

import itertools
import json
import os
import pathlib
import shlex
import subprocess
import time
from typing import Dict, List, Optional, Sequence, Tuple

_COUNTER = itertools.count()


def ip(*args: str) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    assert result.returncode == 0, f"ip {' '.join(args)}: {result.stderr}"
    return result.stdout


class NamespaceHost:
    """A Debian 10 host: the loopback and a `source` of interfaces.d, ifupdown's hook
    directories, one veth NIC per (name, gateway)."""

    def __init__(self, base: pathlib.Path, nics: Sequence[Tuple[str, Optional[str]]]):
        n = next(_COUNTER)
        self.name = f"pyh-{os.getpid()}-{n}"
        self.gateways = f"pyg-{os.getpid()}-{n}"
        self.root = base
        self.network_manager: Optional[subprocess.Popen[bytes]] = None
        for sub in ["etc/network/interfaces.d", "etc/network/if-pre-up.d", "etc/network/if-up.d",
                    "etc/network/if-down.d", "etc/network/if-post-down.d", "run/network",
                    "etc-up", "etc-work", "var-up", "var-work"]:
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "etc/network/interfaces").write_text(
            "auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n")
        for namespace in (self.name, self.gateways):
            ip("netns", "add", namespace)
            ip("-n", namespace, "link", "set", "lo", "up")
        for index, (nic, gateway) in enumerate(nics):
            peer = f"gw{index}"
            ip("link", "add", nic, "netns", self.name, "type", "veth", "peer", "name", peer,
               "netns", self.gateways)
            ip("-n", self.gateways, "link", "set", peer, "up")
            if gateway:
                ip("-n", self.gateways, "addr", "add", f"{gateway}/24", "dev", peer)

    def start_network_manager(self, profiles: Dict[str, str]) -> None:
        """Runs the real NetworkManager, with a system D-Bus of its own, in the host's network
        namespace and a mount and UTS namespace of its own (as the Rust tests' host does):
        /etc/NetworkManager (with `profiles`, file name → keyfile), /run and its state are this
        host's, /sys is read-only so it takes links without udev. Waits until it manages the
        NICs and has activated the profiles."""
        r = self.root
        connections = r / "etc/NetworkManager/system-connections"
        connections.mkdir(parents=True, exist_ok=True)
        for name, text in profiles.items():
            (connections / name).write_text(text)
            (connections / name).chmod(0o600)
        for sub in ("nm-state", "nm-etc-up", "nm-etc-work", "run/dbus"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        (r / "NetworkManager.conf").write_text(
            "[main]\nplugins=keyfile\nno-auto-default=*\nhostname-mode=none\ndns=none\n")
        q = shlex.quote(str(r))
        script = (
            "set -e\n"
            f"mount -t overlay overlay -o lowerdir=/etc,upperdir={q}/nm-etc-up,workdir={q}/nm-etc-work /etc\n"
            f"mount --bind {q}/etc/NetworkManager /etc/NetworkManager\n"
            "mkdir -p /var/lib/NetworkManager\n"
            f"mount --bind {q}/nm-state /var/lib/NetworkManager\n"
            f"mount --bind {q}/run /run\n"
            "mount -o remount,ro /sys\n"
            "dbus-daemon --system --fork\n"
            f"exec NetworkManager --no-daemon --config {q}/NetworkManager.conf"
        )
        log = open(r / "NetworkManager.log", "wb")
        self.network_manager = subprocess.Popen(
            ["ip", "netns", "exec", self.name, "unshare", "-m", "-u", "sh", "-c", script],
            stdout=log, stderr=log)
        ids = [name.removesuffix(".nmconnection") for name in profiles]
        deadline = time.monotonic() + 20
        while True:
            active = self.run(["nmcli", "-t", "-f", "NAME", "connection", "show", "--active"])
            if active.returncode == 0 and all(i in active.stdout.splitlines() for i in ids):
                return
            assert time.monotonic() < deadline, (r / "NetworkManager.log").read_text()
            time.sleep(0.1)

    def close(self) -> None:
        if self.network_manager is not None:
            self.network_manager.kill()
            self.network_manager.wait()
        pid = self.root / "run/dbus/pid"
        if pid.exists():
            subprocess.run(["kill", pid.read_text().strip()], capture_output=True)
        for namespace in (self.name, self.gateways):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)

    def argv(self, command: Sequence[str]) -> List[str]:
        """`command` as it runs inside the host."""
        r = shlex.quote(str(self.root))
        script = (
            "set -e\n"
            f"mount -t overlay overlay -o lowerdir=/etc,upperdir={r}/etc-up,workdir={r}/etc-work /etc\n"
            f"mount --bind {r}/etc/network /etc/network\n"
            f"if [ -d {r}/etc/NetworkManager ]; then mount --bind {r}/etc/NetworkManager /etc/NetworkManager; fi\n"
            f"mount -t overlay overlay -o lowerdir=/var,upperdir={r}/var-up,workdir={r}/var-work /var\n"
            f"mount --bind {r}/run /run\n"
            'exec "$@"'
        )
        return ["ip", "netns", "exec", self.name, "unshare", "-m", "sh", "-c", script, "sh",
                *command]

    def run(self, command: Sequence[str], env: Optional[Dict[str, str]] = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(command), capture_output=True, text=True, env=env)

    def addresses(self, interface: str) -> List[str]:
        """The interface's global IPv4 addresses, primary first, as `address/prefix`."""
        links = json.loads(ip("-n", self.name, "-j", "addr", "show", "dev", interface))
        return [f"{a['local']}/{a['prefixlen']}" for link in links for a in link["addr_info"]
                if a["family"] == "inet" and a.get("scope") == "global"]

    def default_route(self) -> List[str]:
        routes = json.loads(ip("-n", self.name, "-j", "route", "show", "default"))
        return [f"{r.get('gateway')} {r.get('dev')}" for r in routes]

    def files(self) -> Dict[str, bytes]:
        """The host's network configuration and everything written over /etc, by path."""
        out = {}
        for top in ("etc/network", "etc/NetworkManager", "etc-up"):
            for path in (self.root / top).rglob("*"):
                if path.is_file():
                    out[str(path.relative_to(self.root))] = path.read_bytes()
        return out

    def journal(self) -> pathlib.Path:
        return self.root / "var-up/lib/eniplan"
