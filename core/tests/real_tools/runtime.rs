//! The runtime state read back: each plan's addresses and routes applied in a namespace (as
//! the families' restarts leave them), then `ip -j addr show` and `ip -j route show table all`
//! read by `eniplan::read_ip_json` must give the plan back (everything but DNS, the mode and
//! the connection name, which the kernel does not hold).

use std::process::Command;

use eniplan::Mode;

use crate::support::{corpus, expected_ipv4, expected_ipv6, run, succeeded, Namespace};

#[test]
fn ip_json_reads_back_what_the_kernel_holds() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let items = corpus(eniplan::OsFamily::Netplan)
        .into_iter()
        .filter(|item| item.plan.mode() == Mode::Static)
        .take(40);
    for item in items {
        let plan = &item.plan;
        let outcome = (|| -> Result<(), String> {
            let dev = plan.interface();
            let namespace = Namespace::with_interface(dev)?;
            if let Some(mac) = plan.mac() {
                namespace.exec(&["ip", "link", "set", "dev", dev, "address", &mac.to_string()])?;
            }
            namespace.exec(&["ip", "link", "set", "dev", dev, "up"])?;
            for cidr in expected_ipv4(plan, false)
                .iter()
                .chain(&expected_ipv6(plan))
            {
                namespace.exec(&["ip", "addr", "add", cidr, "dev", dev])?;
            }
            let gateway = plan.gateway().map(|g| g.to_string()).unwrap_or_default();
            match plan.route_table() {
                None => namespace.exec(&[
                    "ip", "route", "add", "default", "via", &gateway, "dev", dev, "onlink",
                ])?,
                Some(table) => namespace.exec(&[
                    "ip",
                    "route",
                    "add",
                    "default",
                    "via",
                    &gateway,
                    "dev",
                    dev,
                    "onlink",
                    "table",
                    &table.to_string(),
                ])?,
            };
            if let Some(gateway) = plan.ipv6().and_then(|v6| v6.gateway()) {
                namespace.exec(&[
                    "ip",
                    "-6",
                    "route",
                    "add",
                    "default",
                    "via",
                    &gateway.to_string(),
                    "dev",
                    dev,
                    "onlink",
                ])?;
            }
            let json = |args: &[&str]| {
                succeeded(
                    "ip -j",
                    &run(Command::new("ip")
                        .args(["-n", &namespace.name, "-j"])
                        .args(args)),
                )
            };
            let addresses = json(&["addr", "show", "dev", dev])?;
            let mut routes: Vec<serde_json::Value> =
                serde_json::from_str(&json(&["route", "show", "table", "all"])?)
                    .map_err(|e| e.to_string())?;
            let routes6: Vec<serde_json::Value> =
                serde_json::from_str(&json(&["-6", "route", "show", "table", "all"])?)
                    .map_err(|e| e.to_string())?;
            routes.extend(routes6);
            let reading = eniplan::read_ip_json(
                &addresses,
                Some(&serde_json::to_string(&routes).unwrap_or_default()),
                dev,
            )
            .map_err(|e| e.to_string())?;
            let drift = eniplan::drift_except(&item.raw, &reading.plan, eniplan::NOT_IN_RUNTIME);
            if !drift.is_empty() {
                return Err(format!("runtime read back differs: {drift:?}"));
            }
            checked += 1;
            Ok(())
        })();
        if let Err(error) = outcome {
            failures.push(format!("{}: {error}", item.label));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 30);
    eprintln!("ip -j: {checked} runtime states read back, 0 failed");
}
