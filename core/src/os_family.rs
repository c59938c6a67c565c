//! The OS families and the settings that choose between their variants. This module depends on
//! nothing else in the crate, so every other module may use it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of system a family configures, which decides the name rules its interface names
/// follow and whether the shared Linux steps (cloud-init file, `ip` verification) apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// A Linux distribution: Linux interface names, the cloud-init disable file, `ip` checks.
    Linux,
    /// Windows Server: adapter names, no files.
    Windows,
    /// The cloud API: names the ENI by id, configures no operating system.
    Cloud,
}

/// Declares [`OsFamily`] from one row per family, so its name, platform and place in
/// [`OsFamily::ALL`] cannot fall out of step.
macro_rules! os_families {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $platform:ident; )+) => {
        /// A way of configuring the network, shared by several distributions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum OsFamily {
            $( $(#[$doc])* $variant, )+
        }

        impl OsFamily {
            /// Every family, in a fixed order: the six of the Alibaba Cloud ECS document, then
            /// the four beyond it.
            pub const ALL: [OsFamily; [$($name),+].len()] = [$(OsFamily::$variant),+];

            /// The family's name, which is also its target name.
            pub fn name(self) -> &'static str {
                match self {
                    $( OsFamily::$variant => $name, )+
                }
            }

            /// What kind of system the family configures.
            pub fn platform(self) -> Platform {
                match self {
                    $( OsFamily::$variant => Platform::$platform, )+
                }
            }
        }
    };
}

os_families! {
    /// NetworkManager, configured with `nmcli con modify` (the ECS document's first method).
    Nmcli = "nmcli", Linux;
    /// RHEL-style `ifcfg` files under `/etc/sysconfig/network-scripts/`.
    Rhel = "rhel", Linux;
    /// netplan YAML under `/etc/netplan/`.
    Netplan = "netplan", Linux;
    /// Debian's ifupdown, `/etc/network/interfaces`.
    Ifupdown = "ifupdown", Linux;
    /// SUSE `ifcfg` files under `/etc/sysconfig/network/` (wicked).
    Suse = "suse", Linux;
    /// Windows Server, configured with `netsh`.
    Windows = "windows", Windows;
    /// A NetworkManager keyfile under `/etc/NetworkManager/system-connections/`: the native
    /// format where ifcfg is deprecated (RHEL 9, Fedora 36 and later).
    Keyfile = "keyfile", Linux;
    /// A systemd-networkd `.network` file under `/etc/systemd/network/`.
    Networkd = "networkd", Linux;
    /// Windows Server, configured with PowerShell's NetTCPIP and DnsClient cmdlets.
    Powershell = "powershell", Windows;
    /// The cloud side: the Alibaba Cloud CLI calls that assign and unassign the addresses on
    /// the ENI (the ECS document's step 1). Not an OS, so `all` leaves it out.
    Cloud = "cloud", Cloud;
}

impl OsFamily {
    /// The six families the Alibaba Cloud ECS document on secondary private IP addresses
    /// describes, in the order the `ecs-doc` selection renders them.
    pub const SEED: [OsFamily; 6] = [
        OsFamily::Nmcli,
        OsFamily::Rhel,
        OsFamily::Netplan,
        OsFamily::Ifupdown,
        OsFamily::Suse,
        OsFamily::Windows,
    ];

    /// Whether the family configures Linux (and so takes Linux interface names).
    pub fn is_linux(self) -> bool {
        self.platform() == Platform::Linux
    }

    /// Whether the family configures Windows (and so takes Windows adapter names).
    pub fn is_windows(self) -> bool {
        self.platform() == Platform::Windows
    }

    /// Whether the family configures an operating system (every family but `cloud`).
    pub fn is_os(self) -> bool {
        self.platform() != Platform::Cloud
    }
}

impl fmt::Display for OsFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the RHEL family carries secondary addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfcfgStyle {
    /// One `ifcfg-eth0:N` file per secondary, the ECS document's way; read by initscripts'
    /// `ifup-aliases`. The default for initscripts-era releases (6 and 7).
    Aliases,
    /// `IPADDRn`/`PREFIXn` in the main file: what NetworkManager's ifcfg-rh plugin writes
    /// itself, so a later `nmcli` edit keeps the addresses instead of leaving alias files
    /// behind. The default for NetworkManager-era releases (8, 9, Alibaba Cloud Linux 3,
    /// Anolis 8, Fedora).
    Indexed,
}

/// What reads a RHEL-family target's ifcfg files, which decides how some keys are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfcfgReader {
    /// initscripts' `network` service (`ifup-eth`, `ifup-aliases`, `ifup-post`): releases 6
    /// and 7, Alibaba Cloud Linux 2, Anolis 7.
    Initscripts,
    /// NetworkManager's ifcfg-rh plugin: releases 8, Alibaba Cloud Linux 3, Anolis 8,
    /// Fedora 33–35.
    NetworkManager,
}

impl IfcfgReader {
    /// The ifcfg style a target read this way gets by default: the alias files initscripts'
    /// `ifup-aliases` reads, or the `IPADDRn` keys NetworkManager writes itself.
    pub fn default_style(self) -> IfcfgStyle {
        match self {
            IfcfgReader::Initscripts => IfcfgStyle::Aliases,
            IfcfgReader::NetworkManager => IfcfgStyle::Indexed,
        }
    }
}
