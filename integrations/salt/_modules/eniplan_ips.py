"""Salt execution module ``eniplan``: render and validate ENI plans with eniplan.

    salt-call eniplan.render plan='{interface: eth0, primary: 192.168.1.201, ...}' target=centos-7
    salt-call eniplan.validate plan=...
    salt-call eniplan.targets

Where the minion's Python has the eniplan package, it is used. Where it has not, eniplan's
static binary does the same work on the minion: the release's ``eniplan-<version>-<arch>-
unknown-linux-musl``, served by the master's file server as ``salt://eniplan/eniplan-<arch>-
unknown-linux-musl`` (or wherever the ``eniplan:binary`` option, pillar or grain says: a
``salt://`` URL or a path on the minion) and cached by the minion. Nothing is installed on
the minion for it.

Why on the minion and not on the master through a runner: a rendering is merged with the
host's own files (eniplan changes only what it owns: other NICs' stanzas, other tools'
profiles), ``auto`` is decided from the host's files, and ``apply`` runs eniplan's engine on the
running host — all of which need eniplan where the host is. A runner on the master would have
to fetch the host's files with a binary on the minion anyway, and would take the state out of
Salt's state system (``test=True``, requisites, highstate). The binary needs nothing of the
minion: no Python package, any glibc (it is static), x86_64 or aarch64.
"""

import json
import os
import tempfile

from salt.exceptions import CommandExecutionError

__virtualname__ = "eniplan"

#: What the ``cpuarch`` grain says, as the Rust target the release's binary is built for.
ARCHITECTURES = {
    "x86_64": "x86_64-unknown-linux-musl",
    "amd64": "x86_64-unknown-linux-musl",
    "aarch64": "aarch64-unknown-linux-musl",
    "arm64": "aarch64-unknown-linux-musl",
}


def __virtual__():
    # Always loads: the package where the minion has it, else the static binary (whose absence
    # is reported by the first call, with where to put it).
    return __virtualname__


def package():
    """The minion's eniplan package, or None (then the static binary is used)."""
    try:
        import eniplan
    except ImportError:
        return None
    return eniplan


def binary():
    """The path of eniplan's static binary on the minion, cached from the master's file server
    (``eniplan:binary`` option, pillar or grain; else ``salt://eniplan/eniplan-<triple>``)."""
    source = __salt__["config.get"]("eniplan:binary")
    if not source:
        arch = __grains__.get("cpuarch", "")
        triple = ARCHITECTURES.get(arch)
        if triple is None:
            raise CommandExecutionError(
                f"no eniplan binary for a {arch!r} minion (x86_64, aarch64), and the eniplan "
                "Python package is not installed")
        source = f"salt://eniplan/eniplan-{triple}"
    if source.startswith("salt://"):
        path = __salt__["cp.cache_file"](source)
        if not path:
            raise CommandExecutionError(
                f"the eniplan Python package is not installed on this minion, and {source} is "
                "not on the master's file server: put the release's eniplan-<version>-<triple> "
                "there under that name (or set eniplan:binary), or install the release's wheel "
                "on the minion (salt-pip install eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl)")
    else:
        path = source
        if not os.path.isfile(path):
            raise CommandExecutionError(f"eniplan:binary names {path}, which does not exist")
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def run_binary(args, plans=(), ok=(0,)):
    """Runs the binary with ``args``, each of ``plans`` given as a JSON file in place of its
    ``{0}``, ``{1}`` …; returns ``(exit status, stdout)``. An exit status outside ``ok`` raises
    with the binary's own words (a refused plan lists every problem)."""
    command = [binary()]
    with tempfile.TemporaryDirectory(prefix="eniplan-") as tmp:
        files = []
        for index, plan in enumerate(plans):
            path = os.path.join(tmp, f"plan-{index}.json")
            with open(path, "w", encoding="utf-8") as out:
                json.dump(plan, out)
            files.append(path)
        command += [arg.format(*files) for arg in args]
        ran = __salt__["cmd.run_all"](command, python_shell=False, ignore_retcode=True,
                                      output_loglevel="quiet", env={"LC_ALL": "C.UTF-8"})
    if ran["retcode"] not in ok or (ran["retcode"] != 0 and not ran["stdout"].strip()):
        raise CommandExecutionError((ran["stderr"] or ran["stdout"]).strip())
    return ran["retcode"], ran["stdout"]


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
    anything is written. Without the package, the static binary renders (``source=metadata``
    needs the package)."""
    eniplan = package()
    if eniplan is None:
        return _render_with_binary(plan, target, state, previous, source, root)
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


def _render_with_binary(plan, target, state, previous, source, root):
    if source != "plan":
        raise CommandExecutionError(
            "source=metadata needs the eniplan Python package on the minion; without it, give "
            "the plans (e.g. from `eniplan plan --from-api` on the master)")
    # A root that does not exist yet is a host without files (as the package takes it).
    where = ["--os", target, "--format", "json", *(["--root", root] if os.path.isdir(root) else [])]
    if state == "absent":
        _, out = run_binary(["unassign", "{0}", *where], [plan])
    elif previous:
        _, out = run_binary(["change", "{0}", "{1}", *where], [previous, plan])
    else:
        _, out = run_binary(["render", "{0}", *where], [plan])
    return json.loads(out)


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
    eniplan = package()
    if eniplan is None:
        _, out = run_binary(["validate", "{0}", "--format", "json",
                             *(["--os", target] if target else [])], [plan], ok=(0, 2))
        return json.loads(out)
    return [
        {"field": p.field, "value": p.value, "message": p.message, "kind": p.kind}
        for p in eniplan.validate(plan, _target(target) if target else None)
    ]


def targets():
    """Every eniplan target."""
    eniplan = package()
    if eniplan is None:
        return json.loads(run_binary(["targets", "--format", "json"])[1])
    return eniplan.targets()


def preview(plan, target, root="/"):
    """What applying ``plan`` would do (``eniplan apply --dry-run``): the files, how the running
    state differs, the commands, ``nothing_to_do`` and its ``text``. Changes nothing."""
    eniplan = package()
    if eniplan is None:
        _, out = run_binary(["apply", "{0}", "--os", target, "--root", root, "--dry-run",
                             "--format", "json"], [plan], ok=(0, 1))
        return json.loads(out)
    import eniplan.apply

    return eniplan.apply.preview(plan, target, root)


def apply(plan, target, root="/", settle=20, confirm_within=None):
    """Applies ``plan`` to the running host with eniplan's engine (``eniplan apply``): writes,
    restarts, verifies, rolls back by itself. The report: ``outcome`` (``unchanged``,
    ``applied``, ``rolled_back``, ``rollback_failed``), ``exit_status``, ``text`` and details."""
    eniplan = package()
    if eniplan is None:
        args = ["apply", "{0}", "--os", target, "--root", root, "--settle", str(int(settle)),
                "--format", "json"]
        if confirm_within:
            args += ["--confirm-within", str(int(confirm_within))]
        _, out = run_binary(args, [plan], ok=(0, 1, 3))
        return json.loads(out)
    import eniplan.apply

    return eniplan.apply.run(plan, target, root, settle=settle, confirm_within=confirm_within)


def confirm(root="/"):
    """Keeps the change of an apply made with ``confirm_within`` (``eniplan confirm``): what
    was confirmed. Raises when no apply waits for a confirmation."""
    eniplan = package()
    if eniplan is None:
        return run_binary(["confirm", "--root", root])[1].strip()
    import eniplan.apply

    try:
        return f"{eniplan.apply.confirm(root)['id']} is kept"
    except eniplan.apply.Refused as error:
        raise CommandExecutionError(str(error))
