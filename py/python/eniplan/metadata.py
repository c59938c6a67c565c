"""Reading an ECS instance's metadata on the host, for :func:`eniplan.plans_from_metadata`.

:func:`fetch` gathers the items eniplan reads from the instance metadata service into the one
JSON-shaped tree the core takes; :func:`host_nics` maps this host's MAC addresses to its
interface names. Neither decides anything about the plan: that is the core's.

Hardened mode: the metadata service may require a token. :func:`fetch` asks for one first
(``PUT /latest/api/token`` with ``X-aliyun-ecs-metadata-token-ttl-seconds``) and sends it with
every request (``X-aliyun-ecs-metadata-token``); a service that does not issue tokens is read
without one.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional, Tuple

from ._eniplan import metadata_items
from ._errors import Error

__all__ = ["DEFAULT_URL", "MetadataError", "fetch", "host_nics", "ITEMS", "ENI_ITEMS"]

#: The metadata service's tree, as instances reach it.
DEFAULT_URL = "http://100.100.100.200/latest/meta-data/"

#: The items the core reads, instance-wide and per ENI (under ``network/interfaces/macs/<mac>/``),
#: as the core lists them, so what is fetched is what is read.
_INSTANCE, _ENI = metadata_items()
ITEMS: Tuple[str, ...] = tuple(_INSTANCE)
ENI_ITEMS: Tuple[str, ...] = tuple(_ENI)

TOKEN_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aliyun-ecs-metadata-token"


class MetadataError(Error):
    """The metadata service could not be read (unreachable, refused, or a server error)."""


class _Client:
    def __init__(self, url: str, timeout: float, token_ttl: int) -> None:
        self.base = url if url.endswith("/") else url + "/"
        self.timeout = timeout
        self.headers: Dict[str, str] = {}
        parts = urllib.parse.urlsplit(self.base)
        token_url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/latest/api/token", "", ""))
        request = urllib.request.Request(
            token_url, method="PUT", headers={TOKEN_TTL_HEADER: str(token_ttl)}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                token: bytes = response.read()
                self.headers[TOKEN_HEADER] = token.decode().strip()
        except urllib.error.HTTPError:
            pass  # No token service: normal mode, read without one.
        except (urllib.error.URLError, OSError) as error:
            raise MetadataError(f"cannot reach the metadata service at {token_url}: {error}") from error

    def get(self, path: str) -> Optional[str]:
        url = self.base + path
        request = urllib.request.Request(url, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body.decode()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None  # The item does not exist for this instance (no IPv6, ...).
            hint = " (hardened mode needs a token)" if error.code in (401, 403) else ""
            raise MetadataError(f"{url}: HTTP {error.code}{hint}") from error
        except (urllib.error.URLError, OSError) as error:
            raise MetadataError(f"{url}: {error}") from error


def _put(tree: Dict[str, Any], path: str, value: str) -> None:
    *parents, leaf = path.split("/")
    node = tree
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def fetch(url: str = DEFAULT_URL, timeout: float = 2.0, token_ttl: int = 60) -> Dict[str, Any]:
    """The metadata items eniplan reads, gathered by path into one tree (each value the
    endpoint's own text), ready for :func:`eniplan.plans_from_metadata`."""
    client = _Client(url, timeout, token_ttl)
    tree: Dict[str, Any] = {}
    for item in ITEMS:
        value = client.get(item)
        if value is not None:
            _put(tree, item, value)
    listing = client.get("network/interfaces/macs/")
    macs: Dict[str, Any] = {}
    for line in (listing or "").splitlines():
        mac = line.strip().rstrip("/")
        if not mac:
            continue
        eni: Dict[str, Any] = {}
        for item in ENI_ITEMS:
            value = client.get(f"network/interfaces/macs/{mac}/{item}")
            if value is not None:
                eni[item] = value
        macs[mac] = eni
    if listing is not None:
        tree.setdefault("network", {}).setdefault("interfaces", {})["macs"] = macs
    return tree


def host_nics(sys_class_net: str = "/sys/class/net") -> Dict[str, str]:
    """This host's NICs as ``{mac: name}``, from ``/sys/class/net/*/address``."""
    nics: Dict[str, str] = {}
    for name in sorted(os.listdir(sys_class_net)):
        try:
            with open(os.path.join(sys_class_net, name, "address")) as handle:
                mac = handle.read().strip().lower()
        except OSError:
            continue
        if mac and mac != "00:00:00:00:00:00":
            nics[mac] = name
    return nics


