//! netplan YAML read back: every file in /etc/netplan, merged as netplan merges them (files in
//! name order; a later file's mapping keys amend or override an earlier one's, and the lists
//! `addresses`, `routes`, `routing-policy` and `nameservers.addresses` add up), then the
//! interface's `ethernets` entry: `dhcp4`, `addresses`, `gateway4`/`gateway6`, `routes`,
//! `routing-policy`, `nameservers` and `match.macaddress`.

use yaml_serde::{Mapping, Value};

use super::{HostFiles, Reading, Unread};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Mode};

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

/// The interface each `ethernets` entry configures: its `set-name`, else its id.
fn entries(tree: &Value) -> Vec<(String, String)> {
    let Some(ethernets) = get(tree, "network")
        .and_then(|n| get(n, "ethernets"))
        .and_then(Value::as_mapping)
    else {
        return Vec::new();
    };
    ethernets
        .iter()
        .filter_map(|(id, entry)| {
            let id = id.as_str()?.to_string();
            let name = get(entry, "set-name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| id.clone());
            Some((name, id))
        })
        .collect()
}

pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    merged(files)
        .map(|(tree, _)| entries(&tree).into_iter().map(|(name, _)| name).collect())
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

fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true)) || matches!(value.as_str(), Some("true" | "yes" | "on"))
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
    (read.last().cloned().unwrap_or_default(), 0, key.to_string())
}

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let (tree, read_files) = merged(files)?;
    let Some((_, id)) = entries(&tree)
        .into_iter()
        .find(|(name, _)| name == interface)
    else {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no netplan ethernets entry for {interface}"),
        }
        .into());
    };
    let entry = get(&tree, "network")
        .and_then(|n| get(n, "ethernets"))
        .and_then(|e| get(e, &id))
        .cloned()
        .unwrap_or(Value::Null);
    let mut unread = Vec::new();
    let mut warnings = Vec::new();
    let skip = |key: &str, reason: String, unread: &mut Vec<Unread>| {
        let (file, line, text) = locate(files, &read_files, key);
        unread.push(Unread {
            file,
            line,
            text,
            reason,
        });
    };
    let mut plan = EniPlan::default();
    let Some(entry) = entry.as_mapping() else {
        return Err(Error::Syntax {
            field: format!("network.ethernets.{id}"),
            message: "not a mapping".into(),
        }
        .into());
    };
    plan.mode = Some(if entry.get("dhcp4").is_some_and(truthy) {
        Mode::Dhcp
    } else {
        Mode::Static
    });
    let mut v4: Vec<super::Written> = Vec::new();
    let mut v6: Vec<(String, Option<u8>)> = Vec::new();
    let mut gateway6 = None;
    for (key, value) in entry {
        let Some(key) = key.as_str() else { continue };
        match key {
            "dhcp4" | "set-name" => {}
            "dhcp6" | "accept-ra" if !truthy(value) => {}
            "match" => {
                for (k, v) in value.as_mapping().into_iter().flatten() {
                    match k.as_str() {
                        Some("macaddress") => plan.mac = text(v).map(|m| m.to_lowercase()),
                        Some("name") if text(v).as_deref() == Some(interface) => {}
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
                for address in value.as_sequence().into_iter().flatten() {
                    match text(address) {
                        Some(cidr) => {
                            let (address, prefix) = match cidr.split_once('/') {
                                Some((a, p)) => (a.to_string(), p.parse().ok()),
                                None => (cidr.clone(), None),
                            };
                            if address.contains(':') {
                                v6.push((address, prefix));
                            } else {
                                v4.push((address, prefix));
                            }
                        }
                        None => skip(
                            "addresses",
                            "an address with options is not part of a plan".into(),
                            &mut unread,
                        ),
                    }
                }
            }
            "gateway4" => plan.gateway = text(value),
            "gateway6" => gateway6 = text(value),
            "routes" => {
                for route in value.as_sequence().into_iter().flatten() {
                    let field = |k: &str| get(route, k).and_then(text);
                    let (to, via, table) = (
                        field("to"),
                        field("via"),
                        field("table").and_then(|t| t.parse::<u32>().ok()),
                    );
                    match (to.as_deref(), via) {
                        (Some("default" | "0.0.0.0/0"), Some(via)) if !via.contains(':') => {
                            plan.gateway = Some(via);
                            plan.route_table = table;
                        }
                        (Some("default" | "::/0"), Some(via)) => gateway6 = Some(via),
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
                        Some("addresses") => plan
                            .dns
                            .extend(v.as_sequence().into_iter().flatten().filter_map(text)),
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
    super::place_ipv4(&mut plan, v4);
    if v6.is_empty() && gateway6.is_some() {
        warnings.push("an IPv6 gateway without IPv6 addresses".into());
    }
    plan.ipv6 = super::ipv6_part(v6, gateway6);
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
