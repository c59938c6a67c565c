//! Plans from the EC2 API, for rendering a fleet from one machine: the JSON that
//! `aws ec2 describe-network-interfaces` prints, with `aws ec2 describe-subnets` for each
//! subnet's CIDR blocks (EC2 API Reference: `NetworkInterface`, `Subnet`).
//!
//! Fields read (`NetworkInterfaces[]`): `NetworkInterfaceId` → `cloud.eni_id`; `MacAddress` →
//! `mac`; `Attachment.InstanceId` groups the ENIs of an instance; `Attachment.DeviceIndex` and
//! `Attachment.NetworkCardIndex` (0 when absent) give the route table (10000 + 100 × card +
//! device, as the metadata reader and amazon-ec2-net-utils number them) and the primary ENI
//! (device 0 on card 0); `PrivateIpAddresses[]` with `PrivateIpAddress` and `Primary` →
//! `primary` and `secondaries`; `Ipv6Addresses[].Ipv6Address` → `ipv6.addresses`; `SubnetId`
//! finds the subnet. `describe-subnets` (`Subnets[]`): `SubnetId`, `CidrBlock` → `prefix` and
//! the gateway (the VPC router, the subnet's first host, as for the metadata),
//! `Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock` → each IPv6 address's prefix.
//!
//! What the API does not say, the caller supplies: the OS interface name of each MAC, the
//! region (`--region`; the output does not repeat it) and the instance when the output holds
//! several. A gateway given for a subnet (`--gateway SUBNET=ADDRESS`) replaces the router's
//! address. No DNS server is planned: the subnet's output does not carry its VPC's CIDR block,
//! where the Amazon DNS server lives; the host keeps what DHCP gave it.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde_json::Value;

use super::api::{
    interface_name, items, mac_and_id, pick_instance, primary_and_secondaries, text, within_subnet,
    ApiContext, Named,
};
use super::{eni_plan, finish, json_type, parse_json, Eni};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Ipv6Plan, Provider};

/// The first route table number of amazon-ec2-net-utils' scheme (as the metadata reader's).
const TABLE_BASE: u32 = 10000;

/// One plan per ENI of the instance in `interfaces` (`describe-network-interfaces` output), the
/// primary ENI first, with prefixes and gateways from `subnets` (`describe-subnets` output).
pub fn plans_from_aws_api(
    interfaces: &str,
    subnets: &str,
    context: &ApiContext,
) -> Result<Vec<EniPlan>, Errors> {
    let interfaces = parse_json("interfaces", interfaces)?;
    let subnets = parse_json("subnets", subnets)?;
    let mut errors = Vec::new();
    let enis = items(&interfaces, &["NetworkInterfaces"], &mut errors);
    let listed = items(&subnets, &["Subnets"], &mut errors);
    let by_id: BTreeMap<&str, &Value> = listed
        .iter()
        .filter_map(|subnet| Some((subnet.get("SubnetId")?.as_str()?, *subnet)))
        .collect();
    fn instance_of(eni: &Value) -> Option<&str> {
        eni.get("Attachment")
            .and_then(|attachment| attachment.get("InstanceId"))
            .and_then(Value::as_str)
    }
    let instance = pick_instance(
        enis.iter().copied().filter_map(instance_of),
        context,
        "NetworkInterfaces",
        &mut errors,
    );
    let mut planned = Vec::new();
    let mut seen = Vec::new();
    let mut primary = None;
    // (network card, device) → the path that claims it.
    let mut slots: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for (index, eni) in enis.iter().enumerate() {
        if instance.is_none() || instance_of(eni) != instance {
            continue;
        }
        let path = format!("NetworkInterfaces[{index}]");
        let before = errors.len();
        let named = mac_and_id(eni, &path, &mut errors);
        let slot = slot(eni, &path, &mut errors);
        if let Some(named) = &named {
            seen.push(named.mac);
            if slot == Some((0, 0)) {
                primary = Some(named.mac);
            }
        }
        if let Some(slot) = slot {
            if let Some(other) = slots.insert(slot, path.clone()) {
                errors.push(Error::Contradiction {
                    field: format!("{path}.Attachment.DeviceIndex"),
                    value: slot.1.to_string(),
                    other: format!("{other}, on the same network card {}", slot.0),
                });
            }
        }
        let Some(named) = named else {
            continue;
        };
        if let Some(eni) = read_eni(&path, eni, named, slot, &by_id, context, &mut errors) {
            if errors.len() == before {
                planned.push(eni);
            }
        }
    }
    if instance.is_some() && primary.is_none() && errors.is_empty() {
        errors.push(Error::Missing {
            field: "NetworkInterfaces[].Attachment.DeviceIndex".into(),
            hint: "no ENI of the instance is device 0 on network card 0, its primary ENI".into(),
        });
        return Err(Errors::new(errors));
    }
    finish(planned, &seen, primary, errors)
}

/// The ENI's network card and device index, from its attachment.
fn slot(eni: &Value, path: &str, errors: &mut Vec<Error>) -> Option<(u32, u32)> {
    let attachment = eni.get("Attachment")?;
    let number = |key: &str, errors: &mut Vec<Error>| match attachment.get(key) {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(number) => Some(number),
            None => {
                errors.push(Error::Syntax {
                    field: format!("{path}.Attachment.{key}"),
                    message: format!("expected a whole number, found {}", json_type(value)),
                });
                None
            }
        },
    };
    let Some(device) = number("DeviceIndex", errors) else {
        errors.push(Error::Missing {
            field: format!("{path}.Attachment.DeviceIndex"),
            hint: "the ENI's device index keeps its route table the same across reboots".into(),
        });
        return None;
    };
    let card = number("NetworkCardIndex", errors).unwrap_or(0);
    Some((card, device))
}

fn read_eni(
    path: &str,
    eni: &Value,
    Named { mac, eni_id }: Named,
    slot: Option<(u32, u32)>,
    subnets: &BTreeMap<&str, &Value>,
    context: &ApiContext,
    errors: &mut Vec<Error>,
) -> Option<Eni> {
    let missing = |field: &str, hint: &str| Error::Missing {
        field: format!("{path}.{field}"),
        hint: hint.into(),
    };
    let (primary, secondaries) =
        primary_and_secondaries(eni, path, &["PrivateIpAddresses"], errors)?;
    let subnet_id = text(eni, path, "SubnetId", errors);
    let Some(subnet) = subnet_id.and_then(|id| subnets.get(id).copied()) else {
        errors.push(missing(
            "SubnetId",
            &format!(
                "subnet {} is not in the describe-subnets output, so the prefix is unknown",
                subnet_id.unwrap_or("(none)")
            ),
        ));
        return None;
    };
    let subnet_id = subnet_id.unwrap_or_default();
    let cidr = subnet
        .get("CidrBlock")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Ok(network) = cidr.parse::<Ipv4Net>().map(|net| net.trunc()) else {
        errors.push(Error::InvalidAddress {
            field: format!("Subnets[{subnet_id}].CidrBlock"),
            value: cidr.into(),
            kind: "IPv4 CIDR",
            reason: "expected address/prefix, e.g. 10.0.1.0/24".into(),
        });
        return None;
    };
    within_subnet(
        std::iter::once(&primary).chain(&secondaries),
        network,
        &format!("{path}.PrivateIpAddresses"),
        &format!("subnet {subnet_id}'s CidrBlock"),
        errors,
    );
    // The VPC router: the subnet's base address plus one ("Subnet CIDR blocks", VPC User
    // Guide), unless the caller names another.
    let router = Ipv4Addr::from(u32::from(network.network()).saturating_add(1)).to_string();
    let gateway = context
        .gateways
        .get(&Some(subnet_id.to_string()))
        .or_else(|| context.gateways.get(&None))
        .cloned()
        .unwrap_or(router);
    let ipv6 = ipv6(eni, path, subnet, subnet_id, errors);
    let interface = interface_name(mac, path, context, errors)?;
    let plan = EniPlan {
        interface: Some(interface.to_string()),
        mac: Some(mac.to_string()),
        primary: Some(primary),
        secondaries,
        prefix: Some(network.prefix_len()),
        gateway: Some(gateway),
        ipv6,
        ..eni_plan(Provider::Aws, context.region.as_deref(), eni_id)
    };
    Some(Eni {
        path: path.to_string(),
        mac,
        plan,
        table: slot.map(|(card, device)| TABLE_BASE + 100 * card + device),
    })
}

/// The ENI's IPv6 addresses, each with the prefix of the subnet block that holds it (the
/// first block's for an address none holds: validation then names it).
fn ipv6(
    eni: &Value,
    path: &str,
    subnet: &Value,
    subnet_id: &str,
    errors: &mut Vec<Error>,
) -> Option<Ipv6Plan> {
    let addresses: Vec<String> = eni
        .get("Ipv6Addresses")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|entry| entry.get("Ipv6Address").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    if addresses.is_empty() {
        return None;
    }
    let blocks: Vec<Ipv6Net> = subnet
        .get("Ipv6CidrBlockAssociationSet")
        .and_then(Value::as_array)
        .map(|set| {
            set.iter()
                .filter_map(|entry| entry.get("Ipv6CidrBlock").and_then(Value::as_str))
                .filter_map(|cidr| cidr.parse::<Ipv6Net>().ok())
                .collect()
        })
        .unwrap_or_default();
    let holder = addresses
        .first()
        .and_then(|first| first.parse::<Ipv6Addr>().ok())
        .and_then(|first| blocks.iter().find(|block| block.contains(&first)))
        .or(blocks.first());
    let Some(block) = holder else {
        errors.push(Error::Missing {
            field: format!("Subnets[{subnet_id}].Ipv6CidrBlockAssociationSet"),
            hint: format!(
                "{path} has IPv6 addresses, but its subnet lists no IPv6 CIDR block for their \
                 prefix"
            ),
        });
        return None;
    };
    Some(Ipv6Plan {
        addresses,
        prefix: Some(block.prefix_len()),
        gateway: None,
    })
}
