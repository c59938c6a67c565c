"""Ansible with nothing of eniplan on the managed host: a real ansible-playbook run whose
controller has the eniplan package and whose managed host's Python (a fresh virtualenv) has
not. The module fails there for want of the package, so the collection's action plugin does
the task from the controller: eniplan's binary prints the host's snapshot, the controller
renders for it (`target: auto` decided from it), and Ansible's own file and copy send the
result. The files are the ones `eniplan render --os auto --root` makes on the host itself; a
second run changes nothing; check mode with --diff writes nothing and shows the change."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys


from conftest import REPO
from test_ansible import COLLECTIONS, recap

HOSTS = REPO / "tests" / "hosts"

# The second ENI of tests/hosts/debian10-eth0-in-main.
PLAN = """interface: eth1
mac: "00:16:3e:0f:00:02"
primary: 192.168.2.10
secondaries: [192.168.2.11, 192.168.2.12]
prefix: 24
gateway: 192.168.2.253
route_table: 1001
"""

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - eniplan.network.secondary_ips:
""" + "".join(f"        {line}\n" for line in PLAN.splitlines()) + """\
        target: auto
        root: "{{ eni_root }}"
"""


#: The collection as `ansible-galaxy collection install` put it (the test command sets it after
#: building the release's tarball, whose files/ carry the static binaries); else the source
#: tree's, with the CLI under test as the binary.
INSTALLED = os.environ.get("ENIPLAN_COLLECTIONS")


def run(book: pathlib.Path, python: pathlib.Path, cli: pathlib.Path, root: pathlib.Path,
        *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=INSTALLED or str(COLLECTIONS),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    binary = [] if INSTALLED else ["-e", f"eniplan_binary={cli}"]
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
         "-i", "localhost,", "-c", "local", str(book),
         "-e", f"ansible_python_interpreter={python}", *binary,
         "-e", f"eni_root={root}", *extra],
        capture_output=True, text=True, env=env)


def tree(root: pathlib.Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_a_host_without_eniplan_is_configured_from_the_controller(tmp_path, bare_python, cli):
    book = tmp_path / "play.yml"
    book.write_text(PLAY)
    # A Debian 10 host whose main file configures eth0 (tests/hosts/debian10-eth0-in-main).
    layout = HOSTS / "debian10-eth0-in-main" / "host"
    root = tmp_path / "host"
    shutil.copytree(layout, root)
    expected_root = tmp_path / "expected"
    shutil.copytree(layout, expected_root)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    subprocess.run([str(cli), "render", str(plan), "--os", "auto", "--root", str(expected_root),
                    "--write-to", str(expected_root)], check=True, capture_output=True)

    check = run(book, bare_python, cli, root, "--check", "--diff")
    assert recap(check)["changed"] == 1, check.stdout + check.stderr
    assert tree(root) == tree(layout), "check mode wrote something"
    assert "60-eniplan-eth1" in check.stdout, check.stdout

    first = run(book, bare_python, cli, root, "-v")
    assert recap(first)["changed"] == 1 and recap(first)["failed"] == 0, first.stdout + first.stderr
    assert '"rendered_on": "controller"' in first.stdout, first.stdout
    assert '"target": "debian-10"' in first.stdout or '"target": "ifupdown"' in first.stdout
    assert tree(root) == tree(expected_root)
    second = run(book, bare_python, cli, root)
    assert recap(second)["changed"] == 0, second.stdout + second.stderr
    # Nothing of eniplan stays on the host: the binary went with the task's temporary directory.
    leftovers = subprocess.run(["find", os.path.expanduser("~/.ansible/tmp"), "-name", "eniplan"],
                               capture_output=True, text=True).stdout
    assert not leftovers.strip(), leftovers
