//! Reading back: a host's configuration files → the plan they hold, with everything the reader
//! did not understand reported (file, line, text, why), never dropped.
//!
//! The input is the files' contents by absolute path, as a host holds them (what eniplan
//! writes, and what cloud-init, the ECS console's instructions or a hand edit wrote before).
//! Each family has one reader; `read` picks it from the target and the interface from the
//! files (or the caller). The CLI gathers the files under a root; the core does no I/O.

mod drift;
pub(crate) mod ifcfg;
pub(crate) mod ifupdown;
pub(crate) mod keyfile;
pub(crate) mod netplan;
mod networkd;
mod runtime;
pub(crate) mod suse;

pub use runtime::{read_ip_json, read_windows_json};

pub use drift::{drift, drift_except, not_carried, Drift, NOT_IN_RUNTIME};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Errors};
use crate::os_family::OsFamily;
use crate::plan::EniPlan;
use crate::target::Target;

/// One line or key a reader did not turn into the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    /// The file's absolute path.
    pub file: String,
    /// The line number, from 1.
    pub line: usize,
    /// The line as the file has it.
    pub text: String,
    /// Why it is not in the plan.
    pub reason: String,
}

/// What a reader found: the plan, what it did not understand, and what the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The plan the files hold.
    pub plan: EniPlan,
    /// Every line or key not turned into the plan.
    pub unread: Vec<Unread>,
    /// Things the user should know about how the files were read.
    pub warnings: Vec<String>,
    /// The files the plan was read from (what a migration deletes).
    pub files: Vec<String>,
}

/// A host's files by absolute path.
pub type HostFiles = BTreeMap<String, String>;

/// A host's NICs: each name with its MAC address (lowercase, colon-separated), as
/// `/sys/class/net/<name>/address` gives them. Profiles bound to a NIC by MAC are read for
/// the NIC that has that MAC.
pub type HostNics = BTreeMap<String, String>;

/// How a profile or an entry names the NIC it configures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Binding {
    /// Interface names or shell-style patterns (`en*`); empty: any name.
    pub(crate) names: Vec<String>,
    /// MAC addresses, lowercase; empty: any MAC.
    pub(crate) macs: Vec<String>,
}

/// Whether a profile bound as `binding` configures `interface`: `None` when it does not;
/// `Some(None)` when it does; `Some(Some(assumption))` when it may (it names a MAC, and the
/// NIC's MAC is unknown; or it names no NIC at all), with the words that say so.
pub(crate) fn binds(binding: &Binding, interface: &str, nics: &HostNics) -> Option<Option<String>> {
    if !binding.names.is_empty()
        && !binding
            .names
            .iter()
            .any(|pattern| fnmatch(pattern, interface))
    {
        return None;
    }
    if binding.macs.is_empty() {
        return Some(binding.names.is_empty().then(|| {
            format!(
                "the profile names no NIC, so it may be activated on any: read as {interface}'s"
            )
        }));
    }
    match nics.get(interface) {
        Some(mac) if binding.macs.iter().any(|m| m.eq_ignore_ascii_case(mac)) => Some(None),
        Some(_) => None,
        None => Some(Some(format!(
            "the profile is bound to {} by MAC, and the MAC of {interface} is not known (no \
             /sys/class/net/{interface}/address under the root; give --mac): read as \
             {interface}'s",
            binding.macs.join(", ")
        ))),
    }
}

/// The names a binding gives NICs of this host: its literal names, or the NICs whose MAC it
/// names.
pub(crate) fn bound_names(binding: &Binding, nics: &HostNics) -> Vec<String> {
    let literal: Vec<String> = binding
        .names
        .iter()
        .filter(|name| !name.contains(['*', '?', '[']))
        .cloned()
        .collect();
    if !literal.is_empty() {
        return literal;
    }
    nics.iter()
        .filter(|(name, mac)| {
            (binding.macs.is_empty() || binding.macs.iter().any(|m| m.eq_ignore_ascii_case(mac)))
                && (binding.names.is_empty() || binding.names.iter().any(|p| fnmatch(p, name)))
                && !(binding.macs.is_empty() && binding.names.is_empty())
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// A shell-style pattern (fnmatch(3) without flags): `*`, `?` and `[…]` (with ranges and a
/// leading `!` or `^`).
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    fn class(set: &[char], c: char) -> Option<(bool, usize)> {
        // Returns whether c is in the class and the class's length (with brackets).
        let mut at = 1;
        let negated = matches!(set.get(at), Some('!' | '^'));
        if negated {
            at += 1;
        }
        let mut hit = false;
        let mut first = true;
        while at < set.len() && (set[at] != ']' || first) {
            first = false;
            if at + 2 < set.len() && set[at + 1] == '-' && set[at + 2] != ']' {
                hit |= set[at] <= c && c <= set[at + 2];
                at += 3;
            } else {
                hit |= set[at] == c;
                at += 1;
            }
        }
        (at < set.len()).then_some((hit != negated, at + 1))
    }
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|skip| go(&p[1..], &n[skip..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => match (n.first(), class(p, n.first().copied().unwrap_or('\0'))) {
                (Some(_), Some((true, len))) => go(&p[len..], &n[1..]),
                (Some(c), None) => *c == '[' && go(&p[1..], &n[1..]),
                _ => false,
            },
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// What a family's reader is: the files its tool reads, how it finds the interfaces they
/// configure, how it reads one, and what its files cannot carry. Each reader module implements
/// it once; [`reader`] lists them.
pub(crate) trait Reader: Sync {
    /// The directories whose files it takes (the host layer reads every regular file in them,
    /// under the root).
    fn directories(&self) -> &'static [&'static str];
    /// Single files outside those directories that the tool reads too.
    fn global_files(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether the tool skips the file `name` of the directory `dir` (a backup or editor
    /// copy, by the tool's own rule).
    fn ignored(&self, _dir: &str, _name: &str, _target: Target) -> bool {
        false
    }
    /// The interfaces the files configure.
    fn interfaces(&self, files: &HostFiles, nics: &HostNics) -> Vec<String>;
    /// The reading of one interface.
    fn read(
        &self,
        files: &HostFiles,
        interface: &str,
        target: Target,
        nics: &HostNics,
    ) -> Result<Reading, Errors>;
    /// Whether its profiles may name their NIC by MAC or not at all, so that the reader itself
    /// decides whether a profile configures the interface asked for.
    fn binds_by_mac(&self) -> bool {
        false
    }
    /// The plan fields its files do not carry, so a host cannot drift in them there.
    fn not_carried(&self) -> &'static [&'static str] {
        &["connection"]
    }
}

/// The registry of readers. The match is exhaustive: a new family does not compile until it
/// says whether it has one.
pub(crate) fn reader(family: OsFamily) -> Option<&'static dyn Reader> {
    match family {
        OsFamily::Rhel => Some(&ifcfg::Ifcfg),
        OsFamily::Keyfile => Some(&keyfile::Keyfile),
        OsFamily::Netplan => Some(&netplan::Netplan),
        OsFamily::Networkd => Some(&networkd::Networkd),
        OsFamily::Suse => Some(&suse::Suse),
        OsFamily::Ifupdown => Some(&ifupdown::Ifupdown),
        // Commands, not files: nothing on the host to read back.
        OsFamily::Nmcli | OsFamily::Windows | OsFamily::Powershell | OsFamily::Cloud => None,
    }
}

/// The directories whose files a family's reader takes (the host layer reads every regular
/// file in them, under its root).
pub fn directories(family: OsFamily) -> &'static [&'static str] {
    reader(family).map_or(&[], |reader| reader.directories())
}

/// Single files outside those directories that a family's tool reads too (RHEL's
/// /etc/sysconfig/network: the global GATEWAY, GATEWAYDEV, IPV6INIT).
pub fn global_files(family: OsFamily) -> &'static [&'static str] {
    reader(family).map_or(&[], |reader| reader.global_files())
}

/// The reader of `target`'s family, or the error that says there is none.
fn reader_of(target: Target) -> Result<&'static dyn Reader, Errors> {
    reader(target.family()).ok_or_else(|| {
        Error::Unsupported {
            field: "os".into(),
            value: target.name().into(),
            target: target.name().into(),
            reason: format!(
                "reading the {} family's configuration back is not built; the rhel, keyfile, \
                 netplan, networkd, suse and ifupdown families can be read",
                target.family().name()
            ),
        }
        .into()
    })
}

/// The files of `files` that `target`'s own tool reads: backup and editor files are dropped
/// the way the tool drops them (initscripts' `is_ignored_file`, NetworkManager's ifcfg-rh and
/// keyfile rules, wicked's suffix blacklist; netplan, networkd and ifupdown choose their files
/// by name pattern, which their readers apply).
fn tool_reads(files: &HostFiles, target: Target, reader: &dyn Reader) -> HostFiles {
    files
        .iter()
        .filter(|(path, _)| {
            path.rsplit_once('/')
                .is_none_or(|(dir, name)| !reader.ignored(dir, name, target))
        })
        .map(|(path, text)| (path.clone(), text.clone()))
        .collect()
}

/// The interfaces a host's files configure for `target`'s family, in name order.
pub fn configured_interfaces(files: &HostFiles, target: Target) -> Result<Vec<String>, Errors> {
    configured_interfaces_on(files, target, &HostNics::new())
}

/// [`configured_interfaces`] on a host whose NICs are known: a profile bound by MAC names
/// the NIC with that MAC.
pub fn configured_interfaces_on(
    files: &HostFiles,
    target: Target,
    nics: &HostNics,
) -> Result<Vec<String>, Errors> {
    let reader = reader_of(target)?;
    let mut names = reader.interfaces(&tool_reads(files, target, reader), nics);
    names.sort();
    names.dedup();
    Ok(names)
}

/// Reads the plan for `interface` (or the only interface the files configure) from a host's
/// files, the way `target`'s family reads them.
pub fn read(files: &HostFiles, target: Target, interface: Option<&str>) -> Result<Reading, Errors> {
    read_on(files, target, interface, &HostNics::new())
}

/// [`read`] on a host whose NICs are known (`nics`): a profile bound to a NIC by MAC (what
/// cloud-init's NetworkManager renderer writes, netplan's `match: macaddress`, networkd's
/// `[Match] MACAddress=`) is read for the NIC that has that MAC; when the NIC's MAC is not
/// known, such a profile is read for the interface asked for, and a warning says so.
pub fn read_on(
    files: &HostFiles,
    target: Target,
    interface: Option<&str>,
    nics: &HostNics,
) -> Result<Reading, Errors> {
    let reader = reader_of(target)?;
    let files = &tool_reads(files, target, reader);
    let interface = match interface {
        // A profile bound by MAC, or to any NIC, names no interface by itself: the reader
        // decides whether it configures the one asked for.
        Some(name) if reader.binds_by_mac() => name.to_string(),
        _ => {
            let mut found = reader.interfaces(files, nics);
            found.sort();
            found.dedup();
            pick(&found, interface, target)?
        }
    };
    let mut reading = reader.read(files, &interface, target, nics)?;
    reading.plan.interface = Some(interface);
    Ok(reading)
}

/// Migration: reads `from`'s configuration of the interface and renders it for `to`, with
/// `from`'s files that `to` does not write again in `delete` (a `change` across families).
pub fn convert(
    files: &HostFiles,
    from: Target,
    to: Target,
    interface: Option<&str>,
) -> Result<(Reading, crate::rendering::Rendering), Errors> {
    convert_on(files, from, to, interface, &HostNics::new())
}

/// [`convert`] on a host whose NICs are known (see [`read_on`]).
pub fn convert_on(
    files: &HostFiles,
    from: Target,
    to: Target,
    interface: Option<&str>,
    nics: &HostNics,
) -> Result<(Reading, crate::rendering::Rendering), Errors> {
    let reading = read_on(files, from, interface, nics)?;
    let plan = reading.plan.validate()?;
    let mut rendering = crate::render(&plan, to)?;
    for path in &reading.files {
        if !rendering.files.iter().any(|file| &file.path == path)
            && !rendering.delete.contains(path)
        {
            rendering.delete.push(path.clone());
        }
    }
    if !reading.unread.is_empty() {
        rendering.warnings.push(format!(
            "{} line(s) of the {} configuration were not carried over (see `eniplan read`)",
            reading.unread.len(),
            from.name()
        ));
    }
    Ok((reading, rendering))
}

fn pick(found: &[String], wanted: Option<&str>, target: Target) -> Result<String, Errors> {
    match (wanted, found) {
        (Some(name), _) if found.iter().any(|f| f == name) => Ok(name.to_string()),
        (Some(name), _) => Err(Error::Missing {
            field: "interface".into(),
            hint: format!(
                "no {} configuration for `{name}` here; found: {}",
                target.family().name(),
                list(found)
            ),
        }
        .into()),
        (None, [one]) => Ok(one.clone()),
        (None, []) => Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no {} configuration here", target.family().name()),
        }
        .into()),
        (None, many) => Err(Error::Missing {
            field: "interface".into(),
            hint: format!(
                "several interfaces are configured ({}); name one",
                many.join(", ")
            ),
        }
        .into()),
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A file's lines with their numbers, without comments and blank lines.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#') && !trimmed.starts_with(';')
        })
}

/// An address a reader found, typed where it was read (a word that is no address never gets
/// this far: it is unread), with the prefix the tool gives it (the one written beside it, or
/// the tool's own default) and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundAddress<A> {
    pub(crate) address: A,
    pub(crate) prefix: Option<u8>,
    /// `file:line`, for the words about it.
    pub(crate) at: String,
}

/// A default route a reader found: its next hop, its metric when one is written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundRoute<A> {
    pub(crate) via: A,
    pub(crate) metric: Option<u32>,
    pub(crate) at: String,
}

/// What a reader found for one interface, typed: the one model every reader ends at. A plan
/// holds less than a host can (one prefix per address family, one default route each); what
/// does not fit is named when the plan is taken from it ([`Found::into_plan`]), never folded
/// into a value silently.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    /// DHCPv4 gives the primary.
    pub(crate) dhcp4: bool,
    /// The IPv4 addresses, in the order the tool adds them.
    pub(crate) ipv4: Vec<FoundAddress<std::net::Ipv4Addr>>,
    /// The IPv6 addresses, in order.
    pub(crate) ipv6: Vec<FoundAddress<std::net::Ipv6Addr>>,
    /// The IPv4 default routes of the main table (or of the ENI's own table).
    pub(crate) gateways4: Vec<FoundRoute<std::net::Ipv4Addr>>,
    /// The IPv6 default routes.
    pub(crate) gateways6: Vec<FoundRoute<std::net::Ipv6Addr>>,
    /// The DNS servers, in order.
    pub(crate) dns: Vec<std::net::IpAddr>,
    /// The MAC the configuration names.
    pub(crate) mac: Option<String>,
    /// The ENI's own route table.
    pub(crate) table: Option<u32>,
    /// A NetworkManager connection name.
    pub(crate) connection: Option<String>,
    /// The RHEL ifcfg style, where the family has one.
    pub(crate) ifcfg_style: Option<crate::os_family::IfcfgStyle>,
}

/// `address/prefix` as a reader takes it: the address typed, the prefix a number; `None` when
/// the address is no address of its kind or the prefix no number in range (the caller reports
/// the text as unread).
pub(crate) fn parse_cidr<A: std::str::FromStr>(text: &str, max: u8) -> Option<(A, Option<u8>)> {
    let (address, prefix) = crate::net::split_cidr(text.trim());
    let address = address.parse::<A>().ok()?;
    let prefix = match prefix {
        Some(prefix) => Some(prefix.parse::<u8>().ok().filter(|p| *p <= max)?),
        None => None,
    };
    Some((address, prefix))
}

impl Found {
    /// The plan these values make, with a warning for each thing a plan cannot carry: an
    /// address whose prefix differs from the primary's (a plan has one prefix per family, so
    /// it would be rendered with the primary's), a second default route (the one the kernel
    /// prefers, the lowest metric, is read), an address the tool gives no prefix.
    pub(crate) fn into_plan(self, warnings: &mut Vec<String>) -> EniPlan {
        use crate::plan::{Ipv6Plan, Mode};
        let mut plan = EniPlan {
            mode: Some(if self.dhcp4 { Mode::Dhcp } else { Mode::Static }),
            mac: self.mac,
            connection: self.connection,
            route_table: self.table,
            ifcfg_style: self.ifcfg_style,
            dns: self.dns.iter().map(ToString::to_string).collect(),
            ..EniPlan::default()
        };
        let mut ipv4 = self.ipv4;
        dedup(&mut ipv4, warnings);
        let mut rest = ipv4.into_iter();
        let first = if self.dhcp4 { None } else { rest.next() };
        let mut prefix = None;
        if let Some(first) = first {
            plan.primary = Some(first.address.to_string());
            prefix = first.prefix;
        }
        for address in rest {
            prefix = prefix.or(address.prefix);
            plan.secondaries.push(address.address.to_string());
            different_prefix(&address, prefix, "IPv4", warnings);
        }
        plan.prefix = prefix;
        if let Some(first) = first_of_prefixless(&plan, prefix) {
            warnings.push(first);
        }
        plan.gateway = choose(self.gateways4, "IPv4", warnings).map(|g| g.to_string());
        let mut ipv6 = self.ipv6;
        dedup(&mut ipv6, warnings);
        if !ipv6.is_empty() {
            let prefix6 = ipv6[0].prefix;
            for address in &ipv6[1..] {
                different_prefix(address, prefix6, "IPv6", warnings);
            }
            plan.ipv6 = Some(Ipv6Plan {
                prefix: prefix6,
                addresses: ipv6.iter().map(|a| a.address.to_string()).collect(),
                gateway: choose(self.gateways6, "IPv6", warnings).map(|g| g.to_string()),
            });
        } else if let Some(gateway) = choose(self.gateways6, "IPv6", warnings) {
            warnings.push(format!(
                "an IPv6 default route via {gateway} without an IPv6 address: a plan's IPv6 \
                 gateway goes with its addresses, so it is not read"
            ));
        }
        plan
    }
}

/// Each address once; one configured again with another prefix is named (the kernel holds
/// both; a plan holds the address once).
fn dedup<A: PartialEq + std::fmt::Display>(
    addresses: &mut Vec<FoundAddress<A>>,
    warnings: &mut Vec<String>,
) {
    let mut seen: Vec<FoundAddress<A>> = Vec::with_capacity(addresses.len());
    for address in addresses.drain(..) {
        match seen.iter().find(|kept| kept.address == address.address) {
            None => seen.push(address),
            Some(kept) if kept.prefix != address.prefix => warnings.push(format!(
                "{}/{} ({}) is configured again as /{} ({}): a plan holds each address once, \
                 with the first prefix",
                address.address,
                kept.prefix.map_or("?".into(), |p| p.to_string()),
                kept.at,
                address.prefix.map_or("?".into(), |p| p.to_string()),
                address.at
            )),
            Some(_) => {}
        }
    }
    *addresses = seen;
}

fn different_prefix<A: std::fmt::Display>(
    address: &FoundAddress<A>,
    prefix: Option<u8>,
    family: &str,
    warnings: &mut Vec<String>,
) {
    if let (Some(own), Some(plan)) = (address.prefix, prefix) {
        if own != plan {
            warnings.push(format!(
                "{}/{own} ({}) has a prefix unlike the first {family} address's /{plan}: a plan \
                 has one {family} prefix, so it is read (and would be rendered) as /{plan}",
                address.address, address.at
            ));
        }
    }
}

fn first_of_prefixless(plan: &EniPlan, prefix: Option<u8>) -> Option<String> {
    let address = plan.primary.as_ref().or(plan.secondaries.first())?;
    prefix
        .is_none()
        .then(|| format!("{address} has no prefix the tool applies: the plan's prefix is not read"))
}

/// The default route a plan keeps of several: the lowest metric (no metric counts as 0, the
/// kernel's default), the first written among equals; the others named.
fn choose<A: std::fmt::Display + Copy>(
    routes: Vec<FoundRoute<A>>,
    family: &str,
    warnings: &mut Vec<String>,
) -> Option<A> {
    let mut unique: Vec<FoundRoute<A>> = Vec::with_capacity(routes.len());
    for route in routes {
        if !unique
            .iter()
            .any(|kept| kept.via.to_string() == route.via.to_string())
        {
            unique.push(route);
        }
    }
    let chosen = unique
        .iter()
        .enumerate()
        .min_by_key(|(index, route)| (route.metric.unwrap_or(0), *index))
        .map(|(_, route)| route.via)?;
    if unique.len() > 1 {
        warnings.push(format!(
            "{} {family} default routes ({}): a plan has one, so the one the kernel prefers \
             (the lowest metric) is read, via {chosen}",
            unique.len(),
            unique
                .iter()
                .map(|route| match route.metric {
                    Some(metric) => format!("via {} metric {metric} ({})", route.via, route.at),
                    None => format!("via {} ({})", route.via, route.at),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(chosen)
}

/// Collects unread lines for one file.
pub(crate) struct Notes<'a> {
    pub file: &'a str,
    pub unread: &'a mut Vec<Unread>,
}

impl Notes<'_> {
    pub(crate) fn skip(&mut self, line: usize, text: &str, reason: impl Into<String>) {
        self.unread.push(Unread {
            file: self.file.to_string(),
            line,
            text: text.to_string(),
            reason: reason.into(),
        });
    }
}
