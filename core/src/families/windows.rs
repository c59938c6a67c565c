//! Windows Server through netsh, following the ECS document's Windows example.
//!
//! What each command does on a second run, where everything it sets up already exists (the
//! README's support matrix says the same). netsh's `add` reports an error for an object that
//! already exists and `delete` for one that does not (Microsoft's netsh interface reference), so:
//! - `ipv4 set address … source=static` replaces the adapter's IPv4 addresses and gateway with
//!   the primary and its gateway; the `add address` lines after it put each secondary back. The
//!   end state is the same, with the secondaries absent for the moment between.
//! - `set dnsservers` replaces the list with the first server and `add dnsservers` appends the
//!   rest again: the same list.
//! - each IPv6 address and the IPv6 default route are `set … || add …`: the `set` succeeds,
//!   changing nothing, when they exist, and the `add` runs only when it fails.
//! - a dropped IPv6 address is `add … >nul 2>&1 & delete …`: the delete always finds it.
//!
//! A second run fails nothing and leaves the adapter as the first run did.

use super::windows_common::{self, static_gateway, NO_POLICY_ROUTING};
use super::{Family, Removal};
use crate::error::Errors;
use crate::intent::{Difference, Intent};
use crate::read::HostFiles;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// The netsh family.
pub(super) struct Netsh;

/// `tag=value`, one argument of a netsh command.
fn arg(tag: &str, value: &str) -> String {
    let mut arg = String::with_capacity(tag.len() + value.len() + 1);
    arg.push_str(tag);
    arg.push('=');
    arg.push_str(value);
    arg
}

fn netsh<const N: usize>(words: &[&str], args: [String; N], purpose: impl Into<String>) -> Command {
    let mut argv: Vec<String> = Vec::with_capacity(words.len() + N + 1);
    argv.push("netsh".into());
    argv.extend(words.iter().map(|word| word.to_string()));
    argv.extend(args);
    Command::cmd(argv, purpose)
}

impl Family for Netsh {
    fn refuses_route_table(&self) -> Option<&'static str> {
        Some(NO_POLICY_ROUTING)
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        _target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let adapter = intent.interface();
        let gateway = static_gateway(intent)?;
        let name = || arg("name", adapter);
        let mask = intent.netmask();
        let commands = &mut out.commands;
        commands.push(netsh(
            &["interface", "ipv4", "set", "address"],
            [
                name(),
                arg("source", "static"),
                arg("address", intent.primary().text),
                arg("mask", mask),
                arg("gateway", gateway),
            ],
            "set the primary address statically, in place of every IPv4 address the adapter \
             has (one no longer planned goes with them); the primary must be kept, or the \
             instance is unreachable at its primary address",
        ));
        for secondary in intent.secondaries() {
            commands.push(netsh(
                &["interface", "ipv4", "add", "address"],
                [
                    name(),
                    arg("address", secondary.text),
                    arg("mask", mask),
                    // Keeps the primary as the source address of outgoing connections.
                    arg("skipassource", "true"),
                ],
                format!("add the secondary address {}", secondary.text),
            ));
        }
        for (family, servers) in [("ipv4", &intent.dns.v4), ("ipv6", &intent.dns.v6)] {
            for (index, server) in servers.iter().enumerate() {
                commands.push(if index == 0 {
                    netsh(
                        &["interface", family, "set", "dnsservers"],
                        [
                            name(),
                            arg("source", "static"),
                            arg("address", server),
                            arg("register", "primary"),
                            arg("validate", "no"),
                        ],
                        "set the first DNS server statically",
                    )
                } else {
                    netsh(
                        &["interface", family, "add", "dnsservers"],
                        [
                            name(),
                            arg("address", server),
                            arg("index", &(index + 1).to_string()),
                            arg("validate", "no"),
                        ],
                        "add the next DNS server",
                    )
                });
            }
        }
        if let Some(ipv6) = &intent.ipv6 {
            let interface = || arg("interface", adapter);
            for (index, address) in ipv6.addresses.iter().enumerate() {
                let purpose = format!("add the IPv6 address {}", address.text);
                // Every address after the ENI's own keeps it the source address.
                let skip = if index > 0 { "true" } else { "false" };
                let probe = netsh(
                    &["interface", "ipv6", "set", "address"],
                    [
                        interface(),
                        arg("address", address.text),
                        arg("skipassource", skip),
                    ],
                    "",
                );
                let words = ["interface", "ipv6", "add", "address"];
                let add = if index > 0 {
                    netsh(
                        &words,
                        [
                            interface(),
                            arg("address", address.cidr),
                            arg("skipassource", skip),
                        ],
                        purpose,
                    )
                } else {
                    netsh(&words, [interface(), arg("address", address.cidr)], purpose)
                };
                commands.push(add.unless_succeeds(probe));
            }
            if let Some(gateway) = ipv6.gateway {
                let route = |verb| {
                    netsh(
                        &["interface", "ipv6", verb, "route"],
                        [
                            arg("prefix", "::/0"),
                            interface(),
                            arg("nexthop", gateway.text),
                        ],
                        "add the IPv6 default route",
                    )
                };
                commands.push(route("add").unless_succeeds(route("set")));
            }
        }
        out.verify = vec![Command::cmd(
            vec!["ipconfig".into(), "/all".into()],
            "every planned address should be listed on the adapter (the ECS document's `ipconfig`)",
        )];
        windows_common::warnings(
            intent,
            out,
            "takes the ECS document's path and switches",
            "netsh addresses the adapter by name",
        );
        Ok(())
    }

    /// A change that keeps the primary, its mask and its gateway never resets the adapter's
    /// IPv4 list (`set address` would drop every kept secondary for a moment, and a session
    /// on one with it): each dropped IPv4 secondary is deleted and each new one added, both
    /// guarded, and the DNS and IPv6 lines follow as the new rendering has them. A change of
    /// the primary needs `set address`: then only the dropped IPv6 addresses are deleted
    /// first, the rendering's `set address` replacing the IPv4 list.
    fn removal(
        &self,
        difference: &Difference<'_>,
        before: &Intent<'_>,
        after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        let adapter = before.interface();
        let mut commands = Vec::new();
        let kept_primary = difference.primary_changed.is_none()
            && before.netmask() == after.netmask()
            && before.plan_gateway() == after.plan_gateway()
            && before.method4 == after.method4
            && after.method4 == crate::intent::Method::Static;
        if kept_primary {
            let name = || arg("name", adapter);
            for address in &difference.ipv4 {
                let address_of = |verb| {
                    let mut args = vec![name(), arg("address", address.text)];
                    if verb == "add" {
                        args.push(arg("mask", before.netmask()));
                    }
                    let mut argv: Vec<String> = ["netsh", "interface", "ipv4", verb, "address"]
                        .map(str::to_string)
                        .to_vec();
                    argv.extend(args);
                    Command::cmd(
                        argv,
                        format!("remove {} now: it is no longer planned", address.text),
                    )
                };
                commands.push(address_of("delete").after_ensuring(address_of("add")));
            }
            for secondary in after.secondaries() {
                if before
                    .secondaries()
                    .iter()
                    .any(|kept| kept.text == secondary.text)
                {
                    continue;
                }
                let add = netsh(
                    &["interface", "ipv4", "add", "address"],
                    [
                        name(),
                        arg("address", secondary.text),
                        arg("mask", after.netmask()),
                        arg("skipassource", "true"),
                    ],
                    format!("add the secondary address {}", secondary.text),
                );
                let delete = netsh(
                    &["interface", "ipv4", "delete", "address"],
                    [name(), arg("address", secondary.text)],
                    "",
                );
                commands.push(add.after_removing(delete));
            }
        }
        for address in difference.ipv6.iter().map(|a| a.text) {
            let address_of = |verb| {
                netsh(
                    &["interface", "ipv6", verb, "address"],
                    [arg("interface", adapter), arg("address", address)],
                    format!("remove {address} now: it is no longer planned"),
                )
            };
            commands.push(address_of("delete").after_ensuring(address_of("add")));
        }
        if !kept_primary {
            return Ok(Removal::Before(commands));
        }
        // The rendering's DNS and IPv6 lines change nothing that stays.
        let mut rest = Rendering {
            target: String::new(),
            family: crate::os_family::OsFamily::Windows,
            files: Vec::new(),
            delete: Vec::new(),
            commands: Vec::new(),
            restart: Vec::new(),
            verify: Vec::new(),
            warnings: Vec::new(),
        };
        let windows = Target::parse("windows").map_err(Errors::from)?;
        self.render(after, windows, &crate::families::NO_HOST, &mut rest)?;
        // Everything but the IPv4 address lines, which the guarded adds and deletes above
        // stand for.
        commands.extend(rest.commands.into_iter().filter(|command| {
            let words: Vec<&str> = command.argv.iter().map(String::as_str).collect();
            !matches!(
                words.as_slice(),
                ["netsh", "interface", "ipv4", "set" | "add", "address", ..]
            )
        }));
        Ok(Removal::Instead(commands))
    }
}
