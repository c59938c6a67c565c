//! netplan: `netplan generate --root-dir` must accept the YAML silently, and the networkd file
//! it generates must hold exactly the planned addresses, routes, DNS servers and MAC match.

use std::fs;
use std::process::Command;

use eniplan::{Mode, Rendering};

use crate::support::{
    self, apply_runtime, run, scratch, sorted, succeeded, values, write_under, Item,
};

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let root = scratch("netplan");
    let yaml = rendering
        .files
        .iter()
        .find(|file| file.path.starts_with("/etc/netplan/"))
        .ok_or("no netplan file")?;
    write_under(&root, &yaml.path, &yaml.contents, yaml.mode);
    let output = run(Command::new("netplan")
        .arg("generate")
        .arg("--root-dir")
        .arg(&root));
    succeeded("netplan generate", &output)?;
    // netplan exits 0 on conflicting default routes and on deprecations: any message counts.
    if !output.stderr.is_empty() || !output.stdout.is_empty() {
        return Err(format!(
            "netplan generate printed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    let interface = plan.interface();
    let network = root.join(format!(
        "run/systemd/network/10-netplan-{interface}.network"
    ));
    let text = fs::read_to_string(&network).map_err(|e| format!("{}: {e}", network.display()))?;
    let ini = support::parse_ini(&text);

    let mut want = support::expected_ipv4(plan, false);
    want.extend(support::expected_ipv6(plan));
    let got = values(&ini, "Network", "Address");
    if sorted(got.clone()) != sorted(want.clone()) {
        return Err(format!("networkd Address= {got:?}, planned {want:?}"));
    }
    let dhcp = values(&ini, "Network", "DHCP");
    match plan.mode() {
        Mode::Dhcp if dhcp != ["ipv4"] => return Err(format!("DHCP= {dhcp:?}, planned ipv4")),
        Mode::Static if !dhcp.is_empty() => return Err(format!("DHCP= {dhcp:?} in static mode")),
        _ => {}
    }
    // netplan writes each route as its own [Route] section; collect Gateway= of them all.
    let gateways = sorted(
        text.split("[Route]")
            .skip(1)
            .filter_map(|section| {
                section
                    .lines()
                    .find_map(|line| line.strip_prefix("Gateway="))
                    .map(str::to_string)
            })
            .collect(),
    );
    let mut want_gateways = Vec::new();
    if let (Mode::Static, Some(gateway)) = (plan.mode(), plan.gateway()) {
        want_gateways.push(gateway.to_string());
    }
    if let Some(gateway) = plan.ipv6().and_then(|ipv6| ipv6.gateway()) {
        want_gateways.push(gateway.to_string());
    }
    if gateways != sorted(want_gateways.clone()) {
        return Err(format!(
            "routes via {gateways:?}, planned {want_gateways:?}"
        ));
    }
    let dns = values(&ini, "Network", "DNS");
    let want_dns: Vec<String> = plan.dns().iter().map(|d| d.to_string()).collect();
    if dns != want_dns {
        return Err(format!("DNS= {dns:?}, planned {want_dns:?}"));
    }
    let names = values(&ini, "Match", "Name");
    if names != [interface] {
        return Err(format!("[Match] Name= {names:?}, planned {interface}"));
    }
    let macs = values(&ini, "Match", "PermanentMACAddress");
    let want_mac: Vec<String> = plan.mac().map(|mac| mac.to_string()).into_iter().collect();
    if macs != want_mac {
        return Err(format!(
            "[Match] PermanentMACAddress= {macs:?}, planned {want_mac:?}"
        ));
    }
    let _ = fs::remove_dir_all(&root);
    // What networkd would do with the generated file: its addresses, routes and rules,
    // applied in a namespace, must leave exactly the planned state in the kernel.
    apply_runtime(&support::networkd_runtime(&text, interface)?, plan, false)
}
