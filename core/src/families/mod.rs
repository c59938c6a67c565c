//! One module per [`OsFamily`]: each turns a validated [`Plan`] into a [`Rendering`] for a
//! target of its family. Everything shared by several families lives here.

mod ifupdown;
mod netplan;
mod nmcli;
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
    }?;
    if plan.ifcfg_style().is_some() && target.family() != OsFamily::Rhel {
        out.warnings.push(format!(
            "ifcfg_style applies to the rhel family only; {} does not use it",
            target.name()
        ));
    }
    Ok(out)
}

/// Applies the interface-name rule of the target's family (Linux or Windows).
pub fn check_interface(interface: &str, target: Target) -> Result<(), Error> {
    if target.family().is_linux() {
        names::linux_interface_name("interface", interface)
    } else {
        names::windows_adapter_name("interface", interface)
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
    let route_purpose = match &plan.text.gateway {
        Some(gateway) => format!("the default route should go via {gateway}"),
        None => "the default route should come from DHCP".to_string(),
    };
    verify.push(Command::posix(vec!["ip", "route", "show"], route_purpose));
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
