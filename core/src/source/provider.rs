//! The cloud providers eniplan plans from, one registry row each: what the provider's metadata
//! service is, how its document is told apart from the others', and which reader turns it into
//! an instance's plans.

use serde_json::Value;

use super::api::ApiContext;
use super::{api, aws, aws_api, azure, azure_api, metadata, parse_json, tree, NicNames};
use crate::error::{Error, Errors};
use crate::model::MacAddr;
use crate::plan::{EniPlan, Provider};

/// One provider's facts.
pub struct ProviderSpec {
    /// The provider.
    pub provider: Provider,
    /// Its name as people know it.
    pub describes: &'static str,
    /// The metadata service's base address (what `--metadata-url` replaces in tests).
    pub metadata_url: &'static str,
    /// The instance-wide metadata items the reader takes (what a fetch gathers), and the
    /// items per ENI (under `network/interfaces/macs/<mac>/`); Azure's answer is one
    /// document, so it has none.
    pub instance_items: &'static [&'static str],
    /// See `instance_items`.
    pub eni_items: &'static [&'static str],
    /// DMI values (`/sys/class/dmi/id/<file>` starting with the value) that show an instance
    /// of this provider.
    pub dmi: &'static [(&'static str, &'static str)],
    /// The key under `latest/meta-data/` that only this provider's service answers: the
    /// probe's question when no DMI value tells the provider (Azure's probe asks for its one
    /// document instead, so it has none).
    pub identity: &'static str,
    /// The MACs a metadata document lists, the primary's first where the document says which:
    /// what the host must name before the document can be planned.
    pub macs: fn(&Value) -> Result<Vec<MacAddr>, Errors>,
    /// Reads the provider's metadata document into one plan per ENI, the primary first.
    pub read: fn(&str, &NicNames) -> Result<Vec<EniPlan>, Errors>,
    /// The CLI commands whose JSON output the API reader takes: the ENIs', and their
    /// subnets' (for the prefixes).
    pub api_commands: [&'static str; 2],
    /// Reads that output (ENIs, subnets, what the caller adds) into one plan per ENI of an
    /// instance, the primary first.
    pub read_api: fn(&str, &str, &ApiContext) -> Result<Vec<EniPlan>, Errors>,
}

/// The registry row of `provider` (an exhaustive match: a new provider does not compile until
/// it has one).
pub fn spec(provider: Provider) -> &'static ProviderSpec {
    match provider {
        Provider::Aliyun => &ALIYUN,
        Provider::Aws => &AWS,
        Provider::Azure => &AZURE,
    }
}

// Alibaba Cloud: "Instance metadata" (ECS documentation); DMI as an ECS instance reports it.
static ALIYUN: ProviderSpec = ProviderSpec {
    provider: Provider::Aliyun,
    describes: "Alibaba Cloud ECS",
    metadata_url: "http://100.100.100.200",
    instance_items: metadata::INSTANCE_ITEMS,
    eni_items: metadata::ENI_ITEMS,
    dmi: &[
        ("sys_vendor", "Alibaba Cloud"),
        ("product_name", "Alibaba Cloud ECS"),
    ],
    identity: "region-id",
    macs: tree::tree_macs,
    read: metadata::plans_from_aliyun_metadata,
    api_commands: [
        "aliyun ecs DescribeNetworkInterfaces",
        "aliyun vpc DescribeVSwitches",
    ],
    read_api: api::plans_from_api,
};

// AWS: "Instance metadata and user data" (EC2 User Guide); Nitro instances report the vendor
// `Amazon EC2`, Xen ones a product UUID starting with `ec2` ("Detect whether a host is an EC2
// instance", EC2 User Guide).
static AWS: ProviderSpec = ProviderSpec {
    provider: Provider::Aws,
    describes: "Amazon EC2",
    metadata_url: "http://169.254.169.254",
    instance_items: aws::INSTANCE_ITEMS,
    eni_items: aws::ENI_ITEMS,
    dmi: &[
        ("sys_vendor", "Amazon EC2"),
        ("product_uuid", "ec2"),
        ("product_uuid", "EC2"),
    ],
    identity: "placement/region",
    macs: tree::tree_macs,
    read: aws::plans_from_aws_metadata,
    api_commands: [
        "aws ec2 describe-network-interfaces",
        "aws ec2 describe-subnets",
    ],
    read_api: aws_api::plans_from_aws_api,
};

// Azure: "Azure Instance Metadata Service"; every Azure VM carries the chassis asset tag
// below (what cloud-init's DataSourceAzure checks).
static AZURE: ProviderSpec = ProviderSpec {
    provider: Provider::Azure,
    describes: "Microsoft Azure",
    metadata_url: "http://169.254.169.254",
    instance_items: &[],
    eni_items: &[],
    dmi: &[("chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77")],
    identity: "",
    macs: azure::macs,
    read: azure::plans_from_azure_metadata,
    api_commands: ["az network nic list", "az network vnet subnet list"],
    read_api: azure_api::plans_from_azure_api,
};

/// The provider whose metadata `document` is, from its shape: Azure's answer has `compute`
/// or a `network` (or top-level) `interface` list; EC2's ENIs list `local-ipv4s` and
/// `device-number`, Alibaba Cloud's `private-ipv4s` and `primary-ip-address`. A document of no
/// known shape, or one that looks like two providers', is an error asking for `--cloud`.
pub fn detect(document: &Value) -> Result<Provider, Error> {
    let refuse = |why: &str| Error::Missing {
        field: "cloud".into(),
        hint: format!("{why}; say which with --cloud aliyun|aws|azure"),
    };
    let tree = super::tree::unwrap_levels(document);
    let azure = document.get("compute").is_some()
        || document
            .get("network")
            .and_then(|network| network.get("interface"))
            .is_some()
        || document.get("interface").is_some_and(Value::is_array);
    let enis: Vec<&serde_json::Map<String, Value>> = tree
        .pointer("/network/interfaces/macs")
        .and_then(Value::as_object)
        .map(|macs| macs.values().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let has = |keys: &[&str]| {
        enis.iter()
            .any(|eni| keys.iter().any(|k| eni.contains_key(*k)))
    };
    let aws = has(&["local-ipv4s", "device-number", "subnet-ipv4-cidr-block"]);
    let aliyun = has(&["private-ipv4s", "primary-ip-address", "vswitch-cidr-block"])
        || tree.get("region-id").is_some();
    match (aliyun, aws, azure) {
        (true, false, false) => Ok(Provider::Aliyun),
        (false, true, false) => Ok(Provider::Aws),
        (false, false, true) => Ok(Provider::Azure),
        (false, false, false) => Err(refuse(
            "the document has no network interfaces of a known provider's shape",
        )),
        _ => Err(refuse("the document has keys of more than one provider")),
    }
}

/// One plan per ENI described by a metadata `document` of `cloud` (detected from the
/// document's shape when `None`), the primary ENI first, with the provider it was read as.
pub fn plans_from_cloud_metadata(
    document: &str,
    cloud: Option<Provider>,
    names: &NicNames,
) -> Result<(Provider, Vec<EniPlan>), Errors> {
    let provider = match cloud {
        Some(provider) => provider,
        None => detect(&parse_json("metadata", document)?)?,
    };
    Ok((provider, (spec(provider).read)(document, names)?))
}

/// The provider of a metadata `document` (`cloud`, or told by its shape) and the MACs it lists,
/// the primary's first where the document says which: the NICs a host must name
/// ([`NicNames`]) before [`plans_from_cloud_metadata`] can plan it.
pub fn metadata_macs(
    document: &str,
    cloud: Option<Provider>,
) -> Result<(Provider, Vec<MacAddr>), Errors> {
    let value = parse_json("metadata", document)?;
    let provider = match cloud {
        Some(provider) => provider,
        None => detect(&value)?,
    };
    Ok((provider, (spec(provider).macs)(&value)?))
}

/// One plan per ENI described by a metadata `document` of any provider (told by its shape),
/// the primary ENI first; `names` gives each MAC's interface name on the host.
pub fn plans_from_metadata(document: &str, names: &NicNames) -> Result<Vec<EniPlan>, Errors> {
    plans_from_cloud_metadata(document, None, names).map(|(_, plans)| plans)
}

/// The provider whose API output `interfaces` is, from its shape: Alibaba Cloud's
/// DescribeNetworkInterfaces has `NetworkInterfaceSets`, EC2's describe-network-interfaces
/// `NetworkInterfaces`, and Azure's `az network nic` output is a NIC (or a list of them) with
/// `ipConfigurations`.
pub fn detect_api(interfaces: &Value) -> Result<Provider, Error> {
    let azure_nic = |value: &Value| value.get("ipConfigurations").is_some();
    if interfaces.get("NetworkInterfaceSets").is_some() {
        Ok(Provider::Aliyun)
    } else if interfaces.get("NetworkInterfaces").is_some() {
        Ok(Provider::Aws)
    } else if azure_nic(interfaces)
        || interfaces
            .as_array()
            .is_some_and(|nics| !nics.is_empty() && nics.iter().all(azure_nic))
    {
        Ok(Provider::Azure)
    } else {
        Err(Error::Missing {
            field: "cloud".into(),
            hint: format!(
                "the ENIs' output is none of {}; say which with --cloud aliyun|aws|azure",
                Provider::ALL
                    .iter()
                    .map(|p| format!("`{}`", spec(*p).api_commands[0]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}

/// The provider of API output (`cloud`, or told by the shape of `interfaces`) and one plan per
/// ENI of the instance it describes, the primary first: `interfaces` and `subnets` are the
/// JSON the provider's [`ProviderSpec::api_commands`] print.
pub fn plans_from_cloud_api(
    interfaces: &str,
    subnets: &str,
    cloud: Option<Provider>,
    context: &ApiContext,
) -> Result<(Provider, Vec<EniPlan>), Errors> {
    let provider = match cloud {
        Some(provider) => provider,
        None => detect_api(&parse_json("interfaces", interfaces)?)?,
    };
    Ok((
        provider,
        (spec(provider).read_api)(interfaces, subnets, context)?,
    ))
}
