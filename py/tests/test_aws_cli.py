"""The cloud target's calls for an EC2 ENI, judged by the real AWS CLI (awscli, pinned by the
test command). No account exists here and no request may leave the machine, so each call runs
with `--generate-cli-skeleton output`, which "validates the command inputs and returns a sample
output JSON for that command" without sending the request (the AWS CLI's global options); the
instance metadata service is disabled and no credentials are configured. Together the calls
assign exactly the plan's secondary addresses, and a change unassigns exactly the dropped ones."""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import subprocess
import sys
from typing import List

import pytest

import eniplan
from conftest import REPO

AWS = pathlib.Path(sys.executable).parent / "aws"
SOURCES = REPO / "tests" / "sources" / "aws" / "valid"


def aws(argv: List[str]) -> subprocess.CompletedProcess[str]:
    assert argv[:2] == ["aws", "ec2"], argv
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    return subprocess.run([str(AWS), *argv[1:], "--generate-cli-skeleton", "output"],
                          capture_output=True, text=True, env=env, timeout=60)


def names_beside(path: pathlib.Path) -> dict:
    pairs = [line.split("=", 1) for line in path.with_suffix(".nics").read_text().splitlines()
             if line]
    return {mac: name for mac, name in pairs}


def test_the_cli_refuses_a_misspelt_option():
    # The judge can say no: an option the EC2 model lacks.
    result = aws(["aws", "ec2", "assign-private-ip-addresses", "--region", "us-east-1",
                  "--network-interface-id", "eni-0a", "--private-ip-adresses", "10.0.0.5"])
    assert result.returncode != 0
    assert "Unknown options" in result.stderr


@pytest.mark.parametrize("document", sorted(SOURCES.glob("*.json")), ids=lambda p: p.stem)
def test_every_call_for_an_ec2_instance_is_valid(document: pathlib.Path):
    plans = eniplan.plans_from_metadata(document.read_text(), names_beside(document))
    assigned: List[str] = []
    for plan in plans:
        rendering = eniplan.render(plan, "cloud")
        for command in rendering["commands"] + rendering["verify"]:
            argv = command["argv"]
            assert shlex.split(command["shell"]) == argv
            result = aws(argv)
            assert result.returncode == 0, f"{command['shell']}: {result.stderr}"
            json.loads(result.stdout)
            if argv[2] in ("assign-private-ip-addresses", "assign-ipv6-addresses"):
                option = argv.index("--private-ip-addresses" if "private" in argv[2]
                                    else "--ipv6-addresses")
                assigned.extend(argv[option + 1:])
    planned = [address for plan in plans for address in plan.get("secondaries", [])]
    planned += [address for plan in plans
                for address in (plan.get("ipv6") or {}).get("addresses", [])[1:]]
    assert sorted(assigned) == sorted(planned)


def test_a_change_unassigns_what_is_gone():
    document = SOURCES / "one-eni.json"
    before = eniplan.plans_from_metadata(document.read_text(), names_beside(document))[0]
    after = dict(before, secondaries=before["secondaries"][:1])
    rendering = eniplan.render_change(before, after, "cloud")
    shells = [command["shell"] for command in rendering["commands"]]
    assert shells == [
        "aws ec2 unassign-private-ip-addresses --region us-east-1 --network-interface-id "
        f"{before['cloud']['eni_id']} --private-ip-addresses {before['secondaries'][1]}"
    ]
    for command in rendering["commands"]:
        result = aws(command["argv"])
        assert result.returncode == 0, result.stderr
