"""Hostile plans through Python: always eniplan.PlanError (or TypeError for a non-plan), never
a crash, and fast even for a million entries."""

from __future__ import annotations

import time

import pytest

import eniplan

BASE = {"interface": "eth0", "primary": "10.0.0.5", "prefix": 8, "gateway": "10.0.0.1"}


def test_a_million_secondaries_are_refused_quickly():
    started = time.monotonic()
    with pytest.raises(eniplan.PlanError) as caught:
        eniplan.render(dict(BASE, secondaries=["10.0.0.6"] * 1_000_000), "rhel")
    assert time.monotonic() - started < 5
    kinds = {p.kind for p in caught.value.problems}
    assert "too_many_addresses" in kinds
    assert len(caught.value.problems) < 300, "the error list stays bounded"


@pytest.mark.parametrize("plan", [
    "interface: [eth0\n",
    "{\"interface\": \"eth0\",}",
    "x" * 300_000,
    dict(BASE, interface="eth\x000"),
    dict(BASE, interface="e" * 100_000),
    dict(BASE, secondaries=5),
    dict(BASE, secondaries=[None]),
    dict(BASE, prefix=10**30),
    dict(BASE, mac={"nested": "dict"}),
    {1: "non-string key"},
    dict(BASE, primary="192.168.001.5"),
    dict(BASE, primary="10.0.0.5/8"),
    dict(BASE, primary="１０.0.0.5"),
    dict(BASE, ipv6={"addresses": ["::ffff:10.0.0.9"]}),
    dict(BASE, connection="System\neth0"),
], ids=range(15))
def test_hostile_plans_raise_plan_errors(plan):
    with pytest.raises(eniplan.PlanError) as caught:
        eniplan.render_many(plan, "all")
    assert caught.value.problems
    for problem in caught.value.problems:
        assert "\n" not in problem.message


@pytest.mark.parametrize("plan", [None, 42, 4.2, b"interface: eth0"])
def test_non_plans_are_type_errors(plan):
    with pytest.raises(TypeError):
        eniplan.render(plan, "rhel")


def test_a_list_of_non_plans_is_a_plan_error():
    # A list is an instance; its items must be plans.
    with pytest.raises(eniplan.PlanError, match=r"plans\[0\]: plan: `interface` is not"):
        eniplan.render(["interface"], "rhel")
