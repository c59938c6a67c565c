//! SUSE ifcfg files read by wicked: SLES 11/12/15, openSUSE Leap 15/42.

use serde::Serialize;

use super::{
    all_dns, check_alias_labels, cloud_init_file, is_link_local, linux_verify, linux_warnings,
    no_policy_routing,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{Command, File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::{self, Template};

const DIR: &str = "/etc/sysconfig/network";

#[derive(Serialize)]
struct IfcfgFile<'a> {
    target: &'a str,
    bootproto: &'static str,
    mac: Option<&'a str>,
    addresses: Vec<Address<'a>>,
}

/// One `IPADDR_<suffix>` group. The seed numbers the primary 1 with an empty label and the
/// secondaries 2, 3, … with labels 0, 1, …; IPv6 addresses carry their prefix and no label.
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
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct Route {
    gateway: String,
    interface: String,
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    no_policy_routing(
        plan,
        target,
        "wicked's ifrule files are not rendered by eniplan yet (there is no wicked here to \
         prove them); use the netplan, networkd, keyfile or rhel family on this ENI",
    )?;
    let interface = plan.interface();
    check_alias_labels(plan, target)?;
    let netmask = &plan.text.netmask;
    let mut addresses = Vec::new();
    if plan.mode() == Mode::Static {
        addresses.push(Address {
            suffix: 1,
            address: &plan.text.primary,
            netmask: Some(netmask),
            label: Some(String::new()),
        });
    }
    for (number, secondary) in plan.text.secondaries.iter().enumerate() {
        addresses.push(Address {
            suffix: number + 2,
            address: secondary,
            netmask: Some(netmask),
            label: Some(number.to_string()),
        });
    }
    let mut routes = Vec::new();
    if let (Mode::Static, Some(gateway)) = (plan.mode(), &plan.text.gateway) {
        routes.push(Route {
            gateway: gateway.clone(),
            interface: "-".into(),
        });
    }
    if let Some(ipv6) = plan.ipv6() {
        let first_suffix = plan.secondaries().len() + 2;
        for (number, address) in plan.text.ipv6_cidrs.iter().enumerate() {
            addresses.push(Address {
                suffix: first_suffix + number,
                address,
                netmask: None,
                label: None,
            });
        }
        if let Some(gateway) = ipv6.gateway() {
            routes.push(Route {
                gateway: gateway.to_string(),
                // A link-local next hop is only reachable through a named interface.
                interface: if is_link_local(gateway) {
                    interface.to_string()
                } else {
                    "-".into()
                },
            });
        }
    }
    let ifcfg = IfcfgFile {
        target: target.name(),
        bootproto: match plan.mode() {
            Mode::Static => "static",
            Mode::Dhcp => "dhcp",
        },
        mac: plan.text.mac.as_deref(),
        addresses,
    };
    out.files.push(cloud_init_file()?);
    out.files.push(File {
        path: format!("{DIR}/ifcfg-{interface}"),
        contents: templates::render(Template::SuseIfcfg, &ifcfg)?,
        mode: MODE_PUBLIC,
    });
    if !routes.is_empty() {
        out.files.push(File {
            path: format!("{DIR}/routes"),
            contents: templates::render(
                Template::SuseRoutes,
                &RoutesFile {
                    target: target.name(),
                    routes,
                },
            )?,
            mode: MODE_PUBLIC,
        });
        out.warnings.push(format!(
            "{DIR}/routes is global and replaced whole: routes it held for other interfaces \
             are not kept"
        ));
    }
    let dns = all_dns(plan);
    if !dns.is_empty() {
        // SUSE keeps DNS servers in the global netconfig file, not in ifcfg; edit that one key
        // in place rather than replacing a file full of unrelated settings.
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
            vec!["netconfig", "update", "-f"],
            "regenerate /etc/resolv.conf from the netconfig settings",
        ));
    }
    if plan.mac().is_some() {
        out.warnings.push(
            "LLADDR sets the interface's MAC address (SUSE has no match-by-MAC); on the ENI it \
             equals the burned-in address, so check the plan's mac against `ip link`"
                .into(),
        );
    }
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}
