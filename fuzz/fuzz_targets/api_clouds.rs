//! Any text as a cloud API's output — the ENIs' listing and the subnets', split at the first
//! NUL byte — for Alibaba Cloud, EC2 or Azure (told by its shape): never a panic, and every
//! plan that comes out holds what metadata_checks.rs states.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "metadata_checks.rs"]
mod metadata_checks;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (interfaces, subnets) = text.split_once('\0').unwrap_or((text, ""));
    // The MACs of the seed cases (tests/sources/api, aws-api, azure-api).
    let mut context = eniplan::ApiContext {
        names: eniplan::NicNames::from_pairs(&[
            "00:16:3e:16:43:aa=eth0",
            "00:16:3e:16:43:bb=eth1",
            "0e:49:61:0f:c3:11=ens5",
            "0e:49:61:0f:c3:22=ens7",
            "0e:49:61:0f:c3:33=ens6",
            "0e:49:61:0f:c3:44=ens8",
            "00:0d:3a:f8:06:ec=eth2",
            "00:0d:3a:f8:06:ed=eth3",
        ])
        .expect("fixed names"),
        instance: None,
        ..Default::default()
    };
    context.add_gateway("192.168.1.253");
    if let Ok((_, plans)) = eniplan::plans_from_cloud_api(interfaces, subnets, None, &context) {
        metadata_checks::check(&plans);
    }
});
