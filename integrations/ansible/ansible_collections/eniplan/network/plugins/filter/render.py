# Copyright: eniplan developers. MIT OR Apache-2.0.
"""Controller-side filters: render on the machine that runs ansible-playbook, for hosts where
the module cannot run (Windows) and for a fleet planned from the ECS API's output."""

from __future__ import annotations

DOCUMENTATION = r"""
name: render
short_description: Render an eniplan plan (or every plan of an instance) for one target
description:
  - C(plan | eniplan.network.render(target)) is eniplan's rendering of the plan for the target,
    as the JSON contract describes it (files, commands, restart, verify, warnings).
  - Given a list of plans (every ENI of one instance, the primary first), it is the instance
    rendering.
  - Runs on the controller, which needs the C(eniplan) Python package.
options:
  _input:
    description: A plan dict, or a list of them.
    type: raw
    required: true
  target:
    description: An eniplan target, e.g. C(windows-2022), C(powershell), C(centos-7).
    type: str
    required: true
"""

from ansible.errors import AnsibleFilterError


def _eniplan():
    try:
        import eniplan
    except ImportError as error:
        raise AnsibleFilterError(
            "the eniplan Python package is not installed on the controller (pip install the release's wheel, eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl, or pip install ./py from a checkout)"
        ) from error
    return eniplan


def render(plan, target):
    """The rendering of a plan, or of every plan of an instance, for ``target``."""
    eniplan = _eniplan()
    try:
        if isinstance(plan, list):
            return eniplan.render_instance([dict(p) for p in plan], target)
        return eniplan.render(dict(plan), target)
    except eniplan.PlanError as error:
        raise AnsibleFilterError(str(error)) from error


def plans_from_api(interfaces, subnets, nics, gateways=None, region=None, instance_id=None,
                   cloud="auto"):
    """The plans of one instance from its cloud's API output: Alibaba Cloud's
    DescribeNetworkInterfaces and DescribeVSwitches, EC2's describe-network-interfaces and
    describe-subnets, or Azure's `az network nic list` and `az network vnet subnet list`
    (``cloud``: ``auto``, told by the output's shape). ``instance_id`` (an Azure VM's name)
    picks the instance when the output holds several (Ansible keeps the name ``instance`` for
    itself)."""
    eniplan = _eniplan()
    try:
        return eniplan.plans_from_api(interfaces, subnets, dict(nics), dict(gateways or {}),
                                      region, instance_id, cloud)
    except eniplan.PlanError as error:
        raise AnsibleFilterError(str(error)) from error


class FilterModule:
    """eniplan's filters."""

    def filters(self):
        return {"render": render, "plans_from_api": plans_from_api}
