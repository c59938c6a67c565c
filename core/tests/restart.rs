//! What the restart steps do on a host: run as a user types them over SSH, where the session
//! may drop (the hang-up the terminal sends) the moment the network goes down.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use eniplan::Target;

/// A fake `name` on PATH that records its arguments; `ifdown` also sleeps, as a real one takes
/// the link down for a while, long enough for the session's hang-up to arrive.
fn fake(bin: &Path, log: &Path, name: &str, sleep: &str) {
    let script = format!(
        "#!/bin/sh\nsleep {sleep}\necho \"{name} $*\" >> '{}'\n",
        log.display()
    );
    let path = bin.join(name);
    fs::write(&path, script).expect("fake tool");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The Ubuntu 14.04 restart survives a hang-up sent to its whole session while it runs: both
/// ifdown and ifup run, in that order.
#[test]
fn the_upstart_restart_survives_the_session_dropping() {
    let restart = Target::parse("ubuntu-14.04").expect("target").restart();
    assert_eq!(
        restart.len(),
        1,
        "one step, not two a dropped session would split"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("restart-hangup");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("calls.log");
    fake(&dir, &log, "ifdown", "0.5");
    fake(&dir, &log, "ifup", "0");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let argv = &restart[0].argv;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&restart[0].shell)
        .env("PATH", path)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: the "session" the hang-up goes to.
        .process_group(0)
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(200));
    let group = format!("-{}", child.id());
    let hangup = Command::new("kill")
        .args(["-HUP", "--", &group])
        .status()
        .expect("kill");
    assert!(hangup.success());
    let _ = child.wait();
    // The detached work goes on after the shell that started it is gone.
    for _ in 0..50 {
        if fs::read_to_string(&log).is_ok_and(|text| text.lines().count() == 2) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let calls = fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        calls, "ifdown --exclude=lo -a\nifup --exclude=lo -a\n",
        "{argv:?}"
    );
}
