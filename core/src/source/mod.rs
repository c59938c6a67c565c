//! Plans from where the truth already is: the ECS instance metadata service (on the host) and
//! the ECS API's `DescribeNetworkInterfaces` (anywhere). Both give one plan per ENI of an
//! instance, the primary ENI first, in the plan contract the user would otherwise type.
//!
//! Policy routing for the other ENIs: the primary ENI (the instance's `mac`) carries the main
//! table's default route; every other ENI gets `route_table` 1000 + n, where n counts the
//! instance's other ENIs from 1 in the order of their OS interface names (`eth1` → 1001,
//! `eth2` → 1002, `eth10` after `eth9`), so replies leave through the ENI they arrived on.
//!
//! IPv6 has no table of its own here: only the primary ENI's IPv6 gateway is planned (a second
//! IPv6 default route in the main table would clash with it); the other ENIs' IPv6 addresses
//! are reached on their own prefix.
//!
//! A source is never trusted in part: a missing primary, an ENI without private IPv4
//! addresses or a source that contradicts itself is an error naming the key path, never a
//! plan that would remove addresses the ENI has.

pub(crate) mod api;
pub(crate) mod aws;
pub(crate) mod aws_api;
pub(crate) mod azure;
pub(crate) mod azure_api;
pub(crate) mod metadata;
pub(crate) mod provider;
pub(crate) mod tree;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Errors};
use crate::model::MacAddr;
use crate::plan::{CloudPlan, EniPlan, EniState, Provider};
use crate::validate::parse_mac;

/// The first table number of an instance's other ENIs; see the module documentation.
pub const FIRST_ENI_TABLE: u32 = 1000;

/// The OS's name for each NIC of a host, by MAC: the OS decides names, so a plan's
/// `interface` comes from here, never from the cloud.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NicNames(BTreeMap<MacAddr, String>);

impl NicNames {
    /// An empty map.
    pub fn new() -> Self {
        NicNames::default()
    }

    /// Adds `mac` → `name`; an unparsable MAC is an error naming `nic`.
    pub fn insert(&mut self, mac: &str, name: &str) -> Result<(), Error> {
        let mac = parse_mac("nic", mac)?;
        self.0.insert(mac, name.to_string());
        Ok(())
    }

    /// Reads `MAC=NAME` pairs, as the CLI's `--nic` takes them.
    pub fn from_pairs<S: AsRef<str>>(pairs: &[S]) -> Result<Self, Errors> {
        let mut names = NicNames::new();
        let mut errors = Vec::new();
        for pair in pairs {
            let pair = pair.as_ref();
            match pair.split_once('=') {
                Some((mac, name)) if !name.is_empty() => {
                    if let Err(error) = names.insert(mac, name) {
                        errors.push(error);
                    }
                }
                _ => errors.push(Error::Syntax {
                    field: "nic".into(),
                    message: format!(
                        "`{pair}` is not MAC=NAME (for example 00:16:3e:16:43:aa=eth0)"
                    ),
                }),
            }
        }
        if errors.is_empty() {
            Ok(names)
        } else {
            Err(Errors::new(errors))
        }
    }

    /// Reads a `{mac: name}` map, as the Python and JavaScript bindings take it; an empty
    /// name or an unparsable MAC is an error naming `nic`.
    pub fn from_map<'a>(map: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, Errors> {
        let pairs: Vec<String> = map
            .into_iter()
            .map(|(mac, name)| format!("{mac}={name}"))
            .collect();
        NicNames::from_pairs(&pairs)
    }

    /// The name of the NIC with this MAC.
    pub fn get(&self, mac: MacAddr) -> Option<&str> {
        self.0.get(&mac).map(String::as_str)
    }

    /// Whether no NIC is known.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One ENI as a source describes it, before it becomes a plan.
pub(crate) struct Eni {
    /// Where it is described, for error messages (`network/interfaces/macs/<mac>`).
    pub path: String,
    pub mac: MacAddr,
    pub plan: EniPlan,
    /// The route table the provider numbers this ENI with, when it does (AWS, by device);
    /// otherwise, for an ENI other than the primary, 1000 + its rank by interface name.
    pub table: Option<u32>,
}

/// Orders an instance's ENIs (primary first, then by interface name), gives the others their
/// route tables, and checks every plan, reporting a plan's problems against its source path.
/// `seen` is every MAC the source describes, whether or not its ENI could be read.
pub(crate) fn finish(
    mut enis: Vec<Eni>,
    seen: &[MacAddr],
    primary: Option<MacAddr>,
    mut errors: Vec<Error>,
) -> Result<Vec<EniPlan>, Errors> {
    let primary = match (primary, seen) {
        (Some(mac), _) => Some(mac),
        (None, [only]) => Some(*only),
        (None, _) => None,
    };
    if !seen.is_empty() && !seen.iter().any(|mac| Some(*mac) == primary) {
        errors.push(Error::Missing {
            field: "mac".into(),
            hint: match primary {
                Some(mac) => format!(
                    "the instance's primary ENI {mac} is not among its interfaces; the source \
                     is incomplete"
                ),
                None => {
                    "with several ENIs, the instance's own `mac` says which is the primary".into()
                }
            },
        });
    }
    enis.sort_by(|a, b| {
        let key = |eni: &Eni| {
            (
                Some(eni.mac) != primary,
                natural_key(eni.plan.interface.as_deref().unwrap_or("")),
            )
        };
        key(a).cmp(&key(b))
    });
    for (index, eni) in enis.iter_mut().enumerate() {
        if Some(eni.mac) != primary {
            eni.plan.route_table = Some(eni.table.unwrap_or(FIRST_ENI_TABLE + index as u32));
            // The route table is IPv4's: a second IPv6 default route in the main table would
            // clash with the primary ENI's, so only the primary's IPv6 gateway is planned.
            if let Some(ipv6) = eni.plan.ipv6.as_mut() {
                ipv6.gateway = None;
            }
        }
    }
    for eni in &enis {
        if let Err(problems) = eni.plan.validate() {
            errors.extend(problems.into_iter().map(|error| error.within(&eni.path)));
        }
    }
    if errors.is_empty() {
        Ok(enis.into_iter().map(|eni| eni.plan).collect())
    } else {
        Err(Errors::new(errors))
    }
}

/// `eth10` after `eth9`: runs of digits compare as numbers.
fn natural_key(name: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = c.to_digit(10).map_or(0, u64::from);
            while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number.saturating_mul(10).saturating_add(u64::from(digit));
                chars.next();
            }
            key.push((std::mem::take(&mut text), number));
        } else {
            text.push(c);
        }
    }
    key.push((text, 0));
    key
}

/// A plan skeleton for one ENI of `provider`: static, in use, with its region and id.
pub(crate) fn eni_plan(
    provider: Provider,
    region: Option<&str>,
    eni_id: Option<String>,
) -> EniPlan {
    EniPlan {
        mode: Some(crate::plan::Mode::Static),
        cloud: Some(CloudPlan {
            provider: Some(provider),
            region: region.map(str::to_string),
            eni_id,
            eni_state: Some(EniState::InUse),
            ..CloudPlan::default()
        }),
        ..EniPlan::default()
    }
}

/// Reads a JSON document, naming `field` when it is not JSON.
pub(crate) fn parse_json(field: &str, text: &str) -> Result<Value, Errors> {
    serde_json::from_str(text).map_err(|error| {
        Errors::from(Error::Syntax {
            field: field.into(),
            message: format!("not a JSON document: {error}"),
        })
    })
}

/// The Rust name of a JSON value's type, for error messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::natural_key;

    #[test]
    fn interface_names_sort_naturally() {
        let mut names = vec!["eth10", "eth2", "eth1", "ens5", "eth9"];
        names.sort_by_key(|name| natural_key(name));
        assert_eq!(names, ["ens5", "eth1", "eth2", "eth9", "eth10"]);
    }
}
