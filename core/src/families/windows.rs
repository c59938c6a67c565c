//! Windows Server through netsh, following the seed's Windows example.

use super::{dns_of, no_policy_routing};
use crate::error::{Error, Errors};
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// `tag=value`, one argument of a netsh command.
fn arg(tag: &str, value: &str) -> String {
    let mut arg = String::with_capacity(tag.len() + value.len() + 1);
    arg.push_str(tag);
    arg.push('=');
    arg.push_str(value);
    arg
}

fn netsh(words: &[&str], args: Vec<String>, purpose: &str) -> Command {
    let mut argv: Vec<String> = Vec::with_capacity(words.len() + args.len() + 1);
    argv.push("netsh".into());
    argv.extend(words.iter().map(|word| word.to_string()));
    argv.extend(args);
    Command::cmd(argv, purpose)
}

/// The gateway Windows needs: it keeps the primary by switching the adapter to static.
pub(super) fn static_gateway(plan: &Plan) -> Result<&str, Error> {
    plan.text.gateway.as_deref().ok_or_else(|| Error::Missing {
        field: "gateway".into(),
        hint: "Windows keeps the primary by switching the adapter to static (the seed's way), \
               which needs the default gateway"
            .into(),
    })
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    no_policy_routing(
        plan,
        target,
        "Windows chooses the outgoing interface by route metric, not by source address; it \
         has no per-address rules to express",
    )?;
    let adapter = plan.interface();
    let gateway = static_gateway(plan)?;
    let name = || arg("name", adapter);
    let mask = &plan.text.netmask;
    let commands = &mut out.commands;
    commands.push(netsh(
        &["interface", "ipv4", "set", "address"],
        vec![
            name(),
            arg("source", "static"),
            arg("address", &plan.text.primary),
            arg("mask", mask),
            arg("gateway", gateway),
        ],
        "set the primary address statically; it must be kept, or the instance is unreachable \
         at its primary address",
    ));
    for secondary in &plan.text.secondaries {
        commands.push(netsh(
            &["interface", "ipv4", "add", "address"],
            vec![
                name(),
                arg("address", secondary),
                arg("mask", mask),
                // Keeps the primary as the source address of outgoing connections.
                arg("skipassource", "true"),
            ],
            &format!("add the secondary address {secondary}"),
        ));
    }
    for (family, servers) in [("ipv4", dns_of(plan, true)), ("ipv6", dns_of(plan, false))] {
        for (index, server) in servers.iter().enumerate() {
            commands.push(if index == 0 {
                netsh(
                    &["interface", family, "set", "dnsservers"],
                    vec![
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
                    vec![
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
    if let Some(ipv6) = plan.ipv6() {
        let interface = || arg("interface", adapter);
        for (index, address) in ipv6.addresses().iter().enumerate() {
            let mut args = vec![interface(), arg("address", &plan.text.ipv6_cidrs[index])];
            if index > 0 {
                args.push(arg("skipassource", "true"));
            }
            commands.push(netsh(
                &["interface", "ipv6", "add", "address"],
                args,
                &format!("add the IPv6 address {address}"),
            ));
        }
        if let Some(gateway) = ipv6.gateway() {
            commands.push(netsh(
                &["interface", "ipv6", "add", "route"],
                vec![
                    arg("prefix", "::/0"),
                    interface(),
                    arg("nexthop", &gateway.to_string()),
                ],
                "add the IPv6 default route",
            ));
        }
    }
    out.verify = vec![Command::cmd(
        vec!["ipconfig".into(), "/all".into()],
        "every planned address should be listed on the adapter (the seed's `ipconfig`)",
    )];

    if plan.mode() == Mode::Dhcp {
        out.warnings.push(
            "mode is dhcp, but Windows drops static addresses added to a DHCP adapter unless \
             `dhcpstaticipcoexistence` is enabled; this rendering takes the seed's path and \
             switches the adapter to static with the primary address kept"
                .into(),
        );
    }
    if plan.dns().is_empty() {
        out.warnings.push(
            "the plan has no dns: once the adapter is static, Windows no longer learns DNS \
             servers from DHCP (Alibaba Cloud's are 100.100.2.136 and 100.100.2.138)"
                .into(),
        );
    }
    if plan.mac().is_some() {
        out.warnings
            .push("the plan's mac is not used: netsh addresses the adapter by name".into());
    }
    Ok(())
}

/// `netsh … delete address` for every dropped address: they go at once, no reboot needed.
pub(super) fn removal(before: &Plan, gone: &super::Gone) -> Vec<Command> {
    let adapter = before.interface();
    let mut commands = Vec::new();
    for cidr in &gone.ipv4 {
        let address = cidr.split('/').next().unwrap_or(cidr);
        commands.push(netsh(
            &["interface", "ipv4", "delete", "address"],
            vec![arg("name", adapter), arg("address", address)],
            &format!("remove {address} now: it is no longer planned"),
        ));
    }
    for cidr in &gone.ipv6 {
        let address = cidr.split('/').next().unwrap_or(cidr);
        commands.push(netsh(
            &["interface", "ipv6", "delete", "address"],
            vec![arg("interface", adapter), arg("address", address)],
            &format!("remove {address} now: it is no longer planned"),
        ));
    }
    commands
}
