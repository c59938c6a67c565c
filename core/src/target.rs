//! Targets: the OS families, and the `<distro>-<version>` names that resolve to a family plus
//! the details that differ between versions (the restart command above all).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Errors};
use crate::rendering::Command;

/// A way of configuring the network, shared by several distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    /// NetworkManager, configured with `nmcli con modify` (the seed's first method).
    Nmcli,
    /// RHEL-style `ifcfg` files under `/etc/sysconfig/network-scripts/`.
    Rhel,
    /// netplan YAML under `/etc/netplan/`.
    Netplan,
    /// Debian's ifupdown, `/etc/network/interfaces`.
    Ifupdown,
    /// SUSE `ifcfg` files under `/etc/sysconfig/network/` (wicked).
    Suse,
    /// Windows Server, configured with `netsh`.
    Windows,
    /// A NetworkManager keyfile under `/etc/NetworkManager/system-connections/`: the native
    /// format where ifcfg is deprecated (RHEL 9, Fedora 36 and later).
    Keyfile,
    /// A systemd-networkd `.network` file under `/etc/systemd/network/`.
    Networkd,
    /// Windows Server, configured with PowerShell's NetTCPIP and DnsClient cmdlets.
    Powershell,
    /// The cloud side: the Alibaba Cloud CLI calls that assign and unassign the addresses on
    /// the ENI (the seed's step 1). Not an OS, so `all` leaves it out.
    Cloud,
}

impl OsFamily {
    /// Every family, in a fixed order: the six of the seed, the four beyond it.
    pub const ALL: [OsFamily; 10] = [
        OsFamily::Nmcli,
        OsFamily::Rhel,
        OsFamily::Netplan,
        OsFamily::Ifupdown,
        OsFamily::Suse,
        OsFamily::Windows,
        OsFamily::Keyfile,
        OsFamily::Networkd,
        OsFamily::Powershell,
        OsFamily::Cloud,
    ];

    /// The six families the seed document describes, in the order `seed` renders them.
    pub const SEED: [OsFamily; 6] = [
        OsFamily::Nmcli,
        OsFamily::Rhel,
        OsFamily::Netplan,
        OsFamily::Ifupdown,
        OsFamily::Suse,
        OsFamily::Windows,
    ];

    /// The family's name, which is also its target name.
    pub fn name(self) -> &'static str {
        match self {
            OsFamily::Nmcli => "nmcli",
            OsFamily::Rhel => "rhel",
            OsFamily::Netplan => "netplan",
            OsFamily::Ifupdown => "ifupdown",
            OsFamily::Suse => "suse",
            OsFamily::Windows => "windows",
            OsFamily::Keyfile => "keyfile",
            OsFamily::Networkd => "networkd",
            OsFamily::Powershell => "powershell",
            OsFamily::Cloud => "cloud",
        }
    }

    /// Whether the family configures Linux (and so takes Linux interface names).
    pub fn is_linux(self) -> bool {
        !matches!(
            self,
            OsFamily::Windows | OsFamily::Powershell | OsFamily::Cloud
        )
    }

    /// Whether the family configures Windows (and so takes Windows adapter names).
    pub fn is_windows(self) -> bool {
        matches!(self, OsFamily::Windows | OsFamily::Powershell)
    }

    /// Whether the family configures an operating system (every family but `cloud`).
    pub fn is_os(self) -> bool {
        self != OsFamily::Cloud
    }
}

impl fmt::Display for OsFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the network is restarted after the files change (the seed's table, corrected where a
/// command does not exist on that version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restart {
    /// NetworkManager applies `nmcli con up` at once; nothing to restart.
    Nothing,
    /// systemd with the initscripts or wicked `network` service.
    SystemctlNetwork,
    /// SysV init (CentOS/RHEL 6, SLES 11): `service network restart`.
    ServiceNetwork,
    /// NetworkManager-era RHEL family: NetworkManager re-reads ifcfg files when restarted.
    SystemctlNetworkManager,
    /// netplan renders and applies its YAML.
    NetplanApply,
    /// ifupdown under systemd.
    SystemctlNetworking,
    /// Ubuntu 14.04 runs upstart, which has no `systemctl`, and its `networking` job does not
    /// restart interfaces; ifdown/ifup is the working equivalent.
    IfdownIfup,
    /// Windows: netsh changes take effect immediately.
    WindowsNothing,
    /// systemd-networkd re-reads its `.network` files on `networkctl reload`.
    NetworkctlReload,
}

/// How the RHEL family carries secondary addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfcfgStyle {
    /// One `ifcfg-eth0:N` file per secondary, the seed's way; read by initscripts'
    /// `ifup-aliases`. The default for initscripts-era releases (6 and 7).
    Aliases,
    /// `IPADDRn`/`PREFIXn` in the main file: what NetworkManager's ifcfg-rh plugin writes
    /// itself, so a later `nmcli` edit keeps the addresses instead of leaving alias files
    /// behind. The default for NetworkManager-era releases (8, 9, Alibaba Cloud Linux 3,
    /// Anolis 8, Fedora).
    Indexed,
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

struct TargetSpec {
    name: &'static str,
    family: OsFamily,
    describes: &'static str,
    restart: Restart,
    ifcfg_style: IfcfgStyle,
    default_route: DefaultRoute,
}

const fn spec(
    name: &'static str,
    family: OsFamily,
    describes: &'static str,
    restart: Restart,
) -> TargetSpec {
    TargetSpec {
        name,
        family,
        describes,
        restart,
        ifcfg_style: IfcfgStyle::Aliases,
        default_route: DefaultRoute::Keyword,
    }
}

const fn nm_era_rhel(name: &'static str, describes: &'static str) -> TargetSpec {
    TargetSpec {
        ifcfg_style: IfcfgStyle::Indexed,
        ..spec(
            name,
            OsFamily::Rhel,
            describes,
            Restart::SystemctlNetworkManager,
        )
    }
}

const fn old_netplan(name: &'static str, describes: &'static str) -> TargetSpec {
    TargetSpec {
        default_route: DefaultRoute::Cidr,
        ..spec(name, OsFamily::Netplan, describes, Restart::NetplanApply)
    }
}

use OsFamily::{
    Cloud, Ifupdown, Keyfile, Netplan, Networkd, Nmcli, Powershell, Rhel, Suse, Windows,
};
use Restart::{
    IfdownIfup, NetplanApply, NetworkctlReload, Nothing, ServiceNetwork, SystemctlNetwork,
    SystemctlNetworking, WindowsNothing,
};

/// Every target name. The family names come first, in [`OsFamily::ALL`] order.
static TARGETS: &[TargetSpec] = &[
    spec(
        "nmcli",
        Nmcli,
        "any system whose network NetworkManager manages",
        Nothing,
    ),
    spec(
        "rhel",
        Rhel,
        "RHEL-style ifcfg files (initscripts, alias files)",
        SystemctlNetwork,
    ),
    spec(
        "netplan",
        Netplan,
        "netplan (Ubuntu 22.04+, Debian 12)",
        NetplanApply,
    ),
    spec(
        "ifupdown",
        Ifupdown,
        "/etc/network/interfaces (ifupdown)",
        SystemctlNetworking,
    ),
    spec("suse", Suse, "SUSE ifcfg files (wicked)", SystemctlNetwork),
    spec("windows", Windows, "Windows Server (netsh)", WindowsNothing),
    spec(
        "keyfile",
        Keyfile,
        "NetworkManager keyfiles (RHEL 9, Fedora 36+)",
        Nothing,
    ),
    spec(
        "networkd",
        Networkd,
        "systemd-networkd .network files",
        NetworkctlReload,
    ),
    spec(
        "powershell",
        Powershell,
        "Windows Server (PowerShell NetTCPIP cmdlets)",
        WindowsNothing,
    ),
    spec(
        "cloud",
        Cloud,
        "Alibaba Cloud API calls (aliyun CLI) that assign the addresses to the ENI",
        Nothing,
    ),
    spec("alinux-2", Rhel, "Alibaba Cloud Linux 2", SystemctlNetwork),
    nm_era_rhel("alinux-3", "Alibaba Cloud Linux 3"),
    spec("centos-6", Rhel, "CentOS 6", ServiceNetwork),
    spec("centos-7", Rhel, "CentOS 7", SystemctlNetwork),
    nm_era_rhel("centos-8", "CentOS 8"),
    spec("rhel-6", Rhel, "Red Hat Enterprise Linux 6", ServiceNetwork),
    spec(
        "rhel-7",
        Rhel,
        "Red Hat Enterprise Linux 7",
        SystemctlNetwork,
    ),
    nm_era_rhel("rhel-8", "Red Hat Enterprise Linux 8"),
    spec(
        "rhel-9",
        Keyfile,
        "Red Hat Enterprise Linux 9 (keyfiles; ifcfg is deprecated)",
        Nothing,
    ),
    spec(
        "rhel-10",
        Keyfile,
        "Red Hat Enterprise Linux 10 (keyfiles only)",
        Nothing,
    ),
    spec(
        "centos-9",
        Keyfile,
        "CentOS Stream 9 (keyfiles; ifcfg is deprecated)",
        Nothing,
    ),
    spec("anolis-7", Rhel, "Anolis OS 7", SystemctlNetwork),
    nm_era_rhel("anolis-8", "Anolis OS 8"),
    nm_era_rhel("fedora-33", "Fedora 33"),
    nm_era_rhel("fedora-34", "Fedora 34"),
    nm_era_rhel("fedora-35", "Fedora 35"),
    spec("fedora-36", Keyfile, "Fedora 36 (keyfiles)", Nothing),
    spec("fedora-37", Keyfile, "Fedora 37 (keyfiles)", Nothing),
    spec("fedora-38", Keyfile, "Fedora 38 (keyfiles)", Nothing),
    spec("fedora-39", Keyfile, "Fedora 39 (keyfiles)", Nothing),
    spec("fedora-40", Keyfile, "Fedora 40 (keyfiles)", Nothing),
    spec("fedora-41", Keyfile, "Fedora 41 (keyfiles)", Nothing),
    spec(
        "ubuntu-14.04",
        Ifupdown,
        "Ubuntu 14.04 (upstart)",
        IfdownIfup,
    ),
    spec(
        "ubuntu-16.04",
        Ifupdown,
        "Ubuntu 16.04",
        SystemctlNetworking,
    ),
    old_netplan("ubuntu-18.04", "Ubuntu 18.04 (netplan 0.99)"),
    old_netplan("ubuntu-20.04", "Ubuntu 20.04 (netplan 0.99)"),
    spec("ubuntu-22.04", Netplan, "Ubuntu 22.04", NetplanApply),
    spec("ubuntu-24.04", Netplan, "Ubuntu 24.04", NetplanApply),
    spec("debian-8", Ifupdown, "Debian 8", SystemctlNetworking),
    spec("debian-9", Ifupdown, "Debian 9", SystemctlNetworking),
    spec("debian-10", Ifupdown, "Debian 10", SystemctlNetworking),
    spec("debian-11", Ifupdown, "Debian 11", SystemctlNetworking),
    spec(
        "debian-12",
        Netplan,
        "Debian 12 (netplan, as in the seed)",
        NetplanApply,
    ),
    spec(
        "sles-11",
        Suse,
        "SUSE Linux Enterprise Server 11 (SysV init)",
        ServiceNetwork,
    ),
    spec(
        "sles-12",
        Suse,
        "SUSE Linux Enterprise Server 12",
        SystemctlNetwork,
    ),
    spec(
        "sles-15",
        Suse,
        "SUSE Linux Enterprise Server 15",
        SystemctlNetwork,
    ),
    spec("opensuse-15", Suse, "openSUSE Leap 15", SystemctlNetwork),
    spec("opensuse-42", Suse, "openSUSE Leap 42", SystemctlNetwork),
    spec(
        "windows-2012r2",
        Windows,
        "Windows Server 2012 R2",
        WindowsNothing,
    ),
    spec(
        "windows-2016",
        Windows,
        "Windows Server 2016",
        WindowsNothing,
    ),
    spec(
        "windows-2019",
        Windows,
        "Windows Server 2019",
        WindowsNothing,
    ),
    spec(
        "windows-2022",
        Windows,
        "Windows Server 2022",
        WindowsNothing,
    ),
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
        TARGETS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| Target { spec })
            .ok_or_else(|| Error::UnknownTarget {
                field: "os".into(),
                value: crate::error::shown(name),
                known: format!(
                    "all, seed, {}",
                    Target::names().collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// Resolves a `--os` argument: `all` (every OS family, in [`OsFamily::ALL`] order; `cloud`
    /// is not an OS and is asked for by name), `seed` (the seed's six families) or a
    /// comma-separated list of target names. Unknown names are all reported.
    pub fn resolve(selection: &str) -> Result<Vec<Target>, Errors> {
        let mut targets = Vec::new();
        let mut errors = Vec::new();
        for name in selection.split(',').map(str::trim) {
            match name {
                "all" => targets.extend(Target::families().filter(|t| t.family().is_os())),
                "seed" => targets
                    .extend(Target::families().filter(|t| OsFamily::SEED.contains(&t.family()))),
                name => match Target::parse(name) {
                    Ok(target) => targets.push(target),
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

    /// The RHEL family's way of carrying secondaries on this target.
    pub fn ifcfg_style(self) -> IfcfgStyle {
        self.spec.ifcfg_style
    }

    pub(crate) fn default_route(self) -> DefaultRoute {
        self.spec.default_route
    }

    /// The commands that make a new configuration take effect on this target.
    pub fn restart(self) -> Vec<Command> {
        // The same few command lists for every plan: build (and quote) each once.
        static BUILT: [OnceLock<Vec<Command>>; 9] = [const { OnceLock::new() }; 9];
        let kind = self.spec.restart;
        BUILT[kind as usize]
            .get_or_init(|| restart_commands(kind))
            .clone()
    }
}

fn restart_commands(kind: Restart) -> Vec<Command> {
    {
        let posix = |argv: &[&str], purpose: &str| Command::posix(argv.to_vec(), purpose);
        match kind {
            Restart::Nothing | Restart::WindowsNothing => Vec::new(),
            Restart::SystemctlNetwork => vec![posix(
                &["systemctl", "restart", "network"],
                "restart the network service so it reads the new files (or: service network restart)",
            )],
            Restart::ServiceNetwork => vec![posix(
                &["service", "network", "restart"],
                "restart the network service so it reads the new files (SysV init)",
            )],
            Restart::SystemctlNetworkManager => vec![posix(
                &["systemctl", "restart", "NetworkManager"],
                "restart NetworkManager so it re-reads the ifcfg files (or reboot)",
            )],
            Restart::NetplanApply => vec![posix(
                &["netplan", "apply"],
                "render the netplan YAML for the backend and apply it",
            )],
            Restart::SystemctlNetworking => vec![posix(
                &["systemctl", "restart", "networking"],
                "restart ifupdown's networking service so it brings up the new stanzas (or reboot)",
            )],
            Restart::NetworkctlReload => vec![posix(
                &["networkctl", "reload"],
                "make systemd-networkd re-read its .network files and reconfigure the links they \
                 match (systemd 244 and later)",
            )],
            Restart::IfdownIfup => vec![
                posix(
                    &["ifdown", "--exclude=lo", "-a"],
                    "take the interfaces down (upstart has no working `restart networking`)",
                ),
                posix(
                    &["ifup", "--exclude=lo", "-a"],
                    "bring every `auto` interface and alias up from the new file",
                ),
            ],
        }
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
        let distro = match name.as_str() {
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
            "ubuntu" => "ubuntu",
            "debian" | "debian gnu/linux" => "debian",
            "sles" | "sles sap" | "suse" | "suse linux enterprise server" => "sles",
            "opensuse" | "opensuse leap" | "opensuse leap micro" => "opensuse",
            windows if windows.contains("windows") => "windows",
            _ => "",
        };
        let mut parts = version.trim().split(['.', ' ', '-']);
        let major = parts.next().unwrap_or_default();
        let candidate = match distro {
            "ubuntu" => format!("ubuntu-{major}.{}", parts.next().unwrap_or("04")),
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
        };
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
