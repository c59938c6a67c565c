//! Any text as /etc/sysconfig/network/ifcfg-eth0, read as sles-15 reads it: never a panic; a plan that comes out
//! carries only what the file holds, and reading is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let target = eniplan::Target::parse("sles-15").expect("a target");
    let mut files = eniplan::HostFiles::new();
    files.insert("/etc/sysconfig/network/ifcfg-eth0".into(), text.to_string());
    let first = eniplan::read(&files, target, None);
    assert_eq!(first, eniplan::read(&files, target, None));
    if let Ok(reading) = first {
        for unread in &reading.unread {
            assert_eq!(unread.file, "/etc/sysconfig/network/ifcfg-eth0");
        }
        let _ = reading.plan.validate();
    }
});
