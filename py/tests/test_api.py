"""The Python API: plans as dicts or text, plain data out, typed exceptions."""

from __future__ import annotations

import ipaddress

import pytest

import eniplan

SEED = {
    "interface": "eth0",
    "mac": "00:16:3e:16:43:aa",
    "primary": "192.168.1.201",
    "secondaries": ["192.168.1.202", "192.168.1.203"],
    "prefix": 24,
    "gateway": "192.168.1.253",
    "dns": ["100.100.2.136", "100.100.2.138"],
}


def test_render_returns_plain_data():
    rendering = eniplan.render(SEED, "centos-7")
    assert rendering["target"] == "centos-7"
    assert rendering["family"] == "rhel"
    paths = [file["path"] for file in rendering["files"]]
    assert paths == [
        "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        "/etc/sysconfig/network-scripts/ifcfg-eth0:0",
        "/etc/sysconfig/network-scripts/ifcfg-eth0:1",
    ]
    assert rendering["files"][2]["mode"] == 0o644
    assert "IPADDR=192.168.1.202\n" in rendering["files"][2]["contents"]
    assert rendering["restart"][0]["argv"] == ["systemctl", "restart", "network"]
    assert isinstance(rendering["warnings"], list)


def test_text_plans_render_like_dict_plans():
    text = "\n".join(f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {value}"
                     for key, value in SEED.items())
    assert eniplan.render(text, "netplan") == eniplan.render(SEED, "netplan")


def test_render_many_all_gives_every_family_in_order():
    families = [r["family"] for r in eniplan.render_many(SEED)]
    assert families == ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows", "keyfile",
                        "networkd", "powershell"]
    seed = [r["family"] for r in eniplan.render_many(SEED, "ecs-doc")]
    assert seed == ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows"]
    assert [r["target"] for r in eniplan.render_many(SEED, "sles-15,debian-10")] == [
        "sles-15", "debian-10"]


def test_plan_errors_are_value_errors_with_every_problem():
    plan = dict(SEED, secondaries=["192.168.2.9", "192.168.1.201"], mac="00:16:3e:xx:43:aa")
    with pytest.raises(ValueError) as caught:
        eniplan.render(plan, "rhel")
    error = caught.value
    assert isinstance(error, eniplan.PlanError)
    assert isinstance(error, eniplan.Error)
    fields = [(p.field, p.value, p.kind) for p in error.problems]
    assert fields == [
        ("mac", "00:16:3e:xx:43:aa", "invalid_mac"),
        ("secondaries[0]", "192.168.2.9", "outside_subnet"),
        ("secondaries[1]", "192.168.1.201", "duplicate"),
    ]
    assert "secondaries[0]: 192.168.2.9 is outside 192.168.1.0/24" in str(error)


def test_unknown_keys_and_targets_are_plan_errors():
    with pytest.raises(eniplan.PlanError, match="did you mean `secondaries`"):
        eniplan.render({"interface": "eth0", "secondary": []}, "rhel")
    with pytest.raises(eniplan.PlanError) as caught:
        eniplan.render(SEED, "centos-5")
    assert caught.value.problems[0].field == "os"


def test_wrong_types_are_type_errors_or_plan_errors():
    with pytest.raises(TypeError):
        eniplan.render(42, "rhel")  # type: ignore[arg-type]
    with pytest.raises(eniplan.PlanError):
        eniplan.render(dict(SEED, prefix="twenty-four"), "rhel")


def test_an_instance_is_a_plan_everywhere():
    second = dict(SEED, interface="eth1", primary="192.168.2.10", secondaries=["192.168.2.11"],
                  gateway="192.168.2.253", route_table=1001, mac="00:16:3e:16:43:bb")
    instance = [SEED, second]
    rendering = eniplan.render(instance, "rocky-8")
    paths = [f["path"] for f in rendering["files"]]
    assert "/etc/sysconfig/network-scripts/ifcfg-eth0" in paths
    assert "/etc/sysconfig/network-scripts/route-eth1" in paths
    assert eniplan.validate(instance, "all") == []
    # A selection: one entry per target; every target renders an instance of two ENIs.
    outcomes = eniplan.render_many(instance, "all")
    assert [o["target"] for o in outcomes][:3] == ["nmcli", "rhel", "netplan"]
    assert not [o for o in outcomes if "error" in o]
    # One ENI with a table alone: the Windows families refuse it in their own place.
    alone = eniplan.render_many(second, "netplan,windows")
    assert "files" in alone[0]
    assert alone[1]["target"] == "windows" and alone[1]["problems"][0]["field"] == "route_table"
    # A selection where one target goes is named as such.
    with pytest.raises(eniplan.PlanError, match="selects several targets"):
        eniplan.render_instance(instance, "all")
    # The input rules are the core's: a single value where a list goes, a number as text.
    assert eniplan.validate(dict(SEED, dns="100.100.2.136", prefix="24")) == []
    problems = eniplan.validate([SEED, dict(second, route_table=None, primry="1.2.3.4")])
    assert problems[0].field == "plans[1]: primry" and problems[0].kind == "unknown_key"


def test_validate_lists_every_problem_and_nothing_for_a_valid_plan():
    assert eniplan.validate(SEED) == []
    problems = eniplan.validate({"secondaries": ["10.0.0.1"]})
    assert [p.field for p in problems] == ["interface", "primary", "prefix", "gateway"]
    assert [p.field for p in eniplan.validate(dict(SEED, interface="Ethernet 2"), "rhel")] == [
        "interface"]


def test_targets_and_target_for():
    names = [t["name"] for t in eniplan.targets()]
    assert names[:6] == ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows"]
    assert "windows-2022" in names
    assert eniplan.target_for("CentOS", "7.9.2009") == "centos-7"
    with pytest.raises(eniplan.PlanError):
        eniplan.target_for("Gentoo", "2.14")


def test_absent_removes_secondaries_and_their_files():
    rendering = eniplan.render_absent(SEED, "centos-7")
    assert rendering["delete"] == [
        "/etc/sysconfig/network-scripts/ifcfg-eth0:0",
        "/etc/sysconfig/network-scripts/ifcfg-eth0:1",
    ]
    assert "192.168.1.202" not in rendering["files"][1]["contents"]
    removals = [command["shell"] for command in rendering["commands"]]
    assert removals == [
        "ip addr del 192.168.1.202/24 dev eth0",
        "ip addr del 192.168.1.203/24 dev eth0",
    ]


def test_change_removes_only_what_is_gone_on_every_surface_alike():
    after = dict(SEED, secondaries=["192.168.1.202", "192.168.1.204"])
    cloud = {"region": "cn-hangzhou", "eni_id": "eni-bp1example"}
    calls = eniplan.render_change(dict(SEED, cloud=cloud), dict(after, cloud=cloud), "cloud")
    assert [command["argv"][2] for command in calls["commands"]] == [
        "UnassignPrivateIpAddresses",
        "AssignPrivateIpAddresses",
    ]
    assert calls["commands"][0]["argv"][-1] == "192.168.1.203"
    netsh = eniplan.render_change(dict(SEED, interface="Ethernet"), dict(after, interface="Ethernet"), "windows")
    # The primary is kept, so netsh never resets the adapter's IPv4 list (`set address` would
    # drop every secondary for a moment): it deletes what is gone and adds what is new, each
    # guarded so that a second run changes nothing and fails nothing.
    assert all(c["argv"][2:5] != ["ipv4", "set", "address"] for c in netsh["commands"])
    deleted = [c["argv"][6] for c in netsh["commands"] if c["argv"][3:5] == ["delete", "address"]]
    added = [c["argv"][6] for c in netsh["commands"] if c["argv"][3:5] == ["add", "address"]]
    assert deleted == ["address=192.168.1.203"] and added == ["address=192.168.1.204"]
    assert all(c["guard"] for c in netsh["commands"] if c["argv"][4] == "address")
    powershell = eniplan.render_change(
        dict(SEED, interface="Ethernet"), dict(after, interface="Ethernet"), "powershell"
    )
    removal = powershell["commands"][0]
    assert removal["argv"][0] == "Remove-NetIPAddress" and "192.168.1.203" in removal["argv"]
    assert removal["guard"] == {
        "if_found": [
            "Get-NetIPAddress", "-InterfaceAlias", "Ethernet", "-IPAddress", "192.168.1.203",
            "-ErrorAction", "SilentlyContinue",
        ]
    }
    with pytest.raises(eniplan.PlanError) as raised:
        eniplan.render_change(SEED, dict(after, secondaries=["10.9.9.9"]), "rhel")
    # Each side's problems name their side.
    assert raised.value.problems[0].field == "after: secondaries[0]"


def test_ipaddress_objects_are_not_silently_accepted():
    with pytest.raises(eniplan.PlanError):
        eniplan.render(dict(SEED, primary=ipaddress.ip_address("192.168.1.201")), "rhel")


def test_apply_is_the_cores_one_rule_set(tmp_path):
    """eniplan.apply goes through the Rust core: the same rules as the CLI's --write-to."""
    import os

    import eniplan.apply

    rendering = eniplan.render_seed_example("netplan")[0]
    first = eniplan.apply.write(rendering, str(tmp_path))
    assert first.changed and {c.action for c in first.files} == {"create"}
    again = eniplan.apply.write(rendering, str(tmp_path))
    assert not again.changed
    # A symlinked directory is never followed, even one that stays inside the root.
    other = tmp_path / "other"
    inside = tmp_path / "inside"
    inside.mkdir()
    (other / "etc").mkdir(parents=True)
    os.symlink(inside, other / "etc" / "netplan")
    with pytest.raises(eniplan.apply.UnsafePath, match="symlink"):
        eniplan.apply.write(rendering, str(other))
    assert list(inside.iterdir()) == []


def test_the_ecs_document_example_under_its_new_and_old_names():
    assert eniplan.render_example("all") == eniplan.render_seed_example("all")
    assert [r["family"] for r in eniplan.render_many(SEED, "seed")] == [
        r["family"] for r in eniplan.render_many(SEED, "ecs-doc")
    ]


def test_import_eniplan_reaches_its_submodules():
    """`import eniplan` alone gives eniplan.apply and eniplan.metadata (the README's examples
    use them so), in a fresh interpreter that imported nothing else of the package."""
    import subprocess
    import sys

    code = ("import eniplan; print(eniplan.apply.changes.__name__, "
            "eniplan.metadata.fetch.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["changes", "fetch"]
