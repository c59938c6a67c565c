//! Windows Server through netsh, following the seed's Windows example.

use std::net::IpAddr;

use crate::error::{Error, Errors};
use crate::model::Plan;
use crate::plan::Mode;
use crate::quote::netsh_arg;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// A plain word of a netsh command line.
fn word(text: &str) -> (String, String) {
    (text.to_string(), text.to_string())
}

fn netsh(words: &[&str], args: Vec<(String, String)>, purpose: &str) -> Command {
    let mut parts: Vec<(String, String)> = std::iter::once("netsh")
        .chain(words.iter().copied())
        .map(word)
        .collect();
    parts.extend(args);
    Command::cmd(parts, purpose)
}

pub(super) fn render(plan: &Plan, _target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let adapter = plan.interface();
    let Some(gateway) = plan.gateway() else {
        return Err(Error::Missing {
            field: "gateway".into(),
            hint: "Windows keeps the primary by switching the adapter to static (the seed's \
                   way), which needs the default gateway"
                .into(),
        }
        .into());
    };
    let name = || netsh_arg("name", adapter, true);
    let mask = plan.netmask().to_string();
    let commands = &mut out.commands;
    commands.push(netsh(
        &["interface", "ipv4", "set", "address"],
        vec![
            name(),
            netsh_arg("source", "static", false),
            netsh_arg("address", &plan.primary().to_string(), false),
            netsh_arg("mask", &mask, false),
            netsh_arg("gateway", &gateway.to_string(), false),
        ],
        "set the primary address statically; it must be kept, or the instance is unreachable \
         at its primary address",
    ));
    for secondary in plan.secondaries() {
        commands.push(netsh(
            &["interface", "ipv4", "add", "address"],
            vec![
                name(),
                netsh_arg("address", &secondary.to_string(), false),
                netsh_arg("mask", &mask, false),
                // Keeps the primary as the source address of outgoing connections.
                netsh_arg("skipassource", "true", false),
            ],
            &format!("add the secondary address {secondary}"),
        ));
    }
    let (dns4, dns6): (Vec<&IpAddr>, Vec<&IpAddr>) =
        plan.dns().iter().partition(|server| server.is_ipv4());
    for (family, servers) in [("ipv4", &dns4), ("ipv6", &dns6)] {
        for (index, server) in servers.iter().enumerate() {
            let server = server.to_string();
            commands.push(if index == 0 {
                netsh(
                    &["interface", family, "set", "dnsservers"],
                    vec![
                        name(),
                        netsh_arg("source", "static", false),
                        netsh_arg("address", &server, false),
                        netsh_arg("register", "primary", false),
                        netsh_arg("validate", "no", false),
                    ],
                    "set the first DNS server statically",
                )
            } else {
                netsh(
                    &["interface", family, "add", "dnsservers"],
                    vec![
                        name(),
                        netsh_arg("address", &server, false),
                        netsh_arg("index", &(index + 1).to_string(), false),
                        netsh_arg("validate", "no", false),
                    ],
                    "add the next DNS server",
                )
            });
        }
    }
    if let Some(ipv6) = plan.ipv6() {
        let interface = || netsh_arg("interface", adapter, true);
        for (index, address) in ipv6.addresses().iter().enumerate() {
            let mut args = vec![
                interface(),
                netsh_arg(
                    "address",
                    &format!("{address}/{}", ipv6.prefix_len()),
                    false,
                ),
            ];
            if index > 0 {
                args.push(netsh_arg("skipassource", "true", false));
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
                    netsh_arg("prefix", "::/0", false),
                    interface(),
                    netsh_arg("nexthop", &gateway.to_string(), false),
                ],
                "add the IPv6 default route",
            ));
        }
    }
    out.verify = vec![Command::cmd(
        vec![word("ipconfig"), word("/all")],
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
