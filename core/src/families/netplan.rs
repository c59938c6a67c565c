//! netplan YAML: Ubuntu 18.04 and later, Debian 12.

use serde::Serialize;

use super::{
    all_dns, cloud_init_file, ipv6_cidrs, linux_verify, linux_warnings, policy, policy_warnings,
    static_cidrs,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{File, Rendering, MODE_PRIVATE};
use crate::target::{DefaultRoute, Target};
use crate::templates::{self, Template};

#[derive(Serialize)]
struct NetplanFile<'a> {
    target: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    /// `true`/`false` as YAML spells them (minijinja would print a bool as `True`).
    dhcp4: &'static str,
    addresses: Vec<&'a str>,
    routes: Vec<Route<'a>>,
    rules: Vec<Rule<'a>>,
    nameservers: &'a [String],
}

#[derive(Serialize)]
struct Route<'a> {
    to: &'a str,
    via: Option<&'a str>,
    scope: Option<&'static str>,
    table: Option<&'a str>,
}

#[derive(Serialize)]
struct Rule<'a> {
    from: &'a str,
    table: &'a str,
    priority: u32,
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let (default4, default6) = match target.default_route() {
        DefaultRoute::Keyword => ("default", "default"),
        DefaultRoute::Cidr => ("0.0.0.0/0", "::/0"),
    };
    let mut addresses: Vec<&str> = static_cidrs(plan).iter().map(String::as_str).collect();
    addresses.extend(ipv6_cidrs(plan).iter().map(String::as_str));
    let policy = policy(plan);
    let mut routes = Vec::new();
    let mut rules = Vec::new();
    match &policy {
        // A secondary ENI: its default route and subnet in its own table, a rule per address.
        Some(policy) => {
            routes.push(Route {
                to: default4,
                via: Some(policy.gateway),
                scope: None,
                table: Some(&policy.table),
            });
            routes.push(Route {
                to: &policy.subnet,
                via: None,
                scope: Some("link"),
                table: Some(&policy.table),
            });
            rules.extend(policy.sources.iter().map(|source| Rule {
                from: source,
                table: &policy.table,
                priority: policy.priority,
            }));
        }
        None => {
            if let (Mode::Static, Some(gateway)) = (plan.mode(), &plan.text.gateway) {
                routes.push(Route {
                    to: default4,
                    via: Some(gateway),
                    scope: None,
                    table: None,
                });
            }
        }
    }
    if let Some(gateway) = &plan.text.ipv6_gateway {
        routes.push(Route {
            to: default6,
            via: Some(gateway),
            scope: None,
            table: None,
        });
    }
    let file = NetplanFile {
        target: target.name(),
        interface: plan.interface(),
        mac: plan.text.mac.as_deref(),
        dhcp4: if plan.mode() == Mode::Dhcp {
            "true"
        } else {
            "false"
        },
        addresses,
        routes,
        rules,
        nameservers: all_dns(plan),
    };
    out.files.push(cloud_init_file()?);
    out.files.push(File {
        path: "/etc/netplan/50-cloud-init.yaml".into(),
        contents: templates::render(Template::Netplan, &file)?,
        // netplan warns that anything more open than 0600 is "too open".
        mode: MODE_PRIVATE,
    });
    if plan.mac().is_none() {
        out.warnings.push(
            "the plan has no mac, so the netplan file matches the NIC by name only; with a mac \
             it would also pin the name with `match`/`set-name`"
                .into(),
        );
    }
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}
