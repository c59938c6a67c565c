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
