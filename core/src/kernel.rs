//! The kernel's network state, typed: what `ip -j addr show`, `ip -j -4/-6 route show table all`
//! and `ip -j -4/-6 rule show` report (iproute2's JSON output), parsed once here. Three things
//! are decided from it, all pure:
//!
//! - [`verify`]: whether the running state holds what plans ask for (their addresses with the
//!   primary first, the default route, a secondary ENI's own table and rules, IPv6), as typed
//!   differences ([`Drift`]) — the verification after an apply;
//! - [`KernelState::scoped`] and equality: whether the state of the interfaces and tables an
//!   apply touched is what it was before — the check after a rollback;
//! - [`KernelState::converge_to`]: the `ip` commands that bring those interfaces and tables back
//!   to a snapshot where restoring the files and restarting the stack did not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Errors};
use crate::intent::{Destination, Intent, Method, Version};
use crate::model::Plan;
use crate::read::Drift;
use crate::rendering::Command;

/// The route table `main` (iproute2's `rt_tables`): where routes go without a table.
pub const MAIN_TABLE: u32 = 254;
const LOCAL_TABLE: u32 = 255;
const DEFAULT_TABLE: u32 = 253;

/// The `ip -j` outputs a [`KernelState`] is read from, as the commands print them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpJson {
    /// `ip -j addr show`.
    pub addresses: String,
    /// `ip -j -4 route show table all`.
    pub routes4: String,
    /// `ip -j -6 route show table all`.
    pub routes6: String,
    /// `ip -j -4 rule show`.
    pub rules4: String,
    /// `ip -j -6 rule show`.
    pub rules6: String,
}

impl IpJson {
    /// The `ip` commands whose outputs these are, in field order.
    pub const COMMANDS: [&'static [&'static str]; 5] = [
        &["ip", "-j", "addr", "show"],
        &["ip", "-j", "-4", "route", "show", "table", "all"],
        &["ip", "-j", "-6", "route", "show", "table", "all"],
        &["ip", "-j", "-4", "rule", "show"],
        &["ip", "-j", "-6", "rule", "show"],
    ];
}

/// One interface: its MAC, whether it is up, its addresses in the kernel's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The link-layer address.
    pub mac: Option<String>,
    /// Administratively up (`UP` among its flags).
    pub up: bool,
    /// Its addresses, in the order the kernel lists them (the primary of each subnet first).
    pub addresses: Vec<KernelAddress>,
}

/// One address on an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelAddress {
    /// The address and its prefix length.
    pub net: IpNet,
    /// `global`, `link` or `host`.
    pub scope: String,
    /// A secondary of its subnet (the kernel's `secondary` flag): not the source by default.
    pub secondary: bool,
    /// Configured by DHCP or SLAAC (`dynamic`): it has a lifetime.
    pub dynamic: bool,
    /// IPv6 duplicate address detection has not finished.
    pub tentative: bool,
    /// IPv6 duplicate address detection failed: the address is unusable.
    pub dad_failed: bool,
}

/// One route of any table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KernelRoute {
    /// The table's number (`main` is 254).
    pub table: u32,
    /// The destination; `None` for the default route.
    pub to: Option<IpNet>,
    /// The next hop.
    pub via: Option<IpAddr>,
    /// The interface.
    pub dev: Option<String>,
    /// The metric, when the kernel reports one.
    pub metric: Option<u32>,
    /// Made by the kernel for an address (`proto kernel`): it comes and goes with the address.
    pub kernel: bool,
    /// IPv6 (the destination does not say so for a default route).
    pub ipv6: bool,
}

/// One policy rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KernelRule {
    /// Its priority.
    pub priority: u32,
    /// The source it matches; `None` for every source.
    pub from: Option<IpNet>,
    /// The table it looks up.
    pub table: u32,
    /// IPv6.
    pub ipv6: bool,
}

/// The kernel's network state: every interface, route and rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelState {
    /// Interfaces by name.
    pub links: BTreeMap<String, Link>,
    /// Every route of every table but `local` (the kernel's own, made for each address).
    pub routes: BTreeSet<KernelRoute>,
    /// Every rule but the three the kernel always has (`local`, `main`, `default`).
    pub rules: BTreeSet<KernelRule>,
}

fn list(field: &str, text: &str) -> Result<Vec<Value>, Error> {
    let syntax = |message: String| Error::Syntax {
        field: field.into(),
        message,
    };
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err(syntax("expected the JSON list `ip -j` prints".into())),
        // `ip -j` prints nothing at all for an empty table on some versions.
        Err(_) if text.trim().is_empty() => Ok(Vec::new()),
        Err(error) => Err(syntax(format!("not JSON: {error}"))),
    }
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool) == Some(true)
}

/// A table as `ip -j` names it: a number, or a name from iproute2's `rt_tables`.
fn table_number(value: Option<&Value>) -> Option<u32> {
    match value {
        None => Some(MAIN_TABLE),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(name)) => match name.as_str() {
            "main" => Some(MAIN_TABLE),
            "local" => Some(LOCAL_TABLE),
            "default" => Some(DEFAULT_TABLE),
            number => number.parse().ok(),
        },
        Some(_) => None,
    }
}

/// A destination or source as `ip -j` writes it: `default`/`all`, `a.b.c.d/n`, or a host.
fn net(word: &str, ipv6: bool) -> Result<Option<IpNet>, ()> {
    match word {
        "default" | "all" => Ok(None),
        _ => match word.parse::<IpNet>() {
            Ok(net) => Ok(Some(net)),
            Err(_) => word
                .parse::<IpAddr>()
                .map(|address| Some(IpNet::from(address)))
                .map_err(|_| ()),
        },
    }
    .and_then(|net| match net {
        Some(net) if matches!(net, IpNet::V6(_)) != ipv6 => Err(()),
        other => Ok(other),
    })
}

impl KernelState {
    /// Reads the state from `ip -j`'s outputs. Anything that is not iproute2's JSON is an error
    /// naming the command's output it was in; entries of kinds a plan never touches (local
    /// and broadcast routes, multicast) are left out.
    pub fn parse(json: &IpJson) -> Result<KernelState, Errors> {
        let mut state = KernelState::default();
        let mut errors = Vec::new();
        match list("ip -j addr show", &json.addresses) {
            Ok(links) => {
                for link in links {
                    let Some(name) = text(&link, "ifname") else {
                        continue;
                    };
                    let up = link
                        .get("flags")
                        .and_then(Value::as_array)
                        .is_some_and(|flags| flags.iter().any(|f| f.as_str() == Some("UP")));
                    let mut addresses = Vec::new();
                    for info in link
                        .get("addr_info")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let (Some(local), Some(prefix)) = (
                            text(info, "local"),
                            info.get("prefixlen").and_then(Value::as_u64),
                        ) else {
                            continue;
                        };
                        let Ok(address) = local.parse::<IpAddr>() else {
                            continue;
                        };
                        let Ok(net) = IpNet::new(address, prefix.min(128) as u8) else {
                            continue;
                        };
                        addresses.push(KernelAddress {
                            net,
                            scope: text(info, "scope").unwrap_or("global").to_string(),
                            secondary: flag(info, "secondary"),
                            dynamic: flag(info, "dynamic"),
                            tentative: flag(info, "tentative"),
                            dad_failed: flag(info, "dadfailed"),
                        });
                    }
                    state.links.insert(
                        name.to_string(),
                        Link {
                            mac: text(&link, "address").map(str::to_ascii_lowercase),
                            up,
                            addresses,
                        },
                    );
                }
            }
            Err(error) => errors.push(error),
        }
        for (field, routes, ipv6) in [
            ("ip -j -4 route show table all", &json.routes4, false),
            ("ip -j -6 route show table all", &json.routes6, true),
        ] {
            match list(field, routes) {
                Ok(routes) => {
                    for route in routes {
                        // Unicast routes only: local, broadcast, multicast and the like are the
                        // kernel's bookkeeping.
                        if text(&route, "type").is_some_and(|kind| kind != "unicast") {
                            continue;
                        }
                        let Some(table) = table_number(route.get("table")) else {
                            continue;
                        };
                        if table == LOCAL_TABLE {
                            continue;
                        }
                        let Ok(to) = net(text(&route, "dst").unwrap_or("default"), ipv6) else {
                            continue;
                        };
                        state.routes.insert(KernelRoute {
                            table,
                            to,
                            via: text(&route, "gateway").and_then(|g| g.parse().ok()),
                            dev: text(&route, "dev").map(str::to_string),
                            metric: route
                                .get("metric")
                                .and_then(Value::as_u64)
                                .and_then(|m| u32::try_from(m).ok()),
                            kernel: text(&route, "protocol") == Some("kernel"),
                            ipv6,
                        });
                    }
                }
                Err(error) => errors.push(error),
            }
        }
        for (field, rules, ipv6) in [
            ("ip -j -4 rule show", &json.rules4, false),
            ("ip -j -6 rule show", &json.rules6, true),
        ] {
            match list(field, rules) {
                Ok(rules) => {
                    for rule in rules {
                        let (Some(priority), Some(table)) = (
                            rule.get("priority")
                                .and_then(Value::as_u64)
                                .and_then(|p| u32::try_from(p).ok()),
                            table_number(rule.get("table")),
                        ) else {
                            continue;
                        };
                        let Ok(from) = net(text(&rule, "src").unwrap_or("all"), ipv6) else {
                            continue;
                        };
                        // The kernel's own three rules.
                        if from.is_none()
                            && matches!(
                                (priority, table),
                                (0, LOCAL_TABLE) | (32766, MAIN_TABLE) | (32767, DEFAULT_TABLE)
                            )
                        {
                            continue;
                        }
                        state.rules.insert(KernelRule {
                            priority,
                            from,
                            table,
                            ipv6,
                        });
                    }
                }
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(state)
        } else {
            Err(Errors::from_vec(errors))
        }
    }

    /// The part of the state an apply of `interfaces` with `tables` can change: those
    /// interfaces' links (addresses that expire, DHCP's and SLAAC's, left out), the routes of
    /// those tables and the main table's routes through those interfaces, and the rules that
    /// look those tables up or match those interfaces' addresses. Two snapshots of an
    /// untouched host have equal scopes.
    pub fn scoped(&self, interfaces: &[String], tables: &[u32]) -> KernelState {
        let links: BTreeMap<String, Link> = self
            .links
            .iter()
            .filter(|(name, _)| interfaces.contains(name))
            .map(|(name, link)| {
                let addresses = link
                    .addresses
                    .iter()
                    .filter(|a| !a.dynamic && a.scope != "link")
                    .map(|a| KernelAddress {
                        tentative: false,
                        ..a.clone()
                    })
                    .collect();
                (
                    name.clone(),
                    Link {
                        mac: link.mac.clone(),
                        up: link.up,
                        addresses,
                    },
                )
            })
            .collect();
        let owned: BTreeSet<IpAddr> = links
            .values()
            .flat_map(|link| link.addresses.iter().map(|a| a.net.addr()))
            .collect();
        let routes = self
            .routes
            .iter()
            .filter(|route| {
                tables.contains(&route.table)
                    || route
                        .dev
                        .as_ref()
                        .is_some_and(|dev| interfaces.contains(dev))
            })
            .cloned()
            .collect();
        let rules = self
            .rules
            .iter()
            .filter(|rule| {
                tables.contains(&rule.table)
                    || rule.from.is_some_and(|from| {
                        from.prefix_len() == from.max_prefix_len() && owned.contains(&from.addr())
                    })
            })
            .cloned()
            .collect();
        KernelState {
            links,
            routes,
            rules,
        }
    }

    /// The `ip` commands that turn this state's `interfaces` and `tables` into `snapshot`'s:
    /// addresses removed and added (the primary first), routes and rules removed and added.
    /// Routes the kernel makes for an address come back with it and are left alone, and so
    /// are addresses with a lifetime (a DHCP lease is the DHCP client's to restore).
    pub fn converge_to(
        &self,
        snapshot: &KernelState,
        interfaces: &[String],
        tables: &[u32],
    ) -> Vec<Command> {
        let now = self.scoped(interfaces, tables);
        let then = snapshot.scoped(interfaces, tables);
        let mut commands = Vec::new();
        // Rules first, then routes, then addresses: nothing routes through an address that is
        // about to go.
        for rule in now.rules.difference(&then.rules) {
            commands.push(Command::posix(
                rule_argv("del", rule),
                "remove a rule the apply added",
            ));
        }
        let routes_now: BTreeSet<&KernelRoute> = now.routes.iter().filter(|r| !r.kernel).collect();
        let routes_then: BTreeSet<&KernelRoute> =
            then.routes.iter().filter(|r| !r.kernel).collect();
        for route in routes_now.difference(&routes_then) {
            commands.push(Command::posix(
                route_argv("del", route),
                "remove a route the apply added",
            ));
        }
        for name in interfaces {
            let before = then.links.get(name);
            let after = now.links.get(name);
            let (Some(before), Some(after)) = (before, after) else {
                continue;
            };
            let had =
                |a: &KernelAddress, list: &[KernelAddress]| list.iter().any(|b| b.net == a.net);
            for address in after.addresses.iter().rev() {
                if !had(address, &before.addresses) {
                    commands.push(Command::posix(
                        [
                            "ip".to_string(),
                            "addr".into(),
                            "del".into(),
                            address.net.to_string(),
                            "dev".into(),
                            name.clone(),
                        ],
                        "remove an address the apply added",
                    ));
                }
            }
            for address in &before.addresses {
                if !had(address, &after.addresses) {
                    commands.push(Command::posix(
                        [
                            "ip".to_string(),
                            "addr".into(),
                            "add".into(),
                            address.net.to_string(),
                            "dev".into(),
                            name.clone(),
                        ],
                        "put back an address the apply removed",
                    ));
                }
            }
            if before.up != after.up {
                commands.push(Command::posix(
                    [
                        "ip",
                        "link",
                        "set",
                        name.as_str(),
                        if before.up { "up" } else { "down" },
                    ],
                    "put the link back as it was",
                ));
            }
        }
        for route in routes_then.difference(&routes_now) {
            commands.push(Command::posix(
                route_argv("add", route),
                "put back a route the apply removed",
            ));
        }
        for rule in then.rules.difference(&now.rules) {
            commands.push(Command::posix(
                rule_argv("add", rule),
                "put back a rule the apply removed",
            ));
        }
        commands
    }
}

fn route_argv(verb: &str, route: &KernelRoute) -> Vec<String> {
    let mut argv = vec!["ip".to_string()];
    if route.ipv6 {
        argv.push("-6".into());
    }
    argv.extend(["route".to_string(), verb.to_string()]);
    argv.push(route.to.map_or("default".into(), |to| to.to_string()));
    if let Some(via) = route.via {
        argv.extend(["via".to_string(), via.to_string()]);
    }
    if let Some(dev) = &route.dev {
        argv.extend(["dev".to_string(), dev.clone()]);
    }
    if let Some(metric) = route.metric {
        argv.extend(["metric".to_string(), metric.to_string()]);
    }
    argv.extend(["table".to_string(), route.table.to_string()]);
    argv
}

fn rule_argv(verb: &str, rule: &KernelRule) -> Vec<String> {
    let mut argv = vec!["ip".to_string()];
    if rule.ipv6 {
        argv.push("-6".into());
    }
    argv.extend(["rule".to_string(), verb.to_string()]);
    argv.extend(["priority".to_string(), rule.priority.to_string()]);
    if let Some(from) = rule.from {
        argv.extend(["from".to_string(), from.to_string()]);
    }
    argv.extend(["table".to_string(), rule.table.to_string()]);
    argv
}

/// What verifying a running state found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Every way the state differs from the plans (empty: it holds them).
    pub differences: Vec<Drift>,
    /// IPv6 addresses still in duplicate address detection: the state may yet settle.
    pub settling: Vec<String>,
}

impl Verification {
    /// The state holds the plans.
    pub fn holds(&self) -> bool {
        self.differences.is_empty() && self.settling.is_empty()
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for drift in &self.differences {
            writeln!(f, "{drift}")?;
        }
        for address in &self.settling {
            writeln!(f, "{address}: duplicate address detection has not finished")?;
        }
        Ok(())
    }
}

fn joined<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `state` holds what `plans` (one instance, the primary ENI first) ask of the running
/// kernel, field by field: each interface exists and is up; its IPv4 addresses are exactly the
/// plan's, with the plan's prefix and the plan's primary first (the kernel's primary, the one
/// its `secondary` flag is not set on); its IPv6 addresses alike; the main table's default
/// route (the lowest metric) goes through the primary ENI's gateway; a secondary ENI's table
/// holds its default and subnet routes and one rule per address looks it up; the IPv6 default
/// route. A DHCP primary is the lease's: only its address is compared.
pub fn verify(plans: &[Plan], state: &KernelState) -> Verification {
    verify_beside(plans, state, &Others::new())
}

/// Addresses per interface that are not eniplan's (a person added them by hand): the
/// verification leaves them be.
pub type Others = BTreeMap<String, BTreeSet<IpNet>>;

/// [`verify`], with `others` on the interfaces besides the plans' addresses: the plans' must
/// all be there, and nothing else but those.
pub fn verify_beside(plans: &[Plan], state: &KernelState, others: &Others) -> Verification {
    let mut out = Verification::default();
    let none = BTreeSet::new();
    for plan in plans {
        let beside = others.get(plan.interface()).unwrap_or(&none);
        verify_one(&Intent::of(plan), state, beside, &mut out);
    }
    out
}

fn verify_one(
    intent: &Intent<'_>,
    state: &KernelState,
    others: &BTreeSet<IpNet>,
    out: &mut Verification,
) {
    let name = intent.interface();
    let mut differ = |field: &str, planned: String, found: String| {
        out.differences.push(Drift {
            field: format!("{name}: {field}"),
            planned,
            found,
        });
    };
    let Some(link) = state.links.get(name) else {
        differ("interface", "present".into(), "absent".into());
        return;
    };
    if !link.up {
        differ("link", "up".into(), "down".into());
    }
    let v4: Vec<&KernelAddress> = link
        .addresses
        .iter()
        .filter(|a| a.net.addr().is_ipv4() && a.scope == "global")
        .collect();
    let planned4: BTreeSet<IpNet> = intent
        .ipv4
        .iter()
        .filter_map(|a| a.cidr.parse().ok())
        .collect();
    let found4: BTreeSet<IpNet> = v4
        .iter()
        .map(|a| a.net)
        .filter(|net| !others.contains(net))
        .collect();
    if planned4 != found4 {
        differ("ipv4 addresses", joined(&planned4), joined(&found4));
    }
    let primary: Option<IpNet> = intent.ipv4.first().and_then(|a| a.cidr.parse().ok());
    let kernel_primary = v4.iter().find(|a| !a.secondary).map(|a| a.net);
    if primary.is_some() && primary == kernel_primary.filter(|p| found4.contains(p)) {
        // The plan's primary is the kernel's: the source of what leaves the interface.
    } else if let (Some(primary), true) = (primary, planned4 == found4) {
        differ(
            "primary",
            primary.to_string(),
            kernel_primary.map(|p| p.to_string()).unwrap_or_default(),
        );
    }
    if let Some(ipv6) = &intent.ipv6 {
        let planned6: BTreeSet<IpNet> = ipv6
            .addresses
            .iter()
            .filter_map(|a| a.cidr.parse().ok())
            .collect();
        let v6: Vec<&KernelAddress> = link
            .addresses
            .iter()
            .filter(|a| a.net.addr().is_ipv6() && a.scope == "global" && !a.dynamic)
            .collect();
        let found6: BTreeSet<IpNet> = v6
            .iter()
            .map(|a| a.net)
            .filter(|net| !others.contains(net))
            .collect();
        if planned6 != found6 {
            differ("ipv6 addresses", joined(&planned6), joined(&found6));
        }
        for address in &v6 {
            if address.dad_failed {
                differ(
                    "ipv6 duplicate address",
                    address.net.to_string(),
                    "another host on the link holds it (duplicate address detection failed)".into(),
                );
            } else if address.tentative && planned6.contains(&address.net) {
                out.settling.push(format!("{name}: {}", address.net));
            }
        }
    }
    for route in &intent.routes {
        let table = route.table.unwrap_or(MAIN_TABLE);
        let ipv6 = route.version == Version::V6;
        let via: Option<IpAddr> = route.via.and_then(|via| via.parse().ok());
        let to: Option<IpNet> = match route.to {
            Destination::Default => None,
            Destination::Prefix(prefix) => prefix.parse().ok(),
        };
        let in_table: Vec<&KernelRoute> = state
            .routes
            .iter()
            .filter(|r| r.table == table && r.to == to && r.ipv6 == ipv6)
            .collect();
        let ours = in_table
            .iter()
            .any(|r| r.via == via && r.dev.as_deref() == Some(name));
        let described = |route: &KernelRoute| {
            let mut words = route.to.map_or("default".into(), |to| to.to_string());
            if let Some(via) = route.via {
                words.push_str(&format!(" via {via}"));
            }
            if let Some(dev) = &route.dev {
                words.push_str(&format!(" dev {dev}"));
            }
            if let Some(metric) = route.metric {
                words.push_str(&format!(" metric {metric}"));
            }
            words
        };
        let planned = {
            let mut words = to.map_or("default".into(), |to| to.to_string());
            if let Some(via) = via {
                words.push_str(&format!(" via {via}"));
            }
            words.push_str(&format!(" dev {name}"));
            words
        };
        let field = match (route.table, ipv6) {
            (Some(table), _) => format!("table {table} route"),
            (None, true) => "ipv6 default route".into(),
            (None, false) => "default route".into(),
        };
        if !ours {
            differ(
                &field,
                planned,
                joined(in_table.iter().map(|r| described(r))),
            );
        } else if to.is_none() && route.table.is_none() {
            // The kernel takes the default route with the lowest metric.
            let chosen = in_table.iter().min_by_key(|r| r.metric.unwrap_or(0));
            if let Some(chosen) =
                chosen.filter(|r| !(r.via == via && r.dev.as_deref() == Some(name)))
            {
                differ(
                    &format!("{field} (the one the kernel uses)"),
                    planned,
                    described(chosen),
                );
            }
        }
    }
    // A DHCP primary's default route is the lease's: its gateway is the plan's.
    if intent.method4 == Method::Dhcp && intent.table.is_none() {
        if let Some(gateway) = intent.plan.gateway() {
            let leased = state.routes.iter().any(|r| {
                r.table == MAIN_TABLE
                    && r.to.is_none()
                    && !r.ipv6
                    && r.via == Some(IpAddr::V4(gateway))
                    && r.dev.as_deref() == Some(name)
            });
            if !leased {
                differ(
                    "default route",
                    format!("default via {gateway} dev {name} (from the lease)"),
                    String::new(),
                );
            }
        }
    }
    if let Some(table) = intent.table {
        let planned: BTreeSet<(u32, IpNet)> = intent
            .rules
            .iter()
            .filter_map(|rule| {
                let from: IpAddr = rule.from.parse().ok()?;
                Some((rule.priority, IpNet::from(from)))
            })
            .collect();
        let found: BTreeSet<(u32, IpNet)> = state
            .rules
            .iter()
            .filter(|rule| rule.table == table.id && !rule.ipv6)
            .filter_map(|rule| Some((rule.priority, rule.from?)))
            .collect();
        if planned != found {
            let shown = |rules: &BTreeSet<(u32, IpNet)>| {
                joined(rules.iter().map(|(priority, from)| {
                    format!("priority {priority} from {from} lookup {}", table.id)
                }))
            };
            differ("rules", shown(&planned), shown(&found));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> Plan {
        crate::plan::EniPlan::from_yaml(yaml)
            .expect("plan")
            .validate()
            .expect("valid")
    }

    /// `ip -j` as iproute2 6.1 printed it in a namespace holding eth1 of a secondary ENI.
    fn host() -> IpJson {
        IpJson {
            addresses: r#"[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
              {"ifindex":3,"ifname":"eth1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"address":"00:16:3E:0F:00:02","addr_info":[
                {"family":"inet","local":"192.168.2.10","prefixlen":24,"scope":"global","label":"eth1"},
                {"family":"inet","local":"192.168.2.11","prefixlen":24,"scope":"global","secondary":true,"label":"eth1"},
                {"family":"inet6","local":"fe80::216:3eff:fe0f:2","prefixlen":64,"scope":"link"}]}]"#.into(),
            routes4: r#"[{"dst":"default","gateway":"192.168.2.253","dev":"eth1","table":"1001","flags":[]},
              {"dst":"192.168.2.0/24","dev":"eth1","table":"1001","scope":"link","flags":[]},
              {"dst":"192.168.2.0/24","dev":"eth1","protocol":"kernel","scope":"link","prefsrc":"192.168.2.10","flags":[]},
              {"type":"local","dst":"192.168.2.10","dev":"eth1","table":"local","protocol":"kernel","scope":"host","prefsrc":"192.168.2.10","flags":[]}]"#.into(),
            routes6: "[]".into(),
            rules4: r#"[{"priority":0,"src":"all","table":"local"},
              {"priority":1000,"src":"192.168.2.10","table":"1001"},
              {"priority":1000,"src":"192.168.2.11","table":"1001"},
              {"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]"#.into(),
            rules6: r#"[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"}]"#.into(),
        }
    }

    const ETH1: &str = "interface: eth1\nprimary: 192.168.2.10\nsecondaries: [192.168.2.11]\n\
                        prefix: 24\ngateway: 192.168.2.253\nroute_table: 1001\n";

    #[test]
    fn a_state_that_holds_the_plan_verifies() {
        let state = KernelState::parse(&host()).expect("parses");
        assert_eq!(state.rules.len(), 2, "{:?}", state.rules);
        assert!(!state.routes.iter().any(|r| r.table == LOCAL_TABLE));
        let verification = verify(&[plan(ETH1)], &state);
        assert!(verification.holds(), "{verification}");
    }

    #[test]
    fn each_missing_piece_is_a_named_difference() {
        let mut json = host();
        json.rules4 = json.rules4.replace(
            r#"{"priority":1000,"src":"192.168.2.11","table":"1001"},"#,
            "",
        );
        json.routes4 = json.routes4.replace("192.168.2.253", "192.168.2.254");
        let state = KernelState::parse(&json).expect("parses");
        let planned = ETH1.replace("[192.168.2.11]", "[192.168.2.11, 192.168.2.12]");
        let verification = verify(&[plan(&planned)], &state);
        let fields: Vec<&str> = verification
            .differences
            .iter()
            .map(|d| d.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "eth1: ipv4 addresses",
                "eth1: table 1001 route",
                "eth1: rules"
            ],
            "{verification}"
        );
        assert!(verification.differences[1]
            .found
            .contains("via 192.168.2.254"));
    }

    #[test]
    fn the_primary_must_be_the_kernels_primary() {
        let mut json = host();
        json.addresses = json
            .addresses
            .replace(
                r#""192.168.2.11","prefixlen":24,"scope":"global","secondary":true"#,
                r#""192.168.2.11","prefixlen":24,"scope":"global""#,
            )
            .replace(
                r#""192.168.2.10","prefixlen":24,"scope":"global""#,
                r#""192.168.2.10","prefixlen":24,"scope":"global","secondary":true"#,
            );
        let state = KernelState::parse(&json).expect("parses");
        let verification = verify(&[plan(ETH1)], &state);
        assert_eq!(verification.differences.len(), 1, "{verification}");
        assert_eq!(verification.differences[0].field, "eth1: primary");
    }

    #[test]
    fn converging_undoes_what_changed_and_only_that() {
        let before = KernelState::parse(&host()).expect("parses");
        let mut json = host();
        // The apply added a secondary and its rule, and moved the table's default route.
        json.addresses = json.addresses.replace(
            r#"{"family":"inet6""#,
            r#"{"family":"inet","local":"192.168.2.12","prefixlen":24,"scope":"global","secondary":true},{"family":"inet6""#,
        );
        json.rules4 = json.rules4.replace(
            r#"{"priority":32766"#,
            r#"{"priority":1000,"src":"192.168.2.12","table":"1001"},{"priority":32766"#,
        );
        json.routes4 = json.routes4.replace("192.168.2.253", "192.168.2.254");
        let after = KernelState::parse(&json).expect("parses");
        let scope = (["eth1".to_string()], [1001]);
        assert_ne!(
            after.scoped(&scope.0, &scope.1),
            before.scoped(&scope.0, &scope.1)
        );
        let lines: Vec<String> = after
            .converge_to(&before, &scope.0, &scope.1)
            .into_iter()
            .map(|c| c.shell)
            .collect();
        assert_eq!(
            lines,
            [
                "ip rule del priority 1000 from 192.168.2.12/32 table 1001",
                "ip route del default via 192.168.2.254 dev eth1 table 1001",
                "ip addr del 192.168.2.12/24 dev eth1",
                "ip route add default via 192.168.2.253 dev eth1 table 1001",
            ]
        );
        assert!(before.converge_to(&before, &scope.0, &scope.1).is_empty());
    }

    #[test]
    fn output_that_is_not_ip_json_is_named() {
        let mut json = host();
        json.rules4 = "Error: argument \"-j\" is wrong".into();
        let error = KernelState::parse(&json).expect_err("refused");
        assert!(error.to_string().contains("ip -j -4 rule show"), "{error}");
    }
}
