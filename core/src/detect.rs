//! `--os auto`: the target for the network stack a host runs, decided from evidence gathered
//! under its root (the host layer gathers it; this module only decides). The distribution's
//! default (os-release) is where it starts; what the host holds overrides it: a Debian 12 host
//! whose `/etc/network/interfaces` configures eth0 and whose netplan directory is empty runs
//! ifupdown, whatever Debian 12 ships by default.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Errors};
use crate::os_family::{IfcfgReader, OsFamily};
use crate::read::HostFiles;
use crate::target::Target;

/// What a host shows of its network stack, as data — also what `eniplan snapshot` prints, so a
/// host can be rendered for elsewhere (an Ansible controller) with nothing of eniplan left on
/// it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// The text of its os-release file, when it has one.
    pub os_release: Option<String>,
    /// The distribution and version as a configuration tool's facts name them
    /// (`("CentOS", "7.9.2009")`, Ansible's `ansible_distribution`), used when there is no
    /// os-release text.
    pub distribution: Option<(String, String)>,
    /// Its configuration files by absolute path (the readers' directories of every family).
    pub files: HostFiles,
    /// The systemd units enabled (the names of the symlinks in `/etc/systemd/system/*.wants/`),
    /// with, for an alias, the unit it stands for (`network.service` → `wicked.service`).
    pub enabled: Vec<(String, Option<String>)>,
}

/// The stack `auto` chose, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// The target.
    #[serde(serialize_with = "target_name")]
    pub target: Target,
    /// What was found, in words, each a fact about the host.
    pub evidence: Vec<String>,
}

fn target_name<S: serde::Serializer>(target: &Target, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(target.name())
}

/// A stack, as the host shows it: configuration files, an enabled service, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    Netplan,
    Ifupdown,
    NetworkManager,
    Initscripts,
    Wicked,
    Networkd,
}

impl Stack {
    fn name(self) -> &'static str {
        match self {
            Stack::Netplan => "netplan",
            Stack::Ifupdown => "ifupdown",
            Stack::NetworkManager => "NetworkManager",
            Stack::Initscripts => "initscripts",
            Stack::Wicked => "wicked",
            Stack::Networkd => "systemd-networkd",
        }
    }
}

/// What was seen of one stack.
#[derive(Default)]
struct Seen {
    files: Vec<String>,
    service: Option<String>,
}

fn configured_by(files: &HostFiles, stack: Stack) -> Vec<String> {
    let in_dir = |dir: &str, keep: &dyn Fn(&str, &str) -> bool| -> Vec<String> {
        files
            .iter()
            .filter_map(|(path, text)| {
                let name = path.strip_prefix(dir)?.strip_prefix('/')?;
                (!name.contains('/') && keep(name, text)).then(|| path.clone())
            })
            .collect()
    };
    match stack {
        Stack::Netplan => in_dir("/etc/netplan", &|name, text| {
            name.ends_with(".yaml")
                && text
                    .lines()
                    .any(|l| l.trim_start().starts_with("ethernets:"))
        }),
        Stack::Ifupdown => {
            // A stanza for an interface other than the loopback, in the main file or what it
            // sources.
            let order = crate::read::ifupdown::read_order(files, "/etc/network/interfaces");
            order
                .into_iter()
                .filter(|path| {
                    crate::read::ifupdown::blocks(&files[path]).iter().any(|block| {
                        matches!(&block.kind, crate::read::ifupdown::BlockKind::Iface { name } if name != "lo")
                    })
                })
                .collect()
        }
        Stack::NetworkManager => in_dir("/etc/NetworkManager/system-connections", &|name, _| {
            !crate::read::keyfile::ignored(name)
        }),
        Stack::Initscripts => in_dir("/etc/sysconfig/network-scripts", &|name, _| {
            name.starts_with("ifcfg-")
                && name != "ifcfg-lo"
                && !crate::read::ifcfg::ignored(name, IfcfgReader::Initscripts)
        }),
        Stack::Wicked => in_dir("/etc/sysconfig/network", &|name, _| {
            name.starts_with("ifcfg-") && name != "ifcfg-lo" && !crate::read::suse::ignored(name)
        }),
        Stack::Networkd => in_dir("/etc/systemd/network", &|name, _| {
            name.ends_with(".network")
        }),
    }
}

fn service_of(enabled: &[(String, Option<String>)], stack: Stack) -> Option<String> {
    let unit = |name: &str| {
        enabled
            .iter()
            .find(|(unit, alias)| unit == name || alias.as_deref() == Some(name))
            .map(|(unit, _)| unit.clone())
    };
    match stack {
        Stack::Netplan => None,
        Stack::Ifupdown => unit("networking.service"),
        Stack::NetworkManager => unit("NetworkManager.service"),
        // On SUSE, network.service is an alias of wicked.service.
        Stack::Initscripts => enabled
            .iter()
            .find(|(unit, alias)| {
                unit == "network.service" && alias.as_deref().is_none_or(|a| a == "network.service")
            })
            .map(|(unit, _)| unit.clone()),
        Stack::Wicked => unit("wicked.service"),
        Stack::Networkd => unit("systemd-networkd.service"),
    }
}

/// The target of the running stack. The distribution's own target when its family is the
/// stack's (`rocky-8` for ifcfg read by NetworkManager), else the stack's family target.
pub(crate) fn detect(evidence: &Evidence) -> Result<Detection, Errors> {
    let distribution = match (&evidence.os_release, &evidence.distribution) {
        (Some(text), _) => Some(Target::from_os_release(text).map_err(Errors::from)?),
        (None, Some((name, version))) => Some(crate::target::Resolved {
            target: Target::for_distribution(name, version).map_err(Errors::from)?,
            assumption: None,
        }),
        (None, None) => None,
    };
    let mut facts = Vec::new();
    if let Some(resolved) = &distribution {
        facts.push(format!(
            "os-release: {} ({}), whose default family is {}",
            resolved.target.name(),
            resolved.target.description(),
            resolved.target.family().name()
        ));
        facts.extend(resolved.assumption.clone());
    }
    let stacks = [
        Stack::Netplan,
        Stack::Ifupdown,
        Stack::NetworkManager,
        Stack::Initscripts,
        Stack::Wicked,
        Stack::Networkd,
    ];
    let seen: Vec<(Stack, Seen)> = stacks
        .iter()
        .map(|&stack| {
            (
                stack,
                Seen {
                    files: configured_by(&evidence.files, stack),
                    service: service_of(&evidence.enabled, stack),
                },
            )
        })
        .collect();
    for (stack, seen) in &seen {
        if !seen.files.is_empty() {
            facts.push(format!(
                "{} configuration: {}",
                stack.name(),
                seen.files.join(", ")
            ));
        }
        if let Some(service) = &seen.service {
            facts.push(format!("{service} is enabled"));
        }
    }
    let has = |stack: Stack| seen.iter().find(|(s, _)| *s == stack).map(|(_, seen)| seen);
    let files = |stack: Stack| has(stack).is_some_and(|seen| !seen.files.is_empty());
    let service = |stack: Stack| has(stack).is_some_and(|seen| seen.service.is_some());
    let default = distribution.as_ref().map(|resolved| resolved.target);
    let in_family = |family: OsFamily, fallback: &str| -> Target {
        match default {
            Some(target) if target.family() == family => target,
            _ => {
                Target::parse(fallback).unwrap_or_else(|_| Target::families().next().expect("one"))
            }
        }
    };

    // netplan generates the configuration of networkd or NetworkManager from its YAML: where it
    // has YAML, it is what to write.
    let mut chosen: Vec<(Stack, Target)> = Vec::new();
    if files(Stack::Netplan) {
        chosen.push((Stack::Netplan, in_family(OsFamily::Netplan, "netplan")));
    }
    if files(Stack::Ifupdown) && (service(Stack::Ifupdown) || !service(Stack::NetworkManager)) {
        chosen.push((Stack::Ifupdown, in_family(OsFamily::Ifupdown, "ifupdown")));
    }
    if files(Stack::Wicked) || service(Stack::Wicked) {
        chosen.push((Stack::Wicked, in_family(OsFamily::Suse, "suse")));
    }
    let ifcfg = files(Stack::Initscripts);
    if service(Stack::NetworkManager) || files(Stack::NetworkManager) {
        // NetworkManager reads ifcfg files on releases whose target says so (ifcfg-rh).
        let target = match default {
            Some(target)
                if ifcfg
                    && target.family() == OsFamily::Rhel
                    && target.ifcfg_reader() == IfcfgReader::NetworkManager =>
            {
                target
            }
            _ if ifcfg && !files(Stack::NetworkManager) => {
                Target::parse("rocky-8").unwrap_or_else(|_| in_family(OsFamily::Keyfile, "keyfile"))
            }
            _ => in_family(OsFamily::Keyfile, "keyfile"),
        };
        // netplan with the NetworkManager renderer writes its profiles itself.
        if !files(Stack::Netplan) {
            chosen.push((Stack::NetworkManager, target));
        }
    } else if ifcfg || service(Stack::Initscripts) {
        let target = match default {
            Some(target) if target.family() == OsFamily::Rhel => target,
            _ => in_family(OsFamily::Rhel, "rhel"),
        };
        chosen.push((Stack::Initscripts, target));
    }
    if (files(Stack::Networkd) || service(Stack::Networkd)) && !files(Stack::Netplan) {
        // netplan's own output lives in /run; a .network file in /etc is networkd's own.
        if files(Stack::Networkd) || chosen.is_empty() {
            chosen.push((Stack::Networkd, in_family(OsFamily::Networkd, "networkd")));
        }
    }
    match chosen.as_slice() {
        [] => match default {
            Some(target) => {
                facts.push(format!(
                    "no network configuration and no network service found: the \
                     distribution's default, {}",
                    target.name()
                ));
                Ok(Detection {
                    target,
                    evidence: facts,
                })
            }
            None => Err(Error::Missing {
                field: "os".into(),
                hint: "`auto` found no os-release file and no network configuration under the \
                       root; pass --os (`eniplan targets` lists the names)"
                    .into(),
            }
            .into()),
        },
        [(stack, target)] => {
            facts.push(format!(
                "the running stack is {}: {}",
                stack.name(),
                target.name()
            ));
            Ok(Detection {
                target: *target,
                evidence: facts,
            })
        }
        several => Err(Error::Contradiction {
            field: "os".into(),
            value: format!(
                "auto: {}",
                several
                    .iter()
                    .map(|(stack, target)| format!("{} ({})", stack.name(), target.name()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            other: format!("each other — {}; pass --os", facts.join("; ")),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(os: &str, files: &[(&str, &str)], enabled: &[&str]) -> Evidence {
        Evidence {
            os_release: Some(os.into()),
            files: files
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .collect(),
            enabled: enabled
                .iter()
                .map(|unit| (unit.to_string(), None))
                .collect(),
            distribution: None,
        }
    }

    const DEBIAN_12: &str = "ID=debian\nVERSION_ID=\"12\"\n";

    #[test]
    fn a_debian_12_host_running_ifupdown_is_ifupdown() {
        let found = detect(&evidence(
            DEBIAN_12,
            &[(
                "/etc/network/interfaces",
                "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\n",
            )],
            &["networking.service"],
        ))
        .expect("detected");
        assert_eq!(found.target.name(), "ifupdown");
        assert!(found
            .evidence
            .iter()
            .any(|fact| fact.contains("networking.service is enabled")));
    }

    #[test]
    fn a_debian_12_host_with_netplan_is_debian_12() {
        let found = detect(&evidence(
            DEBIAN_12,
            &[
                (
                    "/etc/netplan/50-cloud-init.yaml",
                    "network:\n  ethernets:\n    eth0: {dhcp4: true}\n",
                ),
                (
                    "/etc/network/interfaces",
                    "auto lo\niface lo inet loopback\n",
                ),
            ],
            &["systemd-networkd.service"],
        ))
        .expect("detected");
        assert_eq!(found.target.name(), "debian-12");
    }

    #[test]
    fn contradicting_stacks_are_an_error_listing_them() {
        let error = detect(&evidence(
            DEBIAN_12,
            &[
                (
                    "/etc/netplan/50-cloud-init.yaml",
                    "network:\n  ethernets:\n    eth0: {dhcp4: true}\n",
                ),
                (
                    "/etc/network/interfaces",
                    "auto eth1\niface eth1 inet dhcp\n",
                ),
            ],
            &["networking.service"],
        ))
        .expect_err("two stacks");
        let text = error.to_string();
        assert!(
            text.contains("netplan (debian-12) and ifupdown (ifupdown)"),
            "{text}"
        );
        assert!(text.contains("networking.service is enabled"), "{text}");
    }

    #[test]
    fn rhel_8_with_ifcfg_under_networkmanager_keeps_its_target() {
        let found = detect(&evidence(
            "ID=\"rocky\"\nVERSION_ID=\"8.9\"\n",
            &[(
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "BOOTPROTO=dhcp\n",
            )],
            &["NetworkManager.service"],
        ))
        .expect("detected");
        assert_eq!(found.target.name(), "rocky-8");
        let found = detect(&evidence(
            "ID=\"centos\"\nVERSION_ID=\"7\"\n",
            &[(
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "BOOTPROTO=dhcp\n",
            )],
            &["network.service"],
        ))
        .expect("detected");
        assert_eq!(found.target.name(), "centos-7");
    }

    #[test]
    fn suse_network_service_is_wicked() {
        let mut found = evidence(
            "ID=\"sles\"\nVERSION_ID=\"15.5\"\n",
            &[("/etc/sysconfig/network/ifcfg-eth0", "BOOTPROTO=dhcp\n")],
            &[],
        );
        found
            .enabled
            .push(("network.service".into(), Some("wicked.service".into())));
        assert_eq!(detect(&found).expect("detected").target.name(), "sles-15");
    }

    #[test]
    fn nothing_found_is_the_distributions_default() {
        let found = detect(&evidence(DEBIAN_12, &[], &[])).expect("detected");
        assert_eq!(found.target.name(), "debian-12");
        assert!(detect(&Evidence::default()).is_err());
    }
}
