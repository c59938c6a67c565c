//! Plans from the EC2 instance metadata service (IMDSv2, `http://169.254.169.254/latest/meta-data/`).
//!
//! Input: the tree under `latest/meta-data/` gathered into one JSON object by path (with or
//! without those two levels), each value as its endpoint prints it: text, lists one item per
//! line. Items read, per the EC2 User Guide's "Instance metadata categories":
//!
//! | item | becomes |
//! |---|---|
//! | `mac` (the instance's own: device 0 on network card 0) | the primary ENI, with the main table |
//! | `placement/region` | `cloud.region` |
//! | `network/interfaces/macs/<mac>/interface-id` | `cloud.eni_id` |
//! | `…/local-ipv4s`, the first the primary | `primary`, `secondaries` |
//! | `…/subnet-ipv4-cidr-block` | `prefix`; `gateway` is its first host |
//! | `…/vpc-ipv4-cidr-block` | `dns`: the Amazon DNS server, the VPC's base address plus two |
//! | `…/device-number`, `…/network-card-index` (0 when absent) | `route_table` 10000 + 100 × card + device for every other ENI |
//! | `…/ipv6s`, `…/subnet-ipv6-cidr-blocks` | `ipv6`, each address with its subnet's prefix |
//!
//! There is no gateway key: the VPC router answers at the subnet's base address plus one
//! ("Subnet CIDR blocks": the first four addresses and the last are reserved, the second for
//! the router). The route tables are keyed by device and network card as amazon-ec2-net-utils
//! numbers them (`rule_base` 10000 in lib/lib.sh), so they stay the same across reboots and
//! whatever order the OS names the NICs in. IPv6's default route comes from the router's
//! advertisements; no IPv6 gateway is planned. DNS: the Amazon DNS server at the VPC's base
//! plus two ("Amazon DNS server", VPC User Guide), which answers every instance; a DHCP options
//! set's own servers reach an instance only through DHCP, not through the metadata.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde_json::{Map, Value};

use super::tree::{join, unwrap_levels, Reader};
use super::{eni_plan, finish, parse_json, Eni, NicNames};
use crate::error::{Error, Errors};
use crate::model::MacAddr;
use crate::plan::{EniPlan, Ipv6Plan, Provider};
use crate::validate::parse_mac;

/// The instance-wide items the reader takes.
pub const INSTANCE_ITEMS: &[&str] = &["mac", "placement/region"];

/// The items the reader takes per ENI, under `network/interfaces/macs/<mac>/`.
pub const ENI_ITEMS: &[&str] = &[
    "device-number",
    "network-card-index",
    "interface-id",
    "local-ipv4s",
    "subnet-ipv4-cidr-block",
    "vpc-ipv4-cidr-block",
    "ipv6s",
    "subnet-ipv6-cidr-blocks",
];

/// The first route table number of amazon-ec2-net-utils' scheme.
const TABLE_BASE: u32 = 10000;

/// One plan per ENI described by an EC2 metadata `document`, the primary ENI first; `names`
/// gives each MAC's interface name on the host.
pub fn plans_from_aws_metadata(document: &str, names: &NicNames) -> Result<Vec<EniPlan>, Errors> {
    let root = parse_json("metadata", document)?;
    let mut reader = Reader::default();
    let Some(root) = reader.object("", unwrap_levels(&root)) else {
        return Err(Errors::new(reader.errors));
    };
    let region = root
        .get("placement")
        .and_then(|placement| reader.object("placement", placement))
        .and_then(|placement| reader.text(placement, "placement", "region"));
    let primary_mac = reader
        .text(root, "", "mac")
        .and_then(|mac| reader.keep(parse_mac("mac", &mac)));
    let mut enis = Vec::new();
    let mut seen = Vec::new();
    // (network card, device) → the key path that claims it.
    let mut slots: BTreeMap<(u32, u32), String> = BTreeMap::new();
    if let Some((macs, path)) = reader.macs(root) {
        for (key, value) in macs {
            let mac_text = key.trim_end_matches('/');
            let path = join(&path, mac_text);
            let Some(mac) = reader.keep(parse_mac(&path, mac_text)) else {
                continue;
            };
            seen.push(mac);
            let Some(node) = reader.object(&path, value) else {
                continue;
            };
            let slot = reader.slot(node, &path);
            if let Some(slot) = slot {
                if let Some(other) = slots.insert(slot, path.clone()) {
                    reader.errors.push(Error::Contradiction {
                        field: join(&path, "device-number"),
                        value: slot.1.to_string(),
                        other: format!("{other}, on the same network card {}", slot.0),
                    });
                }
                if Some(mac) == primary_mac && slot != (0, 0) {
                    reader.errors.push(Error::Contradiction {
                        field: join(&path, "device-number"),
                        value: slot.1.to_string(),
                        other: format!(
                            "mac {mac}: the instance's own ENI is device 0 on network card 0"
                        ),
                    });
                }
            }
            if let Some(eni) = reader.aws_eni(&path, mac, node, slot, region.as_deref(), names) {
                enis.push(eni);
            }
        }
    }
    finish(enis, &seen, primary_mac, reader.errors)
}

impl Reader {
    /// An unsigned number printed as text.
    fn number(&mut self, node: &Map<String, Value>, path: &str, key: &str) -> Option<u32> {
        let text = self.text(node, path, key)?;
        match text.parse::<u32>() {
            Ok(number) => Some(number),
            Err(_) => {
                self.errors.push(Error::Syntax {
                    field: join(path, key),
                    message: format!("`{text}` is not a number"),
                });
                None
            }
        }
    }

    /// The ENI's network card and device number; the card is 0 on instance types without one.
    fn slot(&mut self, node: &Map<String, Value>, path: &str) -> Option<(u32, u32)> {
        let device = self.number(node, path, "device-number");
        let device = self.require(
            device.map(|d| d.to_string()),
            path,
            "device-number",
            "the ENI's device number keeps its route table the same across reboots",
        )?;
        let card = if node.contains_key("network-card-index") {
            self.number(node, path, "network-card-index")?
        } else {
            0
        };
        device.parse().ok().map(|device| (card, device))
    }

    fn aws_eni(
        &mut self,
        path: &str,
        mac: MacAddr,
        node: &Map<String, Value>,
        slot: Option<(u32, u32)>,
        region: Option<&str>,
        names: &NicNames,
    ) -> Option<Eni> {
        let errors_before = self.errors.len();
        let eni_id = self.text(node, path, "interface-id");
        let addresses = match self.list(node, path, "local-ipv4s") {
            Some(list) if !list.is_empty() => Some(list),
            listed => {
                let hint = if listed.is_some() {
                    "the ENI lists no private IPv4 address; planning from it would remove every \
                     address it has"
                } else {
                    "without the ENI's address list (its first is the primary) no plan is safe"
                };
                self.require(None, path, "local-ipv4s", hint);
                None
            }
        };
        let subnet = self.text(node, path, "subnet-ipv4-cidr-block");
        let subnet = self
            .require(
                subnet,
                path,
                "subnet-ipv4-cidr-block",
                "the subnet gives the prefix and the VPC router's address",
            )
            .and_then(|cidr| self.cidr4(path, "subnet-ipv4-cidr-block", &cidr));
        if let (Some(addresses), Some(subnet)) = (&addresses, subnet) {
            for address in addresses {
                match address.parse::<Ipv4Addr>() {
                    Ok(ip) if subnet.contains(&ip) => {}
                    Ok(_) => self.errors.push(Error::Contradiction {
                        field: join(path, "local-ipv4s"),
                        value: address.clone(),
                        other: format!("{path}/subnet-ipv4-cidr-block {subnet}, which lacks it"),
                    }),
                    // Validation names a word that is no address.
                    Err(_) => {}
                }
            }
        }
        let dns = self
            .text(node, path, "vpc-ipv4-cidr-block")
            .and_then(|cidr| self.cidr4(path, "vpc-ipv4-cidr-block", &cidr))
            .map(|vpc| vec![nth_host(vpc, 2).to_string()])
            .unwrap_or_default();
        let ipv6 = self.aws_ipv6(node, path);
        let interface = self.interface_name(names, mac, path);
        if self.errors.len() > errors_before {
            return None;
        }
        let mut addresses = addresses?.into_iter();
        let primary = addresses.next()?;
        let subnet = subnet?;
        let plan = EniPlan {
            interface,
            mac: Some(mac.to_string()),
            primary: Some(primary),
            secondaries: addresses.collect(),
            prefix: Some(subnet.prefix_len()),
            gateway: Some(nth_host(subnet, 1).to_string()),
            dns,
            ipv6,
            ..eni_plan(Provider::Aws, region, eni_id)
        };
        Some(Eni {
            path: path.to_string(),
            mac,
            plan,
            table: slot.map(|(card, device)| TABLE_BASE + 100 * card + device),
        })
    }

    fn cidr4(&mut self, path: &str, key: &str, cidr: &str) -> Option<Ipv4Net> {
        match cidr.parse::<Ipv4Net>() {
            Ok(net) => Some(net.trunc()),
            Err(_) => {
                self.errors.push(Error::InvalidAddress {
                    field: join(path, key),
                    value: cidr.to_string(),
                    kind: "IPv4 CIDR",
                    reason: "expected address/prefix, e.g. 10.0.1.0/24".into(),
                });
                None
            }
        }
    }

    /// The ENI's IPv6 addresses, each in one of its subnet's IPv6 blocks (whose prefix they
    /// take; cloud-init gives them /128, which leaves the subnet unreachable on the link).
    fn aws_ipv6(&mut self, node: &Map<String, Value>, path: &str) -> Option<Ipv6Plan> {
        let addresses = self.list(node, path, "ipv6s").unwrap_or_default();
        if addresses.is_empty() {
            return None;
        }
        let blocks = self.list(node, path, "subnet-ipv6-cidr-blocks");
        let blocks = self.require(
            blocks
                .filter(|blocks| !blocks.is_empty())
                .map(|b| b.join("\n")),
            path,
            "subnet-ipv6-cidr-blocks",
            "the IPv6 addresses take their subnet's prefix",
        )?;
        let mut nets = Vec::new();
        for block in blocks.lines() {
            match block.parse::<Ipv6Net>() {
                Ok(net) => nets.push(net.trunc()),
                Err(_) => {
                    self.errors.push(Error::InvalidAddress {
                        field: join(path, "subnet-ipv6-cidr-blocks"),
                        value: block.to_string(),
                        kind: "IPv6 CIDR",
                        reason: "expected address/prefix, e.g. 2600:1f18:abcd:1200::/64".into(),
                    });
                    return None;
                }
            }
        }
        let mut prefix = None;
        for address in &addresses {
            let Ok(ip) = address.parse::<Ipv6Addr>() else {
                continue; // validation names it
            };
            match nets.iter().find(|net| net.contains(&ip)) {
                Some(net) if prefix.is_none_or(|p| p == net.prefix_len()) => {
                    prefix = Some(net.prefix_len())
                }
                Some(net) => self.errors.push(Error::Contradiction {
                    field: join(path, "ipv6s"),
                    value: address.clone(),
                    other: format!(
                        "{path}/subnet-ipv6-cidr-blocks: its block {net} has another prefix than \
                         the other addresses'"
                    ),
                }),
                None => self.errors.push(Error::Contradiction {
                    field: join(path, "ipv6s"),
                    value: address.clone(),
                    other: format!("{path}/subnet-ipv6-cidr-blocks {blocks:?}, none holds it"),
                }),
            }
        }
        Some(Ipv6Plan {
            addresses,
            prefix,
            gateway: None,
        })
    }
}

/// The `n`th address of `net` (the VPC router at 1, the Amazon DNS server at 2).
fn nth_host(net: Ipv4Net, n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::from(net.network()).saturating_add(n)))
}
