//! Debian's ifupdown: Ubuntu 14.04/16.04, Debian 8–11.

use serde::Serialize;

use super::{ip_rule_argv, Family};
use crate::error::Errors;
use crate::intent::{Intent, Method};
use crate::quote;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

static INTERFACES: Template = crate::template!("ifupdown/interfaces", Lines);
static STANZAS: Template = crate::template!("ifupdown/60-eniplan-INTERFACE", Lines);
static TEMPLATES: [&Template; 2] = [&INTERFACES, &STANZAS];

/// The main file: the loopback and the `source` line that reads every interface's own file.
#[derive(Serialize)]
struct MainFile<'a> {
    target: &'a str,
}

/// The ifupdown family.
pub(super) struct Ifupdown;

#[derive(Serialize)]
struct InterfacesFile<'a> {
    target: &'a str,
    interface: &'a str,
    method: &'static str,
    #[serde(rename = "static")]
    is_static: bool,
    primary: &'a str,
    netmask: &'a str,
    gateway: Option<&'a str>,
    mac: Option<&'a str>,
    dns: &'a [String],
    /// `up`/`down` commands of the main stanza.
    hooks: Vec<Hook>,
    aliases: Vec<Alias<'a>>,
    ipv6: Option<Ipv6Stanza<'a>>,
}

/// An `up` or `down` line: a command ifupdown runs with `/bin/sh -c`, so its shell line comes
/// from argv through the one quoting layer.
#[derive(Serialize)]
struct Hook {
    when: &'static str,
    command: String,
}

fn hook<S: AsRef<str>>(when: &'static str, argv: &[S]) -> Hook {
    Hook {
        when,
        command: quote::shell_line(argv),
    }
}

#[derive(Serialize)]
struct Alias<'a> {
    label: String,
    address: &'a str,
}

/// ifupdown takes one address per stanza (a second `address` line is silently ignored), so the
/// first IPv6 address gets the `inet6 static` stanza and the others `up`/`down` commands.
#[derive(Serialize)]
struct Ipv6Stanza<'a> {
    primary: &'a str,
    prefix: u8,
    gateway: Option<&'a str>,
    hooks: Vec<Hook>,
}

/// The main stanza's policy-routing commands: the table's routes and a rule per address up,
/// the rules and the table down.
fn policy_hooks(intent: &Intent<'_>) -> Vec<Hook> {
    let Some(table) = intent.table else {
        return Vec::new();
    };
    let interface = intent.interface();
    let id = table.id.to_string();
    let mut hooks = vec![
        hook(
            "up",
            &[
                "ip",
                "route",
                "add",
                table.subnet,
                "dev",
                interface,
                "table",
                &id,
            ],
        ),
        hook(
            "up",
            &[
                "ip",
                "route",
                "add",
                "default",
                "via",
                table.gateway,
                "dev",
                interface,
                "table",
                &id,
            ],
        ),
    ];
    for rule in &intent.rules {
        hooks.push(hook("up", &ip_rule_argv("add", rule)));
        hooks.push(hook("down", &ip_rule_argv("del", rule)));
    }
    hooks.push(hook("down", &["ip", "route", "flush", "table", &id]));
    hooks
}

impl Family for Ifupdown {
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
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let interface = intent.interface();
        let file = InterfacesFile {
            target: target.name(),
            interface,
            method: match intent.method4 {
                Method::Static => "static",
                Method::Dhcp => "dhcp",
            },
            is_static: intent.method4 == Method::Static,
            primary: intent.primary().text,
            netmask: intent.netmask(),
            // A secondary ENI's gateway goes to its own table, not to the main one.
            gateway: intent.plan_gateway().filter(|_| intent.table.is_none()),
            mac: intent.mac(),
            dns: intent.dns.all,
            hooks: policy_hooks(intent),
            aliases: intent
                .secondaries()
                .iter()
                .enumerate()
                .map(|(index, address)| Alias {
                    label: intent.label(index + 1),
                    address: address.text,
                })
                .collect(),
            ipv6: intent.ipv6.as_ref().map(|ipv6| Ipv6Stanza {
                primary: ipv6.addresses[0].text,
                prefix: ipv6.prefix,
                gateway: ipv6.gateway.map(|gateway| gateway.text),
                hooks: ipv6.addresses[1..]
                    .iter()
                    .flat_map(|address| {
                        [
                            hook(
                                "up",
                                &["ip", "-6", "addr", "add", address.cidr, "dev", interface],
                            ),
                            hook(
                                "down",
                                &["ip", "-6", "addr", "del", address.cidr, "dev", interface],
                            ),
                        ]
                    })
                    .collect(),
            }),
        };
        // ifupdown reads `source` files as if they stood in the main file (interfaces(5)), so
        // each interface keeps a file of its own and rendering eth1 leaves eth0's in place.
        out.files.push(File {
            path: "/etc/network/interfaces".into(),
            contents: INTERFACES.render(&MainFile {
                target: target.name(),
            })?,
            mode: MODE_PUBLIC,
        });
        out.files.push(File {
            path: format!("/etc/network/interfaces.d/60-eniplan-{interface}"),
            contents: STANZAS.render(&file)?,
            mode: MODE_PUBLIC,
        });
        // The `source` pattern names eniplan's files only: ifupdown runs every stanza of an
        // interface it reads, so cloud-init's `iface eth0 inet dhcp` in interfaces.d would run
        // beside these (a DHCP client next to the static addresses).
        out.warnings.push(format!(
            "/etc/network/interfaces is rewritten to hold the loopback and `source \
             /etc/network/interfaces.d/60-eniplan-*`: stanzas it held itself, and other files \
             in /etc/network/interfaces.d/ (such as cloud-init's 50-cloud-init), are no longer \
             read; render every interface of the host with eniplan, as {interface} is here"
        ));
        if !intent.dns.all.is_empty() {
            out.warnings.push(
                "`dns-nameservers` takes effect only when the resolvconf package is installed"
                    .into(),
            );
        }
        if let Some(mac) = intent.mac() {
            out.warnings.push(format!(
                "`hwaddress ether {mac}` sets the interface's MAC address when it comes up; it \
                 does not select the NIC by MAC (ifupdown matches by name only), so check that \
                 {} is the NIC with this MAC (`ip link`)",
                intent.interface()
            ));
        }
        Ok(())
    }
}
