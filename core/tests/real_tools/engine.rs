//! `eniplan apply` and `eniplan rollback` for real, on ifupdown: the engine runs inside a
//! network namespace (the host) whose NICs are veth interfaces with their peers in a second
//! namespace (the gateways, which hold the gateway addresses), and inside a mount namespace of
//! its own whose `/etc` and `/var` are overlays with the test's directories on top, whose
//! `/etc/network` is the test's, and whose `/run` is the test's: the real `ifdown`/`ifup` run
//! as Debian's networking.service runs them, and nothing reaches this machine's own `/etc`,
//! `/var`, `/run` or interfaces; no packet leaves the two namespaces.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use eniplan::kernel::{IpJson, KernelState};
use eniplan::{EniPlan, Plan};

use crate::support::{run, scratch, succeeded};

/// The host and gateway namespaces, and the test's root.
struct Host {
    name: String,
    gateways: String,
    root: PathBuf,
    /// The host's NetworkManager, when it runs one.
    network_manager: Option<std::process::Child>,
}

impl Host {
    /// A Debian 10 host: `/etc/network/interfaces` with the loopback and a `source` of
    /// interfaces.d, ifupdown's hook directories, and one veth NIC per `(name, gateway)`
    /// whose peer in the gateway namespace holds the gateway address (none: nobody answers).
    fn debian(nics: &[(&str, Option<&str>)]) -> Host {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("enih-{}-{n}", std::process::id());
        let gateways = format!("enig-{}-{n}", std::process::id());
        let root = scratch("engine");
        for dir in [
            "etc/sysconfig/network-scripts",
            "etc/sysconfig/network",
            "etc/netplan",
            "etc/systemd/network",
            "etc/NetworkManager/system-connections",
            "etc/network/interfaces.d",
            "etc/network/if-pre-up.d",
            "etc/network/if-up.d",
            "etc/network/if-down.d",
            "etc/network/if-post-down.d",
            "run/network",
            "etc-up",
            "etc-work",
            "var-up",
            "var-work",
        ] {
            fs::create_dir_all(root.join(dir)).expect("layout");
        }
        fs::write(
            root.join("etc/network/interfaces"),
            "# The loopback network interface\nauto lo\niface lo inet loopback\n\n\
             source /etc/network/interfaces.d/*\n",
        )
        .expect("interfaces");
        let host = Host {
            name,
            gateways,
            root,
            network_manager: None,
        };
        for namespace in [&host.name, &host.gateways] {
            ip(&["netns", "add", namespace]);
            ip(&["-n", namespace, "link", "set", "lo", "up"]);
        }
        for (index, (nic, gateway)) in nics.iter().enumerate() {
            let peer = format!("gw{index}");
            ip(&[
                "link",
                "add",
                nic,
                "netns",
                &host.name,
                "type",
                "veth",
                "peer",
                "name",
                &peer,
                "netns",
                &host.gateways,
            ]);
            ip(&["-n", &host.gateways, "link", "set", &peer, "up"]);
            if let Some(gateway) = gateway {
                ip(&[
                    "-n",
                    &host.gateways,
                    "addr",
                    "add",
                    &format!("{gateway}/24"),
                    "dev",
                    &peer,
                ]);
            }
        }
        host
    }

    /// A host whose network NetworkManager manages: the Debian layout plus `profiles` (file
    /// name, keyfile) in `/etc/NetworkManager/system-connections/`, and the real
    /// NetworkManager daemon with a system D-Bus of its own, both in the host's network
    /// namespace and in a mount and UTS namespace of their own: `/etc/NetworkManager`,
    /// `/run` (where the bus's socket is) and `/var/lib/NetworkManager` are the test's, and
    /// `/sys` is mounted read-only, which makes NetworkManager take links as they come instead
    /// of waiting for udev, which does not run here (`nm_linux_platform_new`: udev only when
    /// `/sys` is writable, src/libnm-platform/nm-linux-platform.c). Its configuration (outside
    /// the host's files) loads the keyfile plugin only, creates no automatic DHCP profile
    /// and never sets the hostname. Waits until it manages the NICs.
    fn with_network_manager(nics: &[(&str, Option<&str>)], profiles: &[(&str, &str)]) -> Host {
        let mut host = Host::debian(nics);
        let root = host.root.clone();
        let connections = root.join("etc/NetworkManager/system-connections");
        for (name, text) in profiles {
            let path = connections.join(name);
            fs::write(&path, text).expect("profile");
            // NetworkManager ignores a keyfile others can read.
            let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
            fs::set_permissions(&path, private).expect("profile mode");
        }
        for dir in ["nm-state", "nm-etc-up", "nm-etc-work", "run/dbus"] {
            fs::create_dir_all(root.join(dir)).expect("layout");
        }
        let config = root.join("NetworkManager.conf");
        fs::write(
            &config,
            "[main]\nplugins=keyfile\nno-auto-default=*\nhostname-mode=none\n\
             dns=none\n\n[logging]\nlevel=INFO\n",
        )
        .expect("config");
        let root_text = root.display();
        let script = format!(
            "set -e
             mount -t overlay overlay -o lowerdir=/etc,upperdir={root_text}/nm-etc-up,workdir={root_text}/nm-etc-work /etc
             mount --bind {root_text}/etc/NetworkManager /etc/NetworkManager
             mount --bind {root_text}/etc/network /etc/network
             mkdir -p /var/lib/NetworkManager
             mount --bind {root_text}/nm-state /var/lib/NetworkManager
             mount --bind {root_text}/run /run
             mount -o remount,ro /sys
             dbus-daemon --system --fork
             exec NetworkManager --no-daemon --config {root_text}/NetworkManager.conf"
        );
        let log = fs::File::create(root.join("NetworkManager.log")).expect("log");
        let daemon = Command::new("ip")
            .args([
                "netns", "exec", &host.name, "unshare", "-m", "-u", "sh", "-c", &script,
            ])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("NetworkManager starts");
        host.network_manager = Some(daemon);
        let names: Vec<&str> = nics.iter().map(|(nic, _)| *nic).collect();
        wait_for(20, "NetworkManager managing the NICs", || {
            let devices = host.nmcli(&["-t", "-f", "DEVICE,STATE", "device"]);
            names.iter().all(|nic| {
                devices.lines().any(|line| {
                    line.strip_prefix(nic)
                        .and_then(|rest| rest.strip_prefix(':'))
                        .is_some_and(|state| !state.starts_with("unmanaged"))
                })
            }) && profiles.iter().all(|(name, _)| {
                let id = name.trim_end_matches(".nmconnection");
                host.nmcli(&["-t", "-f", "NAME,DEVICE", "connection", "show", "--active"])
                    .lines()
                    .any(|line| line.starts_with(&format!("{id}:")))
            })
        });
        host
    }

    /// NetworkManager's view of the host: each active profile with its device and the IP
    /// settings it holds in memory (which a restored file alone does not change).
    fn network_manager_view(&self) -> String {
        let active = self.nmcli(&["-t", "-f", "UUID,DEVICE", "connection", "show", "--active"]);
        let mut view = String::new();
        for line in active.lines() {
            let uuid = line.split(':').next().unwrap_or_default();
            view.push_str(line);
            view.push('\n');
            view.push_str(&self.nmcli(&[
                "-t",
                "-f",
                "ipv4.method,ipv4.addresses,ipv4.gateway",
                "connection",
                "show",
                "uuid",
                uuid,
            ]));
        }
        view
    }

    /// `nmcli` in the host (its output; empty when it fails).
    fn nmcli(&self, args: &[&str]) -> String {
        let root = self.root.display();
        let script = format!("mount --bind {root}/run /run && exec nmcli \"$@\"");
        let output = run(Command::new("ip")
            .args([
                "netns", "exec", &self.name, "unshare", "-m", "sh", "-c", &script, "sh",
            ])
            .args(args));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs eniplan inside the host: its network namespace and a mount namespace of its own.
    fn eniplan(&self, args: &[&str]) -> Output {
        run(&mut self.command(args))
    }

    fn command(&self, args: &[&str]) -> Command {
        let root = self.root.display();
        let script = format!(
            "set -e
             mount -t overlay overlay -o lowerdir=/etc,upperdir={root}/etc-up,workdir={root}/etc-work /etc
             for dir in network sysconfig netplan systemd/network NetworkManager; do
               mkdir -p /etc/$dir
               mount --bind {root}/etc/$dir /etc/$dir
             done
             mount -t overlay overlay -o lowerdir=/var,upperdir={root}/var-up,workdir={root}/var-work /var
             mount --bind {root}/run /run
             # The host has no DMI values: whatever this machine's say is hidden.
             if [ -d /sys/class/dmi ]; then mount -t tmpfs tmpfs /sys/class/dmi; fi
             exec \"$@\""
        );
        let mut command = Command::new("ip");
        command
            .args([
                "netns", "exec", &self.name, "unshare", "-m", "sh", "-c", &script, "sh",
            ])
            .arg(env!("CARGO_BIN_EXE_eniplan"))
            .args(args);
        command
    }

    fn plan_file(&self, name: &str, yaml: &str) -> String {
        let path = self.root.join(name);
        fs::write(&path, yaml).expect("plan");
        path.display().to_string()
    }

    /// The running state of the host namespace, as the engine reads it.
    fn state(&self) -> KernelState {
        let out = |argv: &[&str]| -> String {
            let mut full = vec!["-n", self.name.as_str()];
            full.extend(&argv[1..]);
            succeeded("ip", &run(Command::new("ip").args(&full))).expect("ip -j")
        };
        let json = IpJson {
            addresses: out(IpJson::COMMANDS[0]),
            routes4: out(IpJson::COMMANDS[1]),
            routes6: out(IpJson::COMMANDS[2]),
            rules4: out(IpJson::COMMANDS[3]),
            rules6: out(IpJson::COMMANDS[4]),
        };
        KernelState::parse(&json).expect("ip -j parses")
    }

    /// Every file of the host's network configuration and eniplan's journal, by path.
    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        for top in ["etc", "etc-up"] {
            collect(&self.root.join(top), &self.root, &mut files);
        }
        files
    }

    fn journal_dir(&self) -> PathBuf {
        self.root.join("var-up/lib/eniplan")
    }

    fn backup_sets(&self) -> usize {
        fs::read_dir(self.root.join("var-up/backups/eniplan"))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(mut daemon) = self.network_manager.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
        // The bus the daemon used (it forked away from the launcher).
        if let Ok(pid) = fs::read_to_string(self.root.join("run/dbus/pid")) {
            let _ = Command::new("kill").arg(pid.trim()).output();
        }
        for namespace in [&self.name, &self.gateways] {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .output();
        }
    }
}

fn ip(args: &[&str]) {
    succeeded(
        &format!("ip {}", args.join(" ")),
        &run(Command::new("ip").args(args)),
    )
    .unwrap_or_else(|error| panic!("{error}"));
}

fn collect(dir: &Path, base: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, into);
        } else {
            let key = path
                .strip_prefix(base)
                .expect("under base")
                .display()
                .to_string();
            into.insert(key, fs::read(&path).unwrap_or_default());
        }
    }
}

fn validated(yaml: &str) -> Vec<Plan> {
    eniplan::plans_from_text(yaml)
        .expect("plans")
        .iter()
        .map(|plan: &EniPlan| plan.validate().expect("valid"))
        .collect()
}

fn scope(plans: &[Plan]) -> (Vec<String>, Vec<u32>) {
    (
        plans.iter().map(|p| p.interface().to_string()).collect(),
        plans.iter().filter_map(Plan::route_table).collect(),
    )
}

fn status(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn said(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const ONE_NIC: &str =
    "interface: eth1\nprimary: 192.168.2.10\nsecondaries: [192.168.2.11, 192.168.2.12]\n\
                       prefix: 24\ngateway: 192.168.2.253\n";

/// A good plan: applied by the real ifdown/ifup, verified in the namespace, journaled as the
/// last apply; a second apply finds nothing to do and writes nothing.
#[test]
fn a_good_plan_is_applied_verified_and_a_second_run_changes_nothing() {
    let host = Host::debian(&[("eth1", Some("192.168.2.253"))]);
    let plan = host.plan_file("plan.yaml", ONE_NIC);
    let output = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&output), 0, "{}", said(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("applied and verified"), "{text}");
    assert!(text.contains("ran: ifup -a --read-environment"), "{text}");
    let plans = validated(ONE_NIC);
    let verification = eniplan::kernel::verify(&plans, &host.state());
    assert!(verification.holds(), "{verification}");
    assert!(host.journal_dir().join("last.json").is_file());
    assert!(!host.journal_dir().join("pending.json").exists());
    assert_eq!(host.backup_sets(), 1);

    let files = host.files();
    let again = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&again), 0, "{}", said(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("unchanged"),
        "{}",
        said(&again)
    );
    assert_eq!(host.files(), files, "a second run wrote");
    assert_eq!(host.backup_sets(), 1, "a second run made a backup set");
}

/// A gateway nobody holds: the apply is rolled back — the files byte for byte, the running
/// state of the interface as it was — and exits 1 naming the gateway.
#[test]
fn a_gateway_that_does_not_answer_is_rolled_back() {
    let host = Host::debian(&[("eth1", Some("192.168.2.253"))]);
    let bad = ONE_NIC.replace("192.168.2.253", "192.168.2.254");
    let plan = host.plan_file("plan.yaml", &bad);
    let (interfaces, tables) = scope(&validated(&bad));
    let files = host.files();
    let before = host.state().scoped(&interfaces, &tables);
    let output = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&output), 1, "{}", said(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("the gateway 192.168.2.254 does not answer"),
        "{}",
        said(&output)
    );
    assert_eq!(host.files(), files, "the files are not as they were");
    assert_eq!(host.state().scoped(&interfaces, &tables), before);
    assert!(!host.journal_dir().join("pending.json").exists());
}

/// The apply killed after writing (while it verifies): the journal is pending, a second apply
/// is refused naming it, and `eniplan rollback` puts the files and the running state back.
#[test]
fn a_crash_after_writing_is_restored_by_rollback_and_blocks_a_second_apply() {
    let host = Host::debian(&[("eth1", Some("192.168.2.253"))]);
    // Nobody answers for .254: the verification waits for it, long enough to kill the apply.
    let bad = ONE_NIC.replace("192.168.2.253", "192.168.2.254");
    let plan = host.plan_file("plan.yaml", &bad);
    let (interfaces, tables) = scope(&validated(&bad));
    let files = host.files();
    let before = host.state().scoped(&interfaces, &tables);
    let mut child = host
        .command(&["apply", &plan, "--os", "debian-10"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apply starts");
    let pending = host.journal_dir().join("pending.json");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let phase = fs::read_to_string(&pending).unwrap_or_default();
        if phase.contains("\"verifying\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the apply never reached verifying"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // `ip netns exec`, `unshare` and `sh` each exec the next: the child is eniplan itself.
    child.kill().expect("kill");
    let _ = child.wait();
    assert_ne!(
        host.files(),
        files,
        "the crash came before the files were written"
    );

    let second = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&second), 2, "{}", said(&second));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("an apply is pending"),
        "{}",
        said(&second)
    );

    let rollback = host.eniplan(&["rollback"]);
    assert_eq!(status(&rollback), 1, "{}", said(&rollback));
    assert_eq!(host.files(), files, "rollback left the files changed");
    assert_eq!(host.state().scoped(&interfaces, &tables), before);
    assert!(!pending.exists());
    let nothing = host.eniplan(&["rollback"]);
    assert_eq!(status(&nothing), 2, "{}", said(&nothing));
}

/// Two ENIs: eth1 with the main default route, eth2 with its own table and rules, each
/// gateway in the gateway namespace. Verified; then eth2's gateway changed to one nobody holds
/// is rolled back to the verified state.
#[test]
fn an_instance_with_a_secondary_eni_is_verified_and_its_bad_change_rolled_back() {
    let host = Host::debian(&[
        ("eth1", Some("192.168.2.253")),
        ("eth2", Some("192.168.3.253")),
    ]);
    let instance = format!(
        "- {}\n- interface: eth2\n  primary: 192.168.3.10\n  secondaries: [192.168.3.11]\n  \
         prefix: 24\n  gateway: 192.168.3.253\n  route_table: 1001\n",
        ONE_NIC.trim_end().replace('\n', "\n  ")
    );
    let plan = host.plan_file("instance.yaml", &instance);
    let output = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&output), 0, "{}", said(&output));
    let plans = validated(&instance);
    let verification = eniplan::kernel::verify(&plans, &host.state());
    assert!(verification.holds(), "{verification}");

    let bad = instance.replace("gateway: 192.168.3.253", "gateway: 192.168.3.254");
    let bad_plan = host.plan_file("bad.yaml", &bad);
    let (interfaces, tables) = scope(&plans);
    let files = host.files();
    let before = host.state().scoped(&interfaces, &tables);
    let output = host.eniplan(&["apply", &bad_plan, "--os", "debian-10"]);
    assert_eq!(status(&output), 1, "{}", said(&output));
    assert_eq!(host.files(), files);
    assert_eq!(host.state().scoped(&interfaces, &tables), before);
    let verification = eniplan::kernel::verify(&plans, &host.state());
    assert!(verification.holds(), "after the rollback: {verification}");
}

/// Waits until `done` holds, for at most `seconds`.
fn wait_for(seconds: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `--confirm-within`: a confirmed change is kept after its deadline; an unconfirmed one is
/// rolled back by the timer to the state before it (files and running state), which writes
/// its report beside the journal; another apply is refused while one waits.
#[test]
fn a_confirmed_change_is_kept_and_an_unconfirmed_one_rolls_back_by_itself() {
    let host = Host::debian(&[("eth1", Some("192.168.2.253"))]);
    let plan = host.plan_file("plan.yaml", ONE_NIC);
    // Time enough to confirm on a loaded machine (two more eniplan runs come first).
    let output = host.eniplan(&["apply", &plan, "--os", "debian-10", "--confirm-within", "8"]);
    assert_eq!(status(&output), 0, "{}", said(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("waiting for `eniplan confirm`"),
        "{}",
        said(&output)
    );
    let refused = host.eniplan(&["apply", &plan, "--os", "debian-10"]);
    assert_eq!(status(&refused), 2, "{}", said(&refused));
    let confirmed = host.eniplan(&["confirm"]);
    assert_eq!(status(&confirmed), 0, "{}", said(&confirmed));
    // Past the deadline, the confirmed change stands.
    std::thread::sleep(Duration::from_secs(10));
    let plans = validated(ONE_NIC);
    let verification = eniplan::kernel::verify(&plans, &host.state());
    assert!(
        verification.holds(),
        "a confirmed change was undone: {verification}"
    );
    assert_eq!(status(&host.eniplan(&["confirm"])), 2, "confirmed twice");

    // One more secondary, never confirmed.
    let (interfaces, tables) = scope(&plans);
    let files = host.files();
    let before = host.state().scoped(&interfaces, &tables);
    let more = ONE_NIC.replace("192.168.2.12]", "192.168.2.12, 192.168.2.13]");
    let next = host.plan_file("more.yaml", &more);
    let output = host.eniplan(&["apply", &next, "--os", "debian-10", "--confirm-within", "2"]);
    assert_eq!(status(&output), 0, "{}", said(&output));
    assert!(eniplan::kernel::verify(&validated(&more), &host.state()).holds());
    let pending = host.journal_dir().join("pending.json");
    wait_for(15, "the timer's rollback", || {
        !pending.exists() && !host.journal_dir().join("rolling-back.json").exists()
    });
    assert_eq!(host.files(), files, "the timer left the files changed");
    assert_eq!(host.state().scoped(&interfaces, &tables), before);
    let logs: Vec<String> = fs::read_dir(host.journal_dir())
        .expect("journal dir")
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".log"))
        .map(|entry| fs::read_to_string(entry.path()).unwrap_or_default())
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].starts_with("rolled back"), "{}", logs[0]);
}

/// The caller killed while the change waits for its confirmation (an SSH session dropped, an
/// Ansible task killed: its whole process group): the timer lives in a session of its own and
/// still rolls the change back.
#[test]
fn the_rollback_happens_when_the_caller_is_killed() {
    use std::os::unix::process::CommandExt as _;
    let host = Host::debian(&[("eth1", Some("192.168.2.253"))]);
    let plan = host.plan_file("plan.yaml", ONE_NIC);
    let (interfaces, tables) = scope(&validated(ONE_NIC));
    let files = host.files();
    let before = host.state().scoped(&interfaces, &tables);
    let apply = host.command(&["apply", &plan, "--os", "debian-10", "--confirm-within", "3"]);
    // The caller: a shell that applies, then waits (as an SSH session would).
    let line = format!(
        "{} ; sleep 60",
        std::iter::once(apply.get_program())
            .chain(apply.get_args())
            .map(|word| format!("'{}'", word.to_string_lossy().replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut caller = Command::new("sh")
        .args(["-c", &line])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("caller starts");
    let pending = host.journal_dir().join("pending.json");
    wait_for(20, "the apply waiting", || {
        fs::read_to_string(&pending).is_ok_and(|text| text.contains("\"waiting\""))
    });
    let group = format!("-{}", caller.id());
    let killed = run(Command::new("kill").args(["-KILL", "--", &group]));
    assert!(killed.status.success(), "kill: {killed:?}");
    let _ = caller.wait();
    wait_for(15, "the timer's rollback", || {
        !pending.exists() && !host.journal_dir().join("rolling-back.json").exists()
    });
    assert_eq!(host.files(), files);
    assert_eq!(host.state().scoped(&interfaces, &tables), before);
}

/// Runs `eniplan` with `args` (an apply) and checks that it succeeded and that the host's
/// running state holds `plans`: what failed, in words.
fn applied_and_verified(host: &Host, args: &[&str], plans: &[Plan]) -> Result<(), String> {
    let output = host.eniplan(args);
    if status(&output) != 0 {
        return Err(format!("apply: {}", said(&output)));
    }
    let verification = eniplan::kernel::verify(plans, &host.state());
    if !verification.holds() {
        return Err(format!("after apply: {verification}"));
    }
    Ok(())
}

/// The stand-in for a daemon's restart, for the families whose daemon cannot run here
/// (`scripts/restart_standin.py` says what it does: the real tool's reader where the tool is
/// here — bash for ifcfg, `netplan generate`, libnm — then `ip`).
fn standin(family: &str) -> String {
    format!(
        "/usr/bin/python3 {}/tests/real_tools/scripts/restart_standin.py {family}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Every file family but ifupdown, on the engine: a two-ENI instance (eth1 with the main
/// default route, eth2 with its own table and rules) is applied and verified, then a change
/// of eth2's gateway to one nobody holds is rolled back to it — files byte for byte, running
/// state as before. The restart is the stand-in; the engine (journal, write, verify, probe,
/// rollback, convergence) is the real one.
#[test]
fn every_file_family_is_verified_and_rolled_back_on_the_engine() {
    let instance = format!(
        "- {}\n- interface: eth2\n  primary: 192.168.3.10\n  secondaries: [192.168.3.11]\n  \
         prefix: 24\n  gateway: 192.168.3.253\n  route_table: 1001\n",
        ONE_NIC.trim_end().replace('\n', "\n  ")
    );
    let plans = validated(&instance);
    let (interfaces, tables) = scope(&plans);
    let mut failures = Vec::new();
    for (target, family) in [
        ("centos-7", "rhel"),
        ("sles-15", "suse"),
        ("ubuntu-22.04", "netplan"),
        ("networkd", "networkd"),
        ("rhel-9", "keyfile"),
    ] {
        let host = Host::debian(&[
            ("eth1", Some("192.168.2.253")),
            ("eth2", Some("192.168.3.253")),
        ]);
        let plan = host.plan_file("instance.yaml", &instance);
        let restart = standin(family);
        let args = ["apply", &plan, "--os", target, "--restart-with", &restart];
        if let Err(failure) = applied_and_verified(&host, &args, &plans) {
            failures.push(format!("{target}: {failure}"));
            continue;
        }
        let bad = host.plan_file(
            "bad.yaml",
            &instance.replace("gateway: 192.168.3.253", "gateway: 192.168.3.254"),
        );
        let files = host.files();
        let before = host.state().scoped(&interfaces, &tables);
        let output = host.eniplan(&["apply", &bad, "--os", target, "--restart-with", &restart]);
        if status(&output) != 1 {
            failures.push(format!("{target}: bad apply: {}", said(&output)));
            continue;
        }
        if host.files() != files {
            failures.push(format!("{target}: the rollback left the files changed"));
        }
        let after = host.state().scoped(&interfaces, &tables);
        if after != before {
            failures.push(format!(
                "{target}: running state {after:#?}\nbefore {before:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The profile a NetworkManager host starts with for eth1, by its id: static, the primary
/// only (as cloud-init or an installer leaves it), active.
fn starting_profile(id: &str) -> String {
    format!(
        "[connection]\nid={id}\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\n\
         interface-name=eth1\n\n[ipv4]\nmethod=manual\naddress1=192.168.2.10/24\n\
         gateway=192.168.2.253\n\n[ipv6]\nmethod=ignore\n"
    )
}

/// The families NetworkManager drives, with the real NetworkManager daemon: keyfile (RHEL 9:
/// eniplan writes a profile of its own beside cloud-init's and activates it) and nmcli
/// (eniplan modifies the host's `System eth1` with `nmcli con modify` and reactivates it).
/// From the starting host, a plan whose gateway nobody holds is rolled back: the profile files
/// byte for byte, NetworkManager holding and running the profile it ran before, the running
/// state as before. Then a good plan is applied and verified, a second run changes nothing,
/// and a changed plan (one more secondary) runs its commands again and is verified; a change
/// left unconfirmed is rolled back by the timer, NetworkManager's profiles included.
#[test]
fn networkmanager_families_are_applied_and_rolled_back_by_the_real_daemon() {
    let mut failures = Vec::new();
    for (target, starting) in [("rhel-9", "cloud-init eth1"), ("nmcli", "System eth1")] {
        let host = Host::with_network_manager(
            &[("eth1", Some("192.168.2.253"))],
            &[(
                &format!("{starting}.nmconnection"),
                &starting_profile(starting),
            )],
        );
        let plans = validated(ONE_NIC);
        let (interfaces, tables) = scope(&plans);
        let rolled_back_to_what_was = |failures: &mut Vec<String>, step: &str, plan: &str| {
            let files = host.files();
            let held = host.network_manager_view();
            let before = host.state().scoped(&interfaces, &tables);
            let output = host.eniplan(&["apply", plan, "--os", target]);
            if status(&output) != 1 {
                failures.push(format!("{target}: {step}: {}", said(&output)));
                return;
            }
            if host.files() != files {
                failures.push(format!("{target}: {step}: the files are not as they were"));
            }
            let now = host.network_manager_view();
            if now != held {
                failures.push(format!(
                    "{target}: {step}: NetworkManager holds\n{now}\nbefore\n{held}"
                ));
            }
            let after = host.state().scoped(&interfaces, &tables);
            if after != before {
                failures.push(format!(
                    "{target}: {step}: running state {after:#?}\nbefore {before:#?}"
                ));
            }
        };
        let bad = host.plan_file("bad.yaml", &ONE_NIC.replace(".253", ".254"));
        rolled_back_to_what_was(&mut failures, "a bad first apply", &bad);

        let plan = host.plan_file("plan.yaml", ONE_NIC);
        if let Err(failure) = applied_and_verified(&host, &["apply", &plan, "--os", target], &plans)
        {
            failures.push(format!("{target}: {failure}"));
            continue;
        }
        let files = host.files();
        let again = host.eniplan(&["apply", &plan, "--os", target]);
        if status(&again) != 0 || !String::from_utf8_lossy(&again.stdout).starts_with("unchanged") {
            failures.push(format!("{target}: second run: {}", said(&again)));
        }
        if host.files() != files {
            failures.push(format!("{target}: the second run wrote"));
        }
        let more = ONE_NIC.replace("192.168.2.12]", "192.168.2.12, 192.168.2.13]");
        let next = host.plan_file("more.yaml", &more);
        let output = host.eniplan(&["apply", &next, "--os", target]);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if status(&output) != 0 || !text.contains("ran: nmcli") {
            failures.push(format!("{target}: a changed plan: {}", said(&output)));
        }
        let verification = eniplan::kernel::verify(&validated(&more), &host.state());
        if !verification.holds() {
            failures.push(format!("{target}: after the change: {verification}"));
        }
        // A plan that drops an address takes it away: the addresses of the profile it
        // replaces are eniplan's, not a person's. Then back to `more`.
        for (step, yaml) in [
            ("dropping one", ONE_NIC),
            ("adding it again", more.as_str()),
        ] {
            let file = host.plan_file("step.yaml", yaml);
            let output = host.eniplan(&["apply", &file, "--os", target]);
            // The strict verification: no address besides the plan's.
            let verification = eniplan::kernel::verify(&validated(yaml), &host.state());
            if status(&output) != 0 || !verification.holds() {
                failures.push(format!(
                    "{target}: {step}: {}\n{verification}",
                    said(&output)
                ));
            }
        }
        rolled_back_to_what_was(&mut failures, "a bad change", &bad);

        // A change never confirmed: the timer's rollback restores NetworkManager too.
        let files = host.files();
        let held = host.network_manager_view();
        let before = host.state().scoped(&interfaces, &tables);
        let fewer = host.plan_file("fewer.yaml", ONE_NIC);
        let output = host.eniplan(&["apply", &fewer, "--os", target, "--confirm-within", "2"]);
        if status(&output) != 0 {
            failures.push(format!("{target}: apply to confirm: {}", said(&output)));
            continue;
        }
        let pending = host.journal_dir().join("pending.json");
        wait_for(20, "the timer's rollback", || {
            !pending.exists() && !host.journal_dir().join("rolling-back.json").exists()
        });
        if host.files() != files || host.network_manager_view() != held {
            failures.push(format!(
                "{target}: the timer's rollback left NetworkManager or its files changed:\n{}",
                host.network_manager_view()
            ));
        }
        if host.state().scoped(&interfaces, &tables) != before {
            failures.push(format!(
                "{target}: the timer's rollback left the running state"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The EC2 metadata tree the sync test's cloud starts from: eth1's ENI with its primary and one
/// secondary in 10.0.1.0/24 (the VPC router, the gateway, at 10.0.1.1).
fn ec2_tree(addresses: &[&str]) -> String {
    serde_json::json!({
        "mac": "0e:49:61:0f:c3:11",
        "placement": {"region": "us-east-1"},
        "network": {"interfaces": {"macs": {"0e:49:61:0f:c3:11": {
            "device-number": "0",
            "interface-id": "eni-0f95d3625f5c521cc",
            "local-ipv4s": addresses.join("\n"),
            "subnet-ipv4-cidr-block": "10.0.1.0/24",
        }}}}
    })
    .to_string()
}

/// `eniplan sync` end to end: an EC2 metadata service (IMDSv2 required,
/// `scripts/metadata_server.py`) runs inside the host's namespace on 127.0.0.1, and each
/// sync fetches, plans with the host's NIC name for the MAC, and applies through the engine
/// with the real ifdown/ifup, on a NIC that already holds its primary address from outside
/// ifupdown. A dry run says there is a change (exit 1), the sync applies it
/// and a second dry run finds none; an address the cloud assigns appears, one it unassigns
/// disappears, one a person added by hand stays; and a crawl that breaks midway (a 500, a
/// service that stops answering, a body cut short) exits 2 naming the key and changes
/// nothing, though the cloud's answer changed.
#[test]
fn sync_follows_the_cloud_and_changes_nothing_from_a_partial_answer() {
    let host = Host::debian(&[("eth1", Some("10.0.1.1"))]);
    ip(&[
        "-n",
        &host.name,
        "link",
        "set",
        "eth1",
        "address",
        "0e:49:61:0f:c3:11",
    ]);
    // Before the first sync the NIC has its primary from outside ifupdown (as a DHCP client
    // or cloud-init's first boot leaves it): `ifdown` does not take it off, and the start
    // must not fail on it ("Address already assigned").
    ip(&[
        "-n",
        &host.name,
        "addr",
        "add",
        "10.0.1.10/24",
        "dev",
        "eth1",
    ]);
    let tree = host.root.join("cloud.json");
    let fail = host.root.join("cloud-fails");
    fs::write(&tree, ec2_tree(&["10.0.1.10", "10.0.1.11"])).expect("tree");
    let mut server = Command::new("ip")
        .args(["netns", "exec", &host.name, "python3"])
        .arg(format!(
            "{}/tests/real_tools/scripts/metadata_server.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(&tree)
        .arg(&fail)
        .arg("8080")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the metadata service starts");
    {
        use std::io::BufRead as _;
        let mut ready = String::new();
        let stdout = server.stdout.as_mut().expect("stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut ready)
            .expect("ready");
        assert_eq!(ready.trim(), "ready");
    }
    let sync = |extra: &[&str]| {
        // `--cloud auto` on a host without DMI values: the service tells by its answer.
        let mut args = vec![
            "sync",
            "--cloud",
            "auto",
            "--metadata-url",
            "http://127.0.0.1:8080",
            "--os",
            "debian-10",
        ];
        args.extend(extra);
        host.eniplan(&args)
    };
    let addresses = || -> Vec<String> {
        let mut found: Vec<String> = host
            .state()
            .links
            .get("eth1")
            .map(|link| {
                link.addresses
                    .iter()
                    .filter(|a| a.net.addr().is_ipv4())
                    .map(|a| a.net.to_string())
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    };
    let mut failures = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            failures.push(format!("{what}: {detail}"));
        }
    };

    let preview = sync(&["--dry-run"]);
    check("a dry run before", status(&preview) == 1, said(&preview));
    check(
        "the cloud told by the probe",
        String::from_utf8_lossy(&preview.stderr).contains("note: --cloud auto: aws (no DMI value"),
        said(&preview),
    );
    let first = sync(&[]);
    check("the first sync", status(&first) == 0, said(&first));
    check(
        "after the first sync",
        addresses() == ["10.0.1.10/24", "10.0.1.11/24"],
        format!("{:?}", addresses()),
    );
    let again = sync(&["--dry-run"]);
    check("a dry run after", status(&again) == 0, said(&again));

    // A person adds an address by hand: it is no change to make, and it stays through the
    // syncs below (whose restart, ifdown/ifup, flushes the interface).
    ip(&[
        "-n",
        &host.name,
        "addr",
        "add",
        "10.0.1.99/24",
        "dev",
        "eth1",
    ]);
    let by_hand = sync(&["--dry-run"]);
    check(
        "a dry run beside a hand-added address",
        status(&by_hand) == 0,
        said(&by_hand),
    );

    fs::write(&tree, ec2_tree(&["10.0.1.10", "10.0.1.11", "10.0.1.12"])).expect("tree");
    let assigned = sync(&[]);
    check(
        "an address assigned",
        status(&assigned) == 0,
        said(&assigned),
    );
    check(
        "after the assignment",
        addresses()
            == [
                "10.0.1.10/24",
                "10.0.1.11/24",
                "10.0.1.12/24",
                "10.0.1.99/24",
            ],
        format!("{:?}", addresses()),
    );

    fs::write(&tree, ec2_tree(&["10.0.1.10", "10.0.1.12"])).expect("tree");
    let unassigned = sync(&[]);
    check(
        "an address unassigned",
        status(&unassigned) == 0,
        said(&unassigned),
    );
    check(
        "after the unassignment",
        addresses() == ["10.0.1.10/24", "10.0.1.12/24", "10.0.1.99/24"],
        format!("{:?}", addresses()),
    );

    // The cloud changes, but the crawl breaks on a key — an error, a service that stops
    // answering, a body cut short —: nothing changes, and the exit names the key.
    let files = host.files();
    let before = addresses();
    fs::write(&tree, ec2_tree(&["10.0.1.10", "10.0.1.12", "10.0.1.13"])).expect("tree");
    for (mode, said_as) in [
        ("500", "HTTP 500"),
        ("slow", "timed out"),
        ("cut", "cut short"),
    ] {
        fs::write(&fail, format!("{mode} local-ipv4s")).expect("fail");
        let partial = sync(&[]);
        let text = said(&partial);
        check(
            &format!("a partial answer ({mode})"),
            status(&partial) == 2 && text.contains("local-ipv4s") && text.contains(said_as),
            text,
        );
        check(
            &format!("files after a partial answer ({mode})"),
            host.files() == files,
            String::new(),
        );
        check(
            &format!("addresses after a partial answer ({mode})"),
            addresses() == before,
            format!("{:?}", addresses()),
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
