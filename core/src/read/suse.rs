//! SUSE (wicked) ifcfg files read back (ifcfg(5), routes(5)): `/etc/sysconfig/network/ifcfg-<if>`
//! with `IPADDR`/`IPADDR_x`, `NETMASK_x`/`PREFIXLEN_x` or an `/len` suffix and `LABEL_x`, the
//! default routes in `routes` and `ifroute-<if>`, and the DNS servers of
//! `NETCONFIG_DNS_STATIC_SERVERS` in `config` when that file is given.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::ifcfg::assignment;
use super::{lines, Found, FoundAddress, FoundRoute, HostFiles, Notes, Reading, Unread};
use crate::error::{Error, Errors};

pub(super) const DIR: &str = "/etc/sysconfig/network";

/// Whether wicked skips the file `name`: compat-suse.c's `ni_suse_ifcfg_valid_suffix`
/// blacklist (`~ .old .bak .orig .scpmbackup .rpmnew .rpmsave .rpmorig`).
pub(crate) fn ignored(name: &str) -> bool {
    [
        "~",
        ".old",
        ".bak",
        ".orig",
        ".scpmbackup",
        ".rpmnew",
        ".rpmsave",
        ".rpmorig",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    files
        .keys()
        .filter_map(|path| path.strip_prefix(DIR)?.strip_prefix("/ifcfg-"))
        .filter(|name| *name != "lo" && !name.contains('/'))
        .map(str::to_string)
        .collect()
}

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let path = format!("{DIR}/ifcfg-{interface}");
    let text = files.get(&path).ok_or_else(|| {
        Errors::from(Error::Missing {
            field: "interface".into(),
            hint: format!("no {path}"),
        })
    })?;
    let mut unread = Vec::new();
    let mut warnings = Vec::new();
    let mut vars: BTreeMap<String, (usize, String, String)> = BTreeMap::new();
    {
        let mut notes = Notes {
            file: &path,
            unread: &mut unread,
        };
        for (number, line) in lines(text) {
            match assignment(line) {
                Some((key, value)) => {
                    vars.insert(key.to_string(), (number, value, line.to_string()));
                }
                None => notes.skip(number, line, "not a plain KEY=value assignment"),
            }
        }
    }
    let at = |line: usize| format!("{path}:{line}");
    let mut found = Found::default();
    let bootproto = vars
        .remove("BOOTPROTO")
        .map(|(_, v, _)| v.to_ascii_lowercase())
        .unwrap_or_else(|| "static".into());
    // wicked (compat-suse.c): dhcp and dhcp4 ask DHCPv4, dhcp6 and auto6 do not; none means no
    // address at all, so IPADDR_x of such a file configures nothing.
    found.dhcp4 = matches!(bootproto.as_str(), "dhcp" | "dhcp4" | "dhcp+autoip");
    let no_address = bootproto == "none";
    found.mac = vars
        .remove("LLADDR")
        .map(|(_, v, _)| v.to_lowercase())
        .filter(|m| !m.is_empty());
    // A port of a bond or a bridge takes no address of its own: another ifcfg lists it.
    if let Some(owner) = port_of(files, interface) {
        warnings.push(format!(
            "{interface} is a port of {owner}: a plan configures an ENI's own NIC, not a port"
        ));
    }
    // Addresses in suffix order, the unsuffixed IPADDR first.
    let mut suffixes: Vec<String> = vars
        .keys()
        .filter_map(|k| k.strip_prefix("IPADDR"))
        .map(str::to_string)
        .collect();
    suffixes.sort_by_key(|s| {
        (
            !s.is_empty(),
            s.trim_start_matches('_').parse::<u64>().unwrap_or(u64::MAX),
            s.clone(),
        )
    });
    for suffix in suffixes {
        let Some((line, value, text)) = vars.remove(&format!("IPADDR{suffix}")) else {
            continue;
        };
        let netmask = vars.remove(&format!("NETMASK{suffix}")).map(|(_, v, _)| v);
        let length = vars
            .remove(&format!("PREFIXLEN{suffix}"))
            .map(|(_, v, _)| v);
        vars.remove(&format!("LABEL{suffix}"));
        if value.is_empty() {
            continue;
        }
        if no_address {
            unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: "BOOTPROTO=none: wicked configures no address on the interface".into(),
            });
            continue;
        }
        // The prefix: `/len` with the address, else PREFIXLEN_x, else NETMASK_x, else the
        // whole address (wicked's compat-suse.c).
        let parsed = |full: u8| -> Option<Option<u8>> {
            let (_, written) = crate::net::split_cidr(&value);
            Some(match written {
                Some(written) => Some(written.parse().ok().filter(|p| *p <= full)?),
                None => length
                    .as_deref()
                    .and_then(|l| l.parse().ok())
                    .or_else(|| netmask.as_deref().and_then(crate::net::netmask_prefix))
                    .or(Some(full)),
            })
        };
        let (address, _) = crate::net::split_cidr(&value);
        if let (Ok(address), Some(prefix)) = (address.parse::<Ipv4Addr>(), parsed(32)) {
            found.ipv4.push(FoundAddress {
                address,
                prefix,
                at: at(line),
            });
        } else if let (Ok(address), Some(prefix)) =
            (address.parse::<std::net::Ipv6Addr>(), parsed(128))
        {
            found.ipv6.push(FoundAddress {
                address,
                prefix,
                at: at(line),
            });
        } else {
            unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: format!("`{value}` is not an address"),
            });
        }
    }
    // The networks of the interface's addresses: a `-` line of `routes` whose gateway lies in
    // one of them is this interface's (ifroute(5)).
    let networks: Vec<ipnet::IpNet> = found
        .ipv4
        .iter()
        .filter_map(|a| {
            ipnet::Ipv4Net::new(a.address, a.prefix?)
                .ok()
                .map(ipnet::IpNet::V4)
        })
        .chain(found.ipv6.iter().filter_map(|a| {
            ipnet::Ipv6Net::new(a.address, a.prefix?)
                .ok()
                .map(ipnet::IpNet::V6)
        }))
        .collect();
    for (key, (line, value, text)) in vars {
        let implied = match key.as_str() {
            "STARTMODE" => value == "auto",
            "USERCONTROL" | "NAME" | "ETHTOOL_OPTIONS" | "DHCLIENT_SET_DEFAULT_ROUTE" => true,
            _ => false,
        };
        if !implied {
            unread.push(Unread {
                file: path.clone(),
                line,
                text,
                reason: format!("{key} is not part of a plan"),
            });
        }
    }
    // Default routes: `routes` lines for this interface or for any (`-`), then `ifroute-<if>`.
    let mut own = vec![path.clone()];
    for file in [
        format!("{DIR}/routes"),
        format!("{DIR}/ifroute-{interface}"),
    ] {
        let Some(text) = files.get(&file) else {
            continue;
        };
        let per_interface = file.ends_with(&format!("ifroute-{interface}"));
        if per_interface {
            own.push(file.clone());
        }
        let mut notes = Notes {
            file: &file,
            unread: &mut unread,
        };
        for (number, line) in lines(text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let device = words.get(3).copied().unwrap_or("-");
            let gateway = words
                .get(1)
                .and_then(|gateway| gateway.parse::<std::net::IpAddr>().ok());
            let reaches =
                gateway.is_some_and(|gateway| networks.iter().any(|net| net.contains(&gateway)));
            if !per_interface && device != interface && !(device == "-" && reaches) {
                continue; // another interface's route
            }
            let table = match words.get(4..) {
                Some(["table", table]) => table.parse::<u32>().ok(),
                _ => None,
            };
            let metric = words
                .iter()
                .position(|w| matches!(*w, "metric" | "preference" | "pref"))
                .and_then(|i| words.get(i + 1))
                .and_then(|m| m.parse::<u32>().ok());
            let here = format!("{file}:{number}");
            match (words.first().copied(), gateway, table) {
                (Some("default"), Some(std::net::IpAddr::V6(via)), None) => {
                    found.gateways6.push(FoundRoute {
                        via,
                        metric,
                        at: here,
                    })
                }
                (Some("default"), Some(std::net::IpAddr::V4(via)), None) => {
                    found.gateways4.push(FoundRoute {
                        via,
                        metric,
                        at: here,
                    })
                }
                // The ENI's own table (eniplan's ifroute-<if>): its default gives the gateway.
                (Some("default"), Some(std::net::IpAddr::V4(via)), Some(table))
                    if per_interface =>
                {
                    found.table = Some(table);
                    found.gateways4.insert(
                        0,
                        FoundRoute {
                            via,
                            metric: None,
                            at: here,
                        },
                    );
                }
                (Some(destination), None, Some(_))
                    if per_interface && destination.contains('/') => {}
                _ if per_interface => {
                    notes.skip(number, line, "a route that is not part of a plan")
                }
                _ => {}
            }
        }
    }
    let rule_path = format!("{DIR}/ifrule-{interface}");
    if let Some(text) = files.get(&rule_path) {
        own.push(rule_path.clone());
        let mut notes = Notes {
            file: &rule_path,
            unread: &mut unread,
        };
        for (number, line) in lines(text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let own_rule = matches!(
                words.as_slice(),
                ["ipv4", "from", _, "table", table, "priority", _] | ["from", _, "table", table, "priority", _]
                    if table.parse::<u32>().ok() == found.table
            );
            if !own_rule {
                notes.skip(number, line, "a rule other than the ENI's per-address rule");
            }
        }
    }
    if let Some(config) = files.get(&format!("{DIR}/config")) {
        for (number, line) in lines(config) {
            if let Some(("NETCONFIG_DNS_STATIC_SERVERS", servers)) = assignment(line) {
                found.dns.clear();
                for server in servers.split_whitespace() {
                    match server.parse() {
                        Ok(server) => found.dns.push(server),
                        Err(_) => unread.push(Unread {
                            file: format!("{DIR}/config"),
                            line: number,
                            text: line.to_string(),
                            reason: format!("`{server}` is not a DNS server address"),
                        }),
                    }
                }
            }
        }
    } else {
        warnings.push(format!(
            "{DIR}/config was not given: the DNS servers are not read"
        ));
    }
    let plan = found.into_plan(&mut warnings);
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: own,
    })
}

/// The bond or bridge whose ifcfg lists `interface` as a port (`BONDING_SLAVE_x`,
/// `BRIDGE_PORTS`), if one does.
fn port_of(files: &HostFiles, interface: &str) -> Option<String> {
    files
        .iter()
        .filter_map(|(path, text)| Some((path.strip_prefix(DIR)?.strip_prefix("/ifcfg-")?, text)))
        .find_map(|(owner, text)| {
            lines(text).find_map(|(_, line)| {
                let (key, value) = assignment(line)?;
                let listed = (key.starts_with("BONDING_SLAVE") && value == interface)
                    || (key == "BRIDGE_PORTS" && value.split_whitespace().any(|p| p == interface));
                listed.then(|| owner.to_string())
            })
        })
}

/// The SUSE (wicked) ifcfg reader.
pub(crate) struct Suse;

impl super::Reader for Suse {
    fn directories(&self) -> &'static [&'static str] {
        &[DIR]
    }
    fn ignored(&self, dir: &str, name: &str, _target: crate::target::Target) -> bool {
        dir == DIR && ignored(name)
    }
    fn interfaces(&self, files: &HostFiles, _nics: &super::HostNics) -> Vec<String> {
        interfaces(files)
    }
    fn read(
        &self,
        files: &HostFiles,
        interface: &str,
        _target: crate::target::Target,
        _nics: &super::HostNics,
    ) -> Result<Reading, Errors> {
        read(files, interface)
    }
    // SUSE's DNS servers live in /etc/sysconfig/network/config, which eniplan edits with a
    // command rather than writing.
    fn not_carried(&self) -> &'static [&'static str] {
        &["connection", "dns"]
    }
}
