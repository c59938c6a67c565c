//! One module per [`OsFamily`]: each turns a validated [`Plan`] into a [`Rendering`] for a
//! target of its family. Everything shared by several families lives here.

mod cloud;
mod ifupdown;
mod keyfile;
mod netplan;
mod networkd;
mod nmcli;
mod powershell;
mod rhel;
mod suse;
mod windows;

use std::net::Ipv6Addr;

use std::sync::OnceLock;

use crate::error::{Error, Errors};
use crate::model::Plan;
use crate::names;
use crate::plan::Mode;
use crate::rendering::{Command, File, Rendering, MODE_PUBLIC};
use crate::target::{OsFamily, Target};
use crate::templates::{self, Template};

/// Renders `plan` for `target`.
pub fn render(plan: &Plan, target: Target) -> Result<Rendering, Errors> {
    check_interface(plan.interface(), target)?;

    let mut out = Rendering {
        target: target.name().to_string(),
        family: target.family(),
        files: Vec::new(),
        delete: Vec::new(),
        commands: Vec::new(),
        restart: target.restart(),
        verify: Vec::new(),
        warnings: Vec::new(),
    };
    match target.family() {
        OsFamily::Nmcli => nmcli::render(plan, target, &mut out),
        OsFamily::Rhel => rhel::render(plan, target, &mut out),
        OsFamily::Netplan => netplan::render(plan, target, &mut out),
        OsFamily::Ifupdown => ifupdown::render(plan, target, &mut out),
        OsFamily::Suse => suse::render(plan, target, &mut out),
        OsFamily::Windows => windows::render(plan, target, &mut out),
        OsFamily::Keyfile => keyfile::render(plan, target, &mut out),
        OsFamily::Networkd => networkd::render(plan, target, &mut out),
        OsFamily::Powershell => powershell::render(plan, target, &mut out),
        OsFamily::Cloud => cloud::render(plan, target, &mut out),
    }?;
    if plan.ifcfg_style().is_some() && target.family() != OsFamily::Rhel {
        out.warnings.push(format!(
            "ifcfg_style applies to the rhel family only; {} does not use it",
            target.name()
        ));
    }
    Ok(out)
}

/// Renders the change from `before` to `after` for `target`: `after`'s full rendering, the
/// files `before` wrote that `after` does not (to delete), and first the commands that remove
/// at once the addresses `after` no longer has. The primary address of either plan is never
/// removed at run time: it may carry the session applying the change.
pub fn change(before: &Plan, after: &Plan, target: Target) -> Result<Rendering, Errors> {
    if before.interface() != after.interface() {
        return Err(Error::Unsupported {
            field: "interface".into(),
            value: after.interface().to_string(),
            target: target.name().into(),
            reason: format!(
                "a change keeps the interface (before: `{}`); render the old interface's \
                 removal and the new one's plan separately",
                before.interface()
            ),
        }
        .into());
    }
    let old = render(before, target)?;
    let mut new = render(after, target)?;
    for file in old.files {
        let kept = new.files.iter().any(|written| written.path == file.path);
        if !kept && !new.delete.contains(&file.path) {
            new.delete.push(file.path);
        }
    }
    let gone = Gone::between(before, after);
    let mut removals = match target.family() {
        OsFamily::Cloud => {
            // The cloud calls are a difference themselves: assigning an address the ENI
            // already has fails, so the change replaces the plan's calls.
            new.commands = cloud::change_commands(before, after)?;
            Vec::new()
        }
        OsFamily::Nmcli => nmcli::removal(before, after, &gone),
        OsFamily::Windows => windows::removal(before, &gone),
        OsFamily::Powershell => powershell::removal(before, &gone),
        // NetworkManager drops what a re-activated profile no longer lists (`connection up`).
        OsFamily::Keyfile => Vec::new(),
        OsFamily::Rhel
        | OsFamily::Netplan
        | OsFamily::Ifupdown
        | OsFamily::Suse
        | OsFamily::Networkd => ip_removal(before, &gone),
    };
    if before.primary() != after.primary() && target.family().is_os() {
        new.warnings.push(format!(
            "the primary address changes from {} to {}: the old primary is not removed at run \
             time (it may carry this session); the restart or a reboot drops it",
            before.primary(),
            after.primary()
        ));
    }
    removals.append(&mut new.commands);
    new.commands = removals;
    Ok(new)
}

/// What a change removes: addresses of `before` that `after` does not have, with the prefix
/// they were configured with. Neither plan's primary address is ever among them.
struct Gone {
    ipv4: Vec<String>,
    ipv6: Vec<String>,
    /// `before`'s policy-routing rules of removed addresses: (address, table).
    rules: Vec<(String, String)>,
}

impl Gone {
    fn between(before: &Plan, after: &Plan) -> Gone {
        let primaries = [before.text.primary.as_str(), after.text.primary.as_str()];
        let ipv4: Vec<String> = static_cidrs(before)
            .iter()
            .filter(|cidr| !static_cidrs(after).contains(cidr))
            .filter(|cidr| !primaries.contains(&cidr.split('/').next().unwrap_or_default()))
            .cloned()
            .collect();
        let ipv6 = before
            .text
            .ipv6_cidrs
            .iter()
            .filter(|cidr| !after.text.ipv6_cidrs.contains(cidr))
            .cloned()
            .collect();
        // A rule stays wanted only if `after` routes the same address through the same table.
        let rules = match before.route_table() {
            Some(table) => std::iter::once(&before.text.primary)
                .chain(&before.text.secondaries)
                .filter(|address| {
                    after.route_table() != Some(table)
                        || !(after.text.primary == **address
                            || after.text.secondaries.contains(address))
                })
                .map(|address| (address.clone(), table.to_string()))
                .collect(),
            None => Vec::new(),
        };
        Gone { ipv4, ipv6, rules }
    }
}

/// `ip addr del` for every removed address (and `ip rule del` for its rule): what the file
/// families need, since a restart re-adds what the files list but does not remove the rest.
fn ip_removal(before: &Plan, gone: &Gone) -> Vec<Command> {
    let dev = before.interface();
    let mut commands = Vec::new();
    for cidr in &gone.ipv4 {
        commands.push(Command::posix(
            vec!["ip", "addr", "del", cidr.as_str(), "dev", dev],
            format!("remove {cidr} now: it is no longer planned"),
        ));
    }
    for cidr in &gone.ipv6 {
        commands.push(Command::posix(
            vec!["ip", "-6", "addr", "del", cidr.as_str(), "dev", dev],
            format!("remove {cidr} now: it is no longer planned"),
        ));
    }
    for (address, table) in &gone.rules {
        let priority = RULE_PRIORITY.to_string();
        commands.push(Command::posix(
            vec![
                "ip",
                "rule",
                "del",
                "from",
                address.as_str(),
                "table",
                table.as_str(),
                "priority",
                priority.as_str(),
            ],
            format!("remove the policy-routing rule of {address}"),
        ));
    }
    commands
}

/// Applies the interface-name rule of the target's family (Linux or Windows).
pub fn check_interface(interface: &str, target: Target) -> Result<(), Error> {
    let family = target.family();
    if family.is_linux() {
        names::linux_interface_name("interface", interface)
    } else if family.is_windows() {
        names::windows_adapter_name("interface", interface)
    } else {
        // The cloud API names the ENI by id; the OS name of the NIC is not used.
        Ok(())
    }
}

/// The connection name a plan's NetworkManager profile gets: the plan's, or the seed's
/// `System <interface>`.
fn connection_name(plan: &Plan, out: &mut Rendering) -> String {
    let name = default_connection_name(plan);
    if plan.connection().is_none() {
        out.warnings.push(format!(
            "the plan names no connection, so `{name}` (the seed's naming) is used; \
             `nmcli con show` lists the real name — set `connection` if it differs"
        ));
    }
    name
}

/// The plan's connection name, or the seed's `System <interface>` when it names none.
fn default_connection_name(plan: &Plan) -> String {
    match plan.connection() {
        Some(name) => name.to_string(),
        None => format!("System {}", plan.interface()),
    }
}

/// The priority of the rules that send a secondary ENI's replies through its own table: below
/// the main table's rule (32766), so they are consulted first.
pub(crate) const RULE_PRIORITY: u32 = 1000;

/// Source-based policy routing for a secondary ENI (the plan's `route_table`): the ENI's
/// default route and subnet route live in its own table, and one rule per address sends
/// traffic from that address to the table.
#[derive(serde::Serialize)]
struct Policy<'a> {
    table: String,
    gateway: &'a str,
    subnet: String,
    sources: Vec<&'a str>,
    priority: u32,
}

fn policy(plan: &Plan) -> Option<Policy<'_>> {
    let table = plan.route_table()?;
    Some(Policy {
        table: table.to_string(),
        // Validation refuses a route table without a static gateway.
        gateway: plan.text.gateway.as_deref()?,
        subnet: plan.subnet().to_string(),
        sources: std::iter::once(plan.text.primary.as_str())
            .chain(plan.text.secondaries.iter().map(String::as_str))
            .collect(),
        priority: RULE_PRIORITY,
    })
}

/// Refuses a plan with a route table for a family that cannot express policy routing.
fn no_policy_routing(plan: &Plan, target: Target, reason: &str) -> Result<(), Error> {
    match plan.route_table() {
        None => Ok(()),
        Some(table) => Err(Error::Unsupported {
            field: "route_table".into(),
            value: table.to_string(),
            target: target.name().into(),
            reason: reason.into(),
        }),
    }
}

/// The warning every family with policy routing gives: IPv6 stays in the main table.
fn policy_warnings(plan: &Plan, out: &mut Rendering) {
    if plan.route_table().is_some() && plan.ipv6().is_some() {
        out.warnings.push(
            "route_table applies to IPv4: the IPv6 addresses and gateway stay in the main table"
                .into(),
        );
    }
}

/// The kernel keeps an address label (`eth0:9`) in IFNAMSIZ, 15 bytes: families that give each
/// secondary an alias label must refuse an interface name too long to carry them all.
fn check_alias_labels(plan: &Plan, target: Target) -> Result<(), Error> {
    let Some(last) = plan.secondaries().len().checked_sub(1) else {
        return Ok(());
    };
    let label = format!("{}:{last}", plan.interface());
    if label.len() <= 15 {
        return Ok(());
    }
    Err(Error::Unsupported {
        field: "interface".into(),
        value: plan.interface().to_string(),
        target: target.name().into(),
        reason: format!(
            "{} gives each secondary an alias label, and `{label}` is {} bytes; the kernel \
             allows 15 (IFNAMSIZ). Use a shorter interface name or fewer secondaries{}",
            target.name(),
            label.len(),
            if target.family() == OsFamily::Rhel {
                ", or a NetworkManager-era RHEL target (IPADDRn needs no labels)"
            } else {
                ""
            }
        ),
    })
}

/// The file that stops cloud-init from overwriting a hand-made network configuration at boot
/// (seed, "cloud-init automatically initializes network configurations"). Every Linux family
/// writes it: cloud-init regenerates ifcfg, interfaces and netplan files alike.
fn cloud_init_file() -> Result<File, Error> {
    // The file is the same for every plan: render it once.
    static CONTENTS: OnceLock<Result<String, Error>> = OnceLock::new();
    let contents = CONTENTS
        .get_or_init(|| templates::render(Template::CloudInitDisable, &NoValues {}))
        .clone()?;
    Ok(File {
        path: "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg".into(),
        contents,
        mode: MODE_PUBLIC,
    })
}

/// The context of a template that takes no values.
#[derive(serde::Serialize)]
struct NoValues {}

/// The seed's step 5 ("Repeat Step 2"): `ip a` and the routing table. `ip route` stands in for
/// the seed's `route -n`, whose net-tools package recent releases no longer install.
fn linux_verify(plan: &Plan) -> Vec<Command> {
    let mut verify = vec![Command::posix(
        vec!["ip", "addr", "show", "dev", plan.interface()],
        "every planned address should be listed on the interface (the seed's `ip a`)",
    )];
    match (plan.route_table(), &plan.text.gateway) {
        (Some(table), Some(gateway)) => {
            let table = table.to_string();
            verify.push(Command::posix(
                vec!["ip", "rule", "show"],
                format!("one rule per planned address should look up table {table}"),
            ));
            verify.push(Command::posix(
                vec!["ip", "route", "show", "table", table.as_str()],
                format!("table {table} should hold the default route via {gateway}"),
            ));
        }
        (_, gateway) => {
            let route_purpose = match gateway {
                Some(gateway) => format!("the default route should go via {gateway}"),
                None => "the default route should come from DHCP".to_string(),
            };
            verify.push(Command::posix(vec!["ip", "route", "show"], route_purpose));
        }
    }
    if plan.ipv6().is_some() {
        verify.push(Command::posix(
            vec!["ip", "-6", "addr", "show", "dev", plan.interface()],
            "every planned IPv6 address should be listed",
        ));
    }
    verify
}

/// Warnings every Linux family shares.
fn linux_warnings(plan: &Plan, out: &mut Rendering) {
    if let (Mode::Dhcp, Some(gateway)) = (plan.mode(), &plan.text.gateway) {
        out.warnings.push(format!(
            "mode is dhcp, so the default route comes from DHCP; the plan's gateway {gateway} \
             is validated but not written"
        ));
    }
    if plan.mode() == Mode::Static && plan.dns().is_empty() {
        out.warnings.push(
            "the plan has no dns: a static configuration no longer learns DNS servers from \
             DHCP (Alibaba Cloud's are 100.100.2.136 and 100.100.2.138)"
                .into(),
        );
    }
}

/// `address/prefix` of the IPv4 addresses a family configures statically: all of them in
/// static mode, the secondaries only in DHCP mode (the primary comes from DHCP).
fn static_cidrs(plan: &Plan) -> &[String] {
    match plan.mode() {
        Mode::Static => &plan.text.cidrs,
        Mode::Dhcp => &plan.text.cidrs[1..],
    }
}

/// `address/prefix` of each IPv6 address of the plan.
fn ipv6_cidrs(plan: &Plan) -> &[String] {
    &plan.text.ipv6_cidrs
}

/// Whether an IPv6 address is link-local (needs an interface to be reachable).
fn is_link_local(address: Ipv6Addr) -> bool {
    address.segments()[0] & 0xffc0 == 0xfe80
}

/// The plan's DNS servers of one address family, as text.
fn dns_of(plan: &Plan, v4: bool) -> Vec<String> {
    plan.dns()
        .iter()
        .zip(&plan.text.dns)
        .filter(|(server, _)| server.is_ipv4() == v4)
        .map(|(_, text)| text.clone())
        .collect()
}

/// Every DNS server of the plan, as text.
fn all_dns(plan: &Plan) -> &[String] {
    &plan.text.dns
}
