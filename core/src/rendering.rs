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

/// One target's part of a selection's rendering: what it rendered, or why it refused (the
/// other targets render all the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The target rendered the plans.
    Rendered(Rendering),
    /// The target cannot render them.
    Refused(Refusal),
}

impl Outcome {
    /// The target's name.
    pub fn target(&self) -> &str {
        match self {
            Outcome::Rendered(rendering) => &rendering.target,
            Outcome::Refused(refusal) => &refusal.target,
        }
    }

    /// The rendering, when the target rendered.
    pub fn rendering(&self) -> Option<&Rendering> {
        match self {
            Outcome::Rendered(rendering) => Some(rendering),
            Outcome::Refused(_) => None,
        }
    }
}

/// Why one target of a selection cannot render the plans (JSON: `{target, family, error,
/// problems}` in the place of that target's rendering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The target name.
    pub target: String,
    /// Its family.
    pub family: OsFamily,
    /// Every problem.
    pub errors: crate::error::Errors,
}

impl Serialize for Refusal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Refusal", 4)?;
        out.serialize_field("target", &self.target)?;
        out.serialize_field("family", &self.family)?;
        out.serialize_field("error", &self.errors.to_string())?;
        out.serialize_field("problems", &self.errors.problems())?;
        out.end()
    }
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
    /// What keeps the command safe to run a second time on the same host, where it would fail
    /// on an object that already exists (or is already gone). `shell` carries it; `argv` is the
    /// command alone, run only as the guard says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
}

/// How a Windows command that creates or removes one object stays safe to repeat: NetTCPIP's
/// `New-*`/`Remove-*` cmdlets and netsh's `add`/`delete` report an error when the object already
/// exists (or does not), so each is run only as its guard allows. The argv held is the other
/// command of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// PowerShell `if (-not (probe)) { command }`: create only what the probe (a `Get-*` with
    /// `-ErrorAction SilentlyContinue`) does not find.
    UnlessFound(Vec<String>),
    /// PowerShell `if (probe) { command }`: remove only what the probe finds.
    IfFound(Vec<String>),
    /// cmd `probe || command`: the probe, a netsh `set` of the object, succeeds (changing
    /// nothing) when the object exists; only when it fails is the object added.
    UnlessSucceeds(Vec<String>),
    /// cmd `first >nul 2>&1 & command`: `first` adds the object (its error, when the object is
    /// already there, is discarded), so the command that deletes it finds it and succeeds; the
    /// line's status is the delete's, so a real failure (no such adapter) still shows.
    AfterEnsuring(Vec<String>),
    /// cmd `first >nul 2>&1 & command`: `first` deletes the object (its error, when the object
    /// is not there, is discarded), so the command that adds it does not find it; the line's
    /// status is the add's.
    AfterRemoving(Vec<String>),
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
            guard: None,
        }
    }

    /// A netsh (or other cmd) command; its cmd line comes from [`quote::netsh_line`].
    pub(crate) fn cmd(argv: Vec<String>, purpose: impl Into<String>) -> Self {
        Command {
            shell: quote::netsh_line(&argv),
            argv,
            purpose: purpose.into(),
            guard: None,
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
            guard: None,
        }
    }

    /// This PowerShell command, run only when `probe` finds nothing.
    pub(crate) fn unless_found(self, probe: Command) -> Self {
        self.guarded(Guard::UnlessFound(probe.argv), &probe.shell)
    }

    /// This PowerShell command, run only when `probe` finds something.
    pub(crate) fn if_found(self, probe: Command) -> Self {
        self.guarded(Guard::IfFound(probe.argv), &probe.shell)
    }

    /// This netsh command, run only when `probe` fails.
    pub(crate) fn unless_succeeds(self, probe: Command) -> Self {
        self.guarded(Guard::UnlessSucceeds(probe.argv), &probe.shell)
    }

    /// This netsh command, run after `first` whatever `first` did.
    pub(crate) fn after_ensuring(self, first: Command) -> Self {
        self.guarded(Guard::AfterEnsuring(first.argv), &first.shell)
    }

    /// This netsh command, run after `first` (which removes what it adds) whatever `first`
    /// did.
    pub(crate) fn after_removing(self, first: Command) -> Self {
        self.guarded(Guard::AfterRemoving(first.argv), &first.shell)
    }

    /// The same command with another purpose.
    pub(crate) fn purpose(self, purpose: impl Into<String>) -> Self {
        Command {
            purpose: purpose.into(),
            ..self
        }
    }

    fn guarded(self, guard: Guard, other: &str) -> Self {
        Command {
            shell: guarded_line(&guard, other, &self.shell),
            guard: Some(guard),
            ..self
        }
    }
}

/// One line of a guarded Windows command (see [`Guard`]): `other` is the guard's command line,
/// `command` the guarded one, each already quoted by [`quote::powershell_line`] or
/// [`quote::netsh_line`].
/// PowerShell 5.1, the version Windows Server ships, has no `||`, hence `if` there; cmd has no
/// `if` on a command's status that keeps the status, hence `||` and `&` there.
fn guarded_line(guard: &Guard, other: &str, command: &str) -> String {
    match guard {
        Guard::UnlessFound(_) => format!("if (-not ({other})) {{ {command} }}"),
        Guard::IfFound(_) => format!("if ({other}) {{ {command} }}"),
        Guard::UnlessSucceeds(_) => format!("{other} || {command}"),
        Guard::AfterEnsuring(_) | Guard::AfterRemoving(_) => {
            format!("{other} >nul 2>&1 & {command}")
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
