#!/usr/bin/python
# Copyright: eniplan developers. MIT OR Apache-2.0.
"""Ansible module: configure an ENI's secondary private IP addresses with eniplan."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secondary_ips
short_description: Make the OS use an ENI's secondary private IP addresses
version_added: "0.1.0"
description:
  - Renders the network configuration for one ENI plan with eniplan (ifcfg files, netplan,
    /etc/network/interfaces, SUSE ifcfg, nmcli or netsh commands) and applies it.
  - Without O(apply), files are written atomically with the rendered mode, only when they
    differ, and the files the rendering marks stale are deleted; nothing runs.
  - With O(apply=true), eniplan's engine applies the plan to the running host (C(eniplan
    apply)) - it writes the files, runs the commands and the restart, then verifies that the
    running state holds the plan and that each gateway answers; when anything fails it rolls
    the host back by itself and the task fails. It acts whenever the host's files or its
    running state differ from the plan, not only when a file changed.
  - Check mode writes and runs nothing (with O(apply), it reports what the engine would do,
    files and running state). Diff mode shows one diff per file.
  - The rendering's warnings are shown as Ansible warnings.
requirements:
  - the C(eniplan) Python package on the managed host
options:
  source:
    description:
      - C(plan) renders the plan given in O(plan) and the options below.
      - C(metadata) reads the instance metadata service on the host instead (that of
        O(metadata_cloud), with its token, IMDSv2 on EC2 and hardened mode on Alibaba Cloud)
        and configures every ENI it lists, each NIC named as the host names it; the other ENIs get their own route
        tables. Partial or contradictory metadata fails before any file is touched.
    type: str
    choices: [plan, metadata]
    default: plan
  metadata_cloud:
    description:
      - With O(source=metadata), whose metadata service to read. C(auto) tells it by the DMI
        values under O(root) (C(sys/class/dmi/id)), else by the service that answers as its
        provider's. (O(cloud) is the plan's own section, so this option has a name of its
        own.)
    type: str
    choices: [auto, aliyun, aws, azure]
    default: auto
  metadata_url:
    description:
      - With O(source=metadata), the metadata service's address instead of the provider's own
        (C(http://100.100.100.200), C(http://169.254.169.254)); a C(/latest/meta-data/)
        suffix is accepted.
    type: str
  nics:
    description:
      - "With O(source=metadata), the interface name of each MAC, as C(mac: name) pairs. By
        default the host's own, from C(/sys/class/net/*/address)."
    type: dict
  plan:
    description:
      - The whole plan as a dict with eniplan's keys, or a list of such dicts (every ENI of
        the instance, as C(eniplan plan) prints them). Use this or the individual options
        below (which are merged over a dict).
    type: raw
  interface:
    description: OS name of the NIC (Windows adapter name on Windows).
    type: str
  mac:
    description: The ENI's MAC address.
    type: str
  mode:
    description: C(static), or C(dhcp) to keep the primary on DHCP.
    type: str
    choices: [static, dhcp]
  primary:
    description: The primary private IPv4 address.
    type: str
  secondaries:
    description: The secondary private IPv4 addresses.
    type: list
    elements: str
  prefix:
    description: Prefix length of the vSwitch CIDR.
    type: int
  netmask:
    description: Netmask of the vSwitch CIDR (instead of O(prefix)).
    type: str
  gateway:
    description: Default gateway.
    type: str
  dns:
    description: DNS servers.
    type: list
    elements: str
  ipv6:
    description: "IPv6 part: C(addresses), C(prefix), C(gateway)."
    type: dict
  connection:
    description: NetworkManager connection name.
    type: str
  cloud:
    description:
      - "The cloud side: C(provider) (C(aliyun), the default, C(aws) or C(azure)), C(region),
        C(eni_id), C(eni_state) (C(available) or C(in_use)) and C(max_private_ips), the
        instance type's limit per ENI; for an Azure NIC C(resource_group), C(nic_name) and
        C(ip_configs) (the ip-config name of each secondary address, by address, where it is
        not the one eniplan gives)."
    type: dict
  ifcfg_style:
    description: RHEL family only, C(aliases) or C(indexed).
    type: str
    choices: [aliases, indexed]
  route_table:
    description:
      - For a secondary ENI, the route table that holds its default route (source-based
        policy routing, one rule per address).
    type: int
  previous:
    description:
      - The plan in force now (for example the one the last run applied), as a dict or a list
        of them. With O(state=present) the module then renders the change from it to the new
        plan, deleting the files the old plan wrote and the new one does not, and with
        O(apply=true) removing the dropped addresses at once.
    type: raw
  target:
    description:
      - An eniplan target (C(centos-7), C(ubuntu-22.04), C(nmcli), ...) or C(auto) for the
        network stack the host runs, decided from its files under O(root) (os-release, the
        configuration present, the services enabled; Ansible's distribution facts when the
        root has no os-release). The evidence is returned in RV(target_evidence).
    type: str
    default: auto
  state:
    description:
      - C(present) configures every address of the plan; C(absent) removes the secondaries
        (the primary stays) and deletes the files that carried them.
    type: str
    choices: [present, absent]
    default: present
  root:
    description:
      - Directory the rendered absolute paths are written under. The host's configuration
        there is merged with, not replaced; other NICs' stanzas, other tools' routes and
        profiles stay as they are.
    type: path
    default: /
  backup:
    description:
      - Keep every file the task replaces or deletes in one backup set under
        C(<root>/var/backups/eniplan/<UTC time>/), outside every directory a network tool
        reads (a copy beside the live file would be read as configuration).
        C(eniplan.apply.restore(backup_set, root)) puts the host back from it.
    type: bool
    default: false
  apply:
    description:
      - Apply the plan to the running host with eniplan's engine and verify it; roll back by
        itself on failure (then the task fails). The plan in force is read from the host, so
        O(previous) is not needed; a backup set is always made.
    type: bool
    default: false
  confirm_within:
    description:
      - With O(apply=true), keep the verified change only if the module
        M(eniplan.network.confirm) runs within this many seconds; otherwise a process of its
        own on the host rolls it back, whatever happened to the connection or the play.
    type: int
  settle:
    description: With O(apply=true), seconds the running state may take to hold the plan.
    type: int
    default: 20
author:
  - eniplan developers
"""

EXAMPLES = r"""
- name: Configure eth0's secondary private IPs (the ECS document's example)
  eniplan.network.secondary_ips:
    interface: eth0
    mac: "00:16:3e:16:43:aa"
    primary: 192.168.1.201
    secondaries: [192.168.1.202, 192.168.1.203]
    prefix: 24
    gateway: 192.168.1.253
    dns: [100.100.2.136, 100.100.2.138]
    apply: true

- name: Move from the plan in force to a new one (stale files deleted, old addresses removed)
  eniplan.network.secondary_ips:
    previous: "{{ eni_plan_before }}"
    plan: "{{ eni_plan }}"
    apply: true

- name: Configure every ENI of this instance from its instance metadata
  eniplan.network.secondary_ips:
    source: metadata
    apply: true

- name: Apply to a remote host, and keep the change only if the host can still be reached
  block:
    - eniplan.network.secondary_ips:
        plan: "{{ eni_plan }}"
        apply: true
        confirm_within: 120
    - ansible.builtin.wait_for_connection:
        timeout: 60
    - eniplan.network.confirm:

- name: Remove the secondaries again
  eniplan.network.secondary_ips:
    plan: "{{ eni_plan }}"
    state: absent
    apply: true
"""

RETURN = r"""
target:
  description: The eniplan target that was rendered.
  returned: always
  type: str
  sample: centos-7
target_evidence:
  description: With O(target=auto), what the host showed of its network stack.
  returned: when target is auto
  type: list
  elements: str
files:
  description: Each rendered file with the action taken (create, update, delete, unchanged).
  returned: always
  type: list
  elements: dict
backups:
  description: Backup copies made, inside O(backup_set).
  returned: when backup is true
  type: list
  elements: str
backup_set:
  description: The backup set of this run (what C(eniplan.apply.restore) takes).
  returned: when backup is true and a file changed
  type: str
commands:
  description: The shell lines of the commands and restart steps (run only with apply).
  returned: always
  type: list
  elements: str
drift:
  description:
    - In check mode, every field in which the host's files differ from the plan
      (C(field), C(planned), C(found)); empty when they match. Absent for families eniplan
      cannot read back.
  returned: in check mode
  type: list
  elements: dict
report:
  description:
    - With O(apply=true), the engine's report - C(outcome) (C(unchanged), C(applied),
      C(rolled_back), C(rollback_failed)), C(text), the journal and what ran.
  returned: when apply is true
  type: dict
warnings_from_eniplan:
  description: The rendering's warnings (also shown as Ansible warnings).
  returned: always
  type: list
  elements: str
problems:
  description: Every problem of an invalid plan (field, value, message).
  returned: on failure
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.common.sys_info import (  # noqa: E402
    get_distribution,
    get_distribution_version,
)

# The plan's keys, in the order of eniplan's plan struct; a test holds them, their types and
# choices to `eniplan.plan_schema()`, so this list cannot fall behind the core.
PLAN_OPTIONS = dict(
    interface=dict(type="str"),
    mac=dict(type="str"),
    mode=dict(type="str", choices=["static", "dhcp"]),
    primary=dict(type="str"),
    secondaries=dict(type="list", elements="str"),
    prefix=dict(type="int"),
    netmask=dict(type="str"),
    gateway=dict(type="str"),
    dns=dict(type="list", elements="str"),
    ipv6=dict(type="dict"),
    connection=dict(type="str"),
    cloud=dict(type="dict"),
    ifcfg_style=dict(type="str", choices=["aliases", "indexed"]),
    route_table=dict(type="int"),
)
PLAN_KEYS = tuple(PLAN_OPTIONS)


def host_drift(eniplan, plan, target, root):
    """Every field in which the host's files differ from the plan (check mode; each field
    named with its interface for an instance), or None when the family cannot be read back."""
    plans = plan if isinstance(plan, list) else [plan]
    drift = []
    for one in plans:
        try:
            reading = eniplan.read_host(root, target, one.get("interface"))
        except eniplan.PlanError as error:
            if any(p.kind == "unsupported" for p in error.problems):
                return None
            drift.append(dict(field="interface", planned=one.get("interface") or "", found=""))
            continue
        for difference in eniplan.drift(one, reading["plan"], target):
            if len(plans) > 1:
                difference = dict(difference, field=f"{one.get('interface')}: {difference['field']}")
            drift.append(difference)
    return drift


def engine(module, eniplan, rendering, plan, target, evidence):
    """O(apply=true): eniplan's engine on the running host (check mode: its preview). Exits
    the module."""
    params = module.params
    root = params["root"]
    if params["state"] == "absent":
        plans = plan if isinstance(plan, list) else [plan]
        plan = [dict(one, secondaries=[]) for one in plans]
    result = dict(target=target, warnings_from_eniplan=rendering["warnings"],
                  commands=[c["shell"] for c in eniplan.apply.commands_to_run(rendering)])
    if evidence is not None:
        result["target_evidence"] = evidence
    try:
        if module.check_mode:
            preview = eniplan.apply.preview(plan, target, root)
            module.exit_json(changed=not preview["nothing_to_do"], preview=preview, **result)
        report = eniplan.apply.run(plan, target, root, settle=params["settle"],
                                   confirm_within=params["confirm_within"])
    except eniplan.PlanError as error:
        module.fail_json(msg=str(error), problems=[
            dict(field=p.field, value=p.value, message=p.message) for p in error.problems])
    except eniplan.apply.Refused as error:
        module.fail_json(msg=str(error), **result)
    outcome = report["outcome"]
    if outcome in ("unchanged", "applied"):
        module.exit_json(changed=outcome == "applied", report=report, **result)
    # Rolled back: the host is as it was, and the task failed. The rollback failed: it is not.
    module.fail_json(msg=report["text"], changed=outcome == "rollback_failed", report=report,
                     **result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=["plan", "metadata"], default="plan"),
            metadata_cloud=dict(type="str", choices=["auto", "aliyun", "aws", "azure"],
                                default="auto"),
            metadata_url=dict(type="str"),
            nics=dict(type="dict"),
            plan=dict(type="raw"),
            **PLAN_OPTIONS,
            previous=dict(type="raw"),
            target=dict(type="str", default="auto"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            root=dict(type="path", default="/"),
            backup=dict(type="bool", default=False),
            apply=dict(type="bool", default=False),
            confirm_within=dict(type="int"),
            settle=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    try:
        import eniplan
        import eniplan.apply
    except ImportError:
        module.fail_json(msg="the eniplan Python package is not installed on the managed host "
                             "(pip install the release's wheel, "
                             "eniplan-<version>-cp39-abi3-manylinux2014_<arch>.whl, or "
                             "pip install ./py from a checkout)")

    params = module.params
    root = params["root"]
    fields = {key: params[key] for key in PLAN_KEYS if params[key] is not None}
    if isinstance(params["plan"], list):
        if fields:
            module.fail_json(msg="plan is a list of ENIs (an instance): give every key inside it, "
                                 f"not beside it ({', '.join(sorted(fields))})")
        plan = params["plan"]
    else:
        plan = dict(params["plan"] or {})
        plan.update(fields)

    evidence = None
    try:
        target = params["target"]
        if target == "auto":
            detection = eniplan.detect(root, distribution=get_distribution() or None,
                                       version=get_distribution_version() or "")
            target, evidence = detection["target"], detection["evidence"]
        if params["source"] == "metadata":
            if params["state"] != "present" or params["previous"] or plan:
                module.fail_json(msg="source=metadata takes no plan, previous or state=absent: "
                                     "the metadata is the plan")
            import eniplan.metadata
            try:
                document = eniplan.metadata.fetch(params["metadata_url"], cloud=params["metadata_cloud"],
                                                  root=root)
            except eniplan.metadata.MetadataError as error:
                module.fail_json(msg=f"cannot read the instance metadata: {error}")
            nics = params["nics"] or eniplan.metadata.host_nics()
            plans = eniplan.plans_from_metadata(document, nics)
            rendering = eniplan.render_instance(plans, target, root)
        elif params["state"] == "present" and params["previous"]:
            rendering = eniplan.render_change(params["previous"], plan, target, root)
        elif params["state"] == "present":
            rendering = eniplan.render(plan, target, root)
        else:
            rendering = eniplan.render_absent(plan, target, root)
    except eniplan.PlanError as error:
        module.fail_json(
            msg=str(error),
            problems=[dict(field=p.field, value=p.value, message=p.message) for p in error.problems],
        )

    for warning in rendering["warnings"]:
        module.warn(f"eniplan: {warning}")

    if params["apply"]:
        engine(module, eniplan, rendering, plan if params["source"] == "plan" else plans,
               target, evidence)

    drift = None
    try:
        if module.check_mode:
            changes = eniplan.apply.changes(rendering, root)
            changed = any(change.action != "unchanged" for change in changes)
            backups, backup_set = [], None
            drift = host_drift(eniplan, plan, target, root) if params["source"] == "plan" else None
        else:
            outcome = eniplan.apply.write(rendering, root, backup=params["backup"])
            changes, changed, backups = outcome.files, outcome.changed, outcome.backups
            backup_set = outcome.backup_set
    except (eniplan.Error, OSError) as error:
        module.fail_json(msg=f"cannot apply the rendering under {root}: {error}")

    commands = eniplan.apply.commands_to_run(rendering)
    result = dict(
        changed=changed,
        target=target,
        files=[dict(path=c.path, action=c.action) for c in changes],
        backups=backups,
        backup_set=backup_set,
        commands=[command["shell"] for command in commands],
        warnings_from_eniplan=rendering["warnings"],
    )
    if module.check_mode and drift is not None:
        result["drift"] = drift
    if evidence is not None:
        result["target_evidence"] = evidence
    if module._diff:
        result["diff"] = [
            dict(before=c.before or "", after=c.after or "",
                 before_header=c.path if c.before is not None else "/dev/null",
                 after_header=c.path if c.after is not None else "/dev/null")
            for c in changes if c.action != "unchanged"
        ]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
