//! systemd-networkd `.network` files. systemd-networkd has no offline checker, so the
//! reference is netplan: the same plan rendered for netplan goes through `netplan generate`,
//! whose networkd file must describe the same link state as eniplan's own file (addresses,
//! default routes, table routes and rules, DHCP, DNS, match). Both are read by one strict
//! parser that refuses any section or key outside systemd.network(5)'s ones eniplan uses, and
//! eniplan's file is then applied in a namespace.

use std::fs;
use std::process::Command;

use eniplan::{Mode, Rendering, Target};

use crate::support::{
    apply_runtime, networkd_runtime, parse_ini, run, scratch, sorted, succeeded, values,
    write_under, Item, RuntimeConfig,
};

/// A runtime configuration as comparable, order-free text.
fn summary(config: &RuntimeConfig) -> Vec<String> {
    let mut lines: Vec<String> = config
        .ipv4
        .iter()
        .map(|(a, _)| format!("addr {a}"))
        .chain(config.ipv6.iter().map(|a| format!("addr {a}")))
        .chain(config.gateway4.iter().map(|g| format!("default4 {g}")))
        .chain(config.gateway6.iter().map(|g| format!("default6 {g}")))
        .chain(config.ip.iter().map(|args| args.join(" ")))
        .collect();
    lines.sort();
    lines
}

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let interface = plan.interface();
    let path = format!("/etc/systemd/network/05-eniplan-{interface}.network");
    let file = rendering
        .files
        .iter()
        .find(|file| file.path == path)
        .ok_or_else(|| format!("no .network file at {path}"))?;
    let ours = networkd_runtime(&file.contents, interface)?;
    let ini = parse_ini(&file.contents);
    if values(&ini, "Match", "Name") != [interface] {
        return Err(format!("[Match] Name= {:?}", values(&ini, "Match", "Name")));
    }
    let mac: Vec<String> = plan.mac().map(|m| m.to_string()).into_iter().collect();
    if values(&ini, "Match", "MACAddress") != mac {
        return Err(format!(
            "[Match] MACAddress= {:?}, planned {mac:?}",
            values(&ini, "Match", "MACAddress")
        ));
    }
    let dhcp = if plan.mode() == Mode::Static {
        "no"
    } else {
        "ipv4"
    };
    if values(&ini, "Network", "DHCP") != [dhcp] {
        return Err(format!(
            "DHCP= {:?}, planned {dhcp}",
            values(&ini, "Network", "DHCP")
        ));
    }
    let dns: Vec<String> = plan.dns().iter().map(|d| d.to_string()).collect();
    if values(&ini, "Network", "DNS") != dns {
        return Err(format!(
            "DNS= {:?}, planned {dns:?}",
            values(&ini, "Network", "DNS")
        ));
    }

    // The reference: netplan's own networkd file for the same plan.
    let netplan = eniplan::render(plan, Target::parse("netplan").map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let yaml = netplan
        .files
        .iter()
        .find(|file| file.path.starts_with("/etc/netplan/"))
        .ok_or("no netplan file")?;
    let root = scratch("networkd");
    write_under(&root, &yaml.path, &yaml.contents, yaml.mode);
    let output = run(Command::new("netplan")
        .arg("generate")
        .arg("--root-dir")
        .arg(&root));
    succeeded("netplan generate", &output)?;
    if !output.stderr.is_empty() {
        return Err(format!(
            "netplan generate printed {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let generated = root.join(format!(
        "run/systemd/network/10-netplan-{interface}.network"
    ));
    let text =
        fs::read_to_string(&generated).map_err(|e| format!("{}: {e}", generated.display()))?;
    let _ = fs::remove_dir_all(&root);
    let reference = networkd_runtime(&text, interface)?;
    let reference_ini = parse_ini(&text);
    if summary(&ours) != summary(&reference) {
        return Err(format!(
            "eniplan's .network describes {:?}; netplan's for the same plan {:?}",
            summary(&ours),
            summary(&reference)
        ));
    }
    if sorted(values(&reference_ini, "Network", "DNS")) != sorted(dns.clone()) {
        return Err("netplan's DNS= differs".into());
    }
    let reference_dhcp = values(&reference_ini, "Network", "DHCP");
    let same_dhcp = match plan.mode() {
        Mode::Static => reference_dhcp.is_empty(),
        Mode::Dhcp => reference_dhcp == ["ipv4"],
    };
    if !same_dhcp {
        return Err(format!(
            "netplan's DHCP= {reference_dhcp:?}, eniplan's {dhcp}"
        ));
    }
    apply_runtime(&ours, plan, false)
}
