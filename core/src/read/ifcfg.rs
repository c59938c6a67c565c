//! RHEL-family ifcfg files read back: `ifcfg-<if>` (with `IPADDRn`/`PREFIXn`/`NETMASKn`), the
//! alias files `ifcfg-<if>:<n>`, and `route-<if>`/`rule-<if>` in `ip route`/`ip rule` syntax,
//! as initscripts' ifup-eth and NetworkManager's ifcfg-rh plugin read them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::{lines, HostFiles, Notes, Reading, Unread};
use crate::error::{Error, Errors};
use crate::os_family::IfcfgStyle;
use crate::plan::{EniPlan, Ipv6Plan, Mode};
use crate::target::Target;

pub(super) const DIR: &str = "/etc/sysconfig/network-scripts";

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

fn prefix_of(
    variables: &BTreeMap<String, (usize, String, String)>,
    prefix_key: &str,
    mask_key: &str,
) -> Option<u8> {
    if let Some((_, value, _)) = variables.get(prefix_key) {
        return value.parse().ok();
    }
    variables
        .get(mask_key)
        .and_then(|(_, mask, _)| mask.parse::<Ipv4Addr>().ok())
        .map(|mask| u32::from(mask).leading_ones() as u8)
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
    let mut plan = EniPlan::default();
    let mut take = |key: &str| vars.remove(key);

    if let Some((line, device, text)) = take("DEVICE") {
        if device != interface {
            unread.push(Unread {
                file: main_path.clone(),
                line,
                text,
                reason: format!("DEVICE names {device}, not the file's {interface}"),
            });
        }
    }
    let bootproto = take("BOOTPROTO")
        .map(|(_, v, _)| v)
        .unwrap_or_else(|| "none".into());
    plan.mode = Some(match bootproto.as_str() {
        "dhcp" => Mode::Dhcp,
        _ => Mode::Static,
    });
    if !matches!(bootproto.as_str(), "static" | "none" | "dhcp") {
        warnings.push(format!("BOOTPROTO={bootproto} is read as static"));
    }
    plan.mac = take("HWADDR")
        .or_else(|| take("MACADDR"))
        .map(|(_, v, _)| v.to_lowercase());
    plan.connection = take("NAME").map(|(_, v, _)| v);
    plan.gateway = take("GATEWAY").map(|(_, v, _)| v);

    // The primary: IPADDR, else the lowest-numbered IPADDRn (ifcfg-rh counts IPADDR as 0).
    let mut indexed: BTreeMap<u32, (String, Option<u8>)> = BTreeMap::new();
    let numbered: Vec<String> = vars
        .keys()
        .filter(|key| {
            key.strip_prefix("IPADDR")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .cloned()
        .collect();
    for key in numbered {
        let n: u32 = key["IPADDR".len()..].parse().unwrap_or(u32::MAX);
        let prefix = prefix_of(&vars, &format!("PREFIX{n}"), &format!("NETMASK{n}"));
        let Some((_, address, _)) = vars.remove(&key) else {
            continue;
        };
        vars.remove(&format!("PREFIX{n}"));
        vars.remove(&format!("NETMASK{n}"));
        indexed.insert(n, (address, prefix));
    }
    let prefix = prefix_of(&vars, "PREFIX", "NETMASK");
    vars.remove("PREFIX");
    vars.remove("NETMASK");
    let mut addresses: Vec<(String, Option<u8>)> = Vec::new();
    if let Some((_, address, _)) = vars.remove("IPADDR") {
        addresses.push((address, prefix));
    }
    // Secondaries in the main file: IPADDRn, or any address at all beside a DHCP primary.
    let has_indexed =
        !indexed.is_empty() || (plan.mode == Some(Mode::Dhcp) && !addresses.is_empty());
    addresses.extend(indexed.into_values());
    if plan.mode == Some(Mode::Static) && !addresses.is_empty() {
        let (primary, primary_prefix) = addresses.remove(0);
        plan.primary = Some(primary);
        plan.prefix = primary_prefix;
    }
    for (address, address_prefix) in addresses {
        if address_prefix.is_some() && plan.prefix.is_some() && address_prefix != plan.prefix {
            warnings.push(format!(
                "{address} has prefix /{} unlike the primary's; a plan has one prefix",
                address_prefix.unwrap_or_default()
            ));
        }
        if plan.prefix.is_none() {
            plan.prefix = address_prefix;
        }
        plan.secondaries.push(address);
    }

    let mut dns: Vec<(u32, String)> = Vec::new();
    let dns_keys: Vec<String> = vars
        .keys()
        .filter(|k| k.starts_with("DNS"))
        .cloned()
        .collect();
    for key in dns_keys {
        if let (Ok(n), Some((_, server, _))) = (key[3..].parse::<u32>(), vars.get(&key).cloned()) {
            vars.remove(&key);
            dns.push((n, server));
        }
    }
    dns.sort();
    plan.dns = dns.into_iter().map(|(_, server)| server).collect();

    let mut ipv6_addresses: Vec<String> = Vec::new();
    if let Some((_, first, _)) = vars.remove("IPV6ADDR") {
        ipv6_addresses.push(first);
    }
    if let Some((_, rest, _)) = vars.remove("IPV6ADDR_SECONDARIES") {
        ipv6_addresses.extend(rest.split_whitespace().map(str::to_string));
    }
    let gateway6 = vars
        .remove("IPV6_DEFAULTGW")
        .map(|(_, gw, _)| gw.split('%').next().unwrap_or_default().to_string());
    if !ipv6_addresses.is_empty() {
        let mut prefix6 = None;
        let addresses = ipv6_addresses
            .into_iter()
            .map(|cidr| match cidr.split_once('/') {
                Some((address, length)) => {
                    prefix6 = prefix6.or(length.parse().ok());
                    address.to_string()
                }
                None => cidr,
            })
            .collect();
        plan.ipv6 = Some(Ipv6Plan {
            addresses,
            prefix: prefix6,
            gateway: gateway6,
        });
    }
    for (key, (line, value, text)) in vars {
        match implied(&key, &value) {
            Some(true) => {}
            Some(false) => unread.push(Unread {
                file: main_path.clone(),
                line,
                text,
                reason: format!(
                    "{key}={value} has no place in a plan (eniplan writes the opposite)"
                ),
            }),
            None => unread.push(Unread {
                file: main_path.clone(),
                line,
                text,
                reason: format!("{key} is not part of a plan"),
            }),
        }
    }

    // Alias files, in the order of their numbers.
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
    for (_, path, text) in &aliases {
        let mut vars = variables(path, text, &mut unread);
        vars.remove("DEVICE");
        vars.remove("BOOTPROTO");
        let prefix = prefix_of(&vars, "PREFIX", "NETMASK");
        vars.remove("PREFIX");
        vars.remove("NETMASK");
        match vars.remove("IPADDR") {
            Some((_, address, _)) => {
                if plan.prefix.is_none() {
                    plan.prefix = prefix;
                }
                plan.secondaries.push(address);
            }
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
    }
    let style = if has_indexed {
        IfcfgStyle::Indexed
    } else {
        IfcfgStyle::Aliases
    };
    if !plan.secondaries.is_empty() && target.ifcfg_reader().default_style() != style {
        plan.ifcfg_style = Some(style);
    }

    read_policy(files, interface, &mut plan, &mut unread);
    if plan.route_table.is_some() {
        // The ENI's gateway lives in its table (route-<if>), not in GATEWAY.
        if plan.gateway.is_none() {
            warnings.push("the route table has no default route".into());
        }
    }
    let mut read_files = vec![main_path];
    read_files.extend(aliases.into_iter().map(|(_, path, _)| path));
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

/// `route-<if>` and `rule-<if>`: the ENI's own table (its default route gives the gateway).
fn read_policy(files: &HostFiles, interface: &str, plan: &mut EniPlan, unread: &mut Vec<Unread>) {
    let route_path = format!("{DIR}/route-{interface}");
    if let Some(text) = files.get(&route_path) {
        let mut notes = Notes {
            file: &route_path,
            unread,
        };
        for (number, line) in lines(text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let table = words
                .iter()
                .position(|w| *w == "table")
                .and_then(|i| words.get(i + 1))
                .and_then(|t| t.parse::<u32>().ok());
            match (words.first(), table) {
                (Some(&"default"), Some(table)) => {
                    plan.route_table = Some(table);
                    if let Some(via) = words
                        .iter()
                        .position(|w| *w == "via")
                        .and_then(|i| words.get(i + 1))
                    {
                        plan.gateway = Some(via.to_string());
                    }
                }
                (Some(destination), Some(_)) if destination.contains('/') => {}
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
            let ok = matches!(words.as_slice(), ["from", _, "table", table, "priority", _] if table.parse::<u32>().ok() == plan.route_table);
            if !ok {
                notes.skip(number, line, "a rule other than the ENI's per-address rule");
            }
        }
    }
}
