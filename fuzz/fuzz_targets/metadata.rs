//! Any text as an instance metadata document (and as API output): never a panic; every plan
//! that comes out is valid, never lists its primary as a secondary, and the instance renders
//! for every family with route tables all distinct.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names = eniplan::NicNames::from_pairs(&[
        "00:16:3e:16:43:aa=eth0",
        "00:16:3e:16:43:bb=eth1",
        "00:16:3e:0f:00:01=eth0",
        "00:16:3e:0f:00:02=eth1",
    ])
    .expect("fixed names");
    let mut context = eniplan::ApiContext {
        names: names.clone(),
        ..Default::default()
    };
    context.add_gateway("192.168.1.253");
    let _ = eniplan::plans_from_api(text, text, &context);
    let Ok(plans) = eniplan::plans_from_metadata(text, &names) else {
        return;
    };
    let mut tables = Vec::new();
    let mut valid = Vec::new();
    for plan in &plans {
        assert!(!plan.secondaries.contains(plan.primary.as_ref().expect("a primary")));
        tables.extend(plan.route_table);
        valid.push(plan.validate().expect("every plan from metadata is valid"));
    }
    let count = tables.len();
    tables.sort_unstable();
    tables.dedup();
    assert_eq!(tables.len(), count);
    for target in eniplan::Target::families() {
        let _ = eniplan::render_instance(&valid, target);
    }
});
