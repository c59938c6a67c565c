//! What a rendering is: data the caller applies (files to write and delete, commands to run),
//! serialised exactly as the JSON contract the README documents ("Output: the JSON contract").

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::os_family::OsFamily;
use crate::quote;

/// File mode `0644`: readable configuration.
pub const MODE_PUBLIC: u32 = 0o644;
/// File mode `0600`: netplan refuses to stay quiet about anything more open.
pub const MODE_PRIVATE: u32 = 0o600;

/// The complete OS-side configuration of one plan for one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendering {
    /// The target name asked for, e.g. `centos-7` or `netplan`.
    pub target: String,
    /// The family the target belongs to.
    pub family: OsFamily,
    /// Files to write, in order, each replacing the file at its path.
    pub files: Vec<File>,
    /// Files to delete (stale configuration that would keep old addresses alive).
    pub delete: Vec<String>,
    /// Commands to run after writing the files, in order.
    pub commands: Vec<Command>,
    /// Commands that make the configuration take effect.
    pub restart: Vec<Command>,
    /// Commands that show whether it did.
    pub verify: Vec<Command>,
    /// Things the user must know: defaults taken, behaviour of the target to watch for.
    pub warnings: Vec<String>,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// Absolute path on the target system.
    pub path: String,
    /// The whole contents.
    pub contents: String,
    /// Permission bits, e.g. 420 (`0o644`).
    pub mode: u32,
}

/// One command, both as argv (for a program to exec) and as a shell line (for a human or a
/// script). The line is produced from argv by the target's quoting rules, never by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// The same command as one line for the target's shell (POSIX sh; cmd for netsh;
    /// PowerShell for the powershell family).
    pub shell: String,
    /// Why the command is there.
    pub purpose: String,
}

impl Command {
    /// A command for a POSIX shell.
    pub(crate) fn posix<I, S>(argv: I, purpose: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
        Command {
            shell: quote::shell_line(&argv),
            argv,
            purpose: purpose.into(),
        }
    }

    /// A netsh (or other cmd) command; its cmd line comes from [`quote::netsh_line`].
    pub(crate) fn cmd(argv: Vec<String>, purpose: impl Into<String>) -> Self {
        Command {
            shell: quote::netsh_line(&argv),
            argv,
            purpose: purpose.into(),
        }
    }
}

impl Command {
    /// A PowerShell command: argv is the cmdlet and its words, the line is PowerShell's
    /// (values single-quoted by [`quote::powershell_line`]).
    pub(crate) fn powershell(
        cmdlet: &str,
        args: &[quote::PsArg<'_>],
        purpose: impl Into<String>,
    ) -> Self {
        let mut argv = vec![cmdlet.to_string()];
        let mut previous_was_value = false;
        for arg in args {
            match (arg, argv.last_mut()) {
                // An array value: one argv word, comma-separated, as PowerShell binds it.
                (quote::PsArg::Text(value), Some(last)) if previous_was_value => {
                    last.push(',');
                    last.push_str(value);
                }
                (quote::PsArg::Text(word), _)
                | (quote::PsArg::Parameter(word), _)
                | (quote::PsArg::Token(word), _) => argv.push((*word).to_string()),
            }
            previous_was_value = matches!(arg, quote::PsArg::Text(_));
        }
        Command {
            shell: quote::powershell_line(cmdlet, args),
            argv,
            purpose: purpose.into(),
        }
    }
}

impl Rendering {
    /// The rendering as the JSON contract's text (pretty-printed, with a final newline).
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// A human-readable report: each file with a header naming its path and mode, then the
    /// files to delete, the commands, the restart and verify steps and the warnings.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### {} ({} family)", self.target, self.family.name());
        for file in &self.files {
            let _ = writeln!(out, "\n--- file {} (mode {:04o})", file.path, file.mode);
            out.push_str(&file.contents);
            if !file.contents.ends_with('\n') {
                out.push('\n');
            }
        }
        if !self.delete.is_empty() {
            out.push_str("\n--- delete\n");
            for path in &self.delete {
                let _ = writeln!(out, "{path}");
            }
        }
        for (title, commands) in [
            ("commands", &self.commands),
            ("restart", &self.restart),
            ("verify", &self.verify),
        ] {
            if commands.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n--- {title}");
            for command in commands {
                let _ = writeln!(out, "# {}\n{}", command.purpose, command.shell);
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\n--- warnings\n");
            for warning in &self.warnings {
                let _ = writeln!(out, "- {warning}");
            }
        }
        out
    }
}

/// Serialises any list of renderings (or one) as the JSON contract's text.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Serialising these plain structs cannot fail: every field is a string, number or list.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
