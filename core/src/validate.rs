//! Turning an [`EniPlan`] into a [`Plan`], collecting every problem on the way.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{Ipv4Net, Ipv6Net};

use crate::error::{shown, Error, Errors};
use crate::model::{Cloud, Ipv6Config, MacAddr, Plan, Text};
use crate::names;
use crate::plan::{CloudPlan, EniPlan, EniState, Ipv6Plan, Mode, Provider};

/// The private IPv4 addresses (the primary included) an ENI in the Available state may carry:
/// AssignPrivateIpAddresses' current reference allows up to 49 secondaries on it. The ECS
/// document on secondary private IPs and older versions of that reference say 10; between the
/// two a rendering for the cloud warns ([`DOCUMENTED_AVAILABLE_LIMIT`]) rather than refuses.
pub const AVAILABLE_ENI_LIMIT: usize = 50;

/// The older limit for an Available ENI (10 private IPs), which the cloud target warns about.
pub const DOCUMENTED_AVAILABLE_LIMIT: usize = 10;

/// No cloud offers more private IPv4 addresses per ENI than this; plans beyond it are refused
/// even when they state no limit, and only this many entries of an oversized list are checked.
pub const MAX_ADDRESSES: usize = 256;

/// glibc's resolver reads at most three `nameserver` lines (MAXNS); a fourth would be dropped
/// silently by every Linux target, so the plan may not have one.
pub const MAX_DNS: usize = 3;

impl EniPlan {
    /// Checks the plan and returns its typed form, or every problem found.
    pub fn validate(&self) -> Result<Plan, Errors> {
        let mut check = Checker::default();
        let plan = check.plan(self);
        match plan {
            Some(plan) if check.errors.is_empty() => Ok(plan),
            _ => Err(Errors::new(check.errors)),
        }
    }
}

/// What makes a list of valid plans one instance: each interface once, each route table once.
/// A problem names its plan (`plans[2]: route_table`) when there are several.
pub(crate) fn check_instance(plans: &[Plan]) -> Vec<Error> {
    check_numbered(plans.iter().enumerate(), plans.len() > 1)
}

/// [`check_instance`] for plans given with their places in the user's list (some of which may
/// be missing because they did not validate).
pub(crate) fn check_numbered<'p>(
    plans: impl IntoIterator<Item = (usize, &'p Plan)>,
    several: bool,
) -> Vec<Error> {
    let mut errors: Vec<Error> = Vec::new();
    let mut tables = std::collections::BTreeMap::new();
    let mut names = std::collections::BTreeMap::new();
    let within = |error: Error, index: usize| {
        if several {
            error.within(&format!("plans[{index}]"))
        } else {
            error
        }
    };
    for (index, plan) in plans {
        if let Some(other) = names.insert(plan.interface(), plan.primary()) {
            errors.push(within(
                Error::Duplicate {
                    field: "interface".into(),
                    value: plan.interface().into(),
                    first: format!("the ENI whose primary is {other}"),
                },
                index,
            ));
        }
        if let Some(table) = plan.route_table() {
            if let Some(other) = tables.insert(table, plan.interface()) {
                errors.push(within(
                    Error::Duplicate {
                        field: "route_table".into(),
                        value: table.to_string(),
                        first: format!("interface {other}"),
                    },
                    index,
                ));
            }
        }
    }
    errors
}

/// A plan field, named only when an error needs the name: most addresses are fine, and
/// formatting `secondaries[7]` for each of them would cost more than checking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Named(&'static str),
    Indexed(&'static str, usize),
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Named(name) => f.write_str(name),
            Field::Indexed(list, index) => write!(f, "{list}[{index}]"),
        }
    }
}

/// The addresses seen so far and where; a short list searched linearly beats hashing for the
/// handful of addresses a plan has (at most 256 are checked).
type Seen = Vec<(IpAddr, Field)>;

#[derive(Default)]
struct Checker {
    errors: Vec<Error>,
}

impl Checker {
    fn push(&mut self, error: Error) {
        self.errors.push(error);
    }

    /// Records the error of `result` and returns its value, so checks go on after a failure.
    fn keep<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    fn plan(&mut self, raw: &EniPlan) -> Option<Plan> {
        let interface = match &raw.interface {
            Some(name) => self.keep(names::any_interface_name("interface", name)),
            None => {
                self.push(Error::Missing {
                    field: "interface".into(),
                    hint: "give the OS name of the NIC, e.g. eth0 (Windows: Ethernet)".into(),
                });
                None
            }
        };
        let mac = raw
            .mac
            .as_deref()
            .and_then(|mac| self.keep(parse_mac("mac", mac)));
        let mode = raw.mode.unwrap_or_default();
        let connection = raw
            .connection
            .as_deref()
            .and_then(|name| self.keep(names::connection_name("connection", name)));

        let primary = match &raw.primary {
            Some(value) => self.keep(parse_ipv4(Field::Named("primary"), value)),
            None => {
                self.push(Error::Missing {
                    field: "primary".into(),
                    hint: "give the ENI's primary private IPv4 address (`ip a` shows it)".into(),
                });
                None
            }
        };
        let prefix = self.prefix(raw);
        let subnet = match (primary, prefix) {
            (Some(primary), Some(prefix)) => Ipv4Net::new(primary, prefix).ok().map(|n| n.trunc()),
            _ => None,
        };

        let mut seen: Seen = Vec::with_capacity(raw.secondaries.len().min(MAX_ADDRESSES) + 2);
        if let (Some(primary), Some(subnet)) = (primary, subnet) {
            self.host_in_subnet(Field::Named("primary"), primary, subnet);
            seen.push((primary.into(), Field::Named("primary")));
        }

        let gateway = match (&raw.gateway, mode) {
            (Some(value), _) => self.keep(parse_ipv4(Field::Named("gateway"), value)),
            (None, Mode::Static) => {
                self.push(Error::Missing {
                    field: "gateway".into(),
                    hint: "a static configuration needs the default gateway \
                           (`route -n` or `ip route` shows it)"
                        .into(),
                });
                None
            }
            (None, Mode::Dhcp) => None,
        };
        if let Some(gateway) = gateway {
            if let Some(subnet) = subnet {
                self.host_in_subnet(Field::Named("gateway"), gateway, subnet);
            }
            self.unique(&mut seen, Field::Named("gateway"), gateway.into());
        }

        let secondaries = self.secondaries(raw, subnet, &mut seen);
        self.address_limit(raw, secondaries.len());
        let dns = self.dns(&raw.dns);
        let ipv6 = raw.ipv6.as_ref().and_then(|ipv6| self.ipv6(ipv6));
        let cloud = raw
            .cloud
            .as_ref()
            .map(|cloud| self.cloud(cloud, &secondaries, ipv6.as_ref()));
        let route_table = raw
            .route_table
            .and_then(|table| self.route_table(table, mode));

        let mut plan = Plan {
            interface: interface?,
            mac,
            mode,
            primary: primary?,
            secondaries,
            subnet: subnet?,
            gateway,
            dns,
            ipv6,
            connection,
            cloud,
            ifcfg_style: raw.ifcfg_style,
            route_table,
            text: Text::default(),
        };
        plan.text = Text::of(&plan);
        Some(plan)
    }

    /// The prefix length from `prefix` and/or `netmask`, which must agree.
    fn prefix(&mut self, raw: &EniPlan) -> Option<u8> {
        let from_prefix = raw.prefix.and_then(|prefix| {
            if (8..=30).contains(&prefix) {
                Some(prefix)
            } else {
                self.push(Error::InvalidPrefix {
                    field: "prefix".into(),
                    value: prefix.to_string(),
                    reason: "an IPv4 vSwitch CIDR is /8 to /30; a longer prefix leaves no room \
                             for a gateway, a primary and a secondary"
                        .into(),
                });
                None
            }
        });
        let from_netmask = raw
            .netmask
            .as_deref()
            .and_then(|mask| self.keep(parse_netmask("netmask", mask)));
        match (
            raw.prefix,
            raw.netmask.as_deref(),
            from_prefix,
            from_netmask,
        ) {
            (None, None, _, _) => {
                self.push(Error::Missing {
                    field: "prefix".into(),
                    hint: "give `prefix` (e.g. 24) or `netmask` (e.g. 255.255.255.0); \
                           `route -n` shows the mask as Genmask"
                        .into(),
                });
                None
            }
            (_, Some(mask), Some(prefix), Some(mask_prefix)) if prefix != mask_prefix => {
                self.push(Error::MaskMismatch {
                    field: "netmask".into(),
                    value: shown(mask),
                    netmask_prefix: mask_prefix,
                    prefix,
                });
                // Go on with `prefix` so the addresses are still checked against a subnet;
                // the plan is refused either way.
                Some(prefix)
            }
            (_, Some(mask), None, Some(mask_prefix)) if !(8..=30).contains(&mask_prefix) => {
                self.push(Error::InvalidPrefix {
                    field: "netmask".into(),
                    value: shown(mask),
                    reason: format!(
                        "the mask is /{mask_prefix}; an IPv4 vSwitch CIDR is /8 to /30"
                    ),
                });
                None
            }
            (_, _, Some(prefix), _) => Some(prefix),
            (None, _, None, Some(mask_prefix)) => Some(mask_prefix),
            _ => None,
        }
    }

    /// An address a host can hold: inside the subnet, neither its network nor broadcast address.
    fn host_in_subnet(&mut self, field: Field, address: Ipv4Addr, subnet: Ipv4Net) {
        if !subnet.contains(&address) {
            self.push(Error::OutsideSubnet {
                field: field.to_string(),
                value: address.to_string(),
                subnet: subnet.to_string(),
            });
        } else if address == subnet.network() {
            self.push(Error::ReservedAddress {
                field: field.to_string(),
                value: address.to_string(),
                which: "network",
                subnet: subnet.to_string(),
            });
        } else if address == subnet.broadcast() {
            self.push(Error::ReservedAddress {
                field: field.to_string(),
                value: address.to_string(),
                which: "broadcast",
                subnet: subnet.to_string(),
            });
        }
    }

    fn unique(&mut self, seen: &mut Seen, field: Field, address: IpAddr) {
        match seen.iter().find(|(known, _)| *known == address) {
            Some((_, first)) => {
                let first = first.to_string();
                self.push(Error::Duplicate {
                    field: field.to_string(),
                    value: address.to_string(),
                    first,
                });
            }
            None => seen.push((address, field)),
        }
    }

    fn secondaries(
        &mut self,
        raw: &EniPlan,
        subnet: Option<Ipv4Net>,
        seen: &mut Seen,
    ) -> Vec<Ipv4Addr> {
        let mut secondaries = Vec::with_capacity(raw.secondaries.len().min(MAX_ADDRESSES));
        for (index, value) in raw.secondaries.iter().take(MAX_ADDRESSES).enumerate() {
            let field = Field::Indexed("secondaries", index);
            let Some(address) = self.keep(parse_ipv4(field, value)) else {
                continue;
            };
            if let Some(subnet) = subnet {
                self.host_in_subnet(field, address, subnet);
            }
            self.unique(seen, field, address.into());
            secondaries.push(address);
        }
        secondaries
    }

    fn address_limit(&mut self, raw: &EniPlan, checked_secondaries: usize) {
        let count = 1 + raw.secondaries.len();
        let cloud = raw.cloud.as_ref();
        let state = cloud.and_then(|cloud| cloud.eni_state);
        // A zero limit is its own error (`cloud.max_private_ips`); it limits nothing here.
        let stated = cloud
            .and_then(|cloud| cloud.max_private_ips)
            .filter(|max| *max > 0)
            .map(|max| max as usize);
        let (limit, reason) = match (state, stated) {
            (Some(EniState::Available), Some(max)) if max < AVAILABLE_ENI_LIMIT => {
                (max, "cloud.max_private_ips of this ENI".to_string())
            }
            (Some(EniState::Available), _) => (
                AVAILABLE_ENI_LIMIT,
                "an ENI in the Available state takes at most 49 secondary private IP \
                 addresses (AssignPrivateIpAddresses)"
                    .to_string(),
            ),
            (_, Some(max)) if max <= MAX_ADDRESSES => (
                max,
                "cloud.max_private_ips, the instance type's limit per ENI".to_string(),
            ),
            _ => (
                MAX_ADDRESSES,
                "no cloud offers more private IPv4 addresses per ENI".to_string(),
            ),
        };
        if count > limit {
            let note = if raw.secondaries.len() > checked_secondaries {
                format!("; only the first {MAX_ADDRESSES} secondaries were checked")
            } else {
                String::new()
            };
            self.push(Error::TooManyAddresses {
                field: "secondaries".into(),
                value: count.to_string(),
                what: "private IPv4 addresses (the primary included)",
                limit,
                reason: format!("{reason}{note}"),
            });
        }
    }

    fn dns(&mut self, raw: &[String]) -> Vec<IpAddr> {
        if raw.len() > MAX_DNS {
            self.push(Error::TooManyAddresses {
                field: "dns".into(),
                value: raw.len().to_string(),
                what: "DNS servers",
                limit: MAX_DNS,
                reason: "the Linux resolver (glibc MAXNS) uses only the first 3 DNS servers".into(),
            });
        }
        let mut seen = Seen::new();
        let mut servers = Vec::new();
        for (index, value) in raw.iter().take(MAX_ADDRESSES).enumerate() {
            let field = Field::Indexed("dns", index);
            if let Some(server) = self.keep(parse_ip(field, value)) {
                self.unique(&mut seen, field, server);
                servers.push(server);
            }
        }
        servers
    }

    fn ipv6(&mut self, raw: &Ipv6Plan) -> Option<Ipv6Config> {
        let prefix = raw.prefix.unwrap_or(64);
        let prefix_ok = if (1..=128).contains(&prefix) {
            true
        } else {
            self.push(Error::InvalidPrefix {
                field: "ipv6.prefix".into(),
                value: prefix.to_string(),
                reason: "an IPv6 prefix length is 1 to 128 (an ENI's IPv6 CIDR is usually /64)"
                    .into(),
            });
            false
        };
        if raw.addresses.is_empty() {
            self.push(Error::Missing {
                field: "ipv6.addresses".into(),
                hint: "give at least one IPv6 address, or leave `ipv6` out".into(),
            });
            return None;
        }
        if raw.addresses.len() > MAX_ADDRESSES {
            self.push(Error::TooManyAddresses {
                field: "ipv6.addresses".into(),
                value: raw.addresses.len().to_string(),
                what: "IPv6 addresses",
                limit: MAX_ADDRESSES,
                reason: "no cloud offers more IPv6 addresses per ENI".into(),
            });
        }
        let mut network: Option<Ipv6Net> = None;
        let mut seen = Seen::new();
        let mut addresses = Vec::new();
        for (index, value) in raw.addresses.iter().take(MAX_ADDRESSES).enumerate() {
            let field = Field::Indexed("ipv6.addresses", index);
            let Some(address) = self.keep(parse_ipv6_host(field, value)) else {
                continue;
            };
            match network {
                None if prefix_ok => {
                    network = Ipv6Net::new(address, prefix).ok().map(|net| net.trunc());
                }
                Some(net) if !net.contains(&address) => self.push(Error::Ipv6OutsidePrefix {
                    field: field.to_string(),
                    value: address.to_string(),
                    network: net.to_string(),
                }),
                _ => {}
            }
            self.unique(&mut seen, field, address.into());
            addresses.push(address);
        }
        let gateway = raw.gateway.as_deref().and_then(|value| {
            let gateway = self.keep(parse_ipv6(Field::Named("ipv6.gateway"), value))?;
            let link_local = crate::net::is_link_local(gateway);
            if let Some(net) = network {
                if !link_local && !net.contains(&gateway) {
                    self.push(Error::Ipv6OutsidePrefix {
                        field: "ipv6.gateway".into(),
                        value: gateway.to_string(),
                        network: net.to_string(),
                    });
                }
            }
            self.unique(&mut seen, Field::Named("ipv6.gateway"), gateway.into());
            Some(gateway)
        });
        Some(Ipv6Config {
            addresses,
            network: network?,
            gateway,
        })
    }

    /// A secondary ENI's route table: any Linux table but the reserved 0 (unspecified), 253
    /// (default), 254 (main) and 255 (local). Policy routing replaces the main table's default
    /// route, which only a static configuration controls.
    fn route_table(&mut self, table: u32, mode: Mode) -> Option<u32> {
        if matches!(table, 0 | 253..=255) {
            self.push(Error::OutOfRange {
                field: "route_table".into(),
                value: table.to_string(),
                reason: "tables 0, 253 (default), 254 (main) and 255 (local) are reserved; \
                         use 1–252 or 256 and above (one table per ENI, e.g. 1001)"
                    .into(),
            });
            return None;
        }
        if mode == Mode::Dhcp {
            self.push(Error::Unsupported {
                field: "route_table".into(),
                value: table.to_string(),
                target: "mode dhcp".into(),
                reason: "a DHCP lease installs its default route in the main table; policy \
                         routing for a secondary ENI needs mode static"
                    .into(),
            });
            return None;
        }
        Some(table)
    }

    fn cloud(
        &mut self,
        raw: &CloudPlan,
        secondaries: &[Ipv4Addr],
        ipv6: Option<&Ipv6Config>,
    ) -> Cloud {
        let provider = raw.provider.unwrap_or(Provider::Aliyun);
        let region = raw
            .region
            .as_deref()
            .and_then(|region| self.keep(names::region("cloud.region", region, provider)));
        let eni_id = raw
            .eni_id
            .as_deref()
            .and_then(|id| self.keep(names::eni_id("cloud.eni_id", id, provider)));
        let max_private_ips = raw.max_private_ips.and_then(|max| {
            if max == 0 {
                self.push(Error::OutOfRange {
                    field: "cloud.max_private_ips".into(),
                    value: "0".into(),
                    reason: "an ENI carries at least its primary address, so the limit is 1 or \
                             more"
                        .into(),
                });
                None
            } else {
                Some(max)
            }
        });
        let azure = |this: &mut Self, field: &str, value: &Option<String>, kind| {
            let value = value.as_deref()?;
            if provider != Provider::Azure {
                this.push(Error::Unsupported {
                    field: field.into(),
                    value: shown(value),
                    target: format!("provider {provider}"),
                    reason: "only an Azure NIC is named by resource group, NIC name and \
                             ip-configs; set cloud.provider: azure, or leave this out"
                        .into(),
                });
                return None;
            }
            this.keep(names::azure_name(field, value, kind))
        };
        let resource_group = azure(
            self,
            "cloud.resource_group",
            &raw.resource_group,
            names::AzureName::ResourceGroup,
        );
        let nic_name = azure(self, "cloud.nic_name", &raw.nic_name, names::AzureName::Nic);
        let mut ip_configs = std::collections::BTreeMap::new();
        for (address, name) in &raw.ip_configs {
            let field = format!("cloud.ip_configs.{address}");
            let Some(name) = azure(self, &field, &Some(name.clone()), names::AzureName::Nic) else {
                continue;
            };
            let Ok(address) = address.parse::<IpAddr>() else {
                self.push(Error::InvalidAddress {
                    field,
                    value: shown(address),
                    kind: "IP",
                    reason: "each key of ip_configs is the address its ip-config holds".into(),
                });
                continue;
            };
            // Only an address the cloud target assigns has an ip-config of eniplan's to name:
            // any other key is a typo that would leave an address under the wrong name.
            let assigned = match address {
                IpAddr::V4(v4) => secondaries.contains(&v4),
                IpAddr::V6(v6) => ipv6.is_some_and(|ipv6| ipv6.addresses().contains(&v6)),
            };
            if !assigned {
                self.push(Error::UnknownKey {
                    field,
                    hint: format!(
                        "{address} is no secondary or IPv6 address of this plan, so it has no \
                         ip-config to name (`{name}`)"
                    ),
                });
                continue;
            }
            ip_configs.insert(address, name);
        }
        let cloud = Cloud {
            provider,
            region,
            eni_id,
            eni_state: raw.eni_state,
            max_private_ips,
            resource_group,
            nic_name,
            ip_configs,
        };
        if provider == Provider::Azure {
            // Two addresses under one ip-config name would make the second `create` replace
            // the first ip-config: each name once, given or eniplan's.
            let mut names: Vec<(String, IpAddr)> = Vec::new();
            let addresses = secondaries.iter().copied().map(IpAddr::V4).chain(
                ipv6.into_iter()
                    .flat_map(|ipv6| ipv6.addresses().iter().copied().map(IpAddr::V6)),
            );
            for address in addresses {
                let name = cloud.ip_config(address);
                if let Some((_, first)) = names.iter().find(|(seen, _)| *seen == name) {
                    self.push(Error::Duplicate {
                        field: format!("cloud.ip_configs.{address}"),
                        value: name.clone(),
                        first: format!("the ip-config of {first}"),
                    });
                }
                names.push((name, address));
            }
        }
        cloud
    }
}

/// Why a string is not an address, in words a user can act on.
fn address_syntax_reason(value: &str, kind: &str) -> String {
    if value.contains('/') {
        "CIDR notation is not accepted here: give the bare address and put the length in \
         `prefix`"
            .into()
    } else if value.trim() != value {
        "it has leading or trailing whitespace".into()
    } else if !value.is_ascii() {
        "it contains non-ASCII characters (a look-alike digit, dot or colon?)".into()
    } else if kind == "IPv4"
        && value
            .split('.')
            .any(|octet| octet.len() > 1 && octet.starts_with('0'))
    {
        "octets with leading zeros are refused: some tools read them as octal".into()
    } else if kind == "IPv4" {
        "expected four decimal octets such as 192.168.1.202".into()
    } else {
        "expected an address such as 2001:db8:1:1::a".into()
    }
}

/// Parses a host IPv4 address an ENI can hold.
fn parse_ipv4(field: Field, value: &str) -> Result<Ipv4Addr, Error> {
    let invalid = |reason: String| Error::InvalidAddress {
        field: field.to_string(),
        value: shown(value),
        kind: "IPv4",
        reason,
    };
    let address =
        Ipv4Addr::from_str(value).map_err(|_| invalid(address_syntax_reason(value, "IPv4")))?;
    let not_host = if address.is_unspecified() {
        Some("the unspecified address")
    } else if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_multicast() {
        Some("a multicast address")
    } else if address.is_broadcast() {
        Some("the limited broadcast address")
    } else if address.is_link_local() {
        Some("a link-local address (169.254.0.0/16), which the OS assigns itself")
    } else {
        None
    };
    match not_host {
        Some(what) => Err(invalid(format!("it is {what}, not an ENI address"))),
        None => Ok(address),
    }
}

/// Parses any IP address (DNS servers may be IPv4 or IPv6).
fn parse_ip(field: Field, value: &str) -> Result<IpAddr, Error> {
    let address = IpAddr::from_str(value).map_err(|_| Error::InvalidAddress {
        field: field.to_string(),
        value: shown(value),
        kind: "IP",
        reason: address_syntax_reason(value, "IP"),
    })?;
    if address.is_unspecified() || address.is_multicast() {
        return Err(Error::InvalidAddress {
            field: field.to_string(),
            value: shown(value),
            kind: "IP",
            reason: "a DNS server needs a unicast address".into(),
        });
    }
    Ok(address)
}

fn parse_ipv6(field: Field, value: &str) -> Result<Ipv6Addr, Error> {
    let invalid = |reason: String| Error::InvalidAddress {
        field: field.to_string(),
        value: shown(value),
        kind: "IPv6",
        reason,
    };
    let address =
        Ipv6Addr::from_str(value).map_err(|_| invalid(address_syntax_reason(value, "IPv6")))?;
    if address.to_ipv4_mapped().is_some() {
        return Err(invalid(
            "an IPv4-mapped address (::ffff:a.b.c.d) is IPv4; put it in `primary` or \
             `secondaries`"
                .into(),
        ));
    }
    if address.is_unspecified() || address.is_loopback() || address.is_multicast() {
        return Err(invalid("it is not a unicast address".into()));
    }
    Ok(address)
}

/// An IPv6 address an ENI can be assigned: unicast and not link-local (the OS makes that one).
fn parse_ipv6_host(field: Field, value: &str) -> Result<Ipv6Addr, Error> {
    let address = parse_ipv6(field, value)?;
    if crate::net::is_link_local(address) {
        return Err(Error::InvalidAddress {
            field: field.to_string(),
            value: shown(value),
            kind: "IPv6",
            reason: "a link-local address (fe80::/10) is made by the OS itself, not assigned to \
                     an ENI"
                .into(),
        });
    }
    Ok(address)
}

/// Parses a dotted netmask and returns its prefix length.
fn parse_netmask(field: &str, value: &str) -> Result<u8, Error> {
    let mask = Ipv4Addr::from_str(value).map_err(|_| Error::InvalidAddress {
        field: field.into(),
        value: shown(value),
        kind: "IPv4",
        reason: format!(
            "a netmask is written like 255.255.255.0; {}",
            address_syntax_reason(value, "IPv4")
        ),
    })?;
    crate::net::netmask_prefix(&mask.to_string()).ok_or_else(|| Error::NonContiguousMask {
        field: field.into(),
        value: shown(value),
    })
}

/// Parses `00:16:3e:16:43:aa` or `00-16-3E-16-43-AA`.
pub(crate) fn parse_mac(field: &str, value: &str) -> Result<MacAddr, Error> {
    let invalid = |reason: &str| Error::InvalidMac {
        field: field.into(),
        value: shown(value),
        reason: reason.into(),
    };
    let separator = if value.contains('-') { '-' } else { ':' };
    let parts: Vec<&str> = value.split(separator).collect();
    if parts.len() != 6 {
        return Err(invalid(
            "expected six hex octets separated by `:` (or `-`), like 00:16:3e:16:43:aa",
        ));
    }
    let mut octets = [0u8; 6];
    for (octet, part) in octets.iter_mut().zip(&parts) {
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "every octet is exactly two hex digits, like 00:16:3e:16:43:aa",
            ));
        }
        *octet = u8::from_str_radix(part, 16).map_err(|_| invalid("not hex"))?;
    }
    if octets == [0; 6] {
        return Err(invalid("the all-zero address belongs to no NIC"));
    }
    if octets[0] & 1 == 1 {
        return Err(invalid(
            "a multicast MAC (lowest bit of the first octet set) belongs to no NIC",
        ));
    }
    Ok(MacAddr(octets))
}
