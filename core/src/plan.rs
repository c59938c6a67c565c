//! The plan as a user writes it: the public key contract of YAML, JSON, Python dicts and JS
//! objects. Values are kept as written (strings) so that validation can report every problem
//! with the value the user typed; [`EniPlan::validate`] turns it into a typed [`Plan`].
//!
//! [`Plan`]: crate::Plan

use std::sync::OnceLock;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::os_family::IfcfgStyle;
use crate::schema::{self, Field};

/// Plans larger than this are rejected before parsing: a real plan is a few hundred bytes, and
/// the cap keeps a hostile or mistaken input (a list of a million addresses) from costing
/// seconds of parsing before it is refused anyway.
pub const MAX_PLAN_BYTES: usize = 256 * 1024;

/// One ENI on one instance, as written by the user.
///
/// Unknown keys are errors (`deny_unknown_fields`), so a typo such as `secondary:` is reported
/// instead of silently ignored. Every field is optional at this stage so that a plan missing
/// several required fields gets all of them reported at once by [`EniPlan::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EniPlan {
    /// OS name of the NIC: `eth0` on Linux, the adapter name (`Ethernet`, `Ethernet 2`) on
    /// Windows. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The ENI's MAC address, used to match the NIC (netplan `match`, ifcfg `HWADDR`/`LLADDR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `static` (default): every address is configured by hand. `dhcp`: the primary stays on
    /// DHCP and the secondaries are added statically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The ENI's primary private IPv4 address. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Secondary private IPv4 addresses, in the order they get alias numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondaries: Vec<String>,
    /// Prefix length of the vSwitch CIDR, e.g. 24. Give this or `netmask` (or both, agreeing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u8>,
    /// Dotted netmask of the vSwitch CIDR, e.g. `255.255.255.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// Default gateway; required in static mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// DNS servers, in order of preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    /// Static IPv6 addresses of the ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6Plan>,
    /// NetworkManager connection name; defaults to `System <interface>` as in the ECS
    /// document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The cloud side: region, ENI id and the limits that apply to the ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudPlan>,
    /// RHEL family only: `aliases` (one `ifcfg-eth0:N` file per secondary) or `indexed`
    /// (`IPADDRn` in the main file), overriding the target's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ifcfg_style: Option<IfcfgStyle>,
    /// For a secondary ENI: the route table (1–252, or 256 and above) that holds this ENI's
    /// default route instead of the main table, with one rule per address that sends replies
    /// from the address through it (source-based policy routing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<u32>,
}

/// How the primary address is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every address, the primary included, is configured statically.
    #[default]
    Static,
    /// The primary comes from DHCP; the secondaries are added statically.
    Dhcp,
}

/// The IPv6 part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6Plan {
    /// The ENI's IPv6 addresses; the first is treated as the primary one.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Prefix length of the IPv6 vSwitch CIDR; 64 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u8>,
    /// IPv6 default gateway, link-local (`fe80::1`) or inside the prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

/// The cloud-side facts about the ENI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudPlan {
    /// The cloud the ENI belongs to: `aliyun` (Alibaba Cloud, what a plan without one means),
    /// `aws` or `azure`. It decides the region's and ENI id's form and which API calls the
    /// cloud target makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// Region id, e.g. `cn-hangzhou`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// ENI id, e.g. `eni-bp1example`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_id: Option<String>,
    /// `available` (not bound; at most 10 private IPs, per the ECS document) or `in_use`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_state: Option<EniState>,
    /// The instance type's limit of private IPv4 addresses per ENI (for an InUse ENI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_private_ips: Option<u32>,
    /// Azure: the resource group of the NIC, e.g. `rg-web` (Azure names a NIC by resource
    /// group and name; `az network nic list -o table` shows both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Azure: the NIC's resource name, e.g. `vm1-nic0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_name: Option<String>,
    /// Azure: the ip-config that holds each secondary address, by address, where it is not
    /// the name eniplan gives one it creates (`eniplan-` and the address with `-` for `.` and
    /// `:`): e.g. `{10.0.1.11: ipconfig2}` for an address assigned in the portal.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ip_configs: BTreeMap<String, String>,
}

/// A cloud eniplan plans for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Alibaba Cloud (ECS): instance metadata at 100.100.100.200, the `aliyun` CLI.
    Aliyun,
    /// Amazon Web Services (EC2): IMDSv2 at 169.254.169.254, the `aws` CLI.
    Aws,
    /// Microsoft Azure: IMDS at 169.254.169.254, the `az` CLI.
    Azure,
}

impl Provider {
    /// Every provider, in this order.
    pub const ALL: [Provider; 3] = [Provider::Aliyun, Provider::Aws, Provider::Azure];

    /// The name plans, `--cloud` and the bindings use.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Aliyun => "aliyun",
            Provider::Aws => "aws",
            Provider::Azure => "azure",
        }
    }

    /// The provider of `name`, or `None`.
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The state of an ENI, which decides how many private addresses it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EniState {
    /// Not bound to an instance: at most 10 private IP addresses (the ECS document, "Considerations").
    Available,
    /// Bound to an instance: the limit depends on the instance type.
    InUse,
}

impl EniPlan {
    /// The plan as YAML text, in the contract's key order (what the browser previewer shows
    /// beside its form).
    pub fn to_yaml(&self) -> String {
        // Plain strings, numbers and lists: serialising them cannot fail.
        yaml_serde::to_string(self).unwrap_or_default()
    }

    /// The Alibaba Cloud ECS document's configuration example: ENI `eth0` with primary
    /// 192.168.1.201, secondaries .202 and .203 in 192.168.1.0/24, gateway .253, the
    /// document's MAC with its `xx` filled in,
    /// and Alibaba Cloud's DNS servers.
    pub fn example() -> Self {
        EniPlan {
            interface: Some("eth0".into()),
            mac: Some("00:16:3e:16:43:aa".into()),
            mode: Some(Mode::Static),
            primary: Some("192.168.1.201".into()),
            secondaries: vec!["192.168.1.202".into(), "192.168.1.203".into()],
            prefix: Some(24),
            netmask: None,
            gateway: Some("192.168.1.253".into()),
            dns: vec!["100.100.2.136".into(), "100.100.2.138".into()],
            ipv6: None,
            connection: None,
            // The region of the ECS document's console steps and the README's example ENI id:
            // what the `cloud` target needs to render the document's step 1.
            cloud: Some(CloudPlan {
                provider: None,
                region: Some("cn-hangzhou".into()),
                eni_id: Some("eni-bp1example".into()),
                eni_state: None,
                max_private_ips: None,
                ..CloudPlan::default()
            }),
            ifcfg_style: None,
            route_table: None,
        }
    }

    /// The ECS document's Windows example: the same addresses on the adapter named
    /// `Ethernet`.
    pub fn example_windows() -> Self {
        EniPlan {
            interface: Some("Ethernet".into()),
            ..Self::example()
        }
    }

    /// The former name of [`EniPlan::example`].
    #[doc(hidden)]
    pub fn seed_example() -> Self {
        Self::example()
    }

    /// The former name of [`EniPlan::example_windows`].
    #[doc(hidden)]
    pub fn seed_example_windows() -> Self {
        Self::example_windows()
    }
}

/// Every key of the plan, in the contract's order, read from [`EniPlan`]'s serde definition:
/// the one place the plan's schema is written.
pub fn plan_schema() -> &'static [Field] {
    static SCHEMA: OnceLock<Vec<Field>> = OnceLock::new();
    SCHEMA.get_or_init(schema::of::<EniPlan>)
}

/// The schema of one key path of the plan (`ipv6.prefix`), when the plan has it.
pub fn schema_field(path: &str) -> Option<&'static Field> {
    schema::find(plan_schema(), path)
}
