//! systemd-networkd `.network` files read back (systemd.network(5)): the file whose `[Match]`
//! names the interface — the first in name order, as networkd applies the first match —
//! with `[Network]` `DHCP=`, `Address=`, `Gateway=`, `DNS=`, one `[Address]` per address, and
//! `[Route]`/`[RoutingPolicyRule]` sections.

use super::{HostFiles, Reading, Unread};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Mode};

pub(super) const DIR: &str = "/etc/systemd/network";

/// The sections of a unit file, each with its (line, key, value, text) entries.
type Sections = Vec<(String, Vec<(usize, String, String, String)>)>;

fn sections(path: &str, text: &str, unread: &mut Vec<Unread>) -> Sections {
    let mut out: Sections = Vec::new();
    for (index, line) in text.lines().enumerate() {
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

fn matched(text: &str) -> Option<String> {
    let sections = sections("", text, &mut Vec::new());
    sections
        .iter()
        .filter(|(name, _)| name == "Match")
        .flat_map(|(_, entries)| entries)
        .find(|(_, key, _, _)| key == "Name")
        .map(|(_, _, value, _)| value.clone())
}

fn network_files(files: &HostFiles) -> impl Iterator<Item = (&String, &String)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with(&format!("{DIR}/")) && path.ends_with(".network"))
}

pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    let mut names: Vec<String> = network_files(files)
        .filter_map(|(_, t)| matched(t))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let Some((path, text)) =
        network_files(files).find(|(_, t)| matched(t).as_deref() == Some(interface))
    else {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no .network file matches {interface}"),
        }
        .into());
    };
    let mut unread = Vec::new();
    let warnings = Vec::new();
    let mut plan = EniPlan {
        mode: Some(Mode::Static),
        ..EniPlan::default()
    };
    let mut v4: Vec<super::Written> = Vec::new();
    let mut v6: Vec<(String, Option<u8>)> = Vec::new();
    let mut gateway6 = None;
    let note = |line: usize, text: &str, reason: String, unread: &mut Vec<Unread>| {
        unread.push(Unread {
            file: path.clone(),
            line,
            text: text.into(),
            reason,
        })
    };
    let mut add_address = |cidr: &str| {
        let (address, prefix) = match cidr.split_once('/') {
            Some((a, p)) => (a.to_string(), p.parse().ok()),
            None => (cidr.to_string(), None),
        };
        if address.contains(':') {
            v6.push((address, prefix));
        } else {
            v4.push((address, prefix));
        }
    };
    for (name, entries) in sections(path, text, &mut unread) {
        let get = |key: &str| {
            entries
                .iter()
                .find(|(_, k, _, _)| k == key)
                .map(|(_, _, v, _)| v.clone())
        };
        match name.as_str() {
            "Match" => {
                for (line, key, value, text) in &entries {
                    match key.as_str() {
                        "Name" => {}
                        "MACAddress" | "PermanentMACAddress" => {
                            plan.mac = Some(value.to_lowercase())
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
                            if matches!(value.as_str(), "yes" | "ipv4" | "true") {
                                plan.mode = Some(Mode::Dhcp);
                            }
                        }
                        "DNS" => plan
                            .dns
                            .extend(value.split_whitespace().map(str::to_string)),
                        "Address" => add_address(value),
                        "Gateway" if value.contains(':') => gateway6 = Some(value.clone()),
                        "Gateway" => plan.gateway = Some(value.clone()),
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
            "Address" => match get("Address") {
                Some(cidr) if entries.len() == 1 => add_address(&cidr),
                _ => {
                    for (line, _, _, text) in &entries {
                        note(
                            *line,
                            text,
                            "an [Address] with options is not part of a plan".into(),
                            &mut unread,
                        );
                    }
                }
            },
            "Route" => {
                let table = get("Table").and_then(|t| t.parse::<u32>().ok());
                match (get("Gateway"), get("Destination")) {
                    (Some(gw), None) if gw.contains(':') => gateway6 = Some(gw),
                    (Some(gw), None) => {
                        plan.gateway = Some(gw);
                        plan.route_table = table;
                    }
                    (None, Some(_)) if table.is_some() => {}
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
    super::place_ipv4(&mut plan, v4);
    plan.ipv6 = super::ipv6_part(v6, gateway6);
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: vec![path.clone()],
    })
}
