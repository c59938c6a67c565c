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

    def close(self) -> None:
        for namespace in (self.name, self.gateways):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)

    def argv(self, command: Sequence[str]) -> List[str]:
        """`command` as it runs inside the host."""
        r = shlex.quote(str(self.root))
        script = (
            "set -e\n"
            f"mount -t overlay overlay -o lowerdir=/etc,upperdir={r}/etc-up,workdir={r}/etc-work /etc\n"
            f"mount --bind {r}/etc/network /etc/network\n"
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
        for top in ("etc/network", "etc-up"):
            for path in (self.root / top).rglob("*"):
                if path.is_file():
                    out[str(path.relative_to(self.root))] = path.read_bytes()
        return out

    def journal(self) -> pathlib.Path:
        return self.root / "var-up/lib/eniplan"
