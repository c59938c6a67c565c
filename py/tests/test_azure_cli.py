"""The cloud target's calls for an Azure NIC, judged by the real Azure CLI (azure-cli, pinned by
the test command in a virtualenv of its own, `.cache/venv-az`). No account exists here and no
request may leave the machine: each call runs in a network namespace with no interface at all
(`unshare -n`) and a fresh `AZURE_CONFIG_DIR`, telemetry off. The CLI parses and checks every
argument (names, allowed values such as `--private-ip-address-version`, the `--query`
expression) before it asks for an account, so a call whose arguments are good stops at
"Please run 'az login'" (exit 1) and one whose arguments are not is refused by the parser
(exit 2) — a judge that can say no, shown by the first test."""

from __future__ import annotations

import os
import pathlib
import shlex
import subprocess
from typing import List

import pytest
import yaml

import eniplan
from conftest import REPO

AZ = pathlib.Path(os.environ.get("ENIPLAN_AZ", REPO / ".cache" / "venv-az" / "bin" / "az"))
CASES = REPO / "tests" / "cases"


def az(argv: List[str], config: pathlib.Path) -> subprocess.CompletedProcess[str]:
    assert argv[:4] == ["az", "network", "nic", "ip-config"], argv
    assert AZ.exists(), f"the Azure CLI is not at {AZ}: run the test command's set-up"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config),
        "AZURE_CONFIG_DIR": str(config),
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_NO_COLOR": "true",
    }
    return subprocess.run(["unshare", "-n", str(AZ), *argv[1:]], capture_output=True,
                          text=True, env=env, timeout=120)


def accepted(result: subprocess.CompletedProcess[str]) -> bool:
    """The arguments parsed, and the CLI stopped only for want of an account."""
    return result.returncode == 1 and "az login" in result.stderr


def test_the_cli_refuses_a_bad_option_or_value(tmp_path):
    good = ["az", "network", "nic", "ip-config", "create", "--resource-group", "rg-web",
            "--nic-name", "vm1-nic0", "--name", "x", "--private-ip-address", "10.0.1.7",
            "--private-ip-address-version", "IPv4"]
    assert accepted(az(good, tmp_path))
    misspelt = [word.replace("--nic-name", "--nic-nam") for word in good] + ["--bogus", "1"]
    result = az(misspelt, tmp_path)
    assert result.returncode == 2, result.stderr
    wrong_value = good[:-1] + ["IPv7"]
    result = az(wrong_value, tmp_path)
    assert result.returncode == 2 and "IPv7" in result.stderr, result.stderr


def commands(rendering: dict) -> List[List[str]]:
    found = []
    for command in rendering["commands"] + rendering["verify"]:
        assert shlex.split(command["shell"]) == command["argv"]
        found.append(command["argv"])
    return found


def value_of(argv: List[str], option: str) -> str:
    return argv[argv.index(option) + 1]


def test_every_call_for_an_azure_nic_is_valid_and_creates_each_secondary(tmp_path):
    plan = yaml.safe_load((CASES / "valid" / "azure-nic.yaml").read_text())
    calls = commands(eniplan.render(plan, "cloud"))
    for argv in calls:
        result = az(argv, tmp_path)
        assert accepted(result), f"{shlex.join(argv)}: {result.stderr}"
    created = {value_of(argv, "--private-ip-address"): value_of(argv, "--name")
               for argv in calls if argv[4] == "create"}
    # Every secondary gets an ip-config; the one the portal named keeps its name.
    assert created == {"10.0.1.5": "ipconfig2", "10.0.1.6": "eniplan-10-0-1-6"}
    assert [argv[4] for argv in calls] == ["create", "create", "list"]


def test_a_change_deletes_the_gone_address_by_its_name_and_creates_the_new(tmp_path):
    case = CASES / "change" / "azure-replace-one-secondary"
    before = yaml.safe_load((case / "before.yaml").read_text())
    after = yaml.safe_load((case / "after.yaml").read_text())
    calls = eniplan.render_change(before, after, "cloud")["commands"]
    argvs = [command["argv"] for command in calls]
    for argv in argvs:
        result = az(argv, tmp_path)
        assert accepted(result), f"{shlex.join(argv)}: {result.stderr}"
    assert [(argv[4], value_of(argv, "--name")) for argv in argvs] == [
        ("delete", "ipconfig2"), ("create", "eniplan-10-0-1-7")]


@pytest.mark.parametrize("missing", ["resource_group", "nic_name"])
def test_a_plan_without_the_nic_names_is_refused_naming_the_field(missing):
    plan = yaml.safe_load((CASES / "valid" / "azure-nic.yaml").read_text())
    del plan["cloud"][missing]
    with pytest.raises(eniplan.PlanError) as raised:
        eniplan.render(plan, "cloud")
    assert [p.field for p in raised.value.problems] == [f"cloud.{missing}"]


def test_plans_from_az_output_make_calls_the_cli_accepts(tmp_path):
    """`az network nic list` output planned (the NICs' names and ip-config names come with
    it): every call of the instance's cloud rendering parses."""
    case = REPO / "tests" / "sources" / "azure-api" / "valid" / "nics-out-of-order"
    names = dict(line.split("=", 1) for line in (case / "nics").read_text().split())
    plans = eniplan.plans_from_api((case / "interfaces.json").read_text(),
                                   (case / "subnets.json").read_text(), names, {},
                                   instance="vm1")
    calls = commands(eniplan.render_instance(plans, "cloud"))
    assert calls
    for argv in calls:
        result = az(argv, tmp_path)
        assert accepted(result), f"{shlex.join(argv)}: {result.stderr}"
