//! Drift: a plan against what a host holds, field by field, with the values normalised (an
//! address as the address it is, a netmask as its prefix, sets where order carries no meaning).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::os_family::OsFamily;
use crate::plan::{EniPlan, Mode};

/// One field where the host differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The plan field.
    pub field: String,
    /// What the plan says (empty: nothing).
    pub planned: String,
    /// What the host holds (empty: nothing).
    pub found: String,
}

fn ip(text: &str) -> String {
    text.parse::<IpAddr>()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| text.to_string())
}

fn prefix(plan: &EniPlan) -> Option<u8> {
    plan.prefix.or_else(|| {
        plan.netmask
            .as_deref()
            .and_then(|m| m.parse::<Ipv4Addr>().ok())
            .map(|m| u32::from(m).leading_ones() as u8)
    })
}

fn set<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let set: BTreeSet<String> = items.map(|a| ip(a)).collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

/// The fields a family's files do not carry, so a host cannot drift in them there.
pub fn not_carried(family: OsFamily) -> &'static [&'static str] {
    match family {
        OsFamily::Rhel => &["connection"],
        OsFamily::Keyfile => &[],
        // SUSE's DNS servers live in /etc/sysconfig/network/config, which eniplan edits with a
        // command rather than writing.
        OsFamily::Suse => &["connection", "dns"],
        OsFamily::Netplan | OsFamily::Networkd | OsFamily::Ifupdown => &["connection"],
        _ => &["connection"],
    }
}

/// Every field in which `found` (a family's files) differs from `planned`.
pub fn drift(planned: &EniPlan, found: &EniPlan, family: OsFamily) -> Vec<Drift> {
    drift_except(planned, found, not_carried(family))
}

/// The fields the runtime state does not hold.
pub const NOT_IN_RUNTIME: &[&str] = &["connection", "dns", "mode"];

/// Every field in which `found` differs from `planned`, but those in `skip`.
pub fn drift_except(planned: &EniPlan, found: &EniPlan, skip: &[&str]) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut compare = |field: &str, planned: String, found: String| {
        if planned != found && !skip.contains(&field) {
            out.push(Drift {
                field: field.into(),
                planned,
                found,
            });
        }
    };
    let mode = |plan: &EniPlan| plan.mode.unwrap_or(Mode::Static);
    compare(
        "interface",
        planned.interface.clone().unwrap_or_default(),
        found.interface.clone().unwrap_or_default(),
    );
    compare(
        "mode",
        format!("{:?}", mode(planned)).to_lowercase(),
        format!("{:?}", mode(found)).to_lowercase(),
    );
    // In DHCP mode the files do not hold the primary: the lease does.
    if mode(planned) == Mode::Static || found.primary.is_some() {
        compare(
            "primary",
            planned.primary.as_deref().map(ip).unwrap_or_default(),
            found.primary.as_deref().map(ip).unwrap_or_default(),
        );
    }
    compare(
        "secondaries",
        set(planned.secondaries.iter()),
        set(found.secondaries.iter()),
    );
    // A DHCP configuration leaves the gateway, and the prefix when nothing is static, to the
    // lease.
    let leased = mode(planned) == Mode::Dhcp && mode(found) == Mode::Dhcp;
    if !(leased && prefix(found).is_none()) {
        compare(
            "prefix",
            prefix(planned).map(|p| p.to_string()).unwrap_or_default(),
            prefix(found).map(|p| p.to_string()).unwrap_or_default(),
        );
    }
    if !(leased && found.gateway.is_none()) {
        compare(
            "gateway",
            planned.gateway.as_deref().map(ip).unwrap_or_default(),
            found.gateway.as_deref().map(ip).unwrap_or_default(),
        );
    }
    compare(
        "dns",
        planned
            .dns
            .iter()
            .map(|d| ip(d))
            .collect::<Vec<_>>()
            .join(", "),
        found
            .dns
            .iter()
            .map(|d| ip(d))
            .collect::<Vec<_>>()
            .join(", "),
    );
    // A plan without a MAC leaves the NIC's own; only a planned one can drift.
    if planned.mac.is_some() {
        let mac = |plan: &EniPlan| {
            plan.mac
                .clone()
                .unwrap_or_default()
                .to_lowercase()
                .replace('-', ":")
        };
        compare("mac", mac(planned), mac(found));
    }
    compare(
        "route_table",
        planned
            .route_table
            .map(|t| t.to_string())
            .unwrap_or_default(),
        found.route_table.map(|t| t.to_string()).unwrap_or_default(),
    );
    compare(
        "connection",
        planned.connection.clone().unwrap_or_default(),
        found.connection.clone().unwrap_or_default(),
    );
    let v6 = |plan: &EniPlan| plan.ipv6.clone().unwrap_or_default();
    let (a, b) = (v6(planned), v6(found));
    compare(
        "ipv6.addresses",
        set(a.addresses.iter()),
        set(b.addresses.iter()),
    );
    let prefix6 = |p: &crate::plan::Ipv6Plan| {
        if p.addresses.is_empty() {
            String::new()
        } else {
            p.prefix.unwrap_or(64).to_string()
        }
    };
    compare("ipv6.prefix", prefix6(&a), prefix6(&b));
    let gw6 = |p: &crate::plan::Ipv6Plan| {
        p.gateway
            .as_deref()
            .map(|g| {
                g.parse::<Ipv6Addr>()
                    .map(|g| g.to_string())
                    .unwrap_or_else(|_| g.to_string())
            })
            .unwrap_or_default()
    };
    compare("ipv6.gateway", gw6(&a), gw6(&b));
    out
}
