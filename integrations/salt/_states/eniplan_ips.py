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
        - apply: true         # apply to the running host, verify, roll back on failure

Without ``apply``, files are written atomically with their mode and only when they differ,
and stale files are deleted; nothing runs. With ``apply``, eniplan's engine applies the plan to
the running host (``eniplan apply``): it writes, runs the commands and the restart, verifies
that the running state holds the plan and that each gateway answers, and rolls the host back
by itself when anything fails (the state then fails); it acts whenever the files or the running
state differ from the plan (``confirm_within``: keep the change only if ``eniplan.confirmed``
runs in time). In test mode nothing is written or run, and ``changes`` shows what would
change. eniplan's warnings are in the comment.

A minion whose Python has no eniplan package uses eniplan's static binary from the master's
file server instead (see the ``eniplan`` execution module): it renders on the minion, merged
with the minion's files; Salt's own ``file.managed`` and ``file.absent`` write and delete the
files (test mode, diffs and backups as Salt does them, ``backup: true`` keeping Salt's minion
backups), and ``apply`` runs the binary's engine.
"""

import difflib
import os

from salt.exceptions import CommandExecutionError

__virtualname__ = "eniplan"


def __virtual__():
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
            apply=False, previous=None, source="plan", metadata_url=None, nics=None,
            settle=20, confirm_within=None, metadata_cloud="auto", **fields):
    """Ensure the plan's addresses are configured (``state=present``) or its secondaries are
    removed (``state=absent``). Plan keys may also be given one by one beside ``plan``.
    ``previous`` is the plan in force now: the change from it deletes the files it wrote that
    the new plan does not, and (with ``apply``) removes the dropped addresses at once.
    ``source=metadata`` configures every ENI of the instance from its instance metadata
    (``metadata_cloud``, ``metadata_url``, ``nics`` as for the ``eniplan.render`` execution
    function)."""
    eniplan = __salt__["eniplan.package"]()
    refused = (CommandExecutionError, eniplan.Error) if eniplan else (CommandExecutionError,)

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
                                               metadata_url, nics, root, metadata_cloud)
    except refused as error:
        ret["result"] = False
        ret["comment"] = str(error)
        return ret

    if apply:
        if source == "metadata":
            merged = __salt__["eniplan.metadata_plans"](metadata_url, nics, metadata_cloud, root)
        return _engine(ret, rendering, merged, state, source, root, settle, confirm_within)
    if eniplan is None:
        return _send(ret, rendering, root, backup)

    import eniplan.apply

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

    ret["comment"] = (
        f"{rendering['target']}: {len(ret['changes'])} change(s)" if changed
        else f"{rendering['target']}: already configured"
    )
    return _warned(ret, rendering)


def _send(ret, rendering, root, backup):
    """Without the package: Salt's own file states write the binary's rendering (parents
    made, each file with its mode, never through a symlink; test mode and diffs as Salt does
    them) and delete the stale files."""
    under = (lambda path: path) if root in ("/", "") else (
        lambda path: os.path.join(root, path.lstrip("/")))
    failed = []
    for file in rendering["files"]:
        dest = under(file["path"])
        existed = os.path.lexists(dest)
        done = __states__["file.managed"](
            name=dest, contents=file["contents"], mode=format(file["mode"], "04o"),
            makedirs=True, contents_newline=False, follow_symlinks=False,
            backup="minion" if backup else "")
        if done["result"] is False:
            failed.append(f"{file['path']}: {done['comment']}")
        elif done["changes"]:
            ret["changes"][file["path"]] = {"action": "update" if existed else "create",
                                            "diff": done["changes"].get("diff", "")}
    for path in rendering["delete"]:
        done = __states__["file.absent"](name=under(path))
        if done["result"] is False:
            failed.append(f"{path}: {done['comment']}")
        elif done["changes"]:
            ret["changes"][path] = {"action": "delete", "diff": ""}
    target = rendering["target"]
    if failed:
        ret["result"] = False
        ret["comment"] = f"cannot apply the rendering under {root}: " + "; ".join(failed)
    elif __opts__["test"]:
        ret["result"] = None if ret["changes"] else True
        ret["comment"] = (f"{len(ret['changes'])} file(s) would change for {target}"
                          if ret["changes"] else f"{target}: already configured")
        return ret
    else:
        ret["comment"] = (f"{target}: {len(ret['changes'])} change(s)" if ret["changes"]
                          else f"{target}: already configured")
    return _warned(ret, rendering)


def _warned(ret, rendering):
    """eniplan's warnings in the comment (what a highstate shows) and in ``warnings``."""
    if rendering["warnings"]:
        ret["warnings"] = rendering["warnings"]
        ret["comment"] += "".join(f"\nwarning: {w}" for w in rendering["warnings"])
    return ret


def _engine(ret, rendering, plan, state, source, root, settle, confirm_within):
    """``apply``: eniplan's engine on the running host (the package's, or the static
    binary's); in test mode its preview."""
    eniplan = __salt__["eniplan.package"]()
    refused = (CommandExecutionError, eniplan.Error) if eniplan else (CommandExecutionError,)
    target = rendering["target"]
    if source == "plan" and state == "absent":
        plans = plan if isinstance(plan, list) else [plan]
        plan = [dict(one, secondaries=[]) for one in plans]
    try:
        if __opts__["test"]:
            preview = __salt__["eniplan.preview"](plan, target, root)
            ret["result"] = True if preview["nothing_to_do"] else None
            ret["comment"] = (f"{target}: already configured" if preview["nothing_to_do"]
                              else f"{target}: would apply")
            if not preview["nothing_to_do"]:
                ret["changes"]["would"] = preview
            return _warned(ret, rendering)
        report = __salt__["eniplan.apply"](plan, target, root, settle=settle,
                                           confirm_within=confirm_within)
    except refused as error:
        ret["result"] = False
        ret["comment"] = str(error)
        return ret
    ret["comment"] = report["text"].rstrip("\n")
    if report["outcome"] == "applied":
        ret["changes"]["report"] = report
    elif report["outcome"] != "unchanged":
        ret["result"] = False
        if report["outcome"] == "rollback_failed":
            ret["changes"]["report"] = report
    return _warned(ret, rendering)


def confirmed(name, root="/"):
    """Keeps the change of an ``eniplan.managed`` with ``confirm_within`` (``eniplan
    confirm``); fails when none waits (it was rolled back: the host was not reached in
    time)."""
    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = "would confirm the pending change"
        return ret
    try:
        kept = __salt__["eniplan.confirm"](root)
    except CommandExecutionError as error:
        ret["result"] = False
        ret["comment"] = str(error)
        return ret
    ret["changes"]["confirmed"] = kept
    ret["comment"] = f"confirmed: {kept}"
    return ret
