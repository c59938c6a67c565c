//! Plan generators shared by the property tests and the real-tool tests.
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};

use eniplan::{EniPlan, IfcfgStyle, Ipv6Plan, Mode};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A generated valid plan with the facts the test needs to state what must come out.
#[derive(Debug, Clone)]
pub struct Case {
    pub plan: EniPlan,
    pub windows: bool,
}

pub fn ipv4_plan() -> impl Strategy<Value = EniPlan> {
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
                "[a-z]{1,4}[0-9]{1,2}|[a-z][a-z0-9]{8,12}[0-9]{1,2}",
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
                    ifcfg_style: None,
                    route_table: None,
                }
            },
        )
}

pub fn ipv6_part() -> impl Strategy<Value = Option<Ipv6Plan>> {
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

pub fn valid_case() -> impl Strategy<Value = Case> {
    let style = prop_oneof![
        3 => Just(None),
        1 => Just(Some(IfcfgStyle::Aliases)),
        1 => Just(Some(IfcfgStyle::Indexed)),
    ];
    (
        ipv4_plan(),
        ipv6_part(),
        any::<bool>(),
        0u8..3,
        style,
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|(mut plan, ipv6, windows, name, style, table, cloud)| {
            plan.ipv6 = ipv6;
            plan.ifcfg_style = style;
            // A quarter of the static Linux plans are secondary ENIs with their own table.
            if table == 0 && !windows && plan.mode == Some(Mode::Static) {
                plan.route_table = Some(1000 + u32::from(name));
            }
            if cloud {
                plan.cloud = Some(eniplan::CloudPlan {
                    provider: None,
                    region: Some("cn-hangzhou".into()),
                    eni_id: Some(format!("eni-bp1{name}example")),
                    ..eniplan::CloudPlan::default()
                });
            }
            if windows {
                plan.interface = Some(
                    ["Ethernet", "Ethernet 2", "vEthernet (Default Switch)"][name as usize].into(),
                );
            }
            Case { plan, windows }
        })
}

/// `count` generated valid plans from a fixed seed: the same plans on every run, so a failure
/// seen in CI reproduces locally. `ENIPLAN_SEED` (a number) picks another fixed set.
pub fn seeded_cases(count: usize, salt: u64) -> Vec<Case> {
    let seed: u64 = std::env::var("ENIPLAN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&(seed ^ salt).to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = valid_case();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("generate").current())
        .collect()
}
