//! Windows: no netsh here, so each command line is tokenised the way netsh receives it
//! (whitespace separates, double quotes group and are removed) and checked against the
//! documented grammar of `netsh interface ipv4|ipv6 set|add address|dnsservers|route`
//! (Microsoft's "Netsh interface IP" reference). The tokens must equal the rendered argv, and
//! the addresses they set must be exactly the plan's.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use eniplan::Rendering;

use crate::support::{expected_ipv4, expected_ipv6, sorted, Item};

/// Splits a cmd line into the arguments netsh sees: cmd's own metacharacters outside quotes
/// are refused, then the MSVCRT rules apply (whitespace separates; `"` toggles quoting;
/// 2n backslashes before a quote are n backslashes, 2n+1 are n and a literal quote).
pub fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_token = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let run = chars[i..].iter().take_while(|&&c| c == '\\').count();
                in_token = true;
                if chars.get(i + run) == Some(&'"') {
                    current.extend(std::iter::repeat_n('\\', run / 2));
                    if run % 2 == 1 {
                        current.push('"');
                        i += run + 1;
                        continue;
                    }
                    i += run;
                    continue;
                }
                current.extend(std::iter::repeat_n('\\', run));
                i += run;
                continue;
            }
            '"' => {
                quoted = !quoted;
                in_token = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_token {
                    tokens.push(std::mem::take(&mut current));
                    in_token = false;
                }
            }
            '%' | '^' | '&' | '|' | '<' | '>' if !quoted => {
                return Err(format!("unquoted cmd metacharacter {c:?} in {line:?}"))
            }
            '%' | '!' => return Err(format!("cmd expands {c:?} even inside quotes: {line:?}")),
            c => {
                current.push(c);
                in_token = true;
            }
        }
        i += 1;
    }
    if quoted {
        return Err(format!("unbalanced quote in {line:?}"));
    }
    if in_token {
        tokens.push(current);
    }
    Ok(tokens)
}

/// Tags each command accepts (documented syntax) and those it needs here.
fn grammar(
    family: &str,
    verb: &str,
    noun: &str,
) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match (family, verb, noun) {
        ("ipv4", "set", "address") => (
            &[
                "name",
                "source",
                "address",
                "mask",
                "gateway",
                "gwmetric",
                "type",
                "subinterface",
                "store",
            ],
            &["name", "source", "address", "mask", "gateway"],
        ),
        ("ipv4", "add", "address") => (
            &[
                "name",
                "address",
                "mask",
                "gateway",
                "gwmetric",
                "type",
                "subinterface",
                "store",
                "validlifetime",
                "preferredlifetime",
                "skipassource",
            ],
            &["name", "address", "mask"],
        ),
        ("ipv4" | "ipv6", "set", "dnsservers") => (
            &["name", "source", "address", "register", "validate"],
            &["name", "source", "address"],
        ),
        ("ipv4" | "ipv6", "add", "dnsservers") => (
            &["name", "address", "index", "validate"],
            &["name", "address"],
        ),
        ("ipv6", "add", "address") => (
            &[
                "interface",
                "address",
                "type",
                "validlifetime",
                "preferredlifetime",
                "store",
                "skipassource",
            ],
            &["interface", "address"],
        ),
        ("ipv6", "add", "route") => (
            &[
                "prefix",
                "interface",
                "nexthop",
                "siteprefixlength",
                "metric",
                "publish",
                "validlifetime",
                "preferredlifetime",
                "store",
            ],
            &["prefix", "interface"],
        ),
        _ => return None,
    })
}

fn check_value(family: &str, tag: &str, value: &str, adapter: &str) -> Result<(), String> {
    let ok = match tag {
        "name" | "interface" => value == adapter,
        "source" => value == "static",
        "address" if family == "ipv4" => value.parse::<Ipv4Addr>().is_ok(),
        "address" => {
            let (address, prefix) = value.split_once('/').unwrap_or((value, "128"));
            address.parse::<Ipv6Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 128)
                || value.parse::<Ipv6Addr>().is_ok()
        }
        "mask" => value.parse::<Ipv4Addr>().is_ok_and(|mask| {
            let bits = u32::from(mask);
            bits.leading_ones() + bits.trailing_zeros() == 32
        }),
        "gateway" => value.parse::<Ipv4Addr>().is_ok(),
        "nexthop" => value.parse::<Ipv6Addr>().is_ok(),
        "prefix" => value == "::/0",
        "skipassource" => matches!(value, "true" | "false"),
        "register" => matches!(value, "none" | "primary" | "both"),
        "validate" => matches!(value, "yes" | "no"),
        "index" => value.parse::<u32>().is_ok_and(|i| i >= 1),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{tag}={value:?} is not a valid value"))
    }
}

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let adapter = plan.interface();
    let mut ipv4 = Vec::new();
    let mut ipv6 = Vec::new();
    let mut gateways = Vec::new();
    let mut nexthops = Vec::new();
    let mut dns: BTreeMap<&str, Vec<(u32, String)>> = BTreeMap::new();
    for command in &rendering.commands {
        let tokens = tokenize(&command.shell)?;
        if tokens != command.argv {
            return Err(format!(
                "cmd line {:?} reaches netsh as {tokens:?}, not {:?}",
                command.shell, command.argv
            ));
        }
        let [netsh, interface, family, verb, noun, args @ ..] = tokens.as_slice() else {
            return Err(format!("too short: {tokens:?}"));
        };
        if netsh != "netsh" || interface != "interface" {
            return Err(format!("not a netsh interface command: {tokens:?}"));
        }
        let (allowed, required) =
            grammar(family, verb, noun).ok_or(format!("unknown command {family} {verb} {noun}"))?;
        let mut tags: BTreeMap<&str, &str> = BTreeMap::new();
        for arg in args {
            let (tag, value) = arg
                .split_once('=')
                .ok_or(format!("{arg:?} is not tag=value"))?;
            if !allowed.contains(&tag) {
                return Err(format!("{family} {verb} {noun} takes no {tag}="));
            }
            if tags.insert(tag, value).is_some() {
                return Err(format!("{tag}= given twice"));
            }
            check_value(family, tag, value, adapter)?;
        }
        if let Some(missing) = required.iter().find(|tag| !tags.contains_key(*tag)) {
            return Err(format!("{family} {verb} {noun} without {missing}="));
        }
        let mask_prefix =
            |mask: &str| u32::from(mask.parse::<Ipv4Addr>().expect("checked")).leading_ones();
        match (family.as_str(), verb.as_str(), noun.as_str()) {
            ("ipv4", _, "address") => {
                ipv4.push(format!("{}/{}", tags["address"], mask_prefix(tags["mask"])));
                if verb == "add" && tags.get("skipassource") != Some(&"true") {
                    return Err(
                        "a secondary without skipassource=true would become the source address"
                            .into(),
                    );
                }
                if let Some(gateway) = tags.get("gateway") {
                    gateways.push(gateway.to_string());
                }
            }
            (_, _, "dnsservers") => {
                let index = if verb == "set" {
                    1
                } else {
                    tags.get("index").map_or(0, |i| i.parse().unwrap_or(0))
                };
                dns.entry(if family == "ipv4" { "ipv4" } else { "ipv6" })
                    .or_default()
                    .push((index, tags["address"].to_string()));
            }
            ("ipv6", "add", "address") => ipv6.push(tags["address"].to_string()),
            ("ipv6", "add", "route") => nexthops.push(
                tags.get("nexthop")
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            _ => unreachable!("grammar() knows only these"),
        }
    }
    if sorted(ipv4.clone()) != sorted(expected_ipv4(plan, true)) {
        return Err(format!(
            "netsh sets IPv4 {ipv4:?}, planned {:?}",
            expected_ipv4(plan, true)
        ));
    }
    if ipv4.first().map(String::as_str) != expected_ipv4(plan, true).first().map(String::as_str) {
        return Err("the first command must set the primary address".into());
    }
    let want_gw: Vec<String> = plan.gateway().map(|g| g.to_string()).into_iter().collect();
    if gateways != want_gw {
        return Err(format!("gateways {gateways:?}, planned {want_gw:?}"));
    }
    if sorted(ipv6.clone()) != sorted(expected_ipv6(plan)) {
        return Err(format!(
            "netsh sets IPv6 {ipv6:?}, planned {:?}",
            expected_ipv6(plan)
        ));
    }
    let want_hops: Vec<String> = plan
        .ipv6()
        .and_then(|v6| v6.gateway())
        .map(|g| g.to_string())
        .into_iter()
        .collect();
    if nexthops != want_hops {
        return Err(format!(
            "IPv6 routes via {nexthops:?}, planned {want_hops:?}"
        ));
    }
    for (family, v4) in [("ipv4", true), ("ipv6", false)] {
        let mut servers = dns.get(family).cloned().unwrap_or_default();
        let indexes: Vec<u32> = servers.iter().map(|(i, _)| *i).collect();
        if indexes != (1..=servers.len() as u32).collect::<Vec<_>>() {
            return Err(format!("{family} DNS indexes {indexes:?} are not 1, 2, …"));
        }
        servers.sort();
        let got: Vec<String> = servers.into_iter().map(|(_, s)| s).collect();
        let want = crate::support::dns_of(plan, v4);
        if got != want {
            return Err(format!("{family} DNS {got:?}, planned {want:?}"));
        }
    }
    Ok(())
}
