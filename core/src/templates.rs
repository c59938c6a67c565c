//! The templates: one per output file, named after the file it renders, embedded in the crate
//! so the library reads nothing at run time. Each family module declares its own templates
//! with [`template!`](crate::template) and lists them in its registry entry.
//!
//! Templates lay out text; the Rust side prepares every value. Escaping is structural: each
//! template has an output [`Kind`], and the one formatter of that kind writes every `{{ … }}`
//! value, so no template site can forget to quote. The formatters call [`crate::quote`].

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, ValueKind};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::Error;
use crate::quote;

/// The kind of file a template renders, which decides how every value in it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `KEY=value` file read by a shell (`. ifcfg-eth0`) or shell-like parser: strings are
    /// single-quoted when they are not inert ([`quote::shell_word`]); an empty string stays
    /// empty (`KEY=`), which a shell reads as the same empty value.
    Ifcfg,
    /// A YAML document: strings through [`quote::yaml_scalar`], booleans as `true`/`false`.
    Yaml,
    /// A GLib key file (NetworkManager): strings through [`quote::keyfile_value`].
    Keyfile,
    /// A line-oriented file whose values are words or argument lists (systemd units,
    /// interfaces(5), `route-`/`rule-` files): a value may not hold a control character (it
    /// could start a line of its own) or end in `\` (interfaces(5) joins the next line).
    Lines,
    /// A PowerShell script: strings as single-quoted literals ([`quote::powershell_string`]:
    /// nothing inside is expanded), booleans as `$true`/`$false`. A value passed through the
    /// template's `code` filter is a line eniplan built with its own PowerShell quoting (a
    /// rendered command, its purpose as a comment) and is written as it is, one line.
    Powershell,
}

/// One embedded template.
pub(crate) struct Template {
    /// Its path under `templates/`, e.g. `rhel/ifcfg-INTERFACE`.
    pub(crate) name: &'static str,
    source: &'static str,
    kind: Kind,
    compiled: OnceLock<Result<Environment<'static>, String>>,
}

/// Declares a template from its path under the top-level `templates/` folder and its [`Kind`].
#[macro_export]
#[doc(hidden)]
macro_rules! template {
    ($path:literal, $kind:ident) => {
        $crate::templates::Template::new(
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)),
            $crate::templates::Kind::$kind,
        )
    };
}

impl Template {
    /// A template; use [`template!`](crate::template), which embeds the file.
    pub(crate) const fn new(name: &'static str, source: &'static str, kind: Kind) -> Template {
        Template {
            name,
            source,
            kind,
            compiled: OnceLock::new(),
        }
    }

    /// The template's environment, compiled on first use.
    fn environment(&'static self) -> Result<&'static Environment<'static>, String> {
        self.compiled
            .get_or_init(|| compile(self))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Renders the template with a prepared context.
    pub(crate) fn render<C: Serialize>(&'static self, context: &C) -> Result<String, Error> {
        let bug = |message: String| Error::Internal {
            field: "template".into(),
            value: self.name.into(),
            message,
        };
        #[cfg(test)]
        used::record(self.name);
        let env = self.environment().map_err(bug)?;
        env.get_template(self.name)
            .and_then(|compiled| compiled.render(Serde(context)))
            .map_err(|error| bug(format!("{error:#}")))
    }

    /// Whether the template compiles (for the registry test).
    #[cfg(test)]
    pub(crate) fn compiles(&'static self) -> Result<(), String> {
        self.environment().map(|_| ())
    }
}

fn compile(template: &'static Template) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    // A misspelt variable must fail the render, not become an empty string in a config file.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Block tags sit on lines of their own and leave no blank line behind; the file's last
    // newline is part of the file.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|error| error.to_string())?;
    env.set_syntax(syntax);
    let kind = template.kind;
    env.set_formatter(move |out, _state, value| write_value(out, kind, value));
    if kind == Kind::Powershell {
        env.add_filter("code", |line: String| Value::from_safe_string(line));
    }
    // Normalise newlines so a checkout with CRLF line endings renders the same bytes.
    let source = template.source.replace("\r\n", "\n");
    env.add_template_owned(template.name, source)
        .map_err(|error| format!("{}: {error}", template.name))?;
    Ok(env)
}

/// Writes one value as a file of `kind` needs it, straight into the output.
fn write_value(
    out: &mut minijinja::Output<'_>,
    kind: Kind,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let refuse = |what: &str| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("a {kind:?} template cannot write {what}"),
        )
    };
    let written = match value.kind() {
        ValueKind::Number => write!(out, "{value}"),
        ValueKind::Bool => match kind {
            Kind::Yaml | Kind::Keyfile => {
                out.write_str(if value.is_true() { "true" } else { "false" })
            }
            Kind::Powershell => out.write_str(if value.is_true() { "$true" } else { "$false" }),
            Kind::Ifcfg | Kind::Lines => return Err(refuse("a boolean")),
        },
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            match kind {
                Kind::Ifcfg if text.is_empty() => Ok(()),
                Kind::Ifcfg => quote::write_shell_word(out, text),
                Kind::Yaml => quote::write_yaml_scalar(out, text),
                Kind::Keyfile => quote::write_keyfile_value(out, text),
                Kind::Lines => {
                    if text.chars().any(char::is_control) || text.ends_with('\\') {
                        return Err(refuse("a value with a control character or a final `\\`"));
                    }
                    out.write_str(text)
                }
                Kind::Powershell if value.is_safe() => {
                    if text.chars().any(char::is_control) {
                        return Err(refuse("a line of code with a control character"));
                    }
                    out.write_str(text)
                }
                Kind::Powershell => out.write_str(&quote::powershell_string(text)),
            }
        }
        other => return Err(refuse(&format!("a value of kind {other}"))),
    };
    written.map_err(|_| minijinja::Error::new(ErrorKind::WriteFailure, "write failed"))
}

/// The templates rendered so far on this thread, for the registry test that proves every
/// registered template is used.
#[cfg(test)]
pub(crate) mod used {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    thread_local! {
        static USED: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
    }

    pub(crate) fn record(name: &'static str) {
        USED.with(|used| used.borrow_mut().insert(name));
    }

    pub(crate) fn names() -> BTreeSet<&'static str> {
        USED.with(|used| used.borrow().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static PROBE: Template = Template::new("probe", "{{ value }}\n", Kind::Lines);
    static PROBE_YAML: Template = Template::new("probe-yaml", "v: {{ value }}\n", Kind::Yaml);
    static PROBE_IFCFG: Template = Template::new("probe-ifcfg", "V={{ value }}\n", Kind::Ifcfg);
    static PROBE_PS: Template = Template::new(
        "probe-ps",
        "$v = {{ value }}\n{{ value | code }}\n",
        Kind::Powershell,
    );

    #[test]
    fn undefined_variables_fail() {
        let error = PROBE.render(&serde_json::json!({})).expect_err("strict");
        assert_eq!(error.kind(), "internal");
    }

    #[test]
    fn each_kind_writes_values_its_own_way() {
        let value = |v: serde_json::Value| serde_json::json!({ "value": v });
        assert_eq!(
            PROBE_YAML.render(&value("yes".into())).ok(),
            Some("v: \"yes\"\n".into())
        );
        assert_eq!(
            PROBE_YAML.render(&value(true.into())).ok(),
            Some("v: true\n".into())
        );
        assert_eq!(
            PROBE_YAML.render(&value(7.into())).ok(),
            Some("v: 7\n".into())
        );
        assert_eq!(
            PROBE_IFCFG.render(&value("a b".into())).ok(),
            Some("V='a b'\n".into())
        );
        assert_eq!(
            PROBE_IFCFG.render(&value("".into())).ok(),
            Some("V=\n".into())
        );
        assert!(PROBE_IFCFG.render(&value(true.into())).is_err());
        assert!(PROBE.render(&value("a\nGATEWAY=1".into())).is_err());
        assert!(PROBE.render(&value("a\\".into())).is_err());
        assert_eq!(
            PROBE.render(&value("a b".into())).ok(),
            Some("a b\n".into())
        );
        assert_eq!(
            PROBE_PS.render(&value("it's $(x)".into())).ok(),
            Some("$v = 'it''s $(x)'\nit's $(x)\n".into())
        );
        assert!(PROBE_PS.render(&value("a\nb".into())).is_err());
    }
}
