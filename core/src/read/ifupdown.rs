//! interfaces(5) read back: `/etc/network/interfaces` and what its `source` and
//! `source-directory` lines include, the interface's `inet`/`inet6` stanzas (stacked ones, as
//! cloud-init writes them, add addresses), its alias stanzas `<if>:<n>`, and the `up ip addr
//! add`/`up ip route add … table`/`up ip rule add` lines that carry what the options cannot.

use super::{HostFiles, Reading, Unread};
use crate::error::{Error, Errors};
use crate::plan::{EniPlan, Ipv6Plan, Mode};

pub(super) const DIR: &str = "/etc/network";
pub(super) const SOURCED: &str = "/etc/network/interfaces.d";

/// One stanza: where it starts, its words (`iface eth0 inet static`) and its option lines.
struct Stanza {
    file: String,
    line: usize,
    name: String,
    family: String,
    method: String,
    options: Vec<(usize, String)>,
}

/// `*` in a file-name pattern, as the shell globs `source` patterns (ifupdown expands them
/// with wordexp(3)): `*` matches any run of characters, but a leading `.` only when the
/// pattern spells it.
fn glob(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    matches(pattern, name)
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len()
                && name.starts_with(head)
                && (tail.contains('*') && matches(tail, &name[head.len()..])
                    || name.ends_with(tail))
        }
    }
}

/// Whether `source-directory` reads the file `name`: interfaces(5) takes only names made of
/// ASCII letters, digits, `_` and `-` (run-parts' rule), so editor and backup copies
/// (`eth0~`, `eth0.bak`, `.eth0.swp`) in the directory are skipped.
fn run_parts_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Every file the main file reads, in order (sources followed, each file once).
fn collect(
    files: &HostFiles,
    path: &str,
    seen: &mut Vec<String>,
    stanzas: &mut Vec<Stanza>,
    unread: &mut Vec<Unread>,
) {
    if seen.iter().any(|p| p == path) {
        return;
    }
    seen.push(path.to_string());
    let Some(text) = files.get(path) else { return };
    let mut current: Option<Stanza> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let top = !raw.starts_with(char::is_whitespace);
        match words.as_slice() {
            ["iface", name, family, method, ..] => {
                stanzas.extend(current.take());
                current = Some(Stanza {
                    file: path.into(),
                    line: number,
                    name: name.to_string(),
                    family: family.to_string(),
                    method: method.to_string(),
                    options: Vec::new(),
                });
            }
            ["auto" | "allow-hotplug" | "allow-auto", ..] => {
                stanzas.extend(current.take());
            }
            ["source", pattern] | ["source-directory", pattern] => {
                stanzas.extend(current.take());
                let absolute = if pattern.starts_with('/') {
                    pattern.to_string()
                } else {
                    format!("{DIR}/{pattern}")
                };
                let (dir, file_pattern) = if words[0] == "source-directory" {
                    (absolute.trim_end_matches('/').to_string(), "*".to_string())
                } else {
                    match absolute.rsplit_once('/') {
                        Some((d, f)) => (d.to_string(), f.to_string()),
                        None => continue,
                    }
                };
                let directory = words[0] == "source-directory";
                let matching: Vec<String> = files
                    .keys()
                    .filter(|p| {
                        p.rsplit_once('/').is_some_and(|(d, f)| {
                            d == dir
                                && if directory {
                                    run_parts_name(f)
                                } else {
                                    glob(&file_pattern, f)
                                }
                        })
                    })
                    .cloned()
                    .collect();
                for next in matching {
                    collect(files, &next, seen, stanzas, unread);
                }
            }
            // interfaces(5): every other line until the next stanza is an option of the
            // current one, indented or not (the ECS document writes them flush left).
            _ => match current.as_mut() {
                Some(stanza) => stanza.options.push((number, line.to_string())),
                None => unread.push(Unread {
                    file: path.into(),
                    line: number,
                    text: raw.into(),
                    reason: if top {
                        "not a stanza a plan holds"
                    } else {
                        "an option outside a stanza"
                    }
                    .into(),
                }),
            },
        }
    }
    stanzas.extend(current);
}

fn stanzas(files: &HostFiles) -> (Vec<Stanza>, Vec<Unread>) {
    let mut stanzas = Vec::new();
    let mut unread = Vec::new();
    let mut seen = Vec::new();
    let main = format!("{DIR}/interfaces");
    if files.contains_key(&main) {
        collect(files, &main, &mut seen, &mut stanzas, &mut unread);
    } else {
        // Without the main file (only interfaces.d given), read what Debian's default one
        // sources: every file of interfaces.d.
        let sourced: Vec<String> = files
            .keys()
            .filter(|p| {
                p.strip_prefix(&format!("{SOURCED}/"))
                    .is_some_and(|f| !f.contains('/'))
            })
            .cloned()
            .collect();
        for path in sourced {
            collect(files, &path, &mut seen, &mut stanzas, &mut unread);
        }
    }
    (stanzas, unread)
}

pub(super) fn interfaces(files: &HostFiles) -> Vec<String> {
    let mut names: Vec<String> = stanzas(files)
        .0
        .into_iter()
        .map(|s| s.name)
        .filter(|n| n != "lo" && !n.contains(':'))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn split_cidr(value: &str) -> (String, Option<u8>) {
    match value.split_once('/') {
        Some((a, p)) => (a.to_string(), p.parse().ok()),
        None => (value.to_string(), None),
    }
}

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let (all, mut unread) = stanzas(files);
    let alias_prefix = format!("{interface}:");
    let mine: Vec<&Stanza> = all
        .iter()
        .filter(|s| s.name == interface || s.name.starts_with(&alias_prefix))
        .collect();
    if !mine.iter().any(|s| s.name == interface) {
        return Err(Error::Missing {
            field: "interface".into(),
            hint: format!("no iface stanza for {interface}"),
        }
        .into());
    }
    // Unread lines of files that hold none of this interface's stanzas are not its concern.
    unread.retain(|u| mine.iter().any(|s| s.file == u.file));
    let mut warnings = Vec::new();
    let mut plan = EniPlan {
        mode: Some(Mode::Static),
        ..EniPlan::default()
    };
    let mut v4: Vec<String> = Vec::new();
    let mut v6: Vec<(String, Option<u8>)> = Vec::new();
    let mut gateway6 = None;
    let mut aliases: Vec<(u64, String)> = Vec::new();
    for stanza in &mine {
        let alias = stanza
            .name
            .strip_prefix(&alias_prefix)
            .map(|n| n.parse::<u64>().unwrap_or(u64::MAX));
        if stanza.family == "inet" && stanza.method == "dhcp" && alias.is_none() {
            plan.mode = Some(Mode::Dhcp);
        } else if !matches!(stanza.method.as_str(), "static" | "manual" | "dhcp") {
            warnings.push(format!(
                "{}:{}: iface {} {} {} is read as static",
                stanza.file, stanza.line, stanza.name, stanza.family, stanza.method
            ));
        }
        let mut skip = |line: usize, text: &str, reason: &str| {
            unread.push(Unread {
                file: stanza.file.clone(),
                line,
                text: text.into(),
                reason: reason.into(),
            });
        };
        for (line, option) in &stanza.options {
            let words: Vec<&str> = option.split_whitespace().collect();
            match (stanza.family.as_str(), words.as_slice()) {
                ("inet", ["address", value]) => {
                    let (address, prefix) = split_cidr(value);
                    plan.prefix = plan.prefix.or(prefix);
                    match alias {
                        Some(n) => aliases.push((n, address)),
                        None => v4.push(address),
                    }
                }
                ("inet", ["netmask", mask]) => {
                    if plan.prefix.is_none() {
                        plan.prefix = mask.parse::<u8>().ok().or_else(|| {
                            mask.parse::<std::net::Ipv4Addr>()
                                .ok()
                                .map(|m| u32::from(m).leading_ones() as u8)
                        });
                    }
                }
                ("inet", ["gateway", gateway]) => plan.gateway = Some(gateway.to_string()),
                ("inet6", ["address", value]) => v6.push(split_cidr(value)),
                ("inet6", ["netmask", length]) => {
                    if let Some(last) = v6.last_mut() {
                        last.1 = last.1.or(length.parse().ok());
                    }
                }
                ("inet6", ["gateway", gateway]) => gateway6 = Some(gateway.to_string()),
                (_, ["hwaddress", "ether", mac] | ["hwaddress", mac]) => {
                    plan.mac = Some(mac.to_lowercase())
                }
                (_, ["dns-nameservers", servers @ ..]) => {
                    plan.dns.extend(servers.iter().map(|s| s.to_string()))
                }
                (_, ["up", "ip", "-6", "addr", "add", cidr, "dev", dev]) if *dev == interface => {
                    v6.push(split_cidr(cidr))
                }
                (_, ["up", "ip", "addr", "add", cidr, "dev", dev, ..]) if *dev == interface => {
                    v4.push(split_cidr(cidr).0);
                }
                (
                    _,
                    ["up", "ip", "route", "add", "default", "via", gateway, "dev", _, "table", table],
                ) => {
                    plan.gateway = Some(gateway.to_string());
                    plan.route_table = table.parse().ok();
                }
                (_, ["up", "ip", "route", "add", _, "dev", _, "table", _]) => {}
                (
                    _,
                    ["up" | "down", "ip", "rule", "add" | "del", "from", _, "table", _, "priority", _],
                ) => {}
                (
                    _,
                    ["down", "ip", "-6", "addr", "del", ..]
                    | ["down", "ip", "addr", "del", ..]
                    | ["down", "ip", "route", "flush", "table", _],
                ) => {}
                _ => skip(*line, option, "an option that is not part of a plan"),
            }
        }
    }
    aliases.sort();
    if plan.mode == Some(Mode::Static) && !v4.is_empty() {
        plan.primary = Some(v4.remove(0));
    }
    plan.secondaries = v4
        .into_iter()
        .chain(aliases.into_iter().map(|(_, a)| a))
        .collect();
    if !v6.is_empty() {
        plan.ipv6 = Some(Ipv6Plan {
            prefix: v6[0].1,
            addresses: v6.into_iter().map(|(a, _)| a).collect(),
            gateway: gateway6,
        });
    }
    // A migration deletes the files that hold this interface's stanzas and nothing else.
    let mut own: Vec<String> = Vec::new();
    for stanza in &mine {
        if !own.contains(&stanza.file)
            && all
                .iter()
                .filter(|s| s.file == stanza.file)
                .all(|s| s.name == interface || s.name.starts_with(&alias_prefix))
        {
            own.push(stanza.file.clone());
        }
    }
    Ok(Reading {
        plan,
        unread,
        warnings,
        files: own,
    })
}
