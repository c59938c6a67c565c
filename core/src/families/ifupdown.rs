//! Debian's ifupdown: Ubuntu 14.04/16.04, Debian 8–11.

use serde::Serialize;

use super::{ip_rule_argv, Family};
use crate::error::Errors;
use crate::intent::{Intent, Method};
use crate::quote;
use crate::read::ifupdown::{blocks, read_order, BlockKind, Includes};
use crate::read::HostFiles;
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

/// Where ifupdown reads everything.
const MAIN: &str = "/etc/network/interfaces";

/// The file of eniplan's stanzas for one interface.
fn own_file(interface: &str) -> String {
    format!("/etc/network/interfaces.d/60-eniplan-{interface}")
}

/// Whether a logical interface of interfaces(5) is `interface` or one of its aliases.
fn configures(name: &str, interface: &str) -> bool {
    name == interface
        || name
            .strip_prefix(interface)
            .is_some_and(|rest| rest.starts_with(':'))
}

/// The text put before a stanza eniplan comments out.
const NEUTRALISED: &str = "#eniplan# ";

/// `text` with the stanzas and `auto`/`allow-*` entries of the configured interfaces
/// commented out (the names of other interfaces on a shared `auto` line kept on a line of
/// their own), and what was done, line by line; `None` when nothing concerns them.
fn neutralise(text: &str, configured: &[&str]) -> Option<(String, Vec<String>)> {
    let ours = |name: &str| {
        configured
            .iter()
            .any(|interface| configures(name, interface))
    };
    let lines: Vec<&str> = text.lines().collect();
    // What to do with each line: keep it, comment it out, or replace it.
    let mut replaced: Vec<Option<Vec<String>>> = vec![None; lines.len()];
    let mut done = Vec::new();
    for block in blocks(text) {
        let range = block.first - 1..block.last;
        match &block.kind {
            BlockKind::Iface { name } if ours(name) => {
                for at in range {
                    replaced[at] = Some(vec![format!("{NEUTRALISED}{}", lines[at])]);
                }
                let span = if block.first == block.last {
                    format!("line {}", block.first)
                } else {
                    format!("lines {}–{}", block.first, block.last)
                };
                done.push(format!("{span} (`{}`)", lines[block.first - 1].trim()));
            }
            BlockKind::Auto { keyword, names } if names.iter().any(|name| ours(name)) => {
                let kept: Vec<&str> = names
                    .iter()
                    .map(String::as_str)
                    .filter(|name| !ours(name))
                    .collect();
                let mut new: Vec<String> = lines[range.clone()]
                    .iter()
                    .map(|line| format!("{NEUTRALISED}{line}"))
                    .collect();
                if !kept.is_empty() {
                    new.push(format!("{keyword} {}", kept.join(" ")));
                }
                replaced[range.start] = Some(new);
                for line in &mut replaced[range.start + 1..range.end] {
                    *line = Some(Vec::new());
                }
                done.push(format!(
                    "line {} (`{}`)",
                    block.first,
                    lines[block.first - 1].trim()
                ));
            }
            _ => {}
        }
    }
    if done.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 64 * done.len());
    for (line, replacement) in lines.iter().zip(replaced) {
        match replacement {
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(new) => {
                for line in new {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    if !text.ends_with('\n') && !text.is_empty() {
        out.pop();
    }
    Some((out, done))
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
        _host: &HostFiles,
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
        // each interface keeps a file of its own and rendering eth1 leaves eth0's in place;
        // the main file is the instance's ([`Family::shared`]).
        out.files.push(File {
            path: own_file(interface),
            contents: STANZAS.render(&file)?,
            mode: MODE_PUBLIC,
        });
        if !intent.dns.all.is_empty() {
            super::push_unique(
                &mut out.warnings,
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

    /// The main file, merged with the host's: every line of it and of the files it sources
    /// stays, but the stanzas of the interfaces eniplan now configures, which are commented
    /// out (ifupdown runs every stanza of an interface, so a cloud-init `iface eth0 inet dhcp`
    /// would run beside eniplan's); and a `source` line for each of eniplan's files the main
    /// file does not read yet. Without a main file on the host, eniplan's own: the loopback
    /// and its files.
    fn shared(
        &self,
        instance: &[Intent<'_>],
        target: Target,
        host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let Some(main) = super::on_host(host).and_then(|files| files.get(MAIN)) else {
            // The main file goes right after the cloud-init file, before the stanzas.
            out.files.insert(
                1,
                File {
                    path: MAIN.into(),
                    contents: INTERFACES.render(&MainFile {
                        target: target.name(),
                    })?,
                    mode: MODE_PUBLIC,
                },
            );
            out.warnings.push(if super::on_host(host).is_none() {
                format!(
                    "{MAIN} is shown as eniplan writes it on a host that has none: the loopback \
                     and `source /etc/network/interfaces.d/60-eniplan-*`. Rendered for a host \
                     (--write-to or --root, Ansible, Salt), the host's own file is kept: every \
                     other interface's stanza stays, and only the stanzas of {} are commented \
                     out",
                    super::interface_names(instance)
                )
            } else {
                format!("{MAIN} did not exist: it is written with the loopback and eniplan's files")
            });
            return Ok(());
        };
        let configured: Vec<&str> = instance.iter().map(Intent::interface).collect();
        let mut main = main.clone();
        // Every file ifupdown reads but eniplan's own: a stanza there for an interface eniplan
        // configures now is commented out.
        let ours: Vec<String> = configured.iter().map(|name| own_file(name)).collect();
        for path in read_order(host, MAIN) {
            if ours.contains(&path) {
                continue;
            }
            let text = if path == MAIN { &main } else { &host[&path] };
            if let Some((merged, done)) = neutralise(text, &configured) {
                for what in done {
                    out.warnings.push(format!(
                        "{path}: {what} commented out: eniplan configures {} now, and ifupdown \
                         would run both",
                        configured.join(", ")
                    ));
                }
                if path == MAIN {
                    main = merged;
                } else {
                    out.files.push(File {
                        path,
                        contents: merged,
                        mode: MODE_PUBLIC,
                    });
                }
            }
        }
        // A `source` line for each of eniplan's files the main file does not read yet.
        let includes: Vec<Includes> = read_order(host, MAIN)
            .iter()
            .flat_map(|path| {
                let text = if path == MAIN { &main } else { &host[path] };
                blocks(text)
                    .into_iter()
                    .filter_map(|block| match block.kind {
                        BlockKind::Source(includes) => Some(includes),
                        _ => None,
                    })
            })
            .collect();
        for path in &ours {
            if includes.iter().any(|include| include.takes(path)) {
                continue;
            }
            if !main.is_empty() && !main.ends_with('\n') {
                main.push('\n');
            }
            main.push_str(&format!(
                "\n# Added by eniplan: read its stanzas.\nsource {path}\n"
            ));
        }
        if host.get(MAIN) != Some(&main) {
            out.files.insert(
                1,
                File {
                    path: MAIN.into(),
                    contents: main,
                    mode: MODE_PUBLIC,
                },
            );
        }
        Ok(())
    }
}
