//! Any text as an EC2 (IMDSv2) metadata document: never a panic, and every plan that
//! comes out holds what metadata_checks.rs states.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "metadata_checks.rs"]
mod metadata_checks;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The MACs of the seed documents (tests/sources/aws/valid/).
    let names = eniplan::NicNames::from_pairs(&[
        "0e:49:61:0f:c3:11=ens5",
        "0e:49:61:0f:c3:22=ens7",
        "0e:49:61:0f:c3:33=ens6",
        "0e:49:61:0f:c3:44=ens8",
    ])
    .expect("fixed names");
    if let Ok(plans) = eniplan::plans_from_aws_metadata(text, &names) {
        metadata_checks::check(&plans);
    }
});
