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

/// The directories whose files a family's reader takes (the CLI reads every regular file in
/// them, under its root).
pub fn directories(family: OsFamily) -> &'static [&'static str] {
    match family {
        OsFamily::Rhel => &[ifcfg::DIR],
        OsFamily::Keyfile => &[keyfile::DIR],
        OsFamily::Netplan => &[netplan::DIR],
        OsFamily::Networkd => &[networkd::DIR],
        OsFamily::Suse => &[suse::DIR],
        OsFamily::Ifupdown => &[ifupdown::DIR, ifupdown::SOURCED],
        _ => &[],
    }
}

/// The files of `files` that `target`'s own tool reads: backup and editor files are dropped
/// the way the tool drops them (initscripts' `is_ignored_file`, NetworkManager's ifcfg-rh and
/// keyfile rules, wicked's suffix blacklist; netplan, networkd and ifupdown choose their files
/// by name pattern, which their readers apply).
fn tool_reads(files: &HostFiles, target: Target) -> HostFiles {
    let ignored = |path: &str| -> bool {
        let Some((dir, name)) = path.rsplit_once('/') else {
            return false;
        };
        match target.family() {
            OsFamily::Rhel => dir == ifcfg::DIR && ifcfg::ignored(name, target.ifcfg_reader()),
            OsFamily::Keyfile => dir == keyfile::DIR && keyfile::ignored(name),
            OsFamily::Suse => dir == suse::DIR && suse::ignored(name),
            _ => false,
        }
    };
    files
        .iter()
        .filter(|(path, _)| !ignored(path))
        .map(|(path, text)| (path.clone(), text.clone()))
        .collect()
}

/// The interfaces a host's files configure for `target`'s family, in name order.
pub fn configured_interfaces(files: &HostFiles, target: Target) -> Result<Vec<String>, Errors> {
    let files = &tool_reads(files, target);
    Ok(match target.family() {
        OsFamily::Rhel => ifcfg::interfaces(files),
        OsFamily::Keyfile => keyfile::interfaces(files),
        OsFamily::Netplan => netplan::interfaces(files),
        OsFamily::Networkd => networkd::interfaces(files),
        OsFamily::Suse => suse::interfaces(files),
        OsFamily::Ifupdown => ifupdown::interfaces(files),
        other => {
            return Err(Error::Unsupported {
                field: "os".into(),
                value: target.name().into(),
                target: target.name().into(),
                reason: format!(
                    "reading the {} family's configuration back is not built yet; the rhel, \
                     keyfile, netplan, networkd, suse and ifupdown families can be read",
                    other.name()
                ),
            }
            .into())
        }
    })
}

/// Reads the plan for `interface` (or the only interface the files configure) from a host's
/// files, the way `target`'s family reads them.
pub fn read(files: &HostFiles, target: Target, interface: Option<&str>) -> Result<Reading, Errors> {
    let files = &tool_reads(files, target);
    let family = target.family();
    let interfaces = configured_interfaces(files, target)?;
    let interface = pick(&interfaces, interface, target)?;
    let mut reading = match family {
        OsFamily::Rhel => ifcfg::read(files, &interface, target),
        OsFamily::Keyfile => keyfile::read(files, &interface),
        OsFamily::Netplan => netplan::read(files, &interface),
        OsFamily::Networkd => networkd::read(files, &interface),
        OsFamily::Suse => suse::read(files, &interface),
        OsFamily::Ifupdown => ifupdown::read(files, &interface),
        _ => unreachable!("refused above"),
    }?;
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
    let reading = read(files, from, interface)?;
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

/// An address as a file writes it, with the prefix written beside it if any.
pub(crate) type Written = (String, Option<u8>);

/// The IPv4 addresses in the file's order: in static mode the first is the primary; every
/// other is a secondary, and the first prefix found is the plan's.
pub(crate) fn place_ipv4(plan: &mut EniPlan, mut v4: Vec<Written>) {
    if plan.mode == Some(crate::plan::Mode::Static) && !v4.is_empty() {
        let (primary, prefix) = v4.remove(0);
        plan.primary = Some(primary);
        plan.prefix = prefix;
    }
    for (address, prefix) in v4 {
        plan.prefix = plan.prefix.or(prefix);
        plan.secondaries.push(address);
    }
}

/// The IPv6 part from its addresses (the first's prefix is the plan's) and gateway.
pub(crate) fn ipv6_part(
    v6: Vec<Written>,
    gateway: Option<String>,
) -> Option<crate::plan::Ipv6Plan> {
    let prefix = v6.first()?.1;
    Some(crate::plan::Ipv6Plan {
        prefix,
        addresses: v6.into_iter().map(|(address, _)| address).collect(),
        gateway,
    })
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
