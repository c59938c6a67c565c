//! RHEL and SUSE ifcfg files. No initscripts or wicked exist here, so each file is read the way
//! those scripts read it (as shell assignments, sourced in an empty environment), every
//! variable is checked against the plan, and the addresses are then applied at run time the
//! way the scripts apply them (`ip addr add … label …`) in a namespace.

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;

use eniplan::{IfcfgReader, IfcfgStyle, Mode, Plan, Rendering, Target};

use crate::support::{
    apply_runtime, expected_ipv4, expected_ipv6, numbered, only_known, scratch, sorted,
    source_ifcfg, Item, RuntimeConfig,
};

type Vars = BTreeMap<String, String>;

fn expect(vars: &Vars, key: &str, want: Option<&str>, file: &str) -> Result<(), String> {
    let got = vars.get(key).map(String::as_str);
    if got == want {
        Ok(())
    } else {
        Err(format!("{file}: {key} is {got:?}, planned {want:?}"))
    }
}

fn mask_prefix(mask: &str) -> Result<u32, String> {
    let bits = u32::from(
        mask.parse::<Ipv4Addr>()
            .map_err(|_| format!("bad NETMASK {mask:?}"))?,
    );
    if bits.leading_ones() + bits.trailing_zeros() != 32 {
        return Err(format!("non-contiguous NETMASK {mask}"));
    }
    Ok(bits.leading_ones())
}

/// The IPv6 gateway as the ifcfg/routes file must spell it.
fn ipv6_gateway(plan: &Plan) -> Option<String> {
    plan.ipv6()
        .and_then(|ipv6| ipv6.gateway())
        .map(|g| g.to_string())
}

fn is_link_local(address: &str) -> bool {
    address.to_ascii_lowercase().starts_with("fe8")
        || address.to_ascii_lowercase().starts_with("fe9")
        || address.to_ascii_lowercase().starts_with("fea")
        || address.to_ascii_lowercase().starts_with("feb")
}

fn read_files(rendering: &Rendering, dir_prefix: &str) -> Result<Vec<(String, Vars)>, String> {
    let scratch = scratch("ifcfg");
    let mut files = Vec::new();
    for file in rendering
        .files
        .iter()
        .filter(|f| f.path.starts_with(dir_prefix))
    {
        let name = file.path.rsplit('/').next().expect("file name").to_string();
        let path = scratch.join(&name);
        fs::write(&path, &file.contents).map_err(|e| e.to_string())?;
        // `routes`, `route-eth1`, `rule-eth1` (and SUSE's `ifroute-eth1`, `ifrule-eth1`)
        // hold routes and rules, not variables.
        if name == "routes"
            || ["route-", "rule-", "ifroute-", "ifrule-"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        {
            files.push((name, Vars::new()));
        } else {
            files.push((name, source_ifcfg(&path)?));
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    Ok(files)
}

pub fn check_rhel(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let interface = plan.interface();
    let target = Target::parse(&rendering.target).map_err(|e| e.to_string())?;
    let files = read_files(rendering, "/etc/sysconfig/network-scripts/")?;
    let main_name = format!("ifcfg-{interface}");
    let (_, main) = files
        .iter()
        .find(|(name, _)| *name == main_name)
        .ok_or("no main ifcfg file")?;

    let known = |key: &str| {
        matches!(
            key,
            "DEVICE"
                | "TYPE"
                | "BOOTPROTO"
                | "ONBOOT"
                | "HWADDR"
                | "GATEWAY"
                | "DEFROUTE"
                | "PEERDNS"
                | "IPV6INIT"
                | "IPV6_AUTOCONF"
                | "IPV6ADDR"
                | "IPV6ADDR_SECONDARIES"
                | "IPV6_DEFAULTGW"
        ) || ["IPADDR", "NETMASK", "PREFIX"]
            .iter()
            .any(|stem| numbered(key, stem))
            || (numbered(key, "DNS") && key != "DNS")
    };
    only_known(main, known, &main_name)?;
    expect(main, "DEVICE", Some(interface), &main_name)?;
    expect(main, "TYPE", Some("Ethernet"), &main_name)?;
    expect(main, "ONBOOT", Some("yes"), &main_name)?;
    let bootproto = if plan.mode() == Mode::Static {
        "static"
    } else {
        "dhcp"
    };
    expect(main, "BOOTPROTO", Some(bootproto), &main_name)?;
    let mac = plan.mac().map(|m| m.to_string());
    expect(main, "HWADDR", mac.as_deref(), &main_name)?;
    let gateway = match (plan.mode(), plan.route_table()) {
        (Mode::Static, None) => plan.gateway().map(|g| g.to_string()),
        _ => None,
    };
    expect(main, "GATEWAY", gateway.as_deref(), &main_name)?;
    let own_table = plan.route_table().map(|_| "no");
    expect(main, "DEFROUTE", own_table, &main_name)?;
    // A secondary ENI's routes and rules: each line of route-<if> is `ip route add <line>`
    // and each of rule-<if> is `ip rule add <line>` (initscripts' ifup-routes, ifcfg-rh).
    let mut policy_ip: Vec<Vec<String>> = Vec::new();
    for (kind, command) in [("route", "route"), ("rule", "rule")] {
        let path = format!("/etc/sysconfig/network-scripts/{kind}-{interface}");
        let file = rendering.files.iter().find(|file| file.path == path);
        match (file, plan.route_table()) {
            (None, None) => {}
            (Some(file), Some(_)) => {
                for line in file.contents.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let mut args = vec![command.to_string(), "add".into()];
                    args.extend(line.split_whitespace().map(str::to_string));
                    policy_ip.push(args);
                }
            }
            (file, table) => {
                return Err(format!(
                    "{path}: written {}, route_table {table:?}",
                    file.is_some()
                ))
            }
        }
    }
    let dns: Vec<String> = plan.dns().iter().map(|d| d.to_string()).collect();
    for (n, server) in dns.iter().enumerate() {
        expect(main, &format!("DNS{}", n + 1), Some(server), &main_name)?;
    }
    expect(main, &format!("DNS{}", dns.len() + 1), None, &main_name)?;
    // Whether the plan's servers reach /etc/resolv.conf, as each reader decides it.
    // initscripts' ifup-post writes DNS1… only `if ! is_false "${PEERDNS}"` (network-functions'
    // is_false: n, no, false, off, 0, any case); NetworkManager's ifcfg-rh always reads DNS1…
    // into ipv4.dns, and PEERDNS=no keeps a DHCP lease's servers out.
    let peerdns = main.get("PEERDNS").map(String::as_str);
    let is_false = |value: Option<&str>| {
        value.is_some_and(|v| {
            ["n", "no", "false", "off", "0"].contains(&v.to_ascii_lowercase().as_str())
        })
    };
    if !dns.is_empty() {
        match target.ifcfg_reader() {
            IfcfgReader::Initscripts if is_false(peerdns) => {
                return Err(format!(
                "{main_name}: PEERDNS={peerdns:?} stops initscripts' ifup-post from writing the \
                     plan's DNS servers"
            ))
            }
            IfcfgReader::NetworkManager if !is_false(peerdns) => {
                return Err(format!(
                    "{main_name}: PEERDNS={peerdns:?} lets a DHCP lease's DNS servers in beside \
                     the plan's under NetworkManager"
                ))
            }
            _ => {}
        }
    } else if peerdns.is_some() {
        return Err(format!("{main_name}: PEERDNS without DNS servers"));
    }

    // Main-file addresses: IPADDR, IPADDR1, … with PREFIXn or NETMASKn of the same index.
    let mut runtime4 = Vec::new();
    let mut indexes: Vec<&str> = main
        .keys()
        .filter_map(|key| key.strip_prefix("IPADDR"))
        .collect();
    indexes.sort_by_key(|index| index.parse::<u32>().unwrap_or(0));
    for index in indexes {
        let address = &main[&format!("IPADDR{index}")];
        let prefix = match (
            main.get(&format!("PREFIX{index}")),
            main.get(&format!("NETMASK{index}")),
        ) {
            (Some(prefix), None) => prefix
                .parse::<u32>()
                .map_err(|_| format!("bad PREFIX{index}"))?,
            (None, Some(mask)) => mask_prefix(mask)?,
            other => {
                return Err(format!(
                    "IPADDR{index} needs exactly one of PREFIX/NETMASK: {other:?}"
                ))
            }
        };
        runtime4.push((format!("{address}/{prefix}"), interface.to_string()));
    }
    let aliases: Vec<&(String, Vars)> = files
        .iter()
        .filter(|(name, _)| name.starts_with(&format!("{main_name}:")))
        .collect();
    match plan.ifcfg_style().unwrap_or(target.ifcfg_style()) {
        IfcfgStyle::Aliases if aliases.len() != plan.secondaries().len() => {
            return Err(format!(
                "{} alias files for {} secondaries",
                aliases.len(),
                plan.secondaries().len()
            ))
        }
        IfcfgStyle::Indexed if !aliases.is_empty() => {
            return Err("alias files written for an indexed-style target".into())
        }
        _ => {}
    }
    for (name, vars) in aliases {
        let label = name.trim_start_matches("ifcfg-");
        let number: usize = label
            .rsplit(':')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or("alias number")?;
        only_known(
            vars,
            |k| matches!(k, "DEVICE" | "TYPE" | "BOOTPROTO" | "IPADDR" | "NETMASK"),
            name,
        )?;
        expect(vars, "DEVICE", Some(label), name)?;
        expect(vars, "BOOTPROTO", Some("static"), name)?;
        let secondary = plan
            .secondaries()
            .get(number)
            .ok_or("alias beyond the secondaries")?
            .to_string();
        expect(vars, "IPADDR", Some(&secondary), name)?;
        let mask = plan.netmask().to_string();
        expect(vars, "NETMASK", Some(&mask), name)?;
        runtime4.push((
            format!("{secondary}/{}", mask_prefix(&mask)?),
            label.to_string(),
        ));
    }
    let got = sorted(runtime4.iter().map(|(a, _)| a.clone()).collect());
    if got != sorted(expected_ipv4(plan, false)) {
        return Err(format!(
            "ifcfg IPv4 addresses {got:?}, planned {:?}",
            expected_ipv4(plan, false)
        ));
    }

    let mut runtime6 = Vec::new();
    let mut gateway6 = None;
    match plan.ipv6() {
        None => {
            for key in [
                "IPV6INIT",
                "IPV6ADDR",
                "IPV6ADDR_SECONDARIES",
                "IPV6_DEFAULTGW",
            ] {
                expect(main, key, None, &main_name)?;
            }
        }
        Some(_) => {
            expect(main, "IPV6INIT", Some("yes"), &main_name)?;
            runtime6.push(main.get("IPV6ADDR").cloned().ok_or("no IPV6ADDR")?);
            if let Some(more) = main.get("IPV6ADDR_SECONDARIES") {
                runtime6.extend(more.split_whitespace().map(str::to_string));
            }
            if sorted(runtime6.clone()) != sorted(expected_ipv6(plan)) {
                return Err(format!(
                    "ifcfg IPv6 {runtime6:?}, planned {:?}",
                    expected_ipv6(plan)
                ));
            }
            let want = ipv6_gateway(plan).map(|g| {
                if is_link_local(&g) {
                    format!("{g}%{interface}")
                } else {
                    g
                }
            });
            expect(main, "IPV6_DEFAULTGW", want.as_deref(), &main_name)?;
            gateway6 = ipv6_gateway(plan);
        }
    }
    apply_runtime(
        &RuntimeConfig {
            interface: interface.to_string(),
            ipv4: runtime4,
            ipv6: runtime6,
            gateway4: gateway,
            gateway6,
            ip: policy_ip,
        },
        plan,
        false,
    )
}

pub fn check_suse(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let interface = plan.interface();
    let files = read_files(rendering, "/etc/sysconfig/network/")?;
    let main_name = format!("ifcfg-{interface}");
    let (_, main) = files
        .iter()
        .find(|(name, _)| *name == main_name)
        .ok_or("no ifcfg file")?;
    let suffixed =
        |key: &str, stem: &str| key.strip_prefix(stem).is_some_and(|rest| !rest.is_empty());
    only_known(
        main,
        |key| {
            matches!(key, "BOOTPROTO" | "STARTMODE" | "USERCONTROL" | "LLADDR")
                || ["IPADDR_", "NETMASK_", "LABEL_"]
                    .iter()
                    .any(|stem| suffixed(key, stem))
        },
        &main_name,
    )?;
    let bootproto = if plan.mode() == Mode::Static {
        "static"
    } else {
        "dhcp"
    };
    expect(main, "BOOTPROTO", Some(bootproto), &main_name)?;
    expect(main, "STARTMODE", Some("auto"), &main_name)?;
    let mac = plan.mac().map(|m| m.to_string());
    expect(main, "LLADDR", mac.as_deref(), &main_name)?;

    let mut runtime4 = Vec::new();
    let mut runtime6 = Vec::new();
    for (key, address) in main.iter().filter(|(k, _)| k.starts_with("IPADDR_")) {
        let suffix = &key["IPADDR_".len()..];
        if address.contains(':') {
            if main.contains_key(&format!("NETMASK_{suffix}"))
                || main.contains_key(&format!("LABEL_{suffix}"))
            {
                return Err(format!("{key}: an IPv6 address takes no NETMASK or LABEL"));
            }
            runtime6.push(address.clone());
            continue;
        }
        let mask = main
            .get(&format!("NETMASK_{suffix}"))
            .ok_or(format!("{key} has no NETMASK_{suffix}"))?;
        let label = match main.get(&format!("LABEL_{suffix}")).map(String::as_str) {
            None | Some("") => interface.to_string(),
            Some(label) => format!("{interface}:{label}"),
        };
        runtime4.push((format!("{address}/{}", mask_prefix(mask)?), label));
    }
    for (number, secondary) in plan.secondaries().iter().enumerate() {
        let want = (
            format!("{secondary}/{}", plan.prefix_len()),
            format!("{interface}:{number}"),
        );
        if !runtime4.contains(&want) {
            return Err(format!(
                "secondary {secondary} not labelled {interface}:{number}: {runtime4:?}"
            ));
        }
    }
    let got = sorted(runtime4.iter().map(|(a, _)| a.clone()).collect());
    if got != sorted(expected_ipv4(plan, false)) {
        return Err(format!(
            "IPADDR_ values {got:?}, planned {:?}",
            expected_ipv4(plan, false)
        ));
    }
    if sorted(runtime6.clone()) != sorted(expected_ipv6(plan)) {
        return Err(format!(
            "IPv6 IPADDR_ values {runtime6:?}, planned {:?}",
            expected_ipv6(plan)
        ));
    }

    // A secondary ENI's own table: each line of ifroute-<if> is a route wicked adds with
    // its `table` option, each of ifrule-<if> an `ip rule add` (ifroute(5), ifrule(5);
    // compat-suse.c reads the columns DESTINATION GATEWAY NETMASK INTERFACE OPTIONS, and a
    // rule's optional leading `ipv4`/`ipv6` family).
    let mut policy_ip: Vec<Vec<String>> = Vec::new();
    for kind in ["ifroute", "ifrule"] {
        let path = format!("/etc/sysconfig/network/{kind}-{interface}");
        let file = rendering.files.iter().find(|file| file.path == path);
        match (file, plan.route_table()) {
            (None, None) => {}
            (Some(file), Some(table)) => {
                for line in file.contents.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let args: Vec<String> = match (kind, words.as_slice()) {
                        ("ifroute", [to, via, "-", dev, "table", t]) => {
                            if *dev != interface || t.parse::<u32>().ok() != Some(table) {
                                return Err(format!("{path}: `{line}` is not eth's table route"));
                            }
                            let mut args = vec!["route".to_string(), "add".into(), to.to_string()];
                            if *via != "-" {
                                args.extend(["via".to_string(), via.to_string()]);
                            }
                            args.extend(["dev", dev, "table", t].map(str::to_string));
                            args
                        }
                        ("ifrule", ["ipv4", rest @ ..]) => {
                            let mut args = vec!["rule".to_string(), "add".into()];
                            args.extend(rest.iter().map(|w| w.to_string()));
                            args
                        }
                        _ => return Err(format!("{path}: `{line}` is not what wicked reads")),
                    };
                    policy_ip.push(args);
                }
            }
            (file, table) => {
                return Err(format!(
                    "{path}: written {}, route_table {table:?}",
                    file.is_some()
                ))
            }
        }
    }
    // The routes file: `default <gateway> - <interface or ->` lines only; a secondary ENI's
    // default route is in its own table.
    let gateway4 = match (plan.mode(), plan.route_table()) {
        (Mode::Static, None) => plan.gateway().map(|g| g.to_string()),
        _ => None,
    };
    let gateway6 = ipv6_gateway(plan);
    let mut want_routes: Vec<String> = Vec::new();
    if let Some(gateway) = &gateway4 {
        want_routes.push(format!("default {gateway} - -"));
    }
    if let Some(gateway) = &gateway6 {
        let device = if is_link_local(gateway) {
            interface
        } else {
            "-"
        };
        want_routes.push(format!("default {gateway} - {device}"));
    }
    let routes = rendering
        .files
        .iter()
        .find(|f| f.path == "/etc/sysconfig/network/routes");
    // The lines wicked gives this interface: those naming it, and `-` lines whose gateway
    // lies in one of its networks (ifroute(5)); an instance's file holds the others' too.
    let reaches = |gateway: &str| match gateway.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(gateway)) => plan.subnet().contains(&gateway),
        Ok(std::net::IpAddr::V6(gateway)) => plan.ipv6().is_some_and(|ipv6| {
            ipv6.network().contains(&gateway) || is_link_local(&gateway.to_string())
        }),
        Err(_) => false,
    };
    let got_routes: Vec<String> = routes
        .map(|file| {
            file.contents
                .lines()
                .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|line| {
                    let words: Vec<&str> = line.split(' ').collect();
                    match words.get(3) {
                        Some(&"-") | None => words.get(1).is_some_and(|gateway| reaches(gateway)),
                        Some(device) => *device == interface,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if got_routes != want_routes {
        return Err(format!(
            "routes file {got_routes:?}, planned {want_routes:?}"
        ));
    }
    apply_runtime(
        &RuntimeConfig {
            interface: interface.to_string(),
            ipv4: runtime4,
            ipv6: runtime6,
            gateway4,
            gateway6,
            ip: policy_ip,
        },
        plan,
        false,
    )
}
