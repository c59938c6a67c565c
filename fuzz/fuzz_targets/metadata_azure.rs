//! Any text as an Azure IMDS metadata document: never a panic, and every plan that
//! comes out holds what metadata_checks.rs states.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "metadata_checks.rs"]
mod metadata_checks;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The MACs of the seed documents (tests/sources/azure/valid/).
    let names = eniplan::NicNames::from_pairs(&[
        "00:0d:3a:f8:06:ec=eth0",
        "00:0d:3a:f8:06:ed=eth1",
    ])
    .expect("fixed names");
    if let Ok(plans) = eniplan::plans_from_azure_metadata(text, &names) {
        metadata_checks::check(&plans);
    }
});
