//! The `eniplan` binary: exit statuses, output formats and `--write-to`'s confinement to ROOT.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn eniplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eniplan"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn case(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/cases")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn no_arguments_render_the_seed_example_for_every_family() {
    let output = eniplan(&[]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    for family in ["nmcli", "rhel", "netplan", "ifupdown", "suse", "windows"] {
        assert!(
            text.contains(&format!("### {family} ({family} family)")),
            "{family} missing"
        );
    }
    assert!(text.contains("IPADDR=192.168.1.202"));
    assert!(
        text.contains("netsh interface ipv4 add address name=\"Ethernet\" address=192.168.1.203")
    );
}

#[test]
fn json_is_an_object_for_one_target_and_an_array_for_several() {
    let one = eniplan(&["render", "--os", "centos-7", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&one.stdout).expect("JSON");
    assert_eq!(value["target"], "centos-7");
    assert_eq!(value["family"], "rhel");
    let many = eniplan(&["render", "--os", "centos-7,sles-15", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&many.stdout).expect("JSON");
    assert_eq!(value.as_array().map(Vec::len), Some(2));
}

#[test]
fn invalid_plans_exit_2_listing_every_problem() {
    let output = eniplan(&["render", &case("invalid/duplicates.yaml")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(stderr.contains("4 problems"), "{stderr}");
    assert!(stderr.contains("secondaries[0]: 192.168.1.201 is already used by primary"));
    assert!(
        output.stdout.is_empty(),
        "nothing rendered for an invalid plan"
    );
}

#[test]
fn non_utf8_input_is_a_plan_error() {
    let dir = scratch("non-utf8");
    let plan = dir.join("plan.yaml");
    fs::write(&plan, b"interface: eth0\nprimary: 1.2.3.\xff\n").expect("write");
    let output = eniplan(&["validate", &plan.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not UTF-8"));
}

#[test]
fn unknown_targets_exit_2() {
    let output = eniplan(&["render", "--os", "centos-5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown target `centos-5`"));
}

#[cfg(unix)]
#[test]
fn write_to_writes_every_file_with_its_mode_under_root() {
    use std::os::unix::fs::PermissionsExt;
    let root = scratch("write-netplan");
    let output = eniplan(&[
        "render",
        "--os",
        "ubuntu-22.04",
        "--write-to",
        &root.to_string_lossy(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let yaml = root.join("etc/netplan/60-eniplan-eth0.yaml");
    let mode = fs::metadata(&yaml).expect("written").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(fs::read_to_string(&yaml)
        .expect("readable")
        .contains("192.168.1.203/24"));
    assert!(root
        .join("etc/cloud/cloud.cfg.d/99-disable-network-config.cfg")
        .is_file());
}

#[cfg(unix)]
#[test]
fn write_to_refuses_to_follow_a_symlinked_directory_out_of_root() {
    let root = scratch("write-escape");
    let outside = scratch("write-escape-outside");
    fs::create_dir_all(root.join("etc")).expect("etc");
    std::os::unix::fs::symlink(&outside, root.join("etc/netplan")).expect("symlink");
    let output = eniplan(&[
        "render",
        "--os",
        "netplan",
        "--write-to",
        &root.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("refusing to follow the symlink"));
    assert_eq!(
        fs::read_dir(&outside).expect("outside").count(),
        0,
        "nothing written outside"
    );
}

#[cfg(unix)]
#[test]
fn write_to_replaces_a_symlinked_file_instead_of_writing_through_it() {
    let root = scratch("write-file-link");
    let outside = scratch("write-file-link-outside").join("victim");
    fs::write(&outside, "untouched").expect("victim");
    let dir = root.join("etc/sysconfig/network-scripts");
    fs::create_dir_all(&dir).expect("dir");
    std::os::unix::fs::symlink(&outside, dir.join("ifcfg-eth0")).expect("symlink");
    let output = eniplan(&[
        "render",
        "--os",
        "centos-7",
        "--write-to",
        &root.to_string_lossy(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(fs::read_to_string(&outside).expect("victim"), "untouched");
    assert!(!fs::symlink_metadata(dir.join("ifcfg-eth0"))
        .expect("file")
        .file_type()
        .is_symlink());
}

/// Hostile plan files: each exits 2 with an error on standard error, never a panic (101).
#[test]
fn hostile_plan_files_exit_2_with_an_error() {
    let dir = scratch("hostile-files");
    let million: String = format!(
        "interface: eth0\nprimary: 10.0.0.5\nprefix: 8\ngateway: 10.0.0.1\nsecondaries: [{}]\n",
        vec!["10.0.0.6"; 1_000_000].join(",")
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed-yaml", b"interface: [eth0\n".to_vec(), "not a valid YAML plan"),
        ("malformed-json", b"{\"interface\": \"eth0\",}".to_vec(), "not a valid JSON plan"),
        ("wrong-type", b"interface: eth0\nsecondaries: {a: 1}\n".to_vec(), "expected a list"),
        ("nul-byte", b"interface: \"eth\x000\"\nprimary: 10.0.0.5\n".to_vec(), "problem"),
        ("raw-nul", b"interface: eth\x000\n".to_vec(), "not a valid YAML plan"),
        ("million-secondaries", million.into_bytes(), "bytes are refused"),
        ("long-string", format!("interface: {}\n", "e".repeat(100_000)).into_bytes(), "is not a valid"),
        ("alias-bomb", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n".to_vec(), "not a valid YAML plan"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        fs::write(&path, bytes).expect("write");
        let output = eniplan(&["render", &path.to_string_lossy()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: rendered something");
    }
}

#[test]
fn change_and_unassign_render_the_removal_commands() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/change/replace-one-secondary");
    let before = dir.join("before.yaml");
    let after = dir.join("after.yaml");
    let output = eniplan(&[
        "change",
        &before.to_string_lossy(),
        &after.to_string_lossy(),
        "--os",
        "centos-7",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("ip addr del 192.168.1.203/24 dev eth0"),
        "{text}"
    );
    assert!(
        text.contains("/etc/sysconfig/network-scripts/ifcfg-eth0:1"),
        "{text}"
    );
    assert!(!text.contains("del 192.168.1.201"), "{text}");

    let output = eniplan(&["unassign", &before.to_string_lossy(), "--os", "cloud"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("UnassignPrivateIpAddresses --RegionId cn-hangzhou --NetworkInterfaceId eni-bp1example --PrivateIpAddress.1 192.168.1.202 --PrivateIpAddress.2 192.168.1.203"),
        "{text}"
    );
    assert!(!text.contains("AssignPrivateIpAddresses --"), "{text}");
}

/// `--os auto` with the os-release text of each distribution in `tests/os-release/`: a file
/// named after a target resolves to it; `*.derivative` files resolve through ID_LIKE to the
/// target before the first `-via-`, with a warning naming the assumption; `*.unknown` files
/// are an error (exit 2) listing the families.
#[test]
fn os_auto_resolves_every_distribution_from_its_os_release() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/os-release");
    let empty = scratch("auto-empty-root");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).expect("tests/os-release") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        // An empty root: no configuration and no service, so the distribution's default.
        let output = eniplan(&[
            "render",
            "--os",
            "auto",
            "--os-release",
            &path.to_string_lossy(),
            "--root",
            &empty.to_string_lossy(),
            "--format",
            "json",
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        seen += 1;
        if name.ends_with(".unknown") {
            assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            assert!(stderr.contains("nmcli, rhel, netplan"), "{name}: {stderr}");
            continue;
        }
        assert!(output.status.success(), "{name}: {stderr}");
        let rendering: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one rendering as JSON");
        let expected = match name.strip_suffix(".derivative") {
            Some(stem) => {
                assert!(
                    stderr.contains("ID_LIKE"),
                    "{name}: no assumption stated: {stderr}"
                );
                stem.split("-via-").next().expect("target").to_string()
            }
            None => {
                assert!(!stderr.contains("ID_LIKE"), "{name}: {stderr}");
                name.clone()
            }
        };
        assert!(
            stderr.contains(&format!("note: --os auto chose {expected}"))
                && stderr.contains("the distribution's default"),
            "{name}: the choice and its evidence are not said: {stderr}"
        );
        assert_eq!(rendering["target"], expected.as_str(), "{name}");
    }
    assert!(seen >= 20, "only {seen} os-release files");
}

/// To users the source is the Alibaba Cloud ECS document: no help text, warning, purpose or
/// file says "seed".
#[test]
fn no_user_facing_text_says_seed() {
    let mut texts = Vec::new();
    for args in [
        &["--help"][..],
        &["render", "--help"],
        &["change", "--help"],
        &["targets"],
        &["render", "--os", "all,cloud", "--format", "json"],
    ] {
        let output = eniplan(args);
        assert!(output.status.success(), "{args:?}");
        texts.push(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid");
    for entry in fs::read_dir(cases).expect("cases") {
        let path = entry.expect("entry").path();
        let output = eniplan(&[
            "render",
            &path.to_string_lossy(),
            "--os",
            "all",
            "--format",
            "json",
        ]);
        texts.push(String::from_utf8_lossy(&output.stdout).into_owned());
        texts.push(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    for text in texts {
        assert!(!text.to_lowercase().contains("seed"), "{text}");
    }
}

fn source(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/sources")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

const TWO_NICS: [&str; 4] = [
    "--nic",
    "00:16:3e:16:43:aa=eth0",
    "--nic",
    "00:16:3e:16:43:bb=eth1",
];

#[test]
fn plan_from_metadata_prints_every_enis_plan_as_yaml_or_json() {
    let document = source("metadata/valid/two-enis-ipv6-on-one.json");
    let mut args = vec!["plan", "--from-metadata", document.as_str()];
    args.extend(TWO_NICS);
    let yaml = eniplan(&args);
    assert!(
        yaml.status.success(),
        "{}",
        String::from_utf8_lossy(&yaml.stderr)
    );
    let plans: Vec<eniplan::EniPlan> =
        yaml_serde::from_slice(&yaml.stdout).expect("a YAML list of plans");
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[1].route_table, Some(1001));
    args.extend(["--format", "json"]);
    let json = eniplan(&args);
    let from_json: Vec<eniplan::EniPlan> = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(from_json, plans);
}

#[test]
fn partial_metadata_exits_2_naming_every_key_path() {
    let document = source("metadata/invalid/missing-primary.json");
    let mut args = vec!["plan", "--from-metadata", document.as_str()];
    args.extend(TWO_NICS);
    let output = eniplan(&args);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("network/interfaces/macs/00:16:3e:16:43:bb/primary-ip-address"),
        "{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "nothing is planned from partial metadata"
    );
}

#[test]
fn plan_from_api_needs_what_the_api_does_not_say() {
    let (interfaces, vswitches) = (
        source("api/two-enis.interfaces.json"),
        source("api/vswitches.json"),
    );
    let mut args = vec![
        "plan",
        "--from-api",
        interfaces.as_str(),
        "--vswitches",
        vswitches.as_str(),
        "--instance",
        "i-bp1example0001",
    ];
    let output = eniplan(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--gateway vsw-bp1first01=ADDRESS"));
    args.extend(TWO_NICS);
    args.extend([
        "--gateway",
        "vsw-bp1first01=192.168.1.253",
        "--gateway",
        "vsw-bp1second02=192.168.2.253",
        "--region",
        "cn-hangzhou",
    ]);
    let output = eniplan(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plans: Vec<eniplan::EniPlan> = yaml_serde::from_slice(&output.stdout).expect("plans");
    assert_eq!(plans[0].interface.as_deref(), Some("eth0"));
    assert_eq!(plans[1].gateway.as_deref(), Some("192.168.2.253"));
}

#[test]
fn render_from_metadata_is_one_instance_rendering() {
    let document = source("metadata/valid/two-enis-ipv6-on-one.json");
    let mut args = vec![
        "render",
        "--from-metadata",
        document.as_str(),
        "--os",
        "ubuntu-22.04",
        "--format",
        "json",
    ];
    args.extend(TWO_NICS);
    let output = eniplan(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rendering: eniplan::Rendering = serde_json::from_slice(&output.stdout).expect("one object");
    let paths: Vec<&str> = rendering.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
            "/etc/netplan/60-eniplan-eth0.yaml",
            "/etc/netplan/60-eniplan-eth1.yaml"
        ]
    );
}

#[test]
fn read_drift_and_convert_a_hosts_files() {
    let root = scratch("read-root");
    let root_text = root.to_string_lossy().into_owned();
    let plan = case("valid/seed-static.yaml");
    let written = eniplan(&[
        "render",
        &plan,
        "--os",
        "centos-7",
        "--write-to",
        &root_text,
    ]);
    assert!(written.status.success());
    let ifcfg = root.join("etc/sysconfig/network-scripts/ifcfg-eth0");
    let mut text = fs::read_to_string(&ifcfg).expect("ifcfg");
    text.push_str("MTU=9000\n");
    fs::write(&ifcfg, text).expect("write");

    let read = eniplan(&[
        "read", "--os", "centos-7", "--root", &root_text, "--format", "json",
    ]);
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let reading: eniplan::Reading = serde_json::from_slice(&read.stdout).expect("JSON");
    assert_eq!(reading.plan.primary.as_deref(), Some("192.168.1.201"));
    assert_eq!(reading.unread.len(), 1);
    assert_eq!(reading.unread[0].text, "MTU=9000");
    assert!(String::from_utf8_lossy(&read.stderr).contains("MTU=9000"));

    let same = eniplan(&["drift", &plan, "--os", "centos-7", "--root", &root_text]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    let other = scratch("read-plan").join("other.yaml");
    let changed = fs::read_to_string(&plan)
        .expect("plan")
        .replace("192.168.1.203", "192.168.1.204");
    fs::write(&other, changed).expect("write");
    let drifted = eniplan(&[
        "drift",
        &other.to_string_lossy(),
        "--os",
        "centos-7",
        "--root",
        &root_text,
    ]);
    assert_eq!(drifted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&drifted.stdout).starts_with("secondaries: planned"));

    let converted = eniplan(&[
        "convert", "--from", "centos-7", "--to", "rhel-9", "--root", &root_text, "--format", "json",
    ]);
    assert!(
        converted.status.success(),
        "{}",
        String::from_utf8_lossy(&converted.stderr)
    );
    let rendering: eniplan::Rendering = serde_json::from_slice(&converted.stdout).expect("JSON");
    assert!(rendering
        .delete
        .contains(&"/etc/sysconfig/network-scripts/ifcfg-eth0:1".to_string()));
    assert!(rendering
        .files
        .iter()
        .any(|f| f.path.ends_with("System eth0.nmconnection")));

    let nothing = eniplan(&["read", "--os", "rhel-9", "--root", &root_text]);
    assert_eq!(nothing.status.code(), Some(2));
    fs::write(
        root.join("etc/sysconfig/network-scripts/ifcfg-eth9"),
        [0u8, 159, 146, 150],
    )
    .expect("write");
    let binary = eniplan(&[
        "read",
        "--os",
        "centos-7",
        "--root",
        &root_text,
        "--interface",
        "eth0",
    ]);
    assert_eq!(binary.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&binary.stderr).contains("ifcfg-eth9: not a text file"));
}

/// `--nic` arguments from a case's `.nics` file (one `MAC=NAME` per line).
fn nics(path: &str) -> Vec<String> {
    fs::read_to_string(source(path))
        .expect("nics")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .flat_map(|line| ["--nic".to_string(), line.trim().to_string()])
        .collect()
}

#[test]
fn the_plans_eniplan_plan_prints_are_an_input_everywhere() {
    let dir = scratch("instance-input");
    let mut args = vec![
        "plan".to_string(),
        "--from-metadata".into(),
        source("metadata/valid/two-enis.json"),
    ];
    args.extend(nics("metadata/valid/two-enis.nics"));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let planned = eniplan(&refs);
    assert!(
        planned.status.success(),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let plans = dir.join("plans.yaml");
    fs::write(&plans, &planned.stdout).expect("plans");
    let plans = plans.to_string_lossy().into_owned();

    let valid = eniplan(&["validate", &plans, "--os", "all"]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    let one = eniplan(&["render", &plans, "--os", "centos-7", "--format", "json"]);
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let rendering: serde_json::Value = serde_json::from_slice(&one.stdout).expect("JSON");
    let paths: Vec<&str> = rendering["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|file| file["path"].as_str())
        .collect();
    assert!(paths.contains(&"/etc/sysconfig/network-scripts/ifcfg-eth0"));
    assert!(paths.contains(&"/etc/sysconfig/network-scripts/ifcfg-eth1"));

    // The default selection, `all`, renders an instance too (as the metadata path does).
    let all = eniplan(&["render", &plans, "--format", "json"]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let mut args = vec![
        "render".to_string(),
        "--from-metadata".into(),
        source("metadata/valid/two-enis.json"),
        "--format".into(),
        "json".into(),
    ];
    args.extend(nics("metadata/valid/two-enis.nics"));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let from_metadata = eniplan(&refs);
    assert!(
        from_metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&from_metadata.stderr)
    );
    assert_eq!(
        from_metadata.stdout, all.stdout,
        "metadata and its printed plans render alike"
    );

    // The change between two instances, and the removal of every secondary of each ENI.
    let change = eniplan(&[
        "change", &plans, &plans, "--os", "netplan", "--format", "json",
    ]);
    assert!(
        change.status.success(),
        "{}",
        String::from_utf8_lossy(&change.stderr)
    );
    let unassign = eniplan(&["unassign", &plans, "--os", "netplan"]);
    assert!(
        unassign.status.success(),
        "{}",
        String::from_utf8_lossy(&unassign.stderr)
    );
}

#[test]
fn a_target_that_cannot_render_the_plan_refuses_in_its_own_place() {
    let output = eniplan(&[
        "render",
        &case("valid/secondary-eni.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2), "one target refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: windows cannot render the plan"),
        "{stderr}"
    );
    let outcomes: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let outcomes = outcomes.as_array().expect("one entry per target");
    assert_eq!(outcomes.len(), 9);
    let refused: Vec<&str> = outcomes
        .iter()
        .filter(|entry| entry.get("error").is_some())
        .filter_map(|entry| entry["target"].as_str())
        .collect();
    assert!(
        refused.contains(&"windows") && refused.contains(&"powershell"),
        "{refused:?}"
    );
    for entry in outcomes.iter().filter(|entry| entry.get("error").is_some()) {
        assert!(entry["problems"][0]["field"] == "route_table", "{entry}");
    }
    let rendered = outcomes
        .iter()
        .filter(|entry| entry.get("files").is_some())
        .count();
    assert_eq!(rendered + refused.len(), 9);
    assert!(rendered >= 6);
}

#[test]
fn a_selection_where_one_target_goes_says_so() {
    let output = eniplan(&["read", "--os", "all", "--root", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`all` selects several targets, and this takes one"),
        "{stderr}"
    );
    assert!(!stderr.contains("known targets: all"), "{stderr}");
}

#[test]
fn exit_statuses_are_diffs() {
    let dir = scratch("exit-statuses");
    let root = dir.join("root");
    // Trouble: a plan file that is not there.
    let missing = eniplan(&["render", &dir.join("nope.yaml").to_string_lossy()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.yaml"));
    // A dry run with something to do: 1, and nothing written (not even the root).
    let plan = case("valid/seed-static.yaml");
    let root_text = root.to_string_lossy().into_owned();
    fs::create_dir_all(&root).expect("root");
    let dry = eniplan(&[
        "render",
        &plan,
        "--os",
        "centos-7",
        "--write-to",
        &root_text,
        "--dry-run",
    ]);
    assert_eq!(
        dry.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stderr).contains("would create"));
    assert_eq!(
        fs::read_dir(&root).expect("root").count(),
        0,
        "a dry run writes nothing"
    );
    let written = eniplan(&[
        "render",
        &plan,
        "--os",
        "centos-7",
        "--write-to",
        &root_text,
    ]);
    assert_eq!(written.status.code(), Some(0));
    let again = eniplan(&[
        "render",
        &plan,
        "--os",
        "centos-7",
        "--write-to",
        &root_text,
        "--dry-run",
    ]);
    assert_eq!(again.status.code(), Some(0), "nothing left to do");
    // A difference found: 1.
    let drift_plan = dir.join("other.yaml");
    fs::write(
        &drift_plan,
        fs::read_to_string(&plan)
            .expect("plan")
            .replace("192.168.1.203", "192.168.1.204"),
    )
    .expect("plan");
    let drift = eniplan(&[
        "drift",
        &drift_plan.to_string_lossy(),
        "--os",
        "centos-7",
        "--root",
        &root_text,
    ]);
    assert_eq!(drift.status.code(), Some(1));
    let same = eniplan(&["drift", &plan, "--os", "centos-7", "--root", &root_text]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
}

/// `--os auto` finds the stack the host runs, for every subcommand, and names its evidence: a
/// Debian 12 host whose /etc/network/interfaces configures eth0 and whose networking service
/// is enabled runs ifupdown, though Debian 12's default is netplan.
#[cfg(unix)]
#[test]
fn os_auto_finds_the_running_stack_for_every_subcommand() {
    let root = scratch("auto-debian12-ifupdown");
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        fs::write(path, text).expect("write");
    };
    write(
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    write(
        "etc/network/interfaces",
        "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n",
    );
    fs::create_dir_all(root.join("etc/netplan")).expect("empty netplan dir");
    let wants = root.join("etc/systemd/system/multi-user.target.wants");
    fs::create_dir_all(&wants).expect("wants");
    std::os::unix::fs::symlink(
        "/lib/systemd/system/networking.service",
        wants.join("networking.service"),
    )
    .expect("symlink");
    let root_text = root.to_string_lossy().into_owned();
    let plan = scratch("auto-plan").join("eth1.yaml");
    fs::write(
        &plan,
        "interface: eth1\nprimary: 192.168.2.10\nprefix: 24\ngateway: 192.168.2.253\nroute_table: 1001\n",
    )
    .expect("plan");
    let plan = plan.to_string_lossy().into_owned();

    let render = eniplan(&[
        "render", &plan, "--os", "auto", "--root", &root_text, "--format", "json",
    ]);
    let stderr = String::from_utf8_lossy(&render.stderr);
    assert!(render.status.success(), "{stderr}");
    let rendering: serde_json::Value = serde_json::from_slice(&render.stdout).expect("JSON");
    assert_eq!(rendering["target"], "ifupdown");
    assert!(
        stderr.contains("note: --os auto chose ifupdown"),
        "{stderr}"
    );
    assert!(stderr.contains("networking.service is enabled"), "{stderr}");
    assert!(stderr.contains("/etc/network/interfaces"), "{stderr}");
    // The host's main file is merged, not replaced: eth0's stanza stays.
    let main = rendering["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|file| file["path"] == "/etc/network/interfaces")
        .expect("the main file gains eniplan's source line");
    assert!(main["contents"]
        .as_str()
        .expect("text")
        .contains("iface eth0 inet dhcp"));

    let read = eniplan(&["read", "--os", "auto", "--root", &root_text]);
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(String::from_utf8_lossy(&read.stdout).contains("mode: dhcp"));
    let valid = eniplan(&["validate", &plan, "--os", "ifupdown"]);
    assert!(valid.status.success());
    let change = eniplan(&["change", &plan, "--os", "auto", "--root", &root_text]);
    assert!(
        change.status.success(),
        "{}",
        String::from_utf8_lossy(&change.stderr)
    );
    let drift = eniplan(&["drift", &plan, "--os", "auto", "--root", &root_text]);
    assert_eq!(
        drift.status.code(),
        Some(2),
        "eth1 is not configured there yet"
    );
    assert!(String::from_utf8_lossy(&drift.stderr).contains("eth1"));

    // Contradicting evidence: netplan's YAML configures a NIC too.
    write(
        "etc/netplan/50-cloud-init.yaml",
        "network:\n  version: 2\n  ethernets:\n    eth1:\n      dhcp4: true\n",
    );
    let conflict = eniplan(&["render", &plan, "--os", "auto", "--root", &root_text]);
    assert_eq!(conflict.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&conflict.stderr);
    assert!(
        stderr.contains("netplan (debian-12) and ifupdown (ifupdown)"),
        "{stderr}"
    );
    assert!(stderr.contains("pass --os"), "{stderr}");
    assert!(conflict.stdout.is_empty());

    // A root that is not there is named.
    let missing = eniplan(&["read", "--os", "auto", "--root", "/nonexistent/root"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/root"));
}

/// Every command is described in the list, with its own words; its `--help` ends with
/// examples and its exit statuses, and every example is a command line the parser takes (each
/// is parsed again with `--help` appended: an unknown option or a refused value fails before
/// the help is printed).
#[test]
fn every_command_has_examples_that_parse_and_its_exit_statuses() {
    let top = String::from_utf8(eniplan(&["--help"]).stdout).expect("UTF-8");
    let listed: Vec<(&str, &str)> = top
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| {
            let line = line.trim_start();
            let name = line.split_whitespace().next()?;
            Some((name, line[name.len()..].trim()))
        })
        .collect();
    for (name, about) in &listed {
        assert!(!about.is_empty(), "{name} has no description");
    }
    // The `targets` description once leaked into `snapshot`'s: each names what it does.
    let about = |name: &str| listed.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
    assert!(about("targets").is_some_and(|a| a.starts_with("List every target")));
    assert!(about("snapshot").is_some_and(|a| a.starts_with("Print what eniplan reads")));
    let commands: Vec<&str> = listed
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != "help")
        .collect();
    assert!(commands.len() >= 14, "{commands:?}");
    for command in commands {
        let help = String::from_utf8(eniplan(&[command, "--help"]).stdout).expect("UTF-8");
        let examples: Vec<&str> = help
            .lines()
            .skip_while(|line| *line != "Examples:")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect();
        assert!(!examples.is_empty(), "{command}: no examples\n{help}");
        assert!(
            help.contains("\nExit status:\n  "),
            "{command}: no exit status\n{help}"
        );
        for example in examples {
            // `cat plan.yaml | eniplan validate -`; a note after two spaces is not the command.
            let line = example
                .split('|')
                .map(str::trim)
                .find(|part| part.starts_with("eniplan"))
                .unwrap_or(example);
            let line = line.split("   ").next().unwrap_or(line).trim();
            // A redirection is the shell's, not the command's.
            let line = line.split(" > ").next().unwrap_or(line).trim();
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"eniplan"), "{command}: {example}");
            assert_eq!(words.get(1), Some(&command), "{command}: {example}");
            let mut args = words[1..].to_vec();
            args.push("--help");
            let parsed = eniplan(&args);
            assert!(
                parsed.status.success(),
                "{command}: `{line}` does not parse: {}",
                String::from_utf8_lossy(&parsed.stderr)
            );
        }
    }
}

/// `eniplan` alone says, above the renderings, which plan they are for, that nothing was
/// written or run, what this host would be, and what to try next.
#[test]
fn no_arguments_say_what_the_output_is_and_what_to_do_next() {
    let output = eniplan(&[]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    // The header's words, its wrapping undone.
    let header: Vec<&str> = text
        .lines()
        .take_while(|line| line.starts_with('#'))
        .flat_map(|line| line.trim_start_matches('#').split_whitespace())
        .collect();
    let header = header.join(" ");
    for needed in [
        "Assign secondary",
        "192.168.1.201",
        "Nothing was written and nothing was run",
        "This host, as --os auto reads it:",
        "eniplan render my-plan.yaml --os auto its files",
        "eniplan help COMMAND",
    ] {
        assert!(header.contains(needed), "{needed}:\n{header}");
    }
    assert!(text.contains("\n### nmcli (nmcli family)\n"));
}
