//! The validated plan: typed addresses and networks that renderers can trust.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::os_family::IfcfgStyle;
use crate::plan::{EniState, Mode, Provider};

/// A plan that passed [`EniPlan::validate`](crate::EniPlan::validate): every address parsed,
/// lies where it must, and appears once. Only validation can build one, so a renderer holding a
/// `Plan` needs no checks of its own beyond what its target adds (such as name rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub(crate) interface: String,
    pub(crate) mac: Option<MacAddr>,
    pub(crate) mode: Mode,
    pub(crate) primary: Ipv4Addr,
    pub(crate) secondaries: Vec<Ipv4Addr>,
    pub(crate) subnet: Ipv4Net,
    pub(crate) gateway: Option<Ipv4Addr>,
    pub(crate) dns: Vec<IpAddr>,
    pub(crate) ipv6: Option<Ipv6Config>,
    pub(crate) connection: Option<String>,
    pub(crate) cloud: Option<Cloud>,
    pub(crate) ifcfg_style: Option<IfcfgStyle>,
    pub(crate) route_table: Option<u32>,
    /// The plan's values as the text every renderer writes, formatted once.
    pub(crate) text: Text,
}

/// The textual form of a plan's values. Every family writes the same addresses; formatting
/// them once per plan instead of once per family and file is most of what makes rendering all
/// six families cheap. An address alone is the part of its `address/prefix` text before the
/// `/` ([`address_of`]), so each address is formatted, and allocated, once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Text {
    pub(crate) gateway: Option<String>,
    pub(crate) netmask: String,
    pub(crate) prefix: String,
    /// `address/prefix` of the primary, then of each secondary.
    pub(crate) cidrs: Vec<String>,
    pub(crate) dns: Vec<String>,
    pub(crate) mac: Option<String>,
    /// `address/prefix` of each IPv6 address.
    pub(crate) ipv6_cidrs: Vec<String>,
    pub(crate) ipv6_gateway: Option<String>,
    /// The IPv4 subnet, e.g. `192.168.1.0/24`.
    pub(crate) subnet: String,
}

/// The address part of an `address/prefix` text.
pub(crate) fn address_of(cidr: &str) -> &str {
    crate::net::split_cidr(cidr).0
}

impl Text {
    pub(crate) fn of(plan: &Plan) -> Text {
        let prefix_len = plan.subnet.prefix_len();
        let cidrs = std::iter::once(plan.primary)
            .chain(plan.secondaries.iter().copied())
            .map(|address| {
                let mut cidr = ipv4_text(address);
                cidr.push('/');
                push_decimal(&mut cidr, prefix_len);
                cidr
            })
            .collect();
        Text {
            cidrs,
            gateway: plan.gateway.map(ipv4_text),
            netmask: ipv4_text(plan.subnet.netmask()),
            dns: plan
                .dns
                .iter()
                .map(|server| match server {
                    IpAddr::V4(v4) => ipv4_text(*v4),
                    IpAddr::V6(v6) => v6.to_string(),
                })
                .collect(),
            mac: plan.mac.map(|mac| mac.to_string()),
            ipv6_cidrs: plan
                .ipv6
                .iter()
                .flat_map(|ipv6| {
                    ipv6.addresses
                        .iter()
                        .map(move |address| format!("{address}/{}", ipv6.prefix_len()))
                })
                .collect(),
            subnet: {
                let mut subnet = ipv4_text(plan.subnet.network());
                subnet.push('/');
                push_decimal(&mut subnet, prefix_len);
                subnet
            },
            ipv6_gateway: plan
                .ipv6
                .as_ref()
                .and_then(|ipv6| ipv6.gateway)
                .map(|g| g.to_string()),
            prefix: {
                let mut prefix = String::with_capacity(2);
                push_decimal(&mut prefix, prefix_len);
                prefix
            },
        }
    }
}

/// Appends a number below 1000 in decimal.
fn push_decimal(text: &mut String, number: u8) {
    if number >= 100 {
        text.push(char::from(b'0' + number / 100));
    }
    if number >= 10 {
        text.push(char::from(b'0' + number / 10 % 10));
    }
    text.push(char::from(b'0' + number % 10));
}

/// Dotted-quad text of an IPv4 address without the general formatting machinery, which costs
/// several times more (it supports width and padding that addresses never use).
pub(crate) fn ipv4_text(address: Ipv4Addr) -> String {
    // Room for `/prefix` too, which most callers append.
    let mut text = String::with_capacity(18);
    for (index, octet) in address.octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

impl Plan {
    /// The OS name of the NIC (or the Windows adapter name).
    pub fn interface(&self) -> &str {
        &self.interface
    }
    /// The MAC address, when the plan gives one.
    pub fn mac(&self) -> Option<MacAddr> {
        self.mac
    }
    /// Static or DHCP primary.
    pub fn mode(&self) -> Mode {
        self.mode
    }
    /// The primary private IPv4 address.
    pub fn primary(&self) -> Ipv4Addr {
        self.primary
    }
    /// The secondary private IPv4 addresses, in alias order.
    pub fn secondaries(&self) -> &[Ipv4Addr] {
        &self.secondaries
    }
    /// The primary's subnet (the vSwitch CIDR), e.g. `192.168.1.0/24`.
    pub fn subnet(&self) -> Ipv4Net {
        self.subnet
    }
    /// The prefix length of the subnet.
    pub fn prefix_len(&self) -> u8 {
        self.subnet.prefix_len()
    }
    /// The dotted netmask of the subnet.
    pub fn netmask(&self) -> Ipv4Addr {
        self.subnet.netmask()
    }
    /// The default gateway, when the plan gives one (always present in static mode).
    pub fn gateway(&self) -> Option<Ipv4Addr> {
        self.gateway
    }
    /// DNS servers in order of preference.
    pub fn dns(&self) -> &[IpAddr] {
        &self.dns
    }
    /// The IPv6 part, when the plan has one.
    pub fn ipv6(&self) -> Option<&Ipv6Config> {
        self.ipv6.as_ref()
    }
    /// The NetworkManager connection name given by the plan, if any.
    pub fn connection(&self) -> Option<&str> {
        self.connection.as_deref()
    }
    /// The cloud-side facts, when the plan has them.
    pub fn cloud(&self) -> Option<&Cloud> {
        self.cloud.as_ref()
    }
    /// The route table of a secondary ENI (source-based policy routing), when the plan sets
    /// one.
    pub fn route_table(&self) -> Option<u32> {
        self.route_table
    }

    /// The RHEL ifcfg style the plan asks for, overriding the target's default.
    pub fn ifcfg_style(&self) -> Option<IfcfgStyle> {
        self.ifcfg_style
    }
    /// The same plan with every secondary removed: the primary IPv4 address and the first IPv6
    /// address stay. What `state: absent` renders.
    pub fn without_secondaries(&self) -> Plan {
        let mut plan = self.clone();
        plan.secondaries.clear();
        if let Some(ipv6) = &mut plan.ipv6 {
            ipv6.addresses.truncate(1);
        }
        plan.text = Text::of(&plan);
        plan
    }

    /// The same plan routed through the main table, for a family without policy routing.
    pub(crate) fn without_route_table(&self) -> Plan {
        let mut plan = self.clone();
        plan.route_table = None;
        plan
    }

    /// The primary followed by the secondaries.
    pub fn ipv4_addresses(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        std::iter::once(self.primary).chain(self.secondaries.iter().copied())
    }
}

/// The validated IPv6 part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Config {
    pub(crate) addresses: Vec<Ipv6Addr>,
    pub(crate) network: Ipv6Net,
    pub(crate) gateway: Option<Ipv6Addr>,
}

impl Ipv6Config {
    /// The addresses; the first is the primary one. Never empty.
    pub fn addresses(&self) -> &[Ipv6Addr] {
        &self.addresses
    }
    /// The prefix every address lies in.
    pub fn network(&self) -> Ipv6Net {
        self.network
    }
    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.network.prefix_len()
    }
    /// The IPv6 default gateway, if any.
    pub fn gateway(&self) -> Option<Ipv6Addr> {
        self.gateway
    }
}

/// The validated cloud-side facts of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub(crate) provider: Provider,
    pub(crate) region: Option<String>,
    pub(crate) eni_id: Option<String>,
    pub(crate) eni_state: Option<EniState>,
    pub(crate) max_private_ips: Option<u32>,
    pub(crate) resource_group: Option<String>,
    pub(crate) nic_name: Option<String>,
    pub(crate) ip_configs: BTreeMap<IpAddr, String>,
}

impl Cloud {
    /// The cloud the ENI belongs to (Alibaba Cloud when the plan names none).
    pub fn provider(&self) -> Provider {
        self.provider
    }
    /// Region id, e.g. `cn-hangzhou`.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    /// ENI id, e.g. `eni-bp1example`.
    pub fn eni_id(&self) -> Option<&str> {
        self.eni_id.as_deref()
    }
    /// The ENI's state, when known.
    pub fn eni_state(&self) -> Option<EniState> {
        self.eni_state
    }
    /// The instance type's per-ENI limit of private IPv4 addresses, when known.
    pub fn max_private_ips(&self) -> Option<u32> {
        self.max_private_ips
    }
    /// Azure: the NIC's resource group.
    pub fn resource_group(&self) -> Option<&str> {
        self.resource_group.as_deref()
    }
    /// Azure: the NIC's resource name.
    pub fn nic_name(&self) -> Option<&str> {
        self.nic_name.as_deref()
    }
    /// Azure: the name of the ip-config that holds `address` — the plan's, or the one eniplan
    /// gives an ip-config it creates: `eniplan-` and the address, `.` and `:` as `-`
    /// (`eniplan-10-0-1-11`, `eniplan-2001-db8--a`), which Azure's naming rule (letters,
    /// digits, `_`, `.`, `-`; a letter or digit first) accepts.
    pub fn ip_config(&self, address: IpAddr) -> String {
        match self.ip_configs.get(&address) {
            Some(name) => name.clone(),
            None => own_ip_config(address),
        }
    }
}

/// The name eniplan gives the Azure ip-config it creates for `address`.
pub(crate) fn own_ip_config(address: IpAddr) -> String {
    format!("eniplan-{}", address.to_string().replace(['.', ':'], "-"))
}

/// A unicast Ethernet MAC address. Displays as lowercase, colon-separated hex (`00:16:3e:…`),
/// the form every target's configuration accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddr(pub(crate) [u8; 6]);

impl MacAddr {
    /// The six octets.
    pub fn octets(self) -> [u8; 6] {
        self.0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_text_matches_display() {
        for address in [
            [0, 0, 0, 0],
            [9, 10, 99, 100],
            [192, 168, 1, 201],
            [255, 255, 255, 255],
            [10, 0, 5, 1],
        ] {
            let address = Ipv4Addr::from(address);
            assert_eq!(ipv4_text(address), address.to_string());
        }
    }
}
