//! NetworkManager through `nmcli con modify`, the seed's first method.

use super::{
    cloud_init_file, connection_name, default_connection_name, dns_of, ipv6_cidrs, linux_verify,
    linux_warnings, policy, policy_warnings, static_cidrs,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// `nmcli con modify <connection> <properties…>`.
fn modify(connection: &str, properties: Vec<String>, purpose: impl Into<String>) -> Command {
    let mut argv = vec![
        "nmcli".to_string(),
        "con".into(),
        "modify".into(),
        connection.to_string(),
    ];
    argv.extend(properties);
    Command::posix(argv, purpose)
}

pub(super) fn render(plan: &Plan, _target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let connection = connection_name(plan, out);
    out.files.push(cloud_init_file()?);

    let modify = |properties: Vec<String>, purpose: &str| modify(&connection, properties, purpose);
    let addresses = static_cidrs(plan);
    let policy = policy(plan);
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
            match &policy {
                Some(policy) => {
                    commands.push(modify(
                        vec!["ipv4.gateway".into(), String::new()],
                        "no default route in the main table: this ENI's goes to its own table",
                    ));
                    let routes = format!(
                        "0.0.0.0/0 {gateway} table={table}, {subnet} table={table}",
                        gateway = policy.gateway,
                        table = policy.table,
                        subnet = policy.subnet
                    );
                    let rules: Vec<String> = policy
                        .sources
                        .iter()
                        .map(|source| {
                            format!(
                                "priority {} from {source} table {}",
                                policy.priority, policy.table
                            )
                        })
                        .collect();
                    commands.push(modify(
                        vec![
                            "ipv4.routes".into(),
                            routes,
                            "ipv4.routing-rules".into(),
                            rules.join(", "),
                        ],
                        &format!(
                            "route this ENI's traffic through table {}: its default route and \
                             subnet there, and a rule per address",
                            policy.table
                        ),
                    ));
                }
                None => {
                    let gateway = plan.text.gateway.clone().unwrap_or_default();
                    commands.push(modify(
                        vec!["ipv4.gateway".into(), gateway],
                        "set the default gateway",
                    ));
                }
            }
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
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}

/// `-ipv4.addresses`/`-ipv6.addresses` of the dropped addresses, before the new values are set:
/// the profile forgets them, and `nmcli con up` removes them from the interface. Policy-routing
/// routes and rules are cleared when the new plan has none.
pub(super) fn removal(before: &Plan, after: &Plan, gone: &super::Gone) -> Vec<Command> {
    let connection = default_connection_name(before);
    let modify =
        |properties: Vec<String>, purpose: String| modify(&connection, properties, purpose);
    let mut commands = Vec::new();
    if !gone.ipv4.is_empty() {
        commands.push(modify(
            vec!["-ipv4.addresses".into(), gone.ipv4.join(",")],
            format!("drop {} from the profile", gone.ipv4.join(", ")),
        ));
    }
    if !gone.ipv6.is_empty() {
        commands.push(modify(
            vec!["-ipv6.addresses".into(), gone.ipv6.join(",")],
            format!("drop {} from the profile", gone.ipv6.join(", ")),
        ));
    }
    if before.route_table().is_some() && after.route_table().is_none() {
        commands.push(modify(
            vec![
                "ipv4.routes".into(),
                String::new(),
                "ipv4.routing-rules".into(),
                String::new(),
            ],
            "drop the policy routing the new plan no longer has".into(),
        ));
    }
    commands
}
