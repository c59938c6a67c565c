//! Hosts laid out as ECS images lay them out (`tests/hosts/<case>/host/`: cloud-init's files,
//! other NICs, other tools' files), each with the plans of the ENIs eniplan configures there
//! (`case.yaml`). The plans are rendered for the host, merged with its files as the CLI's
//! `--write-to` and the Ansible and Salt modules do, and written under a copy of it. Then:
//!
//! - what eniplan does not own keeps working as before, as the family's real tool sees it:
//!   `ifquery` over the tree in a mount namespace whose `/etc/network` is the test root,
//!   `netplan generate` over the merged netplan files, libnm's keyfile reader choosing each
//!   NIC's boot profile, wicked's routes assignment, systemd-networkd's first matching file;
//! - what eniplan configures gives the plan: the family's own check on each interface's part,
//!   and for ifupdown the real `ifup` inside a network and a mount namespace;
//! - a second run, rendered against the written host, changes nothing;
//! - the backup set of the write restores the host byte for byte.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use eniplan::apply::{self, Action, Options};
use eniplan::{EniPlan, OsFamily, Plan, Rendering, Target};
use serde::Deserialize;

use crate::instance::part;
use crate::support::{check_kernel_state, run, scratch, succeeded, Item, Namespace};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    target: String,
    /// Every NIC of the host: name → MAC.
    nics: BTreeMap<String, String>,
    /// The NICs eniplan does not configure.
    others: Vec<String>,
    plans: Vec<EniPlan>,
}

struct Case {
    name: String,
    host: PathBuf,
    target: Target,
    nics: BTreeMap<String, String>,
    others: Vec<String>,
    raw: Vec<EniPlan>,
    plans: Vec<Plan>,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hosts");
    let mut cases: Vec<Case> = fs::read_dir(&dir)
        .expect("tests/hosts")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("case.yaml").is_file())
        .map(|path| {
            let text = fs::read_to_string(path.join("case.yaml")).expect("case.yaml");
            let case: CaseFile =
                yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let plans = case
                .plans
                .iter()
                .map(|plan| plan.validate().expect("a valid plan"))
                .collect();
            Case {
                name: path.file_name().expect("name").to_string_lossy().into(),
                host: path.join("host"),
                target: Target::parse(&case.target).expect("target"),
                nics: case.nics,
                others: case.others,
                raw: case.plans,
                plans,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Copies a host tree, giving netplan's YAML and NetworkManager's keyfiles the 0600 their
/// tools want (git keeps no such mode).
fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            fs::create_dir_all(&target).expect("dir");
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
            let text = target.to_string_lossy();
            let private = text.contains("/etc/netplan/") || text.contains("system-connections");
            let mode = if private { 0o600 } else { 0o644 };
            fs::set_permissions(&target, fs::Permissions::from_mode(mode)).expect("mode");
        }
    }
}

/// Every file under `root` (but the backup sets) by relative path, with its bytes and mode.
fn tree(root: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        for entry in fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy();
            if relative.starts_with("var/backups/eniplan") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o7777;
                out.insert(relative.into(), (fs::read(&path).expect("read"), mode));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The rendering of a case's plans for the host under `root`, merged with its files.
fn render_for(case: &Case, root: &Path) -> Result<Rendering, String> {
    let host = apply::host_files(root, case.target.family()).map_err(|e| format!("{e:?}"))?;
    match eniplan::render_plans_on(&case.raw, case.target.name(), &host)
        .map_err(|e| e.to_string())?
        .remove(0)
    {
        eniplan::Outcome::Rendered(rendering) => Ok(rendering),
        eniplan::Outcome::Refused(refusal) => Err(refusal.errors.to_string()),
    }
}

fn check_case(case: &Case) -> Result<(), String> {
    let work = scratch(&format!("host-{}", case.name));
    let before = work.join("before");
    let after = work.join("after");
    for root in [&before, &after] {
        fs::create_dir_all(root).map_err(|e| e.to_string())?;
        copy_tree(&case.host, root);
    }
    let original = tree(&after);
    let rendering = render_for(case, &after)?;
    let written =
        apply::apply(&rendering, &after, Options { backup: true }).map_err(|e| e.to_string())?;
    // Every file of the host that the rendering does not name is untouched, whatever it is.
    let now = tree(&after);
    for (path, contents) in &original {
        let named = rendering
            .files
            .iter()
            .chain(std::iter::empty())
            .any(|file| file.path.trim_start_matches('/') == path)
            || rendering
                .delete
                .iter()
                .any(|p| p.trim_start_matches('/') == path);
        if !named && now.get(path) != Some(contents) {
            return Err(format!(
                "{path} changed though the rendering does not name it"
            ));
        }
    }
    match case.target.family() {
        OsFamily::Ifupdown => ifupdown(case, &before, &after)?,
        OsFamily::Netplan => netplan(case, &before, &after)?,
        OsFamily::Keyfile => keyfile(case, &before, &after)?,
        OsFamily::Suse => suse(case, &before, &after)?,
        OsFamily::Networkd => networkd(case, &before, &after)?,
        OsFamily::Rhel => {}
        other => return Err(format!("no host check for {other}")),
    }
    // What eniplan configures gives each plan, by the family's own check of its part.
    let all: Vec<&str> = case.plans.iter().map(Plan::interface).collect();
    for (raw, plan) in case.raw.iter().zip(&case.plans) {
        let item = Item {
            label: format!("{}: {}", case.name, plan.interface()),
            raw: raw.clone(),
            plan: plan.clone(),
        };
        let view = part(&rendering, plan.interface(), &all);
        let check = match case.target.family() {
            OsFamily::Ifupdown => continue, // applied above by the real ifup, host and all
            OsFamily::Netplan => continue,  // generated above over the merged files
            OsFamily::Keyfile => crate::keyfile::check,
            OsFamily::Suse => crate::ifcfg::check_suse,
            OsFamily::Rhel => crate::ifcfg::check_rhel,
            OsFamily::Networkd => crate::networkd::check,
            _ => unreachable!("refused above"),
        };
        check(&item, &view).map_err(|e| format!("{}: {e}", plan.interface()))?;
    }
    // A second run changes nothing.
    let again = render_for(case, &after)?;
    let pending: Vec<String> = apply::changes(&again, &after)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|change| change.action != Action::Unchanged)
        .map(|change| format!("{:?} {}", change.action, change.path))
        .collect();
    if !pending.is_empty() {
        return Err(format!("a second run would change {pending:?}"));
    }
    // The backup set puts the host back byte for byte.
    let set = written.backup_set.ok_or("no backup set")?;
    apply::restore(&after, &set).map_err(|e| e.to_string())?;
    let restored = tree(&after);
    if restored != original {
        let differ: Vec<&String> = original
            .keys()
            .chain(restored.keys())
            .filter(|path| original.get(*path) != restored.get(*path))
            .collect();
        return Err(format!(
            "restoring the backup set left {differ:?} different"
        ));
    }
    let _ = fs::remove_dir_all(&work);
    Ok(())
}

#[test]
fn hosts_keep_what_eniplan_does_not_own() {
    let cases = cases();
    assert!(cases.len() >= 8, "host cases");
    let mut families: Vec<OsFamily> = cases.iter().map(|c| c.target.family()).collect();
    families.dedup();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check_case(case)
                .err()
                .map(|e| format!("{}: {e}", case.name))
        })
        .collect();
    println!(
        "hosts: {} cases ({} families), {} failed",
        cases.len(),
        families.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------- ifupdown

/// `command` with `root/etc/network` mounted on /etc/network in a mount namespace of its own
/// (inside the network namespace when given): ifupdown's paths are absolute.
fn in_root(root: &Path, namespace: Option<&Namespace>, command: &[&str]) -> Result<String, String> {
    let script = format!(
        "mount --bind '{}/etc/network' /etc/network && exec \"$@\"",
        root.display()
    );
    let mut argv: Vec<&str> = vec!["unshare", "-m", "sh", "-c", &script, "sh"];
    argv.extend(command);
    match namespace {
        Some(namespace) => namespace.exec(&argv),
        None => succeeded(command[0], &run(Command::new(argv[0]).args(&argv[1..]))),
    }
}

fn ifupdown(case: &Case, before: &Path, after: &Path) -> Result<(), String> {
    let ours = |name: &str| {
        case.plans.iter().any(|plan| {
            name == plan.interface()
                || name
                    .strip_prefix(plan.interface())
                    .is_some_and(|rest| rest.starts_with(':'))
        })
    };
    let list = |root: &Path| -> Result<Vec<String>, String> {
        let mut names: Vec<String> = in_root(root, None, &["ifquery", "--list"])?
            .lines()
            .map(str::to_string)
            .collect();
        names.sort();
        Ok(names)
    };
    let mut want: Vec<String> = list(before)?.into_iter().filter(|n| !ours(n)).collect();
    for plan in &case.plans {
        want.push(plan.interface().to_string());
        want.extend((0..plan.secondaries().len()).map(|n| format!("{}:{n}", plan.interface())));
    }
    want.sort();
    let got = list(after)?;
    if got != want {
        return Err(format!("ifquery --list gives {got:?}, want {want:?}"));
    }
    for other in &case.others {
        let was = in_root(before, None, &["ifquery", other])?;
        let is = in_root(after, None, &["ifquery", other])?;
        if was != is {
            return Err(format!("ifquery {other}: {was:?} became {is:?}"));
        }
    }
    // The configured interfaces, brought up by the real ifup from the written tree.
    let names: Vec<&str> = case.plans.iter().map(Plan::interface).collect();
    let namespace = Namespace::with_interfaces(&names)?;
    let state = after.join("run-ifstate");
    fs::create_dir_all(&state).map_err(|e| e.to_string())?;
    let state_text = state.to_string_lossy().into_owned();
    for plan in &case.plans {
        let mut up: Vec<String> = vec![
            "ifup".into(),
            "--no-scripts".into(),
            "--state-dir".into(),
            state_text.clone(),
            plan.interface().into(),
        ];
        up.extend((0..plan.secondaries().len()).map(|n| format!("{}:{n}", plan.interface())));
        let up: Vec<&str> = up.iter().map(String::as_str).collect();
        in_root(after, Some(&namespace), &up)?;
    }
    for plan in &case.plans {
        check_kernel_state(&namespace, plan, false, plan.interface())
            .map_err(|e| format!("{}: {e}", plan.interface()))?;
    }
    fs::remove_dir_all(&state).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------- netplan

/// `netplan generate` over a root: its networkd files by name. Any message fails it.
fn generate(root: &Path) -> Result<BTreeMap<String, String>, String> {
    let output = run(Command::new("netplan")
        .arg("generate")
        .arg("--root-dir")
        .arg(root));
    succeeded("netplan generate", &output)?;
    if !output.stderr.is_empty() {
        return Err(format!(
            "netplan generate printed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let dir = root.join("run/systemd/network");
    let mut files = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let text = fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
            files.insert(entry.file_name().to_string_lossy().into_owned(), text);
        }
    }
    fs::remove_dir_all(root.join("run")).map_err(|e| e.to_string())?;
    Ok(files)
}

fn netplan(case: &Case, before: &Path, after: &Path) -> Result<(), String> {
    let was = generate(before)?;
    let is = generate(after)?;
    // What netplan generates for the other NICs is what it generated before.
    for other in &case.others {
        let concerns = |name: &&String| name.contains(&format!("-{other}."));
        let old: Vec<(&String, &String)> = was.iter().filter(|(n, _)| concerns(n)).collect();
        let new: Vec<(&String, &String)> = is.iter().filter(|(n, _)| concerns(n)).collect();
        if old.is_empty() || old != new {
            return Err(format!(
                "netplan's files for {other}: {old:?} became {new:?}"
            ));
        }
    }
    // The configured NICs: the merged result is the plan, in the kernel.
    let names: Vec<&str> = case.plans.iter().map(Plan::interface).collect();
    let namespace = Namespace::with_interfaces(&names)?;
    for plan in &case.plans {
        let name = format!("10-netplan-{}.network", plan.interface());
        let text = is
            .get(&name)
            .ok_or_else(|| format!("netplan generated no {name}: {:?}", is.keys()))?;
        let config = crate::support::networkd_runtime(text, plan.interface())?;
        crate::support::apply_config(&namespace, &config)?;
    }
    for plan in &case.plans {
        check_kernel_state(&namespace, plan, false, plan.interface())
            .map_err(|e| format!("{}: {e}", plan.interface()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- keyfile

/// The profiles NetworkManager may activate on a NIC, best first, as libnm reads them.
fn boot_profiles(root: &Path, name: &str, mac: &str) -> Result<Vec<String>, String> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_tools/scripts/boot_profile.py");
    let dir = root.join("etc/NetworkManager/system-connections");
    let json = succeeded(
        "libnm boot profile",
        &run(Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(&dir)
            .arg(name)
            .arg(mac)),
    )?;
    let candidates: Vec<serde_json::Value> =
        serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let priorities: Vec<i64> = candidates
        .iter()
        .filter_map(|c| c["priority"].as_i64())
        .collect();
    if priorities.len() > 1 && priorities[0] == priorities[1] {
        return Err(format!(
            "two profiles for {name} tie at priority {}",
            priorities[0]
        ));
    }
    Ok(candidates
        .iter()
        .filter_map(|c| c["file"].as_str().map(str::to_string))
        .collect())
}

fn keyfile(case: &Case, before: &Path, after: &Path) -> Result<(), String> {
    for plan in &case.plans {
        let mac = case.nics.get(plan.interface()).cloned().unwrap_or_default();
        let was = boot_profiles(before, plan.interface(), &mac)?;
        let is = boot_profiles(after, plan.interface(), &mac)?;
        let own = format!(
            "{}.nmconnection",
            plan.connection()
                .map(str::to_string)
                .unwrap_or_else(|| format!("System {}", plan.interface()))
        );
        if is.first() != Some(&own) {
            return Err(format!(
                "{}: NetworkManager activates {:?} at boot, not eniplan's {own}",
                plan.interface(),
                is.first()
            ));
        }
        // The host's profiles are all still there, below eniplan's.
        if !was.iter().all(|file| is.contains(file)) {
            return Err(format!(
                "{}: profiles {was:?} became {is:?}",
                plan.interface()
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- suse

/// The lines of a routes file wicked gives `interface` (ifroute(5)): those naming it, and `-`
/// lines whose gateway lies in one of `networks`.
fn routes_of(text: &str, interface: &str, networks: &[ipnet::IpNet]) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.get(3) {
                Some(&"-") | None => words
                    .get(1)
                    .and_then(|g| g.parse::<std::net::IpAddr>().ok())
                    .is_some_and(|g| networks.iter().any(|net| net.contains(&g))),
                Some(device) => *device == interface,
            }
        })
        .map(str::to_string)
        .collect()
}

fn suse(case: &Case, before: &Path, after: &Path) -> Result<(), String> {
    let routes = |root: &Path| fs::read_to_string(root.join("etc/sysconfig/network/routes"));
    let (was, is) = (
        routes(before).unwrap_or_default(),
        routes(after).unwrap_or_default(),
    );
    // Every line the host had that is not about a configured interface, as it was.
    let configured: Vec<ipnet::IpNet> = case
        .plans
        .iter()
        .map(|p| ipnet::IpNet::V4(p.subnet()))
        .collect();
    for plan in &case.plans {
        let mine = routes_of(&was, plan.interface(), &configured);
        for line in was.lines().filter(|l| !mine.iter().any(|m| m == l.trim())) {
            if !is.lines().any(|kept| kept == line) {
                return Err(format!("routes lost `{line}`"));
            }
        }
    }
    // What wicked gives each other interface is what it gave before.
    for other in &case.others {
        let text = fs::read_to_string(before.join(format!("etc/sysconfig/network/ifcfg-{other}")))
            .map_err(|e| e.to_string())?;
        // IPADDR_x with its `/len` or NETMASK_x, as the sourcing shell gives them.
        let vars: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key, value.trim_matches(|c| c == '\'' || c == '"')))
            .collect();
        let networks: Vec<ipnet::IpNet> = vars
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix("IPADDR")?, *value)))
            .filter_map(|(suffix, value)| {
                let (address, length) = match value.split_once('/') {
                    Some((address, length)) => (address, length.parse().ok()?),
                    None => {
                        let mask: std::net::Ipv4Addr = vars
                            .get(format!("NETMASK{suffix}").as_str())?
                            .parse()
                            .ok()?;
                        (value, u32::from(mask).leading_ones() as u8)
                    }
                };
                let address: std::net::Ipv4Addr = address.parse().ok()?;
                ipnet::Ipv4Net::new(address, length)
                    .ok()
                    .map(ipnet::IpNet::V4)
            })
            .collect();
        let old = routes_of(&was, other, &networks);
        let new = routes_of(&is, other, &networks);
        if old != new || old.is_empty() {
            return Err(format!(
                "wicked's routes for {other}: {old:?} became {new:?}"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- networkd

/// The `.network` file systemd-networkd gives a link: the first in name order whose `[Match]`
/// matches its name and MAC (systemd.network(5)).
fn first_match(root: &Path, name: &str, mac: &str) -> Option<String> {
    let dir = root.join("etc/systemd/network");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "network"))
        .collect();
    files.sort();
    files.into_iter().find_map(|path| {
        let text = fs::read_to_string(&path).ok()?;
        let ini = crate::support::parse_ini(&text);
        let names = crate::support::values(&ini, "Match", "Name");
        let macs = crate::support::values(&ini, "Match", "MACAddress");
        let by_name = names.is_empty()
            || names
                .iter()
                .any(|n| n.split_whitespace().any(|n| n == name));
        let by_mac = macs.is_empty() || macs.iter().any(|m| m.eq_ignore_ascii_case(mac));
        (by_name && by_mac).then(|| {
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
    })
}

fn networkd(case: &Case, before: &Path, after: &Path) -> Result<(), String> {
    for plan in &case.plans {
        let mac = case.nics.get(plan.interface()).cloned().unwrap_or_default();
        let want = format!("05-eniplan-{}.network", plan.interface());
        let got = first_match(after, plan.interface(), &mac);
        if got.as_deref() != Some(want.as_str()) {
            return Err(format!(
                "{}: networkd uses {got:?}, not {want}",
                plan.interface()
            ));
        }
    }
    for other in &case.others {
        let mac = case.nics.get(other).cloned().unwrap_or_default();
        let (was, is) = (
            first_match(before, other, &mac),
            first_match(after, other, &mac),
        );
        if was != is || was.is_none() {
            return Err(format!(
                "networkd's file for {other}: {was:?} became {is:?}"
            ));
        }
    }
    Ok(())
}

/// A change written with backups, and the backups never read as configuration: ifupdown's
/// `source /etc/network/interfaces.d/*` glob would read a copy left beside the live file
/// (`60-eniplan-eth0.bak`, the `*.eniplan~` copies of earlier releases) and bring a removed
/// alias back at the next restart. The set lives under /var/backups/eniplan instead.
#[test]
fn backups_are_never_read_as_configuration() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "debian11-cloud-init-three-nics")
        .expect("case");
    let root = scratch("host-backups");
    copy_tree(&case.host, &root);
    let first = render_for(&case, &root).expect("renders");
    apply::apply(&first, &root, Options { backup: true }).expect("writes");
    // The same instance with eth0's last secondary dropped.
    let mut fewer = case.raw.clone();
    fewer[0].secondaries.pop();
    let changed = Case {
        raw: fewer,
        plans: Vec::new(),
        ..case
    };
    let second = render_for(&changed, &root).expect("renders");
    let written = apply::apply(&second, &root, Options { backup: true }).expect("writes");
    assert!(written.changed && written.backup_set.is_some());
    let listed = in_root(&root, None, &["ifquery", "--list"]).expect("ifquery");
    assert!(
        !listed.lines().any(|name| name == "eth0:1"),
        "the removed alias came back: {listed}"
    );
    let beside: Vec<String> = fs::read_dir(root.join("etc/network/interfaces.d"))
        .expect("interfaces.d")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        beside
            .iter()
            .all(|name| !name.contains('.') && !name.ends_with('~')),
        "a copy beside the live files: {beside:?}"
    );
    let _ = fs::remove_dir_all(&root);
}
