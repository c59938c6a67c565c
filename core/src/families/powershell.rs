//! Windows Server through PowerShell's NetTCPIP and DnsClient cmdlets, beside netsh.

use super::{no_policy_routing, windows::static_gateway};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::quote::PsArg::{Parameter, Text, Token};
use crate::rendering::{Command, Rendering};
use crate::target::Target;

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    no_policy_routing(
        plan,
        target,
        "Windows chooses the outgoing interface by route metric, not by source address; it \
         has no per-address rules to express",
    )?;
    let gateway = static_gateway(plan)?;
    let alias = plan.interface();
    let prefix = plan.text.prefix.as_str();
    let commands = &mut out.commands;
    commands.push(Command::powershell(
        "Set-NetIPInterface",
        &[
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-AddressFamily"),
            Token("IPv4"),
            Parameter("-Dhcp"),
            Token("Disabled"),
        ],
        "stop DHCP on the adapter, so the addresses below are kept (Windows drops static \
         addresses added next to DHCP); run from the console, the adapter is briefly without \
         an address",
    ));
    commands.push(Command::powershell(
        "New-NetIPAddress",
        &[
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-AddressFamily"),
            Token("IPv4"),
            Parameter("-IPAddress"),
            Text(&plan.text.primary),
            Parameter("-PrefixLength"),
            Text(prefix),
            Parameter("-DefaultGateway"),
            Text(gateway),
        ],
        "set the primary address statically with the default gateway; it must be kept, or \
         the instance is unreachable at its primary address",
    ));
    for secondary in &plan.text.secondaries {
        commands.push(Command::powershell(
            "New-NetIPAddress",
            &[
                Parameter("-InterfaceAlias"),
                Text(alias),
                Parameter("-AddressFamily"),
                Token("IPv4"),
                Parameter("-IPAddress"),
                Text(secondary),
                Parameter("-PrefixLength"),
                Text(prefix),
                // Keeps the primary as the source address of outgoing connections.
                Parameter("-SkipAsSource"),
                Token("$true"),
            ],
            format!("add the secondary address {secondary}"),
        ));
    }
    if let Some(ipv6) = plan.ipv6() {
        let prefix6 = ipv6.prefix_len().to_string();
        for (index, address) in plan.text.ipv6_cidrs.iter().enumerate() {
            let address = address.split('/').next().unwrap_or(address);
            let mut args = vec![
                Parameter("-InterfaceAlias"),
                Text(alias),
                Parameter("-AddressFamily"),
                Token("IPv6"),
                Parameter("-IPAddress"),
                Text(address),
                Parameter("-PrefixLength"),
                Text(&prefix6),
            ];
            if index > 0 {
                args.extend([Parameter("-SkipAsSource"), Token("$true")]);
            }
            commands.push(Command::powershell(
                "New-NetIPAddress",
                &args,
                format!("add the IPv6 address {address}"),
            ));
        }
        if let Some(gateway) = &plan.text.ipv6_gateway {
            commands.push(Command::powershell(
                "New-NetRoute",
                &[
                    Parameter("-InterfaceAlias"),
                    Text(alias),
                    Parameter("-AddressFamily"),
                    Token("IPv6"),
                    Parameter("-DestinationPrefix"),
                    Text("::/0"),
                    Parameter("-NextHop"),
                    Text(gateway),
                ],
                "add the IPv6 default route",
            ));
        }
    }
    if !plan.text.dns.is_empty() {
        let mut args = vec![
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-ServerAddresses"),
        ];
        args.extend(plan.text.dns.iter().map(|server| Text(server)));
        commands.push(Command::powershell(
            "Set-DnsClientServerAddress",
            &args,
            "set the DNS servers (IPv4 and IPv6 alike) in order",
        ));
    }
    out.verify = vec![Command::powershell(
        "Get-NetIPAddress",
        &[Parameter("-InterfaceAlias"), Text(alias)],
        "every planned address should be listed on the adapter; SkipAsSource is True for the \
         secondaries",
    )];
    if plan.mode() == Mode::Dhcp {
        out.warnings.push(
            "mode is dhcp, but Windows drops static addresses added to a DHCP adapter unless \
             `dhcpstaticipcoexistence` is enabled; this rendering switches the adapter to \
             static with the primary address kept"
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
        out.warnings.push(
            "the plan's mac is not used: the cmdlets address the adapter by its alias".into(),
        );
    }
    Ok(())
}

/// `Remove-NetIPAddress` for every dropped address (`-Confirm:$false`: no prompt in a script).
pub(super) fn removal(before: &Plan, gone: &super::Gone) -> Vec<Command> {
    let alias = before.interface();
    gone.ipv4
        .iter()
        .chain(&gone.ipv6)
        .map(|cidr| {
            let address = cidr.split('/').next().unwrap_or(cidr);
            Command::powershell(
                "Remove-NetIPAddress",
                &[
                    Parameter("-InterfaceAlias"),
                    Text(alias),
                    Parameter("-IPAddress"),
                    Text(address),
                    Parameter("-Confirm:$false"),
                ],
                format!("remove {address} now: it is no longer planned"),
            )
        })
        .collect()
}
