//! The runtime state read back: Linux's `ip -j addr show` and `ip -j route show` (add
//! `ip -j -6 route show` to the same list for IPv6), and Windows' `Get-NetIPAddress |
//! ConvertTo-Json` with `Get-NetIPConfiguration | ConvertTo-Json`. The runtime holds no DNS
//! servers (resolv.conf and the resolver do), so a runtime plan has none.

use serde_json::Value;

use super::{Reading, Unread};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Ipv6Plan, Mode};

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
    let mut plan = EniPlan {
        interface: Some(interface.into()),
        mode: Some(Mode::Static),
        mac: text(link, "address").map(str::to_lowercase),
        ..EniPlan::default()
    };
    let mut unread = Vec::new();
    let mut v6 = Vec::new();
    let mut prefix6 = None;
    let mut first = true;
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
            .map(|p| p as u8);
        match (family, text(info, "scope")) {
            ("inet", Some("global")) => {
                if first {
                    if info.get("dynamic").and_then(Value::as_bool) == Some(true) {
                        plan.mode = Some(Mode::Dhcp);
                    }
                    plan.primary = Some(local.into());
                    plan.prefix = prefix;
                    first = false;
                } else {
                    plan.secondaries.push(local.into());
                }
            }
            ("inet6", Some("global")) => {
                prefix6 = prefix6.or(prefix);
                v6.push(local.to_string());
            }
            ("inet6", Some("link")) => {}
            _ => unread.push(Unread {
                file: "addresses".into(),
                line: index + 1,
                text: info.to_string(),
                reason: "an address a plan does not hold".into(),
            }),
        }
    }
    let mut gateway6 = None;
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
            match (text(route, "dst"), text(route, "gateway"), table.as_deref()) {
                (Some("default"), Some(gateway), None | Some("main")) if gateway.contains(':') => {
                    gateway6 = Some(gateway.to_string())
                }
                (Some("default"), Some(gateway), None | Some("main")) => {
                    plan.gateway = Some(gateway.into())
                }
                (Some("default"), Some(gateway), Some(table)) => {
                    plan.gateway = Some(gateway.into());
                    plan.route_table = table.parse().ok();
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
    if !v6.is_empty() {
        plan.ipv6 = Some(Ipv6Plan {
            addresses: v6,
            prefix: prefix6,
            gateway: gateway6,
        });
    }
    Ok(Reading {
        plan,
        unread,
        warnings: vec!["the runtime state holds no DNS servers; none are read".into()],
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
    let mut plan = EniPlan {
        interface: Some(interface.into()),
        mode: Some(Mode::Static),
        ..EniPlan::default()
    };
    let mut v6 = Vec::new();
    let mut prefix6 = None;
    let mut unread = Vec::new();
    for (index, entry) in mine.iter().enumerate() {
        let Some(address) = text(entry, "IPAddress") else {
            continue;
        };
        let prefix = entry
            .get("PrefixLength")
            .and_then(Value::as_u64)
            .map(|p| p as u8);
        let skip = entry
            .get("SkipAsSource")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if is_ipv6(entry) {
            if address.starts_with("fe80") {
                continue;
            }
            prefix6 = prefix6.or(prefix);
            v6.push(address.to_string());
        } else if address.starts_with("169.254.") || address.starts_with("127.") {
            unread.push(Unread {
                file: "addresses".into(),
                line: index + 1,
                text: address.into(),
                reason: "an automatic address, not part of a plan".into(),
            });
        } else if !skip && plan.primary.is_none() {
            plan.primary = Some(address.into());
            plan.prefix = prefix;
        } else {
            plan.secondaries.push(address.into());
        }
    }
    let mut gateway6 = None;
    if let Some(configuration) = configuration {
        for config in parse("configuration", configuration)? {
            if text(&config, "InterfaceAlias") != Some(interface) {
                continue;
            }
            let hop = |key: &str| -> Option<String> {
                let value = config.get(key)?;
                let first = value.as_array().and_then(|a| a.first()).unwrap_or(value);
                text(first, "NextHop").map(str::to_string)
            };
            plan.gateway = hop("IPv4DefaultGateway");
            gateway6 = hop("IPv6DefaultGateway");
            for server in config
                .get("DNSServer")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                plan.dns.extend(
                    server
                        .get("ServerAddresses")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string),
                );
            }
        }
    }
    if !v6.is_empty() {
        plan.ipv6 = Some(Ipv6Plan {
            addresses: v6,
            prefix: prefix6,
            gateway: gateway6,
        });
    }
    Ok(Reading {
        plan,
        unread,
        warnings: Vec::new(),
        files: Vec::new(),
    })
}
