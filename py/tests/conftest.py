"""Shared fixtures: the repository's paths and the CLI binary the parity test compares with."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The `eniplan` binary: ENIPLAN_CLI, or a fresh `cargo build` of it."""
    given = os.environ.get("ENIPLAN_CLI")
    if given:
        return pathlib.Path(given)
    subprocess.run(["cargo", "build", "-q", "-p", "eniplan"], cwd=REPO, check=True)
    return REPO / "target" / "debug" / "eniplan"


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory) -> pathlib.Path:
    """A Python with nothing but its standard library: a managed host's without eniplan."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import eniplan"], capture_output=True)
    assert probe.returncode != 0, "the managed host's Python must not have eniplan"
    return python


def valid_cases() -> list[pathlib.Path]:
    return sorted((CASES / "valid").glob("*.yaml"))


def invalid_cases() -> list[pathlib.Path]:
    return sorted((CASES / "invalid").glob("*.yaml"))
