//! Properties that hold for every plan, checked on generated plans.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use eniplan::{EniPlan, Ipv6Plan, Mode, OsFamily, Rendering, Target};
use proptest::prelude::*;

/// A generated valid plan with the facts the test needs to state what must come out.
#[derive(Debug, Clone)]
struct Case {
    plan: EniPlan,
    windows: bool,
}

fn ipv4_plan() -> impl Strategy<Value = EniPlan> {
    // A private network (10/8, 172.16/12 or 192.168/16) with a prefix of /16 to /28.
    (0usize..3, 16u8..=28, any::<u32>())
        .prop_flat_map(|(range, prefix, bits)| {
            let (base, base_prefix) =
                [(0x0a00_0000u32, 8u8), (0xac10_0000, 12), (0xc0a8_0000, 16)][range];
            let prefix = prefix.max(base_prefix);
            let free = u32::MAX >> base_prefix;
            let mask = u32::MAX << (32 - prefix);
            let network = (base | (bits & free)) & mask;
            let hosts = (1u32 << (32 - prefix)) - 2;
            // Distinct host numbers: primary, gateway and up to 9 secondaries.
            let offsets = prop::collection::btree_set(1..=hosts, 2..=11)
                .prop_map(|set| set.into_iter().collect::<Vec<u32>>())
                .prop_shuffle();
            (Just(network), Just(prefix), offsets)
        })
        .prop_flat_map(|(network, prefix, offsets)| {
            let addresses: Vec<String> = offsets
                .iter()
                .map(|offset| Ipv4Addr::from(network + offset).to_string())
                .collect();
            (
                Just(addresses),
                Just(prefix),
                prop_oneof![Just(Mode::Static), Just(Mode::Dhcp)],
                any::<bool>(),
                prop::option::of(any::<[u8; 6]>()),
                prop::collection::btree_set(1u8..=254, 0..=3),
                "[a-z]{1,4}[0-9]{1,2}",
                prop::option::of("[A-Za-z][A-Za-z0-9 ]{0,12}[A-Za-z0-9]"),
            )
        })
        .prop_map(
            |(addresses, prefix, mode, use_netmask, mac, dns, interface, connection)| {
                let netmask = Ipv4Addr::from(u32::MAX << (32 - prefix)).to_string();
                EniPlan {
                    interface: Some(interface),
                    mac: mac.map(|mut octets| {
                        // A locally administered unicast MAC, never all zero.
                        octets[0] = (octets[0] & 0xfc) | 0x02;
                        octets.map(|o| format!("{o:02x}")).join(":")
                    }),
                    mode: Some(mode),
                    primary: Some(addresses[0].clone()),
                    gateway: Some(addresses[1].clone()),
                    secondaries: addresses[2..].to_vec(),
                    prefix: if use_netmask { None } else { Some(prefix) },
                    netmask: if use_netmask { Some(netmask) } else { None },
                    dns: dns.into_iter().map(|n| format!("100.100.2.{n}")).collect(),
                    ipv6: None,
                    connection,
                    cloud: None,
                }
            },
        )
}

fn ipv6_part() -> impl Strategy<Value = Option<Ipv6Plan>> {
    prop::option::of(
        (
            any::<[u16; 2]>(),
            prop::collection::btree_set(2u16..=0xfffe, 1..=4),
            prop_oneof![
                Just(None),
                Just(Some("fe80::1".to_string())),
                Just(Some("in".to_string()))
            ],
        )
            .prop_map(|(net, hosts, gateway)| {
                let address = |host: u16| {
                    Ipv6Addr::new(0x2001, 0xdb8, net[0], net[1], 0, 0, 0, host).to_string()
                };
                Ipv6Plan {
                    addresses: hosts.iter().map(|&h| address(h)).collect(),
                    prefix: Some(64),
                    gateway: gateway.map(|g| if g == "in" { address(1) } else { g }),
                }
            }),
    )
}

fn valid_case() -> impl Strategy<Value = Case> {
    (ipv4_plan(), ipv6_part(), any::<bool>(), 0u8..3).prop_map(|(mut plan, ipv6, windows, name)| {
        plan.ipv6 = ipv6;
        if windows {
            plan.interface = Some(
                ["Ethernet", "Ethernet 2", "vEthernet (Default Switch)"][name as usize].into(),
            );
        }
        Case { plan, windows }
    })
}

/// Every IP address written anywhere a system reads it: file contents and command argv
/// (restart and verify steps, purposes and warnings are for people). Netmasks and the
/// unspecified address (`0.0.0.0/0`, `::/0` routes) are not addresses of the plan.
fn written_addresses(rendering: &Rendering, netmask: &str) -> Vec<IpAddr> {
    let mut texts: Vec<&str> = rendering
        .files
        .iter()
        .map(|file| file.contents.as_str())
        .collect();
    for command in &rendering.commands {
        texts.extend(command.argv.iter().map(String::as_str));
    }
    texts
        .iter()
        .flat_map(|text| text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':')))
        .filter(|token| *token != netmask)
        .filter_map(|token| token.parse::<IpAddr>().ok())
        .filter(|address| !address.is_unspecified())
        .collect()
}

/// How often each address of the plan must be written for a family.
fn expected_addresses(plan: &EniPlan, family: OsFamily) -> HashMap<IpAddr, usize> {
    let mut expected = HashMap::new();
    let dhcp = plan.mode == Some(Mode::Dhcp);
    let mut add = |text: &str, count: usize| {
        *expected
            .entry(text.parse::<IpAddr>().expect("generated address"))
            .or_default() += count;
    };
    // On Windows the primary is always set statically (with the gateway), the seed's way.
    let primary_written = !dhcp || family == OsFamily::Windows;
    if primary_written {
        add(plan.primary.as_deref().expect("primary"), 1);
        add(plan.gateway.as_deref().expect("gateway"), 1);
    }
    for secondary in &plan.secondaries {
        add(secondary, 1);
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
        for target in Target::all().filter(|t| t.family().is_linux() != case.windows) {
            let rendering = eniplan::render(&plan, target);
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
            for address in written_addresses(&rendering, &netmask) {
                *written.entry(address).or_default() += 1;
            }
            prop_assert_eq!(&written, &expected_addresses(&case.plan, target.family()), "{}", target);
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
