//! The runtime state read back: Linux's `ip -j addr show` and `ip -j route show` (add
//! `ip -j -6 route show` to the same list for IPv6), and Windows' `Get-NetIPAddress |
//! ConvertTo-Json` with `Get-NetIPConfiguration | ConvertTo-Json`. The runtime holds no DNS
//! servers (resolv.conf and the resolver do), so a runtime plan has none.

use serde_json::Value;

use super::{Found, FoundAddress, FoundRoute, Reading, Unread};
use crate::error::{Error, Errors};

fn parse(field: &str, text: &str) -> Result<Vec<Value>, Errors> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(object @ Value::Object(_)) => Ok(vec![object]),
        Ok(other) => Err(Error::Syntax {
            field: field.into(),
            message: format!(
                "expected a JSON list, found {}",
                crate::source::json_type(&other)
            ),
        }
        .into()),
        Err(error) => Err(Error::Syntax {
            field: field.into(),
            message: format!("not JSON: {error}"),
        }
        .into()),
    }
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The plan `ip -j addr show` (and `ip -j route show`) hold for `interface`.
pub fn read_ip_json(
    addresses: &str,
    routes: Option<&str>,
    interface: &str,
) -> Result<Reading, Errors> {
    let links = parse("addresses", addresses)?;
    let Some(link) = links
        .iter()
        .find(|link| text(link, "ifname") == Some(interface))
    else {
        let names: Vec<&str> = links.iter().filter_map(|l| text(l, "ifname")).collect();
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!(
                "`ip -j addr` lists no {interface}; it lists {}",
                names.join(", ")
            ),
        }
        .into());
    };
    let mut found = Found {
        mac: text(link, "address").map(str::to_lowercase),
        ..Found::default()
    };
    let mut unread = Vec::new();
    for (index, info) in link
        .get("addr_info")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (Some(family), Some(local)) = (text(info, "family"), text(info, "local")) else {
            continue;
        };
        let prefix = info
            .get("prefixlen")
            .and_then(Value::as_u64)
            .and_then(|p| u8::try_from(p).ok());
        let at = format!("addresses:{}", index + 1);
        let dynamic = info.get("dynamic").and_then(Value::as_bool) == Some(true);
        match (
            family,
            text(info, "scope"),
            local.parse::<std::net::IpAddr>(),
        ) {
            // A leased address: DHCP gives the primary.
            ("inet", Some("global"), Ok(std::net::IpAddr::V4(_)))
                if dynamic && found.ipv4.is_empty() =>
            {
                found.dhcp4 = true;
            }
            ("inet", Some("global"), Ok(std::net::IpAddr::V4(address))) => {
                found.ipv4.push(FoundAddress {
                    address,
                    prefix,
                    at,
                })
            }
            ("inet6", Some("global"), Ok(std::net::IpAddr::V6(address))) => {
                found.ipv6.push(FoundAddress {
                    address,
                    prefix,
                    at,
                })
            }
            ("inet6", Some("link"), _) => {}
            _ => unread.push(Unread {
                file: "addresses".into(),
                line: index + 1,
                text: info.to_string(),
                reason: "an address a plan does not hold".into(),
            }),
        }
    }
    if let Some(routes) = routes {
        for (index, route) in parse("routes", routes)?.iter().enumerate() {
            if text(route, "dev") != Some(interface) {
                continue;
            }
            let table = route.get("table").and_then(|t| {
                t.as_str()
                    .map(str::to_string)
                    .or_else(|| t.as_u64().map(|n| n.to_string()))
            });
            let metric = route
                .get("metric")
                .and_then(Value::as_u64)
                .and_then(|m| u32::try_from(m).ok());
            let at = format!("routes:{}", index + 1);
            let gateway = text(route, "gateway").and_then(|g| g.parse::<std::net::IpAddr>().ok());
            match (text(route, "dst"), gateway, table.as_deref()) {
                (Some("default"), Some(std::net::IpAddr::V6(via)), None | Some("main")) => {
                    found.gateways6.push(FoundRoute { via, metric, at })
                }
                (Some("default"), Some(std::net::IpAddr::V4(via)), None | Some("main")) => {
                    found.gateways4.push(FoundRoute { via, metric, at })
                }
                (Some("default"), Some(std::net::IpAddr::V4(via)), Some(table)) => {
                    found.table = table.parse().ok();
                    found.gateways4.insert(
                        0,
                        FoundRoute {
                            via,
                            metric: None,
                            at,
                        },
                    );
                }
                (Some(dst), None, _) if dst.contains('/') => {}
                _ => unread.push(Unread {
                    file: "routes".into(),
                    line: index + 1,
                    text: route.to_string(),
                    reason: "a route a plan does not hold".into(),
                }),
            }
        }
    }
    let mut warnings = vec!["the runtime state holds no DNS servers; none are read".to_string()];
    let mut plan = found.into_plan(&mut warnings);
    plan.interface = Some(interface.into());
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: Vec::new(),
    })
}

/// `AddressFamily` as ConvertTo-Json writes it: the enum's number (2, 23) or its name.
fn is_ipv6(value: &Value) -> bool {
    match value.get("AddressFamily") {
        Some(Value::Number(n)) => n.as_u64() == Some(23),
        Some(Value::String(s)) => s == "IPv6",
        _ => text(value, "IPAddress").is_some_and(|a| a.contains(':')),
    }
}

/// The plan Windows' `Get-NetIPAddress | ConvertTo-Json` (and `Get-NetIPConfiguration |
/// ConvertTo-Json`, for the gateways and DNS servers) hold for the adapter `interface`: the
/// IPv4 address with `SkipAsSource` false is the primary, the others the secondaries.
pub fn read_windows_json(
    addresses: &str,
    configuration: Option<&str>,
    interface: &str,
) -> Result<Reading, Errors> {
    let entries = parse("addresses", addresses)?;
    let mine: Vec<&Value> = entries
        .iter()
        .filter(|e| text(e, "InterfaceAlias") == Some(interface))
        .collect();
    if mine.is_empty() {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("Get-NetIPAddress lists no address on {interface}"),
        }
        .into());
    }
    let mut found = Found::default();
    let mut primary: Option<FoundAddress<std::net::Ipv4Addr>> = None;
    let mut unread = Vec::new();
    for (index, entry) in mine.iter().enumerate() {
        let Some(address) = text(entry, "IPAddress") else {
            continue;
        };
        let prefix = entry
            .get("PrefixLength")
            .and_then(Value::as_u64)
            .and_then(|p| u8::try_from(p).ok());
        let skip = entry
            .get("SkipAsSource")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let at = format!("addresses:{}", index + 1);
        match address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(address)) if is_ipv6(entry) => {
                if !crate::net::is_link_local(address) {
                    found.ipv6.push(FoundAddress {
                        address,
                        prefix,
                        at,
                    });
                }
            }
            Ok(std::net::IpAddr::V4(address))
                if address.is_link_local() || address.is_loopback() =>
            {
                unread.push(Unread {
                    file: "addresses".into(),
                    line: index + 1,
                    text: address.to_string(),
                    reason: "an automatic address, not part of a plan".into(),
                })
            }
            // The address Windows uses as the source (SkipAsSource false) is the primary.
            Ok(std::net::IpAddr::V4(address)) if !skip && primary.is_none() => {
                primary = Some(FoundAddress {
                    address,
                    prefix,
                    at,
                })
            }
            Ok(std::net::IpAddr::V4(address)) => found.ipv4.push(FoundAddress {
                address,
                prefix,
                at,
            }),
            _ => unread.push(Unread {
                file: "addresses".into(),
                line: index + 1,
                text: address.to_string(),
                reason: "not an address".into(),
            }),
        }
    }
    if let Some(primary) = primary {
        found.ipv4.insert(0, primary);
    }
    if let Some(configuration) = configuration {
        for config in parse("configuration", configuration)? {
            if text(&config, "InterfaceAlias") != Some(interface) {
                continue;
            }
            let hop = |key: &str| -> Option<std::net::IpAddr> {
                let value = config.get(key)?;
                let first = value.as_array().and_then(|a| a.first()).unwrap_or(value);
                text(first, "NextHop")?.parse().ok()
            };
            if let Some(std::net::IpAddr::V4(via)) = hop("IPv4DefaultGateway") {
                found.gateways4.push(FoundRoute {
                    via,
                    metric: None,
                    at: "configuration".into(),
                });
            }
            if let Some(std::net::IpAddr::V6(via)) = hop("IPv6DefaultGateway") {
                found.gateways6.push(FoundRoute {
                    via,
                    metric: None,
                    at: "configuration".into(),
                });
            }
            for server in config
                .get("DNSServer")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                found.dns.extend(
                    server
                        .get("ServerAddresses")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter_map(|s| s.parse::<std::net::IpAddr>().ok()),
                );
            }
        }
    }
    let mut warnings = Vec::new();
    let mut plan = found.into_plan(&mut warnings);
    plan.interface = Some(interface.into());
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: Vec::new(),
    })
}
