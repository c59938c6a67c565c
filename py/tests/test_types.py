"""The hand-written stubs hold: mypy --strict accepts the package and a typed caller, and
rejects a caller that misuses the API."""

from __future__ import annotations

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *args],
                          capture_output=True, text=True, cwd=HERE)


def test_the_package_and_a_typed_caller_pass_mypy_strict():
    package = mypy("-p", "eniplan")
    assert package.returncode == 0, package.stdout + package.stderr
    caller = mypy(str(HERE / "typecheck_sample.py"))
    assert caller.returncode == 0, caller.stdout + caller.stderr


def test_a_misuse_fails_mypy(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import eniplan\nx: int = eniplan.render({}, 'rhel')['files']\n")
    result = mypy(str(bad))
    assert result.returncode == 1
    assert "Incompatible types" in result.stdout
