//! NetworkManager: every rendered `nmcli con modify` runs as `nmcli --offline connection
//! modify` on a keyfile that `nmcli --offline connection add` made, and the resulting keyfile
//! must hold exactly the planned method, addresses, gateway and DNS servers.

use std::process::Command;

use eniplan::{Mode, Rendering};

use crate::support::{
    self, apply_runtime, dns_of, run, run_with_input, sorted, succeeded, values, Item,
    RuntimeConfig,
};

const UUID: &str = "5fb1d3a4-6c1e-4f2e-9a7b-0123456789ab";

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let connection = plan
        .connection()
        .map(str::to_string)
        .unwrap_or_else(|| format!("System {}", plan.interface()));
    let added = run(Command::new("nmcli").args([
        "--offline",
        "connection",
        "add",
        "type",
        "ethernet",
        "con-name",
        &connection,
        "ifname",
        plan.interface(),
        "connection.uuid",
        UUID,
    ]));
    let mut keyfile = succeeded("nmcli --offline connection add", &added)?;
    // Half the plans start from a connection that already has a static configuration, the way
    // a re-run or a switch from static to DHCP meets it.
    if item.label.len() % 2 == 0 {
        let previous = run_with_input(
            Command::new("nmcli").args([
                "--offline",
                "connection",
                "modify",
                "ipv4.method",
                "manual",
                "ipv4.addresses",
                "198.51.100.7/24",
                "ipv4.gateway",
                "198.51.100.1",
            ]),
            keyfile.as_bytes(),
        );
        keyfile = succeeded("preparing a static base connection", &previous)?;
    }

    let (last, modifies) = rendering.commands.split_last().ok_or("no commands")?;
    if last.argv != ["nmcli", "con", "up", connection.as_str()] {
        return Err(format!(
            "last command is {:?}, not `nmcli con up`",
            last.argv
        ));
    }
    for command in modifies {
        let Some(properties) = command
            .argv
            .strip_prefix(&["nmcli", "con", "modify"].map(String::from)[..])
        else {
            return Err(format!("unexpected command {:?}", command.argv));
        };
        let (selector, properties) = properties.split_first().ok_or("no connection")?;
        if *selector != connection {
            return Err(format!(
                "command names connection {selector:?}, not {connection:?}"
            ));
        }
        // Offline modify takes no connection selector: it edits the keyfile on stdin.
        let output = run_with_input(
            Command::new("nmcli")
                .args(["--offline", "connection", "modify"])
                .args(properties),
            keyfile.as_bytes(),
        );
        keyfile = succeeded(
            &format!("nmcli --offline connection modify {properties:?}"),
            &output,
        )?;
    }

    // Read back: the keyfile NetworkManager now holds, read by eniplan's keyfile reader, is the
    // plan (the primary of a DHCP plan is the lease's).
    let mut files = eniplan::HostFiles::new();
    files.insert(
        "/etc/NetworkManager/system-connections/eniplan.nmconnection".into(),
        keyfile.clone(),
    );
    let target = eniplan::Target::parse("rhel-9").map_err(|e| e.to_string())?;
    let reading =
        eniplan::read(&files, target, Some(plan.interface())).map_err(|e| e.to_string())?;
    let mut expected = item.raw.clone();
    if plan.mode() == Mode::Dhcp {
        expected.primary = None;
    }
    // nmcli's commands name the connection, not the MAC.
    let drift = eniplan::drift_except(&expected, &reading.plan, &["mac"]);
    if !drift.is_empty() {
        return Err(format!(
            "the keyfile nmcli made reads back differently: {drift:?}"
        ));
    }

    let ini = support::parse_ini(&keyfile);
    let (runtime4, gateway4) = {
        let (addresses, mut gateways) = keyfile_addresses(&ini, "ipv4");
        gateways.extend(values(&ini, "ipv4", "gateway"));
        (addresses, gateways.into_iter().next())
    };
    let id = values(&ini, "connection", "id");
    if id != [connection.clone()] {
        return Err(format!("keyfile id {id:?}, planned {connection:?}"));
    }
    let method = values(&ini, "ipv4", "method");
    let want_method = if plan.mode() == Mode::Static {
        "manual"
    } else {
        "auto"
    };
    if method != [want_method] {
        return Err(format!("ipv4.method {method:?}, planned {want_method}"));
    }
    let (addresses, mut gateways) = keyfile_addresses(&ini, "ipv4");
    gateways.extend(values(&ini, "ipv4", "gateway"));
    let want = support::expected_ipv4(plan, false);
    if addresses != want {
        return Err(format!(
            "ipv4 addresses {addresses:?}, planned {want:?} (in order)"
        ));
    }
    let want_gateway: Vec<String> = match (plan.mode(), plan.route_table()) {
        (Mode::Static, None) => plan.gateway().map(|g| g.to_string()).into_iter().collect(),
        _ => Vec::new(),
    };
    if gateways != want_gateway {
        return Err(format!(
            "ipv4 gateway {gateways:?}, planned {want_gateway:?}"
        ));
    }
    let dns = keyfile_list(&values(&ini, "ipv4", "dns"));
    if dns != dns_of(plan, true) {
        return Err(format!(
            "ipv4 dns {dns:?}, planned {:?}",
            dns_of(plan, true)
        ));
    }
    let mut runtime6: Vec<String> = Vec::new();
    let mut gateway6 = None;
    if let Some(ipv6) = plan.ipv6() {
        let method = values(&ini, "ipv6", "method");
        if method != ["manual"] {
            return Err(format!("ipv6.method {method:?}, planned manual"));
        }
        let (addresses, mut gateways) = keyfile_addresses(&ini, "ipv6");
        gateways.extend(values(&ini, "ipv6", "gateway"));
        if sorted(addresses.clone()) != sorted(support::expected_ipv6(plan)) {
            return Err(format!(
                "ipv6 addresses {addresses:?}, planned {:?}",
                support::expected_ipv6(plan)
            ));
        }
        let want: Vec<String> = ipv6.gateway().map(|g| g.to_string()).into_iter().collect();
        if gateways != want {
            return Err(format!("ipv6 gateway {gateways:?}, planned {want:?}"));
        }
        let dns = keyfile_list(&values(&ini, "ipv6", "dns"));
        if dns != dns_of(plan, false) {
            return Err(format!(
                "ipv6 dns {dns:?}, planned {:?}",
                dns_of(plan, false)
            ));
        }
        runtime6 = addresses;
        gateway6 = gateways.into_iter().next();
    }
    let policy_ip = keyfile_policy(&ini, plan.interface())?;
    // What NetworkManager would do with the keyfile: its addresses and gateways, applied in a
    // namespace, must leave exactly the planned state (static ones only; DHCP is not run).
    let interface = plan.interface().to_string();
    apply_runtime(
        &RuntimeConfig {
            ipv4: runtime4
                .into_iter()
                .map(|a| (a, interface.clone()))
                .collect(),
            interface,
            ipv6: runtime6,
            gateway4,
            gateway6,
            ip: policy_ip,
        },
        plan,
        false,
    )
}

/// `address1=a/p[,gateway]`, `address2=…` in number order, and the gateways found there.
pub fn keyfile_addresses(
    ini: &std::collections::BTreeMap<String, Vec<(String, String)>>,
    section: &str,
) -> (Vec<String>, Vec<String>) {
    let mut numbered: Vec<(u32, String)> = ini
        .get(section)
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|(key, value)| {
                    let n = key.strip_prefix("address")?.parse().ok()?;
                    Some((n, value.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    numbered.sort();
    let mut addresses = Vec::new();
    let mut gateways = Vec::new();
    for (_, value) in numbered {
        match value.split_once(',') {
            Some((address, gateway)) => {
                addresses.push(address.to_string());
                gateways.push(gateway.to_string());
            }
            None => addresses.push(value),
        }
    }
    (addresses, gateways)
}

/// A keyfile list value `a;b;` as its items.
fn keyfile_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|value| value.split(';'))
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// A keyfile's `routeN`/`routeN_options=table=T` and `routing-ruleN` entries as the `ip`
/// invocations NetworkManager makes for them (routes without a gateway first).
pub fn keyfile_policy(
    ini: &std::collections::BTreeMap<String, Vec<(String, String)>>,
    interface: &str,
) -> Result<Vec<Vec<String>>, String> {
    let pairs = ini.get("ipv4").cloned().unwrap_or_default();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut routes = Vec::new();
    let mut rules = Vec::new();
    for (key, value) in &pairs {
        if let Some(n) = key
            .strip_prefix("route")
            .filter(|n| n.parse::<u32>().is_ok())
        {
            let options = get(&format!("route{n}_options")).unwrap_or_default();
            let table = options
                .split(',')
                .find_map(|option| option.strip_prefix("table="))
                .ok_or_else(|| format!("route{n} has no table option: {options:?}"))?;
            let mut parts = value.split(',');
            let mut args = vec!["route".to_string(), "add".into()];
            args.push(parts.next().unwrap_or_default().to_string());
            let via = parts.next().map(str::to_string);
            if let Some(via) = &via {
                args.extend(["via".into(), via.clone()]);
            }
            args.extend([
                "dev".into(),
                interface.to_string(),
                "table".into(),
                table.into(),
            ]);
            routes.push((via.is_some(), args));
        } else if key.starts_with("routing-rule") {
            let mut args = vec!["rule".to_string(), "add".into()];
            args.extend(value.split_whitespace().map(str::to_string));
            rules.push(args);
        }
    }
    routes.sort_by_key(|(via, _)| *via);
    let mut ip: Vec<Vec<String>> = routes.into_iter().map(|(_, args)| args).collect();
    ip.extend(rules);
    Ok(ip)
}
