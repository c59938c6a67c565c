//! The reader cases of `tests/readers/` judged by the real tools where they run here:
//! `netplan generate` over the case's netplan files, libnm's keyfile reader on its keyfiles,
//! `ifup --no-act` over its interfaces(5) file in a mount namespace. What the tool configures
//! for the interface must be what the reading holds — each address the tool adds is in the
//! plan (with its prefix, or named in a warning), the plan's gateway is one the tool routes
//! by — and a file the tool refuses is one the reader refuses.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use eniplan::{EniPlan, HostNics, Target};
use serde::Deserialize;

use crate::support::{run, scratch};

#[derive(Deserialize)]
struct Case {
    target: String,
    interface: String,
    #[serde(default)]
    nics: HostNics,
}

/// What a tool configures for an interface: `address/prefix` items and default gateways; or
/// `None` when it refuses the files.
struct Configured {
    addresses: BTreeSet<String>,
    gateways: BTreeSet<String>,
}

/// A real tool's reading of a case laid out under a root.
type Oracle = fn(&Path, &Case) -> Option<Configured>;

fn copy(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            fs::create_dir_all(&target).expect("dir");
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).expect("mode");
        }
    }
}

fn netplan(root: &Path, case: &Case) -> Option<Configured> {
    let output = run(Command::new("netplan")
        .arg("generate")
        .arg("--root-dir")
        .arg(root));
    if !output.status.success() {
        return None;
    }
    let dir = root.join("run/systemd/network");
    let mut configured = Configured {
        addresses: BTreeSet::new(),
        gateways: BTreeSet::new(),
    };
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        let text = fs::read_to_string(entry.path()).unwrap_or_default();
        let ini = crate::support::parse_ini(&text);
        let names = crate::support::values(&ini, "Match", "Name");
        let mut macs = crate::support::values(&ini, "Match", "MACAddress");
        macs.extend(crate::support::values(&ini, "Match", "PermanentMACAddress"));
        let mac = case.nics.get(&case.interface);
        let mine = names.iter().any(|n| n == &case.interface)
            || mac.is_some_and(|mac| macs.iter().any(|m| m.eq_ignore_ascii_case(mac)));
        if !mine || !entry.file_name().to_string_lossy().ends_with(".network") {
            continue;
        }
        configured
            .addresses
            .extend(crate::support::values(&ini, "Network", "Address"));
        for section in text.split("[Route]").skip(1) {
            let route = crate::support::parse_ini(&format!("[Route]{section}"));
            let gateway = crate::support::values(&route, "Route", "Gateway");
            let destination = crate::support::values(&route, "Route", "Destination");
            if destination.is_empty() || destination.iter().any(|d| d == "0.0.0.0/0" || d == "::/0")
            {
                configured.gateways.extend(gateway);
            }
        }
    }
    Some(configured)
}

fn keyfile(root: &Path, case: &Case) -> Option<Configured> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_tools/scripts/read_keyfile.py");
    let dir = root.join("etc/NetworkManager/system-connections");
    let file = fs::read_dir(&dir).ok()?.flatten().next()?.path();
    let output = run(Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(&file)
        .arg("--lenient"));
    if !output.status.success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let mut configured = Configured {
        addresses: BTreeSet::new(),
        gateways: BTreeSet::new(),
    };
    // A profile bound to another MAC than the NIC's is not the NIC's (nm-settings(5)).
    let bound = json["mac"].as_str().map(str::to_ascii_lowercase);
    if let (Some(bound), Some(nic)) = (bound, case.nics.get(&case.interface)) {
        if !bound.eq_ignore_ascii_case(nic) {
            return Some(configured);
        }
    }
    for family in ["ipv4", "ipv6"] {
        let section = &json[family];
        for address in section["addresses"].as_array().into_iter().flatten() {
            configured
                .addresses
                .extend(address.as_str().map(str::to_string));
        }
        configured
            .gateways
            .extend(section["gateway"].as_str().map(str::to_string));
    }
    Some(configured)
}

fn ifupdown(root: &Path, case: &Case) -> Option<Configured> {
    let state = root.join("state");
    fs::create_dir_all(&state).ok()?;
    let script = format!(
        "mount --bind '{}/etc/network' /etc/network && exec ifup --no-act --no-scripts \
         --no-mappings --state-dir '{}' -a",
        root.display(),
        state.display()
    );
    let output = run(Command::new("unshare").args(["-m", "sh", "-c", &script]));
    if !output.status.success() {
        return None;
    }
    // `--no-act` prints the commands on stderr.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut configured = Configured {
        addresses: BTreeSet::new(),
        gateways: BTreeSet::new(),
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let dev = words
            .iter()
            .position(|w| *w == "dev")
            .and_then(|i| words.get(i + 1));
        if dev.is_none_or(|dev| {
            *dev != case.interface && !dev.starts_with(&format!("{}:", case.interface))
        }) {
            continue;
        }
        match words.as_slice() {
            ["ip", "addr", "add", cidr, ..] | ["ip", "-6", "addr", "add", cidr, ..] => {
                // ifupdown writes an IPv4 netmask dotted: a/255.255.255.0.
                let cidr = match cidr.split_once('/') {
                    Some((address, mask)) if mask.contains('.') => {
                        let bits = u32::from(mask.parse::<std::net::Ipv4Addr>().ok()?);
                        format!("{address}/{}", bits.leading_ones())
                    }
                    Some(_) => cidr.to_string(),
                    None if cidr.contains(':') => format!("{cidr}/128"),
                    None => format!("{cidr}/32"),
                };
                configured.addresses.insert(cidr);
            }
            ["ip", "route", "add", "default", "via", gateway, ..]
            | ["ip", "-6", "route", "add", "default", "via", gateway, ..] => {
                configured.gateways.insert(gateway.to_string());
            }
            _ => {}
        }
    }
    Some(configured)
}

fn check(dir: &Path) -> Result<Option<&'static str>, String> {
    let case: Case = yaml_serde::from_str(
        &fs::read_to_string(dir.join("case.yaml")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let target = Target::parse(&case.target).map_err(|e| e.to_string())?;
    let (tool, oracle): (&str, Oracle) = match target.family() {
        eniplan::OsFamily::Netplan => ("netplan generate", netplan),
        eniplan::OsFamily::Keyfile => ("libnm", keyfile),
        eniplan::OsFamily::Ifupdown => ("ifup --no-act", ifupdown),
        _ => return Ok(None),
    };
    let root: PathBuf = scratch("reader-case");
    copy(&dir.join("host"), &root);
    let configured = oracle(&root, &case);
    let files = eniplan::apply::host_files(&root, target.family()).map_err(|e| format!("{e:?}"))?;
    let reading = eniplan::read_on(&files, target, Some(&case.interface), &case.nics);
    let _ = fs::remove_dir_all(&root);
    match (configured, reading) {
        (None, Err(_)) => Ok(Some(tool)),
        (None, Ok(reading)) => Err(format!(
            "{tool} refuses the files; eniplan read {:?}",
            reading.plan
        )),
        (Some(configured), Err(errors)) if configured.addresses.is_empty() => {
            let _ = errors;
            Ok(Some(tool))
        }
        (Some(configured), Err(errors)) => Err(format!(
            "{tool} configures {:?}; eniplan refused: {errors}",
            configured.addresses
        )),
        (Some(configured), Ok(reading)) => {
            let plan: &EniPlan = &reading.plan;
            let prefix6 = plan.ipv6.as_ref().and_then(|ipv6| ipv6.prefix);
            let mut read: BTreeSet<String> = BTreeSet::new();
            for address in plan.primary.iter().chain(&plan.secondaries) {
                read.insert(address.clone());
            }
            for address in plan.ipv6.iter().flat_map(|ipv6| &ipv6.addresses) {
                read.insert(address.clone());
            }
            let tool_addresses: BTreeSet<String> = configured
                .addresses
                .iter()
                .map(|cidr| cidr.split('/').next().unwrap_or_default().to_string())
                .collect();
            if tool_addresses != read {
                return Err(format!(
                    "{tool} configures {tool_addresses:?}; eniplan read {read:?}"
                ));
            }
            // Each address the tool gives another prefix than the plan's is named.
            for cidr in &configured.addresses {
                let (address, prefix) = cidr.split_once('/').unwrap_or((cidr, ""));
                let planned = if address.contains(':') {
                    prefix6
                } else {
                    plan.prefix
                };
                if planned.map(|p| p.to_string()).as_deref() != Some(prefix)
                    && !reading.warnings.iter().any(|w| w.contains(cidr.as_str()))
                    && !reading
                        .warnings
                        .iter()
                        .any(|w| w.contains(address) && w.contains(prefix))
                {
                    return Err(format!(
                        "{tool} gives {cidr}; the reading neither has it nor names it"
                    ));
                }
            }
            let gateways = [
                plan.gateway.clone(),
                plan.ipv6.as_ref().and_then(|i| i.gateway.clone()),
            ];
            for gateway in gateways.into_iter().flatten() {
                if !configured.gateways.contains(&gateway) {
                    return Err(format!(
                        "eniplan read the gateway {gateway}; {tool} routes by {:?}",
                        configured.gateways
                    ));
                }
            }
            if configured.gateways.len()
                > usize::from(plan.gateway.is_some())
                    + usize::from(plan.ipv6.as_ref().is_some_and(|i| i.gateway.is_some()))
                && !reading
                    .warnings
                    .iter()
                    .any(|w| w.contains("default routes"))
            {
                return Err(format!(
                    "{tool} routes by {:?}; more than the reading names",
                    configured.gateways
                ));
            }
            Ok(Some(tool))
        }
    }
}

#[test]
fn reader_cases_agree_with_the_real_tools() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/readers");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/readers")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("case.yaml").is_file())
        .collect();
    cases.sort();
    let mut judged = 0;
    let mut failures = Vec::new();
    for case in &cases {
        match check(case) {
            Ok(Some(_)) => judged += 1,
            Ok(None) => {}
            Err(error) => failures.push(format!("{}: {error}", case.display())),
        }
    }
    println!(
        "reader cases: {judged} judged by netplan, libnm and ifupdown, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(judged >= 10, "only {judged} cases judged");
}
