//! Shared machinery of the real-tool tests: the corpus, running tools, namespaces.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use eniplan::{EniPlan, Mode, OsFamily, Plan, Rendering, Target};

use crate::common;

/// Generated plans per family and run, on top of the snapshot cases.
pub const GENERATED_PER_FAMILY: usize = 200;

/// One plan to check: where it comes from (for the failure message) and the plan itself.
pub struct Item {
    pub label: String,
    pub raw: EniPlan,
    pub plan: Plan,
}

/// The snapshot cases that are valid, then the seeded generated plans that fit the family
/// (Linux names for Linux families, Windows adapter names for Windows).
pub fn corpus(family: OsFamily) -> Vec<Item> {
    let mut items = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("cases")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    for path in files {
        let text = fs::read_to_string(&path).expect("case");
        let raw = EniPlan::from_text(&text).expect("valid case parses");
        let plan = raw.validate().expect("valid case validates");
        let fits = renders_for_all(&plan, family);
        if fits {
            let label = format!("case {}", path.file_name().expect("name").to_string_lossy());
            items.push(Item { label, raw, plan });
        }
    }
    let salt = family as u64 + 1;
    let windows = family.is_windows();
    // Plans a target refuses on purpose (an interface name too long for alias labels) are
    // not handed to the tools; the refusal itself is a snapshot case.
    for (index, (case, plan)) in common::seeded_cases(GENERATED_PER_FAMILY * 3, salt)
        .into_iter()
        // The cloud calls name the ENI, not the NIC: any plan with a cloud section fits.
        .filter(|case| family == OsFamily::Cloud || case.windows == windows)
        .map(|case| {
            let plan = case.plan.validate().expect("generated plans are valid");
            (case, plan)
        })
        .filter(|(_, plan)| renders_for_all(plan, family))
        .take(GENERATED_PER_FAMILY)
        .enumerate()
    {
        items.push(Item {
            label: format!("generated plan #{index} (seed salt {salt})"),
            raw: case.plan,
            plan,
        });
    }
    let generated = items
        .iter()
        .filter(|item| item.label.starts_with("generated"))
        .count();
    assert_eq!(
        generated, GENERATED_PER_FAMILY,
        "not enough generated plans for {family}"
    );
    items
}

/// The targets of a family the corpus alternates between, so every variant of the family's
/// output (alias files and indexed addresses, `to: default` and `0.0.0.0/0`) meets the tool.
pub fn targets(family: OsFamily) -> Vec<Target> {
    let names: &[&str] = match family {
        OsFamily::Nmcli => &["nmcli"],
        OsFamily::Rhel => &[
            "rhel",
            "centos-8",
            "rocky-8",
            "almalinux-8",
            "openeuler-20.03",
            "openeuler-22.03",
            "openeuler-24.03",
            "kylin-v10",
            "uos-20",
        ],
        OsFamily::Netplan => &["netplan", "ubuntu-18.04", "debian-13", "ubuntu-26.04"],
        OsFamily::Ifupdown => &["ifupdown", "ubuntu-14.04"],
        OsFamily::Suse => &["suse", "sles-11"],
        OsFamily::Windows => &["windows", "windows-2025"],
        OsFamily::Keyfile => &[
            "keyfile",
            "rhel-9",
            "rocky-9",
            "rocky-10",
            "almalinux-9",
            "almalinux-10",
            "centos-10",
            "anolis-23",
            "fedora-42",
            "fedora-43",
            "sles-16",
            "opensuse-16",
        ],
        OsFamily::Networkd => &["networkd"],
        OsFamily::Powershell => &["powershell"],
        OsFamily::Cloud => &["cloud"],
    };
    names
        .iter()
        .map(|name| Target::parse(name).expect("known target"))
        .collect()
}

fn renders_for_all(plan: &Plan, family: OsFamily) -> bool {
    targets(family)
        .into_iter()
        .all(|target| eniplan::render(plan, target).is_ok())
}

/// Renders every corpus item for the family's targets (alternating) and hands each to
/// `check`; collects every failure, then fails the test listing them with the plan as YAML.
pub fn check_corpus(family: OsFamily, check: impl Fn(&Item, &Rendering) -> Result<(), String>) {
    let items = corpus(family);
    let targets = targets(family);
    let mut failures = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let target = targets[index % targets.len()];
        let rendering = match eniplan::render(&item.plan, target) {
            Ok(rendering) => rendering,
            Err(errors) => {
                failures.push(format!("{} for {target}: refused: {errors}", item.label));
                continue;
            }
        };
        let checked = shell_lines_reparse(&rendering).and_then(|()| check(item, &rendering));
        if let Err(message) = checked {
            let yaml = yaml_serde::to_string(&item.raw).unwrap_or_default();
            failures.push(format!(
                "{} for {target}: {message}\nplan:\n{yaml}",
                item.label
            ));
        }
    }
    eprintln!(
        "{family}: {} plans checked, {} failed",
        items.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} plans failed for {family}:\n\n{}",
        failures.len(),
        items.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// Every POSIX command's `shell` line, read by a real bash, must give back exactly its argv
/// (the Windows family's cmd lines are checked by the netsh grammar test instead).
fn shell_lines_reparse(rendering: &Rendering) -> Result<(), String> {
    if rendering.family.is_windows() {
        return Ok(());
    }
    let commands = rendering
        .commands
        .iter()
        .chain(&rendering.restart)
        .chain(&rendering.verify);
    for command in commands {
        let script = format!("printf '%s\\0' {}", command.shell);
        let output = run(Command::new("bash").args(["--noprofile", "--norc", "-c", &script]));
        let words = succeeded("bash", &output)?;
        let words: Vec<&str> = words
            .strip_suffix('\0')
            .unwrap_or(&words)
            .split('\0')
            .collect();
        if words != command.argv {
            return Err(format!(
                "bash reads {:?} as {words:?}, not {:?}",
                command.shell, command.argv
            ));
        }
    }
    Ok(())
}

/// Runs a command to completion, failing with its output when it cannot start.
pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error} (is it installed?)"))
}

/// Runs a command with `input` on standard input.
pub fn run_with_input(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error} (is it installed?)"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// `Ok(stdout)` when the command exited 0, otherwise its status and stderr.
pub fn succeeded(what: &str, output: &Output) -> Result<String, String> {
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// A fresh scratch directory for one check.
pub fn scratch(kind: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("real-tools")
        .join(format!("{kind}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes a rendered file under `root` with its mode.
pub fn write_under(root: &Path, path: &str, contents: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let destination = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(destination.parent().expect("parent")).expect("dirs");
    fs::write(&destination, contents).expect("write");
    fs::set_permissions(&destination, fs::Permissions::from_mode(mode)).expect("mode");
    destination
}

/// The IPv4 addresses the plan configures statically, as `address/prefix`.
pub fn expected_ipv4(plan: &Plan, windows: bool) -> Vec<String> {
    let addresses: Vec<Ipv4Addr> = if plan.mode() == Mode::Static || windows {
        plan.ipv4_addresses().collect()
    } else {
        plan.secondaries().to_vec()
    };
    addresses
        .iter()
        .map(|address| format!("{address}/{}", plan.prefix_len()))
        .collect()
}

/// The plan's IPv6 addresses as `address/prefix`.
pub fn expected_ipv6(plan: &Plan) -> Vec<String> {
    plan.ipv6()
        .map(|ipv6| {
            ipv6.addresses()
                .iter()
                .map(|address| format!("{address}/{}", ipv6.prefix_len()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn dns_of(plan: &Plan, v4: bool) -> Vec<String> {
    plan.dns()
        .iter()
        .filter(|server| server.is_ipv4() == v4)
        .map(IpAddr::to_string)
        .collect()
}

/// Sorted copy, for comparing sets of addresses.
pub fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// An INI-style file (keyfiles, systemd units) as section → list of (key, value).
pub fn parse_ini(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_string();
            sections.entry(current.clone()).or_default();
        } else if let Some((key, value)) = line.split_once('=') {
            sections
                .entry(current.clone())
                .or_default()
                .push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    sections
}

/// All values of `key` in `section` (an INI section may repeat keys, e.g. `Address=`).
pub fn values(
    ini: &BTreeMap<String, Vec<(String, String)>>,
    section: &str,
    key: &str,
) -> Vec<String> {
    ini.get(section)
        .map(|pairs| {
            pairs
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// IPv4 `(address/prefix, label)` pairs and IPv6 `address/prefix` strings of one interface.
pub type KernelAddresses = (Vec<(String, String)>, Vec<String>);

/// A network namespace made for one check, holding a veth interface named like the plan's
/// with its peer left down (no carrier: nothing can leave). Removed on drop, also when the
/// check fails.
pub struct Namespace {
    pub name: String,
}

impl Namespace {
    pub fn with_interface(interface: &str) -> Result<Namespace, String> {
        Namespace::with_interfaces(&[interface])
    }

    /// A namespace with one veth interface per name (their peers, down, in it too).
    pub fn with_interfaces(interfaces: &[&str]) -> Result<Namespace, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "eniplan-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        succeeded(
            "ip netns add",
            &run(Command::new("ip").args(["netns", "add", &name])),
        )?;
        let namespace = Namespace { name };
        for scope in ["default", "all"] {
            namespace.exec(&[
                "sh",
                "-c",
                &format!("echo 0 > /proc/sys/net/ipv6/conf/{scope}/accept_dad"),
            ])?;
        }
        for (index, interface) in interfaces.iter().enumerate() {
            // The peer gets a name no plan uses (plans' names start with a letter; the test
            // plans never use the zzpeer prefix).
            let peer = format!(
                "zzpeer{index}{}",
                if interface.starts_with("zzpeer") {
                    "x"
                } else {
                    ""
                }
            );
            succeeded(
                "ip link add veth",
                &run(Command::new("ip").args([
                    "-n",
                    &namespace.name,
                    "link",
                    "add",
                    interface,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &peer,
                ])),
            )?;
            // Duplicate address detection cannot finish on a link without carrier; turn it
            // off so IPv6 addresses become usable at once.
            namespace.exec(&[
                "sh",
                "-c",
                &format!("echo 0 > /proc/sys/net/ipv6/conf/{interface}/accept_dad"),
            ])?;
        }
        Ok(namespace)
    }

    /// Runs a command inside the namespace.
    pub fn exec(&self, argv: &[&str]) -> Result<String, String> {
        let output = run(Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(argv));
        succeeded(&argv.join(" "), &output)
    }

    /// The interface's addresses as `address/prefix`, with their labels (IPv4) — global scope
    /// only for IPv6 (the kernel adds a link-local one itself).
    pub fn addresses(&self, interface: &str) -> Result<KernelAddresses, String> {
        let v4 = succeeded(
            "ip -4 addr",
            &run(Command::new("ip").args([
                "-n", &self.name, "-4", "-o", "addr", "show", "dev", interface,
            ])),
        )?;
        let mut ipv4 = Vec::new();
        for line in v4.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let address = words
                .iter()
                .position(|w| *w == "inet")
                .map(|i| words[i + 1]);
            let label = words
                .iter()
                .position(|w| w.starts_with("valid_lft"))
                .map(|i| words[i - 1]);
            if let (Some(address), Some(label)) = (address, label) {
                ipv4.push((
                    address.to_string(),
                    label.trim_end_matches('\\').to_string(),
                ));
            }
        }
        let v6 = succeeded(
            "ip -6 addr",
            &run(Command::new("ip").args([
                "-n", &self.name, "-6", "-o", "addr", "show", "dev", interface, "scope", "global",
            ])),
        )?;
        let ipv6 = v6
            .lines()
            .filter_map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                words
                    .iter()
                    .position(|w| *w == "inet6")
                    .map(|i| words[i + 1].to_string())
            })
            .collect();
        Ok((ipv4, ipv6))
    }

    /// `ip route show default` for one family.
    pub fn default_route(&self, family: &str) -> Result<String, String> {
        succeeded(
            "ip route",
            &run(Command::new("ip").args(["-n", &self.name, family, "route", "show", "default"])),
        )
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Applies addresses the way initscripts and wicked do at run time (`ip addr add … label …`,
/// `ip route add default via …`) inside a fresh namespace, and checks that the kernel ends up
/// with exactly the planned addresses, labels and default routes.
#[derive(Clone)]
pub struct RuntimeConfig {
    pub interface: String,
    /// `address/prefix` and the label it gets (`eth0` or `eth0:N`).
    pub ipv4: Vec<(String, String)>,
    pub ipv6: Vec<String>,
    pub gateway4: Option<String>,
    pub gateway6: Option<String>,
    /// Further `ip` invocations (without the leading `ip`) the configuration implies, such as
    /// policy-routing routes and rules, run after the addresses.
    pub ip: Vec<Vec<String>>,
}

thread_local! {
    /// While `collecting_runtimes` runs: the configurations `apply_runtime` was handed.
    static COLLECTED: std::cell::RefCell<Option<Vec<(RuntimeConfig, Plan)>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs a family's check, keeping the runtime configuration it would apply instead of applying
/// it alone: an instance's interfaces are then applied together, in one namespace.
pub fn collecting_runtimes(
    check: impl FnOnce() -> Result<(), String>,
) -> Result<Vec<(RuntimeConfig, Plan)>, String> {
    COLLECTED.with(|collected| *collected.borrow_mut() = Some(Vec::new()));
    let outcome = check();
    let configs = COLLECTED.with(|collected| collected.borrow_mut().take().unwrap_or_default());
    outcome.map(|()| configs)
}

/// Applies several interfaces' configurations in one namespace holding every one of them;
/// each interface must then hold exactly its plan's addresses, routes and rules.
pub fn apply_runtimes(configs: &[(RuntimeConfig, Plan)]) -> Result<(), String> {
    let names: Vec<&str> = configs.iter().map(|(c, _)| c.interface.as_str()).collect();
    let namespace = Namespace::with_interfaces(&names)?;
    for (config, _) in configs {
        apply_config(&namespace, config)?;
    }
    for (config, plan) in configs {
        check_kernel_state(&namespace, plan, false, &config.interface)
            .map_err(|error| format!("{}: {error}", config.interface))?;
    }
    Ok(())
}

pub fn apply_runtime(config: &RuntimeConfig, plan: &Plan, windows: bool) -> Result<(), String> {
    let collected = COLLECTED.with(|collected| {
        collected
            .borrow_mut()
            .as_mut()
            .map(|list| list.push((config.clone(), plan.clone())))
            .is_some()
    });
    if collected {
        return Ok(());
    }
    let namespace = Namespace::with_interface(&config.interface)?;
    apply_config(&namespace, config)?;
    check_kernel_state(&namespace, plan, windows, &config.interface)
}

/// Applies one interface's runtime configuration in `namespace` (see [`RuntimeConfig`]).
pub fn apply_config(namespace: &Namespace, config: &RuntimeConfig) -> Result<(), String> {
    let dev = config.interface.as_str();
    // The scripts bring the link up; its peer stays down, so there is still no carrier.
    namespace.exec(&["ip", "link", "set", "dev", dev, "up"])?;
    for (address, label) in &config.ipv4 {
        namespace.exec(&[
            "ip", "addr", "add", address, "brd", "+", "dev", dev, "label", label,
        ])?;
    }
    for address in &config.ipv6 {
        namespace.exec(&["ip", "-6", "addr", "add", address, "dev", dev])?;
    }
    if let Some(gateway) = &config.gateway4 {
        namespace.exec(&[
            "ip", "route", "add", "default", "via", gateway, "dev", dev, "onlink",
        ])?;
    }
    if let Some(gateway) = &config.gateway6 {
        namespace.exec(&[
            "ip", "-6", "route", "add", "default", "via", gateway, "dev", dev, "onlink",
        ])?;
    }
    for args in &config.ip {
        let mut argv = vec!["ip"];
        argv.extend(args.iter().map(String::as_str));
        namespace.exec(&argv)?;
    }
    Ok(())
}

/// The kernel holds exactly the planned addresses, secondaries under their alias labels when
/// labels are used, and the planned default routes.
pub fn check_kernel_state(
    namespace: &Namespace,
    plan: &Plan,
    windows: bool,
    dev: &str,
) -> Result<(), String> {
    let (ipv4, ipv6) = namespace.addresses(dev)?;
    let got4 = sorted(ipv4.iter().map(|(address, _)| address.clone()).collect());
    let want4 = sorted(expected_ipv4(plan, windows));
    if got4 != want4 {
        return Err(format!("kernel IPv4 addresses {got4:?}, planned {want4:?}"));
    }
    let got6 = sorted(ipv6);
    let want6 = sorted(expected_ipv6(plan));
    if got6 != want6 {
        return Err(format!("kernel IPv6 addresses {got6:?}, planned {want6:?}"));
    }
    match (plan.mode(), plan.gateway(), plan.route_table()) {
        (Mode::Static, Some(gateway), None) => {
            let route = namespace.default_route("-4")?;
            if !route.contains(&format!("via {gateway} dev {dev}")) {
                return Err(format!("default route {route:?}, planned via {gateway}"));
            }
        }
        (_, Some(gateway), Some(table)) => check_policy(namespace, plan, dev, gateway, table)?,
        _ => {}
    }
    if let Some(gateway) = plan.ipv6().and_then(|ipv6| ipv6.gateway()) {
        let route = namespace.default_route("-6")?;
        if !route.contains(&format!("via {gateway} dev {dev}")) {
            return Err(format!(
                "IPv6 default route {route:?}, planned via {gateway}"
            ));
        }
    }
    Ok(())
}

/// A secondary ENI: no default route in the main table; in its own table the default route
/// and the subnet; one rule per address at the planned priority, and no other rule there.
fn check_policy(
    namespace: &Namespace,
    plan: &Plan,
    dev: &str,
    gateway: Ipv4Addr,
    table: u32,
) -> Result<(), String> {
    let main = namespace.default_route("-4")?;
    if main
        .lines()
        .any(|route| route.contains(&format!(" dev {dev}")))
    {
        return Err(format!(
            "main table has a default route {main:?} through {dev}; planned none"
        ));
    }
    let table = table.to_string();
    let routes = namespace.exec(&["ip", "-4", "route", "show", "table", &table])?;
    let want_default = format!("default via {gateway} dev {dev}");
    let want_subnet = format!("{} dev {dev}", plan.subnet());
    let lines: Vec<&str> = routes.lines().map(str::trim).collect();
    if lines.len() != 2
        || !lines.iter().any(|l| l.starts_with(&want_default))
        || !lines.iter().any(|l| l.starts_with(&want_subnet))
    {
        return Err(format!(
            "table {table} holds {lines:?}; planned `{want_default}` and `{want_subnet}`"
        ));
    }
    let rules = namespace.exec(&["ip", "-4", "rule", "show", "table", &table])?;
    let mut got: Vec<String> = rules.lines().map(|l| l.trim().to_string()).collect();
    got.sort();
    let mut want: Vec<String> = plan
        .ipv4_addresses()
        .map(|address| format!("1000:\tfrom {address} lookup {table}"))
        .collect();
    want.sort();
    let normalise = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    if normalise(&got) != normalise(&want) {
        return Err(format!(
            "rules for table {table}: {got:?}, planned {want:?}"
        ));
    }
    Ok(())
}

/// The runtime state a systemd-networkd `.network` file describes (netplan's generated one or
/// eniplan's own): addresses, default routes, and routes in other tables and rules as `ip`
/// invocations. Fails on a section or key outside what eniplan's renderings use.
pub fn networkd_runtime(text: &str, interface: &str) -> Result<RuntimeConfig, String> {
    let mut config = RuntimeConfig {
        interface: interface.to_string(),
        ipv4: Vec::new(),
        ipv6: Vec::new(),
        gateway4: None,
        gateway6: None,
        ip: Vec::new(),
    };
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.to_string(), Vec::new()));
        } else if let (Some((key, value)), Some(section)) =
            (line.split_once('='), sections.last_mut())
        {
            section.1.push((key.to_string(), value.to_string()));
        } else {
            return Err(format!("not a key=value line of a section: {line:?}"));
        }
    }
    for (name, pairs) in &sections {
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let allowed: &[&str] = match name.as_str() {
            "Match" => &["Name", "MACAddress", "PermanentMACAddress"],
            "Link" => &["MACAddress"],
            "Network" => &[
                "DHCP",
                "DNS",
                "Address",
                "LinkLocalAddressing",
                "IPv6AcceptRA",
            ],
            "Address" => &["Address"],
            "Route" => &["Destination", "Gateway", "Scope", "Table", "GatewayOnLink"],
            "RoutingPolicyRule" => &["From", "Table", "Priority"],
            "DHCP" | "DHCPv4" => &["RouteMetric", "UseMTU"],
            other => return Err(format!("unexpected section [{other}]")),
        };
        if let Some((key, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(format!("unexpected key {key}= in [{name}]"));
        }
        match name.as_str() {
            "Network" | "Address" => {
                for (key, value) in pairs {
                    if key == "Address" {
                        if value.contains(':') {
                            config.ipv6.push(value.clone());
                        } else {
                            config.ipv4.push((value.clone(), interface.to_string()));
                        }
                    }
                }
            }
            "Route" => {
                let destination = get("Destination");
                let gateway = get("Gateway");
                match (get("Table"), destination.as_deref(), gateway) {
                    (None, None | Some("0.0.0.0/0" | "::/0"), Some(gateway)) => {
                        if gateway.contains(':') {
                            config.gateway6 = Some(gateway);
                        } else {
                            config.gateway4 = Some(gateway);
                        }
                    }
                    (Some(table), destination, gateway) => {
                        let mut args = vec!["route".to_string(), "add".into()];
                        // No Destination= and 0.0.0.0/0 (or ::/0) both mean the default route.
                        let destination = match destination {
                            None | Some("0.0.0.0/0" | "::/0") => "default",
                            Some(other) => other,
                        };
                        args.push(destination.to_string());
                        if let Some(gateway) = gateway {
                            args.extend(["via".into(), gateway]);
                        }
                        args.extend(["dev".into(), interface.to_string()]);
                        if let Some(scope) = get("Scope") {
                            args.extend(["scope".into(), scope]);
                        }
                        args.extend(["table".into(), table]);
                        config.ip.push(args);
                    }
                    other => return Err(format!("unexpected route {other:?}")),
                }
            }
            "RoutingPolicyRule" => {
                let mut args = vec!["rule".to_string(), "add".into()];
                args.extend(["from".into(), get("From").ok_or("rule without From=")?]);
                args.extend(["table".into(), get("Table").ok_or("rule without Table=")?]);
                if let Some(priority) = get("Priority") {
                    args.extend(["priority".into(), priority]);
                }
                config.ip.push(args);
            }
            _ => {}
        }
    }
    // Routes in a table need the subnet route first (the gateway must be reachable there).
    config
        .ip
        .sort_by_key(|args| (args[0] != "route", args.iter().any(|a| a == "via")));
    Ok(config)
}

/// Reads an ifcfg file the way initscripts and wicked do: `bash -n`, then sourced in an empty
/// environment, every variable read back. Also refuses any line that is not a comment, blank,
/// or a plain `KEY=value` assignment.
pub fn source_ifcfg(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let plain = trimmed.split_once('=').is_some_and(|(key, _)| {
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        if !plain || line != trimmed {
            return Err(format!(
                "{}: not a plain KEY=value line: {line:?}",
                path.display()
            ));
        }
    }
    succeeded("bash -n", &run(Command::new("bash").arg("-n").arg(path)))?;
    let output = run(Command::new("env")
        .args([
            "-i",
            "bash",
            "-c",
            "set -a; . \"$1\" || exit 9; env -0",
            "_",
        ])
        .arg(path));
    let listing = succeeded("sourcing", &output)?;
    if !output.stderr.is_empty() {
        return Err(format!(
            "sourcing printed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut variables = BTreeMap::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        if let Some((key, value)) = entry.split_once('=') {
            if !matches!(key, "PWD" | "SHLVL" | "_" | "OLDPWD") {
                variables.insert(key.to_string(), value.to_string());
            }
        }
    }
    Ok(variables)
}

/// Fails on a variable outside `known` (the scripts would ignore it, so it is a renderer bug).
pub fn only_known(
    variables: &BTreeMap<String, String>,
    known: impl Fn(&str) -> bool,
    file: &str,
) -> Result<(), String> {
    match variables.keys().find(|key| !known(key)) {
        Some(key) => Err(format!("{file}: {key} is not a variable the scripts read")),
        None => Ok(()),
    }
}

/// `KEY` followed by digits (or nothing): `IPADDR`, `IPADDR1`, …
pub fn numbered(key: &str, stem: &str) -> bool {
    key.strip_prefix(stem)
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
}

/// Lays the ifupdown files of `renderings` out under `dir` as a host would hold them: every
/// `/etc/network/interfaces.d/` file in `dir/interfaces.d/`, and the main file as `dir/interfaces`
/// with its `source /etc/network/interfaces.d/…` line pointed at that folder (ifupdown's
/// `source` paths are absolute). Returns the main file's path for `ifquery -i` / `ifup -i`.
pub fn lay_out_ifupdown(dir: &Path, renderings: &[&Rendering]) -> Result<PathBuf, String> {
    let parts = dir.join("interfaces.d");
    fs::create_dir_all(&parts).map_err(|e| e.to_string())?;
    let mut main = None;
    for rendering in renderings {
        for file in &rendering.files {
            if let Some(name) = file.path.strip_prefix("/etc/network/interfaces.d/") {
                fs::write(parts.join(name), &file.contents).map_err(|e| e.to_string())?;
            } else if file.path == "/etc/network/interfaces" {
                main = Some(file.contents.clone());
            }
        }
    }
    let main = main.ok_or("no /etc/network/interfaces")?;
    let source = "source /etc/network/interfaces.d/60-eniplan-*";
    if !main.lines().any(|line| line == source) {
        return Err(format!("the main file does not `{source}`:\n{main}"));
    }
    let path = dir.join("interfaces");
    let pointed = main.replace(source, &format!("source {}/60-eniplan-*", parts.display()));
    fs::write(&path, pointed).map_err(|e| e.to_string())?;
    Ok(path)
}
