//! Plans from the ECS API, for rendering a fleet from one machine: the JSON that
//! `aliyun ecs DescribeNetworkInterfaces` prints, with `aliyun vpc DescribeVSwitches` for each
//! vSwitch's CIDR blocks.
//!
//! Fields read (DescribeNetworkInterfaces: `NetworkInterfaceSets.NetworkInterfaceSet[]`):
//! `NetworkInterfaceId` → `cloud.eni_id`; `MacAddress` → `mac`; `InstanceId` groups the ENIs of
//! an instance; `Type` (`Primary` or `Secondary`) says which ENI carries the main table;
//! `PrivateIpSets.PrivateIpSet[]` with `PrivateIpAddress` and `Primary` → `primary` and
//! `secondaries`; `Ipv6Sets.Ipv6Set[].Ipv6Address` → `ipv6.addresses`; `VSwitchId` finds the
//! vSwitch. DescribeVSwitches (`VSwitches.VSwitch[]`): `VSwitchId`, `CidrBlock` → `prefix`,
//! `Ipv6CidrBlock` → `ipv6.prefix`.
//!
//! What the API does not say, the caller supplies: the OS interface name of each MAC (the OS
//! decides it: `--nic MAC=NAME`), each vSwitch's gateway (`--gateway VSWITCH=ADDRESS`, or one
//! address for all), the region (`--region`; the output does not repeat the request's
//! `RegionId`) and the DNS servers (none is planned; the host keeps what DHCP gave it).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde_json::Value;

use super::{eni_plan, finish, json_type, parse_json, Eni, NicNames};
use crate::error::{Error, Errors};
use crate::model::MacAddr;
use crate::plan::{EniPlan, Ipv6Plan, Provider};
use crate::validate::parse_mac;

/// What the caller adds to the API's output.
#[derive(Debug, Clone, Default)]
pub struct ApiContext {
    /// The OS name of each MAC.
    pub names: NicNames,
    /// The gateway of each vSwitch, by id; `None` as the key is the gateway of every vSwitch
    /// not named.
    pub gateways: BTreeMap<Option<String>, String>,
    /// The region the API was called in.
    pub region: Option<String>,
    /// The instance whose ENIs to plan, when the output holds several.
    pub instance: Option<String>,
}

impl ApiContext {
    /// Adds gateways given as a map from vSwitch id to address, the key `*` naming the gateway
    /// of every vSwitch not named (the Python and JavaScript form of `--gateway`).
    pub fn add_gateway_map<'a>(&mut self, gateways: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (vswitch, address) in gateways {
            let key = (vswitch != "*").then(|| vswitch.to_string());
            self.gateways.insert(key, address.to_string());
        }
    }

    /// Reads `--gateway` values: `VSWITCH=ADDRESS`, or a bare `ADDRESS` for every vSwitch.
    pub fn add_gateway(&mut self, value: &str) {
        match value.split_once('=') {
            Some((vswitch, address)) => self
                .gateways
                .insert(Some(vswitch.to_string()), address.to_string()),
            None => self.gateways.insert(None, value.to_string()),
        };
    }
}

/// One plan per ENI of the instance in `interfaces` (DescribeNetworkInterfaces' output), the
/// primary ENI first, with prefixes from `vswitches` (DescribeVSwitches' output).
pub fn plans_from_api(
    interfaces: &str,
    vswitches: &str,
    context: &ApiContext,
) -> Result<Vec<EniPlan>, Errors> {
    let interfaces = parse_json("interfaces", interfaces)?;
    let vswitches = parse_json("vswitches", vswitches)?;
    let mut errors = Vec::new();
    let sets = items(
        &interfaces,
        &["NetworkInterfaceSets", "NetworkInterfaceSet"],
        &mut errors,
    );
    let switches = items(&vswitches, &["VSwitches", "VSwitch"], &mut errors);
    let mut by_id: BTreeMap<&str, &Value> = BTreeMap::new();
    for switch in &switches {
        if let Some(id) = switch.get("VSwitchId").and_then(Value::as_str) {
            by_id.insert(id, switch);
        }
    }
    let instance = pick_instance(
        sets.iter()
            .filter_map(|eni| eni.get("InstanceId").and_then(Value::as_str)),
        context,
        "NetworkInterfaceSets.NetworkInterfaceSet",
        &mut errors,
    );
    let mut enis = Vec::new();
    let mut seen = Vec::new();
    let mut primary = None;
    for (index, eni) in sets.iter().enumerate() {
        if instance.is_none() || eni.get("InstanceId").and_then(Value::as_str) != instance {
            continue;
        }
        let path = format!("NetworkInterfaceSets.NetworkInterfaceSet[{index}]");
        let before = errors.len();
        let Some(named) = mac_and_id(eni, &path, &mut errors) else {
            continue;
        };
        seen.push(named.mac);
        if eni.get("Type").and_then(Value::as_str) == Some("Primary") {
            primary = Some(named.mac);
        }
        if let Some(eni) = read_eni(&path, eni, named, &by_id, context, &mut errors) {
            if errors.len() == before {
                enis.push(eni);
            }
        }
    }
    if instance.is_some() && primary.is_none() && errors.is_empty() {
        errors.push(Error::Missing {
            field: "NetworkInterfaceSets.NetworkInterfaceSet[].Type".into(),
            hint: "no ENI of the instance has Type Primary".into(),
        });
    }
    finish(enis, &seen, primary, errors)
}

/// An ENI's private IPv4 addresses as both EC2 and the ECS API list them: entries at `list`
/// (`PrivateIpSets.PrivateIpSet`, `PrivateIpAddresses`) each with `PrivateIpAddress` and
/// `Primary`, exactly one primary, which the ENI's own `PrivateIpAddress` repeats. Every
/// problem is recorded with its key path; `None` when no plan is safe.
pub(crate) fn primary_and_secondaries(
    eni: &Value,
    path: &str,
    list: &[&str],
    errors: &mut Vec<Error>,
) -> Option<(String, Vec<String>)> {
    let at = list.join(".");
    let entries = list
        .iter()
        .try_fold(eni, |node, key| node.get(*key))
        .and_then(Value::as_array)
        .filter(|entries| !entries.is_empty());
    let Some(entries) = entries else {
        errors.push(Error::Missing {
            field: format!("{path}.{at}"),
            hint: "the ENI lists no private IPv4 address; planning from it would remove every \
                   address it has"
                .into(),
        });
        return None;
    };
    let mut primary = None;
    let mut secondaries = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let here = format!("{path}.{at}[{index}]");
        let Some(address) = required_text(
            entry,
            &here,
            "PrivateIpAddress",
            "every entry has its address",
            errors,
        ) else {
            continue;
        };
        if entry.get("Primary").and_then(Value::as_bool) == Some(true) {
            if let Some(first) = primary.replace(address.to_string()) {
                errors.push(Error::Contradiction {
                    field: format!("{here}.Primary"),
                    value: address.into(),
                    other: format!("another primary, {first}"),
                });
            }
        } else {
            secondaries.push(address.to_string());
        }
    }
    let Some(primary) = primary else {
        errors.push(Error::Missing {
            field: format!("{path}.{at}[].Primary"),
            hint: "no address is marked Primary; without the ENI's primary address no plan is safe"
                .into(),
        });
        return None;
    };
    if let Some(listed) = text(eni, path, "PrivateIpAddress", errors) {
        if listed != primary {
            errors.push(Error::Contradiction {
                field: format!("{path}.PrivateIpAddress"),
                value: listed.into(),
                other: format!("the address marked Primary, {primary}"),
            });
        }
    }
    Some((primary, secondaries))
}

/// Records each of `addresses` that `network` lacks: the output contradicts itself.
pub(crate) fn within_subnet<'a>(
    addresses: impl IntoIterator<Item = &'a String>,
    network: Ipv4Net,
    field: &str,
    subnet: &str,
    errors: &mut Vec<Error>,
) {
    for address in addresses {
        if let Ok(ip) = address.parse::<Ipv4Addr>() {
            if !network.contains(&ip) {
                errors.push(Error::Contradiction {
                    field: field.to_string(),
                    value: address.clone(),
                    other: format!("{subnet} {network}, which lacks it"),
                });
            }
        }
    }
}

/// The instance whose ENIs to plan: the context's (which must be in the output), or the only
/// one the output holds; otherwise an error asking for `--instance`. `listing` names the list
/// in the output, for the error when it holds no attached ENI.
pub(crate) fn pick_instance<'v>(
    ids: impl Iterator<Item = &'v str>,
    context: &ApiContext,
    listing: &str,
    errors: &mut Vec<Error>,
) -> Option<&'v str> {
    let mut instances: Vec<&str> = ids.filter(|id| !id.is_empty()).collect();
    instances.sort_unstable();
    instances.dedup();
    match (&context.instance, instances.as_slice()) {
        (Some(wanted), _) => match instances.iter().find(|id| *id == wanted) {
            Some(id) => Some(*id),
            None => {
                errors.push(Error::Missing {
                    field: "instance".into(),
                    hint: format!(
                        "no ENI of instance {wanted} is in the output; it lists {}",
                        list_or_none(&instances)
                    ),
                });
                None
            }
        },
        (None, [one]) => Some(*one),
        (None, []) => {
            errors.push(Error::Missing {
                field: listing.into(),
                hint: "the output lists no ENI attached to an instance".into(),
            });
            None
        }
        (None, several) => {
            errors.push(Error::Missing {
                field: "instance".into(),
                hint: format!(
                    "the output holds the ENIs of several instances ({}); name one with \
                     --instance",
                    several.join(", ")
                ),
            });
            None
        }
    }
}

fn list_or_none(ids: &[&str]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

/// The list at `keys` (`{"A": {"B": [...]}}`), or an error naming the path.
pub(crate) fn items<'v>(root: &'v Value, keys: &[&str], errors: &mut Vec<Error>) -> Vec<&'v Value> {
    let path = keys.join(".");
    let mut node = root;
    for key in keys {
        match node.get(*key) {
            Some(child) => node = child,
            None => {
                errors.push(Error::Missing {
                    field: path,
                    hint: "not the output this option takes (see `eniplan plan --help`)".into(),
                });
                return Vec::new();
            }
        }
    }
    match node {
        Value::Array(list) => list.iter().collect(),
        other => {
            errors.push(Error::Syntax {
                field: path,
                message: format!("expected a list, found {}", json_type(other)),
            });
            Vec::new()
        }
    }
}

/// Like [`text`] for a key every such entry has: its absence is reported too, with `hint`.
pub(crate) fn required_text<'v>(
    node: &'v Value,
    path: &str,
    key: &str,
    hint: &str,
    errors: &mut Vec<Error>,
) -> Option<&'v str> {
    let found = text(node, path, key, errors);
    if found.is_none() {
        errors.push(Error::Missing {
            field: format!("{path}.{key}"),
            hint: hint.into(),
        });
    }
    found
}

pub(crate) fn text<'v>(
    node: &'v Value,
    path: &str,
    key: &str,
    errors: &mut Vec<Error>,
) -> Option<&'v str> {
    match node.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text),
        None | Some(Value::Null) => None,
        Some(Value::String(_)) => None,
        Some(other) => {
            errors.push(Error::Syntax {
                field: format!("{path}.{key}"),
                message: format!("expected a string, found {}", json_type(other)),
            });
            None
        }
    }
}

/// An ENI's MAC address and id, as Alibaba Cloud's and AWS's API output name them.
pub(crate) struct Named {
    /// `MacAddress`: every ENI has one.
    pub(crate) mac: MacAddr,
    /// `NetworkInterfaceId`.
    pub(crate) eni_id: Option<String>,
}

/// Reads an ENI's `MacAddress` (an ENI without one, or with one that is no MAC, is reported:
/// the output is incomplete) and its `NetworkInterfaceId`.
pub(crate) fn mac_and_id(eni: &Value, path: &str, errors: &mut Vec<Error>) -> Option<Named> {
    let mac_text = required_text(
        eni,
        path,
        "MacAddress",
        "every ENI has one; the output is incomplete",
        errors,
    )?;
    let mac = parse_mac(&format!("{path}.MacAddress"), mac_text)
        .map_err(|error| errors.push(error))
        .ok()?;
    let eni_id = text(eni, path, "NetworkInterfaceId", errors).map(str::to_string);
    Some(Named { mac, eni_id })
}

/// The OS's name of the NIC with `mac`, which no cloud's API knows: `--nic MAC=NAME` gives it.
pub(crate) fn interface_name<'c>(
    mac: MacAddr,
    path: &str,
    context: &'c ApiContext,
    errors: &mut Vec<Error>,
) -> Option<&'c str> {
    let name = context.names.get(mac);
    if name.is_none() {
        errors.push(Error::Missing {
            field: format!("{path}.MacAddress (interface name)"),
            hint: format!("the API does not know the OS's interface names; pass --nic {mac}=NAME"),
        });
    }
    name
}

fn read_eni(
    path: &str,
    eni: &Value,
    Named { mac, eni_id }: Named,
    vswitches: &BTreeMap<&str, &Value>,
    context: &ApiContext,
    errors: &mut Vec<Error>,
) -> Option<Eni> {
    let missing = |field: &str, hint: &str| Error::Missing {
        field: format!("{path}.{field}"),
        hint: hint.into(),
    };
    let (primary, secondaries) =
        primary_and_secondaries(eni, path, &["PrivateIpSets", "PrivateIpSet"], errors)?;
    let vswitch_id = text(eni, path, "VSwitchId", errors);
    let vswitch = vswitch_id.and_then(|id| vswitches.get(id).copied());
    let Some(vswitch) = vswitch else {
        errors.push(missing(
            "VSwitchId",
            &format!(
                "vSwitch {} is not in the DescribeVSwitches output, so the prefix is unknown",
                vswitch_id.unwrap_or("(none)")
            ),
        ));
        return None;
    };
    let cidr = vswitch
        .get("CidrBlock")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Ok(subnet) = cidr.parse::<Ipv4Net>() else {
        errors.push(Error::InvalidAddress {
            field: format!("VSwitches.VSwitch[{}].CidrBlock", vswitch_id.unwrap_or("")),
            value: cidr.into(),
            kind: "IPv4 CIDR",
            reason: "expected address/prefix, e.g. 192.168.1.0/24".into(),
        });
        return None;
    };
    let gateway = vswitch_id
        .and_then(|id| context.gateways.get(&Some(id.to_string())))
        .or_else(|| context.gateways.get(&None));
    let Some(gateway) = gateway else {
        errors.push(Error::Missing {
            field: format!("gateway ({})", vswitch_id.unwrap_or("")),
            hint: format!(
                "the API does not give a vSwitch's gateway; pass --gateway {}=ADDRESS (the \
                 address `ip route` shows as the default on the host), or one --gateway ADDRESS \
                 for every vSwitch",
                vswitch_id.unwrap_or("VSWITCH")
            ),
        });
        return None;
    };
    if let Ok(address) = gateway.parse::<Ipv4Addr>() {
        if !subnet.contains(&address) {
            errors.push(Error::Contradiction {
                field: format!("gateway ({})", vswitch_id.unwrap_or("")),
                value: gateway.clone(),
                other: format!("the vSwitch's CidrBlock {cidr}, which does not hold it"),
            });
        }
    }
    let ipv6: Vec<String> = eni
        .get("Ipv6Sets")
        .and_then(|sets| sets.get("Ipv6Set"))
        .and_then(Value::as_array)
        .map(|sets| {
            sets.iter()
                .filter_map(|set| set.get("Ipv6Address").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let ipv6 = (!ipv6.is_empty()).then(|| Ipv6Plan {
        addresses: ipv6,
        prefix: vswitch
            .get("Ipv6CidrBlock")
            .and_then(Value::as_str)
            .and_then(|cidr| cidr.parse::<Ipv6Net>().ok())
            .map(|net| net.prefix_len()),
        gateway: None,
    });
    let interface = interface_name(mac, path, context, errors)?;
    let plan = EniPlan {
        interface: Some(interface.to_string()),
        mac: Some(mac.to_string()),
        primary: Some(primary),
        secondaries,
        prefix: Some(subnet.prefix_len()),
        gateway: Some(gateway.clone()),
        ipv6,
        ..eni_plan(Provider::Aliyun, context.region.as_deref(), eni_id)
    };
    Some(Eni {
        path: path.to_string(),
        mac,
        plan,
        table: None,
    })
}
