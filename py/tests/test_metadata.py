"""Plans from instance metadata and from the ECS API: the Python API, the metadata reader
against a local stand-in for the metadata service (normal and hardened mode), an
ansible-playbook run and a Salt state with ``source: metadata``, and the controller-side
filter with the Windows example playbook."""

from __future__ import annotations

import contextlib
import json
import pathlib
import socket
import subprocess
import sys
from typing import Any, Iterator, Tuple

import pytest

import eniplan
import eniplan.apply
import eniplan.metadata
from conftest import REPO
from metadata_server import MetadataServer
from test_ansible import COLLECTIONS, files_under, playbook, recap
from test_salt import salt_call


@pytest.fixture
def salt(tmp_path, cli):
    """A minion with the eniplan package: `source: metadata` reads the metadata service with it
    (the static binary refuses it, saying so: test_salt.py)."""
    return salt_call(tmp_path, "package", cli)

SOURCES = REPO / "tests" / "sources"
TWO_ENIS = SOURCES / "metadata" / "valid" / "two-enis-ipv6-on-one.json"
PARTIAL = SOURCES / "metadata" / "invalid" / "missing-primary.json"
NICS = {"00:16:3e:16:43:aa": "eth0", "00:16:3e:16:43:bb": "eth1"}
EXAMPLE = COLLECTIONS / "examples" / "metadata.yml"


def test_plans_from_metadata_take_text_or_a_dict_alike():
    text = TWO_ENIS.read_text()
    plans = eniplan.plans_from_metadata(text, NICS)
    assert plans == eniplan.plans_from_metadata(json.loads(text), NICS)
    assert [p["interface"] for p in plans] == ["eth0", "eth1"]
    assert plans[1]["route_table"] == 1001 and "route_table" not in plans[0]
    assert plans[0]["secondaries"] == ["192.168.1.202", "192.168.1.203"]


def test_partial_metadata_raises_naming_the_key_path():
    with pytest.raises(eniplan.PlanError) as raised:
        eniplan.plans_from_metadata(PARTIAL.read_text(), NICS)
    assert [p.field for p in raised.value.problems] == [
        "network/interfaces/macs/00:16:3e:16:43:bb/primary-ip-address"
    ]


def test_render_instance_matches_the_cli(cli):
    import subprocess

    plans = eniplan.plans_from_metadata(TWO_ENIS.read_text(), NICS)
    args = [str(cli), "render", "--from-metadata", str(TWO_ENIS), "--os", "centos-7",
            "--format", "json"]
    for mac, name in NICS.items():
        args += ["--nic", f"{mac}={name}"]
    from_cli = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert eniplan.render_instance(plans, "centos-7") == from_cli


def test_plans_from_api_need_the_gateway_the_api_lacks():
    interfaces = (SOURCES / "api" / "two-enis.interfaces.json").read_text()
    vswitches = (SOURCES / "api" / "vswitches.json").read_text()
    with pytest.raises(eniplan.PlanError) as raised:
        eniplan.plans_from_api(interfaces, vswitches, NICS, {}, instance="i-bp1example0001")
    assert any(p.field.startswith("gateway (") for p in raised.value.problems)
    plans = eniplan.plans_from_api(
        interfaces, vswitches, NICS,
        {"vsw-bp1first01": "192.168.1.253", "vsw-bp1second02": "192.168.2.253"},
        region="cn-hangzhou", instance="i-bp1example0001",
    )
    assert [p["primary"] for p in plans] == ["192.168.1.201", "192.168.2.10"]


@pytest.mark.parametrize("token", [None, "secret-token-1"])
def test_fetch_reads_the_service_in_normal_and_hardened_mode(token):
    with MetadataServer(TWO_ENIS, token=token) as server:
        document = eniplan.metadata.fetch(server.url)
    assert eniplan.plans_from_metadata(document, NICS) == eniplan.plans_from_metadata(
        TWO_ENIS.read_text(), NICS
    )
    gets = [{k.lower(): v for k, v in headers.items()}
            for method, _, headers in server.requests if method == "GET"]
    if token:
        assert gets and all(h.get("x-aliyun-ecs-metadata-token") == token for h in gets)
    assert ("PUT", "/latest/api/token") in [(m, p) for m, p, _ in server.requests]


def metadata_run(root: pathlib.Path, url: str, *extra: str):
    variables = {"eni_metadata_url": url, "eni_nics": NICS, "eni_target": "ubuntu-22.04",
                 "eni_root": str(root)}
    return playbook(EXAMPLE, "-e", json.dumps(variables), *extra)


@pytest.mark.parametrize("token", [None, "hardened-1"])
def test_ansible_source_metadata_writes_every_eni_and_a_second_run_changes_nothing(tmp_path, token):
    root = tmp_path / "root"
    with MetadataServer(TWO_ENIS, token=token) as server:
        first = metadata_run(root, server.url)
        assert recap(first)["changed"] == 1, first.stdout + first.stderr
        written = files_under(root)
        assert sorted(written) == [
            "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
            "etc/netplan/60-eniplan-eth0.yaml",
            "etc/netplan/60-eniplan-eth1.yaml",
        ]
        assert "192.168.2.11/24" in written["etc/netplan/60-eniplan-eth1.yaml"]
        assert "table: 1001" in written["etc/netplan/60-eniplan-eth1.yaml"]
        second = metadata_run(root, server.url)
        assert recap(second)["changed"] == 0, second.stdout
        assert recap(second)["failed"] == 0
        check = metadata_run(root, server.url, "--check", "--diff")
        assert recap(check)["changed"] == 0, check.stdout


def test_ansible_partial_metadata_fails_without_touching_a_file(tmp_path):
    root = tmp_path / "root"
    with MetadataServer(PARTIAL) as server:
        result = metadata_run(root, server.url)
    assert recap(result)["failed"] == 1, result.stdout
    assert "primary-ip-address" in result.stdout
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def salt_metadata(salt, url: str, root: pathlib.Path) -> dict:
    pillar = json.dumps({"eni_metadata_url": url, "eni_nics": NICS, "eni_target": "debian-11",
                         "eni_root": str(root)})
    (only,) = salt("state.apply", "eni-metadata", f"pillar={pillar}").values()
    return only


def test_salt_source_metadata_configures_every_eni(salt, tmp_path):
    root = tmp_path / "root"
    with MetadataServer(TWO_ENIS, token="salt-token") as server:
        first = salt_metadata(salt, server.url, root)
        assert first["result"] is True, first
        assert sorted(files_under(root)) == [
            "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
            "etc/network/interfaces",
            "etc/network/interfaces.d/60-eniplan-eth0",
            "etc/network/interfaces.d/60-eniplan-eth1",
        ]
        again = salt_metadata(salt, server.url, root)
        assert again["result"] is True and again["changes"] == {}, again
    with MetadataServer(PARTIAL) as server:
        failed = salt_metadata(salt, server.url, tmp_path / "other")
    assert failed["result"] is False and "primary-ip-address" in failed["comment"], failed
    assert not (tmp_path / "other").exists()


FILTER_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "{{ plans | eniplan.network.render('powershell') | to_json }}"
        dest: "{{ out }}"
"""


def test_the_filter_renders_on_the_controller_exactly_as_the_package(tmp_path):
    plans = eniplan.plans_from_metadata(TWO_ENIS.read_text(), NICS)
    book = tmp_path / "filter.yml"
    book.write_text(FILTER_PLAYBOOK)
    out = tmp_path / "rendering.json"
    result = playbook(book, "-e", json.dumps({"plans": plans, "out": str(out)}))
    assert recap(result)["failed"] == 0, result.stdout + result.stderr
    assert json.loads(out.read_text()) == eniplan.render_instance(plans, "powershell")


def test_the_windows_example_playbook_passes_syntax_check_with_ansible_windows():
    result = playbook(COLLECTIONS / "examples" / "windows.yml", "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr
    import importlib.util

    assert importlib.util.find_spec("ansible_collections.ansible.windows"), "ansible.windows"


def test_the_windows_example_finds_the_apply_script(tmp_path):
    """The example's own vars, templated by a real ansible-playbook run on localhost: the
    `script` it sends to the host is the rendering's apply script."""
    import yaml

    example = yaml.safe_load((COLLECTIONS / "examples" / "windows.yml").read_text())[0]
    out = tmp_path / "script.json"
    book = tmp_path / "script.yml"
    book.write_text(yaml.safe_dump([{
        "hosts": "localhost",
        "gather_facts": False,
        "vars": example["vars"],
        "tasks": [{"ansible.builtin.copy": {"content": "{{ script | to_json }}",
                                            "dest": str(out)}}],
    }]))
    result = playbook(book)
    assert recap(result)["failed"] == 0, result.stdout + result.stderr
    script = json.loads(out.read_text())
    rendering = eniplan.render(example["vars"]["eni_plan"], "powershell")
    assert script == [f for f in rendering["files"] if f["path"].endswith("apply.ps1")][0]
    assert script["path"] == "C:\\ProgramData\\eniplan\\apply.ps1"


def test_read_drift_and_convert_from_python(tmp_path):
    plan = {"interface": "eth0", "primary": "192.168.1.201", "secondaries": ["192.168.1.202"],
            "prefix": 24, "gateway": "192.168.1.253"}
    rendering = eniplan.render(plan, "centos-7")
    files = {f["path"]: f["contents"] for f in rendering["files"]}
    reading = eniplan.read(files, "centos-7")
    assert reading["unread"] == [] and reading["plan"]["secondaries"] == ["192.168.1.202"]
    assert eniplan.drift(plan, reading["plan"], "centos-7") == []
    moved = dict(plan, secondaries=["192.168.1.209"])
    assert eniplan.drift(moved, reading["plan"], "centos-7") == [
        {"field": "secondaries", "planned": "192.168.1.209", "found": "192.168.1.202"}]
    converted = eniplan.convert(files, "centos-7", "rhel-9")
    assert "/etc/sysconfig/network-scripts/ifcfg-eth0:0" in converted["delete"]
    eniplan.apply.write(rendering, str(tmp_path))
    assert eniplan.read_host(str(tmp_path), "centos-7")["plan"] == reading["plan"]


def test_ansible_check_mode_reports_drift_per_field(tmp_path):
    from test_ansible import PLAYBOOK

    root = tmp_path / "root"
    args = ("-e", f"eni_root={root}", "-e", "eni_target=centos-7")
    assert recap(playbook(PLAYBOOK, *args))["changed"] == 1
    ifcfg = root / "etc/sysconfig/network-scripts/ifcfg-eth0:1"
    ifcfg.write_text(ifcfg.read_text().replace("192.168.1.203", "192.168.1.209"))
    check = playbook(PLAYBOOK, *args, "--check", "-v")
    assert recap(check)["changed"] == 1, check.stdout
    assert '"field": "secondaries"' in check.stdout, check.stdout
    assert "192.168.1.209" in check.stdout


def test_salt_test_mode_reports_drift_per_field(salt, tmp_path):
    root = tmp_path / "root"
    pillar = json.dumps({"eni_root": str(root), "eni_target": "debian-10"})
    (first,) = salt("state.apply", "eni", f"pillar={pillar}").values()
    assert first["result"] is True
    stanzas = root / "etc/network/interfaces.d/60-eniplan-eth0"
    stanzas.write_text(stanzas.read_text().replace("192.168.1.203", "192.168.1.209"))
    (test,) = salt("state.apply", "eni", f"pillar={pillar}", "test=True").values()
    assert test["result"] is None
    assert {"field": "secondaries", "planned": "192.168.1.202, 192.168.1.203",
            "found": "192.168.1.202, 192.168.1.209"} in test["changes"]["drift"], test


@contextlib.contextmanager
def imdsv2(source: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[Tuple[str, pathlib.Path]]:
    """The IMDSv2 stand-in (core/tests/real_tools/scripts/metadata_server.py, tokens required)
    serving ``source`` on 127.0.0.1: its base URL, and the file that breaks a key."""
    tree = tmp_path / "tree.json"
    tree.write_text(source.read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REPO / "core/tests/real_tools/scripts/metadata_server.py"),
         str(tree), str(tmp_path / "fail"), str(port)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}", tmp_path / "fail"
    finally:
        server.kill()
        server.wait()


EC2 = SOURCES / "aws" / "valid" / "enis-out-of-order.json"


def nics_beside(source: pathlib.Path) -> dict:
    return names_in(source.with_suffix(".nics"))


def names_in(path: pathlib.Path) -> dict:
    """`MAC=NAME` lines as {mac: name}."""
    return dict(line.split("=", 1) for line in path.read_text().split())


def test_fetch_reads_ec2_with_imdsv2_required(tmp_path):
    """`fetch(cloud="aws")` is the core's fetch: IMDSv2's token asked for and sent (the stand-in
    refuses every GET without it), the tree gathered as the core reads it."""
    nics = nics_beside(EC2)
    with imdsv2(EC2, tmp_path) as (url, fail):
        document = eniplan.metadata.fetch(url, cloud="aws")
        assert eniplan.plans_from_metadata(document, nics) == eniplan.plans_from_metadata(
            EC2.read_text(), nics)
        # `auto` on a root without DMI values: the service that answers tells the cloud.
        no_dmi = tmp_path / "root"
        no_dmi.mkdir()
        assert eniplan.metadata.fetch(url, cloud="auto", root=str(no_dmi)) == document
        fail.write_text("local-ipv4s")
        with pytest.raises(eniplan.metadata.MetadataError) as raised:
            eniplan.metadata.fetch(url, cloud="aws", attempts=1)
        assert "local-ipv4s" in str(raised.value)


def test_ansible_and_salt_read_ec2_metadata_with_cloud_auto(salt, tmp_path):
    """`source: metadata` with the default `cloud: auto` on a host (root) without DMI values:
    the EC2 service answers, and every ENI is configured with its device's table."""
    nics = nics_beside(EC2)
    with imdsv2(EC2, tmp_path) as (url, _):
        root = tmp_path / "ansible-root"
        first = playbook(EXAMPLE, "-e", json.dumps({
            "eni_metadata_url": url, "eni_nics": nics, "eni_target": "ubuntu-22.04",
            "eni_root": str(root)}))
        assert recap(first)["changed"] == 1, first.stdout + first.stderr
        written = files_under(root)
        netplan = sorted(p for p in written if p.startswith("etc/netplan/"))
        assert netplan == [f"etc/netplan/60-eniplan-{name}.yaml" for name in sorted(nics.values())]
        # Device 2 on network card 0 (ens6 here): amazon-ec2-net-utils' table 10002.
        assert "table: 10002" in written["etc/netplan/60-eniplan-ens6.yaml"]
        salt_root = tmp_path / "salt-root"
        pillar = json.dumps({"eni_metadata_url": url, "eni_nics": nics,
                             "eni_target": "debian-11", "eni_root": str(salt_root)})
        (only,) = salt("state.apply", "eni-metadata", f"pillar={pillar}").values()
        assert only["result"] is True, only
        written = sorted(str(p.relative_to(salt_root)) for p in salt_root.rglob("*")
                         if p.is_file() and "interfaces.d" in str(p))
        assert written == [f"etc/network/interfaces.d/60-eniplan-{name}"
                           for name in sorted(nics.values())], written


def api_case(case: pathlib.Path) -> Tuple[Any, Any, dict, dict]:
    """A case of tests/sources/{aws,azure}-api: the ENIs' and subnets' output, the NIC names
    and the context (`region`, `instance`)."""
    context = dict(line.split("=", 1) for line in (case / "context").read_text().split())
    return (json.loads((case / "interfaces.json").read_text()),
            json.loads((case / "subnets.json").read_text()),
            names_in(case / "nics"), context)


API_CASES = sorted((SOURCES / "aws-api" / "valid").iterdir()) + sorted(
    (SOURCES / "azure-api" / "valid").iterdir())


@pytest.mark.parametrize("case", API_CASES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_plans_from_each_clouds_api_output_are_the_clis(case, cli):
    interfaces, subnets, nics, context = api_case(case)
    plans = eniplan.plans_from_api(interfaces, subnets, nics, {}, context.get("region"),
                                   context.get("instance"))
    argv = [str(cli), "plan", "--from-api", str(case / "interfaces.json"), "--subnets",
            str(case / "subnets.json"), "--format", "json"]
    argv += [arg for mac, name in nics.items() for arg in ("--nic", f"{mac}={name}")]
    argv += [arg for key in ("region", "instance") if key in context
             for arg in (f"--{key}", context[key])]
    printed = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert plans == json.loads(printed)
    cloud = "aws" if "aws-api" in str(case) else "azure"
    assert all(plan["cloud"]["provider"] == cloud for plan in plans)
    with pytest.raises(eniplan.PlanError):
        eniplan.plans_from_api(interfaces, subnets, nics, {}, context.get("region"),
                               context.get("instance"),
                               cloud="aliyun" if cloud != "aliyun" else "aws")


FROM_API_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "{{ nics | eniplan.network.plans_from_api(subnets, names, instance_id='vm1')
                    | eniplan.network.render('cloud') | to_json }}"
        dest: "{{ out }}"
"""


def test_the_controller_filter_turns_azure_api_output_into_az_calls(tmp_path):
    """On the controller, `az network nic list` output through the filter: the plans carry the
    NICs' resource group, names and ip-config names, so the cloud target's calls are complete
    and the same as the package's."""
    interfaces, subnets, nics, _ = api_case(SOURCES / "azure-api" / "valid" / "nics-out-of-order")
    book = tmp_path / "from-api.yml"
    book.write_text(FROM_API_PLAYBOOK)
    out = tmp_path / "rendering.json"
    result = playbook(book, "-e", json.dumps({"nics": interfaces, "subnets": subnets,
                                              "names": nics, "out": str(out)}))
    assert recap(result)["failed"] == 0, result.stdout + result.stderr
    rendering = json.loads(out.read_text())
    plans = eniplan.plans_from_api(interfaces, subnets, nics, {}, instance="vm1")
    assert rendering == eniplan.render_instance(plans, "cloud")
    shells = [command["shell"] for command in rendering["commands"]]
    assert shells and all(shell.startswith("az network nic ip-config create") for shell in shells)
    assert any("--nic-name vm1-nic1 --name ipconfig2 " in shell for shell in shells), shells
