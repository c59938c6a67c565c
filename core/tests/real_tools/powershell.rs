//! PowerShell: no PowerShell can be installed here, so each line is read by a model of
//! PowerShell's argument-mode parsing for the forms eniplan writes (about_Parsing,
//! about_Quoting_Rules: single-quoted strings expand nothing, a quote character — `'` or one
//! of `‘’‚‛` — is doubled inside them; `'a','b'` is an array; about_If for the guard), and must
//! give back the argv. Each cmdlet and parameter must be one Microsoft documents (NetTCPIP,
//! DnsClient), and the commands, run twice against the model of the adapter in
//! `windows_host.rs`, must configure exactly the planned addresses, routes and DNS servers and
//! change nothing the second time.

use std::net::IpAddr;

use eniplan::{Command, Guard, Rendering};

use crate::support::Item;
use crate::windows_host::{run_twice, split_outside_quotes, Host, Outcome, Shell};

fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Splits one line into words the way PowerShell binds them; an array becomes one word with
/// its items joined by `,`.
fn parse(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        if is_quote(c) {
            let mut items = Vec::new();
            while let Some(open) = chars.next() {
                if !is_quote(open) {
                    return Err(format!("expected a quoted array item in {line:?}"));
                }
                let mut item = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated string in {line:?}")),
                        Some(q) if is_quote(q) => {
                            if chars.peek().copied().is_some_and(is_quote) {
                                item.push(q);
                                chars.next();
                            } else {
                                break;
                            }
                        }
                        Some(other) => item.push(other),
                    }
                }
                items.push(item);
                match chars.peek() {
                    Some(',') => {
                        chars.next();
                    }
                    Some(' ') | None => break,
                    Some(other) => {
                        return Err(format!("`{other}` right after a string in {line:?}"))
                    }
                }
            }
            words.push(items.join(","));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                // Outside quotes these would start an expression, a variable or a new
                // statement; eniplan writes only `$true`/`$false` bare.
                if matches!(c, ';' | '|' | '&' | '(' | ')' | '{' | '}' | '"' | '`' | '@') {
                    return Err(format!("bare `{c}` in {line:?}"));
                }
                word.push(c);
                chars.next();
            }
            if word.contains('$')
                && !matches!(word.as_str(), "$true" | "$false" | "-Confirm:$false")
            {
                return Err(format!("bare variable {word:?} in {line:?}"));
            }
            words.push(word);
        }
    }
    Ok(words)
}

/// The documented parameters eniplan uses, per cmdlet.
fn parameters(cmdlet: &str) -> Option<&'static [&'static str]> {
    Some(match cmdlet {
        "Set-NetIPInterface" => &["-InterfaceAlias", "-AddressFamily", "-Dhcp"],
        "New-NetIPAddress" => &[
            "-InterfaceAlias",
            "-AddressFamily",
            "-IPAddress",
            "-PrefixLength",
            "-DefaultGateway",
            "-SkipAsSource",
        ],
        "New-NetRoute" => &[
            "-InterfaceAlias",
            "-AddressFamily",
            "-DestinationPrefix",
            "-NextHop",
        ],
        "Set-DnsClientServerAddress" => &["-InterfaceAlias", "-ServerAddresses"],
        "Remove-NetIPAddress" => &["-InterfaceAlias", "-IPAddress", "-Confirm:$false"],
        "Get-NetIPAddress" => &["-InterfaceAlias", "-IPAddress", "-ErrorAction"],
        "Get-NetRoute" => &[
            "-InterfaceAlias",
            "-DestinationPrefix",
            "-NextHop",
            "-ErrorAction",
        ],
        _ => return None,
    })
}

/// `(parameter, value)` pairs of one command; switches have no value.
type Bound = Vec<(String, Option<String>)>;

/// A parsed command as its cmdlet and bound parameters.
fn bind(words: &[String]) -> Result<(String, Bound), String> {
    let (cmdlet, rest) = words.split_first().ok_or("empty line")?;
    let allowed = parameters(cmdlet).ok_or_else(|| format!("unknown cmdlet {cmdlet}"))?;
    let mut pairs = Vec::new();
    let mut iter = rest.iter().peekable();
    while let Some(word) = iter.next() {
        if !allowed.contains(&word.as_str()) {
            return Err(format!("{cmdlet} has no parameter {word}"));
        }
        if word.contains(':') {
            pairs.push((word.clone(), None));
        } else {
            let value = iter
                .next()
                .ok_or_else(|| format!("{word} without a value"))?;
            pairs.push((word.clone(), Some(value.clone())));
        }
    }
    Ok((cmdlet.clone(), pairs))
}

/// A line's guard, if any (its shape and its command's text), and the guarded command's text.
type Split<'l> = (Option<(&'static str, &'l str)>, &'l str);

/// The guard's shape and its command line, then the guarded command's line.
fn split_guard(line: &str) -> Result<Split<'_>, String> {
    let guarded = |rest: &'static str, kind: &'static str, close: &str| {
        line.strip_prefix(rest).and_then(|inner| {
            let (probe, command) = split_outside_quotes(inner, close, is_quote)?;
            Some((Some((kind, probe)), command.strip_suffix(" }")?))
        })
    };
    if line.starts_with("if ") {
        return guarded("if (-not (", "unless_found", ")) { ")
            .or_else(|| guarded("if (", "if_found", ") { "))
            .ok_or_else(|| format!("an `if` line of another shape: {line:?}"));
    }
    Ok((None, line))
}

/// The model of PowerShell on one adapter.
pub struct PowerShell<'a> {
    pub adapter: &'a str,
}

fn address(value: Option<String>, what: &str) -> Result<IpAddr, String> {
    value
        .ok_or_else(|| format!("no {what}"))?
        .parse()
        .map_err(|_| format!("{what} is not an address"))
}

impl Shell for PowerShell<'_> {
    fn check_line(&self, command: &Command) -> Result<(), String> {
        let (guard, line) = split_guard(&command.shell)?;
        let words = parse(line)?;
        if words != command.argv {
            return Err(format!(
                "PowerShell reads {words:?} from {:?}, argv is {:?}",
                command.shell, command.argv
            ));
        }
        let probe = match (&command.guard, guard) {
            (None, None) => None,
            (Some(Guard::UnlessFound(probe)), Some(("unless_found", text)))
            | (Some(Guard::IfFound(probe)), Some(("if_found", text))) => Some((probe, text)),
            (guard, shape) => return Err(format!("guard {guard:?}, but the line reads {shape:?}")),
        };
        if let Some((probe, text)) = probe {
            if parse(text)? != *probe {
                return Err(format!("the guard reads {text:?}, argv {probe:?}"));
            }
            bind(probe)?;
        }
        bind(&words).map(|_| ())
    }

    fn is_probe(&self, argv: &[String]) -> bool {
        argv.first()
            .is_some_and(|cmdlet| cmdlet.starts_with("Get-"))
    }

    fn run(&self, argv: &[String], host: &mut Host) -> Outcome {
        let (cmdlet, pairs) = bind(argv)?;
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(p, _)| p == name)
                .and_then(|(_, v)| v.clone())
        };
        if get("-InterfaceAlias").as_deref() != Some(self.adapter) {
            return Err(format!(
                "{cmdlet} names adapter {:?}",
                get("-InterfaceAlias")
            ));
        }
        let family_matches = |address: &IpAddr| match get("-AddressFamily").as_deref() {
            Some("IPv4") => address.is_ipv4(),
            Some("IPv6") => address.is_ipv6(),
            _ => false,
        };
        match cmdlet.as_str() {
            "Set-NetIPInterface" => {
                match (get("-AddressFamily").as_deref(), get("-Dhcp").as_deref()) {
                    (Some("IPv4"), Some("Disabled")) => host.disable_dhcp(),
                    other => Err(format!("Set-NetIPInterface {other:?}")),
                }
            }
            "New-NetIPAddress" => {
                let ip = address(get("-IPAddress"), "-IPAddress")?;
                if !family_matches(&ip) {
                    return Err(format!(
                        "{ip} is not of -AddressFamily {:?}",
                        get("-AddressFamily")
                    ));
                }
                let prefix = get("-PrefixLength")
                    .and_then(|p| p.parse::<u8>().ok())
                    .ok_or("no -PrefixLength")?;
                let skip = match get("-SkipAsSource").as_deref() {
                    None | Some("$false") => false,
                    Some("$true") => true,
                    Some(other) => return Err(format!("-SkipAsSource {other}")),
                };
                let added = host.add_address(ip, prefix, skip)?;
                // -DefaultGateway creates the default route as well, failing as New-NetRoute
                // would on one that exists.
                if let Some(gateway) = get("-DefaultGateway") {
                    let destination = if ip.is_ipv4() { "0.0.0.0/0" } else { "::/0" };
                    host.add_route(destination, address(Some(gateway), "-DefaultGateway")?)?;
                }
                Ok(added)
            }
            "New-NetRoute" => {
                let hop = address(get("-NextHop"), "-NextHop")?;
                let destination = get("-DestinationPrefix").ok_or("no -DestinationPrefix")?;
                let default = if hop.is_ipv4() { "0.0.0.0/0" } else { "::/0" };
                if !family_matches(&hop) || destination != default {
                    return Err(format!("New-NetRoute {destination} via {hop}"));
                }
                host.add_route(&destination, hop)
            }
            "Set-DnsClientServerAddress" => {
                let servers = get("-ServerAddresses").ok_or("no -ServerAddresses")?;
                let servers: Result<Vec<IpAddr>, String> = servers
                    .split(',')
                    .map(|s| address(Some(s.to_string()), "a DNS server"))
                    .collect();
                host.set_dns(&servers?)
            }
            "Remove-NetIPAddress" => {
                if !pairs.iter().any(|(p, _)| p == "-Confirm:$false") {
                    return Err("Remove-NetIPAddress would prompt".into());
                }
                host.remove_address(address(get("-IPAddress"), "-IPAddress")?)
            }
            "Get-NetIPAddress" | "Get-NetRoute"
                if get("-ErrorAction").as_deref() != Some("SilentlyContinue") =>
            {
                Err(format!(
                    "{cmdlet} reports what it does not find as an error"
                ))
            }
            "Get-NetIPAddress" => Ok(host.has_address(address(get("-IPAddress"), "-IPAddress")?)),
            "Get-NetRoute" => Ok(host.has_route(
                &get("-DestinationPrefix").ok_or("no -DestinationPrefix")?,
                address(get("-NextHop"), "-NextHop")?,
            )),
            other => Err(format!("{other} is not modelled")),
        }
    }
}

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let shell = PowerShell {
        adapter: plan.interface(),
    };
    for command in &rendering.verify {
        shell.check_line(command)?;
    }
    run_twice(
        &shell,
        &rendering.commands,
        Host::fresh(plan),
        &Host::planned(plan),
        true,
    )
    .and_then(|(_, host)| crate::windows_host::reads_back(&host, item))
}

#[test]
fn quote_characters_round_trip() {
    for name in [
        "it's",
        "a\u{2019}b",
        "‘x’",
        "'''",
        "$(Stop-Computer)",
        "a;b|c",
    ] {
        let line = eniplan::quote::powershell_line(
            "Get-NetIPAddress",
            &[
                eniplan::quote::PsArg::Parameter("-InterfaceAlias"),
                eniplan::quote::PsArg::Text(name),
            ],
        );
        assert_eq!(
            parse(&line).expect("parses"),
            ["Get-NetIPAddress", "-InterfaceAlias", name],
            "{line}"
        );
    }
}
