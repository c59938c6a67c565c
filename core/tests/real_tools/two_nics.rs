//! A host with two NICs: eth0 (the primary ENI) and eth1 (a secondary ENI with its own route
//! table) rendered one after the other into one root, as two `eniplan render --write-to` runs
//! or two Ansible tasks would leave them. The real tools must still see both interfaces with
//! every address — and, for netplan, over the `50-cloud-init.yaml` cloud-init left behind.

use std::fs;
use std::process::Command;

use eniplan::{EniPlan, Rendering, Target};

use crate::support::{lay_out_ifupdown, run, scratch, succeeded};

const ETH0: &str = "interface: eth0\nprimary: 192.168.1.201\nsecondaries: [192.168.1.202, \
    192.168.1.203]\nprefix: 24\ngateway: 192.168.1.253\ndns: [100.100.2.136]\n";
const ETH1: &str = "interface: eth1\nprimary: 192.168.2.11\nsecondaries: [192.168.2.12]\n\
    prefix: 24\ngateway: 192.168.2.253\nroute_table: 1001\n";

fn render(plan: &str, target: &str) -> Result<Rendering, String> {
    let plan = EniPlan::from_yaml(plan)
        .and_then(|plan| plan.validate())
        .map_err(|e| e.to_string())?;
    eniplan::render(&plan, Target::parse(target).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

/// What cloud-init leaves in /etc/netplan on such a host: DHCP on eth0.
const CLOUD_INIT_NETPLAN: &str = "network:\n    version: 2\n    ethernets:\n        eth0:\n\
    \x20           dhcp4: true\n            match:\n                macaddress: 00:16:3e:16:43:aa\n\
    \x20           set-name: eth0\n";

#[test]
fn netplan_keeps_both_interfaces_over_cloud_inits_file() -> Result<(), String> {
    let root = scratch("two-nics-netplan");
    let netplan_dir = root.join("etc/netplan");
    fs::create_dir_all(&netplan_dir).map_err(|e| e.to_string())?;
    let cloud_init = netplan_dir.join("50-cloud-init.yaml");
    fs::write(&cloud_init, CLOUD_INIT_NETPLAN).map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&cloud_init, fs::Permissions::from_mode(0o600))
        .map_err(|e| e.to_string())?;
    for plan in [ETH0, ETH1] {
        let rendering = render(plan, "ubuntu-22.04")?;
        let outcome = eniplan::apply::apply(&rendering, &root, eniplan::apply::Options::default())
            .map_err(|e| e.to_string())?;
        assert!(outcome.changed);
    }
    assert!(cloud_init.exists(), "cloud-init's file is left in place");
    let output = run(Command::new("netplan")
        .arg("generate")
        .arg("--root-dir")
        .arg(&root));
    succeeded("netplan generate", &output)?;
    if !output.stderr.is_empty() {
        return Err(format!(
            "netplan generate printed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let network = |interface: &str| {
        fs::read_to_string(root.join(format!(
            "run/systemd/network/10-netplan-{interface}.network"
        )))
        .map_err(|e| format!("{interface}: {e}"))
    };
    let eth0 = network("eth0")?;
    for address in ["192.168.1.201/24", "192.168.1.202/24", "192.168.1.203/24"] {
        if !eth0.contains(&format!("Address={address}")) {
            return Err(format!("eth0 lost {address}:\n{eth0}"));
        }
    }
    // The later file's dhcp4: false wins over cloud-init's dhcp4: true.
    if eth0.contains("DHCP=ipv4") || eth0.contains("DHCP=yes") {
        return Err(format!("cloud-init's DHCP survived on eth0:\n{eth0}"));
    }
    let eth1 = network("eth1")?;
    for address in ["192.168.2.11/24", "192.168.2.12/24"] {
        if !eth1.contains(&format!("Address={address}")) {
            return Err(format!("eth1 lost {address}:\n{eth1}"));
        }
    }
    if !eth1.contains("Table=1001") {
        return Err(format!("eth1's route table is missing:\n{eth1}"));
    }
    let _ = fs::remove_dir_all(&root);
    Ok(())
}

#[test]
fn ifupdown_keeps_both_interfaces() -> Result<(), String> {
    let dir = scratch("two-nics-ifupdown");
    let eth0 = render(ETH0, "debian-11")?;
    let eth1 = render(ETH1, "debian-11")?;
    // What cloud-init leaves in interfaces.d on such a host: DHCP on eth0. It must not be read.
    fs::create_dir_all(dir.join("interfaces.d")).map_err(|e| e.to_string())?;
    fs::write(
        dir.join("interfaces.d/50-cloud-init"),
        "auto eth0\niface eth0 inet dhcp\n",
    )
    .map_err(|e| e.to_string())?;
    let main = lay_out_ifupdown(&dir, &[&eth0, &eth1])?;
    // ifupdown runs every stanza it reads for an interface: the dry run of eth0 must be the
    // static addresses alone, no DHCP client.
    let state = dir.join("state");
    fs::create_dir_all(&state).map_err(|e| e.to_string())?;
    let dry = run(Command::new("ifup")
        .args(["-n", "--no-scripts", "-i"])
        .arg(&main)
        .arg("--state-dir")
        .arg(&state)
        .arg("eth0"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr)
    );
    if said.to_lowercase().contains("dhc") || !said.contains("192.168.1.201") {
        return Err(format!("ifup -n eth0 would run:\n{said}"));
    }
    let listed = succeeded(
        "ifquery --list",
        &run(Command::new("ifquery").arg("-i").arg(&main).arg("--list")),
    )?;
    let listed: Vec<&str> = listed.lines().collect();
    for name in ["lo", "eth0", "eth0:0", "eth0:1", "eth1", "eth1:0"] {
        if !listed.contains(&name) {
            return Err(format!("ifquery --list lost {name}: {listed:?}"));
        }
    }
    for (stanza, address) in [
        ("eth0", "192.168.1.201"),
        ("eth0:1", "192.168.1.203"),
        ("eth1", "192.168.2.11"),
        ("eth1:0", "192.168.2.12"),
    ] {
        let query = succeeded(
            "ifquery",
            &run(Command::new("ifquery").arg("-i").arg(&main).arg(stanza)),
        )?;
        if !query
            .lines()
            .any(|line| line == format!("address: {address}"))
        {
            return Err(format!("ifquery {stanza}: {query}"));
        }
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(())
}
