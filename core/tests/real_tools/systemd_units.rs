//! The systemd units of `integrations/systemd/`: `systemd-analyze verify` accepts them (with
//! the unit's ExecStart pointed at the binary under test, since verify checks that the
//! command exists), the timer runs the service every minute, and the service's command line
//! is one `eniplan` takes: on a host with no cloud's DMI values it refuses before changing
//! anything, naming `cloud`.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{run, scratch};

#[test]
fn the_sync_units_verify_and_their_command_is_eniplans() {
    let units = Path::new(env!("CARGO_MANIFEST_DIR")).join("../integrations/systemd");
    let dir = scratch("systemd-units");
    let binary = env!("CARGO_BIN_EXE_eniplan");
    let service = fs::read_to_string(units.join("eniplan-sync.service")).expect("service");
    let timer = fs::read_to_string(units.join("eniplan-sync.timer")).expect("timer");
    let exec = service
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("an ExecStart line")
        .to_string();
    assert!(exec.starts_with("/usr/local/bin/eniplan sync "), "{exec}");
    fs::write(
        dir.join("eniplan-sync.service"),
        service.replace("/usr/local/bin/eniplan", binary),
    )
    .expect("service copy");
    fs::write(dir.join("eniplan-sync.timer"), &timer).expect("timer copy");
    let verified = run(Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(dir.join("eniplan-sync.service"))
        .arg(dir.join("eniplan-sync.timer")));
    assert!(
        verified.status.success() && verified.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(timer.contains("\nOnUnitActiveSec=60s\n"), "every minute");

    // The command line, on a root with no cloud's DMI values: refused, nothing changed.
    let root = scratch("systemd-root");
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    let output = run(Command::new(binary)
        .args(&args)
        .args(["--dry-run", "--root"])
        .arg(&root));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("cloud: missing; no DMI value"), "{said}");
}
