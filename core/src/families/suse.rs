//! SUSE ifcfg files read by wicked: SLES 11/12/15, openSUSE Leap 15/42.

use serde::Serialize;

use super::Family;
use crate::error::Errors;
use crate::intent::{Destination, Intent, Method, Role};
use crate::read::HostFiles;
use crate::rendering::{Command, File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

const DIR: &str = "/etc/sysconfig/network";

static IFCFG: Template = crate::template!("suse/ifcfg-INTERFACE", Ifcfg);
static ROUTES: Template = crate::template!("suse/routes", Lines);
static IFROUTE: Template = crate::template!("suse/ifroute-INTERFACE", Lines);
static IFRULE: Template = crate::template!("suse/ifrule-INTERFACE", Lines);
static TEMPLATES: [&Template; 4] = [&IFCFG, &ROUTES, &IFROUTE, &IFRULE];

/// A secondary ENI's own table: `ifroute-<if>` holds its routes, `ifrule-<if>` the rule per
/// address (wicked reads both with the interface's ifcfg file: ifroute(5), ifrule(5), and
/// compat-suse.c parses a route's `table` option and a rule's `from`, `table` and
/// `priority`).
#[derive(Serialize)]
struct PolicyFiles<'a> {
    target: &'a str,
    interface: &'a str,
    table: u32,
    routes: Vec<TableRoute<'a>>,
    rules: &'a [crate::intent::Rule<'a>],
}

/// One route of the ENI's own table: destination and next hop (`-` for a route on the link).
#[derive(Serialize)]
struct TableRoute<'a> {
    to: &'a str,
    via: &'a str,
}

/// The SUSE ifcfg family.
pub(super) struct Suse;

#[derive(Serialize)]
struct IfcfgFile<'a> {
    target: &'a str,
    bootproto: &'static str,
    mac: Option<&'a str>,
    addresses: Vec<Address<'a>>,
}

/// One `IPADDR_<suffix>` group. The ECS document numbers the primary 1 with an empty label and
/// the secondaries 2, 3, … with labels 0, 1, …; IPv6 addresses carry their prefix and no label.
#[derive(Serialize)]
struct Address<'a> {
    suffix: usize,
    address: &'a str,
    netmask: Option<&'a str>,
    label: Option<String>,
}

#[derive(Serialize)]
struct RoutesFile<'a> {
    target: &'a str,
    routes: Vec<Route<'a>>,
}

#[derive(Serialize)]
struct Route<'a> {
    gateway: &'a str,
    interface: &'a str,
}

impl Family for Suse {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn alias_labels(&self, _intent: &Intent<'_>, _target: Target) -> Option<&'static str> {
        Some("")
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let interface = intent.interface();
        let netmask = intent.netmask();
        let mut addresses = Vec::new();
        for address in &intent.ipv4 {
            match address.role {
                Role::Primary if intent.method4 == Method::Static => addresses.push(Address {
                    suffix: 1,
                    address: address.text,
                    netmask: Some(netmask),
                    label: Some(String::new()),
                }),
                Role::Primary => {}
                Role::Secondary { number } => addresses.push(Address {
                    suffix: number + 1,
                    address: address.text,
                    netmask: Some(netmask),
                    label: Some((number - 1).to_string()),
                }),
            }
        }
        if let Some(ipv6) = &intent.ipv6 {
            let first_suffix = intent.secondaries().len() + 2;
            for (index, address) in ipv6.addresses.iter().enumerate() {
                addresses.push(Address {
                    suffix: first_suffix + index,
                    address: address.cidr,
                    netmask: None,
                    label: None,
                });
            }
        }
        let ifcfg = IfcfgFile {
            target: target.name(),
            bootproto: match intent.method4 {
                Method::Static => "static",
                Method::Dhcp => "dhcp",
            },
            mac: intent.mac(),
            addresses,
        };
        out.files.push(File {
            path: format!("{DIR}/ifcfg-{interface}"),
            contents: IFCFG.render(&ifcfg)?,
            mode: MODE_PUBLIC,
        });
        if let Some(table) = intent.table {
            let policy = PolicyFiles {
                target: target.name(),
                interface,
                table: table.id,
                routes: intent
                    .routes
                    .iter()
                    .filter(|route| route.table == Some(table.id))
                    .map(|route| TableRoute {
                        to: match route.to {
                            Destination::Default => "default",
                            Destination::Prefix(prefix) => prefix,
                        },
                        via: route.via.unwrap_or("-"),
                    })
                    .collect(),
                rules: &intent.rules,
            };
            out.files.push(File {
                path: format!("{DIR}/ifroute-{interface}"),
                contents: IFROUTE.render(&policy)?,
                mode: MODE_PUBLIC,
            });
            out.files.push(File {
                path: format!("{DIR}/ifrule-{interface}"),
                contents: IFRULE.render(&policy)?,
                mode: MODE_PUBLIC,
            });
        }
        if intent.mac().is_some() {
            super::push_unique(
                &mut out.warnings,
                "LLADDR sets the interface's MAC address (SUSE has no match-by-MAC); on the ENI \
                 it equals the burned-in address, so check the plan's mac against `ip link`"
                    .into(),
            );
        }
        Ok(())
    }

    /// The global `routes` file and the DNS servers, once for the instance. The host's
    /// `routes` keeps every line that is not about an interface eniplan configures (a line
    /// naming one, or a `-` line whose gateway lies in one's subnet, which wicked gives that
    /// interface); eniplan's lines replace those. The DNS servers are netconfig's one global
    /// list.
    fn shared(
        &self,
        instance: &[Intent<'_>],
        target: Target,
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let mut routes = Vec::new();
        for intent in instance {
            // The main table's routes: the IPv4 default (static mode), then the IPv6 default.
            if let Some(gateway) = intent.gateway4 {
                routes.push(Route {
                    gateway,
                    interface: "-",
                });
            }
            if let Some(gateway) = intent.ipv6.as_ref().and_then(|ipv6| ipv6.gateway) {
                routes.push(Route {
                    gateway: gateway.text,
                    // A link-local next hop is only reachable through a named interface.
                    interface: if gateway.link_local {
                        intent.interface()
                    } else {
                        "-"
                    },
                });
            }
        }
        let path = format!("{DIR}/routes");
        match super::on_host(host).and_then(|files| files.get(&path)) {
            Some(existing) => {
                let (kept, dropped) = kept_routes(existing, instance);
                let ours = ROUTES.render(&RoutesFile {
                    target: target.name(),
                    routes,
                })?;
                let mut contents = kept;
                if !contents.is_empty() && !contents.ends_with('\n') {
                    contents.push('\n');
                }
                contents.push_str(&ours);
                for (number, line) in &dropped {
                    out.warnings.push(format!(
                        "{path}: line {number} (`{line}`) is replaced: it routes an interface \
                         eniplan configures now"
                    ));
                }
                let others = contents
                    .lines()
                    .filter(|line| !ours.lines().any(|own| own == *line))
                    .filter(|line| is_ipv4_default(line))
                    .count();
                if others > 0 && instance.iter().any(|intent| intent.gateway4.is_some()) {
                    out.warnings.push(format!(
                        "{path} keeps {others} other IPv4 default route(s) beside eniplan's: two \
                         default routes in the main table clash; give the secondary ENI a \
                         route_table"
                    ));
                }
                out.files.push(File {
                    path,
                    contents,
                    mode: MODE_PUBLIC,
                });
            }
            None if !routes.is_empty() => {
                out.files.push(File {
                    path,
                    contents: ROUTES.render(&RoutesFile {
                        target: target.name(),
                        routes,
                    })?,
                    mode: MODE_PUBLIC,
                });
                if super::on_host(host).is_none() {
                    out.warnings.push(format!(
                        "{DIR}/routes is shown with eniplan's lines only; rendered for a host \
                         (--write-to or --root, Ansible, Salt), every line of the host's file \
                         that is not about {} is kept",
                        super::interface_names(instance)
                    ));
                }
            }
            None => {}
        }
        let mut with_dns = instance.iter().filter(|intent| !intent.dns.all.is_empty());
        let dns = with_dns.next().map(|first| {
            // netconfig has one global list: a different list of another ENI is not lost in
            // silence.
            for other in with_dns.filter(|other| other.dns.all != first.dns.all) {
                out.warnings.push(format!(
                    "{}: its DNS servers ({}) are not used: netconfig keeps one global list \
                     (NETCONFIG_DNS_STATIC_SERVERS), which is {}'s ({})",
                    other.interface(),
                    other.dns.all.join(" "),
                    first.interface(),
                    first.dns.all.join(" ")
                ));
            }
            first.dns.all
        });
        if let Some(dns) = dns {
            // SUSE keeps DNS servers in the global netconfig file, not in ifcfg; edit that one
            // key in place rather than replacing a file full of unrelated settings.
            out.commands.push(Command::posix(
                vec![
                    "sed".to_string(),
                    "-i".into(),
                    "-e".into(),
                    format!(
                        "s/^NETCONFIG_DNS_STATIC_SERVERS=.*/NETCONFIG_DNS_STATIC_SERVERS=\"{}\"/",
                        dns.join(" ")
                    ),
                    format!("{DIR}/config"),
                ],
                "set the DNS servers in netconfig's global configuration",
            ));
            out.commands.push(Command::posix(
                ["netconfig", "update", "-f"],
                "regenerate /etc/resolv.conf from the netconfig settings",
            ));
        }
        Ok(())
    }
}

/// Whether a routes line is an IPv4 default route.
fn is_ipv4_default(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(
        words.first(),
        Some(&"default") | Some(&"0.0.0.0") | Some(&"0.0.0.0/0")
    ) && words
        .get(1)
        .is_some_and(|gateway| gateway.parse::<std::net::Ipv4Addr>().is_ok())
}

/// The host's routes file without its lines about the configured interfaces, and those lines
/// (number, text). A line is about an interface when its fourth column names it (or one of
/// its labels), or when that column is `-` (or absent) and its gateway lies in the
/// interface's IPv4 subnet or IPv6 prefix: wicked gives such a route to the interface that
/// reaches the gateway (routes(5)).
fn kept_routes(text: &str, instance: &[Intent<'_>]) -> (String, Vec<(usize, String)>) {
    let mut kept = String::with_capacity(text.len());
    let mut dropped = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        // eniplan's own header from an earlier run goes with the lines it wrote.
        if trimmed.starts_with("# Written by eniplan") {
            continue;
        }
        let about = !trimmed.starts_with('#')
            && words.len() >= 2
            && instance.iter().any(|intent| {
                let interface = intent.interface();
                match words.get(3).copied() {
                    Some(named) if named != "-" => {
                        named == interface
                            || named
                                .strip_prefix(interface)
                                .is_some_and(|rest| rest.starts_with(':'))
                    }
                    _ => match words[1].parse::<std::net::IpAddr>() {
                        Ok(std::net::IpAddr::V4(gateway)) => {
                            intent.plan.subnet().contains(&gateway)
                        }
                        Ok(std::net::IpAddr::V6(gateway)) => intent
                            .plan
                            .ipv6()
                            .is_some_and(|ipv6| ipv6.network().contains(&gateway)),
                        Err(_) => false,
                    },
                }
            });
        if about {
            dropped.push((index + 1, trimmed.to_string()));
        } else {
            // A line without its newline (the file's last) gets one: eniplan's lines follow.
            kept.push_str(line);
        }
    }
    (kept, dropped)
}
