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
