//! NetworkManager keyfiles read back (`/etc/NetworkManager/system-connections/*.nmconnection`,
//! GLib key-file syntax, as nm-settings-keyfile(5) describes): `[connection]`, `[ethernet]`,
//! `[ipv4]` and `[ipv6]` with `addressN`, `gateway`, `dns`, `routeN` with `routeN_options`
//! and `routing-ruleN`. When several profiles name the interface, the one NetworkManager
//! prefers at boot (highest `autoconnect-priority`) is read, and the others are named.

use std::collections::BTreeMap;

use super::{HostFiles, Reading, Unread};
use crate::error::Errors;
use crate::plan::{EniPlan, Ipv6Plan, Mode};

pub(super) const DIR: &str = "/etc/NetworkManager/system-connections";

/// One keyfile: section → key → (line, value, text).
type Ini = BTreeMap<String, BTreeMap<String, (usize, String, String)>>;

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn parse(path: &str, text: &str, unread: &mut Vec<Unread>) -> Ini {
    let mut ini = Ini::new();
    let mut section = String::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        match trimmed.split_once('=') {
            Some((key, value)) if !section.is_empty() => {
                let entry = ini.entry(section.clone()).or_default();
                if let Some((first, _, _)) = entry.insert(
                    key.trim().to_string(),
                    (number, unescape(value.trim_start()), line.to_string()),
                ) {
                    unread.push(Unread {
                        file: path.into(),
                        line: first,
                        text: line.into(),
                        reason: format!(
                            "{key} is set again on line {number}; the later value counts"
                        ),
                    });
                }
            }
            _ => unread.push(Unread {
                file: path.into(),
                line: number,
                text: line.into(),
                reason: "not a key=value line of a section".into(),
            }),
        }
    }
    ini
}

/// Whether NetworkManager skips the file `name` in /etc/NetworkManager/system-connections:
/// `nm_keyfile_utils_ignore_filename` (libnm-core-impl/nm-keyfile.c) without the extension
/// requirement, which the keyfile plugin does not make under /etc (nms-keyfile-plugin.c,
/// `_ignore_filename`): hidden files, backups ending in `~`, mkstemp's temporary files
/// (`.XXXXXX`) and 802.1x certificates (`.pem`, `.der`). Any other file is a profile,
/// `.nmconnection` or not.
pub(crate) fn ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let temporary = name.rsplit_once('.').is_some_and(|(_, tail)| {
        tail.len() == 6 && tail.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    name.is_empty()
        || name.starts_with('.')
        || name.ends_with('~')
        || temporary
        || (lower.len() > 4 && (lower.ends_with(".pem") || lower.ends_with(".der")))
}

/// Each interface with a profile here.
pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    let mut names: Vec<String> = profiles(files)
        .into_iter()
        .filter_map(|profile| profile.interface)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One profile in the keyfile directory: what binds it to a NIC, and its boot priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    /// `[connection] interface-name`.
    pub(crate) interface: Option<String>,
    /// `[ethernet] mac-address`, lowercase.
    pub(crate) mac: Option<String>,
    /// `[connection] autoconnect-priority` (0 when absent, as NetworkManager takes it).
    pub(crate) priority: i64,
    /// The file.
    pub(crate) path: String,
}

/// Every profile NetworkManager reads here (nm-settings-keyfile(5)).
pub(crate) fn profiles(files: &HostFiles) -> Vec<Profile> {
    files
        .iter()
        .filter(|(path, _)| {
            path.strip_prefix(DIR)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| !name.contains('/') && !ignored(name))
        })
        .filter_map(|(path, text)| {
            let ini = parse(path, text, &mut Vec::new());
            let connection = ini.get("connection")?;
            let interface = connection
                .get("interface-name")
                .map(|(_, value, _)| value.clone());
            let mac = ini
                .get("ethernet")
                .or_else(|| ini.get("802-3-ethernet"))
                .and_then(|ethernet| ethernet.get("mac-address"))
                .map(|(_, value, _)| value.to_ascii_lowercase());
            let priority = connection
                .get("autoconnect-priority")
                .and_then(|(_, v, _)| v.parse().ok())
                .unwrap_or(0);
            Some(Profile {
                interface,
                mac,
                priority,
                path: path.clone(),
            })
        })
        .collect()
}

fn list(value: &str) -> Vec<String> {
    value
        .split([';', ','])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let mut candidates: Vec<(i64, String)> = profiles(files)
        .into_iter()
        .filter(|profile| profile.interface.as_deref() == Some(interface))
        .map(|profile| (profile.priority, profile.path))
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut warnings = Vec::new();
    if candidates.len() > 1 {
        warnings.push(format!(
            "{} profiles name {interface}; read {}, which NetworkManager prefers at boot \
             (autoconnect-priority {}); not read: {}",
            candidates.len(),
            candidates[0].1,
            candidates[0].0,
            candidates[1..]
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let path = candidates[0].1.clone();
    let mut unread = Vec::new();
    let mut ini = parse(&path, &files[&path], &mut unread);
    let mut plan = EniPlan::default();

    let mut section = |name: &str| ini.remove(name).unwrap_or_default();
    let mut connection = section("connection");
    if let Some((_, id, _)) = connection.remove("id") {
        if id != format!("System {interface}") {
            plan.connection = Some(id);
        }
    }
    for key in ["uuid", "interface-name", "autoconnect-priority"] {
        connection.remove(key);
    }
    for (key, want) in [("type", "ethernet"), ("autoconnect", "true")] {
        if let Some((line, value, text)) = connection.remove(key) {
            // `802-3-ethernet` is the setting's full name, which nmstate writes.
            if value != want && !(key == "type" && value == "802-3-ethernet") {
                unread.push(Unread {
                    file: path.clone(),
                    line,
                    text,
                    reason: format!("{key}={value} has no place in a plan"),
                });
            }
        }
    }
    let mut ethernet = section("ethernet");
    plan.mac = ethernet
        .remove("mac-address")
        .map(|(_, v, _)| v.to_lowercase());

    let mut ipv4 = section("ipv4");
    let method = ipv4
        .remove("method")
        .map(|(_, v, _)| v)
        .unwrap_or_else(|| "auto".into());
    plan.mode = Some(if method == "auto" {
        Mode::Dhcp
    } else {
        Mode::Static
    });
    let addresses = numbered(&mut ipv4, "address");
    let mut first = true;
    for (_, cidr) in addresses {
        let (address, gateway) = match cidr.split_once(',') {
            Some((address, gateway)) => (address.to_string(), Some(gateway.to_string())),
            None => (cidr.clone(), None),
        };
        let (address, prefix) = match address.split_once('/') {
            Some((a, p)) => (a.to_string(), p.parse().ok()),
            None => (address, None),
        };
        plan.prefix = plan.prefix.or(prefix);
        if gateway.is_some() {
            plan.gateway = gateway;
        }
        if first && plan.mode == Some(Mode::Static) {
            plan.primary = Some(address);
        } else {
            plan.secondaries.push(address);
        }
        first = false;
    }
    if let Some((_, gateway, _)) = ipv4.remove("gateway") {
        plan.gateway = Some(gateway);
    }
    let mut dns = ipv4
        .remove("dns")
        .map(|(_, v, _)| list(&v))
        .unwrap_or_default();
    for (n, route, line, text) in numbered_lines(&mut ipv4, "route") {
        let options = ipv4
            .remove(&format!("route{n}_options"))
            .map(|(_, v, _)| v)
            .unwrap_or_default();
        let table = options
            .split(',')
            .find_map(|option| option.trim().strip_prefix("table="))
            .and_then(|t| t.parse::<u32>().ok());
        let parts: Vec<&str> = route.split(',').collect();
        match (parts.as_slice(), table) {
            (["0.0.0.0/0", via, ..], Some(table)) => {
                plan.route_table = Some(table);
                plan.gateway = Some(via.to_string());
            }
            ([destination], Some(_)) if destination.contains('/') => {}
            _ => unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: format!("route{n} is a route a plan does not hold"),
            }),
        }
    }
    for (n, rule, line, text) in numbered_lines(&mut ipv4, "routing-rule") {
        let words: Vec<&str> = rule.split_whitespace().collect();
        let ours = matches!(words.as_slice(), ["priority", _, "from", _, "table", t] if t.parse::<u32>().ok() == plan.route_table);
        if !ours {
            unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: format!("routing-rule{n} is a rule other than the ENI's per-address rule"),
            });
        }
    }

    let mut ipv6 = section("ipv6");
    let method6 = ipv6.remove("method").map(|(_, v, _)| v);
    let addresses6: Vec<String> = numbered(&mut ipv6, "address")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let mut gateway6 = ipv6.remove("gateway").map(|(_, v, _)| v);
    dns.extend(
        ipv6.remove("dns")
            .map(|(_, v, _)| list(&v))
            .unwrap_or_default(),
    );
    plan.dns = dns;
    if !addresses6.is_empty() {
        let mut prefix6 = None;
        let addresses = addresses6
            .into_iter()
            .map(|entry| {
                // NetworkManager writes the gateway after the first address: `address1=a/64,gw`.
                let mut parts = entry.split(',');
                let cidr = parts.next().unwrap_or_default().to_string();
                if let Some(gateway) = parts.next().filter(|g| !g.is_empty()) {
                    gateway6.get_or_insert_with(|| gateway.to_string());
                }
                match cidr.split_once('/') {
                    Some((a, p)) => {
                        prefix6 = prefix6.or(p.parse().ok());
                        a.to_string()
                    }
                    None => cidr,
                }
            })
            .collect();
        plan.ipv6 = Some(Ipv6Plan {
            addresses,
            prefix: prefix6,
            gateway: gateway6,
        });
    } else if !matches!(
        method6.as_deref(),
        None | Some("ignore") | Some("disabled") | Some("auto") | Some("link-local")
    ) {
        warnings.push(format!(
            "[ipv6] method={} without addresses",
            method6.unwrap_or_default()
        ));
    }
    let rest = [
        ("connection", connection),
        ("ethernet", ethernet),
        ("ipv4", ipv4),
        ("ipv6", ipv6),
    ]
    .into_iter()
    .map(|(name, keys)| (name.to_string(), keys))
    .chain(ini);
    for (name, keys) in rest {
        for (key, (line, _, text)) in keys {
            if matches!(
                (name.as_str(), key.as_str()),
                ("ipv6", "addr-gen-mode")
                    | ("ipv4" | "ipv6", "ignore-auto-dns")
                    | ("ipv6", "dns-search")
                    | ("ipv4", "dns-search")
                    | ("proxy", _)
                    | ("ethernet", "auto-negotiate")
            ) {
                continue;
            }
            unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: format!("[{name}] {key} is not part of a plan"),
            });
        }
    }
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: vec![path],
    })
}

/// `keyN` entries of a section in the order of N, removed from it, with their lines.
fn numbered_lines(
    section: &mut BTreeMap<String, (usize, String, String)>,
    key: &str,
) -> Vec<(u32, String, usize, String)> {
    let keys: Vec<(u32, String)> = section
        .keys()
        .filter_map(|k| {
            let n = k.strip_prefix(key)?;
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (n.parse().ok(), k.clone()))
        })
        .filter_map(|(n, k)| Some((n?, k)))
        .collect();
    let mut found: Vec<(u32, String, usize, String)> = keys
        .into_iter()
        .filter_map(|(n, k)| section.remove(&k).map(|(line, v, text)| (n, v, line, text)))
        .collect();
    found.sort_by_key(|(n, ..)| *n);
    found
}

/// `keyN` values of a section in the order of N, removed from it.
fn numbered(
    section: &mut BTreeMap<String, (usize, String, String)>,
    key: &str,
) -> Vec<(u32, String)> {
    numbered_lines(section, key)
        .into_iter()
        .map(|(n, value, ..)| (n, value))
        .collect()
}
