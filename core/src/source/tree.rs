//! Reading a metadata document's tree: values by key path, every problem collected with its
//! path, lists in any of the shapes the metadata endpoints print them. Shared by every
//! provider's reader.

use serde_json::{Map, Value};

use super::{json_type, NicNames};
use crate::error::{Error, Errors};
use crate::model::MacAddr;

/// The tree under `latest/meta-data` (Alibaba Cloud's and EC2's metadata share the layout),
/// when the document starts above it.
pub(crate) fn unwrap_levels(root: &Value) -> &Value {
    let mut node = root;
    for key in ["latest", "meta-data"] {
        if let Some(child) = node.get(key) {
            node = child;
        }
    }
    node
}

/// The MACs under `network/interfaces/macs/` of an Alibaba Cloud or EC2 tree, the instance's
/// own (the top-level `mac`: the primary ENI) first, then in MAC order.
pub(crate) fn tree_macs(document: &Value) -> Result<Vec<crate::model::MacAddr>, Errors> {
    let tree = unwrap_levels(document);
    let mut reader = Reader::default();
    let Some(root) = reader.object("", tree) else {
        return Err(Errors::new(reader.errors));
    };
    let own = root.get("mac").and_then(Value::as_str).map(str::trim);
    let mut macs = Vec::new();
    if let Some((listing, path)) = reader.macs(root) {
        for key in listing.keys() {
            let key = key.trim_end_matches('/');
            let parsed = crate::validate::parse_mac(&join(&path, key), key);
            if let Some(mac) = reader.keep(parsed) {
                macs.push((Some(key) != own, mac));
            }
        }
    }
    if !reader.errors.is_empty() {
        return Err(Errors::new(reader.errors));
    }
    macs.sort();
    Ok(macs.into_iter().map(|(_, mac)| mac).collect())
}

/// `path/key`, or `key` at the root.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}/{key}")
    }
}

/// Reads values out of the tree, collecting every problem with its key path.
#[derive(Default)]
pub(crate) struct Reader {
    /// Every problem so far, each naming its key path.
    pub(crate) errors: Vec<Error>,
}

impl Reader {
    pub(crate) fn keep<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.errors.push(error)).ok()
    }

    pub(crate) fn shape(&mut self, path: &str, want: &str, got: &Value) {
        self.errors.push(Error::Syntax {
            field: path.to_string(),
            message: format!("expected {want}, found {}", json_type(got)),
        });
    }

    pub(crate) fn object<'v>(
        &mut self,
        path: &str,
        value: &'v Value,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.shape(
                    if path.is_empty() { "metadata" } else { path },
                    "an object",
                    other,
                );
                None
            }
        }
    }

    /// A single value: a string (trimmed; the endpoints end their text with a newline).
    pub(crate) fn text(
        &mut self,
        node: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<String> {
        match node.get(key)? {
            Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
            Value::String(_) => None,
            other => {
                self.shape(&join(path, key), "a string", other);
                None
            }
        }
    }

    /// A list: a JSON list of strings, a JSON list inside a string, or one value per line.
    pub(crate) fn list(
        &mut self,
        node: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<Vec<String>> {
        let field = join(path, key);
        match node.get(key)? {
            Value::Array(items) => {
                let mut values = Vec::new();
                for item in items {
                    match item {
                        Value::String(text) => values.push(text.trim().to_string()),
                        other => {
                            self.shape(&field, "a list of strings", other);
                            return None;
                        }
                    }
                }
                Some(values)
            }
            Value::String(text) if text.trim_start().starts_with('[') => {
                let text = text.trim();
                if let Ok(values) = serde_json::from_str::<Vec<String>>(text) {
                    return Some(values.into_iter().map(|v| v.trim().to_string()).collect());
                }
                // `ipv6s` prints its list unquoted: `[2408:…::a,2408:…::b]`.
                match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                    Some(inner) if !inner.contains(['[', ']', '{', '}']) => Some(
                        inner
                            .split(',')
                            .map(|item| item.trim().trim_matches('"').trim().to_string())
                            .filter(|item| !item.is_empty())
                            .collect(),
                    ),
                    _ => {
                        self.errors.push(Error::Syntax {
                            field,
                            message: format!("`{text}` is not a list"),
                        });
                        None
                    }
                }
            }
            Value::String(text) => Some(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            other => {
                self.shape(&field, "a list or its text", other);
                None
            }
        }
    }

    pub(crate) fn require(
        &mut self,
        value: Option<String>,
        path: &str,
        key: &str,
        why: &str,
    ) -> Option<String> {
        if value.is_none() && !self.errors.iter().any(|e| e.field() == join(path, key)) {
            self.errors.push(Error::Missing {
                field: join(path, key),
                hint: why.into(),
            });
        }
        value
    }

    /// The `network/interfaces/macs` object of a metadata tree and its key path; a missing
    /// or empty one is an error (there is nothing to plan).
    pub(crate) fn macs<'v>(
        &mut self,
        root: &'v Map<String, Value>,
    ) -> Option<(&'v Map<String, Value>, String)> {
        let mut node = root;
        let mut path = String::new();
        for key in ["network", "interfaces", "macs"] {
            path = join(&path, key);
            let Some(child) = node.get(key) else {
                self.errors.push(Error::Missing {
                    field: path,
                    hint: "the metadata lists no network interface, so there is nothing to plan"
                        .into(),
                });
                return None;
            };
            node = self.object(&path, child)?;
        }
        if node.is_empty() {
            self.errors.push(Error::Missing {
                field: path.clone(),
                hint: "the metadata lists no network interface, so there is nothing to plan".into(),
            });
        }
        Some((node, path))
    }

    /// The host's name for the NIC with `mac`: the OS names interfaces, never the cloud.
    pub(crate) fn interface_name(
        &mut self,
        names: &NicNames,
        mac: MacAddr,
        path: &str,
    ) -> Option<String> {
        let name = names.get(mac).map(str::to_string);
        if name.is_none() {
            self.errors.push(Error::Missing {
                field: format!("{path} (interface name)"),
                hint: format!(
                    "no NIC on this host has MAC {mac}; the OS names interfaces, so give \
                     `--nic {mac}=NAME` (or check that the ENI is attached)"
                ),
            });
        }
        name
    }
}
