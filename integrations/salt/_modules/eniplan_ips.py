"""Salt execution module ``eniplan``: render and validate ENI plans with eniplan.

    salt-call eniplan.render plan='{interface: eth0, primary: 192.168.1.201, ...}' target=centos-7
    salt-call eniplan.validate plan=...
    salt-call eniplan.targets
"""

__virtualname__ = "eniplan"


def __virtual__():
    try:
        import eniplan  # noqa: F401
    except ImportError:
        return (False, "the eniplan Python package is not installed (pip install the release's wheel, eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl, or pip install ./py from a checkout)")
    return __virtualname__


def _target(target, root="/"):
    import eniplan

    if target == "auto":
        # The stack the host under root runs; the os/osrelease grains stand in for a root
        # without os-release.
        return eniplan.detect(root, distribution=__grains__.get("os") or None,
                              version=__grains__.get("osrelease", ""))["target"]
    return target


def render(plan=None, target="auto", state="present", previous=None, source="plan",
           metadata_url=None, nics=None, root="/", metadata_cloud="auto"):
    """The rendering of ``plan`` (one ENI, or a list of them: an instance) for ``target``
    (``auto``: the network stack the host under ``root`` runs), merged with the host's files
    under ``root``: what eniplan does not own there stays as it is.
    ``state=absent`` renders the removal of the secondaries; ``previous`` (the plan in force
    now) renders the change from it: stale files deleted, dropped addresses removed.
    ``source=metadata`` renders every ENI of this instance from its instance metadata instead
    (``metadata_cloud``: ``auto``, told by the DMI values under ``root`` or the service that
    answers, or ``aliyun``, ``aws``, ``azure``; ``metadata_url`` to read another service; ``nics``,
    ``{mac: name}``, instead of the host's own names); partial metadata raises before
    anything is written."""
    import eniplan

    target = _target(target, root)
    if source == "metadata":
        import eniplan.metadata

        if plan or previous or state != "present":
            raise eniplan.PlanError(
                "source=metadata takes no plan, previous or state=absent: the metadata is the plan",
                [],
            )
        plans = metadata_plans(metadata_url, nics, metadata_cloud, root)
        return eniplan.render_instance(plans, target, root)
    if state == "absent":
        return eniplan.render_absent(plan, target, root)
    if previous:
        return eniplan.render_change(previous, plan, target, root)
    return eniplan.render(plan, target, root)


def metadata_plans(metadata_url=None, nics=None, metadata_cloud="auto", root="/"):
    """Every ENI's plan of this instance, from ``metadata_cloud``'s instance metadata
    (``auto``: told by the DMI values under ``root``, else by the service that answers;
    ``metadata_url`` to read another service; ``nics``, ``{mac: name}``, instead of the
    host's own names)."""
    import eniplan
    import eniplan.metadata

    document = eniplan.metadata.fetch(metadata_url, cloud=metadata_cloud, root=root)
    return eniplan.plans_from_metadata(document, nics or eniplan.metadata.host_nics())


def validate(plan, target=None):
    """Every problem of ``plan`` as dicts with field, value, message and kind (empty: valid)."""
    import eniplan

    return [
        {"field": p.field, "value": p.value, "message": p.message, "kind": p.kind}
        for p in eniplan.validate(plan, _target(target) if target else None)
    ]


def targets():
    """Every eniplan target."""
    import eniplan

    return eniplan.targets()
