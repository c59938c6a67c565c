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
    if eniplan.validate(text, "all"):
        # Plans only some families accept (a Windows adapter name) render target by target.
        targets = [t["name"] for t in eniplan.targets() if not eniplan.validate(text, t["name"])]
        selection = ",".join(targets)
    else:
        selection = "all"
    result = subprocess.run([str(cli), "render", str(case), "--os", selection, "--format", "json"],
                            capture_output=True, check=True)
    ours = json.dumps(eniplan.render_many(text, selection), indent=2, ensure_ascii=False) + "\n"
    assert ours.encode() == result.stdout


@pytest.mark.parametrize("case", invalid_cases(), ids=lambda p: p.stem)
def test_python_reports_the_same_problems_as_the_cli(cli, case):
    result = subprocess.run([str(cli), "validate", str(case), "--os", "all"], capture_output=True)
    assert result.returncode == 2
    with pytest.raises(eniplan.PlanError) as caught:
        eniplan.render_many(case.read_text(), "all")
    assert result.stderr.decode() == f"error: {caught.value}\n"
