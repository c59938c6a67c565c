//! The cloud target: no Alibaba Cloud CLI (nor account) exists here, so each call is checked
//! against the documented API (ECS AssignPrivateIpAddresses, UnassignPrivateIpAddresses,
//! AssignIpv6Addresses, UnassignIpv6Addresses, DescribeNetworkInterfaces): the operation and
//! parameter names, `RegionId` and `NetworkInterfaceId` from the plan, list parameters numbered
//! from 1 with at most ten per call, and together exactly the plan's secondary addresses.
//! An EC2 ENI's or Azure NIC's calls are their own cloud's CLI, never Alibaba Cloud's; the real
//! AWS and Azure CLIs judge those (py/tests/test_aws_cli.py, test_azure_cli.py).

use eniplan::Rendering;

use crate::support::Item;

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let cloud = plan.cloud().ok_or("no cloud section")?;
    let tool = match cloud.provider() {
        eniplan::Provider::Aliyun => None,
        eniplan::Provider::Aws => Some(["aws", "ec2"]),
        eniplan::Provider::Azure => Some(["az", "network"]),
    };
    if let Some(tool) = tool {
        return match rendering
            .commands
            .iter()
            .chain(&rendering.verify)
            .find(|command| command.argv[..2] != tool)
        {
            Some(command) => Err(format!(
                "not a `{}` call: {}",
                tool.join(" "),
                command.shell
            )),
            None => Ok(()),
        };
    }
    let region = cloud.region().ok_or("no region")?;
    let eni = cloud.eni_id().ok_or("no eni_id")?;
    let mut assigned4 = Vec::new();
    let mut assigned6 = Vec::new();
    for command in rendering.commands.iter().chain(&rendering.verify) {
        let argv = &command.argv;
        if argv.len() < 7 || argv[0] != "aliyun" || argv[1] != "ecs" {
            return Err(format!("not an `aliyun ecs` call: {argv:?}"));
        }
        let (list, eni_parameter) = match argv[2].as_str() {
            "AssignPrivateIpAddresses" => ("PrivateIpAddress", "--NetworkInterfaceId"),
            "AssignIpv6Addresses" => ("Ipv6Address", "--NetworkInterfaceId"),
            "DescribeNetworkInterfaces" => ("", "--NetworkInterfaceId.1"),
            other => return Err(format!("unexpected operation {other}")),
        };
        if argv[3..7] != ["--RegionId", region, eni_parameter, eni] {
            return Err(format!("region or ENI wrong in {argv:?}"));
        }
        let rest = &argv[7..];
        if rest.len() % 2 != 0 || rest.len() / 2 > 10 {
            return Err(format!("{} list words in one call: {argv:?}", rest.len()));
        }
        for (index, pair) in rest.chunks(2).enumerate() {
            if pair[0] != format!("--{list}.{}", index + 1) {
                return Err(format!(
                    "parameter {} should be --{list}.{}",
                    pair[0],
                    index + 1
                ));
            }
            if list == "PrivateIpAddress" {
                assigned4.push(pair[1].clone());
            } else {
                assigned6.push(pair[1].clone());
            }
        }
    }
    let want4: Vec<String> = plan.secondaries().iter().map(|a| a.to_string()).collect();
    if assigned4 != want4 {
        return Err(format!(
            "assigns {assigned4:?}, planned secondaries {want4:?}"
        ));
    }
    let want6: Vec<String> = plan
        .ipv6()
        .map(|v6| {
            v6.addresses()
                .iter()
                .skip(1)
                .map(|a| a.to_string())
                .collect()
        })
        .unwrap_or_default();
    if assigned6 != want6 {
        return Err(format!("assigns IPv6 {assigned6:?}, planned {want6:?}"));
    }
    Ok(())
}
