"""Shared fixtures: the repository's paths and the CLI binary the parity test compares with."""

from __future__ import annotations

import os
import pathlib
import subprocess

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


def valid_cases() -> list[pathlib.Path]:
    return sorted((CASES / "valid").glob("*.yaml"))


def invalid_cases() -> list[pathlib.Path]:
    return sorted((CASES / "invalid").glob("*.yaml"))
