"""A double of ansible.windows.win_copy for test_ansible_windows.py: no Windows can run where
the tests do, so `content` is written under $FAKE_WINDOWS_ROOT (C:\\X\\y → <root>/C/X/y), with
win_copy's check mode, changed and diff. Only what the eniplan action plugin passes is taken."""

import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        unknown = set(args) - {"content", "dest", "backup"}
        if unknown:
            return dict(failed=True, msg=f"the double takes no {sorted(unknown)}")
        drive, rest = args["dest"].split(":\\", 1)
        path = os.path.join(os.environ["FAKE_WINDOWS_ROOT"], drive, *rest.split("\\"))
        before = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        changed = before != args["content"]
        if changed and not self._task.check_mode:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(args["content"])
        result.update(changed=changed, dest=args["dest"])
        if self._task.diff and changed:
            result["diff"] = dict(before=before or "", after=args["content"],
                                  before_header=args["dest"], after_header=args["dest"])
        return result
