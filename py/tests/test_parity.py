"""Python and the CLI give byte-identical renderings for every snapshot plan."""

from __future__ import annotations

import json
import subprocess

import pytest

import eniplan

from conftest import invalid_cases, valid_cases


@pytest.mark.parametrize("case", valid_cases(), ids=lambda p: p.stem)
def test_python_matches_cli_json_byte_for_byte(cli, case):
    text = case.read_text()
    # A plan some families refuse (a Windows adapter name) is rendered for the others; the
    # refusing ones take their place with their reasons, and the CLI exits 2.
    result = subprocess.run([str(cli), "render", str(case), "--os", "all", "--format", "json"],
                            capture_output=True)
    outcomes = eniplan.render_many(text, "all")
    refused = [o for o in outcomes if "error" in o]
    assert result.returncode == (2 if refused else 0), result.stderr
    ours = json.dumps(outcomes, indent=2, ensure_ascii=False) + "\n"
    assert ours.encode() == result.stdout


@pytest.mark.parametrize("case", invalid_cases(), ids=lambda p: p.stem)
def test_python_reports_the_same_problems_as_the_cli(cli, case):
    result = subprocess.run([str(cli), "validate", str(case), "--os", "all"], capture_output=True)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    try:
        outcomes = eniplan.render_many(case.read_text(), "all")
    except eniplan.PlanError as caught:
        assert stderr == f"error: {caught}\n"
    else:
        # Valid as a plan, refused by some targets: the problems validate lists are the CLI's.
        assert [o for o in outcomes if "error" in o]
        messages = [problem.message for problem in eniplan.validate(case.read_text(), "all")]
        assert messages
        assert stderr.splitlines()[1:] == [f"  - {message}" for message in messages]
