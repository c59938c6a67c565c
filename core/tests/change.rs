//! Rendering the change between two plans.

use eniplan::{EniPlan, Target};

fn seed() -> eniplan::Plan {
    EniPlan::seed_example()
        .validate()
        .expect("seed plan is valid")
}

#[test]
fn removing_secondaries_deletes_their_alias_files() {
    let before = seed();
    let after = before.without_secondaries();
    let change =
        eniplan::render_change(&before, &after, Target::parse("centos-7").expect("target"))
            .expect("renders");
    assert_eq!(
        change.delete,
        [
            "/etc/sysconfig/network-scripts/ifcfg-eth0:0",
            "/etc/sysconfig/network-scripts/ifcfg-eth0:1"
        ]
    );
    let main = &change.files[1];
    assert!(
        main.contents.contains("IPADDR=192.168.1.201"),
        "the primary stays"
    );
    assert!(!main.contents.contains("192.168.1.202"));
}

#[test]
fn a_change_that_keeps_every_file_deletes_nothing() {
    let before = seed();
    for target in Target::families() {
        let plan = if target.family().is_linux() {
            before.clone()
        } else {
            EniPlan::seed_example_windows().validate().expect("valid")
        };
        let change =
            eniplan::render_change(&plan, &plan.without_secondaries(), target).expect("renders");
        if target.name() != "rhel" {
            assert!(change.delete.is_empty(), "{target}: {:?}", change.delete);
        }
    }
}
