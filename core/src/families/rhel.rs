//! RHEL-style ifcfg files: Alibaba Cloud Linux, CentOS, RHEL, Anolis, Fedora.

use serde::Serialize;

use super::{
    all_dns, check_alias_labels, cloud_init_file, is_link_local, linux_verify, linux_warnings,
    policy, policy_warnings,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::{IfcfgStyle, Target};
use crate::templates::{self, Template};

const DIR: &str = "/etc/sysconfig/network-scripts";

#[derive(Serialize)]
struct MainFile<'a> {
    target: &'a str,
    interface: &'a str,
    bootproto: &'static str,
    mac: Option<&'a str>,
    addresses: Vec<Address<'a>>,
    gateway: Option<&'a str>,
    dns: &'a [String],
    ipv6: Option<Ipv6Lines>,
    /// `DEFROUTE=no`: a secondary ENI's default route lives in its own table.
    own_table: bool,
}

/// `route-<interface>` and `rule-<interface>`: `ip route` and `ip rule` arguments, one per line,
/// as initscripts' ifup-routes and NetworkManager's ifcfg-rh plugin read them.
#[derive(Serialize)]
struct PolicyFile<'a> {
    target: &'a str,
    interface: &'a str,
    policy: &'a super::Policy<'a>,
}

/// One `IPADDRn` with its mask line; `index` is empty for the unnumbered `IPADDR`.
#[derive(Serialize)]
struct Address<'a> {
    index: String,
    address: &'a str,
    mask_key: &'static str,
    mask: &'a str,
}

#[derive(Serialize)]
struct Ipv6Lines {
    primary: String,
    secondaries: String,
    gateway: Option<String>,
}

#[derive(Serialize)]
struct AliasFile<'a> {
    target: &'a str,
    number: usize,
    label: String,
    address: &'a str,
    netmask: &'a str,
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let interface = plan.interface();
    let style = plan.ifcfg_style().unwrap_or(target.ifcfg_style());
    if style == IfcfgStyle::Aliases {
        check_alias_labels(plan, target)?;
    }
    let mut addresses = Vec::new();
    if plan.mode() == Mode::Static {
        addresses.push(match style {
            IfcfgStyle::Aliases => Address {
                index: String::new(),
                address: &plan.text.primary,
                mask_key: "NETMASK",
                mask: &plan.text.netmask,
            },
            IfcfgStyle::Indexed => Address {
                index: String::new(),
                address: &plan.text.primary,
                mask_key: "PREFIX",
                mask: &plan.text.prefix,
            },
        });
    }
    if style == IfcfgStyle::Indexed {
        for (number, secondary) in plan.text.secondaries.iter().enumerate() {
            addresses.push(Address {
                index: (number + 1).to_string(),
                address: secondary,
                mask_key: "PREFIX",
                mask: &plan.text.prefix,
            });
        }
    }
    let ipv6 = plan.ipv6().map(|ipv6| {
        let cidr = |address: &std::net::Ipv6Addr| format!("{address}/{}", ipv6.prefix_len());
        Ipv6Lines {
            primary: cidr(&ipv6.addresses()[0]),
            secondaries: ipv6.addresses()[1..]
                .iter()
                .map(cidr)
                .collect::<Vec<_>>()
                .join(" "),
            // A link-local gateway is only reachable through a named interface.
            gateway: ipv6.gateway().map(|gateway| {
                if is_link_local(gateway) {
                    format!("{gateway}%{interface}")
                } else {
                    gateway.to_string()
                }
            }),
        }
    });
    let policy = policy(plan);
    let main = MainFile {
        target: target.name(),
        interface,
        bootproto: match plan.mode() {
            Mode::Static => "static",
            Mode::Dhcp => "dhcp",
        },
        mac: plan.text.mac.as_deref(),
        addresses,
        gateway: match (plan.mode(), &policy) {
            (Mode::Static, None) => plan.text.gateway.as_deref(),
            _ => None,
        },
        dns: all_dns(plan),
        ipv6,
        own_table: policy.is_some(),
    };

    out.files.push(cloud_init_file()?);
    out.files.push(File {
        path: format!("{DIR}/ifcfg-{interface}"),
        contents: templates::render(Template::RhelIfcfg, &main)?,
        mode: MODE_PUBLIC,
    });
    if style == IfcfgStyle::Aliases {
        for (number, secondary) in plan.text.secondaries.iter().enumerate() {
            let label = format!("{interface}:{number}");
            let alias = AliasFile {
                target: target.name(),
                number: number + 1,
                label: label.clone(),
                address: secondary,
                netmask: &plan.text.netmask,
            };
            out.files.push(File {
                path: format!("{DIR}/ifcfg-{label}"),
                contents: templates::render(Template::RhelIfcfgAlias, &alias)?,
                mode: MODE_PUBLIC,
            });
        }
    }
    if let Some(policy) = &policy {
        let file = PolicyFile {
            target: target.name(),
            interface,
            policy,
        };
        out.files.push(File {
            path: format!("{DIR}/route-{interface}"),
            contents: templates::render(Template::RhelRoutes, &file)?,
            mode: MODE_PUBLIC,
        });
        out.files.push(File {
            path: format!("{DIR}/rule-{interface}"),
            contents: templates::render(Template::RhelRules, &file)?,
            mode: MODE_PUBLIC,
        });
    }
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}
