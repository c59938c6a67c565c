//! systemd-networkd `.network` files: the backend netplan itself writes for, and what many
//! minimal images use directly.

use serde::Serialize;

use super::{
    all_dns, cloud_init_file, ipv6_cidrs, linux_verify, linux_warnings, policy, policy_warnings,
    static_cidrs, RULE_PRIORITY,
};
use crate::error::Errors;
use crate::model::Plan;
use crate::plan::Mode;
use crate::rendering::{File, Rendering, MODE_PUBLIC};
use crate::target::Target;
use crate::templates::{self, Template};

#[derive(Serialize)]
struct NetworkFile<'a> {
    target: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    dhcp: &'static str,
    dns: &'a [String],
    addresses: Vec<&'a str>,
    routes: Vec<Route<'a>>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Route<'a> {
    to: Option<&'a str>,
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

/// The file's path: `05-` sorts before the `10-` files of cloud-init and netplan, and the first
/// matching file is the one networkd applies.
fn network_path(plan: &Plan) -> String {
    format!(
        "/etc/systemd/network/05-eniplan-{}.network",
        plan.interface()
    )
}

pub(super) fn render(plan: &Plan, target: Target, out: &mut Rendering) -> Result<(), Errors> {
    let mut addresses: Vec<&str> = static_cidrs(plan).iter().map(String::as_str).collect();
    addresses.extend(ipv6_cidrs(plan).iter().map(String::as_str));
    let policy = policy(plan);
    let mut routes = Vec::new();
    let mut rules = Vec::new();
    match &policy {
        Some(policy) => {
            routes.push(Route {
                to: None,
                via: Some(policy.gateway),
                scope: None,
                table: Some(&policy.table),
            });
            routes.push(Route {
                to: Some(&policy.subnet),
                via: None,
                scope: Some("link"),
                table: Some(&policy.table),
            });
            rules.extend(policy.sources.iter().map(|source| Rule {
                from: source,
                table: &policy.table,
                priority: RULE_PRIORITY,
            }));
        }
        None => {
            if let (Mode::Static, Some(gateway)) = (plan.mode(), &plan.text.gateway) {
                routes.push(Route {
                    to: None,
                    via: Some(gateway),
                    scope: None,
                    table: None,
                });
            }
        }
    }
    if let Some(gateway) = &plan.text.ipv6_gateway {
        routes.push(Route {
            to: None,
            via: Some(gateway),
            scope: None,
            table: None,
        });
    }
    let file = NetworkFile {
        target: target.name(),
        interface: plan.interface(),
        mac: plan.text.mac.as_deref(),
        dhcp: match plan.mode() {
            Mode::Static => "no",
            Mode::Dhcp => "ipv4",
        },
        dns: all_dns(plan),
        addresses,
        routes,
        rules,
    };
    out.files.push(cloud_init_file()?);
    out.files.push(File {
        path: network_path(plan),
        contents: templates::render(Template::Networkd, &file)?,
        mode: MODE_PUBLIC,
    });
    policy_warnings(plan, out);
    linux_warnings(plan, out);
    out.verify = linux_verify(plan);
    Ok(())
}
