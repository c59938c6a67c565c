//! NetworkManager through `nmcli con modify`, the seed's first method.

use super::{cloud_init_file, dns_of, ipv6_cidrs, linux_verify, linux_warnings, static_cidrs};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

pub(super) fn render(plan: &Plan, _target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let connection = match plan.connection() {
        Some(name) => name.to_string(),
        None => {
            let name = format!("System {}", plan.interface());
            out.warnings.push(format!(
                "the plan names no connection, so `{name}` (the seed's naming) is used; \
                 `nmcli con show` lists the real name — set `connection` if it differs"
            ));
            name
        }
    };
    out.files.push(cloud_init_file()?);

    let modify = |properties: Vec<String>, purpose: &str| {
        let mut argv = vec![
            "nmcli".to_string(),
            "con".into(),
            "modify".into(),
            connection.clone(),
        ];
        argv.extend(properties);
        Command::posix(argv, purpose)
    };
    let addresses = static_cidrs(plan);
    let dns = dns_of(plan, true);
    let dns_command = |commands: &mut Vec<Command>| {
        if !dns.is_empty() {
            let mut properties = vec!["ipv4.dns".to_string(), dns.join(",")];
            if plan.mode() == Mode::Dhcp {
                properties.extend(["ipv4.ignore-auto-dns".to_string(), "yes".into()]);
            }
            commands.push(modify(properties, "set the IPv4 DNS servers"));
        }
    };
    let commands = &mut out.commands;
    match plan.mode() {
        // The seed's order. Addresses come first: `manual` is refused without any.
        Mode::Static => {
            commands.push(modify(
                vec!["ipv4.addresses".into(), addresses.join(",")],
                "set the primary and secondary IPv4 addresses",
            ));
            let gateway = plan.text.gateway.clone().unwrap_or_default();
            commands.push(modify(
                vec!["ipv4.gateway".into(), gateway],
                "set the default gateway",
            ));
            dns_command(commands);
            commands.push(modify(
                vec!["ipv4.method".into(), "manual".into()],
                "configure IPv4 by hand instead of by DHCP",
            ));
        }
        // From a static connection the order matters the other way round: NetworkManager
        // refuses to clear the addresses while the method is `manual` or a gateway is set.
        Mode::Dhcp => {
            commands.push(modify(
                vec!["ipv4.method".into(), "auto".into()],
                "keep the primary address on DHCP",
            ));
            commands.push(modify(
                vec!["ipv4.gateway".into(), String::new()],
                "clear any static gateway: DHCP provides the default route",
            ));
            commands.push(modify(
                vec!["ipv4.addresses".into(), addresses.join(",")],
                "add the secondary IPv4 addresses next to the DHCP one",
            ));
            dns_command(commands);
        }
    }
    if plan.ipv6().is_some() {
        let mut properties = vec!["ipv6.addresses".to_string(), ipv6_cidrs(plan).join(",")];
        properties.push("ipv6.gateway".into());
        properties.push(plan.text.ipv6_gateway.clone().unwrap_or_default());
        let dns = dns_of(plan, false);
        if !dns.is_empty() {
            properties.extend(["ipv6.dns".to_string(), dns.join(",")]);
        }
        properties.extend(["ipv6.method".to_string(), "manual".into()]);
        commands.push(modify(properties, "set the IPv6 addresses and gateway"));
    }
    commands.push(Command::posix(
        vec![
            "nmcli".to_string(),
            "con".into(),
            "up".into(),
            connection.clone(),
        ],
        "activate the connection so the new addresses take effect now",
    ));

    if plan.mode() == Mode::Dhcp && !plan.secondaries().is_empty() {
        out.warnings.push(
            "NetworkManager 1.36 and later may make a static secondary the kernel's preferred \
             source address when DHCP and static addresses are mixed; check with `ip a` that \
             the DHCP address is listed first"
                .into(),
        );
    }
    if plan.mac().is_some() {
        out.warnings
            .push("the plan's mac is not used: nmcli selects the connection by name".into());
    }
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}
