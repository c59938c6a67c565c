//! Plans as people write them, read into [`EniPlan`]s with every problem reported at once.
//!
//! Text (YAML or JSON), a Python dict or a JS object first becomes a [`Value`] — YAML's own
//! data model, whose mappings keep their keys in the order written — and is then read against
//! the plan's schema ([`crate::plan_schema`], taken from the plan's serde struct), field by
//! field. That second step is the one place where the plan's input rules live:
//!
//! - an unknown key is reported with the key it most likely meant (`secondary` → did you mean
//!   `secondaries`?), and does not hide the problems of the other keys;
//! - a single value where a list goes (`dns: 100.100.2.136`) is a list of one;
//! - a number written as text (`prefix: "24"`) is that number; anything else where a number
//!   goes is reported in words (never with Rust's type names);
//! - a choice (`mode`) takes its words in any case;
//! - `null` (`gateway: ~`) is the same as leaving the key out.
//!
//! A document holding a mapping is one ENI; a list of mappings is an instance (every ENI of
//! one host, exactly what `eniplan plan` prints).

use yaml_serde::Value;

use crate::error::{shown, Error, Errors};
use crate::plan::{plan_schema, EniPlan, MAX_PLAN_BYTES};
use crate::schema::{Field, Kind};

impl EniPlan {
    /// Reads a plan from YAML text (JSON is accepted too, as YAML is a superset of it).
    pub fn from_yaml(text: &str) -> Result<Self, Errors> {
        check_size(text)?;
        // Most plans are plain block mappings: read those without the full YAML machinery.
        #[cfg(feature = "fast-yaml")]
        if let Some(plan) = crate::fast_yaml::parse(text, plan_schema()) {
            return Ok(plan);
        }
        Self::from_yaml_full(text)
    }

    /// The fast path alone: the plan when the text lies in its subset, `None` otherwise (then
    /// [`EniPlan::from_yaml`] uses the full parser). For tests and benchmarks.
    #[doc(hidden)]
    #[cfg(feature = "fast-yaml")]
    pub fn from_yaml_fast_path(text: &str) -> Option<Self> {
        crate::fast_yaml::parse(text, plan_schema())
    }

    /// Reads a plan with the full YAML parser only, bypassing the fast path (the reference the
    /// fast path is tested against).
    #[doc(hidden)]
    pub fn from_yaml_full(text: &str) -> Result<Self, Errors> {
        check_size(text)?;
        Self::from_value(parse_yaml(text)?)
    }

    /// Reads a plan from JSON text.
    pub fn from_json(text: &str) -> Result<Self, Errors> {
        check_size(text)?;
        Self::from_value(parse_json(text)?)
    }

    /// Reads a plan from YAML or JSON text: text whose first non-blank character is `{` is
    /// read as JSON (for JSON's sharper error messages), anything else as YAML.
    pub fn from_text(text: &str) -> Result<Self, Errors> {
        if text.trim_start().starts_with('{') {
            Self::from_json(text)
        } else {
            Self::from_yaml(text)
        }
    }

    /// Reads a plan from a parsed document (what the Python and WASM bindings hand over: a
    /// dict or a JS object), with the input rules of [`crate::input`]: every unknown key named
    /// with a suggestion, a single value where a list goes read as a list of one, numbers
    /// written as text read as numbers.
    pub fn from_value(value: yaml_serde::Value) -> Result<Self, Errors> {
        if let yaml_serde::Value::Sequence(items) = &value {
            return Err(Error::WrongType {
                field: "plan".into(),
                value: format!("a list of {} plan(s) (an instance)", items.len()),
                expected: "one ENI's plan here".into(),
            }
            .into());
        }
        plan_from_value(value)
    }

    /// Reads a plan from raw bytes, as the CLI gets them from a file or standard input:
    /// bytes that are not UTF-8 are a plan error naming the offset of the first bad byte.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Errors> {
        Self::from_text(utf8(bytes)?)
    }
}

/// Reads one plan or a list of plans (an instance: every ENI of one host, what `eniplan plan`
/// prints) from YAML or JSON text.
pub fn plans_from_text(text: &str) -> Result<Vec<EniPlan>, Errors> {
    check_size(text)?;
    // The first line that is not blank, a comment or a document marker says whether this is a
    // list; a mapping takes the single plan's path (and its fast path).
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#') && *line != "---")
        .unwrap_or_default();
    if !first.starts_with('-') && !first.starts_with('[') {
        return EniPlan::from_text(text).map(|plan| vec![plan]);
    }
    plans_from_value(parse_yaml(text)?)
}

/// Like [`plans_from_text`] for JSON text alone (one plan object or a list of them): what a
/// build that leaves the YAML reader out takes (the browser's render module).
pub fn plans_from_json(text: &str) -> Result<Vec<EniPlan>, Errors> {
    check_size(text)?;
    plans_from_value(parse_json(text)?)
}

/// Like [`plans_from_text`] for raw bytes (a file or standard input).
pub fn plans_from_bytes(bytes: &[u8]) -> Result<Vec<EniPlan>, Errors> {
    plans_from_text(utf8(bytes)?)
}

/// Like [`plans_from_text`] for a parsed document (a Python list or dict, a JS value).
pub fn plans_from_value(value: yaml_serde::Value) -> Result<Vec<EniPlan>, Errors> {
    input_plans(value)
}

fn utf8(bytes: &[u8]) -> Result<&str, Errors> {
    std::str::from_utf8(bytes).map_err(|error| {
        Error::Syntax {
            field: "plan".into(),
            message: format!(
                "the plan is not UTF-8 text (invalid byte at offset {})",
                error.valid_up_to()
            ),
        }
        .into()
    })
}

fn check_size(text: &str) -> Result<(), Errors> {
    if text.len() > MAX_PLAN_BYTES {
        return Err(Error::Syntax {
            field: "plan".into(),
            message: format!(
                "the plan is {} bytes; plans larger than {MAX_PLAN_BYTES} bytes are refused",
                text.len()
            ),
        }
        .into());
    }
    Ok(())
}

/// Reads one plan or a list of them from a parsed document.
fn input_plans(value: Value) -> Result<Vec<EniPlan>, Errors> {
    match value {
        Value::Sequence(items) => {
            if items.is_empty() {
                return Err(Error::Missing {
                    field: "plans".into(),
                    hint: "the list is empty; an instance has at least one ENI".into(),
                }
                .into());
            }
            let mut plans = Vec::with_capacity(items.len());
            let mut errors = Vec::new();
            let mut valid = Vec::new();
            for (index, item) in items.into_iter().enumerate() {
                match plan_from_value(item) {
                    Ok(plan) => {
                        if let Ok(checked) = plan.validate() {
                            valid.push((index, checked));
                        }
                        plans.push(plan);
                    }
                    Err(problems) => errors.extend(
                        problems
                            .into_iter()
                            .map(|error| error.within(&format!("plans[{index}]"))),
                    ),
                }
            }
            if errors.is_empty() {
                return Ok(plans);
            }
            // What the readable plans get wrong as an instance, so that one round trip fixes
            // everything.
            errors.extend(crate::validate::check_numbered(
                valid.iter().map(|(index, plan)| (*index, plan)),
                true,
            ));
            Err(Errors::new(errors))
        }
        other => plan_from_value(other).map(|plan| vec![plan]),
    }
}

/// Reads one plan from a parsed document.
pub(crate) fn plan_from_value(value: Value) -> Result<EniPlan, Errors> {
    let value = untagged(value);
    let Value::Mapping(mapping) = value else {
        return Err(Error::WrongType {
            field: "plan".into(),
            value: describe(&value),
            expected: "a mapping of keys such as interface, primary and secondaries (or a \
                       list of such mappings, one per ENI)"
                .into(),
        }
        .into());
    };
    let mut errors = Vec::new();
    let clean = section(mapping, plan_schema(), "", &mut errors);
    // Every value now has its field's shape, so the struct takes it.
    let plan: EniPlan = yaml_serde::from_value(Value::Mapping(clean)).map_err(|error| {
        Errors::from(Error::Internal {
            field: "plan".into(),
            value: "input".into(),
            message: error.to_string(),
        })
    })?;
    if errors.is_empty() {
        return Ok(plan);
    }
    // The rest of the plan's problems too, so that one round trip fixes them all; a field
    // already reported (or the key a typo most likely meant) is not reported again.
    if let Err(more) = plan.validate() {
        let reported: Vec<String> = errors
            .iter()
            .flat_map(|error| {
                let mut fields = vec![error.field().to_string()];
                if let Error::UnknownKey { hint, .. } = error {
                    if let Some(meant) = hint.strip_prefix("did you mean `") {
                        let meant = meant.trim_end_matches("`?");
                        fields.push(match error.field().rsplit_once('.') {
                            Some((parent, _)) => format!("{parent}.{meant}"),
                            None => meant.to_string(),
                        });
                    }
                }
                fields
            })
            .collect();
        errors.extend(more.into_iter().filter(|error| {
            let field = error.field();
            let root = field.split(['[', '.']).next().unwrap_or(field);
            !reported.iter().any(|done| done == field || done == root)
        }));
    }
    Err(Errors::new(errors))
}

/// A `!tag value` is read as its value: tags mean nothing in a plan.
fn untagged(value: Value) -> Value {
    match value {
        Value::Tagged(tagged) => untagged(tagged.value),
        other => other,
    }
}

/// The keys of one mapping, each read against its field; unknown keys reported.
fn section(
    mapping: yaml_serde::Mapping,
    fields: &'static [Field],
    at: &str,
    errors: &mut Vec<Error>,
) -> yaml_serde::Mapping {
    let mut clean = yaml_serde::Mapping::new();
    for (key, value) in mapping {
        let key = match untagged(key) {
            Value::String(key) => key,
            other => {
                errors.push(Error::UnknownKey {
                    field: join(at, &describe(&other)),
                    hint: "keys are words such as interface or primary".into(),
                });
                continue;
            }
        };
        let path = join(at, &key);
        let Some(field) = fields.iter().find(|field| field.name == key) else {
            errors.push(Error::UnknownKey {
                hint: suggestion(&key, fields),
                field: path,
            });
            continue;
        };
        if let Some(value) = read(untagged(value), &field.kind, &path, errors) {
            clean.insert(Value::String(key), value);
        }
    }
    clean
}

/// One value read as `kind`; `None` when it is null or wrong (the error is recorded).
fn read(value: Value, kind: &'static Kind, path: &str, errors: &mut Vec<Error>) -> Option<Value> {
    if value.is_null() {
        return None;
    }
    match kind {
        Kind::String => match value {
            Value::String(_) => Some(value),
            // `interface: 0`, `connection: 2024`: YAML read a number the user meant as text.
            Value::Number(number) => Some(Value::String(number.to_string())),
            other => {
                errors.push(wrong(path, &other, "text"));
                None
            }
        },
        Kind::Integer { max } => {
            let number = match &value {
                Value::Number(number) => number.as_u64(),
                Value::String(text) => text.trim().parse::<u64>().ok(),
                _ => None,
            };
            match number {
                Some(number) if number <= *max => Some(Value::Number(number.into())),
                Some(number) => {
                    errors.push(Error::OutOfRange {
                        field: path.into(),
                        value: number.to_string(),
                        reason: format!("the largest value this field holds is {max}"),
                    });
                    None
                }
                None => {
                    errors.push(wrong(path, &value, "a whole number"));
                    None
                }
            }
        }
        Kind::Choice { values } => {
            let word = match &value {
                Value::String(text) => Some(text.trim().to_ascii_lowercase()),
                _ => None,
            };
            match word.filter(|word| values.contains(&word.as_str())) {
                Some(word) => Some(Value::String(word)),
                None => {
                    errors.push(wrong(
                        path,
                        &value,
                        &format!("one of {}", values.join(", ")),
                    ));
                    None
                }
            }
        }
        Kind::List { items } => {
            let list = match value {
                Value::Sequence(list) => list,
                // `dns: 100.100.2.136`: one value where a list goes is a list of one.
                scalar @ (Value::String(_) | Value::Number(_)) => vec![scalar],
                other => {
                    errors.push(wrong(path, &other, "a list"));
                    return None;
                }
            };
            let clean: Vec<Value> = list
                .into_iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    let item = untagged(item);
                    if item.is_null() {
                        errors.push(wrong(&format!("{path}[{index}]"), &item, "a value"));
                        return None;
                    }
                    read(item, items, &format!("{path}[{index}]"), errors)
                })
                .collect();
            Some(Value::Sequence(clean))
        }
        Kind::Map { values } => match value {
            Value::Mapping(mapping) => {
                let mut clean = yaml_serde::Mapping::new();
                for (key, value) in mapping {
                    // The keys are the user's own words (an address): text, as YAML read them.
                    let key = match untagged(key) {
                        Value::String(key) => key,
                        Value::Number(number) => number.to_string(),
                        other => {
                            errors.push(Error::UnknownKey {
                                field: join(path, &describe(&other)),
                                hint: "each key here is an address".into(),
                            });
                            continue;
                        }
                    };
                    let at = join(path, &key);
                    if let Some(value) = read(untagged(value), values, &at, errors) {
                        clean.insert(Value::String(key), value);
                    }
                }
                Some(Value::Mapping(clean))
            }
            other => {
                errors.push(wrong(path, &other, "a mapping"));
                None
            }
        },
        Kind::Section { fields } => match value {
            Value::Mapping(mapping) => Some(Value::Mapping(section(mapping, fields, path, errors))),
            other => {
                errors.push(wrong(path, &other, "a mapping of keys"));
                None
            }
        },
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn wrong(path: &str, value: &Value, expected: &str) -> Error {
    Error::WrongType {
        field: path.into(),
        value: describe(value),
        expected: expected.into(),
    }
}

/// A value as a person would name it in a message.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(true) => "`true` (a yes/no value; quote it to mean the word)".into(),
        Value::Bool(false) => "`false` (a yes/no value; quote it to mean the word)".into(),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("`{}`", shown(text)),
        Value::Sequence(items) => format!("a list of {} item(s)", items.len()),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(tagged) => describe(&tagged.value),
    }
}

/// "did you mean `secondaries`?" for a key close to a known one, else the known keys.
fn suggestion(key: &str, fields: &[Field]) -> String {
    let key = key.to_ascii_lowercase();
    let best = fields
        .iter()
        .map(|field| (distance(&key, field.name), field.name))
        .min();
    match best {
        Some((cost, name))
            if cost <= 2.max(name.len() / 3)
                || (key.len() >= 4 && (name.starts_with(&key) || key.starts_with(name))) =>
        {
            format!("did you mean `{name}`?")
        }
        _ => format!(
            "the keys here are {}",
            fields
                .iter()
                .map(|field| field.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The edit distance between two keys (insertions, deletions, substitutions and swaps of
/// neighbours each cost one).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Parses YAML (or JSON, a subset of it) into a [`Value`], with a YAML syntax error said in
/// words: a tab where YAML wants spaces is named as such.
pub(crate) fn parse_yaml(text: &str) -> Result<Value, Errors> {
    yaml_serde::from_str::<Value>(text).map_err(|error| {
        let location = error.location();
        let message = match location.as_ref().and_then(|at| tab_near(text, at.line())) {
            Some(line) => format!(
                "line {line} is indented with a tab; YAML indents with spaces only ({error})"
            ),
            None => error.to_string(),
        };
        Error::Syntax {
            field: "plan".into(),
            message: format!("not a valid YAML plan: {message}"),
        }
        .into()
    })
}

/// The line (from 1), at or just before `line`, whose indentation holds a tab.
fn tab_near(text: &str, line: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let indented_with_tab = |number: usize| {
        lines
            .get(number.checked_sub(1)?)
            .filter(|l| {
                l.chars()
                    .take_while(|c| c.is_whitespace())
                    .any(|c| c == '\t')
            })
            .map(|_| number)
    };
    indented_with_tab(line)
        .or_else(|| indented_with_tab(line.checked_sub(1)?))
        .or_else(|| (1..=lines.len()).find_map(indented_with_tab))
}

/// Parses JSON into a [`Value`] (serde_json's messages are sharper than YAML's for JSON).
pub(crate) fn parse_json(text: &str) -> Result<Value, Errors> {
    serde_json::from_str::<Value>(text).map_err(|error| {
        Error::Syntax {
            field: "plan".into(),
            message: format!("not a valid JSON plan: {error}"),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse_yaml(text).and_then(input_plans) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn unknown_keys_are_all_named_with_a_suggestion() {
        let found =
            problems("interface: eth0\nsecondary: [10.0.0.2]\nprimery: 10.0.0.1\ngatway: x\n");
        // The plan's other problems follow (here: no prefix); what the typos meant is not
        // reported missing a second time.
        assert_eq!(found[3], "prefix: missing; give `prefix` (e.g. 24) or `netmask` (e.g. 255.255.255.0); `route -n` shows the mask as Genmask");
        assert_eq!(
            found[..3],
            [
                "secondary: unknown key; did you mean `secondaries`?",
                "primery: unknown key; did you mean `primary`?",
                "gatway: unknown key; did you mean `gateway`?",
            ]
        );
        let found = problems("ipv6: {adresses: [fd00::1]}\n");
        assert_eq!(
            found[0],
            "ipv6.adresses: unknown key; did you mean `addresses`?"
        );
        assert!(
            !found.iter().any(|f| f.starts_with("ipv6.addresses")),
            "{found:?}"
        );
        let found = problems("flavour: blue\n");
        assert!(found[0].starts_with("flavour: unknown key; the keys here are interface, mac"));
    }

    #[test]
    fn scalars_numbers_and_words_are_read_as_people_mean_them() {
        let plans = parse_yaml(
            "interface: eth0\nprimary: 10.0.0.5\nprefix: \"24\"\ndns: 100.100.2.136\n\
             secondaries: 10.0.0.6\nmode: Static\nroute_table: ' 1001 '\ngateway: ~\n",
        )
        .and_then(input_plans)
        .expect("read");
        let plan = &plans[0];
        assert_eq!(plan.prefix, Some(24));
        assert_eq!(plan.dns, ["100.100.2.136"]);
        assert_eq!(plan.secondaries, ["10.0.0.6"]);
        assert_eq!(plan.mode, Some(crate::plan::Mode::Static));
        assert_eq!(plan.route_table, Some(1001));
        assert_eq!(plan.gateway, None);
    }

    #[test]
    fn wrong_types_are_said_in_words() {
        let found = problems(
            "prefix: twenty\nmode: auto\ndns: {a: 1}\nconnection: true\nroute_table: 99999999999\n",
        );
        assert!(
            found[5..].iter().all(|more| more.contains(": missing;")),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|more| more.starts_with("prefix: missing")),
            "{found:?}"
        );
        assert_eq!(
            found[..5],
            [
                "prefix: `twenty` is not what this field holds; expected a whole number",
                "mode: `auto` is not what this field holds; expected one of static, dhcp",
                "dns: a mapping is not what this field holds; expected a list",
                "connection: `true` (a yes/no value; quote it to mean the word) is not what this \
                 field holds; expected text",
                "route_table: 99999999999 is out of range: the largest value this field holds is \
                 4294967295",
            ]
        );
        for message in &found {
            assert!(
                !message.contains("u8") && !message.contains("struct"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_list_is_an_instance_and_its_problems_name_the_item() {
        let plans = parse_yaml("- interface: eth0\n- interface: eth1\n")
            .and_then(input_plans)
            .expect("two plans");
        assert_eq!(plans.len(), 2);
        assert_eq!(
            problems("- interface: eth0\n- {interface: eth1, primry: 10.0.0.1}\n")[0],
            "plans[1]: primry: unknown key; did you mean `primary`?"
        );
        assert_eq!(
            problems("[]"),
            ["plans: missing; the list is empty; an instance has at least one ENI"]
        );
        assert!(problems("just words")[0].starts_with("plan: `just words` is not what"));
    }

    #[test]
    fn a_tab_is_named() {
        let found = problems("interface: eth0\nipv6:\n\taddresses: [fd00::1]\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("line 3 is indented with a tab"),
            "{found:?}"
        );
    }

    #[test]
    fn distances() {
        assert_eq!(distance("gatway", "gateway"), 1);
        assert_eq!(distance("pirmary", "primary"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
