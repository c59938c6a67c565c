//! The cloud side, the seed's step 1: the calls that assign the secondary addresses to the ENI,
//! and for a change the calls that unassign the old ones, in the plan's own cloud's CLI —
//! Alibaba Cloud's `aliyun ecs …` (AssignPrivateIpAddresses, AssignIpv6Addresses, and their
//! Unassign operations) or AWS's `aws ec2 …` (assign-private-ip-addresses,
//! assign-ipv6-addresses, and their unassign commands) — IPv4 and IPv6 separate operations on
//! both —, or Azure's `az network nic ip-config create` / `delete`, one ip-config per address on
//! the NIC the plan names by resource group and name.

use super::{Family, Removal};
use crate::error::{Error, Errors};
use crate::intent::{Difference, Intent};
use crate::model::{Cloud as CloudFacts, Plan};
use crate::plan::Provider;
use crate::read::HostFiles;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

/// The cloud API family.
pub(super) struct Cloud;

impl Family for Cloud {
    fn render(
        &self,
        intent: &Intent<'_>,
        _target: Target,
        _host: &HostFiles,
        out: &mut Rendering,
    ) -> Result<(), Errors> {
        render(intent, out)
    }

    fn removal(
        &self,
        _difference: &Difference<'_>,
        before: &Intent<'_>,
        after: &Intent<'_>,
    ) -> Result<Removal, Errors> {
        change_commands(before, after).map(Removal::Instead)
    }
}

/// The APIs take at most ten addresses per call (`PrivateIpAddress.N`, `Ipv6Address.N`, N from
/// 1 to 10); longer lists become several calls.
const ADDRESSES_PER_CALL: usize = 10;

/// The NIC the calls act on: an ENI by region and id (Alibaba Cloud, AWS), or an Azure NIC by
/// resource group and name, with the plan's cloud facts (its ip-config names).
#[derive(Clone, Copy)]
enum Nic<'p> {
    Eni {
        provider: Provider,
        region: &'p str,
        eni: &'p str,
    },
    Azure {
        resource_group: &'p str,
        nic: &'p str,
        cloud: &'p CloudFacts,
    },
}

/// The NIC a plan's calls act on, or an error naming each fact that is missing.
fn nic(plan: &Plan) -> Result<Nic<'_>, Errors> {
    let cloud = plan.cloud();
    let provider = cloud.map_or(Provider::Aliyun, CloudFacts::provider);
    let mut errors = Vec::new();
    if provider == Provider::Azure {
        let group = cloud.and_then(CloudFacts::resource_group);
        let name = cloud.and_then(CloudFacts::nic_name);
        if let (Some(resource_group), Some(nic), Some(cloud)) = (group, name, cloud) {
            return Ok(Nic::Azure {
                resource_group,
                nic,
                cloud,
            });
        }
        let hint = "the cloud target names an Azure NIC by its resource group and name (`az \
                    network nic list -o table` lists both)";
        for (field, given) in [
            ("cloud.resource_group", group.is_some()),
            ("cloud.nic_name", name.is_some()),
        ] {
            if !given {
                errors.push(Error::Missing {
                    field: field.into(),
                    hint: hint.into(),
                });
            }
        }
        return Err(Errors::new(errors));
    }
    let region = cloud.and_then(CloudFacts::region);
    let eni = cloud.and_then(CloudFacts::eni_id);
    if region.is_none() {
        errors.push(Error::Missing {
            field: "cloud.region".into(),
            hint: "the cloud target calls the cloud's API in the ENI's region, e.g. cn-hangzhou \
                   or us-east-1"
                .into(),
        });
    }
    if eni.is_none() {
        errors.push(Error::Missing {
            field: "cloud.eni_id".into(),
            hint: "the cloud target names the ENI by its id, e.g. eni-bp1example (the console's \
                   network interfaces page lists it)"
                .into(),
        });
    }
    match (region, eni) {
        (Some(region), Some(eni)) => Ok(Nic::Eni {
            provider,
            region,
            eni,
        }),
        _ => Err(Errors::new(errors)),
    }
}

/// What a call does to the ENI's addresses.
#[derive(Clone, Copy)]
enum Operation {
    Assign4,
    Assign6,
    Unassign4,
    Unassign6,
}

/// One operation over a list of addresses, in the provider's CLI: Alibaba Cloud's takes ten
/// per call, numbered from 1 (`--PrivateIpAddress.1 …`); AWS's takes the list after one
/// option (`--private-ip-addresses a b`); Azure's holds each address in an ip-config of its
/// own, created or deleted one by one.
fn calls<S: AsRef<str>>(
    nic: Nic<'_>,
    operation: Operation,
    addresses: &[S],
    purpose: &str,
) -> Result<Vec<Command>, Errors> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let listed: Vec<&str> = addresses.iter().map(AsRef::as_ref).collect();
    match nic {
        Nic::Azure {
            resource_group,
            nic,
            cloud,
        } => azure_calls(resource_group, nic, cloud, operation, &listed, purpose),
        Nic::Eni {
            provider: Provider::Aws,
            region,
            eni,
        } => {
            let (command, option) = match operation {
                Operation::Assign4 => ("assign-private-ip-addresses", "--private-ip-addresses"),
                Operation::Assign6 => ("assign-ipv6-addresses", "--ipv6-addresses"),
                Operation::Unassign4 => ("unassign-private-ip-addresses", "--private-ip-addresses"),
                Operation::Unassign6 => ("unassign-ipv6-addresses", "--ipv6-addresses"),
            };
            let mut argv: Vec<String> = [
                "aws",
                "ec2",
                command,
                "--region",
                region,
                "--network-interface-id",
                eni,
                option,
            ]
            .map(String::from)
            .into();
            argv.extend(listed.iter().map(|address| address.to_string()));
            Ok(vec![Command::posix(
                argv,
                format!("{purpose}: {}", listed.join(", ")),
            )])
        }
        Nic::Eni { region, eni, .. } => {
            let (name, list_parameter) = match operation {
                Operation::Assign4 => ("AssignPrivateIpAddresses", "PrivateIpAddress"),
                Operation::Assign6 => ("AssignIpv6Addresses", "Ipv6Address"),
                Operation::Unassign4 => ("UnassignPrivateIpAddresses", "PrivateIpAddress"),
                Operation::Unassign6 => ("UnassignIpv6Addresses", "Ipv6Address"),
            };
            Ok(listed
                .chunks(ADDRESSES_PER_CALL)
                .map(|chunk| {
                    let mut argv = vec![
                        "aliyun".to_string(),
                        "ecs".into(),
                        name.into(),
                        "--RegionId".into(),
                        region.into(),
                        "--NetworkInterfaceId".into(),
                        eni.into(),
                    ];
                    for (index, address) in chunk.iter().enumerate() {
                        argv.push(format!("--{list_parameter}.{}", index + 1));
                        argv.push(address.to_string());
                    }
                    Command::posix(argv, format!("{purpose}: {}", chunk.join(", ")))
                })
                .collect())
        }
    }
}

/// Azure's calls, one ip-config per address ("Assign multiple IP addresses to virtual
/// machines using the Azure CLI"): `az network nic ip-config create` with the address (an
/// IPv4 one lands in the primary ip-config's subnet, as the CLI's `NICIPConfigCreate` fills it
/// in) and `az network nic ip-config delete` by name. An IPv6 ip-config must name its virtual
/// network and subnet, which a plan does not carry: refused, saying so.
fn azure_calls(
    resource_group: &str,
    nic: &str,
    cloud: &CloudFacts,
    operation: Operation,
    addresses: &[&str],
    purpose: &str,
) -> Result<Vec<Command>, Errors> {
    if let Operation::Assign6 = operation {
        return Err(Error::Unsupported {
            field: "ipv6.addresses".into(),
            value: addresses.join(", "),
            target: "cloud (azure)".into(),
            reason: format!(
                "an Azure IPv6 ip-config names its virtual network and subnet, which a plan does \
                 not carry; create it with `az network nic ip-config create --resource-group \
                 {resource_group} --nic-name {nic} --name <name> --private-ip-address-version \
                 IPv6 --vnet-name <vnet> --subnet <subnet> --private-ip-address <address>`"
            ),
        }
        .into());
    }
    let mut commands = Vec::with_capacity(addresses.len());
    for address in addresses {
        let Ok(parsed) = address.parse::<std::net::IpAddr>() else {
            continue;
        };
        let name = cloud.ip_config(parsed);
        // `az network nic ip-config <verb> --resource-group G --nic-name N --name C`, then
        // what creating one needs.
        let verb = match operation {
            Operation::Assign4 | Operation::Assign6 => "create",
            Operation::Unassign4 | Operation::Unassign6 => "delete",
        };
        let mut argv: Vec<String> = [
            "az",
            "network",
            "nic",
            "ip-config",
            verb,
            "--resource-group",
            resource_group,
            "--nic-name",
            nic,
            "--name",
            &name,
        ]
        .map(String::from)
        .into();
        if verb == "create" {
            argv.extend(
                [
                    "--private-ip-address",
                    address,
                    "--private-ip-address-version",
                    if parsed.is_ipv6() { "IPv6" } else { "IPv4" },
                ]
                .map(String::from),
            );
        }
        commands.push(Command::posix(
            argv,
            format!("{purpose}: {address} ({name})"),
        ));
    }
    Ok(commands)
}

fn describe(nic: Nic<'_>) -> Command {
    match nic {
        Nic::Azure {
            resource_group,
            nic,
            ..
        } => Command::posix(
            vec![
                "az",
                "network",
                "nic",
                "ip-config",
                "list",
                "--resource-group",
                resource_group,
                "--nic-name",
                nic,
                "--query",
                "[].privateIPAddress",
                "--output",
                "tsv",
            ],
            "the NIC's ip-configs should hold exactly the primary and the planned addresses",
        ),
        Nic::Eni {
            provider: Provider::Aws,
            region,
            eni,
        } => Command::posix(
            vec![
                "aws",
                "ec2",
                "describe-network-interfaces",
                "--region",
                region,
                "--network-interface-ids",
                eni,
            ],
            "the ENI's PrivateIpAddresses and Ipv6Addresses should list exactly the planned \
             addresses",
        ),
        Nic::Eni { region, eni, .. } => Command::posix(
            vec![
                "aliyun",
                "ecs",
                "DescribeNetworkInterfaces",
                "--RegionId",
                region,
                "--NetworkInterfaceId.1",
                eni,
            ],
            "the ENI's PrivateIpSets and Ipv6Sets should list exactly the planned addresses",
        ),
    }
}

fn render(intent: &Intent<'_>, out: &mut Rendering) -> Result<(), Errors> {
    let nic = nic(intent.plan)?;
    let provider = intent
        .plan
        .cloud()
        .map_or(Provider::Aliyun, CloudFacts::provider);
    let (ipv4, ipv6) = intent.cloud_assigned();
    out.commands = calls(
        nic,
        Operation::Assign4,
        &ipv4,
        "assign the secondary private IPv4 addresses to the ENI",
    )?;
    out.commands.extend(calls(
        nic,
        Operation::Assign6,
        &ipv6,
        "assign the IPv6 addresses to the ENI",
    )?);
    out.verify = vec![describe(nic)];
    if out.commands.is_empty() {
        out.warnings
            .push("the plan has no secondary addresses: there is nothing to assign".into());
    }
    if intent.ipv6.is_some() && provider == Provider::Azure {
        out.warnings.push(
            "the first IPv6 address is taken to be one the NIC already has (an IPv6 ip-config \
             in a subnet with IPv6 space) and is not assigned again"
                .into(),
        );
    } else if intent.ipv6.is_some() && provider == Provider::Aws {
        out.warnings.push(
            "the first IPv6 address is taken to be one the ENI already has (from its subnet \
             when it was created) and is not assigned again; if the ENI has none yet, assign \
             it too (`aws ec2 assign-ipv6-addresses … --ipv6-addresses <address>`); the \
             subnet must have an IPv6 CIDR block"
                .into(),
        );
    } else if intent.ipv6.is_some() {
        // AssignIpv6Addresses treats every IPv6 address alike: an ENI has none until one is
        // assigned, with the ENI (CreateNetworkInterface's Ipv6AddressCount) or by this call.
        out.warnings.push(
            "the first IPv6 address is taken to be one the ENI already has (assigned when it \
             was created) and is not assigned again; if the ENI has no IPv6 address yet, assign \
             it too (`aliyun ecs AssignIpv6Addresses … --Ipv6Address.1 <address>`). The \
             vSwitch must have an IPv6 CIDR block, and an Available ENI takes at most 10 IPv6 \
             addresses"
                .into(),
        );
    }
    let available = intent
        .plan
        .cloud()
        .and_then(|cloud| cloud.eni_state())
        .is_some_and(|state| state == crate::plan::EniState::Available);
    if available && intent.ipv4.len() > crate::validate::DOCUMENTED_AVAILABLE_LIMIT {
        out.warnings.push(format!(
            "the ENI is Available (not attached) and gets {} private IPv4 addresses: the current \
             AssignPrivateIpAddresses reference allows 49 secondaries there, but the ECS \
             document on secondary private IPs and older references say 10 in all; if the call \
             is refused, attach the ENI to an instance first",
            intent.ipv4.len()
        ));
    }
    Ok(())
}

/// The calls that turn the ENI's assignment from `before` into `after`: unassign what is gone
/// first (it frees room under the ENI's limit), then assign what is new.
fn change_commands(before: &Intent<'_>, after: &Intent<'_>) -> Result<Vec<Command>, Errors> {
    // AssignPrivateIpAddresses and UnassignPrivateIpAddresses act on secondary addresses only:
    // the ENI's primary private IP is fixed when the ENI is created, and unassigning it is
    // refused. A plan that swaps the primary would unassign the OS's new primary and try to
    // assign the ENI's own.
    let (old, new) = (before.primary().text, after.primary().text);
    if old != new {
        return Err(Error::Unsupported {
            field: "primary".into(),
            value: new.into(),
            target: "cloud".into(),
            reason: format!(
                "the ENI's primary private IP is {old} and cannot be changed by assigning or \
                 unassigning addresses; keep {old} as the primary (list {new} as a secondary), \
                 or create a new ENI whose primary is {new} and move the secondaries to it"
            ),
        }
        .into());
    }
    // Removals act on the NIC the addresses were on, by the names they had there; additions
    // on the NIC the plan names now.
    let (old_nic, new_nic) = (nic(before.plan)?, nic(after.plan)?);
    let (old4, old6) = before.cloud_assigned();
    let (new4, new6) = after.cloud_assigned();
    let gone4: Vec<&str> = old4.iter().copied().filter(|a| !new4.contains(a)).collect();
    let gone6: Vec<&str> = old6.iter().copied().filter(|a| !new6.contains(a)).collect();
    let added4: Vec<&str> = new4.iter().copied().filter(|a| !old4.contains(a)).collect();
    let added6: Vec<&str> = new6.iter().copied().filter(|a| !old6.contains(a)).collect();
    let mut commands = calls(
        old_nic,
        Operation::Unassign4,
        &gone4,
        "unassign the secondary private IPv4 addresses no longer planned",
    )?;
    commands.extend(calls(
        old_nic,
        Operation::Unassign6,
        &gone6,
        "unassign the IPv6 addresses no longer planned",
    )?);
    commands.extend(calls(
        new_nic,
        Operation::Assign4,
        &added4,
        "assign the new secondary private IPv4 addresses",
    )?);
    commands.extend(calls(
        new_nic,
        Operation::Assign6,
        &added6,
        "assign the new IPv6 addresses",
    )?);
    Ok(commands)
}
