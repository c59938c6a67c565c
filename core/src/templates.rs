//! The templates: one per output file, named after the file it renders, embedded in the crate
//! so the library reads nothing at run time. Each family module declares its own templates
//! with [`template!`](crate::template) and lists them in its registry entry.
//!
//! Templates lay out text; the Rust side prepares every value. Escaping is structural: each
//! template has an output [`Kind`], and the one formatter of that kind writes every `{{ … }}`
//! value, so no template site can forget to quote. The formatters call [`crate::quote`].
//!
//! minijinja renders them (the `jinja` feature, on everywhere but in the browser's first
//! module); without it, [`subset`] interprets the part of Jinja they use, through the same
//! formatters, to the same bytes.

use std::sync::OnceLock;

#[cfg(feature = "jinja")]
use minijinja::syntax::SyntaxConfig;
#[cfg(feature = "jinja")]
use minijinja::value::{Serde, ValueKind};
#[cfg(feature = "jinja")]
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::Error;
use crate::quote;

#[cfg(any(test, not(feature = "jinja")))]
mod subset;

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
    #[cfg(feature = "jinja")]
    compiled: OnceLock<Result<Environment<'static>, String>>,
    #[cfg(any(test, not(feature = "jinja")))]
    parsed: OnceLock<Result<subset::Parsed, String>>,
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
            #[cfg(feature = "jinja")]
            compiled: OnceLock::new(),
            #[cfg(any(test, not(feature = "jinja")))]
            parsed: OnceLock::new(),
        }
    }

    /// The template's environment, compiled on first use.
    #[cfg(feature = "jinja")]
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
        #[cfg(test)]
        if subset_forced::on() {
            return self.render_subset(context).map_err(bug);
        }
        #[cfg(feature = "jinja")]
        {
            let env = self.environment().map_err(bug)?;
            env.get_template(self.name)
                .and_then(|compiled| compiled.render(Serde(context)))
                .map_err(|error| bug(format!("{error:#}")))
        }
        #[cfg(not(feature = "jinja"))]
        self.render_subset(context).map_err(bug)
    }

    /// Renders with [`subset`]: the context as JSON, the template parsed on first use.
    #[cfg(any(test, not(feature = "jinja")))]
    fn render_subset<C: Serialize>(&'static self, context: &C) -> Result<String, String> {
        let parsed = self
            .parsed
            .get_or_init(|| {
                subset::parse(&self.source.replace("\r\n", "\n"))
                    .map_err(|error| format!("{}: {error}", self.name))
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let context = serde_json::to_value(context).map_err(|error| error.to_string())?;
        subset::render(parsed, self.kind, &context)
    }

    /// Whether the template compiles with minijinja and parses as the subset takes it (for
    /// the registry test).
    #[cfg(test)]
    pub(crate) fn compiles(&'static self) -> Result<(), String> {
        #[cfg(feature = "jinja")]
        self.environment()?;
        subset::parse(self.source).map(|_| ())
    }
}

#[cfg(feature = "jinja")]
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

/// One value a template writes, as the formatter of its kind sees it (from a minijinja value
/// or, in [`subset`], a JSON one).
pub(crate) enum Scalar<'a> {
    /// A number, written as it displays.
    Number(&'a dyn std::fmt::Display),
    /// A boolean.
    Bool(bool),
    /// A string; `code` when it passed through the `code` filter (a line eniplan built).
    Text {
        /// The string.
        text: &'a str,
        /// Whether it is code to write as it is.
        code: bool,
    },
    /// Anything else, by the name of its kind: no template writes one.
    Other(&'a str),
}

/// Writes one value as a file of `kind` needs it, straight into the output: the one formatter
/// of each kind. An error says what the kind cannot write.
pub(crate) fn write_scalar<W: std::fmt::Write + ?Sized>(
    out: &mut W,
    kind: Kind,
    scalar: Scalar<'_>,
) -> Result<(), String> {
    let refuse = |what: &str| format!("a {kind:?} template cannot write {what}");
    let written = match scalar {
        Scalar::Number(number) => write!(out, "{number}"),
        Scalar::Bool(value) => match kind {
            Kind::Yaml | Kind::Keyfile => out.write_str(if value { "true" } else { "false" }),
            Kind::Powershell => out.write_str(if value { "$true" } else { "$false" }),
            Kind::Ifcfg | Kind::Lines => return Err(refuse("a boolean")),
        },
        Scalar::Text { text, code } => match kind {
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
            Kind::Powershell if code => {
                if text.chars().any(char::is_control) {
                    return Err(refuse("a line of code with a control character"));
                }
                out.write_str(text)
            }
            Kind::Powershell => out.write_str(&quote::powershell_string(text)),
        },
        Scalar::Other(what) => return Err(refuse(&format!("a value of kind {what}"))),
    };
    written.map_err(|_| "write failed".to_string())
}

/// minijinja's formatter: each value through [`write_scalar`].
#[cfg(feature = "jinja")]
fn write_value(
    out: &mut minijinja::Output<'_>,
    kind: Kind,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let other;
    let scalar = match value.kind() {
        ValueKind::Number => Scalar::Number(value),
        ValueKind::Bool => Scalar::Bool(value.is_true()),
        ValueKind::String => Scalar::Text {
            text: value.as_str().unwrap_or_default(),
            code: value.is_safe(),
        },
        kind => {
            other = kind.to_string();
            Scalar::Other(&other)
        }
    };
    write_scalar(out, kind, scalar)
        .map_err(|message| minijinja::Error::new(ErrorKind::InvalidOperation, message))
}

/// Whether this thread's renders go through [`subset`] though minijinja is there: the
/// differential test renders every case both ways.
#[cfg(test)]
pub(crate) mod subset_forced {
    use std::cell::Cell;

    thread_local! {
        static ON: Cell<bool> = const { Cell::new(false) };
    }

    pub(crate) fn on() -> bool {
        ON.with(Cell::get)
    }

    /// Runs `f` with every render through the subset.
    pub(crate) fn with<T>(f: impl FnOnce() -> T) -> T {
        ON.with(|on| on.set(true));
        let result = f();
        ON.with(|on| on.set(false));
        result
    }
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

    /// The repository's `tests/` folder.
    fn cases() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
    }

    fn read(path: &std::path::Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    /// Every file under `dir`, by its path as seen from `dir` taken as `/`.
    fn host(dir: &std::path::Path) -> crate::HostFiles {
        let mut files = crate::HostFiles::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    let relative = path.strip_prefix(dir).unwrap_or(&path);
                    files.insert(format!("/{}", relative.display()), text);
                }
            }
        }
        files
    }

    /// The same JSON with minijinja and with the subset.
    fn both_ways<T: serde::Serialize>(what: &str, render: impl Fn() -> T) -> usize {
        let jinja = crate::to_json(&render());
        let subset = subset_forced::with(|| crate::to_json(&render()));
        assert_eq!(subset, jinja, "{what}: the subset renders differently");
        jinja.len()
    }

    /// The subset renders every valid case for every target, an instance of them, every
    /// change case and every host layout's rendering to the bytes minijinja renders.
    #[test]
    fn the_subset_renders_every_case_as_minijinja_does() {
        let mut rendered = 0;
        let mut plans = Vec::new();
        let mut valid: Vec<_> = std::fs::read_dir(cases().join("cases/valid"))
            .expect("cases")
            .flatten()
            .map(|entry| entry.path())
            .collect();
        valid.sort();
        for path in &valid {
            let case = crate::plans_from_text(&read(path)).expect("a valid case");
            rendered += both_ways(&path.display().to_string(), || {
                crate::render_plans(&case, "all").map_err(|e| e.to_string())
            });
            plans.extend(case);
        }
        // An instance: the Linux cases with distinct interfaces.
        let mut seen = std::collections::BTreeSet::new();
        let instance: Vec<crate::EniPlan> = plans
            .into_iter()
            .filter(|plan| {
                plan.interface
                    .as_deref()
                    .is_some_and(|name| name.starts_with("eth"))
            })
            .filter(|plan| seen.insert(plan.interface.clone()))
            .collect();
        assert!(instance.len() >= 2, "{instance:?}");
        rendered += both_ways("an instance", || {
            crate::render_plans(&instance, "all").map_err(|e| e.to_string())
        });
        for entry in std::fs::read_dir(cases().join("cases/change"))
            .expect("changes")
            .flatten()
        {
            let before =
                crate::plans_from_text(&read(&entry.path().join("before.yaml"))).expect("before");
            let after =
                crate::plans_from_text(&read(&entry.path().join("after.yaml"))).expect("after");
            for target in [
                "centos-7",
                "sles-15",
                "ubuntu-22.04",
                "debian-10",
                "rhel-9",
                "nmcli",
                "networkd",
                "windows-2019",
                "powershell",
            ] {
                rendered += both_ways(&entry.path().display().to_string(), || {
                    crate::render_change_instance(&before, Some(&after), target)
                        .map_err(|e| e.to_string())
                });
            }
        }
        for entry in std::fs::read_dir(cases().join("hosts"))
            .expect("hosts")
            .flatten()
        {
            let files = host(&entry.path().join("host"));
            let case: yaml_serde::Value =
                yaml_serde::from_str(&read(&entry.path().join("case.yaml"))).expect("case.yaml");
            let Some(plans) = case.get("plans").cloned().map(crate::plans_from_value) else {
                continue;
            };
            let plans = plans.expect("the case's plans");
            rendered += both_ways(&entry.path().display().to_string(), || {
                crate::render_plans_on(&plans, "all", &files).map_err(|e| e.to_string())
            });
        }
        assert!(rendered > 500_000, "only {rendered} bytes compared");
    }

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
        let error = subset_forced::with(|| PROBE.render(&serde_json::json!({})));
        assert_eq!(error.expect_err("strict").kind(), "internal");
    }

    #[test]
    fn each_kind_writes_values_its_own_way_with_the_subset_too() {
        subset_forced::with(each_kind_writes_values_its_own_way);
    }

    /// What the subset refuses to parse, it names.
    #[test]
    fn the_subset_refuses_what_it_does_not_take() {
        for (source, said) in [
            ("{% if a %}x{% else %}y{% endif %}", "not in the subset"),
            ("{{ a | upper }}", "the filter `upper`"),
            ("{{ a }", "unclosed"),
            ("{% if a %}", "not closed"),
            ("{% endfor %}", "closes nothing"),
            ("{% for a in b %}{% endif %}", "closes another block"),
            ("{# note #}", "comment"),
            ("{%- if a %}{% endif %}", "whitespace control"),
            ("{{ a[0] }}", "not a name"),
        ] {
            let error = subset::parse(source).expect_err(source);
            assert!(error.contains(said), "{source}: {error}");
        }
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
