//! Plans from Azure's resource API, for rendering a fleet from one machine: the JSON that
//! `az network nic list --resource-group RG` (or `az network nic show`) prints, with
//! `az network vnet subnet list` (or `show`) for each subnet's address prefixes (Azure REST API
//! reference: "Network Interfaces", "Subnets"; the CLI prints their properties flattened, in
//! camelCase).
//!
//! Fields read per NIC: `name` → `cloud.nic_name`, `resourceGroup` → `cloud.resource_group`,
//! `location` → `cloud.region`; `macAddress` (`00-0D-3A-…`) → `mac`; `virtualMachine.id` groups
//! the NICs of a VM (its last segment, the VM's name, is what `--instance` names); `primary`
//! marks the VM's primary NIC; `ipConfigurations[]`: `privateIPAddress`,
//! `privateIPAddressVersion`, `primary` (the primary IPv4 ip-config holds the NIC's primary
//! address) and `name` → `cloud.ip_configs` for each other address whose ip-config is not
//! named as eniplan names its own; `subnet.id` finds the subnet. Subnets: `id`,
//! `addressPrefix` or `addressPrefixes` → `prefix` and `ipv6.prefix`. As for the metadata, the
//! gateway is the subnet's first host (or the caller's, `--gateway SUBNET=ADDRESS` by subnet
//! name) and DNS is Azure's resolver, 168.63.129.16. What the API does not say, the caller
//! supplies: the OS interface name of each MAC, and the VM when the output holds several.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde_json::Value;

use super::api::{pick_instance, required_text, text, within_subnet, ApiContext};
use super::azure::AZURE_DNS;
use super::{eni_plan, finish, json_type, parse_json, Eni};
use crate::error::{Error, Errors};
use crate::model::own_ip_config;
use crate::plan::{EniPlan, Ipv6Plan, Provider};
use crate::validate::parse_mac;

/// One plan per NIC of the VM in `nics` (`az network nic list` or `show` output), the primary
/// NIC first, with prefixes from `subnets` (`az network vnet subnet list` or `show` output).
pub fn plans_from_azure_api(
    nics: &str,
    subnets: &str,
    context: &ApiContext,
) -> Result<Vec<EniPlan>, Errors> {
    let nics = parse_json("nics", nics)?;
    let subnets = parse_json("subnets", subnets)?;
    let mut errors = Vec::new();
    let nics = one_or_many(&nics, "nics", &mut errors);
    // Azure's resource ids are case-insensitive.
    let by_id: BTreeMap<String, &Value> = one_or_many(&subnets, "subnets", &mut errors)
        .into_iter()
        .filter_map(|subnet| Some((subnet.get("id")?.as_str()?.to_lowercase(), subnet)))
        .collect();
    fn vm_of(nic: &Value) -> Option<&str> {
        nic.get("virtualMachine")
            .and_then(|vm| vm.get("id"))
            .and_then(Value::as_str)
            .and_then(|id| id.rsplit('/').next())
    }
    // `--instance` may be the VM's name or its whole resource id.
    let mut wanted = context.clone();
    if let Some(instance) = &context.instance {
        wanted.instance = instance.rsplit('/').next().map(str::to_string);
    }
    let vm = pick_instance(
        nics.iter().copied().filter_map(vm_of),
        &wanted,
        "nics",
        &mut errors,
    );
    let mut planned = Vec::new();
    let mut seen = Vec::new();
    let mut primary = None;
    for (index, nic) in nics.iter().enumerate() {
        if vm.is_none() || vm_of(nic) != vm {
            continue;
        }
        let path = format!("nics[{index}]");
        let before = errors.len();
        let mac = text(nic, &path, "macAddress", &mut errors).and_then(|mac| {
            parse_mac(&format!("{path}.macAddress"), mac)
                .map_err(|error| errors.push(error))
                .ok()
        });
        let Some(mac) = mac else {
            if errors.len() == before {
                errors.push(Error::Missing {
                    field: format!("{path}.macAddress"),
                    hint: "the NIC's MAC is how the host's NIC is found".into(),
                });
            }
            continue;
        };
        seen.push(mac);
        if nic.get("primary").and_then(Value::as_bool) == Some(true) {
            if let Some(other) = primary.replace(mac) {
                errors.push(Error::Contradiction {
                    field: format!("{path}.primary"),
                    value: "true".into(),
                    other: format!("the NIC with MAC {other}, also primary"),
                });
            }
        }
        if let Some(eni) = read_nic(&path, nic, mac, &by_id, context, &mut errors) {
            if errors.len() == before {
                planned.push(eni);
            }
        }
    }
    finish(planned, &seen, primary, errors)
}

/// A list the CLI printed (`list`), or the one object it printed (`show`).
fn one_or_many<'v>(root: &'v Value, what: &str, errors: &mut Vec<Error>) -> Vec<&'v Value> {
    match root {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![root],
        other => {
            errors.push(Error::Syntax {
                field: what.into(),
                message: format!("expected a list or an object, found {}", json_type(other)),
            });
            Vec::new()
        }
    }
}

fn read_nic(
    path: &str,
    nic: &Value,
    mac: crate::model::MacAddr,
    subnets: &BTreeMap<String, &Value>,
    context: &ApiContext,
    errors: &mut Vec<Error>,
) -> Option<Eni> {
    let configs = nic
        .get("ipConfigurations")
        .and_then(Value::as_array)
        .filter(|list| !list.is_empty());
    let Some(configs) = configs else {
        errors.push(Error::Missing {
            field: format!("{path}.ipConfigurations"),
            hint: "the NIC lists no ip-configuration; planning from it would remove every \
                   address it has"
                .into(),
        });
        return None;
    };
    let mut primary = None;
    let mut secondaries = Vec::new();
    let mut ipv6 = Vec::new();
    let mut names = BTreeMap::new();
    let mut subnet_id = None;
    for (index, config) in configs.iter().enumerate() {
        let here = format!("{path}.ipConfigurations[{index}]");
        let Some(address) = required_text(
            config,
            &here,
            "privateIPAddress",
            "every ip-configuration has its address",
            errors,
        ) else {
            continue;
        };
        let name = text(config, &here, "name", errors).unwrap_or_default();
        let v6 = config
            .get("privateIPAddressVersion")
            .and_then(Value::as_str)
            == Some("IPv6")
            || address.contains(':');
        if v6 {
            ipv6.push(address.to_string());
        } else if config.get("primary").and_then(Value::as_bool) == Some(true) {
            if let Some(first) = primary.replace(address.to_string()) {
                errors.push(Error::Contradiction {
                    field: format!("{here}.primary"),
                    value: address.into(),
                    other: format!("another primary ip-configuration, {first}"),
                });
            }
            subnet_id = config
                .get("subnet")
                .and_then(|subnet| subnet.get("id"))
                .and_then(Value::as_str);
            continue;
        } else {
            secondaries.push(address.to_string());
        }
        // An address's ip-config is recorded where its name is not the one eniplan gives.
        if let Ok(parsed) = address.parse::<IpAddr>() {
            if !name.is_empty() && name != own_ip_config(parsed) {
                names.insert(address.to_string(), name.to_string());
            }
        }
    }
    let Some(primary) = primary else {
        errors.push(Error::Missing {
            field: format!("{path}.ipConfigurations[].primary"),
            hint: "no IPv4 ip-configuration is marked primary; without the NIC's primary address \
                   no plan is safe"
                .into(),
        });
        return None;
    };
    let Some(subnet) = subnet_id.and_then(|id| subnets.get(&id.to_lowercase()).copied()) else {
        errors.push(Error::Missing {
            field: format!("{path}.ipConfigurations[].subnet.id"),
            hint: format!(
                "subnet {} is not in the subnet output, so the prefix is unknown",
                subnet_id.unwrap_or("(none)")
            ),
        });
        return None;
    };
    let subnet_name = subnet_id.and_then(|id| id.rsplit('/').next()).unwrap_or("");
    let prefixes: Vec<IpNet> = subnet
        .get("addressPrefixes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(subnet.get("addressPrefix"))
        .filter_map(Value::as_str)
        .filter_map(|cidr| cidr.parse::<IpNet>().ok())
        .collect();
    let Some(network) = prefixes.iter().find_map(|net| match net {
        IpNet::V4(net) => Some(net.trunc()),
        IpNet::V6(_) => None,
    }) else {
        errors.push(Error::Missing {
            field: format!("subnets[{subnet_name}].addressPrefix"),
            hint: "the subnet has no IPv4 address prefix, so the NIC's prefix is unknown".into(),
        });
        return None;
    };
    within_subnet(
        std::iter::once(&primary).chain(&secondaries),
        network,
        &format!("{path}.ipConfigurations"),
        &format!("subnet {subnet_name}'s prefix"),
        errors,
    );
    let ipv6 = (!ipv6.is_empty()).then(|| Ipv6Plan {
        addresses: ipv6,
        // An Azure IPv6 subnet is a /64, which the metadata reader assumes too.
        prefix: Some(
            prefixes
                .iter()
                .find_map(|net| match net {
                    IpNet::V6(net) => Some(net.prefix_len()),
                    IpNet::V4(_) => None,
                })
                .unwrap_or(64),
        ),
        gateway: None,
    });
    let Some(interface) = context.names.get(mac) else {
        errors.push(Error::Missing {
            field: format!("{path}.macAddress (interface name)"),
            hint: format!("the API does not know the OS's interface names; pass --nic {mac}=NAME"),
        });
        return None;
    };
    // The subnet's first host, unless the caller names another (by subnet name).
    let gateway = context
        .gateways
        .get(&Some(subnet_name.to_string()))
        .or_else(|| context.gateways.get(&None))
        .cloned()
        .unwrap_or_else(|| gateway_of(network).to_string());
    let region = text(nic, path, "location", errors);
    let mut plan = EniPlan {
        interface: Some(interface.to_string()),
        mac: Some(mac.to_string()),
        primary: Some(primary),
        secondaries,
        prefix: Some(network.prefix_len()),
        gateway: Some(gateway),
        dns: vec![AZURE_DNS.into()],
        ipv6,
        ..eni_plan(Provider::Azure, region, None)
    };
    if let Some(cloud) = plan.cloud.as_mut() {
        cloud.resource_group = text(nic, path, "resourceGroup", errors).map(str::to_string);
        cloud.nic_name = text(nic, path, "name", errors).map(str::to_string);
        cloud.ip_configs = names;
    }
    Some(Eni {
        path: path.to_string(),
        mac,
        plan,
        table: None,
    })
}

/// Azure's default gateway: the subnet's first host (Azure Virtual Network FAQ).
fn gateway_of(network: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(network.network()).saturating_add(1))
}
