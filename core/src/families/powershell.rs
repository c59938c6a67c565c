//! Windows Server through PowerShell's NetTCPIP and DnsClient cmdlets, beside netsh.

use super::windows_common::{self, static_gateway, NO_POLICY_ROUTING};
use super::{Family, Removal};
use crate::error::Errors;
use crate::intent::{Difference, Intent};
use crate::quote::PsArg::{Parameter, Text, Token};
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// The PowerShell family.
pub(super) struct Powershell;

impl Family for Powershell {
    fn refuses_route_table(&self) -> Option<&'static str> {
        Some(NO_POLICY_ROUTING)
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        _target: Target,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        render(intent, out)
    }

    fn removal(
        &self,
        difference: &Difference<'_>,
        before: &Intent<'_>,
        _after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        Ok(Removal::Before(removal(difference, before)))
    }
}

fn render(intent: &Intent<'_>, out: &mut Rendering) -> Result<(), Errors> {
    let gateway = static_gateway(intent)?;
    let alias = intent.interface();
    let prefix = intent.prefix();
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
            Text(intent.primary().text),
            Parameter("-PrefixLength"),
            Text(prefix),
            Parameter("-DefaultGateway"),
            Text(gateway),
        ],
        "set the primary address statically with the default gateway; it must be kept, or \
         the instance is unreachable at its primary address",
    ));
    for secondary in intent.secondaries().iter().map(|address| address.text) {
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
    if let Some(ipv6) = &intent.ipv6 {
        let prefix6 = ipv6.prefix.to_string();
        for (index, address) in ipv6.addresses.iter().map(|a| a.text).enumerate() {
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
        if let Some(gateway) = ipv6.gateway.map(|gateway| gateway.text) {
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
    if !intent.dns.all.is_empty() {
        let mut args = vec![
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-ServerAddresses"),
        ];
        args.extend(intent.dns.all.iter().map(|server| Text(server)));
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
    windows_common::warnings(
        intent,
        out,
        "switches",
        "the cmdlets address the adapter by its alias",
    );
    Ok(())
}

/// `Remove-NetIPAddress` for every dropped address (`-Confirm:$false`: no prompt in a script).
fn removal(difference: &Difference<'_>, before: &Intent<'_>) -> Vec<Command> {
    let alias = before.interface();
    difference
        .ipv4
        .iter()
        .chain(&difference.ipv6)
        .map(|address| {
            let address = address.text;
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
