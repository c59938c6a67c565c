//! NetworkManager keyfiles: read by libnm's own keyfile reader (`NM.keyfile_read`, through
//! Debian's python3-gi), where any reader warning fails the case, then loaded by `nmcli
//! --offline`; what they hold must be exactly the plan, and applied in a namespace it must
//! leave exactly the planned kernel state.

use std::fs;
use std::path::Path;
use std::process::Command;

use eniplan::{Mode, Rendering};
use serde_json::Value;

use crate::nmcli::keyfile_policy;
use crate::support::{
    apply_runtime, dns_of, expected_ipv4, expected_ipv6, parse_ini, run, run_with_input, scratch,
    succeeded, Item, RuntimeConfig,
};

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn check(item: &Item, rendering: &Rendering) -> Result<(), String> {
    let plan = &item.plan;
    let connection = plan
        .connection()
        .map(str::to_string)
        .unwrap_or_else(|| format!("System {}", plan.interface()));
    let path = format!("/etc/NetworkManager/system-connections/{connection}.nmconnection");
    let file = rendering
        .files
        .iter()
        .find(|file| file.path == path)
        .ok_or_else(|| format!("no keyfile at {path}"))?;
    if file.mode != 0o600 {
        return Err(format!(
            "keyfile mode {:o}, NetworkManager wants 0600",
            file.mode
        ));
    }
    let dir = scratch("keyfile");
    let local = dir.join(format!("{connection}.nmconnection"));
    fs::write(&local, &file.contents).map_err(|e| e.to_string())?;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_tools/scripts/read_keyfile.py");
    let read = run(Command::new("/usr/bin/python3").arg(&script).arg(&local));
    let json = succeeded("libnm keyfile reader", &read)?;
    let _ = fs::remove_dir_all(&dir);
    let got: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;

    // nmcli's own loader accepts it too (and must not drop anything: same addresses after).
    let loaded = run_with_input(
        Command::new("nmcli").args([
            "--offline",
            "connection",
            "modify",
            "connection.autoconnect",
            "yes",
        ]),
        file.contents.as_bytes(),
    );
    let normalised = succeeded("nmcli --offline connection modify", &loaded)?;

    let expect = |what: &str, got: &Value, want: Value| {
        if *got == want {
            Ok(())
        } else {
            Err(format!("{what}: keyfile gives {got}, planned {want}"))
        }
    };
    expect("id", &got["id"], Value::from(connection.as_str()))?;
    expect("type", &got["type"], Value::from("802-3-ethernet"))?;
    expect(
        "interface-name",
        &got["interface"],
        Value::from(plan.interface()),
    )?;
    expect("autoconnect", &got["autoconnect"], Value::from(true))?;
    // Activation names this profile alone: by the UUID the file carries, which libnm reads and
    // nmcli keeps. The id may also name the ifcfg or cloud-init profile of the same NIC.
    let up = rendering
        .commands
        .iter()
        .find(|command| command.argv.get(2).is_some_and(|verb| verb == "up"))
        .ok_or("no `nmcli connection up` command")?;
    let uuid = got["uuid"].as_str().unwrap_or_default();
    if up.argv[3..] != ["uuid".to_string(), uuid.to_string()] {
        return Err(format!(
            "`{}` does not activate the keyfile's profile by its uuid {uuid}",
            up.shell
        ));
    }
    if !normalised.contains(&format!("uuid={uuid}")) {
        return Err(format!("nmcli --offline changed the uuid:\n{normalised}"));
    }
    // At boot NetworkManager activates the profile of highest autoconnect-priority: above 0
    // (its default, which ifcfg-rh and `nmcli connection add` profiles get) and above 120
    // (what cloud-init's NetworkManager renderer gives its profiles).
    let priority = got["autoconnect_priority"].as_i64().unwrap_or_default();
    if priority <= 120 {
        return Err(format!(
            "autoconnect-priority {priority} does not win over cloud-init's profile (120)"
        ));
    }
    let mac = plan.mac().map(|m| m.to_string().to_uppercase());
    expect(
        "mac-address",
        &got["mac"],
        mac.map(Value::from).unwrap_or(Value::Null),
    )?;
    let ipv4 = &got["ipv4"];
    let method = if plan.mode() == Mode::Static {
        "manual"
    } else {
        "auto"
    };
    expect("ipv4.method", &ipv4["method"], Value::from(method))?;
    let addresses = strings(&ipv4["addresses"]);
    if addresses != expected_ipv4(plan, false) {
        return Err(format!(
            "ipv4.addresses {addresses:?}, planned {:?} (in order)",
            expected_ipv4(plan, false)
        ));
    }
    let gateway4 = match (plan.mode(), plan.route_table()) {
        (Mode::Static, None) => plan.gateway().map(|g| g.to_string()),
        _ => None,
    };
    expect(
        "ipv4.gateway",
        &ipv4["gateway"],
        gateway4.clone().map(Value::from).unwrap_or(Value::Null),
    )?;
    if strings(&ipv4["dns"]) != dns_of(plan, true) {
        return Err(format!(
            "ipv4.dns {}, planned {:?}",
            ipv4["dns"],
            dns_of(plan, true)
        ));
    }
    let want_rules: Vec<String> = match plan.route_table() {
        Some(table) => plan
            .ipv4_addresses()
            .map(|a| format!("priority 1000 from {a} table {table}"))
            .collect(),
        None => Vec::new(),
    };
    if strings(&ipv4["rules"]) != want_rules {
        return Err(format!(
            "routing rules {}, planned {want_rules:?}",
            ipv4["rules"]
        ));
    }
    let routes = ipv4["routes"].as_array().cloned().unwrap_or_default();
    let want_routes = if plan.route_table().is_some() { 2 } else { 0 };
    if routes.len() != want_routes {
        return Err(format!("routes {routes:?}, planned {want_routes}"));
    }

    let ipv6 = &got["ipv6"];
    let (runtime6, gateway6) = match plan.ipv6() {
        Some(v6) => {
            expect("ipv6.method", &ipv6["method"], Value::from("manual"))?;
            let addresses = strings(&ipv6["addresses"]);
            if addresses != expected_ipv6(plan) {
                return Err(format!(
                    "ipv6.addresses {addresses:?}, planned {:?}",
                    expected_ipv6(plan)
                ));
            }
            let gateway = v6.gateway().map(|g| g.to_string());
            expect(
                "ipv6.gateway",
                &ipv6["gateway"],
                gateway.clone().map(Value::from).unwrap_or(Value::Null),
            )?;
            if strings(&ipv6["dns"]) != dns_of(plan, false) {
                return Err(format!(
                    "ipv6.dns {}, planned {:?}",
                    ipv6["dns"],
                    dns_of(plan, false)
                ));
            }
            (addresses, gateway)
        }
        None => {
            expect("ipv6.method", &ipv6["method"], Value::from("auto"))?;
            (Vec::new(), None)
        }
    };
    let ini = parse_ini(&normalised);
    let interface = plan.interface().to_string();
    apply_runtime(
        &RuntimeConfig {
            ipv4: addresses
                .into_iter()
                .map(|a| (a, interface.clone()))
                .collect(),
            ipv6: runtime6,
            gateway4,
            gateway6,
            ip: keyfile_policy(&ini, &interface)?,
            interface,
        },
        plan,
        false,
    )
}
