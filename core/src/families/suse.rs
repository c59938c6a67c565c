//! SUSE ifcfg files read by wicked: SLES 11/12/15, openSUSE Leap 15/42.

use serde::Serialize;

use super::Family;
use crate::error::Errors;
use crate::intent::{Intent, Method, Role};
use crate::rendering::{Command, File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

const DIR: &str = "/etc/sysconfig/network";

static IFCFG: Template = crate::template!("suse/ifcfg-INTERFACE", Ifcfg);
static ROUTES: Template = crate::template!("suse/routes", Lines);
static TEMPLATES: [&Template; 2] = [&IFCFG, &ROUTES];

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

    fn refuses_route_table(&self) -> Option<&'static str> {
        Some(
            "wicked's ifrule files are not rendered by eniplan yet (there is no wicked here to \
             prove them); use the netplan, networkd, keyfile or rhel family on this ENI",
        )
    }

    fn alias_labels(&self, _intent: &Intent<'_>, _target: Target) -> Option<&'static str> {
        Some("")
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
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
        let mut routes = Vec::new();
        // The main table's routes: the IPv4 default (static mode), then the IPv6 default.
        if let Some(gateway) = intent.gateway4 {
            routes.push(Route {
                gateway,
                interface: "-",
            });
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
            if let Some(gateway) = ipv6.gateway {
                routes.push(Route {
                    gateway: gateway.text,
                    // A link-local next hop is only reachable through a named interface.
                    interface: if gateway.link_local { interface } else { "-" },
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
        if !routes.is_empty() {
            out.files.push(File {
                path: format!("{DIR}/routes"),
                contents: ROUTES.render(&RoutesFile {
                    target: target.name(),
                    routes,
                })?,
                mode: MODE_PUBLIC,
            });
            out.warnings.push(format!(
                "{DIR}/routes is global and replaced whole: routes it held for other interfaces \
                 are not kept"
            ));
        }
        let dns = intent.dns.all;
        if !dns.is_empty() {
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
        if intent.mac().is_some() {
            out.warnings.push(
                "LLADDR sets the interface's MAC address (SUSE has no match-by-MAC); on the ENI \
                 it equals the burned-in address, so check the plan's mac against `ip link`"
                    .into(),
            );
        }
        Ok(())
    }
}
