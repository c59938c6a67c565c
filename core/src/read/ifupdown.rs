//! interfaces(5) read back: `/etc/network/interfaces` and what its `source` and
//! `source-directory` lines include, the interface's `inet`/`inet6` stanzas (stacked ones, as
//! cloud-init writes them, add addresses), its alias stanzas `<if>:<n>`, and the `up ip addr
//! add`/`up ip route add … table`/`up ip rule add` lines that carry what the options cannot.

use std::net::Ipv4Addr;

use super::{parse_cidr, Found, FoundAddress, FoundRoute, HostFiles, Reading, Unread};
use crate::error::{Error, Errors};

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

/// What one `source` or `source-directory` line reads (interfaces(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Includes {
    /// `source PATTERN`: the files of a directory whose names match a shell pattern.
    Glob {
        /// The directory.
        dir: String,
        /// The file-name pattern.
        pattern: String,
    },
    /// `source-directory DIR`: the files of a directory with run-parts names.
    Directory {
        /// The directory.
        dir: String,
    },
}

impl Includes {
    /// The includes of a line's words, `None` when the line is no `source` line.
    pub(crate) fn parse(words: &[&str]) -> Option<Includes> {
        let (keyword, pattern) = match words {
            [keyword @ ("source" | "source-directory"), pattern] => (*keyword, *pattern),
            _ => return None,
        };
        // A relative path is relative to /etc/network (interfaces(5)).
        let absolute = if pattern.starts_with('/') {
            pattern.to_string()
        } else {
            format!("{DIR}/{pattern}")
        };
        if keyword == "source-directory" {
            return Some(Includes::Directory {
                dir: absolute.trim_end_matches('/').to_string(),
            });
        }
        let (dir, pattern) = absolute.rsplit_once('/')?;
        Some(Includes::Glob {
            dir: dir.to_string(),
            pattern: pattern.to_string(),
        })
    }

    /// Whether the line reads the file at `path`.
    pub(crate) fn takes(&self, path: &str) -> bool {
        let Some((dir, name)) = path.rsplit_once('/') else {
            return false;
        };
        match self {
            Includes::Glob { dir: d, pattern } => d == dir && glob(pattern, name),
            Includes::Directory { dir: d } => d == dir && run_parts_name(name),
        }
    }
}

/// What one item of an interfaces(5) file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// `iface NAME FAMILY METHOD` and its options.
    Iface {
        /// The logical interface.
        name: String,
    },
    /// `auto`, `allow-hotplug`, `allow-auto`, `allow-*`: a keyword and the names it lists.
    Auto {
        /// The keyword.
        keyword: String,
        /// The interfaces listed.
        names: Vec<String>,
    },
    /// `mapping PATTERN` and its options.
    Mapping,
    /// `source`/`source-directory`.
    Source(Includes),
    /// A line outside any stanza.
    Other,
}

/// One item of an interfaces(5) file and the lines it spans (from 1, both ends included; an
/// item ends at its last non-blank, non-comment line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// What it is.
    pub(crate) kind: BlockKind,
    /// Its first line.
    pub(crate) first: usize,
    /// Its last line.
    pub(crate) last: usize,
}

/// The items of one interfaces(5) file, in order. A line ending in `\` continues on the next
/// one.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let first = index + 1;
        let mut line = lines[index].trim().to_string();
        while line.ends_with('\\') && index + 1 < lines.len() {
            line.pop();
            index += 1;
            line.push(' ');
            line.push_str(lines[index].trim());
        }
        let last = index + 1;
        index += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let kind = match words.as_slice() {
            ["iface", name, ..] => Some(BlockKind::Iface {
                name: name.to_string(),
            }),
            ["mapping", ..] => Some(BlockKind::Mapping),
            [keyword, names @ ..] if *keyword == "auto" || keyword.starts_with("allow-") => {
                Some(BlockKind::Auto {
                    keyword: keyword.to_string(),
                    names: names.iter().map(|n| n.to_string()).collect(),
                })
            }
            ["source" | "source-directory", ..] => {
                Some(Includes::parse(&words).map_or(BlockKind::Other, BlockKind::Source))
            }
            _ => None,
        };
        match kind {
            Some(kind) => {
                open = matches!(kind, BlockKind::Iface { .. } | BlockKind::Mapping);
                blocks.push(Block { kind, first, last });
            }
            // An option of the open stanza extends it.
            None if open => {
                if let Some(block) = blocks.last_mut() {
                    block.last = last;
                }
            }
            None => blocks.push(Block {
                kind: BlockKind::Other,
                first,
                last,
            }),
        }
    }
    blocks
}

/// The files ifupdown reads from `main`, `main` first, each once, in reading order (the
/// `source` lines followed where they stand).
pub(crate) fn read_order(files: &HostFiles, main: &str) -> Vec<String> {
    fn walk(files: &HostFiles, path: &str, order: &mut Vec<String>) {
        if order.iter().any(|p| p == path) {
            return;
        }
        let Some(text) = files.get(path) else { return };
        order.push(path.to_string());
        for block in blocks(text) {
            if let BlockKind::Source(includes) = block.kind {
                let next: Vec<String> = files
                    .keys()
                    .filter(|p| includes.takes(p))
                    .cloned()
                    .collect();
                for path in next {
                    walk(files, &path, order);
                }
            }
        }
    }
    let mut order = Vec::new();
    walk(files, main, &mut order);
    order
}

/// Every file the main file reads, in order (sources followed, each file once). A line
/// ifupdown cannot read makes it refuse the whole configuration (config.c: "'inherits'
/// keyword is missing a parameter", "unknown or no address type and no inherits keyword
/// specified"): that is an error.
fn collect(
    files: &HostFiles,
    path: &str,
    seen: &mut Vec<String>,
    stanzas: &mut Vec<Stanza>,
    unread: &mut Vec<Unread>,
    refusals: &mut Vec<Error>,
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
        if words[0] == "iface" {
            let inherits = words.iter().position(|w| *w == "inherits");
            let refusal = match inherits {
                Some(at) if at + 1 >= words.len() => {
                    Some("'inherits' keyword is missing a parameter")
                }
                Some(_) => None,
                None if words.len() < 4 => {
                    Some("unknown or no address type and no inherits keyword specified")
                }
                None => None,
            };
            if let Some(why) = refusal {
                refusals.push(Error::Syntax {
                    field: format!("{path}:{number}"),
                    message: format!(
                        "`{line}`: {why}; ifupdown refuses the whole configuration, so nothing \
                         of it is read"
                    ),
                });
            }
        }
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
            ["source" | "source-directory", _] => {
                stanzas.extend(current.take());
                let Some(includes) = Includes::parse(&words) else {
                    continue;
                };
                let matching: Vec<String> = files
                    .keys()
                    .filter(|p| includes.takes(p))
                    .cloned()
                    .collect();
                for next in matching {
                    collect(files, &next, seen, stanzas, unread, refusals);
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

fn stanzas(files: &HostFiles) -> (Vec<Stanza>, Vec<Unread>, Vec<Error>) {
    let mut stanzas = Vec::new();
    let mut unread = Vec::new();
    let mut refusals = Vec::new();
    let mut seen = Vec::new();
    let main = format!("{DIR}/interfaces");
    if files.contains_key(&main) {
        collect(
            files,
            &main,
            &mut seen,
            &mut stanzas,
            &mut unread,
            &mut refusals,
        );
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
            collect(
                files,
                &path,
                &mut seen,
                &mut stanzas,
                &mut unread,
                &mut refusals,
            );
        }
    }
    (stanzas, unread, refusals)
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

pub(super) fn read(files: &HostFiles, interface: &str) -> Result<Reading, Errors> {
    let (all, mut unread, refusals) = stanzas(files);
    if !refusals.is_empty() {
        return Err(Errors::from_vec(refusals));
    }
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
    if interface.contains('.') {
        warnings.push(format!(
            "{interface} is a VLAN interface (its name has a `.`): a plan configures an ENI's NIC"
        ));
    }
    let mut found = Found::default();
    // The main interface's addresses first, then its aliases' in the order of their numbers.
    let mut aliases: Vec<(u64, FoundAddress<Ipv4Addr>)> = Vec::new();
    for stanza in &mine {
        let alias = stanza
            .name
            .strip_prefix(&alias_prefix)
            .map(|n| n.parse::<u64>().unwrap_or(u64::MAX));
        let at = |line: usize| format!("{}:{line}", stanza.file);
        if stanza.family == "inet" && stanza.method == "dhcp" && alias.is_none() {
            found.dhcp4 = true;
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
        // One stanza, one address: ifupdown uses the first `address` line and ignores the
        // others (its netmask given by `netmask`, which wins over a `/prefix`).
        let mut address: Option<(usize, String)> = None;
        let mut netmask: Option<String> = None;
        for (line, option) in &stanza.options {
            let words: Vec<&str> = option.split_whitespace().collect();
            match (stanza.family.as_str(), words.as_slice()) {
                ("inet" | "inet6", ["address", value]) if address.is_none() => {
                    address = Some((*line, value.to_string()))
                }
                ("inet" | "inet6", ["address", _]) => skip(
                    *line,
                    option,
                    "a second address line in one stanza: ifupdown uses the first only",
                ),
                ("inet" | "inet6", ["netmask", mask]) => netmask = Some(mask.to_string()),
                ("inet", ["gateway", gateway]) => match gateway.parse() {
                    Ok(via) => found.gateways4.push(FoundRoute {
                        via,
                        metric: None,
                        at: at(*line),
                    }),
                    Err(_) => skip(*line, option, "not an IPv4 gateway"),
                },
                ("inet6", ["gateway", gateway]) => match gateway.parse() {
                    Ok(via) => found.gateways6.push(FoundRoute {
                        via,
                        metric: None,
                        at: at(*line),
                    }),
                    Err(_) => skip(*line, option, "not an IPv6 gateway"),
                },
                (_, ["hwaddress", "ether", mac] | ["hwaddress", mac]) => {
                    found.mac = Some(mac.to_lowercase())
                }
                (_, ["dns-nameservers", servers @ ..]) => {
                    for server in servers {
                        match server.parse() {
                            Ok(server) => found.dns.push(server),
                            Err(_) => skip(*line, option, "not a DNS server address"),
                        }
                    }
                }
                (_, ["up", "ip", "-6", "addr", "add", cidr, "dev", dev]) if *dev == interface => {
                    match parse_cidr::<std::net::Ipv6Addr>(cidr, 128) {
                        Some((address, prefix)) => found.ipv6.push(FoundAddress {
                            address,
                            prefix: Some(prefix.unwrap_or(128)),
                            at: at(*line),
                        }),
                        None => skip(*line, option, "not an IPv6 address"),
                    }
                }
                (_, ["up", "ip", "addr", "add", cidr, "dev", dev, ..]) if *dev == interface => {
                    match parse_cidr::<Ipv4Addr>(cidr, 32) {
                        Some((address, prefix)) => found.ipv4.push(FoundAddress {
                            address,
                            prefix: Some(prefix.unwrap_or(32)),
                            at: at(*line),
                        }),
                        None => skip(*line, option, "not an IPv4 address"),
                    }
                }
                (
                    _,
                    ["up", "ip", "route", "add", "default", "via", gateway, "dev", _, "table", table],
                ) => match (gateway.parse(), table.parse()) {
                    (Ok(via), Ok(table)) => {
                        found.table = Some(table);
                        found.gateways4.insert(
                            0,
                            FoundRoute {
                                via,
                                metric: None,
                                at: at(*line),
                            },
                        );
                    }
                    _ => skip(*line, option, "not a route of the ENI's own table"),
                },
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
        let Some((line, value)) = address else {
            continue;
        };
        // `address X/` has no prefix: ifupdown hands `X` alone to `ip`.
        let value = value.strip_suffix('/').unwrap_or(&value).to_string();
        match stanza.family.as_str() {
            "inet" => match parse_cidr::<Ipv4Addr>(&value, 32) {
                Some((address, prefix)) => {
                    // `netmask` wins over a `/prefix` written with the address.
                    let prefix = netmask
                        .as_deref()
                        .and_then(|m| {
                            m.parse::<u8>()
                                .ok()
                                .filter(|p| *p <= 32)
                                .or_else(|| crate::net::netmask_prefix(m))
                        })
                        .or(prefix)
                        .or(Some(32));
                    let found_address = FoundAddress {
                        address,
                        prefix,
                        at: at(line),
                    };
                    match alias {
                        Some(n) => aliases.push((n, found_address)),
                        None => found.ipv4.push(found_address),
                    }
                }
                None => skip_address(&mut unread, stanza, line, &value),
            },
            _ => match parse_cidr::<std::net::Ipv6Addr>(&value, 128) {
                Some((address, prefix)) => {
                    let prefix = netmask
                        .as_deref()
                        .and_then(|m| m.parse::<u8>().ok().filter(|p| *p <= 128))
                        .or(prefix)
                        .or(Some(128));
                    found.ipv6.push(FoundAddress {
                        address,
                        prefix,
                        at: at(line),
                    });
                }
                None => skip_address(&mut unread, stanza, line, &value),
            },
        }
    }
    aliases.sort_by_key(|(n, _)| *n);
    found
        .ipv4
        .extend(aliases.into_iter().map(|(_, address)| address));
    let plan = found.into_plan(&mut warnings);
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

/// An `address` that is no address: ifupdown hands it to `ip`, which refuses it.
fn skip_address(unread: &mut Vec<Unread>, stanza: &Stanza, line: usize, value: &str) {
    unread.push(Unread {
        file: stanza.file.clone(),
        line,
        text: format!("address {value}"),
        reason: format!(
            "`{value}` is not an {} address: `ip` refuses it when ifup runs",
            if stanza.family == "inet" {
                "IPv4"
            } else {
                "IPv6"
            }
        ),
    });
}

/// The interfaces(5) reader.
pub(crate) struct Ifupdown;

impl super::Reader for Ifupdown {
    fn directories(&self) -> &'static [&'static str] {
        &[DIR, SOURCED]
    }
    fn interfaces(&self, files: &HostFiles, _nics: &super::HostNics) -> Vec<String> {
        interfaces(files)
    }
    fn read(
        &self,
        files: &HostFiles,
        interface: &str,
        _target: crate::target::Target,
        _nics: &super::HostNics,
    ) -> Result<Reading, Errors> {
        read(files, interface)
    }
}
