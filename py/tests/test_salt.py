"""A real salt-call --local run of the eniplan execution and state modules — with the eniplan
package in the minion's Python, and without it: then the modules use eniplan's static binary
from the file server (``salt://eniplan/eniplan-<triple>``; the CLI under test, or the release's
musl binary when ENIPLAN_STATIC_BINARY names it). "Without" is a minion whose ``import eniplan``
fails: a directory first on its PYTHONPATH holds an ``eniplan`` that raises ImportError."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

SALT = REPO / "integrations" / "salt"
STATE = SALT / "examples" / "eni.sls"


def minion(tmp_path: pathlib.Path, mode: str, cli: pathlib.Path):
    """A masterless minion's file roots (the eniplan modules; in ``binary`` mode the static
    binary under salt://eniplan/), its config and the environment salt-call runs in."""
    srv = tmp_path / "srv"
    shutil.copytree(SALT / "_modules", srv / "_modules")
    shutil.copytree(SALT / "_states", srv / "_states")
    config = tmp_path / "config"
    config.mkdir()
    (config / "minion").write_text(json.dumps({
        "file_client": "local",
        "root_dir": str(tmp_path / "salt-root"),
        "file_roots": {"base": [str(srv)]},
        "log_level_logfile": "warning",
    }))
    env = dict(os.environ)
    if mode == "binary":
        arch = {"x86_64": "x86_64", "aarch64": "aarch64"}[os.uname().machine]
        (srv / "eniplan").mkdir()
        shutil.copy(os.environ.get("ENIPLAN_STATIC_BINARY", cli),
                    srv / "eniplan" / f"eniplan-{arch}-unknown-linux-musl")
        hidden = tmp_path / "no-eniplan" / "eniplan"
        hidden.mkdir(parents=True)
        (hidden / "__init__.py").write_text(
            'raise ImportError("this minion\'s Python has no eniplan package")\n')
        env["PYTHONPATH"] = str(hidden.parent)
    return srv, config, env


MODES = ["package", "binary"]


@pytest.fixture(params=MODES)
def salt(request, tmp_path: pathlib.Path, cli):
    """salt-call on a masterless minion whose file_roots hold the eniplan modules and the
    example states, with the package (``package``) or only the static binary (``binary``)."""
    return salt_call(tmp_path, request.param, cli)


def salt_call(tmp_path: pathlib.Path, mode: str, cli: pathlib.Path):
    """The salt-call of `salt`, for one mode."""
    srv, config, env = minion(tmp_path, mode, cli)
    for example in (SALT / "examples").glob("*.sls"):
        shutil.copy(example, srv / example.name)
    call = os.path.join(os.path.dirname(sys.executable), "salt-call")

    def run(*args: str) -> dict:
        result = subprocess.run([call, "--local", "-c", str(config), "--out", "json", *args],
                                capture_output=True, text=True, env=env)
        assert result.stdout, result.stderr
        return json.loads(result.stdout)["local"]

    run("saltutil.sync_all")
    run.mode = mode
    return run


def test_execution_module_renders_and_validates(salt, tmp_path, cli):
    plan = json.dumps({"interface": "eth0", "primary": "192.168.1.201",
                       "secondaries": ["192.168.1.202"], "prefix": 24, "gateway": "192.168.1.253"})
    rendering = salt("eniplan.render", f"plan={plan}", "target=centos-7")
    assert [f["path"] for f in rendering["files"]][-1] == "/etc/sysconfig/network-scripts/ifcfg-eth0:0"
    problems = salt("eniplan.validate", 'plan={"interface": "eth0"}')
    assert [p["field"] for p in problems] == ["primary", "prefix", "gateway"]
    assert salt("eniplan.validate", f"plan={plan}") == []
    listed = subprocess.run([str(cli), "targets", "--format", "json"], capture_output=True,
                            text=True, check=True)
    assert salt("eniplan.targets") == json.loads(listed.stdout)
    cached = list((tmp_path / "salt-root").rglob("files/base/eniplan/eniplan-*-unknown-linux-musl"))
    if salt.mode == "binary":
        # The minion took the binary from the file server: the same rendering as the CLI's.
        assert len(cached) == 1, cached
        expected = subprocess.run([str(cli), "render", "-", "--os", "centos-7", "--format", "json"],
                                  input=plan, capture_output=True, text=True, check=True)
        assert rendering == json.loads(expected.stdout)
    else:
        assert cached == []


def state(salt, root: pathlib.Path, *extra: str) -> dict:
    pillar = json.dumps({"eni_root": str(root), "eni_target": "debian-10"})
    result = salt("state.apply", "eni", f"pillar={pillar}", *extra)
    (only,) = result.values()
    return only


def test_state_test_mode_then_apply_then_idempotent(salt, tmp_path):
    root = tmp_path / "root"
    dry = state(salt, root, "test=True")
    assert dry["result"] is None, dry
    stanzas = "/etc/network/interfaces.d/60-eniplan-eth0"
    assert "/etc/network/interfaces" in dry["changes"]
    if salt.mode == "package":
        assert "+auto eth0:1" in dry["changes"][stanzas]["diff"]
    else:
        # Salt's file.managed in test mode names a new file rather than diffing it.
        assert dry["changes"][stanzas]["action"] == "create"
    assert not (root / "etc/network/interfaces").exists(), "test mode writes nothing"

    applied = state(salt, root)
    assert applied["result"] is True
    assert applied["changes"][stanzas]["action"] == "create"
    assert "source /etc/network/interfaces.d/60-eniplan-*" in (root / "etc/network/interfaces").read_text()
    text = (root / stanzas.lstrip("/")).read_text()
    assert "iface eth0:1 inet static\n    address 192.168.1.203\n" in text

    again = state(salt, root)
    assert again["result"] is True and again["changes"] == {}


def test_a_previous_plan_removes_what_the_new_one_drops(salt):
    before = {"interface": "eth0", "primary": "192.168.1.201",
              "secondaries": ["192.168.1.202", "192.168.1.203"], "prefix": 24,
              "gateway": "192.168.1.253"}
    after = dict(before, secondaries=["192.168.1.202"])
    rendering = salt("eniplan.render", f"plan={json.dumps(after)}", "target=centos-7",
                     f"previous={json.dumps(before)}")
    assert rendering["delete"] == ["/etc/sysconfig/network-scripts/ifcfg-eth0:1"]
    assert rendering["commands"][0]["argv"] == ["ip", "addr", "del", "192.168.1.203/24", "dev", "eth0"]


def test_invalid_plan_fails_the_state(salt, tmp_path):
    srv_state = tmp_path / "srv" / "bad.sls"
    srv_state.write_text(STATE.read_text().replace("192.168.1.203", "10.9.9.9"))
    result = salt("state.apply", "bad", "pillar={\"eni_root\": \"%s\", \"eni_target\": \"rhel\"}" % tmp_path)
    (only,) = result.values()
    assert only["result"] is False
    assert "secondaries[1]: 10.9.9.9 is outside 192.168.1.0/24" in only["comment"]


def test_without_the_package_metadata_is_refused_saying_why(tmp_path, cli):
    salt = salt_call(tmp_path, "binary", cli)
    pillar = json.dumps({"eni_target": "debian-10", "eni_root": str(tmp_path / "root")})
    (only,) = salt("state.apply", "eni-metadata", f"pillar={pillar}").values()
    assert only["result"] is False, only
    assert "source=metadata needs the eniplan Python package on the minion" in only["comment"]
    assert not (tmp_path / "root").exists()


def test_the_readme_shows_the_state_the_tests_run():
    readme = (REPO / "README.md").read_text()
    assert STATE.read_text() in readme


@pytest.mark.parametrize("mode", MODES)
def test_apply_runs_the_engine_on_a_namespace_host(tmp_path, mode, cli):
    """``apply: true`` on a host in namespaces (namespace_host.py): test mode writes and runs
    nothing, the state applies and verifies with the real ifdown/ifup and says eniplan's
    warnings in its comment, a second run changes nothing, and a silent gateway fails the state
    with the host as it was."""
    from namespace_host import NamespaceHost

    host = NamespaceHost(tmp_path / "host", [("eth1", "192.168.2.253")])
    try:
        srv, config, env = minion(tmp_path, mode, cli)
        (srv / "eth1.sls").write_text(
            "eth1:\n  eniplan.managed:\n    - target: debian-10\n    - apply: true\n"
            "    - plan:\n        interface: eth1\n        primary: 192.168.2.10\n"
            "        secondaries: [192.168.2.11]\n        prefix: 24\n"
            "        gateway: {{ pillar.get('gateway', '192.168.2.253') }}\n")
        call = os.path.join(os.path.dirname(sys.executable), "salt-call")

        def salt(*args: str) -> dict:
            result = host.run([call, "--local", "-c", str(config), "--out", "json", *args],
                              env=env)
            assert result.stdout, result.stderr
            (only,) = json.loads(result.stdout)["local"].values()
            return only

        host.run([call, "--local", "-c", str(config), "saltutil.sync_all"], env=env)
        files = host.files()
        dry = salt("state.apply", "eth1", "test=True")
        assert dry["result"] is None, dry
        assert host.files() == files and host.addresses("eth1") == []
        applied = salt("state.apply", "eth1")
        assert applied["result"] is True, applied
        assert applied["comment"].startswith("applied and verified"), applied["comment"]
        assert "warning: the plan has no dns" in applied["comment"]
        assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24"]
        again = salt("state.apply", "eth1")
        assert again["result"] is True and again["changes"] == {}, again
        files = host.files()
        bad = salt("state.apply", "eth1", 'pillar={"gateway": "192.168.2.254"}')
        assert bad["result"] is False, bad
        assert "rolled back" in bad["comment"], bad["comment"]
        assert host.files() == files
        assert host.addresses("eth1") == ["192.168.2.10/24", "192.168.2.11/24"]
    finally:
        host.close()
