//! RHEL-style ifcfg files: Alibaba Cloud Linux, CentOS, RHEL, Anolis, Fedora.

use serde::Serialize;

use super::Family;
use crate::error::Error;
use crate::error::Errors;
use crate::intent::{Intent, Method, Role, Rule};
use crate::os_family::{IfcfgReader, IfcfgStyle};
use crate::read::HostFiles;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

const DIR: &str = "/etc/sysconfig/network-scripts";

static IFCFG: Template = crate::template!("rhel/ifcfg-INTERFACE", Ifcfg);
static IFCFG_ALIAS: Template = crate::template!("rhel/ifcfg-INTERFACE-ALIAS", Ifcfg);
static ROUTES: Template = crate::template!("rhel/route-INTERFACE", Lines);
static RULES: Template = crate::template!("rhel/rule-INTERFACE", Lines);
static TEMPLATES: [&Template; 4] = [&IFCFG, &IFCFG_ALIAS, &ROUTES, &RULES];

/// The RHEL ifcfg family.
pub(super) struct Rhel;

#[derive(Serialize)]
struct MainFile<'a> {
    target: &'a str,
    interface: &'a str,
    bootproto: &'static str,
    mac: Option<&'a str>,
    addresses: Vec<Address<'a>>,
    gateway: Option<&'a str>,
    dns: &'a [String],
    /// `PEERDNS=`, when the plan has DNS servers: see [`peerdns`].
    peerdns: Option<&'static str>,
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
    table: u32,
    gateway: &'a str,
    subnet: &'a str,
    rules: &'a [Rule<'a>],
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

/// `PEERDNS=` for a plan with DNS servers, so that they are the ones the host uses.
///
/// - initscripts: `ifup-post` rewrites /etc/resolv.conf from `DNS1`…`DNS3` only when `PEERDNS`
///   is not false (`if ! is_false "${PEERDNS}" …`, network-scripts/ifup-post); in DHCP mode it
///   does so after dhclient, so the plan's servers replace the lease's. `PEERDNS=no` there
///   would leave resolv.conf untouched and the plan's servers unused, in both modes.
/// - NetworkManager's ifcfg-rh reads `DNS1`… into `ipv4.dns` whatever `PEERDNS` says, and reads
///   `PEERDNS=no` as `ipv4.ignore-auto-dns=yes` (nm-settings-ifcfg-rh(5)): with a DHCP primary
///   the plan's servers are then the only ones, as in the keyfile family.
fn peerdns(reader: IfcfgReader) -> &'static str {
    match reader {
        IfcfgReader::Initscripts => "yes",
        IfcfgReader::NetworkManager => "no",
    }
}

fn style(intent: &Intent<'_>, target: Target) -> IfcfgStyle {
    intent.plan.ifcfg_style().unwrap_or(target.ifcfg_style())
}

impl Family for Rhel {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn alias_labels(&self, intent: &Intent<'_>, target: Target) -> Option<&'static str> {
        (style(intent, target) == IfcfgStyle::Aliases)
            .then_some(", or a NetworkManager-era RHEL target (IPADDRn needs no labels)")
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let interface = intent.interface();
        let style = style(intent, target);
        // initscripts' ifup-eth adds IPADDRn only in its static branch: with BOOTPROTO=dhcp
        // it runs dhclient and never reads them (network-scripts/ifup-eth), while
        // ifup-aliases, which ifup-post runs for every BOOTPROTO, reads the alias files.
        if style == IfcfgStyle::Indexed
            && intent.method4 == Method::Dhcp
            && target.ifcfg_reader() == IfcfgReader::Initscripts
            && !intent.secondaries().is_empty()
        {
            return Err(Error::Unsupported {
                field: "ifcfg_style".into(),
                value: "indexed".into(),
                target: target.name().into(),
                reason: "initscripts reads IPADDRn only for a static configuration, so with \
                         mode dhcp the secondaries would be ignored; use ifcfg_style: aliases \
                         (this target's default), mode static, or a NetworkManager-era target"
                    .into(),
            }
            .into());
        }
        let mut addresses = Vec::new();
        for address in &intent.ipv4 {
            let number = match address.role {
                Role::Primary if intent.method4 == Method::Static => None,
                Role::Primary => continue,
                Role::Secondary { number } if style == IfcfgStyle::Indexed => Some(number),
                Role::Secondary { .. } => continue,
            };
            let (mask_key, mask) = match style {
                IfcfgStyle::Aliases => ("NETMASK", intent.netmask()),
                IfcfgStyle::Indexed => ("PREFIX", intent.prefix()),
            };
            addresses.push(Address {
                index: number.map(|n| n.to_string()).unwrap_or_default(),
                address: address.text,
                mask_key,
                mask,
            });
        }
        let ipv6 = intent.ipv6.as_ref().map(|ipv6| Ipv6Lines {
            primary: ipv6.addresses[0].cidr.to_string(),
            secondaries: ipv6.addresses[1..]
                .iter()
                .map(|address| address.cidr)
                .collect::<Vec<_>>()
                .join(" "),
            // A link-local gateway is only reachable through a named interface.
            gateway: ipv6.gateway.map(|gateway| {
                if gateway.link_local {
                    format!("{}%{interface}", gateway.text)
                } else {
                    gateway.text.to_string()
                }
            }),
        });
        let main = MainFile {
            target: target.name(),
            interface,
            bootproto: match intent.method4 {
                Method::Static => "static",
                Method::Dhcp => "dhcp",
            },
            mac: intent.mac(),
            addresses,
            gateway: intent.gateway4,
            dns: intent.dns.all,
            peerdns: (!intent.dns.all.is_empty()).then(|| peerdns(target.ifcfg_reader())),
            ipv6,
            own_table: intent.table.is_some(),
        };
        out.files.push(File {
            path: format!("{DIR}/ifcfg-{interface}"),
            contents: IFCFG.render(&main)?,
            mode: MODE_PUBLIC,
        });
        if style == IfcfgStyle::Aliases {
            for (index, secondary) in intent.secondaries().iter().enumerate() {
                let label = intent.label(index + 1);
                let alias = AliasFile {
                    target: target.name(),
                    number: index + 1,
                    label: label.clone(),
                    address: secondary.text,
                    netmask: intent.netmask(),
                };
                out.files.push(File {
                    path: format!("{DIR}/ifcfg-{label}"),
                    contents: IFCFG_ALIAS.render(&alias)?,
                    mode: MODE_PUBLIC,
                });
            }
        }
        if let Some(table) = intent.table {
            let file = PolicyFile {
                target: target.name(),
                interface,
                table: table.id,
                gateway: table.gateway,
                subnet: table.subnet,
                rules: &intent.rules,
            };
            out.files.push(File {
                path: format!("{DIR}/route-{interface}"),
                contents: ROUTES.render(&file)?,
                mode: MODE_PUBLIC,
            });
            out.files.push(File {
                path: format!("{DIR}/rule-{interface}"),
                contents: RULES.render(&file)?,
                mode: MODE_PUBLIC,
            });
        }
        Ok(())
    }
}
