//! Properties that hold for every plan, checked on generated plans.

use std::collections::{BTreeSet, HashMap};
mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::valid_case;
use eniplan::{EniPlan, IfcfgReader, IfcfgStyle, Mode, OsFamily, Rendering, Target};
use proptest::prelude::*;

/// Every IP address written anywhere a system reads it: file contents and command argv
/// (restart and verify steps, purposes and warnings are for people). Netmasks and the
/// unspecified address (`0.0.0.0/0`, `::/0` routes) are not addresses of the plan.
fn written_addresses(rendering: &Rendering, netmask: &str, network: &str) -> Vec<IpAddr> {
    // The powershell family's apply script wraps the commands (and lists the plan as data for
    // its verification): it is checked on its own below.
    let mut texts: Vec<&str> = rendering
        .files
        .iter()
        .filter(|file| !file.path.ends_with("apply.ps1"))
        .map(|file| file.contents.as_str())
        .collect();
    for command in &rendering.commands {
        texts.extend(command.argv.iter().map(String::as_str));
    }
    texts
        .iter()
        .flat_map(|text| text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':')))
        .filter(|token| *token != netmask && *token != network)
        .filter_map(|token| token.parse::<IpAddr>().ok())
        .filter(|address| !address.is_unspecified())
        .collect()
}

/// How often each address of the plan must be written for a family.
fn expected_addresses(plan: &EniPlan, family: OsFamily) -> HashMap<IpAddr, usize> {
    let mut expected = HashMap::new();
    if family == OsFamily::Cloud {
        // The API calls assign the secondaries, and every IPv6 address after the ENI's own.
        for secondary in &plan.secondaries {
            *expected
                .entry(secondary.parse().expect("generated"))
                .or_default() += 1;
        }
        for address in plan.ipv6.iter().flat_map(|v6| v6.addresses.iter().skip(1)) {
            *expected
                .entry(address.parse().expect("generated"))
                .or_default() += 1;
        }
        return expected;
    }
    let dhcp = plan.mode == Some(Mode::Dhcp);
    let mut add = |text: &str, count: usize| {
        *expected
            .entry(text.parse::<IpAddr>().expect("generated address"))
            .or_default() += count;
    };
    // On Windows the primary is always set statically (with the gateway), the seed's way.
    let primary_written = !dhcp || family.is_windows();
    // A secondary ENI's addresses are also each written in a policy-routing rule (ifupdown:
    // an `up` line and its `down` line).
    let rules = match (plan.route_table, family) {
        (None, _) => 0,
        (Some(_), OsFamily::Ifupdown) => 2,
        (Some(_), _) => 1,
    };
    if primary_written {
        add(plan.primary.as_deref().expect("primary"), 1 + rules);
        add(plan.gateway.as_deref().expect("gateway"), 1);
    }
    for secondary in &plan.secondaries {
        add(secondary, 1 + rules);
    }
    for server in &plan.dns {
        add(server, 1);
    }
    if let Some(ipv6) = &plan.ipv6 {
        for (index, address) in ipv6.addresses.iter().enumerate() {
            // ifupdown adds IPv6 addresses after the first with an `up` command and removes
            // them with the matching `down` command.
            let count = if family == OsFamily::Ifupdown && index > 0 {
                2
            } else {
                1
            };
            add(address, count);
        }
        if let Some(gateway) = &ipv6.gateway {
            add(gateway, 1);
        }
    }
    expected
}

fn netmask_of(plan: &EniPlan) -> String {
    match (&plan.netmask, plan.prefix) {
        (Some(mask), _) => mask.clone(),
        (None, Some(prefix)) => Ipv4Addr::from(u32::MAX << (32 - prefix)).to_string(),
        _ => unreachable!("generated plans have a mask"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_plan_renders_every_address_exactly_once(case in valid_case()) {
        let validated = case.plan.validate();
        prop_assert!(validated.is_ok(), "valid plan refused: {:?}", validated.err());
        let plan = validated.expect("checked above");
        let netmask = netmask_of(&case.plan);
        let network = plan.subnet().network().to_string();
        let fits = |t: &Target| {
            let family = t.family();
            if family == OsFamily::Cloud {
                return case.plan.cloud.is_some();
            }
            family.is_windows() == case.windows
        };
        for target in Target::all().filter(fits) {
            let rendering = eniplan::render(&plan, target);
            // Families without source-based policy routing refuse a route table, naming it.
            let no_policy = matches!(target.family(), OsFamily::Windows | OsFamily::Powershell);
            if no_policy && plan.route_table().is_some() {
                let errors = rendering.expect_err("a route table must be refused here");
                prop_assert_eq!(errors.as_slice()[0].field(), "route_table");
                prop_assert_eq!(errors.as_slice()[0].kind(), "unsupported");
                continue;
            }
            // The one refusal a valid plan may meet: alias labels (`eth0:9`) longer than the
            // kernel's 15 bytes, on the targets that label secondaries.
            let labels_secondaries = matches!(target.family(), OsFamily::Ifupdown | OsFamily::Suse)
                || (target.family() == OsFamily::Rhel
                    && plan.ifcfg_style().unwrap_or(target.ifcfg_style()) == IfcfgStyle::Aliases);
            let longest_label = plan.secondaries().len().checked_sub(1)
                .map_or(0, |last| format!("{}:{last}", plan.interface()).len());
            if labels_secondaries && longest_label > 15 {
                let errors = rendering.expect_err("a label over 15 bytes must be refused");
                prop_assert_eq!(errors.as_slice().len(), 1);
                prop_assert_eq!(errors.as_slice()[0].field(), "interface");
                prop_assert_eq!(errors.as_slice()[0].kind(), "unsupported");
                continue;
            }
            // initscripts reads IPADDRn only for static configurations: indexed secondaries with
            // a DHCP primary are refused there, naming ifcfg_style.
            let ignored_by_initscripts = target.family() == OsFamily::Rhel
                && target.ifcfg_reader() == IfcfgReader::Initscripts
                && plan.ifcfg_style() == Some(IfcfgStyle::Indexed)
                && plan.mode() == Mode::Dhcp
                && !plan.secondaries().is_empty();
            if ignored_by_initscripts {
                let errors = rendering.expect_err("indexed DHCP secondaries must be refused");
                prop_assert_eq!(errors.as_slice()[0].field(), "ifcfg_style");
                continue;
            }
            prop_assert!(rendering.is_ok(), "{}: {:?}", target, rendering.err());
            let rendering = rendering.expect("checked above");

            // Deterministic: the same plan renders the same bytes.
            let again = eniplan::render(&plan, target).expect("rendered once already");
            prop_assert_eq!(&rendering, &again);

            // The JSON contract round-trips.
            let json = rendering.to_json();
            let back: Rendering = serde_json::from_str(&json).expect("own JSON parses");
            prop_assert_eq!(&back, &rendering);

            let mut written: HashMap<IpAddr, usize> = HashMap::new();
            for address in written_addresses(&rendering, &netmask, &network) {
                *written.entry(address).or_default() += 1;
            }
            prop_assert_eq!(&written, &expected_addresses(&case.plan, target.family()), "{}", target);

            // The apply script runs each command line exactly once, as rendered.
            if target.family() == OsFamily::Powershell {
                let script = rendering.files.iter().find(|file| file.path.ends_with("apply.ps1"));
                prop_assert!(script.is_some(), "no apply script");
                let script = &script.expect("checked above").contents;
                for command in &rendering.commands {
                    let times = script.lines().filter(|line| line.trim() == command.shell).count();
                    prop_assert_eq!(times, 1, "{}", command.shell);
                }
            }
        }
    }

    #[test]
    fn mutated_plans_are_refused_naming_the_field(case in valid_case(), mutation in 0usize..8) {
        let mut plan = case.plan.clone();
        let field = match mutation {
            0 => { plan.secondaries.push("203.0.113.9".into()); format!("secondaries[{}]", plan.secondaries.len() - 1) }
            1 => { plan.secondaries.push(plan.primary.clone().expect("primary")); format!("secondaries[{}]", plan.secondaries.len() - 1) }
            2 => { plan.mac = Some("00:16:3e:16:43:xx".into()); "mac".into() }
            3 => { plan.gateway = Some("8.8.8.8".into()); "gateway".into() }
            4 => { plan.prefix = Some(24); plan.netmask = Some("255.255.0.0".into()); "netmask".into() }
            5 => { plan.primary = Some("192.168.001.5".into()); "primary".into() }
            6 => { plan.dns.push("100.100.2.x".into()); format!("dns[{}]", plan.dns.len() - 1) }
            _ => { plan.interface = None; "interface".into() }
        };
        let errors = plan.validate();
        prop_assert!(errors.is_err(), "mutation {} accepted", mutation);
        let errors = errors.expect_err("checked above");
        let fields: BTreeSet<&str> = errors.as_slice().iter().map(eniplan::Error::field).collect();
        prop_assert!(fields.contains(field.as_str()), "{} not in {:?}", field, fields);
    }

    #[test]
    fn arbitrary_strings_never_panic(
        interface in ".{0,20}", primary in ".{0,20}", secondary in ".{0,20}",
        gateway in ".{0,20}", mac in ".{0,20}", connection in ".{0,20}", prefix in any::<u8>(),
    ) {
        let plan = EniPlan {
            interface: Some(interface),
            primary: Some(primary),
            secondaries: vec![secondary],
            gateway: Some(gateway),
            mac: Some(mac),
            connection: Some(connection),
            prefix: Some(prefix),
            ..EniPlan::default()
        };
        let _ = eniplan::render_plan(&plan, "all");
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,200}") {
        let _ = eniplan::render_text(&text, "all");
    }
}
