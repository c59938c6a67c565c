//! Rules for the names a plan carries into file names, config files and command lines.
//!
//! A name is checked against what its target accepts, and kept to a set of characters that is
//! inert in every place the name lands. Where a name may legitimately hold spaces (Windows
//! adapters, NetworkManager connections) it is quoted by the one quoting layer of each output
//! kind (`quote`), never by hand.

use crate::error::{shown, Error};
use crate::plan::Provider;

/// Linux's IFNAMSIZ is 16 bytes including the terminating NUL.
const LINUX_IFNAME_MAX: usize = 15;

/// Windows limits an interface alias (its friendly name) to 256 characters (`IF_MAX_STRING_SIZE`).
const WINDOWS_ADAPTER_MAX: usize = 256;

/// NetworkManager takes any UTF-8 in a connection id; this bound keeps messages and command
/// lines readable.
const CONNECTION_MAX: usize = 255;

/// A Linux interface name, safe in file names (`ifcfg-eth0`), config keys and argv.
///
/// The kernel forbids `/`, `:` and whitespace and limits the length to 15 bytes; eniplan also
/// refuses every character outside letters, digits, `_`, `.` and `-`, and a leading `-` or `.`,
/// so that a name can never be read as an option, a shell word break or a YAML indicator. Every
/// real interface name (eth0, ens5, enp0s3, eth0.100, br-lan) fits.
pub(crate) fn linux_interface_name(field: &str, value: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidName {
        field: field.into(),
        value: shown(value),
        what: "Linux interface name",
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if value.len() > LINUX_IFNAME_MAX {
        return Err(invalid(format!(
            "it is {} bytes long; Linux allows at most {LINUX_IFNAME_MAX} (IFNAMSIZ)",
            value.len()
        )));
    }
    if value == "." || value == ".." {
        return Err(invalid("`.` and `..` are not interface names".into()));
    }
    if let Some(bad) = value.chars().find(|c| !is_linux_name_char(*c)) {
        let why = match bad {
            ':' => "`:` is reserved for alias labels such as eth0:0".to_string(),
            '/' => "`/` cannot appear in a Linux interface name".to_string(),
            c if c.is_whitespace() => "Linux interface names cannot contain whitespace".into(),
            c if c.is_control() => "it contains a control character".into(),
            c => format!(
                "it contains `{}`; eniplan accepts letters, digits, `_`, `.` and `-` so the \
                 name is inert in every file and command it reaches",
                c.escape_debug()
            ),
        };
        return Err(invalid(why));
    }
    if value.starts_with('-') || value.starts_with('.') {
        return Err(invalid(
            "it starts with `-` or `.`, which commands would read as an option or a hidden file"
                .into(),
        ));
    }
    Ok(())
}

fn is_linux_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// A Windows adapter name (its interface alias), e.g. `Ethernet 2`.
///
/// Spaces and most punctuation are legal and are quoted on output; refused are quotes
/// (`"` ends the quoted argument), `%` and `!` (cmd expands variables even inside quotes),
/// control characters, leading or trailing spaces (Windows trims them) and a trailing `\`
/// (which would escape the closing quote).
pub(crate) fn windows_adapter_name(field: &str, value: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidName {
        field: field.into(),
        value: shown(value),
        what: "Windows adapter name",
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if value.chars().count() > WINDOWS_ADAPTER_MAX {
        return Err(invalid(format!(
            "it is longer than {WINDOWS_ADAPTER_MAX} characters"
        )));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| c.is_control() || matches!(c, '"' | '%' | '!') || is_invisible(*c))
    {
        return Err(invalid(format!(
            "it contains `{}`; quotes, `%`, `!`, control and invisible characters cannot be \
             passed safely to netsh",
            bad.escape_debug()
        )));
    }
    if value.trim() != value {
        return Err(invalid(
            "it has leading or trailing whitespace, which Windows does not keep".into(),
        ));
    }
    if value.ends_with('\\') {
        return Err(invalid(
            "it ends with `\\`, which Windows' argument parsing would read as escaping the \
             closing quote"
                .into(),
        ));
    }
    Ok(())
}

/// An interface name that is valid for at least one family (Linux or Windows); the renderer
/// of each target applies its own rule.
pub(crate) fn any_interface_name(field: &str, value: &str) -> Result<String, Error> {
    match linux_interface_name(field, value) {
        Ok(()) => Ok(value.to_string()),
        Err(linux) => match windows_adapter_name(field, value) {
            Ok(()) => Ok(value.to_string()),
            // The Linux reason is the more useful one unless the name has a space (then it is
            // meant for Windows).
            Err(windows) if value.contains(' ') => Err(windows),
            Err(_) => Err(linux),
        },
    }
}

/// A NetworkManager connection id, e.g. `System eth0`.
///
/// NetworkManager accepts any UTF-8; eniplan refuses control and invisible characters (they
/// would forge lines in output), surrounding whitespace, a leading `-` (nmcli would read an
/// option) and the words nmcli reads as selectors (`id`, `uuid`, `path`, `apath`, `help`).
pub(crate) fn connection_name(field: &str, value: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidName {
        field: field.into(),
        value: shown(value),
        what: "NetworkManager connection name",
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if value.len() > CONNECTION_MAX {
        return Err(invalid(format!("it is longer than {CONNECTION_MAX} bytes")));
    }
    if let Some(bad) = value.chars().find(|c| c.is_control() || is_invisible(*c)) {
        return Err(invalid(format!(
            "it contains the control or invisible character `{}`",
            bad.escape_debug()
        )));
    }
    if value.trim() != value {
        return Err(invalid("it has leading or trailing whitespace".into()));
    }
    if value.starts_with('-') {
        return Err(invalid(
            "it starts with `-`, which nmcli reads as an option".into(),
        ));
    }
    if ["id", "uuid", "path", "apath", "help"].contains(&value) {
        return Err(invalid(format!(
            "nmcli reads `{value}` as a keyword, not a connection name"
        )));
    }
    Ok(value.to_string())
}

/// An Alibaba Cloud region id such as `cn-hangzhou` or `ap-southeast-1`.
pub(crate) fn region(field: &str, value: &str, provider: Provider) -> Result<String, Error> {
    let lower = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let parts: Vec<&str> = value.split('-').collect();
    // Alibaba Cloud and AWS: `cn-hangzhou`, `us-east-1` (a two-letter area first); Azure's
    // locations are one word: `eastus`, `westeurope`.
    let (well_formed, like) = match provider {
        Provider::Aliyun | Provider::Aws => (
            parts.len() >= 2 && parts[0].len() == 2 && parts.iter().all(|part| lower(part)),
            "lowercase words joined by `-`, like cn-hangzhou or us-east-1",
        ),
        Provider::Azure => (
            lower(value),
            "one lowercase word of letters and digits, like eastus",
        ),
    };
    if value.len() <= 64 && well_formed {
        Ok(value.to_string())
    } else {
        Err(Error::InvalidName {
            field: field.into(),
            value: shown(value),
            what: "region id",
            reason: format!("expected {like}"),
        })
    }
}

/// An ENI id such as `eni-bp1example` (Alibaba Cloud) or `eni-0f95d3625f5c521cc` (AWS). Azure
/// names a NIC by its resource, not by an ENI id.
pub(crate) fn eni_id(field: &str, value: &str, provider: Provider) -> Result<String, Error> {
    if provider == Provider::Azure {
        return Err(Error::Unsupported {
            field: field.into(),
            value: shown(value),
            target: "provider azure".into(),
            reason: "Azure names a NIC by its resource group and name, not by an eni- id".into(),
        });
    }
    let well_formed = value.len() <= 64
        && value.strip_prefix("eni-").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if well_formed {
        Ok(value.to_string())
    } else {
        Err(Error::InvalidName {
            field: field.into(),
            value: shown(value),
            what: "ENI id",
            reason: "expected `eni-` followed by lowercase letters and digits, like eni-bp1example"
                .into(),
        })
    }
}

/// Which Azure resource a name names (the rules differ).
#[derive(Clone, Copy)]
pub(crate) enum AzureName {
    /// A resource group: 1–90 of letters, digits, `_`, `(`, `)`, `-`, `.`; not ending in `.`.
    ResourceGroup,
    /// A NIC or one of its ip-configs: 1–80 of letters, digits, `_`, `.`, `-`; a letter or
    /// digit first, a letter, digit or `_` last.
    Nic,
}

/// An Azure resource name, by "Naming rules and restrictions for Azure resources"
/// (Microsoft.Resources/resourcegroups; Microsoft.Network/networkInterfaces and their
/// ipConfigurations). Kept to ASCII: the names land on `az` command lines.
pub(crate) fn azure_name(field: &str, value: &str, kind: AzureName) -> Result<String, Error> {
    let (max, what, extra, rule): (usize, &'static str, &[u8], &str) = match kind {
        AzureName::ResourceGroup => (
            90,
            "resource group name",
            b"_()-.",
            "1 to 90 letters, digits, `_`, `(`, `)`, `-` or `.`, not ending in `.`",
        ),
        AzureName::Nic => (
            80,
            "Azure NIC or ip-config name",
            b"_.-",
            "1 to 80 letters, digits, `_`, `.` or `-`, starting with a letter or digit and \
             ending with a letter, digit or `_`",
        ),
    };
    let bytes = value.as_bytes();
    let allowed = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || extra.contains(b));
    let ends = match (kind, bytes.first(), bytes.last()) {
        (_, None, _) | (_, _, None) => false,
        (AzureName::ResourceGroup, _, Some(last)) => *last != b'.',
        (AzureName::Nic, Some(first), Some(last)) => {
            first.is_ascii_alphanumeric() && (last.is_ascii_alphanumeric() || *last == b'_')
        }
    };
    if value.len() <= max && allowed && ends {
        Ok(value.to_string())
    } else {
        Err(Error::InvalidName {
            field: field.into(),
            value: shown(value),
            what,
            reason: format!("expected {rule}"),
        })
    }
}

/// Zero-width and bidirectional-control characters: invisible in a terminal, so a name holding
/// one would not read back as what the user sees.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}
