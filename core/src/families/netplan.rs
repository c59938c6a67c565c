//! netplan YAML: Ubuntu 18.04 and later, Debian 12.

use serde::Serialize;

use super::{dhcp_source_warning, route_entries, Family, RouteEntry};
use crate::error::Errors;
use crate::intent::{Intent, Method, Rule};
use crate::rendering::{File, Rendering, MODE_PRIVATE};
use crate::target::{DefaultRoute, Target};
use crate::templates::Template;

static NETPLAN: Template = crate::template!("netplan/60-eniplan-INTERFACE.yaml", Yaml);
static TEMPLATES: [&Template; 1] = [&NETPLAN];

/// The netplan family.
pub(super) struct Netplan;

#[derive(Serialize)]
struct NetplanFile<'a> {
    target: &'a str,
    interface: &'a str,
    mac: Option<&'a str>,
    dhcp4: bool,
    addresses: Vec<&'a str>,
    routes: Vec<RouteEntry<'a>>,
    rules: &'a [Rule<'a>],
    nameservers: &'a [String],
}

impl Family for Netplan {
    fn templates(&self) -> &'static [&'static Template] {
        &TEMPLATES
    }

    fn render(
        &self,
        intent: &Intent<'_>,
        target: Target,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        let (default4, default6) = match target.default_route() {
            DefaultRoute::Keyword => ("default", "default"),
            DefaultRoute::Cidr => ("0.0.0.0/0", "::/0"),
        };
        let mut addresses: Vec<&str> = intent.static4.iter().map(String::as_str).collect();
        addresses.extend(intent.ipv6_cidrs().iter().map(String::as_str));
        let file = NetplanFile {
            target: target.name(),
            interface: intent.interface(),
            mac: intent.mac(),
            dhcp4: intent.method4 == Method::Dhcp,
            addresses,
            routes: route_entries(&intent.routes, Some(default4), Some(default6)),
            rules: &intent.rules,
            nameservers: intent.dns.all,
        };
        // netplan reads every file in /etc/netplan in name order and merges them (netplan(5),
        // "Hierarchy of configuration files"): one file per interface keeps the others', and
        // sorting after cloud-init's 50-cloud-init.yaml makes this one's values win for it.
        out.files.push(File {
            path: format!("/etc/netplan/60-eniplan-{}.yaml", intent.interface()),
            contents: NETPLAN.render(&file)?,
            // netplan warns that anything more open than 0600 is "too open".
            mode: MODE_PRIVATE,
        });
        out.warnings.push(format!(
            "cloud-init's /etc/netplan/50-cloud-init.yaml stays: netplan merges it first, and \
             this file's dhcp4, addresses and routes for {} come after it; addresses or routes \
             it lists for {} are added to these, so remove them there",
            intent.interface(),
            intent.interface()
        ));
        if intent.mac().is_none() {
            out.warnings.push(
                "the plan has no mac, so the netplan file matches the NIC by name only; with a \
                 mac it would also pin the name with `match`/`set-name`"
                    .into(),
            );
        }
        dhcp_source_warning(intent, out);
        Ok(())
    }
}
