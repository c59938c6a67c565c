"""cloud-init's renderers (run with Debian's /usr/bin/python3, where cloud-init lives) and the
eniplan Python binding in the same interpreter, on the same plans as bench/peers. Prints one
JSON object per measurement (median of 9 batches). With --os-net-config, measures that peer
instead (it lives in its own virtualenv)."""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time


def secondaries(count):
    return [f"10.8.{n // 200}.{10 + n % 200}" for n in range(count)]


def eniplan_yaml(count):
    return ("interface: eth0\nmac: \"00:16:3e:16:43:aa\"\nprimary: 10.8.9.201\n"
            f"secondaries: [{', '.join(secondaries(count))}]\nprefix: 16\n"
            "gateway: 10.8.255.253\ndns: [100.100.2.136, 100.100.2.138]\n")


def median_us(call, setup=None):
    """Median microseconds per call; `setup` (untimed) makes a fresh argument per call."""
    args = setup() if setup else None
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            call(args)
        if time.perf_counter() - start > 0.02:
            break
        batch *= 2
    samples = []
    for _ in range(9):
        fresh = [setup() for _ in range(batch)] if setup else [args] * batch
        start = time.perf_counter()
        for item in fresh:
            call(item)
        samples.append((time.perf_counter() - start) * 1e6 / batch)
    return statistics.median(samples)


def report(tool, what, plan, us):
    print(json.dumps({"tool": tool, "what": what, "plan": plan, "us": us}), flush=True)


def cloud_init():
    from cloudinit.net import eni, netplan, network_manager, networkd, sysconfig
    from cloudinit.net.network_state import parse_net_config_data

    def config(count):
        subnets = [{"type": "static", "address": "10.8.9.201/16", "gateway": "10.8.255.253",
                    "dns_nameservers": ["100.100.2.136", "100.100.2.138"]}]
        subnets += [{"type": "static", "address": f"{a}/16"} for a in secondaries(count)]
        return {"version": 1, "config": [{"type": "physical", "name": "eth0",
                                          "mac_address": "00:16:3e:16:43:aa", "subnets": subnets}]}

    def nm_render(state):
        # The loop of network_manager.Renderer.render_network_state, without writing files.
        renderer = network_manager.Renderer(config={})
        renderer.network_state = state
        renderer.connections = {}
        for iface in state.iter_interfaces():
            conn = network_manager.NMConnection(iface["name"])
            renderer.connections[iface["name"]] = conn
            conn.render_interface(iface, renderer)
        return [conn.dump() for conn in renderer.connections.values()]

    # Given its features, cloud-init's netplan renderer does not run `netplan info` each time.
    netplan_config = {"features": []}
    # The sysconfig renderer as cloud-init's RHEL and openSUSE distros configure it.
    from cloudinit.distros import opensuse, rhel as rhel_distro
    rhel = sysconfig.Renderer(config=rhel_distro.Distro.renderer_configs["sysconfig"])
    suse = sysconfig.Renderer(config=opensuse.Distro.renderer_configs["sysconfig"])
    renderers = {
        "netplan": lambda s: netplan.Renderer(config=netplan_config)._render_content(s),
        "ifupdown": lambda s: eni.Renderer()._render_interfaces(s),
        "rhel": lambda s: rhel._render_sysconfig("/etc/sysconfig", s, "rhel", templates=rhel.templates),
        "suse": lambda s: suse._render_sysconfig("/etc/sysconfig", s, "suse", templates=suse.templates),
        # network_manager writes keyfiles: its pair is eniplan's keyfile family.
        "keyfile": nm_render,
        "networkd": lambda s: networkd.Renderer()._render_content(s),
    }
    for count in (2, 9, 49):
        plan = f"1+{count}"
        cfg = config(count)
        report("cloud-init", "parse", plan, median_us(lambda c: parse_net_config_data(c),
                                                      setup=lambda: copy.deepcopy(cfg)))
        for target, render in renderers.items():
            state = parse_net_config_data(copy.deepcopy(cfg))
            assert "10.8.9.201" in json.dumps(render(state), default=str)
            report("cloud-init", target, plan,
                   median_us(render, setup=lambda: parse_net_config_data(copy.deepcopy(cfg))))
    try:
        import eniplan
    except ImportError:
        return
    for count in (2, 9, 49):
        plan = f"1+{count}"
        text = eniplan_yaml(count)
        report("eniplan-python", "all", plan, median_us(lambda t: eniplan.render_many(t, "seed"), setup=lambda: text))
        for target in ("nmcli", "rhel", "netplan", "ifupdown", "suse", "windows", "keyfile", "networkd"):
            report("eniplan-python", target, plan,
                   median_us(lambda t, target=target: eniplan.render(t, target), setup=lambda: text))


def os_net_config():
    from os_net_config import impl_ifcfg, objects

    for count in (2, 9, 49):
        plan = f"1+{count}"

        def render(_):
            addresses = [objects.Address("10.8.9.201/16")] + [objects.Address(f"{a}/16") for a in secondaries(count)]
            iface = objects.Interface("eth0", addresses=addresses,
                                      routes=[objects.Route("10.8.255.253", default=True)],
                                      dns_servers=["100.100.2.136", "100.100.2.138"])
            provider = impl_ifcfg.IfcfgNetConfig()
            provider.add_interface(iface)
            return provider.interface_data["eth0"]

        assert "10.8.9.201" in render(None)
        report("os-net-config", "rhel", plan, median_us(render))


if __name__ == "__main__":
    os_net_config() if "--os-net-config" in sys.argv else cloud_init()
