//! ifupdown: `ifquery` must parse the rendered file and report each stanza's address, then
//! `ifup` inside a network namespace must bring up exactly the planned addresses (and
//! `ifdown` remove them all).

use std::fs;
use std::process::Command;

use eniplan::{Mode, Rendering};

use crate::support::{
    check_kernel_state, lay_out_ifupdown, run, scratch, succeeded, Item, Namespace,
};

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let interface = plan.interface();
    let dir = scratch("ifupdown");
    let path = lay_out_ifupdown(&dir, &[rendering])?;

    let labels: Vec<String> = (0..plan.secondaries().len())
        .map(|n| format!("{interface}:{n}"))
        .collect();
    let listed = succeeded(
        "ifquery --list",
        &run(Command::new("ifquery").arg("-i").arg(&path).arg("--list")),
    )?;
    let listed: Vec<&str> = listed.lines().collect();
    let mut want: Vec<&str> = vec!["lo", interface];
    want.extend(labels.iter().map(String::as_str));
    if listed != want {
        return Err(format!("ifquery --list gave {listed:?}, planned {want:?}"));
    }
    let netmask = plan.netmask().to_string();
    for (label, secondary) in labels.iter().zip(plan.secondaries()) {
        let query = succeeded(
            "ifquery",
            &run(Command::new("ifquery").arg("-i").arg(&path).arg(label)),
        )?;
        if !query.lines().any(|l| l == format!("address: {secondary}"))
            || !query.lines().any(|l| l == format!("netmask: {netmask}"))
        {
            return Err(format!(
                "ifquery {label} gave {query:?}, planned {secondary}/{netmask}"
            ));
        }
    }
    if plan.mode() == Mode::Static {
        let query = succeeded(
            "ifquery",
            &run(Command::new("ifquery").arg("-i").arg(&path).arg(interface)),
        )?;
        let mut lines = vec![format!("address: {}", plan.primary())];
        // A secondary ENI's gateway lives in its own table (the `up` lines), not here.
        if plan.route_table().is_none() {
            let gateway = plan.gateway().map(|g| g.to_string()).unwrap_or_default();
            lines.push(format!("gateway: {gateway}"));
        }
        for line in lines {
            if !query.lines().any(|l| l == line) {
                return Err(format!(
                    "ifquery {interface} gave {query:?}, missing {line:?}"
                ));
            }
        }
    }

    // Apply for real in a namespace. A DHCP primary would send DHCP requests, so for this
    // check only its method becomes `manual`; every other line is used as rendered.
    let stanzas = dir
        .join("interfaces.d")
        .join(format!("60-eniplan-{interface}"));
    let rendered =
        fs::read_to_string(&stanzas).map_err(|e| format!("{}: {e}", stanzas.display()))?;
    let applied = if plan.mode() == Mode::Dhcp {
        rendered.replace(
            &format!("iface {interface} inet dhcp"),
            &format!("iface {interface} inet manual"),
        )
    } else {
        rendered
    };
    fs::write(&stanzas, applied).map_err(|e| e.to_string())?;
    let state = dir.join("state");
    fs::create_dir_all(&state).map_err(|e| e.to_string())?;
    let namespace = Namespace::with_interface(interface)?;
    let path_text = path.to_string_lossy().into_owned();
    let state_text = state.to_string_lossy().into_owned();
    let mut up: Vec<&str> = vec![
        "ifup",
        "--no-scripts",
        "-i",
        &path_text,
        "--state-dir",
        &state_text,
        interface,
    ];
    up.extend(labels.iter().map(String::as_str));
    namespace.exec(&up)?;
    check_kernel_state(&namespace, plan, false, interface)?;
    let (ipv4, _) = namespace.addresses(interface)?;
    for (label, secondary) in labels.iter().zip(plan.secondaries()) {
        let want = (format!("{secondary}/{}", plan.prefix_len()), label.clone());
        if !ipv4.contains(&want) {
            return Err(format!("{secondary} not under label {label}: {ipv4:?}"));
        }
    }
    if let Some(mac) = plan.mac() {
        let link = namespace.exec(&["ip", "link", "show", interface])?;
        if !link.contains(&format!("link/ether {mac} ")) {
            return Err(format!("hwaddress not applied: {link}"));
        }
    }
    let mut down: Vec<&str> = vec![
        "ifdown",
        "--no-scripts",
        "-i",
        &path_text,
        "--state-dir",
        &state_text,
    ];
    down.extend(labels.iter().rev().map(String::as_str));
    down.push(interface);
    namespace.exec(&down)?;
    let (ipv4, ipv6) = namespace.addresses(interface)?;
    if !ipv4.is_empty() || !ipv6.is_empty() {
        return Err(format!("ifdown left {ipv4:?} {ipv6:?}"));
    }
    if let Some(table) = plan.route_table() {
        let rules = namespace.exec(&["ip", "rule", "show", "table", &table.to_string()])?;
        if !rules.trim().is_empty() {
            return Err(format!("ifdown left the rules {rules:?}"));
        }
    }
    drop(namespace);
    let _ = fs::remove_dir_all(&dir);
    Ok(())
}
