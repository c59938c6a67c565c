//! Plans from the ECS instance metadata service (`http://100.100.100.200/latest/meta-data/`).
//!
//! Input: the metadata as one JSON document — the per-key tree gathered into objects by path
//! (`{"mac": …, "region-id": …, "network": {"interfaces": {"macs": {"<mac>": {…}}}}, …}`), with
//! or without the leading `latest/meta-data` levels. Items read, per Alibaba Cloud's
//! "Instance metadata" reference:
//!
//! | item | becomes |
//! |---|---|
//! | `mac` (the instance's own: its primary ENI) | which ENI has the main table |
//! | `region-id` | `cloud.region` |
//! | `dns-conf/nameservers` | `dns` |
//! | `network/interfaces/macs/<mac>/network-interface-id` | `cloud.eni_id` |
//! | `…/primary-ip-address` | `primary` |
//! | `…/private-ipv4s` without the primary, in order | `secondaries` |
//! | `…/netmask`, `…/vswitch-cidr-block` (they must agree) | `prefix` |
//! | `…/gateway` (inside the vSwitch CIDR) | `gateway` |
//! | `…/ipv6s`, `…/ipv6-gateway`, `…/vswitch-ipv6-cidr-block` | `ipv6` |
//!
//! A list comes either as a JSON list or as the endpoint's text: a JSON list inside a string
//! (`["192.168.1.201","192.168.1.202"]`, what `private-ipv4s` returns; `ipv6s` leaves the
//! items unquoted) or one value per line (what `dns-conf/nameservers` returns). Anything else is an error naming the key path.

use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde_json::{Map, Value};

use super::tree::{join, unwrap_levels, Reader};
use super::{eni_plan, finish, parse_json, Eni, NicNames};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Ipv6Plan, Provider};
use crate::validate::parse_mac;

/// The instance-wide items the reader takes (what a gatherer of the metadata must fetch).
pub const INSTANCE_ITEMS: &[&str] = &["mac", "region-id", "dns-conf/nameservers"];

/// The items the reader takes per ENI, under `network/interfaces/macs/<mac>/`.
pub const ENI_ITEMS: &[&str] = &[
    "network-interface-id",
    "primary-ip-address",
    "private-ipv4s",
    "netmask",
    "vswitch-cidr-block",
    "gateway",
    "ipv6s",
    "ipv6-gateway",
    "vswitch-ipv6-cidr-block",
];

/// One plan per ENI described by an Alibaba Cloud metadata `document`, the primary ENI first;
/// `names` gives each MAC's interface name on the host.
pub fn plans_from_aliyun_metadata(
    document: &str,
    names: &NicNames,
) -> Result<Vec<EniPlan>, Errors> {
    let root = parse_json("metadata", document)?;
    let mut reader = Reader::default();
    let root = unwrap_levels(&root);
    let Some(root) = reader.object("", root) else {
        return Err(Errors::new(reader.errors));
    };
    let region = reader.text(root, "", "region-id");
    let primary_mac = reader
        .text(root, "", "mac")
        .and_then(|mac| reader.keep(parse_mac("mac", &mac)));
    let dns = root
        .get("dns-conf")
        .and_then(|conf| reader.object("dns-conf", conf))
        .and_then(|conf| reader.list(conf, "dns-conf", "nameservers"))
        .unwrap_or_default();
    let macs = reader.macs(root);
    let mut enis = Vec::new();
    let mut seen = Vec::new();
    if let Some((macs, path)) = macs {
        for (key, eni) in macs {
            let mac_text = key.trim_end_matches('/');
            let path = join(&path, mac_text);
            seen.extend(parse_mac(&path, mac_text).ok());
            if let Some(eni) = reader.eni(&path, mac_text, eni, region.as_deref(), &dns, names) {
                enis.push(eni);
            }
        }
    }
    finish(enis, &seen, primary_mac, reader.errors)
}

impl Reader {
    fn eni(
        &mut self,
        path: &str,
        mac_text: &str,
        value: &Value,
        region: Option<&str>,
        dns: &[String],
        names: &NicNames,
    ) -> Option<Eni> {
        let node = self.object(path, value)?;
        let mac = self.keep(parse_mac(path, mac_text))?;
        let errors_before = self.errors.len();
        let eni_id = self.text(node, path, "network-interface-id");
        let primary = self.text(node, path, "primary-ip-address");
        let primary = self.require(
            primary,
            path,
            "primary-ip-address",
            "without the ENI's primary address no plan is safe (it would drop the address the \
             instance is reached at)",
        );
        let addresses = match self.list(node, path, "private-ipv4s") {
            Some(list) if !list.is_empty() => Some(list),
            listed => {
                let hint = if listed.is_some() {
                    "the ENI lists no private IPv4 address; planning from it would remove every \
                     address it has"
                } else {
                    "without the ENI's address list, the plan would drop its secondaries"
                };
                self.require(None, path, "private-ipv4s", hint);
                None
            }
        };
        if let (Some(primary), Some(addresses)) = (&primary, &addresses) {
            if !addresses.contains(primary) {
                self.errors.push(Error::Contradiction {
                    field: join(path, "primary-ip-address"),
                    value: primary.clone(),
                    other: format!("{}/private-ipv4s {addresses:?}, which lacks it", path),
                });
            }
        }
        let prefix = self.prefix(node, path);
        let gateway = self.text(node, path, "gateway");
        let gateway = self.require(
            gateway,
            path,
            "gateway",
            "a static configuration needs the ENI's gateway",
        );
        let cidr = self.text(node, path, "vswitch-cidr-block");
        if let (Some(gateway), Some(cidr)) = (&gateway, cidr.as_deref()) {
            if let (Ok(address), Ok(net)) = (gateway.parse::<Ipv4Addr>(), cidr.parse::<Ipv4Net>()) {
                if !net.contains(&address) {
                    self.errors.push(Error::Contradiction {
                        field: join(path, "gateway"),
                        value: gateway.clone(),
                        other: format!("{path}/vswitch-cidr-block {cidr}, which does not hold it"),
                    });
                }
            }
        }
        let ipv6 = self.ipv6(node, path);
        let interface = self.interface_name(names, mac, path);
        if self.errors.len() > errors_before {
            return None;
        }
        let primary = primary?;
        let secondaries = addresses?
            .into_iter()
            .filter(|address| *address != primary)
            .collect();
        let plan = EniPlan {
            interface,
            mac: Some(mac.to_string()),
            primary: Some(primary),
            secondaries,
            prefix,
            gateway,
            dns: dns.to_vec(),
            ipv6,
            ..eni_plan(Provider::Aliyun, region, eni_id)
        };
        Some(Eni {
            path: path.to_string(),
            mac,
            plan,
            table: None,
        })
    }

    /// The prefix from `netmask` and `vswitch-cidr-block`, which must agree.
    fn prefix(&mut self, node: &Map<String, Value>, path: &str) -> Option<u8> {
        let netmask = self.text(node, path, "netmask");
        let cidr = self.text(node, path, "vswitch-cidr-block");
        let from_mask = netmask.as_deref().and_then(|mask| {
            let prefix = crate::net::netmask_prefix(mask);
            if prefix.is_none() {
                self.errors.push(Error::NonContiguousMask {
                    field: join(path, "netmask"),
                    value: mask.to_string(),
                });
            }
            prefix
        });
        let from_cidr = cidr
            .as_deref()
            .and_then(|cidr| match cidr.parse::<Ipv4Net>() {
                Ok(net) => Some(net.prefix_len()),
                Err(_) => {
                    self.errors.push(Error::InvalidAddress {
                        field: join(path, "vswitch-cidr-block"),
                        value: cidr.to_string(),
                        kind: "IPv4 CIDR",
                        reason: "expected address/prefix, e.g. 192.168.1.0/24".into(),
                    });
                    None
                }
            });
        match (from_mask, from_cidr) {
            (Some(mask), Some(cidr_prefix)) if mask != cidr_prefix => {
                self.errors.push(Error::Contradiction {
                    field: join(path, "netmask"),
                    value: netmask.unwrap_or_default(),
                    other: format!("{path}/vswitch-cidr-block {}", cidr.unwrap_or_default()),
                });
                None
            }
            (Some(prefix), _) | (None, Some(prefix)) => Some(prefix),
            (None, None) => {
                if netmask.is_none() && cidr.is_none() {
                    self.errors.push(Error::Missing {
                        field: join(path, "netmask"),
                        hint: "neither netmask nor vswitch-cidr-block is given, so the prefix is \
                               unknown"
                            .into(),
                    });
                }
                None
            }
        }
    }

    fn ipv6(&mut self, node: &Map<String, Value>, path: &str) -> Option<Ipv6Plan> {
        let addresses = self.list(node, path, "ipv6s").unwrap_or_default();
        if addresses.is_empty() {
            return None;
        }
        let gateway = self.text(node, path, "ipv6-gateway");
        let prefix = self
            .text(node, path, "vswitch-ipv6-cidr-block")
            .and_then(|cidr| match cidr.parse::<Ipv6Net>() {
                Ok(net) => Some(net.prefix_len()),
                Err(_) => {
                    self.errors.push(Error::InvalidAddress {
                        field: join(path, "vswitch-ipv6-cidr-block"),
                        value: cidr,
                        kind: "IPv6 CIDR",
                        reason: "expected address/prefix, e.g. 2408:4005:300::/64".into(),
                    });
                    None
                }
            });
        Some(Ipv6Plan {
            addresses,
            prefix,
            gateway,
        })
    }
}
