#!/usr/bin/python
"""A double of ansible.windows.win_command for test_ansible_windows.py: records the command
line in $FAKE_WINDOWS_ROOT/commands.log and answers with $FAKE_WINDOWS_ROOT/answer.json's rc,
stdout and stderr (what the apply script would print)."""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(_raw_params=dict(type="str", required=True)))
    root = os.environ["FAKE_WINDOWS_ROOT"]
    with open(os.path.join(root, "commands.log"), "a", encoding="utf-8") as log:
        log.write(module.params["_raw_params"] + "\n")
    with open(os.path.join(root, "answer.json"), encoding="utf-8") as answer:
        said = json.load(answer)
    result = dict(changed=True, rc=said["rc"], stdout=said["stdout"], stderr=said.get("stderr", ""))
    if said["rc"] != 0:
        # As win_command does: a non-zero exit status fails the module, rc and output kept.
        module.fail_json(msg="non-zero return code", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
