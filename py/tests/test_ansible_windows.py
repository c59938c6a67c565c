"""A Windows host through the same task, eniplan.network.secondary_ips, in a real
ansible-playbook run: the action plugin sees a Windows host (its facts say so), renders the
powershell family on the controller, sends the apply script with ansible.windows.win_copy and,
with `apply: true`, runs it with ansible.windows.win_command, reading the script's exit status.

No Windows and no PowerShell can run where the tests do (../shared/REAL-TOOLS.md), so the two
ansible.windows plugins are doubles (windows_double/): win_copy writes under a directory
standing for C:\\, win_command records the command line and answers what the test says the
script printed. What is proved is the task's side: the script sent is the rendering's, byte for
byte; check mode sends and runs nothing; the command line; each exit status read as the
script's contract says. The script itself is judged by test_windows_apply_script.py and
core/tests/real_tools/powershell.rs."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import eniplan
from test_ansible import COLLECTIONS
from test_windows_apply_script import PLAN  # "Ethernet 2": an adapter name with a space

DOUBLE = pathlib.Path(__file__).parent / "windows_double"

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - eniplan.network.secondary_ips:
        plan: "{{ eni_plan }}"
        target: "{{ eni_target | default('auto') }}"
        apply: "{{ eni_apply | default(false) }}"
"""

SCRIPT = r"C:\ProgramData\eniplan\apply.ps1"


@pytest.fixture
def windows(tmp_path: pathlib.Path):
    """Runs the play against the Windows double; returns (run, the directory standing for C:\\
    and its neighbours)."""
    book = tmp_path / "play.yml"
    book.write_text(PLAY)
    root = tmp_path / "windows"
    root.mkdir()

    def run(*extra: str, answer=None) -> subprocess.CompletedProcess[str]:
        if answer is not None:
            (root / "answer.json").write_text(json.dumps(answer))
        env = dict(os.environ, FAKE_WINDOWS_ROOT=str(root),
                   ANSIBLE_COLLECTIONS_PATH=f"{DOUBLE}:{COLLECTIONS}", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        return subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
             "-i", "windows-host,", "-c", "local", str(book),
             "-e", f"ansible_python_interpreter={sys.executable}",
             "-e", "ansible_os_family=Windows", "-e", json.dumps({"eni_plan": PLAN}), *extra],
            capture_output=True, text=True, env=env)

    return run, root


def recap(result) -> dict:
    match = re.search(r"windows-host\s+:\s+(.*)", result.stdout)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_the_apply_script_is_sent_and_run_and_its_exit_status_read(windows):
    run, root = windows
    script = root / "C" / "ProgramData" / "eniplan" / "apply.ps1"
    commands = root / "commands.log"
    expected = eniplan.render(PLAN, "powershell")["files"][0]
    assert expected["path"] == SCRIPT

    check = run("--check", "--diff", "-e", "eni_apply=true")
    assert recap(check)["changed"] == 1 and recap(check)["failed"] == 0, check.stdout
    assert not script.exists() and not commands.exists(), "check mode sent or ran something"
    assert "Written by eniplan: applies the plan" in check.stdout, "no diff shown"

    sent = run("-v")
    assert recap(sent)["changed"] == 1, sent.stdout + sent.stderr
    assert script.read_text() == expected["contents"]
    assert not commands.exists(), "without apply, the script ran"
    assert '"rendered_on": "controller"' in sent.stdout
    assert recap(run())["changed"] == 0

    applied = run("-e", "eni_apply=true",
                  answer={"rc": 0, "stdout": "applied and verified: Ethernet 2\n"})
    assert recap(applied)["changed"] == 1 and recap(applied)["failed"] == 0, applied.stdout
    assert commands.read_text().splitlines() == [
        rf'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{SCRIPT}"']
    again = run("-e", "eni_apply=true",
                answer={"rc": 0, "stdout": "unchanged: the adapters already held the plan (verified)\n"})
    assert recap(again)["changed"] == 0 and recap(again)["failed"] == 0, again.stdout

    rolled = run("-e", "eni_apply=true",
                 answer={"rc": 1, "stdout": "rolled back: the gateway 192.168.1.253 does not answer\n"})
    # A failed task's `changed` is in its result (the recap counts failed tasks apart).
    assert recap(rolled)["failed"] == 1 and '"changed": false' in rolled.stdout, rolled.stdout
    assert "rolled back: the gateway 192.168.1.253 does not answer" in rolled.stdout
    broken = run("-e", "eni_apply=true",
                 answer={"rc": 3, "stdout": "the rollback failed: 192.168.1.202 not restored\n"})
    assert recap(broken)["failed"] == 1 and '"changed": true' in broken.stdout, broken.stdout


def test_a_linux_target_on_a_windows_host_is_refused(windows):
    run, root = windows
    refused = run("-e", "eni_target=centos-7")
    assert recap(refused)["failed"] == 1
    assert "powershell family" in refused.stdout, refused.stdout
    assert not (root / "C").exists()
