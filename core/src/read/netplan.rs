//! netplan YAML read back: every file in /etc/netplan, merged as netplan merges them (files in
//! name order; a later file's mapping keys amend or override an earlier one's, and the lists
//! `addresses`, `routes`, `routing-policy` and `nameservers.addresses` add up), then the
//! interface's `ethernets` entry: `dhcp4`, `addresses`, `gateway4`/`gateway6`, `routes`,
//! `routing-policy`, `nameservers` and `match.macaddress`.

use yaml_serde::{Mapping, Value};

use super::{parse_cidr, Found, FoundAddress, FoundRoute, HostFiles, Reading, Unread};
use crate::error::{Error, Errors};

pub(super) const DIR: &str = "/etc/netplan";

/// The lists netplan appends to across files rather than replacing.
const APPENDED: &[&str] = &["addresses", "routes", "routing-policy"];

fn merge(into: &mut Value, from: Value, key: Option<&str>) {
    match (into, from) {
        (Value::Mapping(into), Value::Mapping(from)) => {
            for (k, v) in from {
                let name = k.as_str().map(str::to_string);
                match into.get_mut(&k) {
                    Some(existing) => merge(existing, v, name.as_deref()),
                    None => {
                        into.insert(k, v);
                    }
                }
            }
        }
        (Value::Sequence(into), Value::Sequence(from))
            if key.is_some_and(|k| APPENDED.contains(&k)) =>
        {
            into.extend(from);
        }
        (into, from) => *into = from,
    }
}

/// Every file merged, with the files in name order (the ones that could not be parsed are
/// errors naming them).
fn merged(files: &HostFiles) -> Result<(Value, Vec<String>), Errors> {
    let mut tree = Value::Mapping(Mapping::new());
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in files.range(format!("{DIR}/")..) {
        if !path.starts_with(&format!("{DIR}/")) {
            break;
        }
        if !path.ends_with(".yaml") || path[DIR.len() + 1..].contains('/') {
            continue;
        }
        match yaml_serde::from_str::<Value>(text) {
            Ok(value) => {
                merge(&mut tree, value, None);
                read.push(path.clone());
            }
            Err(error) => errors.push(Error::Syntax {
                field: path.clone(),
                message: format!("not netplan YAML: {error}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok((tree, read))
    } else {
        Err(Errors::from_vec(errors))
    }
}

pub(crate) fn get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.as_mapping()?.get(Value::String(key.into()))
}

/// How each `ethernets` entry names its NIC (netplan(5), "Common properties for physical
/// device types"): its `set-name` (the name the NIC gets), else its `match` (`name` patterns
/// and `macaddress`), else its id as the interface name. With the entry's id.
fn entries(tree: &Value) -> Vec<(super::Binding, String)> {
    let Some(ethernets) = get(tree, "network")
        .and_then(|n| get(n, "ethernets"))
        .and_then(Value::as_mapping)
    else {
        return Vec::new();
    };
    ethernets
        .iter()
        .filter_map(|(id, entry)| {
            let id = text(id)?;
            let matched = get(entry, "match");
            let by_name = matched.and_then(|m| get(m, "name")).and_then(text);
            let by_mac = matched
                .and_then(|m| get(m, "macaddress"))
                .and_then(text)
                .map(|mac| mac.to_ascii_lowercase());
            let set_name = get(entry, "set-name").and_then(text);
            let binding = match (set_name, matched) {
                (Some(name), _) => super::Binding {
                    names: vec![name],
                    macs: by_mac.into_iter().collect(),
                },
                (None, Some(_)) => super::Binding {
                    names: by_name.into_iter().collect(),
                    macs: by_mac.into_iter().collect(),
                },
                (None, None) => super::Binding {
                    names: vec![id.clone()],
                    macs: Vec::new(),
                },
            };
            Some((binding, id))
        })
        .collect()
}

pub(super) fn interfaces(files: &HostFiles, nics: &super::HostNics) -> Vec<String> {
    merged(files)
        .map(|(tree, _)| {
            entries(&tree)
                .iter()
                .flat_map(|(binding, _)| super::bound_names(binding, nics))
                .collect()
        })
        .unwrap_or_default()
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// netplan's own booleans (parse.c, `handle_generic_bool`): true, on, yes and y, in any case,
/// beside YAML's own `true`.
fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
        || value.as_str().is_some_and(|word| {
            matches!(
                word.to_ascii_lowercase().as_str(),
                "true" | "on" | "yes" | "y"
            )
        })
}

/// What netplan refuses: the whole configuration, so nothing of it is read.
fn refused(at: &str, cidr: &str) -> Errors {
    Error::Syntax {
        field: at.to_string(),
        message: format!(
            "the address `{cidr}` has no prefix length: netplan refuses the configuration \
             (\"address … is missing /prefixlength\"), so nothing of it is read"
        ),
    }
    .into()
}

/// The line of a file that first sets `key`, for reporting it.
fn locate(files: &HostFiles, read: &[String], key: &str) -> (String, usize, String) {
    for path in read.iter().rev() {
        if let Some((index, line)) = files[path].lines().enumerate().find(|(_, line)| {
            line.trim_start()
                .trim_start_matches("- ")
                .starts_with(&format!("{key}:"))
        }) {
            return (path.clone(), index + 1, line.to_string());
        }
    }
    // A value rather than a key (an address of a list): the line that holds it.
    for path in read.iter().rev() {
        if let Some((index, line)) = files[path]
            .lines()
            .enumerate()
            .find(|(_, line)| line.contains(key) && !line.trim_start().starts_with('#'))
        {
            return (path.clone(), index + 1, line.to_string());
        }
    }
    (read.last().cloned().unwrap_or_default(), 0, key.to_string())
}

pub(super) fn read(
    files: &HostFiles,
    interface: &str,
    nics: &super::HostNics,
) -> Result<Reading, Errors> {
    let (tree, read_files) = merged(files)?;
    // The entry that configures the NIC: by set-name or id first, then by match.
    let mut matching: Vec<(super::Binding, String, Option<String>)> = entries(&tree)
        .into_iter()
        .filter_map(|(binding, id)| {
            let assumption = super::binds(&binding, interface, nics)?;
            Some((binding, id, assumption))
        })
        .collect();
    matching.sort_by_key(|(binding, _, assumption)| {
        (
            assumption.is_some(),
            !binding.names.iter().any(|n| n == interface),
        )
    });
    let Some((_, id, assumption)) = matching.into_iter().next() else {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no netplan ethernets entry configures {interface}"),
        }
        .into());
    };
    let entry = get(&tree, "network")
        .and_then(|n| get(n, "ethernets"))
        .and_then(|e| get(e, &id))
        .cloned()
        .unwrap_or(Value::Null);
    let mut unread = Vec::new();
    let mut warnings: Vec<String> = assumption
        .map(|words| format!("network.ethernets.{id}: {words}"))
        .into_iter()
        .collect();
    let skip = |key: &str, reason: String, unread: &mut Vec<Unread>| {
        let (file, line, text) = locate(files, &read_files, key);
        unread.push(Unread {
            file,
            line,
            text,
            reason,
        });
    };
    let Some(entry) = entry.as_mapping() else {
        return Err(Error::Syntax {
            field: format!("network.ethernets.{id}"),
            message: "not a mapping".into(),
        }
        .into());
    };
    let mut found = Found {
        dhcp4: entry.get("dhcp4").is_some_and(truthy),
        ..Found::default()
    };
    let here = |key: &str| {
        let (file, line, _) = locate(files, &read_files, key);
        format!("{file}:{line}")
    };
    for (key, value) in entry {
        let Some(key) = key.as_str() else { continue };
        match key {
            "dhcp4" | "set-name" => {}
            "dhcp6" | "accept-ra" if !truthy(value) => {}
            "match" => {
                for (k, v) in value.as_mapping().into_iter().flatten() {
                    match k.as_str() {
                        Some("macaddress") => found.mac = text(v).map(|m| m.to_lowercase()),
                        Some("name") => {}
                        Some(other) => skip(
                            other,
                            format!("match.{other} is not part of a plan"),
                            &mut unread,
                        ),
                        None => {}
                    }
                }
            }
            "addresses" => {
                for item in value.as_sequence().into_iter().flatten() {
                    // An address with options (`- 10.0.0.5/24: {label: …}`) is the address;
                    // its options are not part of a plan.
                    let (cidr, options) = match item {
                        Value::Mapping(mapping) if mapping.len() == 1 => {
                            let (k, v) = mapping.iter().next().expect("one entry");
                            (text(k), Some(v))
                        }
                        other => (text(other), None),
                    };
                    let Some(cidr) = cidr else {
                        skip("addresses", "not an address".into(), &mut unread);
                        continue;
                    };
                    if options.is_some() {
                        skip(
                            &cidr,
                            format!("the options of {cidr} are not part of a plan"),
                            &mut unread,
                        );
                    }
                    // netplan refuses an address without its prefix length ("address … is
                    // missing /prefixlength"), and the whole file with it.
                    let at = here(&cidr);
                    if let Some((address, prefix)) = parse_cidr::<std::net::Ipv4Addr>(&cidr, 32) {
                        if prefix.is_none() {
                            return Err(refused(&at, &cidr));
                        }
                        found.ipv4.push(FoundAddress {
                            address,
                            prefix,
                            at,
                        });
                    } else if let Some((address, prefix)) =
                        parse_cidr::<std::net::Ipv6Addr>(&cidr, 128)
                    {
                        if prefix.is_none() {
                            return Err(refused(&at, &cidr));
                        }
                        found.ipv6.push(FoundAddress {
                            address,
                            prefix,
                            at,
                        });
                    } else {
                        skip(
                            "addresses",
                            format!("`{cidr}` is not an address"),
                            &mut unread,
                        );
                    }
                }
            }
            "gateway4" | "gateway6" => match text(value).map(|via| via.parse::<std::net::IpAddr>())
            {
                Some(Ok(std::net::IpAddr::V4(via))) if key == "gateway4" => {
                    found.gateways4.push(FoundRoute {
                        via,
                        metric: None,
                        at: here(key),
                    })
                }
                Some(Ok(std::net::IpAddr::V6(via))) if key == "gateway6" => {
                    found.gateways6.push(FoundRoute {
                        via,
                        metric: None,
                        at: here(key),
                    })
                }
                _ => skip(
                    key,
                    format!("{key} is not an address of its family"),
                    &mut unread,
                ),
            },
            "routes" => {
                for route in value.as_sequence().into_iter().flatten() {
                    let field = |k: &str| get(route, k).and_then(text);
                    let (to, via, table, metric) = (
                        field("to"),
                        field("via").and_then(|via| via.parse::<std::net::IpAddr>().ok()),
                        field("table").and_then(|t| t.parse::<u32>().ok()),
                        field("metric").and_then(|m| m.parse::<u32>().ok()),
                    );
                    let at = here("to");
                    match (to.as_deref(), via) {
                        (Some("default" | "0.0.0.0/0"), Some(std::net::IpAddr::V4(via))) => {
                            if table.is_some() {
                                found.table = table;
                                found.gateways4.insert(
                                    0,
                                    FoundRoute {
                                        via,
                                        metric: None,
                                        at,
                                    },
                                );
                            } else {
                                found.gateways4.push(FoundRoute { via, metric, at });
                            }
                        }
                        (Some("default" | "::/0"), Some(std::net::IpAddr::V6(via))) => {
                            found.gateways6.push(FoundRoute { via, metric, at })
                        }
                        (Some(to), None) if table.is_some() && to.contains('/') => {}
                        _ => skip(
                            "to",
                            format!("the route {route:?} is not part of a plan"),
                            &mut unread,
                        ),
                    }
                }
            }
            "routing-policy" => {
                for rule in value.as_sequence().into_iter().flatten() {
                    let table = get(rule, "table")
                        .and_then(text)
                        .and_then(|t| t.parse::<u32>().ok());
                    if get(rule, "from").is_none() || table.is_none() {
                        skip(
                            "from",
                            "a rule other than the ENI's per-address rule".into(),
                            &mut unread,
                        );
                    }
                }
            }
            "nameservers" => {
                for (k, v) in value.as_mapping().into_iter().flatten() {
                    match k.as_str() {
                        Some("addresses") => {
                            for server in v.as_sequence().into_iter().flatten().filter_map(text) {
                                match server.parse() {
                                    Ok(server) => found.dns.push(server),
                                    Err(_) => skip(
                                        &server,
                                        format!("`{server}` is not a DNS server address"),
                                        &mut unread,
                                    ),
                                }
                            }
                        }
                        Some(other) => skip(
                            other,
                            format!("nameservers.{other} is not part of a plan"),
                            &mut unread,
                        ),
                        None => {}
                    }
                }
            }
            other => skip(other, format!("{other} is not part of a plan"), &mut unread),
        }
    }
    let plan = found.into_plan(&mut warnings);
    // The files a migration deletes: those that configure this interface and no other.
    let mut own = Vec::new();
    for path in &read_files {
        let Ok(tree) = yaml_serde::from_str::<Value>(&files[path]) else {
            continue;
        };
        let ids: Vec<String> = entries(&tree).into_iter().map(|(_, id)| id).collect();
        if ids == [id.clone()] {
            own.push(path.clone());
        } else if ids.contains(&id) {
            warnings.push(format!(
                "{path} configures other interfaces too; it is not deleted"
            ));
        }
    }
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: own,
    })
}

/// The netplan reader.
pub(crate) struct Netplan;

impl super::Reader for Netplan {
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
