//! The part of Jinja eniplan's templates use, interpreted without minijinja: for a build that
//! leaves minijinja out (the browser's first module, where minijinja's compiler and VM were
//! 43% of the gzip size; docs/performance.md).
//!
//! What it takes is what the templates hold: `{{ path }}` and `{{ path | code }}`, `{% if
//! path %}`, `{% if not path %}`, `{% if path is none %}`, `{% if path is not none %}`, `{% for
//! name in path %}` (with `loop.index`, `loop.index0`, `loop.first`, `loop.last`,
//! `loop.length`), `{% endif %}` and `{% endfor %}`; a path is names joined by dots. Anything
//! else is refused when the template is parsed. Whitespace follows minijinja's lexer as
//! eniplan configures it (`templates::compile`): trim_blocks (a block tag's newline goes),
//! lstrip_blocks (the spaces before a block tag at the start of a line go), the trailing
//! newline kept, and `+%}` keeping the newline. Undefined names are errors, as minijinja's
//! strict mode makes them; truthiness is minijinja's. Values are written by the same
//! formatter per kind ([`super::write_scalar`]).
//!
//! `templates::tests::the_subset_renders_every_case_as_minijinja_does` renders every case for
//! every target with both and requires the same bytes.

use std::borrow::Cow;

use serde_json::Value;

use super::{write_scalar, Kind, Scalar};

/// A parsed template.
#[derive(Debug)]
pub(crate) struct Parsed {
    nodes: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Output {
        path: Vec<String>,
        code: bool,
    },
    If {
        test: Test,
        body: Vec<Node>,
    },
    For {
        name: String,
        path: Vec<String>,
        body: Vec<Node>,
    },
}

#[derive(Debug)]
enum Test {
    Truthy(Vec<String>),
    Falsy(Vec<String>),
    IsNone(Vec<String>),
    IsNotNone(Vec<String>),
}

/// One tag or the text between tags, before nesting.
enum Token<'s> {
    Text(&'s str),
    Variable(&'s str),
    Block(&'s str),
}

fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Whether a block tag starting after `before` is the first thing on its line (minijinja's
/// `should_lstrip_block`: only whitespace back to a newline or the start).
fn at_line_start(before: &str) -> bool {
    for c in before.chars().rev() {
        if is_newline(c) {
            return true;
        }
        if !c.is_whitespace() {
            return false;
        }
    }
    true
}

/// The text before a block tag without the spaces that start its line (minijinja's
/// `lstrip_block`).
fn lstrip(text: &str) -> &str {
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() && !is_newline(c));
    if trimmed.is_empty() || trimmed.ends_with('\n') {
        trimmed
    } else {
        text
    }
}

fn tokens(source: &str) -> Result<Vec<Token<'_>>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut skip_newline = false;
    loop {
        if skip_newline {
            at += usize::from(source[at..].starts_with('\r'));
            at += usize::from(source[at..].starts_with('\n'));
        }
        let rest = &source[at..];
        let Some(start) = rest
            .match_indices('{')
            .map(|(i, _)| i)
            .find(|&i| matches!(rest.as_bytes().get(i + 1), Some(b'{' | b'%' | b'#')))
        else {
            if !rest.is_empty() {
                out.push(Token::Text(rest));
            }
            return Ok(out);
        };
        let marker = rest.as_bytes()[start + 1];
        if marker == b'#' {
            return Err("a comment (the subset has none)".into());
        }
        let modifier = rest.as_bytes().get(start + 2).copied();
        if modifier == Some(b'-') {
            return Err("`-` whitespace control (the subset has `+%}` only)".into());
        }
        let block = marker == b'%';
        let mut lead = &rest[..start];
        if block && modifier != Some(b'+') && at_line_start(&source[..at + start]) {
            lead = lstrip(lead);
        }
        if !lead.is_empty() {
            out.push(Token::Text(lead));
        }
        let open = start + 2 + usize::from(modifier == Some(b'+'));
        let close = if block { "%}" } else { "}}" };
        let Some(end) = rest[open..].find(close).map(|end| open + end) else {
            return Err(format!("an unclosed tag at byte {}", at + start));
        };
        let mut inner = &rest[open..end];
        let mut keep_newline = false;
        if let Some(stripped) = inner.strip_suffix('+') {
            inner = stripped;
            keep_newline = true;
        } else if inner.ends_with('-') {
            return Err("`-` whitespace control (the subset has `+%}` only)".into());
        }
        out.push(if block {
            Token::Block(inner.trim())
        } else {
            Token::Variable(inner.trim())
        });
        at += end + close.len();
        skip_newline = block && !keep_newline;
    }
}

fn path(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = text.split('.').map(str::to_string).collect();
    let valid = |name: &String| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if names.iter().all(valid) {
        Ok(names)
    } else {
        Err(format!("`{text}` is not a name or a dotted path"))
    }
}

/// Parses `source`, refusing what the subset does not take.
pub(crate) fn parse(source: &str) -> Result<Parsed, String> {
    // Each open `if`/`for` with the nodes of its body so far; the bottom one is the template.
    let mut stack: Vec<(Option<Node>, Vec<Node>)> = vec![(None, Vec::new())];
    for token in tokens(source)? {
        let node = match token {
            Token::Text(text) => Node::Text(text.to_string()),
            Token::Variable(expression) => {
                let (name, code) = match expression.split_once('|') {
                    Some((name, "code")) => (name.trim(), true),
                    Some((name, filter)) if filter.trim() == "code" => (name.trim(), true),
                    Some((_, filter)) => {
                        return Err(format!(
                            "the filter `{}` (the subset has `code`)",
                            filter.trim()
                        ))
                    }
                    None => (expression, false),
                };
                Node::Output {
                    path: path(name)?,
                    code,
                }
            }
            Token::Block(statement) => {
                let words: Vec<&str> = statement.split_whitespace().collect();
                let open = match words.as_slice() {
                    ["if", "not", name] => Some(Node::If {
                        test: Test::Falsy(path(name)?),
                        body: Vec::new(),
                    }),
                    ["if", name, "is", "none"] => Some(Node::If {
                        test: Test::IsNone(path(name)?),
                        body: Vec::new(),
                    }),
                    ["if", name, "is", "not", "none"] => Some(Node::If {
                        test: Test::IsNotNone(path(name)?),
                        body: Vec::new(),
                    }),
                    ["if", name] => Some(Node::If {
                        test: Test::Truthy(path(name)?),
                        body: Vec::new(),
                    }),
                    ["for", name, "in", over] if path(name)?.len() == 1 => Some(Node::For {
                        name: (*name).to_string(),
                        path: path(over)?,
                        body: Vec::new(),
                    }),
                    ["endif"] | ["endfor"] => None,
                    _ => return Err(format!("`{{% {statement} %}}` is not in the subset")),
                };
                if let Some(open) = open {
                    stack.push((Some(open), Vec::new()));
                    continue;
                }
                let Some((Some(mut node), body)) = stack.pop().filter(|(node, _)| node.is_some())
                else {
                    return Err(format!("`{{% {statement} %}}` closes nothing"));
                };
                match (&mut node, words[0]) {
                    (Node::If { body: into, .. }, "endif")
                    | (Node::For { body: into, .. }, "endfor") => {
                        *into = body;
                    }
                    _ => return Err(format!("`{{% {statement} %}}` closes another block")),
                }
                node
            }
        };
        if let Some((_, body)) = stack.last_mut() {
            body.push(node);
        }
    }
    match stack.pop() {
        Some((None, nodes)) if stack.is_empty() => Ok(Parsed { nodes }),
        _ => Err("a block is not closed".into()),
    }
}

/// Where names are looked up while rendering: the loops' variables, innermost last, then the
/// context.
struct Scope<'v> {
    context: &'v Value,
    loops: Vec<Loop<'v>>,
}

struct Loop<'v> {
    name: &'v str,
    item: &'v Value,
    index: usize,
    length: usize,
}

impl Loop<'_> {
    fn attribute(&self, name: &str) -> Option<Value> {
        Some(match name {
            "index" => Value::from(self.index + 1),
            "index0" => Value::from(self.index),
            "first" => Value::from(self.index == 0),
            "last" => Value::from(self.index + 1 == self.length),
            "length" => Value::from(self.length),
            _ => return None,
        })
    }
}

impl<'v> Scope<'v> {
    fn lookup(&self, path: &[String]) -> Result<Cow<'v, Value>, String> {
        let undefined = || format!("undefined value `{}`", path.join("."));
        let (first, rest) = path.split_first().ok_or_else(undefined)?;
        let variable = self.loops.iter().rev().find(|l| l.name == first);
        if first == "loop" && variable.is_none() {
            // `loop.<attribute>`: the innermost loop's.
            return match (self.loops.last(), rest) {
                (Some(innermost), [name]) => innermost
                    .attribute(name)
                    .map(Cow::Owned)
                    .ok_or_else(undefined),
                _ => Err(undefined()),
            };
        }
        let mut value = match variable {
            Some(found) => found.item,
            None => self.context.get(first.as_str()).ok_or_else(undefined)?,
        };
        for name in rest {
            value = value.get(name.as_str()).ok_or_else(undefined)?;
        }
        Ok(Cow::Borrowed(value))
    }
}

/// minijinja's truthiness: none, false, zero and empty strings, lists and maps are false.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Renders `parsed` for `kind` with `context` (the template's context as JSON).
pub(crate) fn render<'v>(
    parsed: &'v Parsed,
    kind: Kind,
    context: &'v Value,
) -> Result<String, String> {
    let mut scope = Scope {
        context,
        loops: Vec::new(),
    };
    let mut out = String::new();
    render_nodes(&parsed.nodes, kind, &mut scope, &mut out)?;
    Ok(out)
}

fn render_nodes<'v>(
    nodes: &'v [Node],
    kind: Kind,
    scope: &mut Scope<'v>,
    out: &mut String,
) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Output { path, code } => {
                let value = scope.lookup(path)?;
                let kind_name;
                let scalar = match value.as_ref() {
                    Value::Number(number) => Scalar::Number(number),
                    Value::Bool(b) => Scalar::Bool(*b),
                    Value::String(text) => Scalar::Text { text, code: *code },
                    other => {
                        kind_name = match other {
                            Value::Array(_) => "sequence",
                            Value::Object(_) => "map",
                            _ => "none",
                        };
                        Scalar::Other(kind_name)
                    }
                };
                write_scalar(out, kind, scalar)?;
            }
            Node::If { test, body } => {
                let holds = match test {
                    Test::Truthy(path) => truthy(scope.lookup(path)?.as_ref()),
                    Test::Falsy(path) => !truthy(scope.lookup(path)?.as_ref()),
                    Test::IsNone(path) => scope.lookup(path)?.is_null(),
                    Test::IsNotNone(path) => !scope.lookup(path)?.is_null(),
                };
                if holds {
                    render_nodes(body, kind, scope, out)?;
                }
            }
            Node::For { name, path, body } => {
                let items = match scope.lookup(path)? {
                    Cow::Borrowed(Value::Array(items)) => items,
                    _ => return Err(format!("`{}` is not a list to loop over", path.join("."))),
                };
                for (index, item) in items.iter().enumerate() {
                    scope.loops.push(Loop {
                        name,
                        item,
                        index,
                        length: items.len(),
                    });
                    let done = render_nodes(body, kind, scope, out);
                    scope.loops.pop();
                    done?;
                }
            }
        }
    }
    Ok(())
}
