//! Targets: the OS families, and the `<distro>-<version>` names that resolve to a family plus
//! the details that differ between versions (the restart command above all).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Errors};
pub use crate::os_family::{IfcfgReader, IfcfgStyle, OsFamily};
use crate::rendering::Command;

/// One command of a restart step, as constant data.
pub(crate) struct Step {
    argv: &'static [&'static str],
    purpose: &'static str,
}

/// The restart steps of the Alibaba Cloud ECS document's table, corrected where a command does
/// not exist on that version.
mod restart {
    use super::Step;

    /// NetworkManager applies `nmcli con up` at once; Windows applies netsh and the cmdlets at
    /// once; the cloud API has nothing to restart.
    pub(super) const NOTHING: &[Step] = &[];
    /// systemd with the initscripts or wicked `network` service.
    pub(super) const SYSTEMCTL_NETWORK: &[Step] = &[Step {
        argv: &["systemctl", "restart", "network"],
        purpose:
            "restart the network service so it reads the new files (or: service network restart)",
    }];
    /// SysV init (CentOS/RHEL 6, SLES 11).
    pub(super) const SERVICE_NETWORK: &[Step] = &[Step {
        argv: &["service", "network", "restart"],
        purpose: "restart the network service so it reads the new files (SysV init)",
    }];
    /// NetworkManager-era RHEL family: NetworkManager re-reads ifcfg files when restarted.
    pub(super) const SYSTEMCTL_NETWORKMANAGER: &[Step] = &[Step {
        argv: &["systemctl", "restart", "NetworkManager"],
        purpose: "restart NetworkManager so it re-reads the ifcfg files (or reboot)",
    }];
    /// netplan renders and applies its YAML.
    pub(super) const NETPLAN_APPLY: &[Step] = &[Step {
        argv: &["netplan", "apply"],
        purpose: "render the netplan YAML for the backend and apply it",
    }];
    /// ifupdown under systemd.
    pub(super) const SYSTEMCTL_NETWORKING: &[Step] = &[Step {
        argv: &["systemctl", "restart", "networking"],
        purpose:
            "restart ifupdown's networking service so it brings up the new stanzas (or reboot)",
    }];
    /// systemd-networkd re-reads its `.network` files on `networkctl reload`.
    pub(super) const NETWORKCTL_RELOAD: &[Step] = &[Step {
        argv: &["networkctl", "reload"],
        purpose: "make systemd-networkd re-read its .network files and reconfigure the links they \
                  match (systemd 244 and later)",
    }];
    /// Ubuntu 14.04 runs upstart, which has no `systemctl`, and its `networking` job does not
    /// restart interfaces; ifdown/ifup is the working equivalent. As two steps typed over SSH,
    /// the first cuts the session and the second never runs: so one step, under `nohup`
    /// (coreutils: SIGHUP ignored), so that the hang-up the dropped session sends does not
    /// stop it between the two.
    pub(super) const IFDOWN_IFUP: &[Step] = &[Step {
        argv: &[
            "nohup",
            "sh",
            "-c",
            "ifdown --exclude=lo -a; ifup --exclude=lo -a",
        ],
        purpose: "take the interfaces down and bring every `auto` interface and alias up from \
                  the new file, in one step that survives the SSH session dropping (upstart \
                  has no working `restart networking`); output goes to nohup.out",
    }];
}

/// How netplan spells the default route's destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultRoute {
    /// `to: default`, netplan 0.103 and later.
    Keyword,
    /// `to: 0.0.0.0/0` and `::/0`: netplan 0.99 (Ubuntu 18.04 and 20.04) rejects `default`
    /// (cloud-init carries the same fallback, canonical/cloud-init#4133).
    Cidr,
}

/// One row of the target table.
pub(crate) struct TargetSpec {
    name: &'static str,
    family: OsFamily,
    describes: &'static str,
    restart: &'static [Step],
    ifcfg_reader: IfcfgReader,
    default_route: DefaultRoute,
}

/// A target of `family` with that family's defaults.
const fn t(
    name: &'static str,
    family: OsFamily,
    restart: &'static [Step],
    describes: &'static str,
) -> TargetSpec {
    TargetSpec {
        name,
        family,
        describes,
        restart,
        ifcfg_reader: IfcfgReader::Initscripts,
        default_route: DefaultRoute::Keyword,
    }
}

/// A NetworkManager-era RHEL release: ifcfg-rh reads `IPADDRn`, NetworkManager restarts.
const fn nm_rhel(name: &'static str, describes: &'static str) -> TargetSpec {
    TargetSpec {
        ifcfg_reader: IfcfgReader::NetworkManager,
        ..t(name, Rhel, SYSTEMCTL_NETWORKMANAGER, describes)
    }
}

/// netplan 0.99, which spells the default route as a CIDR.
const fn old_netplan(name: &'static str, describes: &'static str) -> TargetSpec {
    TargetSpec {
        default_route: DefaultRoute::Cidr,
        ..t(name, Netplan, NETPLAN_APPLY, describes)
    }
}

use restart::{
    IFDOWN_IFUP, NETPLAN_APPLY, NETWORKCTL_RELOAD, NOTHING, SERVICE_NETWORK, SYSTEMCTL_NETWORK,
    SYSTEMCTL_NETWORKING, SYSTEMCTL_NETWORKMANAGER,
};
use OsFamily::{
    Cloud, Ifupdown, Keyfile, Netplan, Networkd, Nmcli, Powershell, Rhel, Suse, Windows,
};

/// Every target, one row each. The family names come first, in [`OsFamily::ALL`] order (a
/// test holds them there); the distributions follow.
#[rustfmt::skip]
static TARGETS: &[TargetSpec] = &[
    t("nmcli", Nmcli, NOTHING, "any system whose network NetworkManager manages"),
    t("rhel", Rhel, SYSTEMCTL_NETWORK, "RHEL-style ifcfg files (initscripts, alias files)"),
    t("netplan", Netplan, NETPLAN_APPLY, "netplan (Ubuntu 22.04+, Debian 12)"),
    t("ifupdown", Ifupdown, SYSTEMCTL_NETWORKING, "/etc/network/interfaces (ifupdown)"),
    t("suse", Suse, SYSTEMCTL_NETWORK, "SUSE ifcfg files (wicked)"),
    t("windows", Windows, NOTHING, "Windows Server (netsh)"),
    t("keyfile", Keyfile, NOTHING, "NetworkManager keyfiles (RHEL 9, Fedora 36+)"),
    t("networkd", Networkd, NETWORKCTL_RELOAD, "systemd-networkd .network files"),
    t("powershell", Powershell, NOTHING, "Windows Server (PowerShell NetTCPIP cmdlets)"),
    t("cloud", Cloud, NOTHING, "Alibaba Cloud API calls (aliyun CLI) that assign the addresses to the ENI"),
    t("alinux-2", Rhel, SYSTEMCTL_NETWORK, "Alibaba Cloud Linux 2"),
    nm_rhel("alinux-3", "Alibaba Cloud Linux 3"),
    t("centos-6", Rhel, SERVICE_NETWORK, "CentOS 6"),
    t("centos-7", Rhel, SYSTEMCTL_NETWORK, "CentOS 7"),
    nm_rhel("centos-8", "CentOS 8"),
    t("rhel-6", Rhel, SERVICE_NETWORK, "Red Hat Enterprise Linux 6"),
    t("rhel-7", Rhel, SYSTEMCTL_NETWORK, "Red Hat Enterprise Linux 7"),
    nm_rhel("rhel-8", "Red Hat Enterprise Linux 8"),
    t("rhel-9", Keyfile, NOTHING, "Red Hat Enterprise Linux 9 (keyfiles; ifcfg is deprecated)"),
    t("rhel-10", Keyfile, NOTHING, "Red Hat Enterprise Linux 10 (keyfiles only)"),
    t("centos-9", Keyfile, NOTHING, "CentOS Stream 9 (keyfiles; ifcfg is deprecated)"),
    t("anolis-7", Rhel, SYSTEMCTL_NETWORK, "Anolis OS 7"),
    nm_rhel("anolis-8", "Anolis OS 8"),
    nm_rhel("fedora-33", "Fedora 33"),
    nm_rhel("fedora-34", "Fedora 34"),
    nm_rhel("fedora-35", "Fedora 35"),
    t("fedora-36", Keyfile, NOTHING, "Fedora 36 (keyfiles)"),
    t("fedora-37", Keyfile, NOTHING, "Fedora 37 (keyfiles)"),
    t("fedora-38", Keyfile, NOTHING, "Fedora 38 (keyfiles)"),
    t("fedora-39", Keyfile, NOTHING, "Fedora 39 (keyfiles)"),
    t("fedora-40", Keyfile, NOTHING, "Fedora 40 (keyfiles)"),
    t("fedora-41", Keyfile, NOTHING, "Fedora 41 (keyfiles)"),
    t("fedora-42", Keyfile, NOTHING, "Fedora 42 (keyfiles)"),
    t("fedora-43", Keyfile, NOTHING, "Fedora 43 (keyfiles)"),
    t("centos-10", Keyfile, NOTHING, "CentOS Stream 10 (keyfiles only: ifcfg-rh is gone)"),
    nm_rhel("rocky-8", "Rocky Linux 8 (ifcfg read by NetworkManager, as RHEL 8)"),
    t("rocky-9", Keyfile, NOTHING, "Rocky Linux 9 (keyfiles, as RHEL 9)"),
    t("rocky-10", Keyfile, NOTHING, "Rocky Linux 10 (keyfiles only, as RHEL 10)"),
    nm_rhel("almalinux-8", "AlmaLinux 8 (ifcfg read by NetworkManager, as RHEL 8)"),
    t("almalinux-9", Keyfile, NOTHING, "AlmaLinux 9 (keyfiles, as RHEL 9)"),
    t("almalinux-10", Keyfile, NOTHING, "AlmaLinux 10 (keyfiles only, as RHEL 10)"),
    t("anolis-23", Keyfile, NOTHING, "Anolis OS 23 (NetworkManager keyfiles)"),
    nm_rhel("openeuler-20.03", "openEuler 20.03 LTS (ifcfg read by NetworkManager)"),
    nm_rhel("openeuler-22.03", "openEuler 22.03 LTS (ifcfg read by NetworkManager)"),
    nm_rhel("openeuler-24.03", "openEuler 24.03 LTS (ifcfg read by NetworkManager)"),
    nm_rhel("kylin-v10", "Kylin Linux Advanced Server V10 (ifcfg read by NetworkManager)"),
    nm_rhel("uos-20", "UnionTech OS Server 20 (ifcfg read by NetworkManager)"),
    t("ubuntu-14.04", Ifupdown, IFDOWN_IFUP, "Ubuntu 14.04 (upstart)"),
    t("ubuntu-16.04", Ifupdown, SYSTEMCTL_NETWORKING, "Ubuntu 16.04"),
    old_netplan("ubuntu-18.04", "Ubuntu 18.04 (netplan 0.99)"),
    old_netplan("ubuntu-20.04", "Ubuntu 20.04 (netplan 0.99)"),
    t("ubuntu-22.04", Netplan, NETPLAN_APPLY, "Ubuntu 22.04"),
    t("ubuntu-24.04", Netplan, NETPLAN_APPLY, "Ubuntu 24.04"),
    t("ubuntu-26.04", Netplan, NETPLAN_APPLY, "Ubuntu 26.04"),
    t("debian-8", Ifupdown, SYSTEMCTL_NETWORKING, "Debian 8"),
    t("debian-9", Ifupdown, SYSTEMCTL_NETWORKING, "Debian 9"),
    t("debian-10", Ifupdown, SYSTEMCTL_NETWORKING, "Debian 10"),
    t("debian-11", Ifupdown, SYSTEMCTL_NETWORKING, "Debian 11"),
    t("debian-12", Netplan, NETPLAN_APPLY, "Debian 12 (netplan, as in the ECS document)"),
    t("debian-13", Netplan, NETPLAN_APPLY, "Debian 13 (netplan with systemd-networkd)"),
    t("sles-11", Suse, SERVICE_NETWORK, "SUSE Linux Enterprise Server 11 (SysV init)"),
    t("sles-12", Suse, SYSTEMCTL_NETWORK, "SUSE Linux Enterprise Server 12"),
    t("sles-15", Suse, SYSTEMCTL_NETWORK, "SUSE Linux Enterprise Server 15"),
    t("opensuse-15", Suse, SYSTEMCTL_NETWORK, "openSUSE Leap 15"),
    t("opensuse-42", Suse, SYSTEMCTL_NETWORK, "openSUSE Leap 42"),
    t("sles-16", Keyfile, NOTHING, "SUSE Linux Enterprise Server 16 (NetworkManager; wicked is gone)"),
    t("opensuse-16", Keyfile, NOTHING, "openSUSE Leap 16 (NetworkManager; wicked is gone)"),
    t("windows-2012r2", Windows, NOTHING, "Windows Server 2012 R2"),
    t("windows-2016", Windows, NOTHING, "Windows Server 2016"),
    t("windows-2019", Windows, NOTHING, "Windows Server 2019"),
    t("windows-2022", Windows, NOTHING, "Windows Server 2022"),
    t("windows-2025", Windows, NOTHING, "Windows Server 2025"),
];

/// A resolved target: a name the user can pass as `--os`, with its family and the details of
/// that distribution version.
#[derive(Clone, Copy)]
pub struct Target {
    spec: &'static TargetSpec,
}

impl Target {
    /// Looks a target name up (`centos-7`, `netplan`, …).
    pub fn parse(name: &str) -> Result<Target, Error> {
        if let Some(spec) = TARGETS.iter().find(|spec| spec.name == name) {
            return Ok(Target { spec });
        }
        if Target::is_selection(name) {
            return Err(Error::Selection {
                field: "os".into(),
                value: crate::error::shown(name),
                hint: "name one target (`eniplan targets` lists them); rendering takes a \
                       selection (`eniplan render --os`, Python's render_many, WASM's \
                       renderMany)"
                    .into(),
            });
        }
        Err(Error::UnknownTarget {
            field: "os".into(),
            value: crate::error::shown(name),
            known: Target::names().collect::<Vec<_>>().join(", "),
        })
    }

    /// Resolves a `--os` argument: `all` (every OS family, in [`OsFamily::ALL`] order; `cloud`
    /// is not an OS and is asked for by name), `ecs-doc` (the six families of the Alibaba Cloud ECS document on secondary private IP
    /// addresses; `seed` is its former name) or a
    /// comma-separated list of target names. Unknown names are all reported.
    pub fn resolve(selection: &str) -> Result<Vec<Target>, Errors> {
        let mut targets = Vec::new();
        let mut errors = Vec::new();
        for name in selection.split(',').map(str::trim) {
            match name {
                "all" => targets.extend(Target::families().filter(|t| t.family().is_os())),
                "ecs-doc" | "seed" => targets
                    .extend(Target::families().filter(|t| OsFamily::SEED.contains(&t.family()))),
                name => match Target::parse(name) {
                    Ok(target) => targets.push(target),
                    Err(Error::UnknownTarget {
                        field,
                        value,
                        known,
                    }) => errors.push(Error::UnknownTarget {
                        field,
                        value,
                        known: format!("all, ecs-doc, {known}"),
                    }),
                    Err(error) => errors.push(error),
                },
            }
        }
        if errors.is_empty() {
            Ok(targets)
        } else {
            Err(Errors::new(errors))
        }
    }

    /// Whether a `--os` argument asks for several targets (`all`, `ecs-doc`, a comma-separated
    /// list), whose output is then a list, even when it resolves to one.
    pub fn is_selection(selection: &str) -> bool {
        matches!(selection.trim(), "all" | "ecs-doc" | "seed") || selection.contains(',')
    }

    /// The generic target of each family, in [`OsFamily::ALL`] order.
    pub fn families() -> impl Iterator<Item = Target> {
        TARGETS[..OsFamily::ALL.len()]
            .iter()
            .map(|spec| Target { spec })
    }

    /// Every target, families first, then distributions.
    pub fn all() -> impl Iterator<Item = Target> {
        TARGETS.iter().map(|spec| Target { spec })
    }

    /// Every target name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TARGETS.iter().map(|spec| spec.name)
    }

    /// The name (`centos-7`).
    pub fn name(self) -> &'static str {
        self.spec.name
    }

    /// The family (`rhel`).
    pub fn family(self) -> OsFamily {
        self.spec.family
    }

    /// What the target stands for, for people (`CentOS 7`).
    pub fn description(self) -> &'static str {
        self.spec.describes
    }

    /// The RHEL family's default way of carrying secondaries on this target.
    pub fn ifcfg_style(self) -> IfcfgStyle {
        self.spec.ifcfg_reader.default_style()
    }

    /// What reads this RHEL-family target's ifcfg files (initscripts or NetworkManager).
    pub fn ifcfg_reader(self) -> IfcfgReader {
        self.spec.ifcfg_reader
    }

    pub(crate) fn default_route(self) -> DefaultRoute {
        self.spec.default_route
    }

    /// The commands that make a new configuration take effect on this target.
    pub fn restart(self) -> Vec<Command> {
        self.spec
            .restart
            .iter()
            .map(|step| Command::posix(step.argv.iter().copied(), step.purpose))
            .collect()
    }
}

impl Target {
    /// The target for a distribution and version as Ansible facts (`ansible_distribution`,
    /// `ansible_distribution_version`) or `/etc/os-release` (`ID`, `VERSION_ID`) spell them:
    /// `("CentOS", "7.9.2009")` → `centos-7`, `("Ubuntu", "22.04")` → `ubuntu-22.04`,
    /// `("openSUSE Leap", "15.5")` → `opensuse-15`, `("Alibaba Cloud Linux", "3.2104")` →
    /// `alinux-3`. A release eniplan has no target for is an error listing the known ones.
    pub fn for_distribution(distribution: &str, version: &str) -> Result<Target, Error> {
        let name = distribution
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-'], " ");
        let distro = distro_key(&name);
        let candidate = candidate(distro, &name, version);
        Target::parse(&candidate).map_err(|error| match error {
            Error::UnknownTarget { known, .. } => Error::UnknownTarget {
                field: "os".into(),
                value: crate::error::shown(&format!("{distribution} {version}")),
                known,
            },
            other => other,
        })
    }
}

/// The distribution part of a target name for a distribution's name as Ansible facts
/// (`ansible_distribution`) or os-release's `ID` spell it, lowercased, `_`/`-` as spaces.
fn distro_key(name: &str) -> &'static str {
    match name {
        "centos" | "centos linux" | "centos stream" => "centos",
        "redhat" | "rhel" | "red hat enterprise linux" | "red hat enterprise linux server" => {
            "rhel"
        }
        "alinux"
        | "alibaba"
        | "alibaba cloud linux"
        | "alibaba cloud linux (aliyun linux)"
        | "aliyun linux" => "alinux",
        "anolis" | "anolis os" => "anolis",
        "fedora" | "fedora linux" => "fedora",
        "rocky" | "rocky linux" => "rocky",
        "almalinux" | "alma" | "almalinux os" => "almalinux",
        // Oracle Linux is RHEL-compatible release for release (os-release ID `ol`).
        "oraclelinux" | "oracle linux" | "oracle linux server" | "ol" => "rhel",
        "openeuler" | "open euler" => "openeuler",
        "kylin" | "kylin linux advanced server" | "kylin linux" => "kylin",
        "uos" | "uniontech os server 20" | "uniontech os server" | "uniontech os" => "uos",
        "ubuntu" => "ubuntu",
        "debian" | "debian gnu/linux" => "debian",
        "sles" | "sles sap" | "suse" | "suse linux enterprise server" | "sle micro" => "sles",
        "opensuse" | "opensuse leap" | "opensuse leap micro" => "opensuse",
        windows if windows.contains("windows") => "windows",
        _ => "",
    }
}

/// The target name a distribution key and its version spell: the major version for most,
/// `major.minor` where releases are named so (Ubuntu 22.04, openEuler 22.03), `v10` for Kylin.
fn candidate(distro: &str, name: &str, version: &str) -> String {
    let version = version.trim().to_ascii_lowercase();
    let mut parts = version.split(['.', ' ', '-', '(']);
    let major = parts.next().unwrap_or_default();
    match distro {
        "ubuntu" => format!("ubuntu-{major}.{}", parts.next().unwrap_or("04")),
        "openeuler" => format!("openeuler-{major}.{}", parts.next().unwrap_or("03")),
        "kylin" => format!("kylin-v{}", major.trim_start_matches('v')),
        // Windows facts carry the release in the name: "Microsoft Windows Server 2022 …".
        "windows" => {
            let release = name
                .split_whitespace()
                .find(|word| word.starts_with("20"))
                .unwrap_or(major)
                .to_string();
            let r2 = name.contains(" r2");
            format!("windows-{release}{}", if r2 { "r2" } else { "" })
        }
        "" => String::new(),
        distro => format!("{distro}-{major}"),
    }
}

/// A host's target read from its os-release file (`ID`, `ID_LIKE`, `VERSION_ID`), and the
/// assumption made when the distribution itself is not in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The target.
    pub target: Target,
    /// Set when the target was chosen through `ID_LIKE`: what was assumed, for the user.
    pub assumption: Option<String>,
}

impl Target {
    /// The target for a host from the text of its `/etc/os-release` (os-release(5): `KEY=value`
    /// lines, values optionally quoted). The distribution (`ID`, `VERSION_ID`) is looked up
    /// first; a derivative that is not in the table resolves through the distributions its
    /// `ID_LIKE` names, with the assumption stated. No usable `ID_LIKE` is an error listing the
    /// families.
    pub fn from_os_release(text: &str) -> Result<Resolved, Error> {
        let field = |key: &str| -> Option<String> {
            text.lines().find_map(|line| {
                let value = line.trim().strip_prefix(key)?.strip_prefix('=')?;
                let value = value.trim();
                let unquoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .unwrap_or(value);
                Some(unquoted.replace("\\\"", "\""))
            })
        };
        let id = field("ID").unwrap_or_default();
        let version = field("VERSION_ID").unwrap_or_default();
        let like = field("ID_LIKE").unwrap_or_default();
        let lookup = |id: &str| {
            let name = id.trim().to_ascii_lowercase().replace(['_', '-'], " ");
            Target::parse(&candidate(distro_key(&name), &name, &version)).ok()
        };
        if let Some(target) = lookup(&id) {
            return Ok(Resolved {
                target,
                assumption: None,
            });
        }
        for like_id in like.split_whitespace() {
            if let Some(target) = lookup(like_id) {
                return Ok(Resolved {
                    target,
                    assumption: Some(format!(
                        "os-release names `{id}` {version}, which eniplan has no target for; \
                         its ID_LIKE names {like_id}, so it is configured as {} ({}) — check \
                         that it uses that network stack, or pass --os",
                        target.name(),
                        target.description()
                    )),
                });
            }
        }
        Err(Error::UnknownTarget {
            field: "os".into(),
            value: crate::error::shown(&format!("{id} {version} (ID_LIKE: {like})")),
            known: format!(
                "the families {} and every name `eniplan targets` lists; neither ID nor \
                 ID_LIKE names a distribution and version eniplan knows, so pass --os",
                OsFamily::ALL.map(OsFamily::name).join(", ")
            ),
        })
    }
}

/// A target described for listings (the CLI's `targets`, the bindings' `targets()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    /// The `--os` name.
    pub name: &'static str,
    /// Its family.
    pub family: OsFamily,
    /// What it stands for.
    pub description: &'static str,
    /// The commands that make a new configuration take effect.
    pub restart: Vec<Command>,
}

impl From<Target> for TargetInfo {
    fn from(target: Target) -> Self {
        TargetInfo {
            name: target.name(),
            family: target.family(),
            description: target.description(),
            restart: target.restart(),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Target").field(&self.spec.name).finish()
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name
    }
}

impl Eq for Target {}

impl FromStr for Target {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Target::parse(name)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_targets_come_first_in_family_order() {
        let families: Vec<OsFamily> = Target::families().map(Target::family).collect();
        assert_eq!(families, OsFamily::ALL);
        for target in Target::families() {
            assert_eq!(target.name(), target.family().name());
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = Target::names().collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn distributions_map_to_targets() {
        let cases = [
            ("CentOS", "7.9.2009", "centos-7"),
            ("RedHat", "8.6", "rhel-8"),
            ("Red Hat Enterprise Linux", "9.2", "rhel-9"),
            ("Alibaba Cloud Linux", "3.2104", "alinux-3"),
            ("alinux", "2.1903", "alinux-2"),
            ("Anolis", "8.6", "anolis-8"),
            ("Fedora", "35", "fedora-35"),
            ("Ubuntu", "22.04", "ubuntu-22.04"),
            ("ubuntu", "18.04.6", "ubuntu-18.04"),
            ("Debian", "11.7", "debian-11"),
            ("SLES", "15.4", "sles-15"),
            ("openSUSE Leap", "15.5", "opensuse-15"),
            ("openSUSE Leap", "42.3", "opensuse-42"),
            (
                "Microsoft Windows Server 2022 Datacenter",
                "10.0.20348",
                "windows-2022",
            ),
            (
                "Microsoft Windows Server 2012 R2 Standard",
                "6.3.9600",
                "windows-2012r2",
            ),
            // Ansible's ansible_distribution / ansible_distribution_version spellings.
            ("Rocky", "9.3", "rocky-9"),
            ("Rocky", "8.9", "rocky-8"),
            ("Rocky", "10.0", "rocky-10"),
            ("AlmaLinux", "8.9", "almalinux-8"),
            ("AlmaLinux", "9.4", "almalinux-9"),
            ("AlmaLinux", "10.0", "almalinux-10"),
            ("OracleLinux", "8.9", "rhel-8"),
            ("CentOS", "10", "centos-10"),
            ("Anolis", "23.1", "anolis-23"),
            ("openEuler", "20.03", "openeuler-20.03"),
            ("openEuler", "22.03", "openeuler-22.03"),
            ("openEuler", "24.03 (LTS-SP1)", "openeuler-24.03"),
            ("Kylin Linux Advanced Server", "V10", "kylin-v10"),
            ("UnionTech OS Server 20", "20", "uos-20"),
            ("Fedora", "42", "fedora-42"),
            ("Fedora", "43", "fedora-43"),
            ("Debian", "13.1", "debian-13"),
            ("Ubuntu", "26.04", "ubuntu-26.04"),
            ("SLES", "16.0", "sles-16"),
            ("openSUSE Leap", "16.0", "opensuse-16"),
            (
                "Microsoft Windows Server 2025 Datacenter",
                "10.0.26100",
                "windows-2025",
            ),
        ];
        for (distribution, version, want) in cases {
            let got = Target::for_distribution(distribution, version).map(Target::name);
            assert_eq!(got, Ok(want), "{distribution} {version}");
        }
        let unknown = Target::for_distribution("Gentoo", "2.14").expect_err("no gentoo target");
        assert_eq!(unknown.value(), "Gentoo 2.14");
        assert!(Target::for_distribution("CentOS", "5").is_err());
        assert_eq!(
            Target::for_distribution("CentOS Stream", "9").map(Target::name),
            Ok("centos-9")
        );
        assert_eq!(
            Target::for_distribution("Fedora", "40").map(Target::name),
            Ok("fedora-40")
        );
    }

    #[test]
    fn unknown_targets_are_all_reported() {
        let errors = Target::resolve("centos-7,centos-5,ubuntu-99").expect_err("two unknown names");
        let fields: Vec<&str> = errors.as_slice().iter().map(Error::value).collect();
        assert_eq!(fields, ["centos-5", "ubuntu-99"]);
    }
}
