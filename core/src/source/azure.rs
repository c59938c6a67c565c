//! Plans from Azure's Instance Metadata Service
//! (`GET http://169.254.169.254/metadata/instance?api-version=2021-02-01`, header `Metadata: true`).
//!
//! Input: its JSON answer — the whole instance (`{"compute": …, "network": {"interface": […]}}`)
//! or its `network` part (`{"interface": […]}`). Items read, per the Azure Instance Metadata
//! Service reference ("compute" and "network" categories):
//!
//! | item | becomes |
//! |---|---|
//! | `compute/location` | `cloud.region` |
//! | `compute/resourceGroupName` | `cloud.resource_group` (IMDS names no NIC resource: the cloud target asks for `cloud.nic_name`) |
//! | `network/interface/<i>/macAddress` (12 hex digits, no colons) | `mac`; the host names the NIC |
//! | `…/ipv4/ipAddress/<j>/privateIpAddress`, the first the primary | `primary`, `secondaries` |
//! | `…/ipv4/subnet/0/address` and `…/prefix` | `prefix`; `gateway` is the subnet's first host |
//! | `…/ipv6/ipAddress/<j>/privateIpAddress`, `…/ipv6/subnet/0/prefix` | `ipv6` |
//!
//! Azure reserves the first four addresses of a subnet and uses the first host (x.x.x.1) as the
//! default gateway (Azure Virtual Network FAQ). IMDS marks no NIC as the primary and lists the
//! NICs in no guaranteed order; Azure attaches the primary NIC first, so the OS names it first:
//! the primary is the NIC whose host name sorts first (`eth0`), and the others get route tables
//! in name order as Alibaba Cloud's do. An IPv6 subnet on Azure is a /64, which a plan assumes
//! when IMDS gives no prefix. DNS: Azure's own resolver at 168.63.129.16 ("What is IP address
//! 168.63.129.16?"), which answers every VM; a virtual network's custom DNS servers reach a VM
//! only through DHCP, not through IMDS.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::{Map, Value};

use super::tree::{join, Reader};
use super::{eni_plan, finish, json_type, parse_json, Eni, NicNames};
use crate::error::{Error, Errors};
use crate::model::MacAddr;
use crate::plan::{EniPlan, Ipv6Plan, Provider};
use crate::validate::parse_mac;

/// Azure's own DNS resolver, reachable from every VM.
pub(crate) const AZURE_DNS: &str = "168.63.129.16";

/// One plan per NIC described by an Azure IMDS `document`, the primary NIC first; `names`
/// gives each MAC's interface name on the host.
pub fn plans_from_azure_metadata(document: &str, names: &NicNames) -> Result<Vec<EniPlan>, Errors> {
    let root = parse_json("metadata", document)?;
    let mut reader = Reader::default();
    let Some(root) = reader.object("", &root) else {
        return Err(Errors::new(reader.errors));
    };
    let compute = root
        .get("compute")
        .and_then(|compute| reader.object("compute", compute));
    let region = compute.and_then(|compute| reader.text(compute, "compute", "location"));
    let resource_group =
        compute.and_then(|compute| reader.text(compute, "compute", "resourceGroupName"));
    let (network, base) = match root.get("network") {
        Some(network) => (reader.object("network", network), "network"),
        None => (Some(root), ""),
    };
    let interfaces_path = join(base, "interface");
    let interfaces = match network.and_then(|network| network.get("interface")) {
        Some(Value::Array(items)) if !items.is_empty() => items.as_slice(),
        Some(Value::Array(_)) | None if network.is_some() => {
            reader.errors.push(Error::Missing {
                field: interfaces_path.clone(),
                hint: "the metadata lists no network interface, so there is nothing to plan".into(),
            });
            &[]
        }
        Some(other) => {
            reader.errors.push(Error::Syntax {
                field: interfaces_path.clone(),
                message: format!("expected a list, found {}", json_type(other)),
            });
            &[]
        }
        None => &[],
    };
    let mut enis = Vec::new();
    let mut seen = Vec::new();
    for (index, item) in interfaces.iter().enumerate() {
        let path = join(&interfaces_path, &index.to_string());
        let Some(node) = reader.object(&path, item) else {
            continue;
        };
        let Some(mac) = reader.azure_mac(node, &path) else {
            continue;
        };
        seen.push(mac);
        if let Some(mut eni) = reader.azure_nic(&path, mac, node, region.as_deref(), names) {
            if let Some(cloud) = eni.plan.cloud.as_mut() {
                cloud.resource_group.clone_from(&resource_group);
            }
            enis.push(eni);
        }
    }
    // The NIC the OS names first is the primary (see the module documentation).
    let primary = enis
        .iter()
        .min_by_key(|eni| super::natural_key(eni.plan.interface.as_deref().unwrap_or("")))
        .map(|eni| eni.mac);
    finish(enis, &seen, primary, reader.errors)
}

/// The MACs of the NICs an Azure IMDS document lists, in its order (IMDS marks no primary: the
/// host's names decide it).
pub(crate) fn macs(document: &Value) -> Result<Vec<MacAddr>, Errors> {
    let mut reader = Reader::default();
    let network = document.get("network").unwrap_or(document);
    let base = if document.get("network").is_some() {
        "network"
    } else {
        ""
    };
    let path = join(base, "interface");
    let mut macs = Vec::new();
    match network.get("interface") {
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                let at = join(&path, &index.to_string());
                if let Some(node) = reader.object(&at, item) {
                    macs.extend(reader.azure_mac(node, &at));
                }
            }
        }
        _ => reader.errors.push(Error::Missing {
            field: path,
            hint: "the metadata lists no network interface, so there is nothing to plan".into(),
        }),
    }
    if reader.errors.is_empty() {
        Ok(macs)
    } else {
        Err(Errors::new(reader.errors))
    }
}

impl Reader {
    /// `macAddress`: twelve hex digits without separators (`000D3AF806EC`).
    fn azure_mac(&mut self, node: &Map<String, Value>, path: &str) -> Option<MacAddr> {
        let text = self.text(node, path, "macAddress");
        let text = self.require(
            text,
            path,
            "macAddress",
            "the NIC's MAC is how the host's NIC is found",
        )?;
        let field = join(path, "macAddress");
        let hex = text.replace([':', '-'], "");
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.errors.push(Error::Syntax {
                field,
                message: format!("`{text}` is not a MAC address (12 hex digits)"),
            });
            return None;
        }
        let colons: Vec<&str> = (0..6).map(|i| &hex[2 * i..2 * i + 2]).collect();
        self.keep(parse_mac(&field, &colons.join(":")))
    }

    /// The `privateIpAddress` of each entry of `<family>/ipAddress`.
    fn azure_addresses(
        &mut self,
        node: &Map<String, Value>,
        path: &str,
        family: &str,
    ) -> Option<Vec<String>> {
        let family_path = join(path, family);
        let family_node = match node.get(family) {
            Some(value) => self.object(&family_path, value)?,
            None => return Some(Vec::new()),
        };
        let list_path = join(&family_path, "ipAddress");
        let items = match family_node.get("ipAddress") {
            None => return Some(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.shape(&list_path, "a list", other);
                return None;
            }
        };
        let mut addresses = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_path = join(&list_path, &index.to_string());
            let entry = self.object(&item_path, item)?;
            let address = self.text(entry, &item_path, "privateIpAddress");
            addresses.push(self.require(
                address,
                &item_path,
                "privateIpAddress",
                "an address entry without its address is an incomplete answer",
            )?);
        }
        Some(addresses)
    }

    /// `<family>/subnet/0` as its `address` and `prefix` (a number printed as text).
    fn azure_subnet(
        &mut self,
        node: &Map<String, Value>,
        path: &str,
        family: &str,
    ) -> Option<(String, u8)> {
        let subnet_path = join(&join(path, family), "subnet");
        let first = node
            .get(family)
            .and_then(Value::as_object)
            .and_then(|family| family.get("subnet"))
            .and_then(Value::as_array)
            .and_then(|subnets| subnets.first());
        let entry_path = join(&subnet_path, "0");
        let entry = self.object(&entry_path, first?)?;
        let address = self.text(entry, &entry_path, "address");
        let prefix = self.text(entry, &entry_path, "prefix");
        let (Some(address), Some(prefix)) = (address, prefix) else {
            self.errors.push(Error::Missing {
                field: entry_path,
                hint: "the subnet needs its address and prefix".into(),
            });
            return None;
        };
        match prefix.parse::<u8>() {
            Ok(prefix) => Some((address, prefix)),
            Err(_) => {
                self.errors.push(Error::Syntax {
                    field: join(&entry_path, "prefix"),
                    message: format!("`{prefix}` is not a prefix length"),
                });
                None
            }
        }
    }

    fn azure_nic(
        &mut self,
        path: &str,
        mac: MacAddr,
        node: &Map<String, Value>,
        region: Option<&str>,
        names: &NicNames,
    ) -> Option<Eni> {
        let errors_before = self.errors.len();
        let addresses = self.azure_addresses(node, path, "ipv4");
        if addresses.as_ref().is_some_and(Vec::is_empty) {
            self.errors.push(Error::Missing {
                field: join(path, "ipv4/ipAddress"),
                hint: "the NIC lists no private IPv4 address; planning from it would remove \
                       every address it has"
                    .into(),
            });
        }
        let subnet = match self.azure_subnet(node, path, "ipv4") {
            Some((address, prefix)) => match format!("{address}/{prefix}").parse::<Ipv4Net>() {
                Ok(net) => Some(net.trunc()),
                Err(_) => {
                    self.errors.push(Error::InvalidAddress {
                        field: join(path, "ipv4/subnet/0"),
                        value: format!("{address}/{prefix}"),
                        kind: "IPv4 CIDR",
                        reason: "expected a subnet address and a prefix, e.g. 10.0.0.0 and 24"
                            .into(),
                    });
                    None
                }
            },
            None => {
                if !self.errors.iter().any(|e| e.field().starts_with(path)) {
                    self.errors.push(Error::Missing {
                        field: join(path, "ipv4/subnet"),
                        hint: "the subnet gives the prefix and the gateway's address".into(),
                    });
                }
                None
            }
        };
        if let (Some(addresses), Some(subnet)) = (&addresses, subnet) {
            for address in addresses {
                if let Ok(ip) = address.parse::<Ipv4Addr>() {
                    if !subnet.contains(&ip) {
                        self.errors.push(Error::Contradiction {
                            field: join(path, "ipv4/ipAddress"),
                            value: address.clone(),
                            other: format!("{path}/ipv4/subnet/0 {subnet}, which lacks it"),
                        });
                    }
                }
            }
        }
        let ipv6 = self.azure_addresses(node, path, "ipv6").and_then(|list| {
            if list.is_empty() {
                return None;
            }
            let prefix = node
                .get("ipv6")
                .and_then(Value::as_object)
                .is_some_and(|v6| v6.contains_key("subnet"))
                .then(|| {
                    self.azure_subnet(node, path, "ipv6")
                        .map(|(_, prefix)| prefix)
                })
                .flatten();
            Some(Ipv6Plan {
                addresses: list,
                prefix,
                gateway: None,
            })
        });
        let interface = self.interface_name(names, mac, path);
        if self.errors.len() > errors_before {
            return None;
        }
        let mut addresses = addresses?.into_iter();
        let primary = addresses.next()?;
        let subnet = subnet?;
        let gateway = Ipv4Addr::from(u32::from(subnet.network()).saturating_add(1));
        let plan = EniPlan {
            interface,
            mac: Some(mac.to_string()),
            primary: Some(primary),
            secondaries: addresses.collect(),
            prefix: Some(subnet.prefix_len()),
            gateway: Some(gateway.to_string()),
            dns: vec![AZURE_DNS.into()],
            ipv6,
            ..eni_plan(Provider::Azure, region, None)
        };
        Some(Eni {
            path: path.to_string(),
            mac,
            plan,
            table: None,
        })
    }
}
