"""Salt state module ``eniplan``: ``eniplan.managed`` makes the OS use an ENI's secondary IPs.

.. code-block:: yaml

    eth0-secondary-ips:
      eniplan.managed:
        - plan:
            interface: eth0
            primary: 192.168.1.201
            secondaries: [192.168.1.202, 192.168.1.203]
            prefix: 24
            gateway: 192.168.1.253
        - target: auto        # from the os/osrelease grains
        - apply: true         # run the commands and restart step after a change

Files are written atomically with their mode and only when they differ; stale files are
deleted; in test mode nothing is written and ``changes`` shows what would change.
"""

import difflib

__virtualname__ = "eniplan"


def __virtual__():
    try:
        import eniplan  # noqa: F401
    except ImportError:
        return (False, "the eniplan Python package is not installed (pip install eniplan)")
    return __virtualname__


def _diff(change):
    return "".join(
        difflib.unified_diff(
            (change.before or "").splitlines(True),
            (change.after or "").splitlines(True),
            fromfile=change.path if change.before is not None else "/dev/null",
            tofile=change.path if change.after is not None else "/dev/null",
        )
    )


def managed(name, plan=None, target="auto", state="present", root="/", backup=False,
            apply=False, previous=None, source="plan", metadata_url=None, nics=None, **fields):
    """Ensure the plan's addresses are configured (``state=present``) or its secondaries are
    removed (``state=absent``). Plan keys may also be given one by one beside ``plan``.
    ``previous`` is the plan in force now: the change from it deletes the files it wrote that
    the new plan does not, and (with ``apply``) removes the dropped addresses at once.
    ``source=metadata`` configures every ENI of the instance from its instance metadata
    (``metadata_url``, ``nics`` as for the ``eniplan.render`` execution function)."""
    import eniplan
    import eniplan.apply

    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    # Salt hands every state function its own module's name as `state` when the SLS gives
    # none (the low chunk's `state` key), so that value means the default.
    if state == __virtualname__:
        state = "present"
    if state not in ("present", "absent"):
        ret["result"] = False
        ret["comment"] = f"state must be present or absent, not {state!r}"
        return ret
    fields = {key: value for key, value in fields.items() if not key.startswith("__")}
    if isinstance(plan, list):
        # An instance: every key inside its plans.
        if fields:
            ret["result"] = False
            ret["comment"] = f"plan is a list of ENIs: give {', '.join(sorted(fields))} inside it"
            return ret
        merged = plan
    else:
        merged = dict(plan or {})
        merged.update(fields)
    try:
        rendering = __salt__["eniplan.render"](merged, target, state, previous, source,
                                               metadata_url, nics, root)
    except eniplan.Error as error:
        ret["result"] = False
        ret["comment"] = str(error)
        return ret

    try:
        if __opts__["test"]:
            changes = eniplan.apply.changes(rendering, root)
            changed = any(change.action != "unchanged" for change in changes)
        else:
            outcome = eniplan.apply.write(rendering, root, backup=backup)
            changes, changed = outcome.files, outcome.changed
    except (eniplan.Error, OSError) as error:
        ret["result"] = False
        ret["comment"] = f"cannot apply the rendering under {root}: {error}"
        return ret

    for change in changes:
        if change.action != "unchanged":
            ret["changes"][change.path] = {"action": change.action, "diff": _diff(change)}
    if __opts__["test"] and source == "plan" and state == "present" and isinstance(merged, dict):
        try:
            reading = eniplan.read_host(root, rendering["target"], merged.get("interface"))
            drift = eniplan.drift(merged, reading["plan"], rendering["target"])
        except eniplan.PlanError as error:
            unsupported = any(p.kind == "unsupported" for p in error.problems)
            drift = None if unsupported else [
                {"field": "interface", "planned": merged.get("interface") or "", "found": ""}]
        if drift:
            ret["changes"]["drift"] = drift
    if __opts__["test"]:
        ret["result"] = None if changed else True
        ret["comment"] = (
            f"{len(ret['changes'])} file(s) would change for {rendering['target']}"
            if changed else f"{rendering['target']}: already configured"
        )
        return ret

    if apply and changed:
        for command in eniplan.apply.commands_to_run(rendering):
            result = __salt__["cmd.run_all"](command["argv"], python_shell=False)
            if result["retcode"] != 0:
                ret["result"] = False
                ret["comment"] = f"`{command['shell']}` failed: {result['stderr'] or result['stdout']}"
                return ret
        ret["changes"]["commands"] = [c["shell"] for c in eniplan.apply.commands_to_run(rendering)]
    ret["comment"] = (
        f"{rendering['target']}: {len(ret['changes'])} change(s)" if changed
        else f"{rendering['target']}: already configured"
    )
    if rendering["warnings"]:
        ret["warnings"] = rendering["warnings"]
    return ret
