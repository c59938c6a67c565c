"""Reading an instance's metadata on the host, for :func:`eniplan.plans_from_metadata`.

:func:`fetch` asks the cloud's metadata service (Alibaba Cloud, AWS or Azure) for the items
eniplan reads, gathered into the one JSON-shaped tree the core takes; :func:`host_nics` maps
this host's MAC addresses to its interface names. Neither decides anything about the plan:
that is the core's, and the fetch itself is the core's too (``eniplan::fetch``), so the CLI's
``eniplan sync`` and this package ask the same way.

Tokens: Alibaba Cloud's hardened mode (``X-aliyun-ecs-metadata-token``) and EC2's IMDSv2
(``X-aws-ec2-metadata-token``) are asked for first; a service that does not issue tokens is read
without one. Azure is asked with ``Metadata: true``. No proxy is used. A key that does not
answer in full (an error status, a timeout, a body cut short) raises :class:`MetadataError`
naming it: nothing partial is returned.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple

from ._eniplan import fetch_metadata, metadata_items, provider_from_dmi
from ._errors import MetadataError

__all__ = ["DEFAULT_URL", "MetadataError", "fetch", "host_nics", "cloud_of_host", "ITEMS",
           "ENI_ITEMS"]

#: Alibaba Cloud's metadata tree, as instances reach it.
DEFAULT_URL = "http://100.100.100.200/latest/meta-data/"

#: The items the core reads from Alibaba Cloud's metadata, instance-wide and per ENI (under
#: ``network/interfaces/macs/<mac>/``), as the core lists them.
_INSTANCE, _ENI = metadata_items()
ITEMS: Tuple[str, ...] = tuple(_INSTANCE)
ENI_ITEMS: Tuple[str, ...] = tuple(_ENI)


def fetch(url: Optional[str] = None, timeout: float = 2.0, token_ttl: int = 60,
          cloud: str = "aliyun", attempts: int = 3, root: str = "/") -> Dict[str, Any]:
    """The metadata items eniplan reads from ``cloud``'s service (``aliyun``, ``aws``,
    ``azure``; ``auto``: the one the DMI values under ``root`` name, else the one whose service
    answers, at ``url`` when given), gathered by path into one tree (each value the endpoint's own text; Azure's one JSON answer), ready for
    :func:`eniplan.plans_from_metadata`. ``url`` is the service's address (the provider's own
    by default; a ``…/latest/meta-data/`` suffix is accepted). ``token_ttl`` is kept for
    callers of earlier versions; the token lives six hours."""
    del token_ttl
    base = None
    if url is not None:
        base = url.split("/latest/meta-data", 1)[0].rstrip("/")
    document: Dict[str, Any] = json.loads(fetch_metadata(cloud, base, timeout, attempts, root))
    return document


def cloud_of_host(root: str = "/") -> Optional[str]:
    """The cloud (``aliyun``, ``aws``, ``azure``) this host's DMI values name, or ``None``."""
    return provider_from_dmi(root)


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


