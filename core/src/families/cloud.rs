//! The cloud side, the seed's step 1: the Alibaba Cloud CLI (`aliyun ecs …`) calls that assign
//! the secondary addresses to the ENI, and for a change the calls that unassign the old ones.
//! IPv4 and IPv6 are separate API operations (AssignPrivateIpAddresses, AssignIpv6Addresses).

use super::{Family, Removal};
use crate::error::{Error, Errors};
use crate::intent::{Difference, Intent};
use crate::model::Plan;
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

/// The region and ENI id the calls need, or an error naming each that is missing.
fn ids(plan: &Plan) -> Result<(&str, &str), Errors> {
    let cloud = plan.cloud();
    if let Some(provider) = cloud
        .map(|cloud| cloud.provider())
        .filter(|provider| *provider != Provider::Aliyun)
    {
        // Another cloud's ENI never gets Alibaba Cloud's calls.
        return Err(Error::Unsupported {
            field: "cloud.provider".into(),
            value: provider.name().into(),
            target: "cloud".into(),
            reason: format!(
                "the cloud target makes Alibaba Cloud's API calls (aliyun ecs …); eniplan does \
                 not render {provider}'s calls yet"
            ),
        }
        .into());
    }
    let region = cloud.and_then(|cloud| cloud.region());
    let eni = cloud.and_then(|cloud| cloud.eni_id());
    let mut errors = Vec::new();
    if region.is_none() {
        errors.push(Error::Missing {
            field: "cloud.region".into(),
            hint: "the cloud target calls the ECS API in the ENI's region, e.g. cn-hangzhou".into(),
        });
    }
    if eni.is_none() {
        errors.push(Error::Missing {
            field: "cloud.eni_id".into(),
            hint: "the cloud target names the ENI by its id, e.g. eni-bp1example (the ECS \
                   console's Elastic Network Interfaces page lists it)"
                .into(),
        });
    }
    match (region, eni) {
        (Some(region), Some(eni)) => Ok((region, eni)),
        _ => Err(Errors::new(errors)),
    }
}

/// One operation over a list of addresses, ten per call.
fn calls<S: AsRef<str>>(
    operation: &str,
    list_parameter: &str,
    region: &str,
    eni: &str,
    addresses: &[S],
    purpose: &str,
) -> Vec<Command> {
    addresses
        .chunks(ADDRESSES_PER_CALL)
        .map(|chunk| {
            let mut argv = vec![
                "aliyun".to_string(),
                "ecs".into(),
                operation.into(),
                "--RegionId".into(),
                region.into(),
                "--NetworkInterfaceId".into(),
                eni.into(),
            ];
            for (index, address) in chunk.iter().enumerate() {
                argv.push(format!("--{list_parameter}.{}", index + 1));
                argv.push(address.as_ref().to_string());
            }
            let listed: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            Command::posix(argv, format!("{purpose}: {}", listed.join(", ")))
        })
        .collect()
}

fn describe(region: &str, eni: &str) -> Command {
    Command::posix(
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
    )
}

fn render(intent: &Intent<'_>, out: &mut Rendering) -> Result<(), Errors> {
    let (region, eni) = ids(intent.plan)?;
    let (ipv4, ipv6) = intent.cloud_assigned();
    out.commands = calls(
        "AssignPrivateIpAddresses",
        "PrivateIpAddress",
        region,
        eni,
        &ipv4,
        "assign the secondary private IPv4 addresses to the ENI",
    );
    out.commands.extend(calls(
        "AssignIpv6Addresses",
        "Ipv6Address",
        region,
        eni,
        &ipv6,
        "assign the IPv6 addresses to the ENI",
    ));
    out.verify = vec![describe(region, eni)];
    if out.commands.is_empty() {
        out.warnings
            .push("the plan has no secondary addresses: there is nothing to assign".into());
    }
    if intent.ipv6.is_some() {
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
    let (region, eni) = ids(after.plan)?;
    let (old4, old6) = before.cloud_assigned();
    let (new4, new6) = after.cloud_assigned();
    let gone4: Vec<&str> = old4.iter().copied().filter(|a| !new4.contains(a)).collect();
    let gone6: Vec<&str> = old6.iter().copied().filter(|a| !new6.contains(a)).collect();
    let added4: Vec<&str> = new4.iter().copied().filter(|a| !old4.contains(a)).collect();
    let added6: Vec<&str> = new6.iter().copied().filter(|a| !old6.contains(a)).collect();
    let mut commands = calls(
        "UnassignPrivateIpAddresses",
        "PrivateIpAddress",
        region,
        eni,
        &gone4,
        "unassign the secondary private IPv4 addresses no longer planned",
    );
    commands.extend(calls(
        "UnassignIpv6Addresses",
        "Ipv6Address",
        region,
        eni,
        &gone6,
        "unassign the IPv6 addresses no longer planned",
    ));
    commands.extend(calls(
        "AssignPrivateIpAddresses",
        "PrivateIpAddress",
        region,
        eni,
        &added4,
        "assign the new secondary private IPv4 addresses",
    ));
    commands.extend(calls(
        "AssignIpv6Addresses",
        "Ipv6Address",
        region,
        eni,
        &added6,
        "assign the new IPv6 addresses",
    ));
    Ok(commands)
}
