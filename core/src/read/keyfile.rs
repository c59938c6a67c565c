//! NetworkManager keyfiles read back (`/etc/NetworkManager/system-connections/*.nmconnection`,
//! GLib key-file syntax, as nm-settings-keyfile(5) describes): `[connection]`, `[ethernet]`,
//! `[ipv4]` and `[ipv6]` with `addressN`, `gateway`, `dns`, `routeN` with `routeN_options`
//! and `routing-ruleN`. When several profiles name the interface, the one NetworkManager
//! prefers at boot (highest `autoconnect-priority`) is read, and the others are named.

use std::collections::BTreeMap;

use super::{Found, FoundAddress, FoundRoute, HostFiles, Reading, Unread};
use crate::error::{Error, Errors};

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
            // A setting's full name is an alias of its short one (nm-settings-keyfile(5)).
            section = match name {
                "802-3-ethernet" => "ethernet".to_string(),
                other => other.to_string(),
            };
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

/// Each interface with a profile here: by name, or the NIC of this host with the MAC a
/// profile is bound to.
pub(super) fn interfaces(files: &HostFiles, nics: &super::HostNics) -> Vec<String> {
    let mut names: Vec<String> = profiles(files)
        .iter()
        .flat_map(|profile| super::bound_names(&profile.binding(), nics))
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

impl Profile {
    /// What binds the profile to a NIC: `interface-name`, `mac-address` (nm-settings(5): a
    /// profile with neither may be activated on any Ethernet NIC).
    pub(crate) fn binding(&self) -> super::Binding {
        super::Binding {
            names: self.interface.iter().cloned().collect(),
            macs: self.mac.iter().cloned().collect(),
        }
    }
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

pub(super) fn read(
    files: &HostFiles,
    interface: &str,
    nics: &super::HostNics,
) -> Result<Reading, Errors> {
    let mut assumptions = Vec::new();
    let mut candidates: Vec<(i64, String)> = profiles(files)
        .into_iter()
        .filter_map(|profile| {
            let assumption = super::binds(&profile.binding(), interface, nics)?;
            assumptions.push((profile.path.clone(), assumption));
            Some((profile.priority, profile.path))
        })
        .collect();
    if candidates.is_empty() {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no keyfile profile configures {interface} here"),
        }
        .into());
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut warnings: Vec<String> = assumptions
        .into_iter()
        .filter(|(path, _)| *path == candidates[0].1)
        .filter_map(|(path, assumption)| assumption.map(|words| format!("{path}: {words}")))
        .collect();
    if candidates.len() > 1 {
        warnings.push(format!(
            "{} profiles configure {interface}; read {}, \
             which NetworkManager prefers at boot (autoconnect-priority {}); not read: {}",
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
    let mut found = Found::default();
    let at = |line: usize| format!("{path}:{line}");

    let mut section = |name: &str| ini.remove(name).unwrap_or_default();
    let mut connection = section("connection");
    match connection.remove("id") {
        Some((_, id, _)) => {
            if id != format!("System {interface}") {
                found.connection = Some(id);
            }
        }
        None => {
            return Err(Error::Syntax {
                field: path.clone(),
                message: "the profile has no [connection] id: NetworkManager refuses it \
                          (\"connection.id: property is missing\"), so nothing of it is read"
                    .into(),
            }
            .into())
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
    found.mac = ethernet
        .remove("mac-address")
        .map(|(_, v, _)| v.to_lowercase());

    let mut ipv4 = section("ipv4");
    let method = ipv4
        .remove("method")
        .map(|(_, v, _)| v)
        .unwrap_or_else(|| "auto".into());
    found.dhcp4 = method == "auto";
    let (addresses4, mut gateway4) =
        section_addresses(&mut ipv4, "IPv4", 32, 24, &path, &mut warnings, &mut unread);
    found.ipv4 = addresses4;
    if method == "manual" && found.ipv4.is_empty() {
        return Err(refused_profile(&path, "ipv4", "manual"));
    }
    // never-default=true: the gateway makes no default route (nm-settings(5)).
    let never_default = ipv4
        .remove("never-default")
        .is_some_and(|(_, value, _)| value == "true");
    if never_default {
        if let Some(route) = gateway4.take() {
            warnings.push(format!(
                "the gateway {} ({}) makes no default route: never-default=true",
                route.via, route.at
            ));
        }
    }
    found.gateways4.extend(gateway4);
    let mut dns = dns_list(&mut ipv4, &path, &mut unread);
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
        let via = parts
            .get(1)
            .and_then(|via| via.parse::<std::net::Ipv4Addr>().ok());
        let metric = parts.get(2).and_then(|metric| metric.parse::<u32>().ok());
        match (parts.first().copied(), via, table) {
            (Some("0.0.0.0/0"), Some(via), Some(table)) => {
                found.table = Some(table);
                found.gateways4.insert(
                    0,
                    FoundRoute {
                        via,
                        metric: None,
                        at: at(line),
                    },
                );
            }
            (Some("0.0.0.0/0"), Some(via), None) if !never_default => {
                found.gateways4.push(FoundRoute {
                    via,
                    metric,
                    at: at(line),
                });
            }
            (Some(destination), _, Some(_)) if destination.contains('/') => {}
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
        let ours = matches!(words.as_slice(), ["priority", _, "from", _, "table", t] if t.parse::<u32>().ok() == found.table);
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
    let (addresses6, gateway6) = section_addresses(
        &mut ipv6,
        "IPv6",
        128,
        64,
        &path,
        &mut warnings,
        &mut unread,
    );
    found.ipv6 = addresses6;
    found.gateways6.extend(gateway6);
    if method6.as_deref() == Some("manual") && found.ipv6.is_empty() {
        return Err(refused_profile(&path, "ipv6", "manual"));
    }
    dns.extend(dns_list(&mut ipv6, &path, &mut unread));
    found.dns = dns;
    let plan = found.into_plan(&mut warnings);
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

/// The address entries of an ip section in NetworkManager's order: `address` and
/// `addresses`, then `addressN` and `addressesN` for N from 0 (nm-keyfile.c,
/// `_build_list_create`).
fn addresses(
    section: &mut BTreeMap<String, (usize, String, String)>,
) -> Vec<(String, String, usize, String)> {
    let mut keys: Vec<(i64, u8, String)> = section
        .keys()
        .filter_map(|key| {
            let (stem, rank) = if let Some(n) = key.strip_prefix("addresses") {
                (n, 1)
            } else {
                (key.strip_prefix("address")?, 0)
            };
            let index = if stem.is_empty() {
                -1
            } else {
                stem.bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| stem.parse().ok())??
            };
            Some((index, rank, key.clone()))
        })
        .collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|(_, _, key)| {
            let (line, value, text) = section.remove(&key)?;
            Some((key, value, line, text))
        })
        .collect()
}

/// An address entry as NetworkManager reads it (nm-keyfile.c,
/// `read_one_ip_address_or_route`): `address/plen,gateway`, where `/`, `;` and `,` are
/// interchangeable, the prefix may be left out (a deprecated form: /24 for IPv4, /64 for
/// IPv6) and `address/gateway` is an old spelling. `None` for what NetworkManager drops with
/// a warning (a field that is no address, more fields than those).
fn address_entry<A: std::str::FromStr>(entry: &str, max: u8) -> Option<(A, Option<u8>, Option<A>)> {
    let mut fields: Vec<&str> = entry.trim().split(['/', ';', ',']).collect();
    // A separator at the end (`a;24;gw;`) is an old, accepted form.
    if fields.len() > 1 && fields.last().is_some_and(|f| f.is_empty()) {
        fields.pop();
    }
    let mut fields = fields.into_iter();
    let address = fields.next()?.parse::<A>().ok()?;
    let mut rest: Vec<&str> = fields.collect();
    let prefix = match rest.first() {
        Some(plen) if !plen.is_empty() && plen.bytes().all(|b| b.is_ascii_digit()) => {
            let plen = plen.parse::<u8>().ok().filter(|p| *p <= max)?;
            rest.remove(0);
            Some(plen)
        }
        _ => None,
    };
    let gateway = match rest.as_slice() {
        [] | [""] => None,
        [gateway] => Some(gateway.parse::<A>().ok()?),
        _ => return None,
    };
    Some((address, prefix, gateway))
}

/// The `dns=` servers of a section; a word that is no address is unread.
/// One address family's addresses and gateway in its section, as NetworkManager reads them:
/// `addressN=` in NetworkManager's order, each with its prefix (the family's default when none
/// is written, with a warning), the gateway written after the first address that has one
/// (`address1=a/24,gw`) unless a `gateway=` key sets it.
fn section_addresses<A>(
    section: &mut BTreeMap<String, (usize, String, String)>,
    family: &str,
    max_prefix: u8,
    default_prefix: u8,
    path: &str,
    warnings: &mut Vec<String>,
    unread: &mut Vec<Unread>,
) -> (Vec<FoundAddress<A>>, Option<FoundRoute<A>>)
where
    A: std::str::FromStr,
{
    let at = |line: usize| format!("{path}:{line}");
    let mut found = Vec::new();
    let mut gateway_of_address = None;
    for (key, entry, line, text) in addresses(section) {
        match address_entry::<A>(&entry, max_prefix) {
            Some((address, prefix, gateway)) => {
                if prefix.is_none() {
                    warnings.push(format!(
                        "{key}={entry} has no prefix length: NetworkManager defaults it to \
                         /{default_prefix}"
                    ));
                }
                found.push(FoundAddress {
                    address,
                    prefix: Some(prefix.unwrap_or(default_prefix)),
                    at: at(line),
                });
                if gateway_of_address.is_none() {
                    gateway_of_address = gateway.map(|via| FoundRoute {
                        via,
                        metric: None,
                        at: at(line),
                    });
                }
            }
            None => unread.push(Unread {
                file: path.to_string(),
                line,
                text,
                reason: format!("{key} is not an {family} address entry: NetworkManager drops it"),
            }),
        }
    }
    let gateway = match section.remove("gateway") {
        Some((line, gateway, text)) => match gateway.parse() {
            Ok(via) => Some(FoundRoute {
                via,
                metric: None,
                at: at(line),
            }),
            Err(_) => {
                unread.push(Unread {
                    file: path.to_string(),
                    line,
                    text,
                    reason: format!("not an {family} gateway"),
                });
                gateway_of_address
            }
        },
        None => gateway_of_address,
    };
    (found, gateway)
}

fn dns_list(
    section: &mut BTreeMap<String, (usize, String, String)>,
    path: &str,
    unread: &mut Vec<Unread>,
) -> Vec<std::net::IpAddr> {
    let Some((line, value, text)) = section.remove("dns") else {
        return Vec::new();
    };
    let mut servers = Vec::new();
    for item in list(&value) {
        // `address#server-name`: a DNS-over-TLS server; the name is not part of a plan.
        let (address, name) = item.split_once('#').unwrap_or((&item, ""));
        match address.parse() {
            Ok(server) => {
                servers.push(server);
                if !name.is_empty() {
                    unread.push(Unread {
                        file: path.to_string(),
                        line,
                        text: text.clone(),
                        reason: format!(
                            "the server name {name} of {address} is not part of a plan"
                        ),
                    });
                }
            }
            Err(_) => unread.push(Unread {
                file: path.to_string(),
                line,
                text: text.clone(),
                reason: format!("`{item}` is not a DNS server address"),
            }),
        }
    }
    servers
}

/// A profile NetworkManager refuses whole (it does not verify), so nothing of it is read.
fn refused_profile(path: &str, section: &str, method: &str) -> Errors {
    Error::Syntax {
        field: path.to_string(),
        message: format!(
            "[{section}] method={method} without addresses: NetworkManager refuses the profile \
             (\"{section}.addresses: this property cannot be empty for 'method={method}'\"), so \
             nothing of it is read"
        ),
    }
    .into()
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

/// The NetworkManager keyfile reader.
pub(crate) struct Keyfile;

impl super::Reader for Keyfile {
    fn directories(&self) -> &'static [&'static str] {
        &[DIR]
    }
    fn ignored(&self, dir: &str, name: &str, _target: crate::target::Target) -> bool {
        dir == DIR && ignored(name)
    }
    fn interfaces(&self, files: &HostFiles, nics: &super::HostNics) -> Vec<String> {
        interfaces(files, nics)
    }
    fn read(
        &self,
        files: &HostFiles,
        interface: &str,
        _target: crate::target::Target,
        nics: &super::HostNics,
    ) -> Result<Reading, Errors> {
        read(files, interface, nics)
    }
    fn binds_by_mac(&self) -> bool {
        true
    }
    fn not_carried(&self) -> &'static [&'static str] {
        &[]
    }
}
