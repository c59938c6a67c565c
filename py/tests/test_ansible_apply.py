"""The Ansible module's `apply: true` through a real ansible-playbook run against a host in
namespaces (namespace_host.py): eniplan's engine writes, restarts with the real ifdown/ifup,
verifies, and rolls back by itself; check mode writes and runs nothing; warnings are shown;
the apply / wait_for_connection / confirm pattern keeps a change, and a play that never
confirms has it rolled back by the host. A host whose Python has no eniplan is applied to from
the controller with eniplan's static binary, with the same outcomes."""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys
import time

import pytest

from conftest import REPO
from namespace_host import NamespaceHost

COLLECTIONS = REPO / "integrations" / "ansible"

PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply the plan and verify it
      eniplan.network.secondary_ips:
        plan: "{{ eni_plan }}"
        target: "{{ target | default('debian-10') }}"
        apply: true
        confirm_within: "{{ confirm | default(omit) }}"
    - name: The controller cannot reach the host any more
      ansible.builtin.fail:
        msg: the host cannot be reached
      when: lose_host | default(false) | bool
    - name: The controller reaches the host again
      ansible.builtin.wait_for_connection:
        timeout: 10
      when: confirm is defined
    - name: Keep the change
      eniplan.network.confirm:
      when: confirm is defined
"""

PLAN = {
    "interface": "eth1",
    "primary": "192.168.2.10",
    "secondaries": ["192.168.2.11", "192.168.2.12"],
    "prefix": 24,
    "gateway": "192.168.2.253",
}


@pytest.fixture
def host(tmp_path: pathlib.Path):
    host = NamespaceHost(tmp_path / "host", [("eth1", "192.168.2.253")])
    yield host
    host.close()


def play(host: NamespaceHost, tmp_path: pathlib.Path, plan: dict, *args: str,
         python: str = sys.executable):
    book = tmp_path / "apply.yml"
    book.write_text(PLAY)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_PYTHON_INTERPRETER=str(python),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return host.run([playbook, "-i", "localhost,", "-c", "local", str(book),
                     "-e", json.dumps({"eni_plan": plan}), *args], env=env)


def recap(result) -> dict:
    match = re.search(r"localhost\s+:\s+(.*)", result.stdout)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_check_mode_writes_and_runs_nothing(host, tmp_path):
    files = host.files()
    result = play(host, tmp_path, PLAN, "--check")
    assert recap(result)["changed"] == 1, result.stdout
    assert recap(result)["failed"] == 0, result.stdout
    assert host.files() == files, "check mode wrote"
    assert host.addresses("eth1") == [], "check mode configured the NIC"
    assert not host.journal().exists(), "check mode journaled an apply"


def test_apply_verifies_shows_warnings_and_a_second_run_changes_nothing(host, tmp_path):
    result = play(host, tmp_path, PLAN)
    assert recap(result)["changed"] == 1, result.stdout + result.stderr
    assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]
    assert host.default_route() == ["192.168.2.253 eth1"]
    # eniplan's warnings reach the user of a plain run, not only a registered variable.
    assert "[WARNING]: eniplan: the plan has no dns" in result.stdout + result.stderr
    again = play(host, tmp_path, PLAN)
    assert recap(again)["changed"] == 0, again.stdout
    assert recap(again)["failed"] == 0, again.stdout


def test_a_silent_gateway_fails_the_task_and_the_host_is_as_it_was(host, tmp_path):
    files = host.files()
    result = play(host, tmp_path, dict(PLAN, gateway="192.168.2.254"))
    assert recap(result)["failed"] == 1, result.stdout
    assert "the gateway 192.168.2.254 does not answer" in result.stdout, result.stdout
    assert "rolled back" in result.stdout
    assert host.files() == files
    assert host.addresses("eth1") == []


def test_a_confirmed_change_is_kept_and_an_unconfirmed_one_comes_back(host, tmp_path):
    kept = play(host, tmp_path, PLAN, "-e", "confirm=3")
    assert recap(kept)["failed"] == 0, kept.stdout + kept.stderr
    time.sleep(4)
    assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]
    files = host.files()

    more = dict(PLAN, secondaries=PLAN["secondaries"] + ["192.168.2.13"])
    lost = play(host, tmp_path, more, "-e", "confirm=3", "-e", "lose_host=true")
    assert recap(lost)["failed"] == 1, lost.stdout
    assert "192.168.2.13/24" in host.addresses("eth1"), "the change was not applied at all"
    deadline = time.monotonic() + 15
    while host.addresses("eth1") != ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]:
        assert time.monotonic() < deadline, f"not rolled back: {host.addresses('eth1')}"
        time.sleep(0.2)
    while (host.journal() / "rolling-back.json").exists():
        assert time.monotonic() < deadline, "the rollback did not finish"
        time.sleep(0.2)
    assert host.files() == files


SYSTEM_ETH1 = """\
[connection]
id=System eth1
uuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03
type=ethernet
interface-name=eth1

[ipv4]
method=manual
address1=192.168.2.10/24
gateway=192.168.2.253

[ipv6]
method=ignore
"""


def test_an_nmcli_plan_change_runs_its_commands(host, tmp_path):
    """The nmcli family's one file (cloud-init's switch) does not change with the plan: a
    changed plan must still run `nmcli con modify` — the host's profile and running state
    decide, not the file. Against the real NetworkManager in the host's namespaces."""
    host.start_network_manager({"System eth1.nmconnection": SYSTEM_ETH1})
    nmcli = ("-e", "target=nmcli")
    first = play(host, tmp_path, PLAN, *nmcli)
    assert recap(first)["changed"] == 1, first.stdout + first.stderr
    assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]
    again = play(host, tmp_path, PLAN, *nmcli)
    assert recap(again)["changed"] == 0, again.stdout + again.stderr
    more = dict(PLAN, secondaries=PLAN["secondaries"] + ["192.168.2.13"])
    changed = play(host, tmp_path, more, *nmcli)
    assert recap(changed)["changed"] == 1, changed.stdout + changed.stderr
    assert host.addresses("eth1")[-1] == "192.168.2.13/24"
    profile = host.run(["nmcli", "-g", "ipv4.addresses", "connection", "show", "System eth1"])
    assert "192.168.2.13/24" in profile.stdout, profile


def test_a_host_without_eniplan_is_applied_to_from_the_controller(host, tmp_path, bare_python,
                                                                   cli):
    """The managed host's Python has no eniplan: the action plugin sends the static binary
    (here the CLI under test) and runs `eniplan apply` there — check mode its dry run, then
    the apply, verified; a second run changes nothing; a silent gateway is rolled back."""
    controller = ("-v", "-e", f"eniplan_binary={cli}")
    files = host.files()
    check = play(host, tmp_path, PLAN, "--check", *controller, python=bare_python)
    assert recap(check)["changed"] == 1 and recap(check)["failed"] == 0, check.stdout + check.stderr
    assert host.files() == files, "check mode wrote"
    assert host.addresses("eth1") == [], "check mode configured the NIC"

    first = play(host, tmp_path, PLAN, *controller, python=bare_python)
    assert recap(first)["changed"] == 1, first.stdout + first.stderr
    assert '"rendered_on": "controller"' in first.stdout, first.stdout
    assert '"outcome": "applied"' in first.stdout, first.stdout
    assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]
    assert host.default_route() == ["192.168.2.253 eth1"]
    assert "[WARNING]: eniplan: the plan has no dns" in first.stdout + first.stderr
    again = play(host, tmp_path, PLAN, *controller, python=bare_python)
    assert recap(again)["changed"] == 0 and recap(again)["failed"] == 0, again.stdout

    applied = host.files()
    silent = play(host, tmp_path, dict(PLAN, gateway="192.168.2.254"), *controller,
                  python=bare_python)
    assert recap(silent)["failed"] == 1, silent.stdout
    assert "the gateway 192.168.2.254 does not answer" in silent.stdout, silent.stdout
    assert "rolled back" in silent.stdout, silent.stdout
    assert host.files() == applied
    assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24", "192.168.2.12/24"]
