//! Reading back: for every valid plan and every family that can be read, reading the
//! family's own rendering gives the plan back (every field the family carries; see
//! `eniplan::not_carried`), with nothing left unread. Generated plans and the valid snapshot
//! cases alike.

mod common;

use std::fs;
use std::path::Path;

use common::{seeded_cases, valid_case};
use eniplan::{EniPlan, HostFiles, Mode, Target};
use proptest::prelude::*;

/// The targets whose renderings are read back, one per reader and ifcfg dialect.
const TARGETS: &[&str] = &[
    "centos-7",
    "rocky-8",
    "rhel-9",
    "ubuntu-22.04",
    "networkd",
    "sles-15",
    "debian-11",
    "ubuntu-14.04",
];

fn files_of(rendering: &eniplan::Rendering) -> HostFiles {
    rendering
        .files
        .iter()
        .map(|file| (file.path.clone(), file.contents.clone()))
        .collect()
}

/// Reads `plan`'s rendering for `target` back and lists every difference.
fn round_trip(raw: &EniPlan, target: &str) -> Result<(), String> {
    let target = Target::parse(target).map_err(|e| e.to_string())?;
    let plan = raw.validate().map_err(|e| e.to_string())?;
    let rendering = match eniplan::render(&plan, target) {
        Ok(rendering) => rendering,
        // A plan the target refuses (indexed + dhcp on initscripts) has nothing to read.
        Err(_) => return Ok(()),
    };
    let reading = eniplan::read(&files_of(&rendering), target, Some(plan.interface()))
        .map_err(|e| format!("not read: {e}"))?;
    if !reading.unread.is_empty() {
        return Err(format!("unread: {:?}", reading.unread));
    }
    let mut expected = raw.clone();
    // The files of a DHCP configuration hold no primary: the lease does.
    if plan.mode() == Mode::Dhcp {
        expected.primary = None;
    }
    // The ifcfg style is the target's own unless the plan asked otherwise.
    let differences: Vec<_> = eniplan::drift(&expected, &reading.plan, target.family())
        .into_iter()
        .filter(|d| !(d.field == "primary" && plan.mode() == Mode::Dhcp))
        .collect();
    if !differences.is_empty() {
        return Err(format!("read back differs: {differences:?}"));
    }
    if reading.plan.ifcfg_style.is_some() && raw.ifcfg_style.is_none() {
        return Err(format!(
            "ifcfg_style read as {:?}",
            reading.plan.ifcfg_style
        ));
    }
    Ok(())
}

#[test]
fn every_valid_case_reads_back() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid");
    let mut failures = Vec::new();
    for entry in fs::read_dir(dir).expect("cases") {
        let path = entry.expect("entry").path();
        let raw = EniPlan::from_text(&fs::read_to_string(&path).expect("case")).expect("plan");
        if raw.validate().is_err() {
            continue;
        }
        for target in TARGETS {
            if let Err(error) = round_trip(&raw, target) {
                failures.push(format!("{} for {target}: {error}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn two_hundred_seeded_plans_read_back() {
    let mut failures = Vec::new();
    for (index, case) in seeded_cases(200, 77).into_iter().enumerate() {
        if case.windows {
            continue;
        }
        for target in TARGETS {
            if let Err(error) = round_trip(&case.plan, target) {
                failures.push(format!("#{index} for {target}: {error}\n{:?}", case.plan));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn reading_a_rendering_gives_the_plan_back(case in valid_case()) {
        prop_assume!(!case.windows);
        for target in TARGETS {
            let outcome = round_trip(&case.plan, target);
            prop_assert!(outcome.is_ok(), "{target}: {:?}", outcome);
        }
    }
}

#[test]
fn what_a_reader_does_not_understand_is_reported_with_its_line() {
    let mut files = HostFiles::new();
    files.insert(
        "/etc/sysconfig/network-scripts/ifcfg-eth0".into(),
        "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=192.168.1.201\nPREFIX=24\nGATEWAY=192.168.1.253\n\
         MTU=9000\nETHTOOL_OPTS=\"-K eth0 tso off\"\nONBOOT=no\n$(reboot)\n"
            .into(),
    );
    let reading =
        eniplan::read(&files, Target::parse("centos-7").expect("target"), None).expect("read");
    assert_eq!(reading.plan.primary.as_deref(), Some("192.168.1.201"));
    let lines: Vec<(usize, &str)> = reading
        .unread
        .iter()
        .map(|u| (u.line, u.text.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (9, "$(reboot)"),
            (7, "ETHTOOL_OPTS=\"-K eth0 tso off\""),
            (6, "MTU=9000"),
            (8, "ONBOOT=no"),
        ]
    );
}

#[test]
fn windows_runtime_json_reads_as_the_plan_it_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sources/runtime");
    let addresses = fs::read_to_string(dir.join("get-netipaddress.json")).expect("file");
    let config = fs::read_to_string(dir.join("get-netipconfiguration.json")).expect("file");
    let reading = eniplan::read_windows_json(&addresses, Some(&config), "Ethernet").expect("read");
    let plan = reading.plan;
    assert_eq!(plan.primary.as_deref(), Some("192.168.1.201"));
    assert_eq!(plan.secondaries, ["192.168.1.203", "192.168.1.202"]);
    assert_eq!(plan.prefix, Some(24));
    assert_eq!(plan.gateway.as_deref(), Some("192.168.1.253"));
    assert_eq!(plan.dns, ["100.100.2.136", "100.100.2.138"]);
    assert!(plan.ipv6.is_none(), "the link-local address is no plan's");
    plan.validate().expect("a valid plan");
    assert!(eniplan::read_windows_json(&addresses, None, "Ethernet 2").is_err());
}

#[test]
fn malformed_files_are_errors_or_unread_never_panics() {
    let target = |name: &str| Target::parse(name).expect("target");
    let ten_megabytes = "IPADDR1=192.168.1.5\n".repeat(10 * 1024 * 1024 / 20);
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "centos-7",
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "DEVICE=eth0\nIPADDR=\"192.168.1".into(),
        ),
        (
            "centos-7",
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "\u{0}\u{1}\u{2}\u{fffd}".into(),
        ),
        (
            "centos-7",
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "IPADDR=1.2.3.4\nIPADDR=5.6.7.8\n".into(),
        ),
        (
            "centos-7",
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            ten_megabytes,
        ),
        (
            "rhel-9",
            "/etc/NetworkManager/system-connections/a.nmconnection",
            "[connection]\ninterface-name=eth0\n[ipv4\naddress1=".into(),
        ),
        (
            "ubuntu-22.04",
            "/etc/netplan/50.yaml",
            "network:\n  ethernets:\n    eth0: {addresses: [".into(),
        ),
        (
            "ubuntu-22.04",
            "/etc/netplan/50.yaml",
            "network: {ethernets: {eth0: 7}}".into(),
        ),
        (
            "networkd",
            "/etc/systemd/network/a.network",
            "[Match]\nName=eth0\n[Address\nAddress=".into(),
        ),
        (
            "sles-15",
            "/etc/sysconfig/network/ifcfg-eth0",
            "IPADDR_1='1.2.3.4\n".into(),
        ),
        (
            "debian-11",
            "/etc/network/interfaces",
            "source /etc/network/interfaces\niface eth0 inet static\n  address".into(),
        ),
    ];
    for (name, path, text) in cases {
        let mut files = HostFiles::new();
        files.insert(path.into(), text);
        // Either a reading (with what it did not understand) or a typed error: never a panic.
        match eniplan::read(&files, target(name), Some("eth0")) {
            Ok(reading) => {
                let _ = reading.plan.validate();
            }
            Err(errors) => assert!(!errors.as_slice().is_empty()),
        }
    }
}

/// The files the Alibaba Cloud ECS document tells users to write by hand, as it prints them
/// (comments, trailing blanks, options flush left), read back to the document's addresses.
#[test]
fn the_ecs_documents_own_files_read_back() {
    let secondaries = ["192.168.1.202", "192.168.1.203"];
    let read = |target: &str, files: &[(&str, &str)]| {
        let files: HostFiles = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        eniplan::read(&files, Target::parse(target).expect("target"), Some("eth0")).expect("read")
    };
    let centos = read(
        "centos-7",
        &[
            ("/etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0     \nTYPE=Ethernet\nBOOTPROTO=dhcp\n#Activate the ENI when the operating system starts.\nONBOOT=yes\n"),
            ("/etc/sysconfig/network-scripts/ifcfg-eth0:0", "#The ENI name in the format of <ENI name>:<Serial number of the secondary private IP address>.\nDEVICE=eth0:0\nTYPE=Ethernet\n#The method used to obtain an IP address, which is set to Static.\nBOOTPROTO=static \n\n#The IPv4 address and subnet mask that require manual configuration.\nIPADDR=192.168.1.202\nNETMASK=255.255.255.0\n"),
            ("/etc/sysconfig/network-scripts/ifcfg-eth0:1", "DEVICE=eth0:1\nTYPE=Ethernet\nBOOTPROTO=static \n\nIPADDR=192.168.1.203\nNETMASK=255.255.255.0\n"),
        ],
    );
    assert_eq!(centos.plan.mode, Some(Mode::Dhcp));
    assert_eq!(centos.plan.secondaries, secondaries);
    assert_eq!(centos.plan.prefix, Some(24));
    assert_eq!(centos.unread, []);

    let ubuntu = read(
        "ubuntu-22.04",
        &[("/etc/netplan/50-cloud-init.yaml", "network:\n    version: 2\n    ethernets:\n        eth0: #The name of the ENI.\n            dhcp4: false #By default, DHCP is enabled.\n            match:\n                macaddress: 00:16:3e:16:43:aa\n            set-name: eth0\n            addresses:\n                    - 192.168.1.201/24 #The primary private IP address of the ENI.\n                    - 192.168.1.202/24 #Secondary private IP address 1.\n                    - 192.168.1.203/24 #Secondary private IP address 2.\n            routes:\n              - to: default\n                via: 192.168.1.253 #The default gateway.\n")],
    );
    assert_eq!(ubuntu.plan.primary.as_deref(), Some("192.168.1.201"));
    assert_eq!(ubuntu.plan.secondaries, secondaries);
    assert_eq!(ubuntu.plan.gateway.as_deref(), Some("192.168.1.253"));
    assert_eq!(ubuntu.unread, []);

    let debian = read(
        "debian-10",
        &[("/etc/network/interfaces", "auto lo\niface lo inet loopback\n \nauto eth0\niface eth0 inet dhcp\n \nauto eth0:0\niface eth0:0 inet static\naddress 192.168.1.202\nnetmask 255.255.255.0\n \nauto eth0:1\niface eth0:1 inet static\naddress 192.168.1.203\nnetmask 255.255.255.0\n")],
    );
    assert_eq!(debian.plan.mode, Some(Mode::Dhcp));
    assert_eq!(debian.plan.secondaries, secondaries);
    assert_eq!(debian.plan.prefix, Some(24));
    assert_eq!(debian.unread, []);

    let suse = read(
        "sles-15",
        &[
            ("/etc/sysconfig/network/ifcfg-eth0", "#Disable DHCP to allow you to manually configure IP addresses.\nBOOTPROTO=static\nSTARTMODE=auto\nUSERCONTROL=no\n\n#Suffix serial numbers to multiple IP addresses.\nIPADDR_1=192.168.1.201\nNETMASK_1=255.255.255.0\nLABEL_1=\n\nIPADDR_2=192.168.1.202\nNETMASK_2=255.255.255.0\nLABEL_2=0\n\nIPADDR_3=192.168.1.203\nNETMASK_3=255.255.255.0\nLABEL_3=1\n"),
            ("/etc/sysconfig/network/routes", "default 192.168.1.253 - -\n"),
        ],
    );
    assert_eq!(suse.plan.primary.as_deref(), Some("192.168.1.201"));
    assert_eq!(suse.plan.secondaries, secondaries);
    assert_eq!(suse.plan.gateway.as_deref(), Some("192.168.1.253"));
    assert_eq!(suse.unread, []);
}

/// A copy of a configuration file beside it (an editor's `~`, a `.bak`, a package manager's
/// `.rpmsave`, the `.eniplan~` copies of earlier releases) is skipped by the reader exactly
/// when the family's own tool skips it — initscripts' `is_ignored_file`, NetworkManager's
/// ifcfg-rh and keyfile rules, wicked's suffix blacklist — so a removed secondary does not
/// come back in `read`, `drift` or `convert`.
#[test]
fn backup_and_editor_copies_are_read_as_the_tools_read_them() {
    let plan = EniPlan::example().validate().expect("valid");
    let mut bigger = EniPlan::example();
    bigger.secondaries.push("192.168.1.209".into());
    let bigger = bigger.validate().expect("valid");
    for (target, copies, read_by_the_tool) in [
        (
            "centos-7",
            &[
                "~",
                ".bak",
                ".old",
                ".orig",
                ".rpmnew",
                ".rpmorig",
                ".rpmsave",
                ".20260101000000.eniplan~",
            ][..],
            &[][..],
        ),
        // NetworkManager's ifcfg-rh skips `.rej` and `.augnew` too, but not `.old`.
        (
            "rocky-8",
            &["~", ".bak", ".orig", ".rej", ".rpmnew", ".augnew", ".BAK"][..],
            &[][..],
        ),
        (
            "sles-15",
            &[
                "~",
                ".old",
                ".bak",
                ".orig",
                ".scpmbackup",
                ".rpmnew",
                ".rpmsave",
                ".rpmorig",
            ][..],
            &[][..],
        ),
        // NetworkManager reads any file under /etc but hidden ones, `~` backups and mkstemp's
        // `.XXXXXX`: a `.bak` copy of a keyfile is a second profile to it, and to eniplan.
        ("rhel-9", &["~", ".Ab12Zq"][..], &[".bak"][..]),
    ] {
        let target = Target::parse(target).expect("target");
        let current = eniplan::render(&plan, target).expect("renders");
        let old = eniplan::render(&bigger, target).expect("renders");
        let mut files = files_of(&current);
        for file in &old.files {
            for suffix in copies.iter().chain(read_by_the_tool) {
                files.insert(format!("{}{suffix}", file.path), file.contents.clone());
            }
        }
        // A hidden editor swap file is skipped by every tool.
        for file in &old.files {
            if let Some((dir, name)) = file.path.rsplit_once('/') {
                files.insert(format!("{dir}/.{name}.swp"), file.contents.clone());
            }
        }
        let interfaces = eniplan::configured_interfaces(&files, target).expect("interfaces");
        if read_by_the_tool.is_empty() {
            assert_eq!(interfaces, ["eth0"], "{target}");
            let reading = eniplan::read(&files, target, Some("eth0")).expect("reads");
            assert!(
                !reading
                    .plan
                    .secondaries
                    .contains(&"192.168.1.209".to_string()),
                "{target}: a copy was read: {:?}",
                reading.files
            );
            assert!(
                eniplan::drift(&EniPlan::example(), &reading.plan, target.family()).is_empty(),
                "{target}"
            );
        } else {
            // Two profiles for eth0, as NetworkManager sees them: the reader names the other.
            let reading = eniplan::read(&files, target, Some("eth0")).expect("reads");
            assert!(
                reading
                    .warnings
                    .iter()
                    .any(|w| w.contains("profiles configure eth0") && w.contains(".bak")),
                "{target}: {:?}",
                reading.warnings
            );
        }
    }
}
