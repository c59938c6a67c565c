//! PowerShell: no PowerShell can be installed here, so each line is read by a model of
//! PowerShell's argument-mode parsing for the forms eniplan writes (about_Parsing,
//! about_Quoting_Rules: single-quoted strings expand nothing, a quote character — `'` or one
//! of `‘’‚‛` — is doubled inside them; `'a','b'` is an array), and must give back the argv.
//! Each cmdlet and parameter must be one Microsoft documents (NetTCPIP, DnsClient), and the
//! commands together must configure exactly the planned addresses, gateway and DNS servers.

use eniplan::Rendering;

use crate::support::{expected_ipv4, expected_ipv6, sorted, Item};

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
        "Get-NetIPAddress" => &["-InterfaceAlias"],
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

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let mut ipv4 = Vec::new();
    let mut ipv6 = Vec::new();
    let mut gateway4 = None;
    let mut gateway6 = None;
    let mut dns = None;
    let mut dhcp_off = false;
    for command in rendering.commands.iter().chain(&rendering.verify) {
        let words = parse(&command.shell)?;
        if words != command.argv {
            return Err(format!(
                "PowerShell reads {words:?} from {:?}, argv is {:?}",
                command.shell, command.argv
            ));
        }
        let (cmdlet, pairs) = bind(&words)?;
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(p, _)| p == name)
                .and_then(|(_, v)| v.clone())
        };
        if get("-InterfaceAlias").as_deref() != Some(plan.interface()) {
            return Err(format!(
                "{cmdlet} names adapter {:?}",
                get("-InterfaceAlias")
            ));
        }
        match cmdlet.as_str() {
            "Set-NetIPInterface" => dhcp_off = get("-Dhcp").as_deref() == Some("Disabled"),
            "New-NetIPAddress" => {
                let address = get("-IPAddress").ok_or("no -IPAddress")?;
                let prefix = get("-PrefixLength").ok_or("no -PrefixLength")?;
                let skip = get("-SkipAsSource");
                match get("-AddressFamily").as_deref() {
                    Some("IPv4") => {
                        if ipv4.is_empty() {
                            gateway4 = get("-DefaultGateway");
                            if skip.is_some() {
                                return Err("the primary is marked SkipAsSource".into());
                            }
                        } else if skip.as_deref() != Some("$true") {
                            return Err(format!(
                                "secondary {address} may become the source address"
                            ));
                        }
                        ipv4.push(format!("{address}/{prefix}"));
                    }
                    Some("IPv6") => ipv6.push(format!("{address}/{prefix}")),
                    other => return Err(format!("address family {other:?}")),
                }
            }
            "New-NetRoute" => {
                if get("-DestinationPrefix").as_deref() != Some("::/0") {
                    return Err("a route other than the IPv6 default".into());
                }
                gateway6 = get("-NextHop");
            }
            "Set-DnsClientServerAddress" => dns = get("-ServerAddresses"),
            _ => {}
        }
    }
    if !dhcp_off {
        return Err("DHCP is not switched off before the static addresses are added".into());
    }
    if ipv4 != expected_ipv4(plan, true) {
        return Err(format!(
            "IPv4 {ipv4:?}, planned {:?}",
            expected_ipv4(plan, true)
        ));
    }
    if sorted(ipv6.clone()) != sorted(expected_ipv6(plan)) {
        return Err(format!("IPv6 {ipv6:?}, planned {:?}", expected_ipv6(plan)));
    }
    if gateway4 != plan.gateway().map(|g| g.to_string()) {
        return Err(format!(
            "gateway {gateway4:?}, planned {:?}",
            plan.gateway()
        ));
    }
    if gateway6
        != plan
            .ipv6()
            .and_then(|v6| v6.gateway())
            .map(|g| g.to_string())
    {
        return Err(format!("IPv6 gateway {gateway6:?}"));
    }
    let want_dns: Vec<String> = plan.dns().iter().map(|d| d.to_string()).collect();
    let got_dns: Vec<String> = dns
        .map(|d| d.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    if got_dns != want_dns {
        return Err(format!("DNS {got_dns:?}, planned {want_dns:?}"));
    }
    Ok(())
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
