//! Windows Server through PowerShell's NetTCPIP and DnsClient cmdlets, beside netsh.

use serde::Serialize;

use super::windows_common::{self, static_gateway, NO_POLICY_ROUTING};
use super::{Family, Removal};
use crate::error::Errors;
use crate::intent::{Difference, Intent};
use crate::quote::PsArg::{Parameter, Text, Token};
use crate::read::HostFiles;
use crate::rendering::{Command, File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::Template;

/// The PowerShell family.
pub(super) struct Powershell;

/// The apply script: the rendering's commands between a capture of each adapter's IP
/// configuration and a verification, with the captured configuration put back when anything
/// fails (`templates/powershell/apply.ps1`).
static APPLY_SCRIPT: Template = crate::template!("powershell/apply.ps1", Powershell);
static TEMPLATES: [&Template; 1] = [&APPLY_SCRIPT];

/// Where the apply script is meant to live on the host (the Ansible example sends its contents
/// to `ansible.windows.win_powershell` instead).
pub(crate) const APPLY_SCRIPT_PATH: &str = r"C:\ProgramData\eniplan\apply.ps1";

/// One adapter as the apply script's `$Plan` lists it.
#[derive(Serialize)]
struct ScriptAdapter<'p> {
    alias: &'p str,
    ipv4: Vec<&'p str>,
    gateway: &'p str,
    ipv6: Vec<&'p str>,
    gateway6: &'p str,
    dns: &'p [String],
}

/// One step of the apply script: the rendered command line and its purpose.
#[derive(Serialize)]
struct ScriptCommand<'r> {
    purpose: &'r str,
    line: &'r str,
}

impl Family for Powershell {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    /// The apply script, built from the final commands.
    fn complete(&self, instance: &[Intent<'_>], out: &mut Rendering) -> Result<(), Errors> {
        let adapters: Vec<ScriptAdapter<'_>> = instance
            .iter()
            .map(|intent| ScriptAdapter {
                alias: intent.interface(),
                ipv4: intent.ipv4.iter().map(|address| address.cidr).collect(),
                gateway: intent.plan_gateway().unwrap_or_default(),
                ipv6: intent
                    .ipv6
                    .iter()
                    .flat_map(|ipv6| ipv6.addresses.iter().map(|address| address.cidr))
                    .collect(),
                gateway6: intent
                    .ipv6
                    .as_ref()
                    .and_then(|ipv6| ipv6.gateway)
                    .map(|gateway| gateway.text)
                    .unwrap_or_default(),
                dns: intent.dns.all,
            })
            .collect();
        let commands: Vec<ScriptCommand<'_>> = out
            .commands
            .iter()
            .map(|command| ScriptCommand {
                purpose: &command.purpose,
                line: &command.shell,
            })
            .collect();
        let contents = APPLY_SCRIPT.render(&serde_json::json!({
            "adapters": adapters,
            "commands": commands,
        }))?;
        out.files.retain(|file| file.path != APPLY_SCRIPT_PATH);
        out.files.push(File {
            path: APPLY_SCRIPT_PATH.into(),
            contents,
            mode: MODE_PUBLIC,
        });
        Ok(())
    }

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

/// What each command does on a second run, where everything it sets up already exists (the
/// README's support matrix says the same): `Set-NetIPInterface` and `Set-DnsClientServerAddress`
/// set a value to what it already is; each `New-NetIPAddress` and `New-NetRoute` is skipped
/// because its `Get-*` probe finds the object (NetTCPIP's `New-*` cmdlets report an error for an
/// object that already exists); each `Remove-NetIPAddress` is skipped because its probe finds
/// nothing. A second run changes nothing and fails nothing.
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
    commands.push(
        new_address(alias, "IPv4", intent.primary().text, prefix, false).purpose(
            "set the primary address statically; it must be kept, or the instance is \
             unreachable at its primary address",
        ),
    );
    commands.push(new_route(
        alias,
        "IPv4",
        "0.0.0.0/0",
        gateway,
        "add the default route",
    ));
    for secondary in intent.secondaries().iter().map(|address| address.text) {
        // SkipAsSource keeps the primary as the source address of outgoing connections.
        commands.push(
            new_address(alias, "IPv4", secondary, prefix, true)
                .purpose(format!("add the secondary address {secondary}")),
        );
    }
    if let Some(ipv6) = &intent.ipv6 {
        let prefix6 = ipv6.prefix.to_string();
        for (index, address) in ipv6.addresses.iter().map(|a| a.text).enumerate() {
            commands.push(
                new_address(alias, "IPv6", address, &prefix6, index > 0)
                    .purpose(format!("add the IPv6 address {address}")),
            );
        }
        if let Some(gateway) = ipv6.gateway.map(|gateway| gateway.text) {
            commands.push(new_route(
                alias,
                "IPv6",
                "::/0",
                gateway,
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

/// `Get-NetIPAddress` of one address on the adapter: what it lists is the address, if present.
/// `-ErrorAction SilentlyContinue` because the cmdlet reports a missing address as an error.
fn address_probe(alias: &str, address: &str) -> Command {
    Command::powershell(
        "Get-NetIPAddress",
        &[
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-IPAddress"),
            Text(address),
            Parameter("-ErrorAction"),
            Token("SilentlyContinue"),
        ],
        "",
    )
}

/// `New-NetIPAddress` of one address, unless the adapter already has it.
fn new_address(
    alias: &str,
    family: &'static str,
    address: &str,
    prefix: &str,
    skip: bool,
) -> Command {
    let mut args = vec![
        Parameter("-InterfaceAlias"),
        Text(alias),
        Parameter("-AddressFamily"),
        Token(family),
        Parameter("-IPAddress"),
        Text(address),
        Parameter("-PrefixLength"),
        Text(prefix),
    ];
    if skip {
        args.extend([Parameter("-SkipAsSource"), Token("$true")]);
    }
    Command::powershell("New-NetIPAddress", &args, "").unless_found(address_probe(alias, address))
}

/// `New-NetRoute` of one route through the adapter, unless the adapter already has it.
fn new_route(
    alias: &str,
    family: &'static str,
    destination: &str,
    next_hop: &str,
    purpose: &str,
) -> Command {
    let probe = Command::powershell(
        "Get-NetRoute",
        &[
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-DestinationPrefix"),
            Text(destination),
            Parameter("-NextHop"),
            Text(next_hop),
            Parameter("-ErrorAction"),
            Token("SilentlyContinue"),
        ],
        "",
    );
    Command::powershell(
        "New-NetRoute",
        &[
            Parameter("-InterfaceAlias"),
            Text(alias),
            Parameter("-AddressFamily"),
            Token(family),
            Parameter("-DestinationPrefix"),
            Text(destination),
            Parameter("-NextHop"),
            Text(next_hop),
        ],
        purpose,
    )
    .unless_found(probe)
}

/// `Remove-NetIPAddress` for every dropped address that is still there (`-Confirm:$false`: no
/// prompt in a script).
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
            .if_found(address_probe(alias, address))
        })
        .collect()
}
