//! Cross-tool: nmstate's own keyfiles (`NetworkState::gen_conf`) for 200 generated plans, read
//! back by eniplan's keyfile reader, give the addresses, prefix and gateway of nmstate's input.

use std::collections::BTreeSet;

use eniplan::{HostFiles, Target};

/// A small deterministic generator: the same 200 plans on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

struct Case {
    v4: Vec<String>,
    prefix: u8,
    gateway: String,
    v6: Vec<String>,
}

fn case(rng: &mut Lcg, index: u64) -> Case {
    let prefix = 16 + rng.next(9) as u8; // /16 … /24
    let host = |rng: &mut Lcg| format!("10.{}.{}.{}", index % 250, rng.next(2), 10 + rng.next(200));
    let mut v4: Vec<String> = Vec::new();
    while v4.len() < 1 + rng.next(6) as usize {
        let address = host(rng);
        if !v4.contains(&address) {
            v4.push(address);
        }
    }
    let gateway = format!("10.{}.0.1", index % 250);
    let v6 = (0..rng.next(3))
        .map(|n| format!("2001:db8:{:x}::{:x}", index, 0xa + n))
        .collect();
    Case {
        v4,
        prefix,
        gateway,
        v6,
    }
}

fn nmstate_yaml(case: &Case) -> String {
    let mut yaml = String::from(
        "interfaces:\n- name: eth0\n  type: ethernet\n  state: up\n  ipv4:\n    enabled: true\n    dhcp: false\n    address:\n",
    );
    for address in &case.v4 {
        yaml.push_str(&format!(
            "    - ip: {address}\n      prefix-length: {}\n",
            case.prefix
        ));
    }
    if case.v6.is_empty() {
        yaml.push_str("  ipv6:\n    enabled: false\n");
    } else {
        yaml.push_str(
            "  ipv6:\n    enabled: true\n    dhcp: false\n    autoconf: false\n    address:\n",
        );
        for address in &case.v6 {
            yaml.push_str(&format!("    - ip: {address}\n      prefix-length: 64\n"));
        }
    }
    yaml.push_str(&format!(
        "routes:\n  config:\n  - destination: 0.0.0.0/0\n    next-hop-address: {}\n    next-hop-interface: eth0\n",
        case.gateway
    ));
    yaml
}

#[test]
fn nmstates_keyfiles_read_back_to_their_input() {
    let mut rng = Lcg(0x5eed);
    let target = Target::parse("rhel-9").expect("target");
    let mut failures = Vec::new();
    for index in 0..200 {
        let case = case(&mut rng, index);
        let state =
            nmstate::NetworkState::new_from_yaml(&nmstate_yaml(&case)).expect("nmstate reads it");
        let conf = state.gen_conf().expect("nmstate generates keyfiles");
        let mut files = HostFiles::new();
        for (name, contents) in &conf["NetworkManager"] {
            files.insert(
                format!("/etc/NetworkManager/system-connections/{name}"),
                contents.clone(),
            );
        }
        let reading = match eniplan::read(&files, target, Some("eth0")) {
            Ok(reading) => reading,
            Err(error) => {
                failures.push(format!("#{index}: {error}"));
                continue;
            }
        };
        let plan = reading.plan;
        let got: BTreeSet<String> = plan
            .primary
            .iter()
            .chain(&plan.secondaries)
            .cloned()
            .collect();
        let want: BTreeSet<String> = case.v4.iter().cloned().collect();
        let got6: BTreeSet<String> = plan
            .ipv6
            .iter()
            .flat_map(|v6| v6.addresses.clone())
            .collect();
        let want6: BTreeSet<String> = case
            .v6
            .iter()
            .map(|a| {
                a.parse::<std::net::Ipv6Addr>()
                    .expect("address")
                    .to_string()
            })
            .collect();
        if got != want
            || plan.prefix != Some(case.prefix)
            || plan.gateway.as_deref() != Some(&case.gateway)
            || got6 != want6
        {
            failures.push(format!(
                "#{index}: read {got:?} /{:?} via {:?} {got6:?}; nmstate's input {want:?} /{} via {} {want6:?}\n{}",
                plan.prefix, plan.gateway, case.prefix, case.gateway,
                conf["NetworkManager"][0].1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 200 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("nmstate gen_conf: 200 keyfiles read back to their input");
}
