//! Windows: no netsh here, so each command line is tokenised the way netsh receives it
//! (whitespace separates, double quotes group and are removed) and checked against the
//! documented grammar of `netsh interface ipv4|ipv6 set|add|delete address|dnsservers|route`
//! (Microsoft's "Netsh interface IP" reference). The tokens must equal the rendered argv; the
//! commands, run twice against the model of the adapter in `windows_host.rs`, must configure
//! exactly the planned addresses, routes and DNS servers, and the second run must fail nothing
//! and leave them as they are.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use eniplan::{Command, Guard, Rendering};

use crate::support::Item;
use crate::windows_host::{run_twice, split_outside_quotes, Host, Outcome, Shell};

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
        ("ipv6", "set", "address") => (
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
        ("ipv6", "delete", "address") => (
            &["interface", "address", "store"],
            &["interface", "address"],
        ),
        // `delete address [name=]<string> [[address=]<IPv4 address>] [[gateway=]<IPv4
        // address>|all] [[store=]active|persistent]` (Microsoft's netsh interface ipv4
        // reference).
        ("ipv4", "delete", "address") => (
            &["name", "address", "gateway", "store"],
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
        ("ipv6", "add" | "set", "route") => (
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

/// The model of netsh on one adapter.
pub struct Netsh<'a> {
    pub adapter: &'a str,
}

/// A netsh command: its context, verb, noun and checked `tag=value` arguments.
type Bound<'w> = (&'w str, &'w str, &'w str, BTreeMap<&'w str, &'w str>);

/// A netsh argv as its context, verb, noun and checked `tag=value` arguments.
fn bind<'w>(tokens: &'w [String], adapter: &str) -> Result<Bound<'w>, String> {
    let [netsh, interface, family, verb, noun, args @ ..] = tokens else {
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
    Ok((family, verb, noun, tags))
}

/// An `address=` value: the address and, for IPv6, the prefix written after it.
fn address_of(value: &str) -> (IpAddr, Option<u8>) {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, prefix.parse().ok()),
        None => (value, None),
    };
    (address.parse().expect("checked by check_value"), prefix)
}

fn cmd_quote(c: char) -> bool {
    c == '"'
}

impl Shell for Netsh<'_> {
    fn check_line(&self, command: &Command) -> Result<(), String> {
        let (other, line) = match &command.guard {
            None => (None, command.shell.as_str()),
            Some(Guard::UnlessSucceeds(argv)) => {
                let (probe, line) = split_outside_quotes(&command.shell, " || ", cmd_quote)
                    .ok_or("no `||` in a guarded line")?;
                (Some((argv, probe)), line)
            }
            Some(Guard::AfterEnsuring(argv)) | Some(Guard::AfterRemoving(argv)) => {
                let (first, line) =
                    split_outside_quotes(&command.shell, " >nul 2>&1 & ", cmd_quote)
                        .ok_or("no `>nul 2>&1 &` in a guarded line")?;
                (Some((argv, first)), line)
            }
            Some(guard) => return Err(format!("{guard:?} is not a cmd guard")),
        };
        for (argv, text) in other.into_iter().chain([(&command.argv, line)]) {
            let tokens = tokenize(text)?;
            if tokens != *argv {
                return Err(format!(
                    "cmd line {text:?} reaches netsh as {tokens:?}, not {argv:?}"
                ));
            }
            bind(&tokens, self.adapter)?;
        }
        Ok(())
    }

    fn is_probe(&self, _argv: &[String]) -> bool {
        false
    }

    fn run(&self, argv: &[String], host: &mut Host) -> Outcome {
        let (family, verb, noun, tags) = bind(argv, self.adapter)?;
        let skip = tags.get("skipassource").map(|value| *value == "true");
        let prefix_of_mask =
            |mask: &str| u32::from(mask.parse::<Ipv4Addr>().expect("checked")).leading_ones() as u8;
        match (family, verb, noun) {
            ("ipv4", "set", "address") => {
                let gateway = tags.get("gateway").ok_or("set address without gateway=")?;
                host.replace_ipv4(
                    address_of(tags["address"]).0,
                    prefix_of_mask(tags["mask"]),
                    gateway.parse().expect("checked"),
                )
            }
            ("ipv4", "add", "address") => {
                if tags.contains_key("gateway") {
                    return Err("a second gateway for a secondary address".into());
                }
                host.add_address(
                    address_of(tags["address"]).0,
                    prefix_of_mask(tags["mask"]),
                    skip.unwrap_or(false),
                )
            }
            ("ipv6", "add", "address") => {
                let (address, prefix) = address_of(tags["address"]);
                host.add_address(address, prefix.unwrap_or(128), skip.unwrap_or(false))
            }
            ("ipv6", "set", "address") => host.modify_address(address_of(tags["address"]).0, skip),
            ("ipv6" | "ipv4", "delete", "address") => {
                host.remove_address(address_of(tags["address"]).0)
            }
            ("ipv6", "add", "route") => host.add_route(
                tags["prefix"],
                tags.get("nexthop")
                    .ok_or("no nexthop=")?
                    .parse()
                    .expect("checked"),
            ),
            ("ipv6", "set", "route") => {
                let hop: IpAddr = tags
                    .get("nexthop")
                    .ok_or("no nexthop=")?
                    .parse()
                    .expect("checked");
                if host.has_route(tags["prefix"], hop) {
                    Ok(false)
                } else {
                    Err(format!("no route {} via {hop} to modify", tags["prefix"]))
                }
            }
            (_, "set", "dnsservers") => {
                host.replace_dns(family == "ipv4", address_of(tags["address"]).0)
            }
            (_, "add", "dnsservers") => host.insert_dns(
                family == "ipv4",
                address_of(tags["address"]).0,
                tags.get("index")
                    .map_or(usize::MAX, |i| i.parse().unwrap_or(usize::MAX)),
            ),
            other => Err(format!("{other:?} is not modelled")),
        }
    }
}

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let shell = Netsh {
        adapter: plan.interface(),
    };
    let first = rendering.commands.first().map(|c| c.argv[2..5].join(" "));
    if first.as_deref() != Some("ipv4 set address") {
        return Err("the first command must set the primary address".into());
    }
    run_twice(
        &shell,
        &rendering.commands,
        Host::fresh(plan),
        &Host::planned(plan),
        false,
    )
    .and_then(|(_, host)| crate::windows_host::reads_back(&host, item))
}
