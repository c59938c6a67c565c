"""The powershell family's apply script (templates/powershell/apply.ps1), judged without a
Windows host. No PowerShell can be installed on this machine (none is in the package registries
it reaches), so PowerShell's grammar as tree-sitter-powershell holds it parses the script, and
the checks read its syntax tree: no syntax error; every cmdlet and every parameter one that
Microsoft documents for it; every variable read one that is set (a parameter, an assignment, a
loop variable, or one of PowerShell's own); every function called one the script defines; the
rendered commands run in order, each once, inside the block whose failure rolls back; and a
hostile adapter name stays inside string literals. The commands themselves are run against the
model of an adapter by the Rust tests (core/tests/real_tools/powershell.rs)."""

from __future__ import annotations

from typing import Dict, Iterator, List, Set

import pytest
import tree_sitter
import tree_sitter_powershell

import eniplan

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))

PLAN = {
    "interface": "Ethernet 2",
    "primary": "192.168.1.201",
    "secondaries": ["192.168.1.202", "192.168.1.203"],
    "prefix": 24,
    "gateway": "192.168.1.253",
    "dns": ["100.100.2.136", "100.100.2.138"],
    "ipv6": {"addresses": ["2001:db8:1:1::a", "2001:db8:1:1::b"], "prefix": 64,
             "gateway": "2001:db8:1:1::1"},
}

# The parameters each cmdlet is called with, as Microsoft documents them:
# learn.microsoft.com/powershell/module/nettcpip/ (Get-/Set-NetIPInterface, Get-/New-/Set-/
# Remove-NetIPAddress, Get-/New-/Remove-NetRoute, Get-/Remove-NetNeighbor), .../netadapter/
# get-netadapter, .../dnsclient/ (Get-/Set-DnsClientServerAddress), and the core modules
# (.../microsoft.powershell.core, .../microsoft.powershell.utility,
# .../microsoft.powershell.management). -ErrorAction and -Confirm are common parameters.
DOCUMENTED: Dict[str, Set[str]] = {
    "Get-NetIPInterface": {"-InterfaceAlias", "-AddressFamily"},
    "Set-NetIPInterface": {"-InterfaceAlias", "-AddressFamily", "-Dhcp"},
    "Get-NetIPAddress": {"-InterfaceAlias", "-IPAddress", "-AddressFamily", "-ErrorAction"},
    "New-NetIPAddress": {"-InterfaceAlias", "-AddressFamily", "-IPAddress", "-PrefixLength",
                         "-SkipAsSource"},
    "Set-NetIPAddress": {"-InterfaceAlias", "-IPAddress", "-PrefixLength", "-SkipAsSource"},
    "Remove-NetIPAddress": {"-InterfaceAlias", "-IPAddress", "-Confirm"},
    "Get-NetRoute": {"-InterfaceAlias", "-DestinationPrefix", "-NextHop", "-ErrorAction"},
    "New-NetRoute": {"-InterfaceAlias", "-AddressFamily", "-DestinationPrefix", "-NextHop",
                     "-RouteMetric"},
    "Remove-NetRoute": {"-InterfaceAlias", "-DestinationPrefix", "-NextHop", "-Confirm"},
    "Get-NetNeighbor": {"-InterfaceAlias", "-IPAddress", "-ErrorAction"},
    "Remove-NetNeighbor": {"-InterfaceAlias", "-IPAddress", "-Confirm", "-ErrorAction"},
    "Get-NetAdapter": {"-Name"},
    "Get-DnsClientServerAddress": {"-InterfaceAlias"},
    "Set-DnsClientServerAddress": {"-InterfaceAlias", "-ServerAddresses",
                                   "-ResetServerAddresses"},
    "Get-ItemProperty": {"-Path", "-Name", "-ErrorAction"},
    "Where-Object": set(),
    "ForEach-Object": set(),
    "Sort-Object": set(),
    "Out-Null": set(),
    "Write-Output": set(),
    "ConvertTo-Json": {"-InputObject", "-Depth"},
    "ConvertFrom-Json": set(),
    "Get-Content": {"-Raw", "-Path"},
    "Set-Content": {"-Path", "-Encoding"},
    "New-Item": {"-ItemType", "-Force", "-Path"},
    "Join-Path": set(),
    "Get-Date": {"-Format"},
    "Start-Sleep": {"-Milliseconds"},
    # ping.exe (called with `&`): -n count, -w timeout in ms, -S source address
    # (learn.microsoft.com/windows-server/administration/windows-commands/ping).
    "ping.exe": {"-n", "-w", "-S"},
}

# Variables PowerShell sets itself (about_Automatic_Variables, about_Preference_Variables).
AUTOMATIC = {"$_", "$true", "$false", "$null", "$erroractionpreference"}


def script_for(plan: dict) -> str:
    rendering = eniplan.render(plan, "powershell")
    scripts = [f for f in rendering["files"] if f["path"].endswith("apply.ps1")]
    assert len(scripts) == 1, [f["path"] for f in rendering["files"]]
    return str(scripts[0]["contents"])


def nodes(node: tree_sitter.Node, kind: str) -> Iterator[tree_sitter.Node]:
    if node.type == kind:
        yield node
    for child in node.children:
        yield from nodes(child, kind)


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode()


def tree(script: str) -> tree_sitter.Node:
    return PARSER.parse(script.encode()).root_node


def syntax_errors(root: tree_sitter.Node) -> List[str]:
    bad = list(nodes(root, "ERROR")) + [n for n in nodes_all(root) if n.is_missing]
    return [f"line {n.start_point[0] + 1}: {text(n)[:60]!r}" for n in bad]


def nodes_all(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from nodes_all(child)


def test_the_script_parses_without_a_syntax_error():
    root = tree(script_for(PLAN))
    assert not root.has_error, syntax_errors(root)


def test_the_grammar_catches_a_broken_script():
    # The check above can fail: a brace short, or a quote left open, is an error to it.
    script = script_for(PLAN)
    assert tree(script.replace("    return\n        }", "    return\n", 1)).has_error
    assert tree(script.replace("Alias = 'Ethernet 2'", "Alias = 'Ethernet 2", 1)).has_error


def defined_functions(root: tree_sitter.Node) -> Set[str]:
    return {text(n) for f in nodes(root, "function_statement")
            for n in f.children if n.type == "function_name"}


def called_commands(root: tree_sitter.Node) -> List[tree_sitter.Node]:
    return [c for c in nodes(root, "command") if c.child_by_field_name("command_name")]


def test_every_cmdlet_and_parameter_is_documented():
    root = tree(script_for(PLAN))
    own = defined_functions(root)
    seen = set()
    for command in called_commands(root):
        name = text(command.child_by_field_name("command_name"))
        if name in own:
            continue
        seen.add(name)
        assert name in DOCUMENTED, f"undocumented command {name}: {text(command)[:80]}"
        for parameter in nodes(command, "command_parameter"):
            if parameter.parent is None or parameter.parent.parent != command:
                continue  # a parameter of a nested command is checked with that command
            word = text(parameter).split(":")[0]
            assert word in DOCUMENTED[name], f"{name} has no documented parameter {word}"
    for needed in ("Get-NetNeighbor", "Remove-NetNeighbor", "Set-NetIPInterface"):
        assert needed in seen, needed


def assigned_names(root: tree_sitter.Node) -> Set[str]:
    names = set(AUTOMATIC)
    for kind in ("left_assignment_expression", "script_parameter"):
        for node in nodes(root, kind):
            names.update(text(v).lower() for v in nodes(node, "variable"))
    for loop in nodes(root, "foreach_statement"):
        variable = next((c for c in loop.children if c.type == "variable"), None)
        if variable is not None:
            names.add(text(variable).lower())
    return names


def test_every_variable_read_is_set():
    root = tree(script_for(PLAN))
    assigned = assigned_names(root)
    read = {text(v).lower() for v in nodes(root, "variable")}
    # `$script:ExitStatus` is the script-scope name of `$ExitStatus`; `$env:` reads the process.
    missing = {v for v in read - assigned
               if not v.startswith("$env:")
               and v.replace("$script:", "$") not in {a.replace("$script:", "$") for a in assigned}}
    assert not missing, missing
    # The check can fail: a misspelt name is caught.
    broken = tree(script_for(PLAN).replace("$Before.Static", "$Befor.Static", 1))
    assert "$befor" in {text(v).lower() for v in nodes(broken, "variable")} - assigned_names(broken)


def test_every_function_called_is_defined():
    root = tree(script_for(PLAN))
    own = defined_functions(root)
    called = {text(c.child_by_field_name("command_name")) for c in called_commands(root)}
    # What is neither a documented command nor defined here would fail at run time.
    assert called <= own | set(DOCUMENTED), called - own - set(DOCUMENTED)
    assert own <= called, f"defined and never called: {own - called}"
    assert {"Get-AdapterState", "Restore-Adapter", "Test-Plan", "Undo-Change"} <= own


def test_the_commands_run_in_order_inside_the_block_that_rolls_back():
    rendering = eniplan.render(PLAN, "powershell")
    script = script_for(PLAN)
    root = tree(script)
    tries = list(nodes(root, "try_statement"))
    applying = [t for t in tries if "Undo-Change $before" in text(t)]
    assert len(applying) == 1, [text(t)[:40] for t in tries]
    block = text(applying[0].children[1])  # the statement block after `try`
    lines = [line.strip() for line in block.splitlines()]
    positions = []
    for command in rendering["commands"]:
        assert lines.count(command["shell"]) == 1, command["shell"]
        positions.append(lines.index(command["shell"]))
    assert positions == sorted(positions)
    verify = lines.index("Test-Plan $adapter")
    assert max(positions) < verify, "the verification runs before a command"


def test_a_change_puts_its_removals_into_the_script():
    after = dict(PLAN, secondaries=["192.168.1.202"])
    rendering = eniplan.render_change(PLAN, after, "powershell")
    script = [f for f in rendering["files"] if f["path"].endswith("apply.ps1")][0]["contents"]
    removal = [c["shell"] for c in rendering["commands"] if "Remove-NetIPAddress" in c["shell"]]
    assert removal and all(line in script for line in removal)
    assert "'192.168.1.203/24'" not in script.split("$Plan = @(")[1].split(")\n\n")[0]


@pytest.mark.parametrize("alias", ["$(Stop-Computer)", "a; Remove-Item C:\\ -Recurse",
                                   "x`y $env:PATH", "b|c & @{d=1}"])
def test_a_hostile_adapter_name_stays_a_string(alias):
    plain = tree(script_for(dict(PLAN, interface="Ethernet 2")))
    hostile_script = script_for(dict(PLAN, interface=alias))
    hostile = tree(hostile_script)
    assert not hostile.has_error, syntax_errors(hostile)

    def shape(root: tree_sitter.Node) -> List[str]:
        commands = [text(c.child_by_field_name("command_name") or c) for c in nodes(root, "command")]
        variables = sorted({text(v).lower() for v in nodes(root, "variable")})
        return commands + variables

    # The same commands and variables: the name added none.
    assert shape(hostile) == shape(plain)
    # Inside single quotes, where PowerShell expands nothing (about_Quoting_Rules).
    assert f"Alias = '{alias}'" in hostile_script
