//! The network intent: what the operating system must hold for one plan — its addresses with
//! their roles, the method of each address family, the routes and policy rules, the DNS
//! servers — decided once, here. Every family serialises an [`Intent`]; none of them decides
//! again from the plan which gateway goes where, which addresses are static or which table a
//! route lives in. A change between two plans is the typed [`Difference`] of their intents.

use crate::model::{address_of, Plan};
use crate::plan::Mode;

/// The priority of the rules that send a secondary ENI's replies through its own table: below
/// the main table's rule (32766), so they are consulted first.
pub(crate) const RULE_PRIORITY: u32 = 1000;

/// How an address family's addresses are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Every address of the family is configured by hand.
    Static,
    /// The primary comes from DHCP; the secondaries are added statically.
    Dhcp,
}

/// What an address is to the ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The ENI's primary private address (for IPv6: the first address, the ENI's own).
    Primary,
    /// A secondary address; `number` counts from 1 in the plan's order.
    Secondary {
        /// 1 for the first secondary, 2 for the next, …
        number: usize,
    },
}

/// One address of the intent, as the text every family writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Address<'p> {
    /// The address alone, e.g. `192.168.1.202`.
    pub(crate) text: &'p str,
    /// `address/prefix`, e.g. `192.168.1.202/24`.
    pub(crate) cidr: &'p str,
    /// Primary or secondary.
    pub(crate) role: Role,
}

/// An IP version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// Where a route leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination<'p> {
    /// The default route of its version (`0.0.0.0/0`, `::/0`).
    Default,
    /// A prefix, e.g. the ENI's subnet `192.168.2.0/24`.
    Prefix(&'p str),
}

/// One route the OS must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route<'p> {
    /// IPv4 or IPv6.
    pub(crate) version: Version,
    /// The destination.
    pub(crate) to: Destination<'p>,
    /// The next hop; `None` for a route on the link itself (scope link).
    pub(crate) via: Option<&'p str>,
    /// The route table; `None` for the main table.
    pub(crate) table: Option<u32>,
}

/// One source-based policy rule: traffic from `from` looks up `table` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Rule<'p> {
    /// The source address.
    pub(crate) from: &'p str,
    /// The route table.
    pub(crate) table: u32,
    /// The rule's priority ([`RULE_PRIORITY`]).
    pub(crate) priority: u32,
}

/// The IPv6 part of the intent.
#[derive(Debug, Clone)]
pub(crate) struct Ipv6<'p> {
    /// Every IPv6 address, the ENI's own first; all static.
    pub(crate) addresses: Vec<Address<'p>>,
    /// The prefix length.
    pub(crate) prefix: u8,
    /// The IPv6 default gateway.
    pub(crate) gateway: Option<Gateway6<'p>>,
}

/// The IPv6 default gateway, with what the families that name it need to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gateway6<'p> {
    /// The address as text.
    pub(crate) text: &'p str,
    /// A link-local next hop (`fe80::/10`) is only reachable through a named interface.
    pub(crate) link_local: bool,
}

/// The DNS servers, in order of preference.
#[derive(Debug, Clone)]
pub(crate) struct Dns<'p> {
    /// Every server.
    pub(crate) all: &'p [String],
    /// The IPv4 servers.
    pub(crate) v4: Vec<&'p str>,
    /// The IPv6 servers.
    pub(crate) v6: Vec<&'p str>,
}

/// A secondary ENI's policy routing: its own table holds its default route and subnet route,
/// and one rule per address sends replies from that address through the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table<'p> {
    /// The table number.
    pub(crate) id: u32,
    /// The ENI's gateway (validation requires one with a route table).
    pub(crate) gateway: &'p str,
    /// The ENI's subnet, e.g. `192.168.2.0/24`.
    pub(crate) subnet: &'p str,
}

/// What the OS must hold for one plan.
#[derive(Debug, Clone)]
pub(crate) struct Intent<'p> {
    /// The plan the intent was built from (names, MAC, cloud facts, options).
    pub(crate) plan: &'p Plan,
    /// How the IPv4 primary is obtained.
    pub(crate) method4: Method,
    /// Every IPv4 address: the primary, then the secondaries in the plan's order.
    pub(crate) ipv4: Vec<Address<'p>>,
    /// `address/prefix` of the IPv4 addresses configured statically: all of them in static
    /// mode, the secondaries only when DHCP gives the primary.
    pub(crate) static4: &'p [String],
    /// The IPv6 part, when the plan has one.
    pub(crate) ipv6: Option<Ipv6<'p>>,
    /// The IPv4 default gateway of the main table: the plan's, in static mode, unless the ENI
    /// routes through a table of its own.
    pub(crate) gateway4: Option<&'p str>,
    /// The ENI's own route table, when it has one.
    pub(crate) table: Option<Table<'p>>,
    /// Every route: the IPv4 ones (the own table's default and subnet routes, or the main
    /// default route), then the IPv6 default route.
    pub(crate) routes: Vec<Route<'p>>,
    /// The policy rules, one per IPv4 address when the ENI has its own table.
    pub(crate) rules: Vec<Rule<'p>>,
    /// The DNS servers.
    pub(crate) dns: Dns<'p>,
}

impl<'p> Intent<'p> {
    /// Decides what the OS must hold for `plan`.
    pub(crate) fn of(plan: &'p Plan) -> Intent<'p> {
        let text = &plan.text;
        let method4 = match plan.mode() {
            Mode::Static => Method::Static,
            Mode::Dhcp => Method::Dhcp,
        };
        let ipv4: Vec<Address<'p>> = text
            .cidrs
            .iter()
            .enumerate()
            .map(|(index, cidr)| Address {
                text: address_of(cidr),
                cidr,
                role: role(index),
            })
            .collect();
        let static4 = match method4 {
            Method::Static => &text.cidrs[..],
            Method::Dhcp => &text.cidrs[1..],
        };
        let ipv6 = plan.ipv6().map(|ipv6| Ipv6 {
            addresses: text
                .ipv6_cidrs
                .iter()
                .enumerate()
                .map(|(index, cidr)| Address {
                    text: address_of(cidr),
                    cidr,
                    role: role(index),
                })
                .collect(),
            prefix: ipv6.prefix_len(),
            gateway: ipv6
                .gateway()
                .zip(text.ipv6_gateway.as_deref())
                .map(|(gateway, text)| Gateway6 {
                    text,
                    link_local: crate::net::is_link_local(gateway),
                }),
        });
        let table = match (plan.route_table(), &text.gateway) {
            (Some(id), Some(gateway)) => Some(Table {
                id,
                gateway,
                subnet: &text.subnet,
            }),
            _ => None,
        };
        let gateway4 = match (method4, table) {
            (Method::Static, None) => text.gateway.as_deref(),
            _ => None,
        };
        let mut routes = Vec::with_capacity(3);
        let mut rules = Vec::new();
        match table {
            Some(table) => {
                routes.push(Route {
                    version: Version::V4,
                    to: Destination::Default,
                    via: Some(table.gateway),
                    table: Some(table.id),
                });
                routes.push(Route {
                    version: Version::V4,
                    to: Destination::Prefix(table.subnet),
                    via: None,
                    table: Some(table.id),
                });
                rules.extend(ipv4.iter().map(|address| Rule {
                    from: address.text,
                    table: table.id,
                    priority: RULE_PRIORITY,
                }));
            }
            None => {
                if let Some(gateway) = gateway4 {
                    routes.push(Route {
                        version: Version::V4,
                        to: Destination::Default,
                        via: Some(gateway),
                        table: None,
                    });
                }
            }
        }
        if let Some(gateway) = ipv6.as_ref().and_then(|ipv6| ipv6.gateway) {
            routes.push(Route {
                version: Version::V6,
                to: Destination::Default,
                via: Some(gateway.text),
                table: None,
            });
        }
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (server, text) in plan.dns().iter().zip(&text.dns) {
            if server.is_ipv4() {
                v4.push(text.as_str());
            } else {
                v6.push(text.as_str());
            }
        }
        Intent {
            plan,
            method4,
            ipv4,
            static4,
            ipv6,
            gateway4,
            table,
            routes,
            rules,
            dns: Dns {
                all: &text.dns,
                v4,
                v6,
            },
        }
    }

    /// The OS name of the NIC (or the Windows adapter).
    pub(crate) fn interface(&self) -> &'p str {
        self.plan.interface()
    }

    /// The MAC address as text, when the plan gives one.
    pub(crate) fn mac(&self) -> Option<&'p str> {
        self.plan.text.mac.as_deref()
    }

    /// The primary IPv4 address.
    pub(crate) fn primary(&self) -> Address<'p> {
        self.ipv4[0]
    }

    /// The IPv4 addresses configured statically (see [`Intent::static4`]).
    pub(crate) fn static_ipv4(&self) -> impl Iterator<Item = Address<'p>> + '_ {
        let skip = usize::from(self.method4 == Method::Dhcp);
        self.ipv4.iter().skip(skip).copied()
    }

    /// The IPv4 secondaries, in the plan's order.
    pub(crate) fn secondaries(&self) -> &[Address<'p>] {
        &self.ipv4[1..]
    }

    /// The dotted netmask of the IPv4 subnet.
    pub(crate) fn netmask(&self) -> &'p str {
        &self.plan.text.netmask
    }

    /// The IPv4 prefix length as text.
    pub(crate) fn prefix(&self) -> &'p str {
        &self.plan.text.prefix
    }

    /// The plan's gateway, whether or not it goes to the main table (Windows needs it as the
    /// adapter's default gateway; a DHCP plan may still name it).
    pub(crate) fn plan_gateway(&self) -> Option<&'p str> {
        self.plan.text.gateway.as_deref()
    }

    /// `address/prefix` of every IPv6 address.
    pub(crate) fn ipv6_cidrs(&self) -> &'p [String] {
        &self.plan.text.ipv6_cidrs
    }

    /// The alias label of the secondary numbered `number` (from 1): `eth0:0` for the first.
    pub(crate) fn label(&self, number: usize) -> String {
        format!("{}:{}", self.interface(), number - 1)
    }

    /// The addresses the cloud assigns on top of what the ENI is created with: the IPv4
    /// secondaries, and every IPv6 address after the first (the ENI's own).
    pub(crate) fn cloud_assigned(&self) -> (Vec<&'p str>, Vec<&'p str>) {
        let ipv4 = self.secondaries().iter().map(|a| a.text).collect();
        let ipv6 = self
            .ipv6
            .iter()
            .flat_map(|ipv6| ipv6.addresses.iter().skip(1).map(|a| a.text))
            .collect();
        (ipv4, ipv6)
    }
}

fn role(index: usize) -> Role {
    match index {
        0 => Role::Primary,
        number => Role::Secondary { number },
    }
}

/// What a change from one intent to another removes. Neither plan's primary address is ever
/// among the removals: it may carry the session applying the change.
#[derive(Debug, Clone)]
pub(crate) struct Difference<'p> {
    /// The IPv4 addresses configured before (with their prefix then) and not after.
    pub(crate) ipv4: Vec<Address<'p>>,
    /// The IPv6 addresses configured before and not after.
    pub(crate) ipv6: Vec<Address<'p>>,
    /// The policy rules before that are not wanted after.
    pub(crate) rules: Vec<Rule<'p>>,
    /// The ENI had its own route table and no longer has one.
    pub(crate) table_dropped: bool,
    /// The primary IPv4 address changes: (before, after).
    pub(crate) primary_changed: Option<(&'p str, &'p str)>,
}

impl<'p> Difference<'p> {
    /// What `after` no longer holds of `before`.
    pub(crate) fn between(before: &Intent<'p>, after: &Intent<'p>) -> Difference<'p> {
        let primaries = [before.primary().text, after.primary().text];
        let ipv4 = before
            .static_ipv4()
            .filter(|address| !after.static4.iter().any(|cidr| cidr == address.cidr))
            .filter(|address| !primaries.contains(&address.text))
            .collect();
        let ipv6 = before
            .ipv6
            .iter()
            .flat_map(|ipv6| ipv6.addresses.iter().copied())
            .filter(|address| !after.ipv6_cidrs().iter().any(|cidr| cidr == address.cidr))
            .collect();
        let rules = before
            .rules
            .iter()
            .filter(|rule| !after.rules.contains(rule))
            .copied()
            .collect();
        let primary_changed =
            (primaries[0] != primaries[1]).then_some((primaries[0], primaries[1]));
        Difference {
            ipv4,
            ipv6,
            rules,
            table_dropped: before.table.is_some() && after.table.is_none(),
            primary_changed,
        }
    }
}
