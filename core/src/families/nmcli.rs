//! NetworkManager through `nmcli con modify`, the ECS document's first method.

use super::networkmanager::{connection_name, default_connection_name, mixed_source_warning};
use super::{Family, Removal};
use crate::error::Errors;
use crate::intent::{Destination, Difference, Intent, Method, Version};
use crate::read::HostFiles;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// The nmcli family.
pub(super) struct Nmcli;

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

/// `ipv4.routes` and `ipv4.routing-rules` of a secondary ENI's own table, as nmcli spells them.
fn policy_properties(intent: &Intent<'_>) -> (String, String) {
    let routes: Vec<String> = intent
        .routes
        .iter()
        .filter(|route| route.version == Version::V4)
        .filter_map(|route| {
            let table = route.table?;
            Some(match (route.to, route.via) {
                (Destination::Default, Some(via)) => format!("0.0.0.0/0 {via} table={table}"),
                (Destination::Default, None) => format!("0.0.0.0/0 table={table}"),
                (Destination::Prefix(prefix), Some(via)) => format!("{prefix} {via} table={table}"),
                (Destination::Prefix(prefix), None) => format!("{prefix} table={table}"),
            })
        })
        .collect();
    let rules: Vec<String> = intent
        .rules
        .iter()
        .map(|rule| {
            format!(
                "priority {} from {} table {}",
                rule.priority, rule.from, rule.table
            )
        })
        .collect();
    (routes.join(", "), rules.join(", "))
}

impl Family for Nmcli {
    fn render(
        &self,
        intent: &Intent<'_>,
        _target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let connection = connection_name(intent, out);
        let modify =
            |properties: Vec<String>, purpose: &str| modify(&connection, properties, purpose);
        let addresses = intent.static4.join(",");
        let dns = &intent.dns.v4;
        let dns_command = |commands: &mut Vec<Command>| {
            if !dns.is_empty() {
                let mut properties = vec!["ipv4.dns".to_string(), dns.join(",")];
                if intent.method4 == Method::Dhcp {
                    properties.extend(["ipv4.ignore-auto-dns".to_string(), "yes".into()]);
                }
                commands.push(modify(properties, "set the IPv4 DNS servers"));
            }
        };
        let commands = &mut out.commands;
        match intent.method4 {
            // The ECS document's order. Addresses come first: `manual` is refused without any.
            Method::Static => {
                commands.push(modify(
                    vec!["ipv4.addresses".into(), addresses],
                    "set the primary and secondary IPv4 addresses",
                ));
                match intent.table {
                    Some(table) => {
                        commands.push(modify(
                            vec!["ipv4.gateway".into(), String::new()],
                            "no default route in the main table: this ENI's goes to its own table",
                        ));
                        let (routes, rules) = policy_properties(intent);
                        commands.push(modify(
                            vec![
                                "ipv4.routes".into(),
                                routes,
                                "ipv4.routing-rules".into(),
                                rules,
                            ],
                            &format!(
                                "route this ENI's traffic through table {}: its default route \
                                 and subnet there, and a rule per address",
                                table.id
                            ),
                        ));
                    }
                    None => {
                        let gateway = intent.gateway4.unwrap_or_default().to_string();
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
            Method::Dhcp => {
                commands.push(modify(
                    vec!["ipv4.method".into(), "auto".into()],
                    "keep the primary address on DHCP",
                ));
                commands.push(modify(
                    vec!["ipv4.gateway".into(), String::new()],
                    "clear any static gateway: DHCP provides the default route",
                ));
                commands.push(modify(
                    vec!["ipv4.addresses".into(), addresses],
                    "add the secondary IPv4 addresses next to the DHCP one",
                ));
                dns_command(commands);
            }
        }
        if let Some(ipv6) = &intent.ipv6 {
            let mut properties = vec![
                "ipv6.addresses".to_string(),
                intent.ipv6_cidrs().join(","),
                "ipv6.gateway".into(),
                ipv6.gateway
                    .map(|gateway| gateway.text.to_string())
                    .unwrap_or_default(),
            ];
            if !intent.dns.v6.is_empty() {
                properties.extend(["ipv6.dns".to_string(), intent.dns.v6.join(",")]);
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

        mixed_source_warning(intent, out);
        if intent.mac().is_some() {
            out.warnings
                .push("the plan's mac is not used: nmcli selects the connection by name".into());
        }
        Ok(())
    }

    /// `-ipv4.addresses`/`-ipv6.addresses` of the dropped addresses, before the new values are
    /// set: the profile forgets them, and `nmcli con up` removes them from the interface.
    /// Policy-routing routes and rules are cleared when the new plan has none.
    fn removal(
        &self,
        difference: &Difference<'_>,
        before: &Intent<'_>,
        _after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        let connection = default_connection_name(before);
        let modify =
            |properties: Vec<String>, purpose: String| modify(&connection, properties, purpose);
        let mut commands = Vec::new();
        for (property, gone) in [
            ("-ipv4.addresses", &difference.ipv4),
            ("-ipv6.addresses", &difference.ipv6),
        ] {
            if !gone.is_empty() {
                let cidrs: Vec<&str> = gone.iter().map(|address| address.cidr).collect();
                commands.push(modify(
                    vec![property.into(), cidrs.join(",")],
                    format!("drop {} from the profile", cidrs.join(", ")),
                ));
            }
        }
        if difference.table_dropped {
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
        Ok(Removal::Before(commands))
    }
}
