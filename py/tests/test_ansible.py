"""A real ansible-playbook run of the eniplan.network.secondary_ips module on localhost."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import REPO

COLLECTIONS = REPO / "integrations" / "ansible"
PLAYBOOK = COLLECTIONS / "examples" / "playbook.yml"


def playbook(path: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
         "-i", "localhost,", "-c", "local", str(path), *args],
        capture_output=True, text=True, env=env,
    )


def recap(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    match = re.search(r"localhost\s+:\s+(.*)", result.stdout)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def files_under(root: pathlib.Path) -> dict[str, str]:
    """The files under ``root`` but the backup sets under var/backups/eniplan."""
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).parts[:3] == ("var", "backups", "eniplan")}


def backed_up(root: pathlib.Path) -> list[str]:
    """Every file copied into a backup set, by its path on the host."""
    sets = root / "var/backups/eniplan"
    return sorted(str(p.relative_to(s)) for s in sets.iterdir() for p in s.rglob("*")
                  if p.is_file() and p.name != "manifest.json") if sets.is_dir() else []


@pytest.fixture
def root(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "root"


def test_first_run_writes_the_files_second_run_changes_nothing(root):
    args = ("-e", f"eni_root={root}", "-e", "eni_target=centos-7")
    first = playbook(PLAYBOOK, *args)
    assert recap(first)["changed"] == 1, first.stdout
    written = files_under(root)
    assert sorted(written) == [
        "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "etc/sysconfig/network-scripts/ifcfg-eth0",
        "etc/sysconfig/network-scripts/ifcfg-eth0:0",
        "etc/sysconfig/network-scripts/ifcfg-eth0:1",
    ]
    assert "IPADDR=192.168.1.203" in written["etc/sysconfig/network-scripts/ifcfg-eth0:1"]
    assert oct((root / "etc/sysconfig/network-scripts/ifcfg-eth0").stat().st_mode & 0o777) == "0o644"
    second = playbook(PLAYBOOK, *args)
    assert recap(second)["changed"] == 0, second.stdout
    assert recap(second)["failed"] == 0


def test_check_mode_writes_nothing_and_diff_shows_every_file(root):
    result = playbook(PLAYBOOK, "-e", f"eni_root={root}", "-e", "eni_target=ubuntu-22.04",
                      "--check", "--diff")
    assert recap(result)["changed"] == 1, result.stdout
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
    assert "/etc/netplan/60-eniplan-eth0.yaml" in result.stdout
    assert '+                - "192.168.1.202/24"' in result.stdout


def test_a_changed_plan_is_reported_and_backed_up(root):
    args = ["-e", f"eni_root={root}", "-e", "eni_target=sles-15"]
    assert recap(playbook(PLAYBOOK, *args))["changed"] == 1
    ifcfg = root / "etc/sysconfig/network/ifcfg-eth0"
    ifcfg.write_text(ifcfg.read_text().replace("192.168.1.203", "192.168.1.99"))
    result = playbook(PLAYBOOK, *args, "--diff")
    assert recap(result)["changed"] == 1
    assert "-IPADDR_3=192.168.1.99" in result.stdout and "+IPADDR_3=192.168.1.203" in result.stdout
    assert backed_up(root) == ["etc/sysconfig/network/ifcfg-eth0"], "a backup was kept"
    # ... outside the directory wicked reads, where it would be read as configuration.
    assert sorted(p.name for p in ifcfg.parent.iterdir()) == ["ifcfg-eth0", "routes"]


def test_an_invalid_plan_fails_the_task_naming_every_problem(tmp_path, root):
    bad = tmp_path / "bad.yml"
    bad.write_text(f"""
- hosts: all
  gather_facts: false
  tasks:
    - eniplan.network.secondary_ips:
        interface: eth0
        primary: 192.168.1.201
        secondaries: [192.168.2.202, 192.168.1.201]
        prefix: 24
        gateway: 192.168.1.253
        target: centos-7
        root: {root}
""")
    result = playbook(bad)
    assert recap(result)["failed"] == 1
    assert "secondaries[0]: 192.168.2.202 is outside 192.168.1.0/24" in result.stdout
    assert "secondaries[1]: 192.168.1.201 is already used by primary" in result.stdout
    assert not root.exists()


def test_state_absent_deletes_the_alias_files(tmp_path, root):
    args = ("-e", f"eni_root={root}", "-e", "eni_target=centos-7")
    assert recap(playbook(PLAYBOOK, *args))["changed"] == 1
    absent = tmp_path / "absent.yml"
    absent.write_text(PLAYBOOK.read_text().replace("backup: true", "state: absent"))
    result = playbook(absent, *args)
    assert recap(result)["changed"] == 1
    assert sorted(files_under(root)) == [
        "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "etc/sysconfig/network-scripts/ifcfg-eth0",
    ]


def test_previous_plan_renders_the_change(tmp_path, root):
    args = ("-e", f"eni_root={root}", "-e", "eni_target=centos-7")
    assert recap(playbook(PLAYBOOK, *args))["changed"] == 1
    change = tmp_path / "change.yml"
    change.write_text(PLAYBOOK.read_text()
                      .replace("secondaries: [192.168.1.202, 192.168.1.203]",
                               "secondaries: [192.168.1.202]\n"
                               "        previous: {interface: eth0, primary: 192.168.1.201, "
                               "secondaries: [192.168.1.202, 192.168.1.203], prefix: 24, "
                               "gateway: 192.168.1.253}"))
    result = playbook(change, *args, "-v")
    assert recap(result)["changed"] == 1, result.stdout
    files = sorted(files_under(root))
    assert files == [
        "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "etc/sysconfig/network-scripts/ifcfg-eth0",
        "etc/sysconfig/network-scripts/ifcfg-eth0:0",
    ]
    assert "etc/sysconfig/network-scripts/ifcfg-eth0:1" in backed_up(root), \
        "the deleted alias file was backed up"
    assert "ip addr del 192.168.1.203/24 dev eth0" in result.stdout
    assert "ip addr del 192.168.1.201" not in result.stdout


def test_ansible_doc_shows_the_module_documentation():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR="1")
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "eniplan.network.secondary_ips"],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Renders the network configuration for one ENI plan" in result.stdout
    for heading in ("OPTIONS", "EXAMPLES:", "RETURN VALUES:"):
        assert heading in result.stdout


def test_the_readme_shows_the_playbook_the_tests_run():
    readme = (REPO / "README.md").read_text()
    assert PLAYBOOK.read_text() in readme


def test_the_module_options_are_the_cores_plan_schema():
    """The module's plan options (argument_spec and DOCUMENTATION) are eniplan's plan keys,
    with the types and choices of the core's struct: a key added to the plan without its
    option fails here."""
    import importlib.util

    import yaml

    import eniplan

    path = COLLECTIONS / "ansible_collections/eniplan/network/plugins/modules/secondary_ips.py"
    spec = importlib.util.spec_from_file_location("secondary_ips", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    documented = yaml.safe_load(module.DOCUMENTATION)["options"]

    ansible_type = {"string": "str", "integer": "int", "list": "list", "section": "dict",
                    "choice": "str"}
    schema = eniplan.plan_schema()
    assert list(module.PLAN_OPTIONS) == [field["name"] for field in schema]
    for field in schema:
        option = module.PLAN_OPTIONS[field["name"]]
        assert option["type"] == ansible_type[field["type"]], field
        assert option.get("choices") == field.get("values"), field
        if field["type"] == "list":
            assert option["elements"] == "str", field
        docs = documented[field["name"]]
        assert docs["type"] == option["type"], field
        assert docs.get("choices") == option.get("choices"), field


def test_an_instance_on_a_host_is_merged_and_auto_finds_its_stack(tmp_path):
    """A Debian 10 host whose main file configures eth0 by DHCP: two ENIs given as one list
    (what `eniplan plan` prints), `target: auto`. The host runs ifupdown; eth0's stanza is
    commented out (eniplan configures eth0 now), nothing else of the file changes, and the
    evidence for the target is returned."""
    root = tmp_path / "root"
    (root / "etc/network").mkdir(parents=True)
    (root / "etc/os-release").write_text('ID=debian\nVERSION_ID="10"\n')
    main = "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n"
    (root / "etc/network/interfaces").write_text(main)
    play = tmp_path / "instance.yml"
    play.write_text(f"""
- hosts: all
  gather_facts: false
  tasks:
    - eniplan.network.secondary_ips:
        plan:
          - {{interface: eth0, primary: 192.168.1.201, secondaries: [192.168.1.202],
              prefix: 24, gateway: 192.168.1.253}}
          - {{interface: eth1, primary: 192.168.2.10, prefix: 24, gateway: 192.168.2.253,
              route_table: 1001}}
        root: {root}
      register: result
    - debug: var=result.target_evidence
    - assert:
        that: result.target == "debian-10"
""")
    first = playbook(play, "-v")
    assert recap(first)["failed"] == 0, first.stdout
    assert recap(first)["changed"] == 1, first.stdout
    assert "the running stack is ifupdown" in first.stdout
    merged = (root / "etc/network/interfaces").read_text()
    assert merged.startswith("auto lo\niface lo inet loopback\n\n#eniplan# auto eth0\n"
                             "#eniplan# iface eth0 inet dhcp\n"), merged
    assert "source /etc/network/interfaces.d/60-eniplan-eth1" in merged
    assert (root / "etc/network/interfaces.d/60-eniplan-eth1").is_file()
    second = playbook(play)
    assert recap(second)["changed"] == 0, second.stdout
