//! The one quoting layer: every value that reaches a shell line, an ifcfg file, a YAML document
//! or a cmd line goes through one of these functions. Templates reach them through the one
//! formatter of their output kind (`templates`), which writes straight into the output.

use std::fmt::{self, Write};

/// Characters a POSIX shell word may hold without quoting.
fn is_shell_safe(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '@' | '%' | '+' | '=' | ':' | ',' | '.' | '/' | '-')
}

/// Quotes one word for a POSIX shell (sh, bash, dash): unchanged when it is inert, otherwise in
/// single quotes, inside which the shell expands nothing. A `'` is written as `'\\''`.
///
/// The same form is right for ifcfg files, which initscripts and wicked read by sourcing them
/// and NetworkManager's ifcfg-rh parser reads with shell quoting rules.
pub fn shell_word(word: &str) -> String {
    let mut quoted = String::with_capacity(word.len() + 2);
    push_shell_word(&mut quoted, word);
    quoted
}

fn push_shell_word(out: &mut String, word: &str) {
    // Writing to a String cannot fail.
    let _ = write_shell_word(out, word);
}

/// [`shell_word`], written into `out`.
pub(crate) fn write_shell_word<W: Write + ?Sized>(out: &mut W, word: &str) -> fmt::Result {
    if !word.is_empty() && word.chars().all(is_shell_safe) {
        return out.write_str(word);
    }
    out.write_char('\'')?;
    for (index, part) in word.split('\'').enumerate() {
        if index > 0 {
            out.write_str("'\\''")?;
        }
        out.write_str(part)?;
    }
    out.write_char('\'')
}

/// Joins argv into one POSIX shell line that runs exactly that argv.
pub fn shell_line<S: AsRef<str>>(argv: &[S]) -> String {
    let mut line = String::with_capacity(argv.iter().map(|w| w.as_ref().len() + 3).sum());
    for (index, word) in argv.iter().enumerate() {
        if index > 0 {
            line.push(' ');
        }
        push_shell_word(&mut line, word.as_ref());
    }
    line
}

/// Writes a YAML scalar: plain when it starts with a letter, holds only characters YAML gives
/// no meaning to in a plain scalar, and is not a word YAML 1.1 reads as a boolean or null;
/// double-quoted (JSON-style escapes, a subset of YAML's) otherwise. Addresses are always
/// quoted, because YAML 1.1 reads `192.168.1.1`-like text as a float and `00:16:…` as a
/// base-60 integer.
pub fn yaml_scalar(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    let _ = write_yaml_scalar(&mut quoted, value);
    quoted
}

/// [`yaml_scalar`], written into `out`.
pub(crate) fn write_yaml_scalar<W: Write + ?Sized>(out: &mut W, value: &str) -> fmt::Result {
    const YAML_WORDS: [&str; 12] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~",
    ];
    let plain = value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !YAML_WORDS
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word));
    if plain {
        return out.write_str(value);
    }
    out.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_control() => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// Joins a netsh command's argv into the cmd line that passes exactly that argv: the value of
/// a `name=` or `interface=` argument (an adapter name, which may hold spaces) in double
/// quotes, every other word as it is. Adapter names reaching here have been checked to hold no
/// `"`, `%`, `!`, control character or trailing `\\` — the only characters that cmd or
/// Windows' argument parsing would treat specially inside double quotes.
pub fn netsh_line<S: AsRef<str>>(argv: &[S]) -> String {
    let mut line = String::with_capacity(argv.iter().map(|w| w.as_ref().len() + 3).sum());
    for (index, word) in argv.iter().enumerate() {
        let word = word.as_ref();
        if index > 0 {
            line.push(' ');
        }
        // Only an adapter name can hold spaces; every other word is inert as it is.
        match ["name=", "interface="].iter().find_map(|tag| {
            word.strip_prefix(tag)
                .map(|value| (&tag[..tag.len() - 1], value))
        }) {
            Some((tag, value)) => {
                line.push_str(tag);
                line.push_str("=\"");
                line.push_str(value);
                line.push('"');
            }
            None => line.push_str(word),
        }
    }
    line
}

/// One argument of a PowerShell command, as [`powershell_line`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsArg<'a> {
    /// `-Name`, a parameter or switch name (`-Confirm:$false` included).
    Parameter(&'a str),
    /// A string value, always single-quoted.
    Text(&'a str),
    /// A value PowerShell must read as a token, not a string: `$true`, `Disabled`, `IPv4`.
    Token(&'static str),
}

/// PowerShell's single quotes: the ASCII `'` and the typographic ones PowerShell treats the
/// same way (about_Quoting_Rules; `‘’‚‛`), each doubled inside a single-quoted string.
fn is_powershell_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A string as a PowerShell single-quoted literal: nothing inside is expanded (`$`, backtick
/// and `;` are literal); only the quote characters are doubled.
pub fn powershell_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    push_powershell_string(&mut quoted, value);
    quoted
}

fn push_powershell_string(out: &mut String, value: &str) {
    out.push('\'');
    for c in value.chars() {
        out.push(c);
        if is_powershell_quote(c) {
            out.push(c);
        }
    }
    out.push('\'');
}

/// Joins a cmdlet and its arguments into one PowerShell line. Several `Text` values in a row
/// after one parameter become an array (`'a','b'`).
pub fn powershell_line(cmdlet: &str, args: &[PsArg<'_>]) -> String {
    let length: usize = args
        .iter()
        .map(|arg| match arg {
            PsArg::Parameter(word) | PsArg::Text(word) => word.len() + 3,
            PsArg::Token(word) => word.len() + 1,
        })
        .sum();
    let mut line = String::with_capacity(cmdlet.len() + length);
    line.push_str(cmdlet);
    let mut previous_was_value = false;
    for arg in args {
        match arg {
            PsArg::Parameter(name) => {
                line.push(' ');
                line.push_str(name);
                previous_was_value = false;
            }
            PsArg::Text(value) => {
                line.push(if previous_was_value { ',' } else { ' ' });
                push_powershell_string(&mut line, value);
                previous_was_value = true;
            }
            PsArg::Token(token) => {
                line.push(' ');
                line.push_str(token);
                previous_was_value = false;
            }
        }
    }
    line
}

/// A value for a NetworkManager keyfile (GLib key-file syntax): backslash escapes for `\`
/// and control characters, and a leading space kept as `\s`.
pub fn keyfile_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let _ = write_keyfile_value(&mut escaped, value);
    escaped
}

/// [`keyfile_value`], written into `out`.
pub(crate) fn write_keyfile_value<W: Write + ?Sized>(out: &mut W, value: &str) -> fmt::Result {
    for (index, c) in value.chars().enumerate() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            ' ' if index == 0 => out.write_str("\\s")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("eth0"), "eth0");
        assert_eq!(shell_word("System eth0"), "'System eth0'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$(reboot)"), "'$(reboot)'");
    }

    #[test]
    fn yaml_scalars() {
        assert_eq!(yaml_scalar("eth0"), "eth0");
        assert_eq!(yaml_scalar("default"), "default");
        assert_eq!(yaml_scalar("yes"), "\"yes\"");
        assert_eq!(yaml_scalar("192.168.1.201/24"), "\"192.168.1.201/24\"");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("x\ny"), "\"x\\ny\"");
    }

    #[test]
    fn powershell_strings() {
        assert_eq!(powershell_string("Ethernet 2"), "'Ethernet 2'");
        assert_eq!(powershell_string("it's"), "'it''s'");
        assert_eq!(powershell_string("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(powershell_string("$(Stop-Computer)"), "'$(Stop-Computer)'");
        let line = powershell_line(
            "Set-DnsClientServerAddress",
            &[
                PsArg::Parameter("-InterfaceAlias"),
                PsArg::Text("Ethernet"),
                PsArg::Parameter("-ServerAddresses"),
                PsArg::Text("100.100.2.136"),
                PsArg::Text("100.100.2.138"),
            ],
        );
        assert_eq!(
            line,
            "Set-DnsClientServerAddress -InterfaceAlias 'Ethernet' -ServerAddresses \
             '100.100.2.136','100.100.2.138'"
        );
    }

    #[test]
    fn keyfile_values() {
        assert_eq!(keyfile_value("System eth0"), "System eth0");
        assert_eq!(keyfile_value("a\\b"), "a\\\\b");
        assert_eq!(keyfile_value(" x\ny"), "\\sx\\ny");
    }

    #[test]
    fn netsh_lines() {
        let argv = [
            "netsh",
            "interface",
            "ipv4",
            "add",
            "address",
            "name=Ethernet 2",
            "mask=255.255.255.0",
        ];
        assert_eq!(
            netsh_line(&argv),
            "netsh interface ipv4 add address name=\"Ethernet 2\" mask=255.255.255.0"
        );
    }
}
