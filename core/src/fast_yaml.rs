//! A fast path for the plans people actually write: block mappings of plain or simply quoted
//! scalars, flow (`[a, b]`) or block (`- a`) lists, the two nested sections and comments.
//!
//! yaml_serde's full YAML parser is most of the cost of reading a plan (about 6 µs of the
//! 25 µs that rendering the seed's six families takes). This reader accepts only text whose
//! meaning is unambiguous in that subset and returns `None` for anything else — anchors, tags,
//! escapes, multi-line scalars, duplicate keys, a value whose YAML type could be other than the
//! field's, any error — so yaml_serde reads it, reports its errors, and stays the definition of
//! what a plan means. A differential test and a fuzz target hold the two to the same result.
//!
//! It knows no key of its own: which keys exist and what each holds comes from the schema it is
//! given ([`crate::plan_schema`], read from the plan's serde struct), and the value it builds is
//! handed to that same struct's `Deserialize`.

use serde::de::value::{Error as ValueError, MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeOwned, IntoDeserializer, Visitor};

use crate::schema::{Field, Kind};

/// One significant line: its indentation and its text after the indentation.
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// Reads `text` as a `T` whose schema is `fields`, if it lies in the fast path's subset;
/// `None` sends it to yaml_serde.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, fields: &[Field]) -> Option<T> {
    // Tabs, carriage returns, a byte-order mark and control characters all have rules of their
    // own in YAML; leave them to the full parser.
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}'))
    {
        return None;
    }
    let lines: Vec<Line<'_>> = text
        .split('\n')
        .filter_map(|raw| {
            let text = raw.trim_start_matches(' ');
            if text.is_empty() || text.starts_with('#') {
                None
            } else {
                Some(Line {
                    indent: raw.len() - text.len(),
                    text: text.trim_end_matches(' '),
                })
            }
        })
        .collect();
    if lines.first()?.indent != 0 {
        return None;
    }
    let map = mapping(entries("", &lines)?, fields)?;
    T::deserialize(Node::Map(map)).ok()
}

/// A value read by the fast path, already checked against its field's kind. Keys borrow from
/// the text; values own the strings the plan keeps.
enum Node<'a> {
    Text(String),
    Number(u64),
    List(Vec<String>),
    Map(Vec<(&'a str, Node<'a>)>),
}

impl<'de, 'a> IntoDeserializer<'de, ValueError> for Node<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Hands a checked tree to the plan's own `Deserialize`, so the struct, not this reader,
/// decides what each key becomes.
impl<'de, 'a> serde::Deserializer<'de> for Node<'a> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Node::Text(text) => visitor.visit_string(text),
            Node::Number(number) => visitor.visit_u64(number),
            Node::List(items) => visitor.visit_seq(SeqDeserializer::new(items.into_iter())),
            Node::Map(entries) => visitor.visit_map(MapDeserializer::new(entries.into_iter())),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Node::Text(text) => text
                .into_deserializer()
                .deserialize_enum(name, variants, visitor),
            other => other.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// A mapping's entries as the schema's fields describe them; `None` for an unknown key or a
/// value that is not plainly of its field's kind.
fn mapping<'a>(
    pairs: Vec<(&'a str, &'a str, Vec<Line<'a>>)>,
    fields: &[Field],
) -> Option<Vec<(&'a str, Node<'a>)>> {
    let mut map = Vec::with_capacity(pairs.len());
    for (key, value, block) in pairs {
        let field = fields.iter().find(|field| field.name == key)?;
        let value = match &field.kind {
            Kind::String => Node::Text(string(only(value, block)?)?),
            Kind::Integer { max } => {
                let number: u64 = number(only(value, block)?)?;
                (number <= *max).then_some(Node::Number(number))?
            }
            Kind::Choice { values } => {
                let word = strip_comment(only(value, block)?);
                values
                    .contains(&word)
                    .then(|| Node::Text(word.to_string()))?
            }
            Kind::List { items } if **items == Kind::String => Node::List(list(value, block)?),
            Kind::List { .. } | Kind::Map { .. } => return None,
            Kind::Section { fields } => Node::Map(mapping(entries(value, &block)?, fields)?),
        };
        map.push((key, value));
    }
    Some(map)
}

/// `key: value` or `key:`, with a key of lowercase letters, digits and `_`, and the value with any
/// trailing comment removed (empty when the value is a nested block).
fn key_value(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let key = &text[..colon];
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let rest = &text[colon + 1..];
    if rest.is_empty() {
        return Some((key, ""));
    }
    let value = rest.strip_prefix(' ')?.trim_start_matches(' ');
    if value.starts_with('#') {
        return Some((key, ""));
    }
    Some((key, value))
}

/// The lines after a `key:` that are indented deeper than `parent` (or, for a block list, at
/// the parent's indentation and starting with `- `).
fn block_after<'a>(lines: &[Line<'a>], at: &mut usize, parent: usize) -> Vec<Line<'a>> {
    let start = *at;
    while *at < lines.len() {
        let line = lines[*at];
        let list_item = line.indent == parent && (line.text == "-" || line.text.starts_with("- "));
        if line.indent > parent || list_item {
            *at += 1;
        } else {
            break;
        }
    }
    lines[start..*at].to_vec()
}

/// A scalar value: on the key's own line, with no block below it.
fn only<'a>(value: &'a str, block: Vec<Line<'a>>) -> Option<&'a str> {
    (block.is_empty() && !value.is_empty()).then_some(value)
}

/// A string field's value: a plain scalar that YAML can only read as a string, or a quoted
/// one without escapes, followed by nothing but a comment.
fn string(value: &str) -> Option<String> {
    if let Some(body) = value.strip_prefix('"') {
        let (content, rest) = body.split_once('"')?;
        return (!content.contains('\\') && after_scalar(rest)).then(|| content.to_string());
    }
    if let Some(body) = value.strip_prefix('\'') {
        let (content, rest) = body.split_once('\'')?;
        // `''` inside single quotes is an escaped quote: not this path's business.
        return (!rest.starts_with('\'') && after_scalar(rest)).then(|| content.to_string());
    }
    plain_string(strip_comment(value))
}

/// What may follow a closing quote: nothing, or spaces and a comment.
fn after_scalar(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches(' ');
    trimmed.is_empty() || (rest.starts_with(' ') && trimmed.starts_with('#'))
}

/// The index of the first `first` byte followed by `second` (a plain byte scan: the scalars
/// are short, and a substring searcher's set-up would cost more than the search).
fn find_pair(value: &str, first: u8, second: u8) -> Option<usize> {
    value
        .as_bytes()
        .windows(2)
        .position(|pair| pair[0] == first && pair[1] == second)
}

/// A plain scalar without its trailing ` # comment`.
fn strip_comment(value: &str) -> &str {
    match find_pair(value, b' ', b'#') {
        Some(index) => value[..index].trim_end_matches(' '),
        None => value,
    }
}

/// A plain scalar that can only be a string: it starts with a letter or digit, holds only
/// characters that have no meaning in YAML, and does not look like a number, bool or null.
fn plain_string(value: &str) -> Option<String> {
    let first = value.chars().next()?;
    if !first.is_ascii_alphanumeric() {
        return None;
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ' ' | '(' | ')' | ':')
    };
    // `:` is plain text inside a scalar (MACs, IPv6 addresses) unless a space or the end
    // follows it, where it would start a mapping.
    if !value.chars().all(allowed) || value.ends_with(':') || find_pair(value, b':', b' ').is_some()
    {
        return None;
    }
    // YAML 1.1 and 1.2 words for null, booleans and the float specials (Rust's float parser
    // takes `inf`, `infinity` and `nan` too).
    let keyword = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan",
    ]
    .iter()
    .any(|word| value.eq_ignore_ascii_case(word));
    // Only digits, signs, `.`, `e` and `_` can make a number; parse just those.
    let number_like = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'));
    let prefixed = value.len() > 1
        && value.as_bytes()[0] == b'0'
        && matches!(value.as_bytes()[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B');
    let numeric =
        prefixed || (number_like && (value.parse::<f64>().is_ok() || value.contains('_')));
    (!keyword && !numeric).then(|| value.to_string())
}

/// A decimal number without sign or leading zeros that fits the field.
fn number<T: std::str::FromStr>(value: &str) -> Option<T> {
    let value = strip_comment(value);
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if !digits || (value.len() > 1 && value.starts_with('0')) {
        return None;
    }
    value.parse().ok()
}

/// A list of strings: `[a, b]` on the key's line (continued on deeper lines), or `- a` items
/// in the block below.
fn list(value: &str, block: Vec<Line<'_>>) -> Option<Vec<String>> {
    if value.is_empty() {
        let indent = block.first()?.indent;
        return block
            .iter()
            .map(|line| {
                let item = line.text.strip_prefix("- ")?;
                (line.indent == indent).then_some(())?;
                string(item.trim_start_matches(' '))
            })
            .collect();
    }
    let mut flow = value.strip_prefix('[')?.to_string();
    for line in &block {
        // A line may continue the list only between items: a plain scalar that runs onto the
        // next line is folded (blank lines becoming newlines), which this path does not do.
        if !(flow.trim_end_matches(' ').ends_with(',') || flow.trim_end_matches(' ').is_empty()) {
            return None;
        }
        flow.push(' ');
        flow.push_str(line.text);
    }
    let (items, rest) = flow.split_once(']')?;
    if !after_scalar(rest) || items.contains(['[', '{', '#', '"', '\'']) {
        return None;
    }
    if items.trim_matches(' ').is_empty() {
        return Some(Vec::new());
    }
    items
        .split(',')
        .map(|item| plain_string(item.trim_matches(' ')))
        .collect()
}

/// The lines of a nested mapping, all at the indentation of the first.
fn entries<'a>(value: &str, block: &[Line<'a>]) -> Option<Vec<(&'a str, &'a str, Vec<Line<'a>>)>> {
    if !value.is_empty() {
        return None;
    }
    let indent = block.first()?.indent;
    let mut out: Vec<(&str, &str, Vec<Line<'_>>)> = Vec::new();
    let mut at = 0;
    while at < block.len() {
        let line = block[at];
        if line.indent != indent {
            return None;
        }
        let (key, value) = key_value(line.text)?;
        if out.iter().any(|(seen, _, _)| *seen == key) {
            return None;
        }
        at += 1;
        let nested = block_after(block, &mut at, indent);
        out.push((key, value, nested));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan_schema, EniPlan};

    fn full(text: &str) -> Result<EniPlan, String> {
        yaml_serde::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_seed_takes_the_fast_path_and_means_the_same() {
        let text = "# seed\ninterface: eth0\nmac: \"00:16:3e:16:43:aa\"\nmode: static\n\
                    primary: 192.168.1.201   # the primary\nsecondaries: [192.168.1.202, 192.168.1.203]\n\
                    prefix: 24\ngateway: 192.168.1.253\ndns:\n  - 100.100.2.136\n  - '100.100.2.138'\n\
                    ipv6:\n  addresses:\n  - \"2001:db8::a\"\n  prefix: 64\ncloud:\n  region: cn-hangzhou\n\
                    \x20 eni_id: eni-bp1example\n  eni_state: in_use\n  max_private_ips: 20\n";
        let fast = parse::<EniPlan>(text, plan_schema()).expect("in the fast path's subset");
        assert_eq!(Ok(fast), full(text));
    }

    #[test]
    fn ambiguous_or_unusual_text_goes_to_the_full_parser() {
        for text in [
            "interface: 123\n",
            "interface: true\n",
            "interface: null\n",
            "interface: 1e5\n",
            "interface: 0x1f\n",
            "interface: eth0\ninterface: eth1\n",
            "interface: &a eth0\n",
            "interface: \"e\\tth0\"\n",
            "interface: 'it''s'\n",
            "prefix: 024\n",
            "prefix: 300\n",
            "mode: Static\n",
            "secondary: [10.0.0.1]\n",
            "  interface: eth0\n",
            "interface: eth0\r\n",
            "secondaries: [10.0.0.1, [x]]\n",
            "interface:\n",
            "cloud: {region: cn-hangzhou}\n",
            "interface: eth0 # x\n\tprefix: 24\n",
        ] {
            assert_eq!(parse::<EniPlan>(text, plan_schema()), None, "{text:?}");
        }
    }
}
