//! An instance with two ENIs, planned from its instance metadata (the documents in
//! `tests/sources/metadata/valid/` with two MACs) and rendered for every Linux family as one
//! instance rendering. Each interface's part must pass the family's own real-tool check, and
//! the runtime state both parts describe, applied together in one namespace holding two veth
//! interfaces, must give each interface exactly its addresses, its routes and its rules.
//! ifupdown is applied by the real `ifup`, both interfaces from the one laid-out tree.

use std::fs;
use std::path::Path;

use eniplan::{NicNames, OsFamily, Plan, Rendering, Target};

use crate::support::{
    apply_runtimes, check_kernel_state, collecting_runtimes, lay_out_ifupdown, Item, Namespace,
};

/// The two-ENI documents, as validated plans.
fn instances() -> Vec<(String, Vec<Plan>)> {
    instances_with_raw()
        .into_iter()
        .map(|(name, plans)| (name, plans.into_iter().map(|(_, plan)| plan).collect()))
        .collect()
}

/// The two-ENI documents, as the plans the metadata gives and validated.
fn instances_with_raw() -> Vec<(String, Vec<(eniplan::EniPlan, Plan)>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sources/metadata/valid");
    let mut found: Vec<(String, Vec<(eniplan::EniPlan, Plan)>)> = Vec::new();
    for entry in fs::read_dir(&dir).expect("documents") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let nics = fs::read_to_string(path.with_extension("nics")).expect("nics");
        let pairs: Vec<&str> = nics.lines().filter(|l| !l.is_empty()).collect();
        let names = NicNames::from_pairs(&pairs).expect("names");
        let plans = eniplan::plans_from_metadata(&fs::read_to_string(&path).expect("doc"), &names)
            .expect("plans");
        if plans.len() > 1 {
            let plans = plans
                .into_iter()
                .map(|p| {
                    let valid = p.validate().expect("valid");
                    (p, valid)
                })
                .collect();
            found.push((
                path.file_stem().expect("name").to_string_lossy().into(),
                plans,
            ));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(found.len() >= 2, "two-ENI documents");
    found
}

/// The part of an instance rendering that belongs to one interface: its own files and
/// commands, and those no interface owns (the cloud-init file, ifupdown's main file). A
/// command belongs to the interface it names, or whose file holds one of its words (the
/// keyfile's uuid in `nmcli connection up uuid …`).
pub fn part(rendering: &Rendering, interface: &str, all: &[&str]) -> Rendering {
    let owner = |path: &str| all.iter().copied().find(|name| mentions(path, name));
    let command_owner = |command: &eniplan::Command| {
        owner(&command.shell).or_else(|| {
            rendering.files.iter().find_map(|file| {
                let holds = command
                    .argv
                    .iter()
                    .any(|word| word.len() >= 20 && file.contents.contains(word.as_str()));
                if holds {
                    owner(&file.path)
                } else {
                    None
                }
            })
        })
    };
    let mut part = rendering.clone();
    part.files
        .retain(|file| owner(&file.path).is_none_or(|name| name == interface));
    part.commands
        .retain(|command| command_owner(command).is_none_or(|name| name == interface));
    part
}

/// Whether `text` names `interface` as a whole word (`eth1` in `ifcfg-eth1:0`, not in `eth10`).
fn mentions(text: &str, interface: &str) -> bool {
    text.match_indices(interface).any(|(at, _)| {
        let after = text[at + interface.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn check_instance(
    family: OsFamily,
    target: &str,
    check: fn(&Item, &Rendering) -> Result<(), String>,
) {
    let target = Target::parse(target).expect("target");
    let mut failures = Vec::new();
    for (name, pairs) in instances_with_raw() {
        let plans: Vec<Plan> = pairs.iter().map(|(_, plan)| plan.clone()).collect();
        let outcome = (|| -> Result<(), String> {
            let rendering = eniplan::render_instance(&plans, target).map_err(|e| e.to_string())?;
            let all: Vec<&str> = plans.iter().map(Plan::interface).collect();
            let mut configs = Vec::new();
            for (raw, plan) in &pairs {
                let item = Item {
                    label: format!("{name}: {}", plan.interface()),
                    raw: raw.clone(),
                    plan: plan.clone(),
                };
                let view = part(&rendering, plan.interface(), &all);
                configs.extend(
                    collecting_runtimes(|| check(&item, &view))
                        .map_err(|e| format!("{}: {e}", plan.interface()))?,
                );
            }
            if configs.len() != plans.len() {
                return Err(format!(
                    "{} runtime states for {} interfaces",
                    configs.len(),
                    plans.len()
                ));
            }
            apply_runtimes(&configs)
        })();
        if let Err(error) = outcome {
            failures.push(format!("{name} for {target}: {error}"));
        }
    }
    assert!(failures.is_empty(), "{family}:\n{}", failures.join("\n"));
    eprintln!("{family} ({target}): every two-ENI instance applied in one namespace");
}

#[test]
fn netplan_instance() {
    check_instance(OsFamily::Netplan, "ubuntu-22.04", crate::netplan::check);
}

#[test]
fn networkd_instance() {
    check_instance(OsFamily::Networkd, "networkd", crate::networkd::check);
}

#[test]
fn nmcli_instance() {
    check_instance(OsFamily::Nmcli, "nmcli", crate::nmcli::check);
}

#[test]
fn keyfile_instance() {
    check_instance(OsFamily::Keyfile, "rhel-9", crate::keyfile::check);
}

#[test]
fn rhel_initscripts_instance() {
    check_instance(OsFamily::Rhel, "centos-7", crate::ifcfg::check_rhel);
}

#[test]
fn rhel_networkmanager_instance() {
    check_instance(OsFamily::Rhel, "rocky-8", crate::ifcfg::check_rhel);
}

#[test]
fn ifupdown_instance() {
    let target = Target::parse("debian-11").expect("target");
    for (name, plans) in instances() {
        let rendering = eniplan::render_instance(&plans, target).expect("renders");
        let all: Vec<&str> = plans.iter().map(Plan::interface).collect();
        for plan in &plans {
            let item = Item {
                label: name.clone(),
                raw: eniplan::EniPlan::default(),
                plan: plan.clone(),
            };
            crate::ifupdown::check(&item, &part(&rendering, plan.interface(), &all))
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", plan.interface()));
        }
        // Both interfaces from the one tree, brought up by the real ifup in one namespace.
        let dir = crate::support::scratch("instance-ifupdown");
        let main = lay_out_ifupdown(&dir, &[&rendering]).expect("laid out");
        let state = dir.join("state");
        fs::create_dir_all(&state).expect("state dir");
        let namespace = Namespace::with_interfaces(&all).expect("namespace");
        let (main, state) = (main.to_string_lossy(), state.to_string_lossy());
        namespace
            .exec(&[
                "ifup",
                "--no-scripts",
                "-i",
                &main,
                "--state-dir",
                &state,
                "-a",
            ])
            .unwrap_or_else(|e| panic!("{name}: ifup -a: {e}"));
        for plan in &plans {
            check_kernel_state(&namespace, plan, false, plan.interface())
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", plan.interface()));
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

#[test]
fn suse_instance() {
    // wicked's ifroute-<if> and ifrule-<if> carry each secondary ENI's own table; the global
    // routes file holds the primary ENI's default route alone.
    check_instance(OsFamily::Suse, "sles-15", crate::ifcfg::check_suse);
}
