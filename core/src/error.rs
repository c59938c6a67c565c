//! The one error type of eniplan, and the list of them that a rejected plan produces.

use std::fmt;

/// One problem with a plan or a request.
///
/// Every variant names the plan field it concerns (a path such as `secondaries[1]` or
/// `ipv6.gateway`) and the offending value, so a caller can show the message next to the field
/// that caused it. Use [`Error::field`] and [`Error::value`] instead of matching on variants when
/// only those are needed: variants may be added in a minor release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plan text is not valid YAML/JSON, has a wrong type, or has an unknown key.
    #[error("{field}: {message}")]
    Syntax {
        /// Where the parser stopped, as a field path when known (otherwise `plan`).
        field: String,
        /// The parser's own description, including line and column.
        message: String,
    },
    /// A required field is absent.
    #[error("{field}: missing; {hint}")]
    Missing {
        /// The absent field.
        field: String,
        /// Why it is needed here and what to put in it.
        hint: String,
    },
    /// A value does not parse as the address it must be.
    #[error("{field}: `{value}` is not a valid {kind} address: {reason}")]
    InvalidAddress {
        /// The field holding the value.
        field: String,
        /// The value as given.
        value: String,
        /// `IPv4`, `IPv6` or `IP`.
        kind: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A prefix length outside the range its address family allows.
    #[error("{field}: {value} is not a usable prefix length ({reason})")]
    InvalidPrefix {
        /// `prefix` or `ipv6.prefix`.
        field: String,
        /// The prefix as given.
        value: String,
        /// The allowed range and why.
        reason: String,
    },
    /// A netmask whose one-bits are not contiguous, such as `255.0.255.0`.
    #[error("{field}: `{value}` is not a contiguous netmask")]
    NonContiguousMask {
        /// Always `netmask`.
        field: String,
        /// The mask as given.
        value: String,
    },
    /// `prefix` and `netmask` are both given and describe different subnets.
    #[error("{field}: netmask {value} is /{netmask_prefix}, but prefix says /{prefix}")]
    MaskMismatch {
        /// Always `netmask`.
        field: String,
        /// The netmask as given.
        value: String,
        /// The prefix length the netmask spells.
        netmask_prefix: u8,
        /// The `prefix` field's value.
        prefix: u8,
    },
    /// An address that lies outside the subnet (the vSwitch CIDR) it must be in.
    #[error("{field}: {value} is outside {subnet}, the subnet of the primary address")]
    OutsideSubnet {
        /// The field holding the address.
        field: String,
        /// The address.
        value: String,
        /// The subnet it had to be in.
        subnet: String,
    },
    /// The network or broadcast address of the subnet, which no host can hold.
    #[error("{field}: {value} is the {which} address of {subnet}; no host can use it")]
    ReservedAddress {
        /// The field holding the address.
        field: String,
        /// The address.
        value: String,
        /// `network` or `broadcast`.
        which: &'static str,
        /// The subnet.
        subnet: String,
    },
    /// An address that appears twice (including a secondary equal to the primary or gateway).
    #[error("{field}: {value} is already used by {first}")]
    Duplicate {
        /// The field of the second occurrence.
        field: String,
        /// The repeated value.
        value: String,
        /// The field of the first occurrence.
        first: String,
    },
    /// A MAC address that is not six colon- or dash-separated hex octets of a unicast NIC.
    #[error("{field}: `{value}` is not a usable MAC address: {reason}")]
    InvalidMac {
        /// Always `mac`.
        field: String,
        /// The MAC as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A name that cannot safely reach the file names and commands it ends up in.
    #[error("{field}: `{value}` is not a valid {what}: {reason}")]
    InvalidName {
        /// The field holding the name.
        field: String,
        /// The name as given (control characters escaped in the message).
        value: String,
        /// What kind of name this had to be, e.g. `Linux interface name`.
        what: &'static str,
        /// The rule it breaks.
        reason: String,
    },
    /// More addresses than the ENI (or the resolver) may carry.
    #[error("{field}: {value} {what} exceed the limit of {limit} ({reason})")]
    TooManyAddresses {
        /// The field that holds the excess (`secondaries`, `ipv6.addresses`, `dns`).
        field: String,
        /// The number of addresses asked for.
        value: String,
        /// What is counted, e.g. `private IPv4 addresses (primary included)`.
        what: &'static str,
        /// The limit that applies.
        limit: usize,
        /// Where the limit comes from.
        reason: String,
    },
    /// An IPv6 address outside the prefix of the plan's first IPv6 address.
    #[error("{field}: {value} is outside {network}, the prefix of the first IPv6 address")]
    Ipv6OutsidePrefix {
        /// The field holding the address.
        field: String,
        /// The address.
        value: String,
        /// The network it had to be in.
        network: String,
    },
    /// A number outside the range the field allows (such as a reserved route table).
    #[error("{field}: {value} is out of range: {reason}")]
    OutOfRange {
        /// The field concerned.
        field: String,
        /// The number as given.
        value: String,
        /// The allowed range and why.
        reason: String,
    },
    /// A value that is valid in general but not for a target this request renders.
    #[error("{field}: `{value}` cannot be rendered for {target}: {reason}")]
    Unsupported {
        /// The field concerned.
        field: String,
        /// Its value.
        value: String,
        /// The target name.
        target: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A failure inside eniplan itself (a template that does not render): a bug to report,
    /// never a problem with the plan.
    #[error("{field}: eniplan bug in `{value}`, please report it: {message}")]
    Internal {
        /// What failed, e.g. `template`.
        field: String,
        /// Which one, e.g. the template's name.
        value: String,
        /// The underlying error.
        message: String,
    },
    /// A source of plans (instance metadata, the ECS API) contradicts itself, so no plan can
    /// be trusted from it.
    #[error("{field}: {value} contradicts {other}; the source is inconsistent, so nothing is planned from it")]
    Contradiction {
        /// The key path of the value.
        field: String,
        /// The value.
        value: String,
        /// What it contradicts (another key path and its value).
        other: String,
    },
    /// A key the plan does not have (a typo, most often): named with the key it most likely
    /// meant.
    #[error("{field}: unknown key; {hint}")]
    UnknownKey {
        /// The key's path, e.g. `secondary` or `ipv6.adresses`.
        field: String,
        /// `did you mean …?`, or the keys that exist there.
        hint: String,
    },
    /// A value of the wrong kind for its field (text where a number goes, a mapping where a
    /// list goes).
    #[error("{field}: {value} is not what this field holds; expected {expected}")]
    WrongType {
        /// The field.
        field: String,
        /// The value as the user wrote it, described in words.
        value: String,
        /// What the field holds.
        expected: String,
    },
    /// A selection of several targets (`all`, `ecs-doc`, a list) where one target is asked
    /// for.
    #[error("{field}: `{value}` selects several targets, and this takes one; {hint}")]
    Selection {
        /// Always `os`.
        field: String,
        /// The selection as given.
        value: String,
        /// Where a selection is taken instead.
        hint: String,
    },
    /// A cloud's metadata service did not answer a key in full (an error status, a timeout,
    /// a refused connection, a body cut short): nothing is planned from a partial answer.
    #[error("{field}: the metadata service did not answer in full ({value}); nothing is planned or changed from a partial answer")]
    Unavailable {
        /// The key path asked for, e.g. `network/interfaces/macs/0e:…/local-ipv4s`.
        field: String,
        /// What happened, with the address asked.
        value: String,
    },
    /// A target name (`--os`) that eniplan does not know.
    #[error("{field}: unknown target `{value}`; known targets: {known}")]
    UnknownTarget {
        /// Always `os`.
        field: String,
        /// The name as given.
        value: String,
        /// Every accepted name, comma-separated.
        known: String,
    },
}

impl Error {
    /// The plan field (or request argument) this error concerns, e.g. `secondaries[1]`.
    pub fn field(&self) -> &str {
        match self {
            Error::Syntax { field, .. }
            | Error::Missing { field, .. }
            | Error::InvalidAddress { field, .. }
            | Error::InvalidPrefix { field, .. }
            | Error::NonContiguousMask { field, .. }
            | Error::MaskMismatch { field, .. }
            | Error::OutsideSubnet { field, .. }
            | Error::ReservedAddress { field, .. }
            | Error::Duplicate { field, .. }
            | Error::InvalidMac { field, .. }
            | Error::InvalidName { field, .. }
            | Error::TooManyAddresses { field, .. }
            | Error::Ipv6OutsidePrefix { field, .. }
            | Error::OutOfRange { field, .. }
            | Error::Unsupported { field, .. }
            | Error::Internal { field, .. }
            | Error::Contradiction { field, .. }
            | Error::UnknownKey { field, .. }
            | Error::WrongType { field, .. }
            | Error::Selection { field, .. }
            | Error::UnknownTarget { field, .. }
            | Error::Unavailable { field, .. } => field,
        }
    }

    /// The same error about `prefix` followed by its field: a plan's problem reported against
    /// the place its plan came from (`network/interfaces/macs/…: secondaries[0]`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        let field = match &mut self {
            Error::Syntax { field, .. }
            | Error::Missing { field, .. }
            | Error::InvalidAddress { field, .. }
            | Error::InvalidPrefix { field, .. }
            | Error::NonContiguousMask { field, .. }
            | Error::MaskMismatch { field, .. }
            | Error::OutsideSubnet { field, .. }
            | Error::ReservedAddress { field, .. }
            | Error::Duplicate { field, .. }
            | Error::InvalidMac { field, .. }
            | Error::InvalidName { field, .. }
            | Error::TooManyAddresses { field, .. }
            | Error::Ipv6OutsidePrefix { field, .. }
            | Error::OutOfRange { field, .. }
            | Error::Unsupported { field, .. }
            | Error::Internal { field, .. }
            | Error::Contradiction { field, .. }
            | Error::UnknownKey { field, .. }
            | Error::WrongType { field, .. }
            | Error::Selection { field, .. }
            | Error::UnknownTarget { field, .. }
            | Error::Unavailable { field, .. } => field,
        };
        *field = format!("{prefix}: {field}");
        self
    }

    /// The offending value as the plan gave it (empty when the problem is an absence).
    pub fn value(&self) -> &str {
        match self {
            Error::Syntax { .. } | Error::Missing { .. } | Error::UnknownKey { .. } => "",
            Error::InvalidAddress { value, .. }
            | Error::InvalidPrefix { value, .. }
            | Error::NonContiguousMask { value, .. }
            | Error::MaskMismatch { value, .. }
            | Error::OutsideSubnet { value, .. }
            | Error::ReservedAddress { value, .. }
            | Error::Duplicate { value, .. }
            | Error::InvalidMac { value, .. }
            | Error::InvalidName { value, .. }
            | Error::TooManyAddresses { value, .. }
            | Error::Ipv6OutsidePrefix { value, .. }
            | Error::OutOfRange { value, .. }
            | Error::Unsupported { value, .. }
            | Error::Internal { value, .. }
            | Error::Contradiction { value, .. }
            | Error::WrongType { value, .. }
            | Error::Selection { value, .. }
            | Error::UnknownTarget { value, .. }
            | Error::Unavailable { value, .. } => value,
        }
    }

    /// A stable, machine-readable name of the kind of problem (`outside_subnet`, …), used by the
    /// Python and JavaScript bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "syntax",
            Error::Missing { .. } => "missing",
            Error::InvalidAddress { .. } => "invalid_address",
            Error::InvalidPrefix { .. } => "invalid_prefix",
            Error::NonContiguousMask { .. } => "non_contiguous_mask",
            Error::MaskMismatch { .. } => "mask_mismatch",
            Error::OutsideSubnet { .. } => "outside_subnet",
            Error::ReservedAddress { .. } => "reserved_address",
            Error::Duplicate { .. } => "duplicate",
            Error::InvalidMac { .. } => "invalid_mac",
            Error::InvalidName { .. } => "invalid_name",
            Error::TooManyAddresses { .. } => "too_many_addresses",
            Error::Ipv6OutsidePrefix { .. } => "ipv6_outside_prefix",
            Error::OutOfRange { .. } => "out_of_range",
            Error::Unsupported { .. } => "unsupported",
            Error::Internal { .. } => "internal",
            Error::Contradiction { .. } => "contradiction",
            Error::UnknownKey { .. } => "unknown_key",
            Error::WrongType { .. } => "wrong_type",
            Error::Selection { .. } => "selection",
            Error::UnknownTarget { .. } => "unknown_target",
            Error::Unavailable { .. } => "unavailable",
        }
    }
}

/// One problem as data: what the bindings and the JSON output carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The field, e.g. `secondaries[1]`.
    pub field: String,
    /// The offending value (empty when the problem is an absence).
    pub value: String,
    /// The whole message, naming field and value.
    pub message: String,
    /// The kind of problem ([`Error::kind`]).
    pub kind: &'static str,
}

impl From<&Error> for Problem {
    fn from(error: &Error) -> Self {
        Problem {
            field: error.field().to_string(),
            value: error.value().to_string(),
            message: error.to_string(),
            kind: error.kind(),
        }
    }
}

/// Every problem found in one plan or request; never empty.
///
/// eniplan reports all problems at once rather than stopping at the first, so a user fixes a
/// plan in one round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(Vec<Error>);

impl Errors {
    /// Wraps a list that the caller has checked is not empty.
    pub(crate) fn new(errors: Vec<Error>) -> Self {
        debug_assert!(!errors.is_empty(), "Errors must not be empty");
        Errors(errors)
    }

    /// Wraps a list of problems (an empty one becomes an internal error, never a silent pass).
    pub fn from_vec(errors: Vec<Error>) -> Self {
        if errors.is_empty() {
            Errors(vec![Error::Internal {
                field: "errors".into(),
                value: String::new(),
                message: "an empty list of problems".into(),
            }])
        } else {
            Errors(errors)
        }
    }

    /// The problems, in the order the plan's fields were checked.
    pub fn as_slice(&self) -> &[Error] {
        &self.0
    }

    /// The problems, owned.
    pub fn into_vec(self) -> Vec<Error> {
        self.0
    }

    /// The problems as data.
    pub fn problems(&self) -> Vec<Problem> {
        self.0.iter().map(Problem::from).collect()
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Errors(vec![error])
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(f, "{count} problem{}:", if count == 1 { "" } else { "s" })?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Shows a user-supplied value in an error message with control characters escaped, so a
/// hostile value cannot forge extra lines of output.
pub(crate) fn shown(value: &str) -> String {
    value.escape_debug().to_string()
}
