//! netplan YAML: Ubuntu 18.04 and later, Debian 12.

use serde::Serialize;
use yaml_serde::Value;

use super::{dhcp_source_warning, route_entries, Family, RouteEntry};
use crate::error::{Error, Errors};
use crate::intent::{Intent, Method, Rule};
use crate::read::netplan::get;
use crate::read::HostFiles;
use crate::rendering::{File, Rendering, MODE_PRIVATE};
use crate::target::{DefaultRoute, Target};
use crate::templates::Template;

static NETPLAN: Template = crate::template!("netplan/60-eniplan-INTERFACE.yaml", Yaml);
static TEMPLATES: [&Template; 1] = [&NETPLAN];

/// The netplan family.
pub(super) struct Netplan;

#[derive(Serialize)]
struct NetplanFile<'a> {
    target: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    dhcp4: bool,
    addresses: Vec<&'a str>,
    routes: Vec<RouteEntry<'a>>,
    rules: &'a [Rule<'a>],
    nameservers: &'a [String],
}

impl Family for Netplan {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let (default4, default6) = match target.default_route() {
            DefaultRoute::Keyword => ("default", "default"),
            DefaultRoute::Cidr => ("0.0.0.0/0", "::/0"),
        };
        let mut addresses: Vec<&str> = intent.static4.iter().map(String::as_str).collect();
        addresses.extend(intent.ipv6_cidrs().iter().map(String::as_str));
        let file = NetplanFile {
            target: target.name(),
            interface: intent.interface(),
            mac: intent.mac(),
            dhcp4: intent.method4 == Method::Dhcp,
            addresses,
            routes: route_entries(&intent.routes, Some(default4), Some(default6)),
            rules: &intent.rules,
            nameservers: intent.dns.all,
        };
        // netplan reads every file in /etc/netplan in name order and merges them (netplan(5),
        // "Hierarchy of configuration files"): one file per interface keeps the others', and
        // sorting after cloud-init's 50-cloud-init.yaml makes this one's values win for it.
        out.files.push(File {
            path: own_file(intent.interface()),
            contents: NETPLAN.render(&file)?,
            // netplan warns that anything more open than 0600 is "too open".
            mode: MODE_PRIVATE,
        });
        if super::on_host(host).is_none() {
            out.warnings.push(format!(
                "cloud-init's /etc/netplan/50-cloud-init.yaml stays: netplan merges it first, \
                 and this file's dhcp4, addresses and routes for {} come after it; rendered for \
                 a host (--write-to or --root, Ansible, Salt), an entry of another file for {} \
                 that would add to these or win over them is taken out of that file",
                intent.interface(),
                intent.interface()
            ));
        }
        if intent.mac().is_none() {
            out.warnings.push(
                "the plan has no mac, so the netplan file matches the NIC by name only; with a \
                 mac it would also pin the name with `match`/`set-name`"
                    .into(),
            );
        }
        dhcp_source_warning(intent, out);
        Ok(())
    }

    /// The host's other netplan files, as netplan merges them with eniplan's (netplan(5),
    /// "Hierarchy of configuration files": files in name order, a later file's keys override
    /// an earlier one's, lists add up). An entry of another file for an interface eniplan
    /// configures is taken out of that file, line by line, when the merge would not give the
    /// plan: it lists addresses, routes, rules or servers (they would add to eniplan's), it
    /// sorts after eniplan's file (its values would win), or it names the NIC under another
    /// id (two entries would configure one NIC). An entry that only says `dhcp4`, `match`
    /// and `set-name` stays: eniplan's file overrides it.
    fn shared(
        &self,
        instance: &[Intent<'_>],
        _target: Target,
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let Some(host) = super::on_host(host) else {
            return Ok(());
        };
        let ours: Vec<String> = instance
            .iter()
            .map(|intent| own_file(intent.interface()))
            .collect();
        for (path, text) in host.range(format!("{DIR}/")..) {
            if !path.starts_with(&format!("{DIR}/")) {
                break;
            }
            if !path.ends_with(".yaml")
                || path[DIR.len() + 1..].contains('/')
                || ours.contains(path)
            {
                continue;
            }
            // The reader reports a file netplan cannot parse; nothing of it is touched here.
            let Ok(tree) = yaml_serde::from_str::<Value>(text) else {
                continue;
            };
            let Some(ethernets) = get(&tree, "network")
                .and_then(|network| get(network, "ethernets"))
                .and_then(Value::as_mapping)
            else {
                continue;
            };
            let mut edited = text.clone();
            let mut changed = false;
            for (id, entry) in ethernets {
                let Some(id) = id.as_str() else { continue };
                let Some(intent) = instance.iter().find(|intent| names_nic(id, entry, intent))
                else {
                    continue;
                };
                let own = own_file(intent.interface());
                let lists = entry.as_mapping().is_some_and(|mapping| {
                    mapping
                        .keys()
                        .filter_map(Value::as_str)
                        .any(|key| !HARMLESS.contains(&key))
                });
                let why = if id != intent.interface() {
                    Some(format!("it configures {} as `{id}`", intent.interface()))
                } else if path.as_str() > own.as_str() {
                    Some(format!("it sorts after {own}, so its values would win"))
                } else if lists {
                    Some("its addresses, routes or servers would add to eniplan's".to_string())
                } else {
                    None
                };
                let Some(why) = why else { continue };
                edited = remove_entry(&edited, id, &own).ok_or_else(|| {
                    Errors::from(Error::Unsupported {
                        field: "interface".into(),
                        value: intent.interface().to_string(),
                        target: _target.name().into(),
                        reason: format!(
                            "{path} has an entry `{id}` for {} that netplan would merge with \
                             eniplan's ({why}), and it is not written in block style, so \
                             eniplan cannot take it out line by line: remove it by hand",
                            intent.interface()
                        ),
                    })
                })?;
                changed = true;
                out.warnings.push(format!(
                    "{path}: its entry `{id}` is taken out ({why}); {own} configures {} now",
                    intent.interface()
                ));
            }
            if changed {
                out.files.push(File {
                    path: path.clone(),
                    contents: edited,
                    mode: MODE_PRIVATE,
                });
            }
        }
        Ok(())
    }
}

/// Where netplan reads its YAML.
const DIR: &str = "/etc/netplan";

/// The file eniplan writes for an interface.
fn own_file(interface: &str) -> String {
    format!("{DIR}/60-eniplan-{interface}.yaml")
}

/// Keys of another file's entry that eniplan's file overrides (or that do not concern
/// addressing), so the entry can stay: netplan's merge gives the plan.
const HARMLESS: &[&str] = &[
    "dhcp4",
    "dhcp6",
    "match",
    "set-name",
    "optional",
    "mtu",
    "wakeonlan",
    "critical",
    "renderer",
];

/// Whether an `ethernets` entry configures the NIC of `intent`: by id, by `set-name`, by
/// `match: name` or by `match: macaddress`.
fn names_nic(id: &str, entry: &Value, intent: &Intent<'_>) -> bool {
    let interface = intent.interface();
    let set_name = get(entry, "set-name").and_then(Value::as_str);
    let matched = get(entry, "match");
    let by_name = matched.and_then(|m| get(m, "name")).and_then(Value::as_str);
    let by_mac = matched
        .and_then(|m| get(m, "macaddress"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    set_name == Some(interface)
        || (set_name.is_none() && by_name.is_none() && by_mac.is_none() && id == interface)
        || by_name == Some(interface)
        || (by_mac.is_some() && by_mac.as_deref() == intent.mac())
}

/// The indentation of a line, in spaces.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Whether a line holds YAML (not blank, not a comment).
fn significant(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// The key a block-style mapping line starts with (`eth0:` or a quoted `"eth0":`).
fn key_of(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let (key, _) = trimmed.split_once(':')?;
    Some(key.trim().trim_matches(|c| c == '"' || c == '\''))
}

/// `text` without the `ethernets` entry `id`, removed line by line (every other line kept
/// byte for byte, a comment left in its place); `None` unless the file is in block style and
/// the edited text means exactly the old one without that entry.
fn remove_entry(text: &str, id: &str, own: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let ethernets = lines.iter().position(|line| {
        line.trim_start().starts_with("ethernets:")
            && line.trim_start()["ethernets:".len()..]
                .trim()
                .trim_start_matches('#')
                .is_empty()
            || line.trim() == "ethernets:"
    })?;
    let base = indent(lines[ethernets]);
    let end_of_section = (ethernets + 1..lines.len())
        .find(|&at| significant(lines[at]) && indent(lines[at]) <= base)
        .unwrap_or(lines.len());
    let child = (ethernets + 1..end_of_section)
        .find(|&at| significant(lines[at]))
        .map(|at| indent(lines[at]))?;
    let start = (ethernets + 1..end_of_section).find(|&at| {
        significant(lines[at]) && indent(lines[at]) == child && key_of(lines[at]) == Some(id)
    })?;
    let next = (start + 1..end_of_section)
        .find(|&at| significant(lines[at]) && indent(lines[at]) <= child)
        .unwrap_or(end_of_section);
    // The entry ends at its last line of YAML; blank and comment lines after it stay.
    let last = (start..next).rev().find(|&at| significant(lines[at]))?;
    let others = (ethernets + 1..end_of_section).any(|at| {
        significant(lines[at]) && indent(lines[at]) == child && (at < start || at > last)
    });
    let mut out = String::with_capacity(text.len());
    for (at, line) in lines.iter().enumerate() {
        if at == ethernets && !others {
            let newline = if line.ends_with('\n') { "\n" } else { "" };
            out.push_str(&format!("{}ethernets: {{}}{newline}", " ".repeat(base)));
        } else if at == start {
            out.push_str(&format!(
                "{}# eniplan: `{id}` is configured in {own} now\n",
                " ".repeat(child)
            ));
        } else if !(start..=last).contains(&at) {
            out.push_str(line);
        }
    }
    // Proof that only the entry went: the edited text parses to the old tree without it.
    let mut expected: Value = yaml_serde::from_str(text).ok()?;
    let network = expected.as_mapping_mut()?.get_mut("network")?;
    let entries = network
        .as_mapping_mut()?
        .get_mut("ethernets")?
        .as_mapping_mut()?;
    entries.remove(id)?;
    let got: Value = yaml_serde::from_str(&out).ok()?;
    (got == expected).then_some(out)
}
