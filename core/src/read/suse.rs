//! SUSE (wicked) ifcfg files read back (ifcfg(5), routes(5)): `/etc/sysconfig/network/ifcfg-<if>`
//! with `IPADDR`/`IPADDR_x`, `NETMASK_x`/`PREFIXLEN_x` or an `/len` suffix and `LABEL_x`, the
//! default routes in `routes` and `ifroute-<if>`, and the DNS servers of
//! `NETCONFIG_DNS_STATIC_SERVERS` in `config` when that file is given.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::ifcfg::assignment;
use super::{lines, HostFiles, Notes, Reading, Unread};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Mode};

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
    let mut plan = EniPlan::default();
    let bootproto = vars
        .remove("BOOTPROTO")
        .map(|(_, v, _)| v)
        .unwrap_or_else(|| "static".into());
    plan.mode = Some(if bootproto.starts_with("dhcp") {
        Mode::Dhcp
    } else {
        Mode::Static
    });
    plan.mac = vars
        .remove("LLADDR")
        .map(|(_, v, _)| v.to_lowercase())
        .filter(|m| !m.is_empty());
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
    let mut v4: Vec<super::Written> = Vec::new();
    let mut v6: Vec<(String, Option<u8>)> = Vec::new();
    for suffix in suffixes {
        let Some((_, value, _)) = vars.remove(&format!("IPADDR{suffix}")) else {
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
        let (address, mut prefix) = match value.split_once('/') {
            Some((a, p)) => (a.to_string(), p.parse::<u8>().ok()),
            None => (value.clone(), None),
        };
        prefix = prefix
            .or_else(|| length.and_then(|l| l.parse().ok()))
            .or_else(|| {
                netmask
                    .and_then(|m| m.parse::<Ipv4Addr>().ok())
                    .map(|m| u32::from(m).leading_ones() as u8)
            });
        if address.contains(':') {
            v6.push((address, prefix));
        } else {
            v4.push((address, prefix));
        }
    }
    // The networks of the interface's addresses: a `-` line of `routes` whose gateway lies in
    // one of them is this interface's (ifroute(5)).
    let networks: Vec<ipnet::IpNet> = v4
        .iter()
        .chain(v6.iter())
        .filter_map(|(address, prefix)| {
            let address: std::net::IpAddr = address.parse().ok()?;
            let full = if address.is_ipv4() { 32 } else { 128 };
            ipnet::IpNet::new(address, prefix.unwrap_or(full)).ok()
        })
        .collect();
    super::place_ipv4(&mut plan, v4);
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
    let mut gateway6 = None;
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
            let reaches = words
                .get(1)
                .and_then(|gateway| gateway.parse::<std::net::IpAddr>().ok())
                .is_some_and(|gateway| networks.iter().any(|net| net.contains(&gateway)));
            if !per_interface && device != interface && !(device == "-" && reaches) {
                continue; // another interface's route
            }
            let table = match words.get(4..) {
                Some(["table", table]) => table.parse::<u32>().ok(),
                _ => None,
            };
            match (words.as_slice(), table) {
                (["default", gateway, ..], None) if gateway.contains(':') => {
                    gateway6 = Some(gateway.to_string())
                }
                (["default", gateway, ..], None) => plan.gateway = Some(gateway.to_string()),
                // The ENI's own table (eniplan's ifroute-<if>): its default gives the gateway.
                (["default", gateway, ..], Some(table)) if per_interface => {
                    plan.gateway = Some(gateway.to_string());
                    plan.route_table = Some(table);
                }
                ([destination, "-", ..], Some(_)) if per_interface && destination.contains('/') => {
                }
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
                    if table.parse::<u32>().ok() == plan.route_table
            );
            if !own_rule {
                notes.skip(number, line, "a rule other than the ENI's per-address rule");
            }
        }
    }
    if let Some(config) = files.get(&format!("{DIR}/config")) {
        for (_, line) in lines(config) {
            if let Some(("NETCONFIG_DNS_STATIC_SERVERS", servers)) = assignment(line) {
                plan.dns = servers.split_whitespace().map(str::to_string).collect();
            }
        }
    } else {
        warnings.push(format!(
            "{DIR}/config was not given: the DNS servers are not read"
        ));
    }
    plan.ipv6 = super::ipv6_part(v6, gateway6);
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: own,
    })
}
