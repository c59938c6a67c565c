//! systemd-networkd `.network` files read back (systemd.network(5)): the file whose `[Match]`
//! names the interface — the first in name order, as networkd applies the first match —
//! with `[Network]` `DHCP=`, `Address=`, `Gateway=`, `DNS=`, one `[Address]` per address, and
//! `[Route]`/`[RoutingPolicyRule]` sections.

use super::{parse_cidr, Found, FoundAddress, FoundRoute, HostFiles, Reading, Unread};
use crate::error::{Error, Errors};

pub(super) const DIR: &str = "/etc/systemd/network";

/// The sections of a unit file, each with its (line, key, value, text) entries.
type Sections = Vec<(String, Vec<(usize, String, String, String)>)>;

fn sections(path: &str, text: &str, unread: &mut Vec<Unread>) -> Sections {
    let mut out: Sections = Vec::new();
    // A line ending in `\` continues on the next (systemd.syntax(7)).
    let mut joined: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let piece = raw.trim();
        let (start, mut line) = match pending.take() {
            Some((start, mut line)) => {
                line.push(' ');
                line.push_str(piece);
                (start, line)
            }
            None => (index, piece.to_string()),
        };
        if line.ends_with('\\') && !line.starts_with('#') && !line.starts_with(';') {
            line.pop();
            pending = Some((start, line));
            continue;
        }
        joined.push((start, line));
    }
    joined.extend(pending);
    for (index, line) in joined {
        let line = line.as_str();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push((name.to_string(), Vec::new()));
        } else if let (Some((key, value)), Some(section)) =
            (trimmed.split_once('='), out.last_mut())
        {
            section.1.push((
                index + 1,
                key.trim().into(),
                value.trim().into(),
                line.into(),
            ));
        } else {
            unread.push(Unread {
                file: path.into(),
                line: index + 1,
                text: line.into(),
                reason: "not a key=value line of a section".into(),
            });
        }
    }
    out
}

/// What a file's `[Match]` binds it to (systemd.network(5)): `Name=` patterns and
/// `MACAddress=` (and `PermanentMACAddress=`) lists, space-separated, each list reset by an
/// empty assignment; a file without them matches every link.
fn matched(text: &str) -> super::Binding {
    let mut binding = super::Binding::default();
    for (name, entries) in sections("", text, &mut Vec::new()) {
        if name != "Match" {
            continue;
        }
        for (_, key, value, _) in entries {
            let list = match key.as_str() {
                "Name" => &mut binding.names,
                "MACAddress" | "PermanentMACAddress" => &mut binding.macs,
                _ => continue,
            };
            if value.is_empty() {
                list.clear();
            }
            list.extend(value.split_whitespace().map(|v| {
                if key == "Name" {
                    v.to_string()
                } else {
                    v.to_ascii_lowercase()
                }
            }));
        }
    }
    binding
}

fn network_files(files: &HostFiles) -> impl Iterator<Item = (&String, &String)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with(&format!("{DIR}/")) && path.ends_with(".network"))
}

pub(super) fn interfaces(files: &HostFiles, nics: &super::HostNics) -> Vec<String> {
    let mut names: Vec<String> = network_files(files)
        .flat_map(|(_, t)| super::bound_names(&matched(t), nics))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub(super) fn read(
    files: &HostFiles,
    interface: &str,
    nics: &super::HostNics,
) -> Result<Reading, Errors> {
    // systemd-networkd uses the first file, in name order, that matches the link.
    let Some((path, text, assumption)) = network_files(files).find_map(|(path, text)| {
        let assumption = super::binds(&matched(text), interface, nics)?;
        Some((path, text, assumption))
    }) else {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no .network file matches {interface}"),
        }
        .into());
    };
    let mut unread = Vec::new();
    let mut warnings: Vec<String> = assumption
        .map(|words| format!("{path}: {words}"))
        .into_iter()
        .collect();
    let mut found = Found::default();
    let at = |line: usize| format!("{path}:{line}");
    let note = |line: usize, text: &str, reason: String, unread: &mut Vec<Unread>| {
        unread.push(Unread {
            file: path.clone(),
            line,
            text: text.into(),
            reason,
        })
    };
    // An address as systemd-networkd's config_parse_address takes it: without a prefix, the
    // class of an IPv4 address or /128 (in_addr_prefix_from_string_auto); 0.0.0.0 and :: ask
    // for an address from a pool, which is no fixed address; a word that is no address is
    // ignored.
    let add_address =
        |value: &str, line: usize, text: &str, found: &mut Found, unread: &mut Vec<Unread>| {
            if let Some((address, prefix)) = parse_cidr::<std::net::Ipv4Addr>(value, 32) {
                if address.is_unspecified() {
                    note(
                        line,
                        text,
                        "0.0.0.0 asks for an address from a pool: no fixed address".into(),
                        unread,
                    );
                    return;
                }
                found.ipv4.push(FoundAddress {
                    address,
                    prefix: Some(prefix.unwrap_or_else(|| crate::net::class_prefix(address))),
                    at: at(line),
                });
            } else if let Some((address, prefix)) = parse_cidr::<std::net::Ipv6Addr>(value, 128) {
                if address.is_unspecified() {
                    note(
                        line,
                        text,
                        ":: asks for an address from a pool: no fixed address".into(),
                        unread,
                    );
                    return;
                }
                found.ipv6.push(FoundAddress {
                    address,
                    prefix: Some(prefix.unwrap_or(128)),
                    at: at(line),
                });
            } else {
                note(
                    line,
                    text,
                    format!("`{value}` is not an address: systemd-networkd ignores it"),
                    unread,
                );
            }
        };
    for (name, entries) in sections(path, text, &mut unread) {
        let get = |key: &str| {
            entries
                .iter()
                .rev()
                .find(|(_, k, _, _)| k == key)
                .map(|(line, _, v, _)| (*line, v.clone()))
        };
        match name.as_str() {
            "Match" => {
                for (line, key, value, text) in &entries {
                    match key.as_str() {
                        "Name" => {}
                        "MACAddress" | "PermanentMACAddress" => {
                            found.mac = Some(value.to_lowercase())
                        }
                        _ => note(
                            *line,
                            text,
                            format!("[Match] {key} is not part of a plan"),
                            &mut unread,
                        ),
                    }
                }
            }
            "Network" => {
                for (line, key, value, text) in &entries {
                    match key.as_str() {
                        "DHCP" => {
                            found.dhcp4 = matches!(
                                value.to_ascii_lowercase().as_str(),
                                "yes" | "true" | "ipv4" | "both" | "1" | "on"
                            );
                        }
                        // An empty assignment resets the list (systemd.network(5)).
                        "DNS" if value.is_empty() => found.dns.clear(),
                        "DNS" => {
                            for server in value.split_whitespace() {
                                match server.split('%').next().unwrap_or_default().parse() {
                                    Ok(server) => found.dns.push(server),
                                    Err(_) => note(
                                        *line,
                                        text,
                                        format!("`{server}` is not a DNS server address"),
                                        &mut unread,
                                    ),
                                }
                            }
                        }
                        "Address" if value.is_empty() => {
                            found.ipv4.clear();
                            found.ipv6.clear();
                        }
                        "Address" => add_address(value, *line, text, &mut found, &mut unread),
                        "Gateway" if value.is_empty() => {
                            found.gateways4.clear();
                            found.gateways6.clear();
                        }
                        "Gateway" => match value.parse::<std::net::IpAddr>() {
                            Ok(std::net::IpAddr::V4(via)) => found.gateways4.push(FoundRoute {
                                via,
                                metric: None,
                                at: at(*line),
                            }),
                            Ok(std::net::IpAddr::V6(via)) => found.gateways6.push(FoundRoute {
                                via,
                                metric: None,
                                at: at(*line),
                            }),
                            Err(_) => {
                                note(*line, text, "not a gateway address".into(), &mut unread)
                            }
                        },
                        "IPv6AcceptRA" | "LinkLocalAddressing" => {}
                        _ => note(
                            *line,
                            text,
                            format!("[Network] {key} is not part of a plan"),
                            &mut unread,
                        ),
                    }
                }
            }
            "Address" => {
                if let Some((line, cidr)) = get("Address") {
                    let text = entries
                        .iter()
                        .find(|(l, ..)| *l == line)
                        .map(|e| e.3.clone())
                        .unwrap_or_default();
                    add_address(&cidr, line, &text, &mut found, &mut unread);
                }
                // The section's other keys (a label, a lifetime, a peer) are not in a plan.
                for (line, key, _, text) in &entries {
                    if key != "Address" {
                        note(
                            *line,
                            text,
                            format!("[Address] {key} is not part of a plan"),
                            &mut unread,
                        );
                    }
                }
            }
            "Route" => {
                let table = get("Table").and_then(|(_, t)| t.parse::<u32>().ok());
                let metric = get("Metric").and_then(|(_, m)| m.parse::<u32>().ok());
                let destination = get("Destination").map(|(_, d)| d);
                let default = destination
                    .as_deref()
                    .is_none_or(|d| matches!(d, "0.0.0.0/0" | "::/0" | "0.0.0.0" | "::"));
                let kind = get("Type")
                    .map(|(_, t)| t)
                    .unwrap_or_else(|| "unicast".into());
                match (get("Gateway"), default, kind.as_str()) {
                    (Some((line, gateway)), true, "unicast") => match gateway
                        .parse::<std::net::IpAddr>()
                    {
                        Ok(std::net::IpAddr::V4(via)) if table.is_some() => {
                            found.table = table;
                            found.gateways4.insert(
                                0,
                                FoundRoute {
                                    via,
                                    metric: None,
                                    at: at(line),
                                },
                            );
                        }
                        Ok(std::net::IpAddr::V4(via)) => found.gateways4.push(FoundRoute {
                            via,
                            metric,
                            at: at(line),
                        }),
                        Ok(std::net::IpAddr::V6(via)) => found.gateways6.push(FoundRoute {
                            via,
                            metric,
                            at: at(line),
                        }),
                        Err(_) => note(line, &gateway, "not a gateway address".into(), &mut unread),
                    },
                    (None, false, _) if table.is_some() => {}
                    _ => {
                        for (line, _, _, text) in &entries {
                            note(
                                *line,
                                text,
                                "a route that is not part of a plan".into(),
                                &mut unread,
                            );
                        }
                    }
                }
            }
            "RoutingPolicyRule" => {
                if get("From").is_none() || get("Table").is_none() {
                    for (line, _, _, text) in &entries {
                        note(
                            *line,
                            text,
                            "a rule other than the ENI's per-address rule".into(),
                            &mut unread,
                        );
                    }
                }
            }
            other => {
                for (line, _, _, text) in &entries {
                    note(
                        *line,
                        text,
                        format!("[{other}] is not part of a plan"),
                        &mut unread,
                    );
                }
            }
        }
    }
    let plan = found.into_plan(&mut warnings);
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: vec![path.clone()],
    })
}

/// The systemd-networkd reader.
pub(crate) struct Networkd;

impl super::Reader for Networkd {
    fn directories(&self) -> &'static [&'static str] {
        &[DIR]
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
}
