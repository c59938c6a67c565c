"""The README speaks to users and stays short; its quick starts run; the reference in docs/ is
held to the core: every target name `eniplan targets` knows is in docs/targets.md's table in its
family's row (and no name that is not), and docs/plan.md's plan lists exactly the keys of
`eniplan schema`."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from typing import List, Tuple

import pytest

from conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"


def quick_starts() -> List[Tuple[str, str]]:
    """The (language, code) of each block the README marks `<!-- quickstart: LANG -->`."""
    text = README.read_text()
    return [(lang, code) for lang, code in re.findall(
        r"<!-- quickstart: (\w+) -->\n```\w+\n(.*?)\n```", text, flags=re.S)]


def test_the_readme_is_at_most_12_kb_and_links_only_to_what_exists():
    text = README.read_text()
    assert len(text.encode()) <= 12 * 1024, len(text.encode())
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", text):
        assert (REPO / target).exists(), target
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_the_readme_has_its_quick_starts():
    langs = [lang for lang, _ in quick_starts()]
    assert langs.count("sh") >= 2 and "python" in langs, langs


@pytest.mark.parametrize("index", range(len(quick_starts())))
def test_each_quick_start_runs(index, cli, tmp_path):
    """Each quick start, as a user would run it: in an empty directory, with `eniplan` (the
    CLI under test) on PATH and the Python package importable."""
    lang, code = quick_starts()[index]
    env = dict(os.environ, PATH=f"{cli.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if lang == "sh":
        argv = ["bash", "-euo", "pipefail", "-c", code]
    else:
        argv = [sys.executable, "-c", code]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env=env,
                            timeout=120)
    # A dry run that would change something says so with exit status 1: the quick start's
    # --dry-run follows the write, so nothing is left to change and every command exits 0.
    assert result.returncode == 0, f"{code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.stdout.strip(), code


def test_the_targets_table_is_the_cores(cli):
    targets = json.loads(subprocess.run([str(cli), "targets", "--format", "json"],
                                        capture_output=True, text=True, check=True).stdout)
    table = (DOCS / "targets.md").read_text().split("\n## ", 1)[0]
    names_by_family: dict = {}
    for row in table.splitlines():
        if row.startswith("| `"):
            cells = row.split("|")
            family = re.match(r" `([a-z]+)`", cells[1]).group(1)
            names_by_family[family] = names_by_family.get(family, "") + cells[2]
    for target in targets:
        names = names_by_family.get(target["family"], "")
        assert f"`{target['name']}`" in names or _within(target["name"], names), target
    known = {target["name"] for target in targets}
    listed = set(re.findall(r"`([a-z0-9.-]+)`", "".join(names_by_family.values())))
    assert listed <= known, listed - known


def _within(name: str, names: str) -> bool:
    """Whether `name` (`fedora-34`) lies in a range the names give (`fedora-33`…`fedora-35`)."""
    base, _, number = name.rpartition("-")
    for low, high in re.findall(rf"`{re.escape(base)}-(\d+)`…`{re.escape(base)}-(\d+)`", names):
        if number.isdigit() and int(low) <= int(number) <= int(high):
            return True
    return False


def _keys(fields: list, prefix: str = "") -> List[str]:
    keys = []
    for field in fields:
        keys.append(prefix + field["name"])
        if field["type"] == "section":
            keys += _keys(field["fields"], prefix + field["name"] + ".")
    return keys


def test_the_plan_page_lists_exactly_the_schemas_keys(cli):
    schema = json.loads(subprocess.run([str(cli), "schema"], capture_output=True, text=True,
                                       check=True).stdout)
    page = (DOCS / "plan.md").read_text()
    block = re.search(r"```yaml\n(.*?)\n```", page, flags=re.S).group(1)
    keys = []
    parents: List[Tuple[int, str]] = []
    for line in block.splitlines():
        match = re.match(r"^( *)(?:# )?([a-z_0-9]+):", line)
        if not match:
            continue
        indent, key = len(match.group(1)), match.group(2)
        while parents and parents[-1][0] >= indent:
            parents.pop()
        path = ".".join([p for _, p in parents] + [key])
        keys.append(path)
        parents.append((indent, key))
    assert sorted(set(keys)) == sorted(_keys(schema))
