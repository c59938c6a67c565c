//! The change from plan A to plan B, applied for real: A is configured first, then B's
//! rendered change (files replaced and deleted, the removal commands, the restart), and exactly
//! B's addresses (and rules) must remain — never fewer, never A's stale ones, and the primary
//! must never be removed on the way.
//!
//! Pairs come from the corpus: each static plan A is paired with a B that keeps A's primary,
//! gateway and every other secondary, drops the rest, and adds new addresses (IPv6 alike).

use std::collections::BTreeSet;
use std::fs;
use std::net::{IpAddr, Ipv6Addr};
use std::process::Command;

use eniplan::{EniPlan, Mode, OsFamily, Plan, Rendering, Target};

use crate::netsh::Netsh;
use crate::nmcli::{keyfile_addresses, keyfile_policy};
use crate::powershell::PowerShell;
use crate::support::{
    check_kernel_state, corpus, expected_ipv4, expected_ipv6, lay_out_ifupdown, parse_ini, run,
    run_with_input, scratch, sorted, succeeded, Namespace,
};
use crate::windows_host::{run_twice, Host};

/// Pairs checked per test and run.
const PAIRS: usize = 40;

/// B for a plan A: every second secondary kept, one or two new ones, the same for IPv6.
fn successor(raw: &EniPlan, plan: &Plan, salt: usize) -> EniPlan {
    let used: BTreeSet<IpAddr> = plan
        .ipv4_addresses()
        .map(IpAddr::V4)
        .chain(plan.gateway().map(IpAddr::V4))
        .collect();
    let mut after = raw.clone();
    after.secondaries = plan
        .secondaries()
        .iter()
        .step_by(2)
        .map(|a| a.to_string())
        .collect();
    let fresh = plan
        .subnet()
        .hosts()
        .filter(|host| !used.contains(&IpAddr::V4(*host)))
        .take(1 + salt % 2);
    after.secondaries.extend(fresh.map(|a| a.to_string()));
    if let (Some(ipv6), Some(v6)) = (after.ipv6.as_mut(), plan.ipv6()) {
        let first = v6.addresses()[0];
        let mut segments = first.segments();
        segments[7] = 0xfff0 ^ (salt as u16 & 0xf);
        let new = Ipv6Addr::from(segments);
        ipv6.addresses = v6
            .addresses()
            .iter()
            .step_by(2)
            .map(|a| a.to_string())
            .collect();
        if !v6.addresses().contains(&new) {
            ipv6.addresses.push(new.to_string());
        }
    }
    after
}

fn pairs(family: OsFamily, policy: bool) -> Vec<(String, Plan, Plan)> {
    corpus(family)
        .into_iter()
        .filter(|item| item.plan.mode() == Mode::Static)
        .filter(|item| policy || item.plan.route_table().is_none())
        .enumerate()
        .filter_map(|(index, item)| {
            let after = successor(&item.raw, &item.plan, index).validate().ok()?;
            Some((item.label, item.plan, after))
        })
        .take(PAIRS)
        .collect()
}

/// `policy`: whether secondary ENIs with their own route table are among the pairs.
fn check_pairs(family: OsFamily, policy: bool, check: impl Fn(&Plan, &Plan) -> Result<(), String>) {
    let pairs = pairs(family, policy);
    assert_eq!(pairs.len(), PAIRS, "not enough pairs for {family}");
    let failures: Vec<String> = pairs
        .iter()
        .filter_map(|(label, before, after)| {
            check(before, after).err().map(|error| {
                format!(
                    "{label}: {error}\nbefore: {:?}\nafter: {:?}",
                    expected_ipv4(before, false),
                    expected_ipv4(after, false)
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {PAIRS} changes failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{family}: {PAIRS} changes applied, 0 failed");
}

/// The change's `ip` commands (the runtime removals), as argv.
fn ip_commands(change: &Rendering) -> Vec<Vec<String>> {
    change
        .commands
        .iter()
        .filter(|command| command.argv.first().is_some_and(|p| p == "ip"))
        .map(|command| command.argv.clone())
        .collect()
}

/// ifupdown: `ifup -a` with A's file, then B's file, the change's `ip` commands and what
/// `systemctl restart networking` does (`ifdown -a`, `ifup -a`).
fn ifupdown_change(before: &Plan, after: &Plan) -> Result<(), String> {
    let target = Target::parse("ifupdown").map_err(|e| e.to_string())?;
    let old = eniplan::render(before, target).map_err(|e| e.to_string())?;
    let change = eniplan::render_change(before, after, target).map_err(|e| e.to_string())?;
    let dir = scratch("lifecycle");
    let file = dir.join("interfaces");
    let state = dir.join("state");
    fs::create_dir_all(&state).map_err(|e| e.to_string())?;
    let file_text = file.to_string_lossy().into_owned();
    let state_text = state.to_string_lossy().into_owned();
    let ifupdown = |namespace: &Namespace, verb: &str| {
        namespace.exec(&[
            verb,
            "--no-scripts",
            "-i",
            &file_text,
            "--state-dir",
            &state_text,
            "-a",
        ])
    };
    let namespace = Namespace::with_interface(before.interface())?;
    lay_out_ifupdown(&dir, &[&old])?;
    ifupdown(&namespace, "ifup")?;
    check_kernel_state(&namespace, before, false, before.interface())?;

    lay_out_ifupdown(&dir, &[&change])?;
    for argv in ip_commands(&change) {
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        namespace.exec(&words)?;
    }
    ifupdown(&namespace, "ifdown")?;
    ifupdown(&namespace, "ifup")?;
    check_kernel_state(&namespace, after, false, after.interface())?;
    drop(namespace);
    let _ = fs::remove_dir_all(&dir);
    Ok(())
}

/// The `ip` path of the ifcfg, netplan and networkd families: A's addresses applied, then
/// the change's removal commands alone must leave exactly what A and B share (the primary
/// always among it); re-adding B's, as the restart does, must give exactly B.
fn ip_change(before: &Plan, after: &Plan) -> Result<(), String> {
    let target = Target::parse("rhel").map_err(|e| e.to_string())?;
    let change = eniplan::render_change(before, after, target).map_err(|e| e.to_string())?;
    let dev = before.interface();
    let namespace = Namespace::with_interface(dev)?;
    namespace.exec(&["ip", "link", "set", "dev", dev, "up"])?;
    let add_all = |plan: &Plan| -> Result<(), String> {
        for cidr in expected_ipv4(plan, false)
            .iter()
            .chain(&expected_ipv6(plan))
        {
            namespace.exec(&["ip", "addr", "replace", cidr, "dev", dev])?;
        }
        Ok(())
    };
    add_all(before)?;
    let gateway = before
        .gateway()
        .map(|g| g.to_string())
        .ok_or("no gateway")?;
    namespace.exec(&[
        "ip", "route", "add", "default", "via", &gateway, "dev", dev, "onlink",
    ])?;
    if let Some(gateway) = before.ipv6().and_then(|v6| v6.gateway()) {
        let gateway = gateway.to_string();
        namespace.exec(&[
            "ip", "-6", "route", "add", "default", "via", &gateway, "dev", dev, "onlink",
        ])?;
    }
    for argv in ip_commands(&change) {
        if argv
            .iter()
            .any(|word| word.starts_with(&format!("{}/", before.primary())))
        {
            return Err(format!("the change removes the primary: {argv:?}"));
        }
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        namespace.exec(&words)?;
    }
    let (ipv4, ipv6) = namespace.addresses(dev)?;
    let kept: Vec<String> = ipv4.into_iter().map(|(a, _)| a).chain(ipv6).collect();
    let want: Vec<String> = expected_ipv4(before, false)
        .into_iter()
        .chain(expected_ipv6(before))
        .filter(|cidr| {
            expected_ipv4(after, false).contains(cidr) || expected_ipv6(after).contains(cidr)
        })
        .collect();
    if sorted(kept.clone()) != sorted(want.clone()) {
        return Err(format!(
            "after the removals the kernel holds {kept:?}; A and B share {want:?}"
        ));
    }
    add_all(after)?;
    check_kernel_state(&namespace, after, false, dev)
}

/// nmcli: A's keyfile (from A's commands), modified offline by the change's commands, must
/// hold what B's own commands give a fresh connection: addresses in order, gateway, routes
/// and rules.
fn nmcli_change(before: &Plan, after: &Plan) -> Result<(), String> {
    let target = Target::parse("nmcli").map_err(|e| e.to_string())?;
    let apply = |keyfile: String, rendering: &Rendering| -> Result<String, String> {
        let mut keyfile = keyfile;
        for command in &rendering.commands {
            let Some(properties) = command
                .argv
                .get(4..)
                .filter(|_| command.argv[2] == "modify")
            else {
                continue;
            };
            let output = run_with_input(
                Command::new("nmcli")
                    .args(["--offline", "connection", "modify"])
                    .args(properties),
                keyfile.as_bytes(),
            );
            keyfile = succeeded(
                &format!("nmcli --offline connection modify {properties:?}"),
                &output,
            )?;
        }
        Ok(keyfile)
    };
    let fresh = || -> Result<String, String> {
        let added = run(Command::new("nmcli").args([
            "--offline",
            "connection",
            "add",
            "type",
            "ethernet",
            "con-name",
            "System x",
            "ifname",
            before.interface(),
            "connection.uuid",
            "5fb1d3a4-6c1e-4f2e-9a7b-0123456789ab",
        ]));
        succeeded("nmcli --offline connection add", &added)
    };
    let a = apply(
        fresh()?,
        &eniplan::render(before, target).map_err(|e| e.to_string())?,
    )?;
    let change = eniplan::render_change(before, after, target).map_err(|e| e.to_string())?;
    let changed = apply(a, &change)?;
    let b = apply(
        fresh()?,
        &eniplan::render(after, target).map_err(|e| e.to_string())?,
    )?;
    let summary = |keyfile: &str| {
        let ini = parse_ini(keyfile);
        (
            keyfile_addresses(&ini, "ipv4"),
            keyfile_addresses(&ini, "ipv6").0,
            keyfile_policy(&ini, before.interface()),
        )
    };
    if summary(&changed) != summary(&b) {
        return Err(format!(
            "A's keyfile after the change holds {:?}; B's own {:?}",
            summary(&changed),
            summary(&b)
        ));
    }
    Ok(())
}

/// Windows: the change runs twice on a host configured as A. The first run must end in B's
/// state; for PowerShell it may change nothing but B's new addresses (added) and A's dropped
/// ones (removed), so a kept primary or secondary is never re-issued. The second run must fail
/// nothing and leave the host as it is.
fn windows_change(family: OsFamily, before: &Plan, after: &Plan) -> Result<(), String> {
    let target = Target::parse(family.name()).map_err(|e| e.to_string())?;
    let change = eniplan::render_change(before, after, target).map_err(|e| e.to_string())?;
    let adapter = before.interface();
    let (host, want) = (Host::planned(before), Host::planned(after));
    if family == OsFamily::Windows {
        let (first, _) = run_twice(&Netsh { adapter }, &change.commands, host, &want, false)?;
        // A change that keeps the primary never resets the IPv4 list, and never touches an
        // address both plans have: only what differs is added or deleted.
        let kept_primary = before.primary() == after.primary()
            && before.prefix_len() == after.prefix_len()
            && before.gateway() == after.gateway()
            && before.mode() == Mode::Static
            && after.mode() == Mode::Static;
        if kept_primary {
            let kept: BTreeSet<String> = before
                .ipv4_addresses()
                .filter(|a| after.ipv4_addresses().any(|b| b == *a))
                .map(|a| a.to_string())
                .collect();
            for change in &first.changes {
                let words: Vec<&str> = change.split(' ').collect();
                if words.get(3..5) == Some(&["set", "address"][..]) && words[2] == "ipv4" {
                    return Err(format!("the change resets the IPv4 list: {change}"));
                }
                let address = words
                    .iter()
                    .find_map(|word| word.strip_prefix("address="))
                    .unwrap_or_default();
                if words[2] == "ipv4" && kept.contains(address) {
                    return Err(format!("the change touches the kept {address}: {change}"));
                }
            }
        }
        return Ok(());
    }
    let (first, _) = run_twice(&PowerShell { adapter }, &change.commands, host, &want, true)?;
    let addresses =
        |plan: &Plan| -> BTreeSet<IpAddr> { Host::planned(plan).addresses.into_keys().collect() };
    let (old, new) = (addresses(before), addresses(after));
    let mut expected: BTreeSet<String> = new
        .difference(&old)
        .map(|a| format!("New-NetIPAddress {a}"))
        .collect();
    expected.extend(
        old.difference(&new)
            .map(|a| format!("Remove-NetIPAddress {a}")),
    );
    let mut done = BTreeSet::new();
    for change in &first.changes {
        let words: Vec<&str> = change.split(' ').collect();
        let address = words
            .iter()
            .position(|w| *w == "-IPAddress")
            .and_then(|i| words.get(i + 1));
        match (words[0], address) {
            ("New-NetIPAddress" | "Remove-NetIPAddress", Some(address)) => {
                done.insert(format!("{} {address}", words[0]));
            }
            _ => return Err(format!("the change also runs {change:?}")),
        }
    }
    if done != expected {
        return Err(format!(
            "the change runs {done:?}; what differs is {expected:?}"
        ));
    }
    Ok(())
}

#[test]
fn powershell_change_adds_only_the_new_and_runs_twice() {
    check_pairs(OsFamily::Powershell, false, |a, b| {
        windows_change(OsFamily::Powershell, a, b)
    });
}

#[test]
fn netsh_change_runs_twice_and_ends_in_b() {
    check_pairs(OsFamily::Windows, false, |a, b| {
        windows_change(OsFamily::Windows, a, b)
    });
}

#[test]
fn ifupdown_change_leaves_exactly_the_new_addresses() {
    check_pairs(OsFamily::Ifupdown, true, ifupdown_change);
}

/// Without policy routing: this test sets up the main table's default route itself.
#[test]
fn ip_removal_commands_leave_exactly_the_shared_addresses() {
    check_pairs(OsFamily::Rhel, false, ip_change);
}

#[test]
fn nmcli_offline_change_turns_a_keyfile_into_b() {
    check_pairs(OsFamily::Nmcli, true, nmcli_change);
}
