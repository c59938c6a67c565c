//! Drift: a plan against what a host holds, as the typed difference of two [`State`]s — what
//! the plan says an interface holds, and what its files (or its runtime state) hold. Both
//! sides become the same typed values first (an address is an address, a netmask its prefix,
//! a list where order carries no meaning a set), so one comparison serves files against a
//! plan, the runtime against a plan, and a change's verification.

use std::collections::BTreeSet;
use std::fmt::Display;
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

impl std::fmt::Display for Drift {
    /// `field: planned "…", found "…"`, as `eniplan drift` prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: planned {:?}, found {:?}",
            self.field, self.planned, self.found
        )
    }
}

/// A value as a plan holds it, typed; the text of one that is no such value (a plan given by
/// hand may hold one) compared as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value<T> {
    Typed(T),
    Text(String),
}

impl<T: std::str::FromStr> Value<T> {
    fn of(text: &str) -> Self {
        match text.trim().parse() {
            Ok(value) => Value::Typed(value),
            Err(_) => Value::Text(text.to_string()),
        }
    }
}

impl<T: Display> Display for Value<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Typed(value) => value.fmt(f),
            Value::Text(text) => f.write_str(text),
        }
    }
}

/// What one interface holds, typed: the one model drift compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    interface: String,
    mode: Mode,
    primary: Option<Value<Ipv4Addr>>,
    secondaries: BTreeSet<Value<Ipv4Addr>>,
    prefix: Option<u8>,
    gateway: Option<Value<Ipv4Addr>>,
    dns: Vec<Value<IpAddr>>,
    mac: Option<String>,
    table: Option<u32>,
    connection: Option<String>,
    ipv6: BTreeSet<Value<Ipv6Addr>>,
    prefix6: Option<u8>,
    gateway6: Option<Value<Ipv6Addr>>,
}

impl State {
    /// The state a plan (as written, or as a reader found it) describes.
    pub(crate) fn of(plan: &EniPlan) -> State {
        let ipv6 = plan.ipv6.clone().unwrap_or_default();
        State {
            interface: plan.interface.clone().unwrap_or_default(),
            mode: plan.mode.unwrap_or(Mode::Static),
            primary: plan.primary.as_deref().map(Value::of),
            secondaries: plan.secondaries.iter().map(|a| Value::of(a)).collect(),
            prefix: plan
                .prefix
                .or_else(|| plan.netmask.as_deref().and_then(crate::net::netmask_prefix)),
            gateway: plan.gateway.as_deref().map(Value::of),
            dns: plan.dns.iter().map(|d| Value::of(d)).collect(),
            // A MAC is written with colons or dashes, in either case.
            mac: plan
                .mac
                .as_deref()
                .map(|mac| mac.to_ascii_lowercase().replace('-', ":")),
            table: plan.route_table,
            connection: plan.connection.clone(),
            prefix6: (!ipv6.addresses.is_empty()).then(|| ipv6.prefix.unwrap_or(64)),
            ipv6: ipv6.addresses.iter().map(|a| Value::of(a)).collect(),
            gateway6: ipv6
                .gateway
                .as_deref()
                .map(|g| Value::of(g.split('%').next().unwrap_or(g))),
        }
    }
}

fn shown<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn listed<'a, T: Display + 'a>(values: impl IntoIterator<Item = &'a T>) -> String {
    values
        .into_iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every field in which `found` differs from `planned`, but those in `skip`.
pub(crate) fn differences(planned: &State, found: &State, skip: &[&str]) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut differ = |field: &str, differs: bool, planned: String, found: String| {
        if differs && !skip.contains(&field) {
            out.push(Drift {
                field: field.into(),
                planned,
                found,
            });
        }
    };
    let mode = |mode: Mode| format!("{mode:?}").to_lowercase();
    differ(
        "interface",
        planned.interface != found.interface,
        planned.interface.clone(),
        found.interface.clone(),
    );
    differ(
        "mode",
        planned.mode != found.mode,
        mode(planned.mode),
        mode(found.mode),
    );
    // In DHCP mode the files do not hold the primary: the lease does.
    if planned.mode == Mode::Static || found.primary.is_some() {
        differ(
            "primary",
            planned.primary != found.primary,
            shown(&planned.primary),
            shown(&found.primary),
        );
    }
    differ(
        "secondaries",
        planned.secondaries != found.secondaries,
        listed(&planned.secondaries),
        listed(&found.secondaries),
    );
    // A DHCP configuration leaves the gateway, and the prefix when nothing is static, to the
    // lease.
    let leased = planned.mode == Mode::Dhcp && found.mode == Mode::Dhcp;
    if !(leased && found.prefix.is_none()) {
        differ(
            "prefix",
            planned.prefix != found.prefix,
            shown(&planned.prefix),
            shown(&found.prefix),
        );
    }
    if !(leased && found.gateway.is_none()) {
        differ(
            "gateway",
            planned.gateway != found.gateway,
            shown(&planned.gateway),
            shown(&found.gateway),
        );
    }
    differ(
        "dns",
        planned.dns != found.dns,
        listed(&planned.dns),
        listed(&found.dns),
    );
    // A plan without a MAC leaves the NIC's own; only a planned one can drift.
    if planned.mac.is_some() {
        differ(
            "mac",
            planned.mac != found.mac,
            shown(&planned.mac),
            shown(&found.mac),
        );
    }
    differ(
        "route_table",
        planned.table != found.table,
        shown(&planned.table),
        shown(&found.table),
    );
    differ(
        "connection",
        planned.connection != found.connection,
        shown(&planned.connection),
        shown(&found.connection),
    );
    differ(
        "ipv6.addresses",
        planned.ipv6 != found.ipv6,
        listed(&planned.ipv6),
        listed(&found.ipv6),
    );
    differ(
        "ipv6.prefix",
        planned.prefix6 != found.prefix6,
        shown(&planned.prefix6),
        shown(&found.prefix6),
    );
    differ(
        "ipv6.gateway",
        planned.gateway6 != found.gateway6,
        shown(&planned.gateway6),
        shown(&found.gateway6),
    );
    out
}

/// The fields a family's files do not carry, so a host cannot drift in them there (its
/// reader says; a family without one carries no connection name either).
pub fn not_carried(family: OsFamily) -> &'static [&'static str] {
    super::reader(family).map_or(&["connection"], |reader| reader.not_carried())
}

/// Every field in which `found` (a family's files) differs from `planned`.
pub fn drift(planned: &EniPlan, found: &EniPlan, family: OsFamily) -> Vec<Drift> {
    drift_except(planned, found, not_carried(family))
}

/// The fields the runtime state does not hold.
pub const NOT_IN_RUNTIME: &[&str] = &["connection", "dns", "mode"];

/// Every field in which `found` differs from `planned`, but those in `skip`.
pub fn drift_except(planned: &EniPlan, found: &EniPlan, skip: &[&str]) -> Vec<Drift> {
    differences(&State::of(planned), &State::of(found), skip)
}
