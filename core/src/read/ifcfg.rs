//! RHEL-family ifcfg files read back: `ifcfg-<if>` (with `IPADDRn`/`PREFIXn`/`NETMASKn`), the
//! alias files `ifcfg-<if>:<n>`, and `route-<if>`/`rule-<if>` in `ip route`/`ip rule` syntax,
//! as initscripts' ifup-eth and NetworkManager's ifcfg-rh plugin read them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::{
    lines, parse_cidr, Found, FoundAddress, FoundRoute, HostFiles, Notes, Reading, Unread,
};
use crate::error::{Error, Errors};
use crate::os_family::IfcfgStyle;
use crate::target::Target;

pub(super) const DIR: &str = "/etc/sysconfig/network-scripts";

/// The global file of the network service: its `GATEWAY`, `GATEWAYDEV`, `IPV6INIT` and
/// `IPV6_DEFAULTGW` apply to every interface that does not set its own.
pub(super) const NETWORK: &str = "/etc/sysconfig/network";

/// Whether the tool that reads `target`'s ifcfg files skips the file `name`: initscripts'
/// `is_ignored_file` (etc/rc.d/init.d/functions: `*~ *.bak *.old *.orig *.rpmnew *.rpmorig
/// *.rpmsave`), or NetworkManager's ifcfg-rh `utils_should_ignore_file`
/// (nms-ifcfg-rh-utils.c: `.bak ~ .orig .rej .rpmnew .augnew .augtmp`, case-insensitive, and
/// rpm's `;xxxxxxxx` temporary files).
pub(crate) fn ignored(name: &str, reader: crate::os_family::IfcfgReader) -> bool {
    let lower = name.to_ascii_lowercase();
    match reader {
        crate::os_family::IfcfgReader::Initscripts => {
            name.ends_with('~')
                || [".bak", ".old", ".orig", ".rpmnew", ".rpmorig", ".rpmsave"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
        }
        crate::os_family::IfcfgReader::NetworkManager => {
            let rpm_temporary = name.rsplit_once(';').is_some_and(|(_, tail)| {
                tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_hexdigit())
            });
            lower.ends_with('~')
                || rpm_temporary
                || [".bak", ".orig", ".rej", ".rpmnew", ".augnew", ".augtmp"]
                    .iter()
                    .any(|suffix| lower.len() > suffix.len() && lower.ends_with(suffix))
        }
    }
}

/// The interfaces that have an `ifcfg-<if>` file (loopback aside).
pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    files
        .keys()
        .filter_map(|path| path.strip_prefix(DIR)?.strip_prefix("/ifcfg-"))
        .filter(|name| !name.contains(':') && *name != "lo")
        .map(str::to_string)
        .collect()
}

/// One `KEY=value` line, its value unquoted as the shell reads it; `None` when the line is
/// not an assignment the shell would make without running anything.
pub(crate) fn assignment(line: &str) -> Option<(&str, String)> {
    let line = line.trim();
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, raw) = line.split_once('=')?;
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut value = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    '$' | '`' => return None,
                    other => value.push(other),
                }
            },
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    other => value.push(other),
                }
            },
            c if c.is_whitespace() => {
                // What follows must be nothing or a comment, or the shell would run it.
                let rest: String = chars.collect();
                let rest = rest.trim_start();
                return (rest.is_empty() || rest.starts_with('#')).then_some((key, value));
            }
            '$' | '`' | ';' | '|' | '&' | '<' | '>' | '(' | ')' => return None,
            '\\' => value.push(chars.next()?),
            other => value.push(other),
        }
    }
    Some((key, value))
}

/// The assignments of one file, with their line numbers; every other line is unread.
fn variables(
    path: &str,
    text: &str,
    unread: &mut Vec<Unread>,
) -> BTreeMap<String, (usize, String, String)> {
    let mut notes = Notes { file: path, unread };
    let mut variables = BTreeMap::new();
    for (number, line) in lines(text) {
        match assignment(line) {
            Some((key, value)) => {
                if let Some((first, _, _)) =
                    variables.insert(key.to_string(), (number, value, line.to_string()))
                {
                    notes.skip(
                        first,
                        line,
                        format!("{key} is set again on line {number}; the later value counts"),
                    );
                }
            }
            None => notes.skip(number, line, "not a plain KEY=value assignment"),
        }
    }
    variables
}

/// Keys the reader understands without their being part of the plan, with the values that
/// mean what eniplan's plan implies; any other value is reported.
fn implied(key: &str, value: &str) -> Option<bool> {
    Some(match key {
        "TYPE" => value.eq_ignore_ascii_case("ethernet"),
        "ONBOOT" => value == "yes",
        "NM_CONTROLLED"
        | "USERCTL"
        | "PEERDNS"
        | "IPV6INIT"
        | "IPV6_AUTOCONF"
        | "DEFROUTE"
        | "PERSISTENT_DHCLIENT"
        | "UUID"
        | "PROXY_METHOD"
        | "BROWSER_ONLY"
        | "IPV4_FAILURE_FATAL"
        | "IPV6_FAILURE_FATAL"
        | "IPV6_DEFROUTE"
        | "IPV6_ADDR_GEN_MODE"
        | "DHCPV6C" => true,
        // cloud-init's sysconfig renderer writes it; RA stays off, as in eniplan's files.
        "IPV6_FORCE_ACCEPT_RA" => value == "no",
        _ => return None,
    })
}

/// The NetworkManager-style boolean of an ifcfg value (`svGetValueBoolean`: yes, true, t, y,
/// 1 in any case).
fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "yes" | "true" | "t" | "y" | "1"
    )
}

/// What NetworkManager refuses: the whole profile, so nothing of the file is read.
fn refused(path: &str, key: &str, value: &str, what: &str) -> Errors {
    Error::Syntax {
        field: path.to_string(),
        message: format!(
            "{key}=`{}` is not {what}: NetworkManager's ifcfg-rh reader refuses the whole file, so \
             nothing of it is read",
            crate::error::shown(value)
        ),
    }
    .into()
}

pub(super) fn read(files: &HostFiles, interface: &str, target: Target) -> Result<Reading, Errors> {
    let main_path = format!("{DIR}/ifcfg-{interface}");
    let main = files.get(&main_path).ok_or_else(|| {
        Errors::from(Error::Missing {
            field: "interface".into(),
            hint: format!("no {main_path}"),
        })
    })?;
    let mut unread = Vec::new();
    let mut warnings = Vec::new();
    let mut vars = variables(&main_path, main, &mut unread);
    // An empty value is no value to ifcfg-rh (svGetValueStr): `IPADDR=` sets nothing.
    vars.retain(|_, (_, value, _)| !value.is_empty());
    let network = files
        .get(NETWORK)
        .map(|text| variables(NETWORK, text, &mut Vec::new()))
        .unwrap_or_default();
    let at = |line: usize| format!("{main_path}:{line}");
    let mut found = Found::default();

    if let Some((line, device, text)) = vars.remove("DEVICE") {
        if device != interface {
            unread.push(Unread {
                file: main_path.clone(),
                line,
                text,
                reason: format!("DEVICE names {device}, not the file's {interface}"),
            });
        }
    }
    let bootproto = vars
        .remove("BOOTPROTO")
        .map(|(_, v, _)| v.to_ascii_lowercase())
        .unwrap_or_else(|| "none".into());
    found.dhcp4 = matches!(bootproto.as_str(), "dhcp" | "bootp");
    if !matches!(
        bootproto.as_str(),
        "static" | "none" | "" | "dhcp" | "bootp"
    ) {
        warnings.push(format!("BOOTPROTO={bootproto} is read as static"));
    }
    found.mac = vars
        .remove("HWADDR")
        .or_else(|| vars.remove("MACADDR"))
        .map(|(_, v, _)| v.to_lowercase());
    found.connection = vars.remove("NAME").map(|(_, v, _)| v);

    // The addresses as NetworkManager's ifcfg-rh reads them (nms-ifcfg-rh-reader.c,
    // make_ip4_setting and read_full_ip4_address): IPADDR, then IPADDR0, IPADDR1, IPADDR2, …
    // up to the first missing one after IPADDR2; each with PREFIXn, else NETMASKn, else its
    // class's default; the gateway is the first GATEWAYn beside an IPADDRn that has one.
    let mut gateway: Option<FoundRoute<Ipv4Addr>> = None;
    let mut indexed = false;
    for index in -1_i64.. {
        let suffix = if index < 0 {
            String::new()
        } else {
            index.to_string()
        };
        let Some((line, value, _)) = vars.remove(&format!("IPADDR{suffix}")) else {
            if index > 1 {
                break;
            }
            continue;
        };
        indexed |= index >= 0;
        let address: Ipv4Addr = value.parse().map_err(|_| {
            refused(
                &main_path,
                &format!("IPADDR{suffix}"),
                &value,
                "an IPv4 address",
            )
        })?;
        let prefix = match (
            vars.remove(&format!("PREFIX{suffix}")),
            vars.remove(&format!("NETMASK{suffix}")),
        ) {
            (Some((_, prefix, _)), _) => Some(
                prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 32)
                    .ok_or_else(|| {
                        refused(
                            &main_path,
                            &format!("PREFIX{suffix}"),
                            &prefix,
                            "a prefix length",
                        )
                    })?,
            ),
            (None, Some((_, mask, _))) => {
                Some(crate::net::netmask_prefix(&mask).ok_or_else(|| {
                    refused(&main_path, &format!("NETMASK{suffix}"), &mask, "a netmask")
                })?)
            }
            (None, None) => {
                let prefix = crate::net::class_prefix(address);
                warnings.push(format!(
                    "IPADDR{suffix}={address} has no PREFIX{suffix} or NETMASK{suffix}: \
                     NetworkManager gives it its class's prefix, /{prefix}"
                ));
                Some(prefix)
            }
        };
        if let Some((gateway_line, via, _)) = vars.remove(&format!("GATEWAY{suffix}")) {
            let via: Ipv4Addr = via.parse().map_err(|_| {
                refused(
                    &main_path,
                    &format!("GATEWAY{suffix}"),
                    &via,
                    "an IPv4 address",
                )
            })?;
            gateway.get_or_insert(FoundRoute {
                via,
                metric: None,
                at: at(gateway_line),
            });
        }
        found.ipv4.push(FoundAddress {
            address,
            prefix,
            at: at(line),
        });
    }
    if gateway.is_none() && !found.ipv4.is_empty() {
        if let Some((line, via, _)) = network.get("GATEWAY") {
            if let Ok(via) = via.parse::<Ipv4Addr>() {
                gateway = Some(FoundRoute {
                    via,
                    metric: None,
                    at: format!("{NETWORK}:{line}"),
                });
            }
        }
    }
    // DEFROUTE=no, or a GATEWAYDEV in /etc/sysconfig/network naming another device, keeps the
    // gateway out of the default route (ifcfg-rh: never-default).
    let defroute = vars.remove("DEFROUTE");
    let never_default = match (network.get("GATEWAYDEV"), &defroute) {
        (Some((_, device, _)), _) => device != interface,
        (None, Some((_, value, _))) => !truthy(value),
        (None, None) => false,
    };
    if let (true, Some(route)) = (never_default, &gateway) {
        warnings.push(format!(
            "the gateway {} ({}) makes no default route: DEFROUTE=no or /etc/sysconfig/network's \
             GATEWAYDEV keeps it out",
            route.via, route.at
        ));
        gateway = None;
    }
    found.gateways4.extend(gateway);

    let mut dns = Vec::new();
    for n in 1.. {
        let Some((_, server, _)) = vars.remove(&format!("DNS{n}")) else {
            break;
        };
        let server: std::net::IpAddr = server.parse().map_err(|_| {
            refused(
                &main_path,
                &format!("DNS{n}"),
                &server,
                "a DNS server address",
            )
        })?;
        dns.push(server);
    }
    found.dns = dns;

    let ipv6init = vars
        .remove("IPV6INIT")
        .map(|(_, v, _)| v)
        .or_else(|| network.get("IPV6INIT").map(|(_, v, _)| v.clone()))
        .is_some_and(|value| truthy(&value));
    let disabled = vars
        .remove("IPV6_DISABLED")
        .is_some_and(|(_, value, _)| truthy(&value));
    let addresses6: Vec<(usize, String)> = ["IPV6ADDR", "IPV6ADDR_SECONDARIES"]
        .iter()
        .filter_map(|key| vars.remove(*key))
        .flat_map(|(line, value, _)| {
            value
                .split_whitespace()
                .map(|item| (line, item.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    let gateway6 = vars.remove("IPV6_DEFAULTGW");
    let defroute6 = vars.remove("IPV6_DEFROUTE");
    if ipv6init && !disabled {
        for (line, item) in addresses6 {
            // An address without a prefix is a /64 (ifcfg-rh).
            let (address, prefix) = parse_cidr::<std::net::Ipv6Addr>(&item, 128)
                .ok_or_else(|| refused(&main_path, "IPV6ADDR", &item, "an IPv6 address"))?;
            found.ipv6.push(FoundAddress {
                address,
                prefix: Some(prefix.unwrap_or(64)),
                at: at(line),
            });
        }
        let gateway6 = gateway6.or_else(|| network.get("IPV6_DEFAULTGW").cloned());
        if let Some((line, via, _)) = gateway6 {
            let via = via.split('%').next().unwrap_or_default();
            if let Ok(via) = via.parse() {
                if defroute6.is_none_or(|(_, value, _)| truthy(&value)) {
                    found.gateways6.push(FoundRoute {
                        via,
                        metric: None,
                        at: at(line),
                    });
                }
            }
        }
    } else if let Some((line, item)) = addresses6.first() {
        unread.push(Unread {
            file: main_path.clone(),
            line: *line,
            text: item.clone(),
            reason: "an IPv6 address NetworkManager does not read: IPV6INIT is not yes".into(),
        });
    }
    for (key, (line, value, text)) in vars {
        let numbered = ["IPADDR", "PREFIX", "NETMASK", "GATEWAY", "DNS"]
            .iter()
            .any(|stem| {
                key.strip_prefix(stem)
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            });
        let reason = match implied(&key, &value) {
            Some(true) => continue,
            Some(false) => {
                format!("{key}={value} has no place in a plan (eniplan writes the opposite)")
            }
            None if key == "GATEWAY" => "GATEWAY is read beside IPADDR only (NetworkManager's \
                 ifcfg-rh), and this file has none"
                .to_string(),
            None if numbered => format!(
                "{key} is not read: NetworkManager reads IPADDR, IPADDR0, IPADDR1, IPADDR2, … \
                 up to the first one missing, each with its own PREFIX, NETMASK and GATEWAY"
            ),
            None => format!("{key} is not part of a plan"),
        };
        unread.push(Unread {
            file: main_path.clone(),
            line,
            text,
            reason,
        });
    }

    // Alias files, in the order of their numbers: NetworkManager reads one only when its DEVICE
    // names it (nms-ifcfg-rh-reader.c: "alias file has invalid DEVICE … for filename").
    let mut aliases: Vec<(u64, String, String)> = Vec::new();
    let alias_prefix = format!("{DIR}/ifcfg-{interface}:");
    for (path, text) in files.range(alias_prefix.clone()..) {
        let Some(label) = path.strip_prefix(&alias_prefix) else {
            break;
        };
        let order = label.parse::<u64>().unwrap_or(u64::MAX);
        aliases.push((order, path.clone(), text.clone()));
    }
    aliases.sort();
    let base_prefix = found.ipv4.first().and_then(|a| a.prefix);
    let in_main = found.ipv4.len();
    let mut read_aliases = Vec::new();
    for (_, path, text) in &aliases {
        let label = &path[alias_prefix.len()..];
        let mut vars = variables(path, text, &mut unread);
        let device = vars.remove("DEVICE").map(|(_, v, _)| v);
        let expected = format!("{interface}:{label}");
        let valid_label = !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if device.as_deref() != Some(expected.as_str()) || !valid_label {
            unread.push(Unread {
                file: path.clone(),
                line: 1,
                text: String::new(),
                reason: match device {
                    None => format!(
                        "an alias file without DEVICE: NetworkManager skips it (initscripts' \
                         ifup-aliases would take {expected} from the file name)"
                    ),
                    Some(device) => {
                        format!("its DEVICE is {device}, not {expected}: NetworkManager skips it")
                    }
                },
            });
            continue;
        }
        vars.remove("BOOTPROTO");
        let prefix = match (vars.remove("PREFIX"), vars.remove("NETMASK")) {
            (Some((_, p, _)), _) => p.parse().ok().filter(|p: &u8| *p <= 32),
            (None, Some((_, mask, _))) => crate::net::netmask_prefix(&mask),
            (None, None) => base_prefix,
        };
        match vars.remove("IPADDR") {
            Some((line, address, text)) => match address.parse::<Ipv4Addr>() {
                Ok(address) => {
                    found.ipv4.push(FoundAddress {
                        address,
                        prefix,
                        at: format!("{path}:{line}"),
                    });
                }
                Err(_) => unread.push(Unread {
                    file: path.clone(),
                    line,
                    text,
                    reason: "not an IPv4 address: NetworkManager skips the alias".into(),
                }),
            },
            None => unread.push(Unread {
                file: path.clone(),
                line: 1,
                text: String::new(),
                reason: "an alias file without IPADDR".into(),
            }),
        }
        for (key, (line, value, text)) in vars {
            if implied(&key, &value) != Some(true) {
                unread.push(Unread {
                    file: path.clone(),
                    line,
                    text,
                    reason: format!("{key} is not part of a plan"),
                });
            }
        }
        read_aliases.push(path.clone());
    }
    let style = if indexed || (found.dhcp4 && in_main > 0) {
        IfcfgStyle::Indexed
    } else {
        IfcfgStyle::Aliases
    };
    let secondaries = found.ipv4.len() > usize::from(!found.dhcp4);
    if secondaries && target.ifcfg_reader().default_style() != style {
        found.ifcfg_style = Some(style);
    }

    read_policy(files, interface, &mut found, &mut unread);
    if found.table.is_some() && found.gateways4.is_empty() {
        warnings.push("the route table has no default route".into());
    }
    let plan = found.into_plan(&mut warnings);
    let mut read_files = vec![main_path];
    read_files.extend(read_aliases);
    for kind in ["route", "rule"] {
        let path = format!("{DIR}/{kind}-{interface}");
        if files.contains_key(&path) {
            read_files.push(path);
        }
    }
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: read_files,
    })
}

/// `route-<if>` and `rule-<if>`: the ENI's own table (its default route gives the gateway), and
/// default routes of the main table.
fn read_policy(files: &HostFiles, interface: &str, found: &mut Found, unread: &mut Vec<Unread>) {
    let route_path = format!("{DIR}/route-{interface}");
    if let Some(text) = files.get(&route_path) {
        let mut notes = Notes {
            file: &route_path,
            unread,
        };
        for (number, line) in lines(text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let after = |key: &str| {
                words
                    .iter()
                    .position(|w| *w == key)
                    .and_then(|i| words.get(i + 1))
                    .copied()
            };
            let table = after("table").and_then(|t| t.parse::<u32>().ok());
            let via = after("via").and_then(|v| v.parse::<Ipv4Addr>().ok());
            let metric = after("metric").and_then(|m| m.parse::<u32>().ok());
            match (words.first().copied(), table, via) {
                (Some("default" | "0.0.0.0/0"), table, Some(via))
                    if table.is_none() || found.table.is_none_or(|own| Some(own) == table) =>
                {
                    if table.is_some() {
                        found.table = table;
                        // The ENI's own default route is its gateway, ahead of any other.
                        found.gateways4.retain(|route| route.metric.is_some());
                        found.gateways4.insert(
                            0,
                            FoundRoute {
                                via,
                                metric: None,
                                at: format!("{route_path}:{number}"),
                            },
                        );
                    } else {
                        found.gateways4.push(FoundRoute {
                            via,
                            metric,
                            at: format!("{route_path}:{number}"),
                        });
                    }
                }
                (Some(destination), Some(_), _) if destination.contains('/') => {}
                _ => notes.skip(number, line, "a route a plan does not hold"),
            }
        }
    }
    let rule_path = format!("{DIR}/rule-{interface}");
    if let Some(text) = files.get(&rule_path) {
        let mut notes = Notes {
            file: &rule_path,
            unread,
        };
        for (number, line) in lines(text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let ok = matches!(words.as_slice(), ["from", _, "table", table, "priority", _] if table.parse::<u32>().ok() == found.table);
            if !ok {
                notes.skip(number, line, "a rule other than the ENI's per-address rule");
            }
        }
    }
}

/// The RHEL ifcfg reader.
pub(crate) struct Ifcfg;

impl super::Reader for Ifcfg {
    fn directories(&self) -> &'static [&'static str] {
        &[DIR]
    }
    fn global_files(&self) -> &'static [&'static str] {
        &[NETWORK]
    }
    fn ignored(&self, dir: &str, name: &str, target: Target) -> bool {
        dir == DIR && ignored(name, target.ifcfg_reader())
    }
    fn interfaces(&self, files: &HostFiles, _nics: &super::HostNics) -> Vec<String> {
        interfaces(files)
    }
    fn read(
        &self,
        files: &HostFiles,
        interface: &str,
        target: Target,
        _nics: &super::HostNics,
    ) -> Result<Reading, Errors> {
        read(files, interface, target)
    }
}
