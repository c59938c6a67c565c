#!/usr/bin/python
# Copyright: eniplan developers. MIT OR Apache-2.0.
"""Ansible module: keep the change of an apply made with confirm_within."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: confirm
short_description: Keep a network change eniplan applied with a confirmation deadline
version_added: "0.2.0"
description:
  - Confirms the change a M(eniplan.network.secondary_ips) task made with O(eniplan.network.secondary_ips#module:confirm_within)
    (C(eniplan confirm)); without it, the host rolls the change back by itself when the time
    is up.
  - Run it after M(ansible.builtin.wait_for_connection): reaching the host again is the proof
    that the change did not cut it off.
  - Fails when no change waits for a confirmation - it was already rolled back (the host was
    not reached in time), or confirmed.
requirements:
  - the C(eniplan) Python package on the managed host
options:
  root:
    description: The host's root.
    type: path
    default: /
author:
  - eniplan developers
"""

EXAMPLES = r"""
- eniplan.network.secondary_ips:
    plan: "{{ eni_plan }}"
    apply: true
    confirm_within: 120
- ansible.builtin.wait_for_connection:
    timeout: 60
- eniplan.network.confirm:
"""

RETURN = r"""
journal:
  description: The journal of the confirmed apply (its id, target, backup set).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(root=dict(type="path", default="/")),
        supports_check_mode=True,
    )
    try:
        import eniplan.apply
    except ImportError:
        module.fail_json(msg="the eniplan Python package is not installed on the managed host "
                             "(pip install the release's wheel, "
                             "eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl, or "
                             "pip install ./py from a checkout)")
    if module.check_mode:
        module.exit_json(changed=True)
    try:
        journal = eniplan.apply.confirm(module.params["root"])
    except eniplan.apply.Refused as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=True, journal=journal)


if __name__ == "__main__":
    main()
