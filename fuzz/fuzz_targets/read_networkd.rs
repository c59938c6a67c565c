//! Any text as /etc/systemd/network/10-eth0.network, read as networkd reads it: never a panic; a plan that comes out
//! carries only what the file holds, and reading is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let target = eniplan::Target::parse("networkd").expect("a target");
    let mut files = eniplan::HostFiles::new();
    files.insert("/etc/systemd/network/10-eth0.network".into(), text.to_string());
    let first = eniplan::read(&files, target, None);
    assert_eq!(first, eniplan::read(&files, target, None));
    if let Ok(reading) = first {
        for unread in &reading.unread {
            assert_eq!(unread.file, "/etc/systemd/network/10-eth0.network");
        }
        let _ = reading.plan.validate();
    }
});
