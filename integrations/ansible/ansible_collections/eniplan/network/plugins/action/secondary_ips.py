# Copyright: eniplan developers. MIT OR Apache-2.0.
"""The controller side of eniplan.network.secondary_ips: the module runs on the managed host
when that host has the eniplan Python package; when it has not, the task is done from here —
nothing of eniplan stays on the host:

- eniplan's static binary (the collection's ``files/eniplan-<arch>-unknown-linux-musl``, or the
  ``eniplan_binary`` variable) is sent to the task's temporary directory and prints the host's
  snapshot (``eniplan snapshot``: os-release, every family's configuration files, the enabled
  units, the NICs), with no Python of the host's involved;
- the controller's eniplan renders the plan for that snapshot (``target: auto`` decided from
  it), merged with the host's files exactly as a rendering on the host would be;
- Ansible's own ``file`` and ``copy`` send the result: parent directories, each file with its
  mode (check mode, ``--diff`` and ``backup`` as those modules do them, and a second run
  changes nothing), and the stale files deleted;
- with ``apply: true`` the binary applies the plan there instead (``eniplan apply``: write,
  restart, verify, roll back by itself; ``--dry-run`` in check mode);
- the temporary directory is removed.

A Windows host (a PowerShell connection, or facts that say Windows) is configured by the same
task through ``ansible.windows``: the controller renders the powershell family (``target:
auto`` is ``powershell``), ``ansible.windows.win_copy`` sends its apply script (check mode,
``--diff`` and ``backup`` as win_copy does them), and with ``apply: true``
``ansible.windows.win_command`` runs it — it captures, applies, verifies and rolls back by
itself; its exit status says which (0 applied or unchanged, 1 rolled back, 2 refused, 3 the
rollback failed). In check mode the script is not run.
"""

from __future__ import annotations

import json
import os
import shlex

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

#: What `uname -m` prints, as the Rust target the release's binary is built for.
ARCHITECTURES = {
    "x86_64": "x86_64-unknown-linux-musl",
    "amd64": "x86_64-unknown-linux-musl",
    "aarch64": "aarch64-unknown-linux-musl",
    "arm64": "aarch64-unknown-linux-musl",
}

#: How the apply script is run: PowerShell 5.1, which every supported Windows has, without a
#: profile or prompts, the script unsigned (it is the rendering's, sent just now).
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File"

#: The module's message when the host lacks the package: the sign to do the task from here.
NOT_INSTALLED = "the eniplan Python package is not installed on the managed host"

PLAN_KEYS = ("interface", "mac", "mode", "primary", "secondaries", "prefix", "netmask",
             "gateway", "dns", "ipv6", "connection", "cloud", "ifcfg_style", "route_table")


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        if self._windows(task_vars):
            try:
                import eniplan  # the controller's
            except ImportError:
                raise AnsibleActionFail(
                    "a Windows host is configured from the controller, whose Python needs "
                    "eniplan: install the release's wheel there")
            result.update(self._to_windows(eniplan, task_vars))
            return result
        on_host = self._execute_module(module_name="eniplan.network.secondary_ips",
                                       module_args=self._task.args, task_vars=task_vars)
        if not (on_host.get("failed") and NOT_INSTALLED in str(on_host.get("msg", ""))):
            result.update(on_host)
            return result
        try:
            import eniplan  # the controller's
        except ImportError:
            raise AnsibleActionFail(
                "eniplan is installed neither on the managed host nor on the controller: "
                "install the release's wheel on the controller (pip install "
                "eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl)")
        try:
            result.update(self._from_controller(eniplan, task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _from_controller(self, eniplan, task_vars):
        args = dict(self._task.args)
        if args.get("source", "plan") != "plan":
            raise AnsibleActionFail("source=metadata needs eniplan on the managed host (it reads "
                                    "the host's metadata service); give the plans instead, e.g. "
                                    "from the eniplan.network.plans_from_api filter")
        root = args.get("root", "/")
        binary = self._send_binary(task_vars)
        plan = self._plan(args)
        if args.get("apply"):
            return self._apply(binary, plan, args, root)
        snapshot = self._run(f"{binary} snapshot --root {shlex.quote(root)}")
        distribution = task_vars.get("ansible_facts", {}).get("distribution")
        version = task_vars.get("ansible_facts", {}).get("distribution_version")
        try:
            done = eniplan.render_on_snapshot(plan, args.get("target", "auto"), snapshot,
                                              distribution, version)
        except eniplan.PlanError as error:
            return dict(failed=True, msg=str(error), problems=[
                dict(field=p.field, value=p.value, message=p.message) for p in error.problems])
        rendering, detection = done["rendering"], done["detection"]
        for warning in rendering["warnings"]:
            display.warning(f"eniplan: {warning}")
        under = (lambda path: path) if root in ("/", "") else (
            lambda path: os.path.join(root, path.lstrip("/")))
        files, diffs, changed = [], [], False
        for file in rendering["files"]:
            dest = under(file["path"])
            made = self._module("ansible.builtin.file", dict(path=os.path.dirname(dest),
                                                             state="directory"), task_vars)
            sent = self._copy(dict(content=file["contents"], dest=dest,
                                   mode=format(file["mode"], "04o"),
                                   backup=bool(args.get("backup"))), task_vars)
            changed = changed or made.get("changed", False) or sent.get("changed", False)
            files.append(dict(path=file["path"],
                              action="changed" if sent.get("changed") else "unchanged"))
            if sent.get("diff"):
                diffs.extend(sent["diff"] if isinstance(sent["diff"], list) else [sent["diff"]])
        for path in rendering["delete"]:
            gone = self._module("ansible.builtin.file", dict(path=under(path), state="absent"),
                                task_vars)
            changed = changed or gone.get("changed", False)
            files.append(dict(path=path, action="deleted" if gone.get("changed") else "unchanged"))
            if gone.get("diff"):
                diffs.append(gone["diff"])
        result = dict(changed=changed, target=rendering["target"], files=files,
                      commands=[c["shell"] for c in rendering["commands"]],
                      warnings_from_eniplan=rendering["warnings"], rendered_on="controller")
        if detection:
            result["target_evidence"] = detection["evidence"]
        if self._task.diff and diffs:
            result["diff"] = diffs
        return result

    def _windows(self, task_vars):
        """Whether the host is Windows: its connection speaks PowerShell (winrm, psrp, or ssh
        with the powershell shell), or its gathered facts say so."""
        if getattr(self._connection._shell, "SHELL_FAMILY", "") == "powershell":
            return True
        facts = task_vars.get("ansible_facts", {})
        return (facts.get("os_family") or task_vars.get("ansible_os_family")) == "Windows"

    def _to_windows(self, eniplan, task_vars):
        """The powershell family's apply script, rendered here, sent by win_copy and (with
        ``apply``) run by win_command."""
        args = dict(self._task.args)
        if args.get("source", "plan") != "plan" or args.get("state", "present") != "present" \
                or args.get("previous"):
            raise AnsibleActionFail(
                "on a Windows host the task takes a plan (source: plan, state: present); render "
                "removals and changes with the eniplan.network.render filter")
        target = args.get("target", "auto")
        target = "powershell" if target == "auto" else target
        family = {t["name"]: t["family"] for t in eniplan.targets()}.get(target)
        if family != "powershell":
            raise AnsibleActionFail(
                f"a Windows host is configured with the powershell family's apply script "
                f"(target: auto or powershell), not {target!r} ({family or 'unknown'}); the "
                "eniplan.network.render filter renders the netsh targets")
        try:
            rendering = eniplan.render(self._plan(args), target)
        except eniplan.PlanError as error:
            return dict(failed=True, msg=str(error), problems=[
                dict(field=p.field, value=p.value, message=p.message) for p in error.problems])
        for warning in rendering["warnings"]:
            display.warning(f"eniplan: {warning}")
        (script,) = rendering["files"]
        sent = self._action("ansible.windows.win_copy", dict(
            content=script["contents"], dest=script["path"],
            backup=bool(args.get("backup"))), task_vars)
        if sent.get("failed"):
            return dict(sent, msg=f"cannot send {script['path']}: {sent.get('msg', '')}")
        result = dict(changed=bool(sent.get("changed")), target=target,
                      files=[dict(path=script["path"],
                                  action="changed" if sent.get("changed") else "unchanged")],
                      commands=[c["shell"] for c in rendering["commands"]],
                      warnings_from_eniplan=rendering["warnings"], rendered_on="controller")
        if self._task.diff and sent.get("diff"):
            result["diff"] = sent["diff"]
        if not args.get("apply") or self._task.check_mode:
            return result
        ran = self._execute_module(
            module_name="ansible.windows.win_command",
            module_args=dict(_raw_params=f'{POWERSHELL} "{script["path"]}"'),
            task_vars=task_vars)
        output = ran.get("stdout", "")
        result.update(rc=ran.get("rc"), stdout=output, stderr=ran.get("stderr", ""))
        if ran.get("rc") == 0:
            result["changed"] = result["changed"] or not output.startswith("unchanged")
            return result
        # 1 rolled back: the host is as it was. 2 refused: nothing changed. 3 the rollback
        # failed: the host is changed and not as planned.
        result.update(failed=True, changed=ran.get("rc") == 3,
                      msg=(output or ran.get("stderr") or ran.get("msg", "")).strip())
        return result

    def _plan(self, args):
        fields = {key: args[key] for key in PLAN_KEYS if args.get(key) is not None}
        plan = args.get("plan")
        if isinstance(plan, list):
            if fields:
                raise AnsibleActionFail("plan is a list of ENIs (an instance): give every key "
                                        f"inside it, not beside it ({', '.join(sorted(fields))})")
            return plan
        merged = dict(plan or {})
        merged.update(fields)
        return merged

    def _send_binary(self, task_vars):
        """The static binary for the host's architecture, in the task's temporary directory."""
        machine = self._run("uname -m").strip()
        triple = ARCHITECTURES.get(machine)
        if triple is None:
            raise AnsibleActionFail(f"no eniplan binary for a {machine!r} host (x86_64, aarch64)")
        local = task_vars.get("eniplan_binary") or os.path.join(
            os.path.dirname(__file__), "..", "..", "files", f"eniplan-{triple}")
        if not os.path.isfile(local):
            raise AnsibleActionFail(
                f"the eniplan binary for {triple} is not at {local}: install the collection "
                "from the release's tarball (it carries both), or set eniplan_binary")
        tmp = self._make_tmp_path()
        remote = self._connection._shell.join_path(tmp, "eniplan")
        self._transfer_file(local, remote)
        self._fixup_perms2((tmp, remote), execute=True)
        return shlex.quote(remote)

    def _apply(self, binary, plan, args, root):
        """eniplan's engine on the host, from the binary: verify, or roll back by itself. The
        same outcomes as the module's apply on a host with the package: check mode is the
        engine's dry run (changed when it has something to do); a rolled-back apply fails the
        task with the engine's own text."""
        remote = self._connection._shell.join_path(self._connection._shell.tmpdir, "plan.json")
        self._transfer_data(remote, json.dumps(plan))
        command = [binary, "apply", shlex.quote(remote), "--os", shlex.quote(args.get("target", "auto")),
                   "--root", shlex.quote(root), "--settle", str(int(args.get("settle", 20))),
                   "--format", "json"]
        if args.get("confirm_within"):
            command += ["--confirm-within", str(int(args["confirm_within"]))]
        if self._task.check_mode:
            command.append("--dry-run")
        ran = self._low_level_execute_command(" ".join(command))
        try:
            report = json.loads(ran["stdout"])
        except ValueError:
            # Exit status 2: refused before anything changed (the plan, a pending apply).
            return dict(failed=True, msg=f"eniplan apply: {(ran['stderr'] or ran['stdout']).strip()}")
        for warning in report.get("warnings", []):
            display.warning(f"eniplan: {warning}")
        if self._task.check_mode:
            return dict(changed=not report["nothing_to_do"], preview=report,
                        rendered_on="controller")
        outcome = report["outcome"]
        if outcome in ("unchanged", "applied"):
            return dict(changed=outcome == "applied", report=report, rendered_on="controller")
        # Rolled back: the host is as it was, and the task failed. The rollback failed: it is not.
        return dict(failed=True, changed=outcome == "rollback_failed", msg=report["text"],
                    report=report, rendered_on="controller")

    def _run(self, command):
        ran = self._low_level_execute_command(command)
        if ran["rc"] != 0:
            raise AnsibleActionFail(f"{command}: {ran['stderr'] or ran['stdout']}")
        return ran["stdout"]

    def _module(self, name, module_args, task_vars):
        return self._execute_module(module_name=name, module_args=module_args,
                                    task_vars=task_vars)

    def _copy(self, module_args, task_vars):
        """Ansible's copy action (its check mode, diff and backup), for content from here."""
        return self._action("ansible.legacy.copy", module_args, task_vars)

    def _action(self, name, module_args, task_vars):
        """Another action plugin (copy, win_copy) run as part of this task: its check mode,
        diff and backup."""
        task = self._task.copy()
        task.args = module_args
        action = self._shared_loader_obj.action_loader.get(
            name, task=task, connection=self._connection,
            play_context=self._play_context, loader=self._loader, templar=self._templar,
            shared_loader_obj=self._shared_loader_obj)
        return action.run(task_vars=task_vars)
