//! Cross-tool: cloud-init's own renderers (`cloud-init devel net-convert`, Debian's cloud-init
//! package) turn 200 generated plans, written as network-config v2, into sysconfig ifcfg files,
//! interfaces(5) stanzas, netplan YAML and networkd units. eniplan's readers must read each
//! back to the addresses, prefix and gateway of its input. Plans go 20 at a time (eth0…eth19 in
//! one network-config), so each renderer runs ten times.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use eniplan::{EniPlan, HostFiles, Mode, Target};

use crate::common::seeded_cases;
use crate::support::{run, scratch, succeeded};

const BATCH: usize = 20;

fn network_config(plans: &[EniPlan]) -> String {
    let mut yaml = String::from("network:\n  version: 2\n  ethernets:\n");
    for plan in plans {
        let name = plan.interface.as_deref().unwrap_or_default();
        yaml.push_str(&format!("    {name}:\n"));
        let prefix = plan.prefix.unwrap_or_else(|| {
            plan.netmask
                .as_deref()
                .and_then(|m| m.parse::<std::net::Ipv4Addr>().ok())
                .map_or(24, |m| u32::from(m).leading_ones() as u8)
        });
        let dhcp = plan.mode == Some(Mode::Dhcp);
        if dhcp {
            yaml.push_str("      dhcp4: true\n");
        }
        let mut addresses: Vec<String> = Vec::new();
        if !dhcp {
            addresses.extend(plan.primary.iter().map(|a| format!("{a}/{prefix}")));
        }
        addresses.extend(plan.secondaries.iter().map(|a| format!("{a}/{prefix}")));
        if let Some(ipv6) = &plan.ipv6 {
            let prefix6 = ipv6.prefix.unwrap_or(64);
            addresses.extend(ipv6.addresses.iter().map(|a| format!("{a}/{prefix6}")));
        }
        if !addresses.is_empty() {
            yaml.push_str("      addresses:\n");
            for address in addresses {
                yaml.push_str(&format!("        - \"{address}\"\n"));
            }
        }
        if let (false, Some(gateway)) = (dhcp, &plan.gateway) {
            yaml.push_str(&format!("      gateway4: {gateway}\n"));
        }
        if !plan.dns.is_empty() {
            yaml.push_str("      nameservers:\n        addresses:\n");
            for server in &plan.dns {
                yaml.push_str(&format!("          - \"{server}\"\n"));
            }
        }
    }
    yaml
}

fn files_under(root: &Path) -> HostFiles {
    let mut files = HostFiles::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                let absolute = format!("/{}", path.strip_prefix(root).expect("under").display());
                files.insert(absolute, text);
            }
        }
    }
    files
}

type Facts = (
    BTreeSet<String>,
    Option<u8>,
    Option<String>,
    BTreeSet<String>,
);

/// What the input says and what must come back: IPv4 addresses, prefix, gateway (static),
/// IPv6 addresses.
fn facts(plan: &EniPlan, dhcp_primary: bool) -> Facts {
    let mut v4: BTreeSet<String> = plan.secondaries.iter().cloned().collect();
    if !dhcp_primary {
        v4.extend(plan.primary.iter().cloned());
    }
    let prefix = plan.prefix.or_else(|| {
        plan.netmask
            .as_deref()
            .and_then(|m| m.parse::<std::net::Ipv4Addr>().ok())
            .map(|m| u32::from(m).leading_ones() as u8)
    });
    let v6 = plan
        .ipv6
        .iter()
        .flat_map(|v6| v6.addresses.iter())
        .map(|a| {
            a.parse::<std::net::Ipv6Addr>()
                .map(|a| a.to_string())
                .unwrap_or_default()
        })
        .collect();
    let gateway = if dhcp_primary {
        None
    } else {
        plan.gateway.clone()
    };
    (
        v4,
        if v4_is_empty(plan, dhcp_primary) {
            None
        } else {
            prefix
        },
        gateway,
        v6,
    )
}

fn v4_is_empty(plan: &EniPlan, dhcp_primary: bool) -> bool {
    plan.secondaries.is_empty() && (dhcp_primary || plan.primary.is_none())
}

#[test]
fn cloud_inits_renderings_read_back_to_their_addresses() {
    let plans: Vec<EniPlan> = seeded_cases(1000, 31)
        .into_iter()
        .filter(|case| !case.windows)
        .take(200)
        .enumerate()
        .map(|(index, case)| {
            let mut plan = case.plan;
            plan.interface = Some(format!("eth{}", index % BATCH));
            plan.mac = None;
            plan.route_table = None;
            plan
        })
        .collect();
    assert_eq!(plans.len(), 200);
    let formats = [
        ("sysconfig", "rhel", "rocky-8"),
        ("eni", "debian", "debian-11"),
        ("netplan", "ubuntu", "ubuntu-22.04"),
        ("networkd", "debian", "networkd"),
    ];
    let mut failures = Vec::new();
    let mut read_back = 0;
    for (batch_index, batch) in plans.chunks(BATCH).enumerate() {
        let dir = scratch(&format!("cloud-init-{batch_index}"));
        let config = dir.join("network-config.yaml");
        fs::write(&config, network_config(batch)).expect("write");
        for (format, distro, target) in formats {
            let out = dir.join(format);
            succeeded(
                "cloud-init devel net-convert",
                &run(Command::new("cloud-init")
                    .args(["devel", "net-convert", "-p"])
                    .arg(&config)
                    .args(["-k", "yaml", "-D", distro, "-O", format, "-d"])
                    .arg(&out)),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let files = files_under(&out);
            let target = Target::parse(target).expect("target");
            for plan in batch {
                let name = plan.interface.as_deref().unwrap_or_default();
                let dhcp = plan.mode == Some(Mode::Dhcp);
                let outcome = eniplan::read(&files, target, Some(name))
                    .map_err(|e| e.to_string())
                    .map(|reading| facts(&reading.plan, dhcp));
                let want = facts(plan, dhcp);
                match outcome {
                    Ok(got) if got == want => read_back += 1,
                    Ok(got) => failures.push(format!(
                        "{format} {name} (batch {batch_index}): read {got:?}, input {want:?}"
                    )),
                    Err(error) => {
                        failures.push(format!("{format} {name} (batch {batch_index}): {error}"))
                    }
                }
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("cloud-init net-convert: 200 plans × 4 renderers, {read_back} read back, 0 failed");
}
