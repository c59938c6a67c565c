//! Hostile input: every string field of a plan, fed shell, cmd and YAML metacharacters,
//! newlines, invisible and look-alike characters and NUL. Each case must either be refused
//! with an error naming exactly that field, or — for the names that may legitimately hold such
//! characters (NetworkManager connections, Windows adapters) — come out quoted so that the real
//! parser (bash, or netsh's tokenizer) reads back exactly the original value. The outcome of
//! every case is pinned in `snapshots/hostile/`.

use std::process::Command;

use eniplan::{CloudPlan, EniPlan, Ipv6Plan, Rendering};
use proptest::prelude::*;

use crate::netsh::{tokenize, Netsh};
use crate::support::{run, succeeded};
use crate::windows_host::Shell;

/// Payloads: shell metacharacters, cmd's `%`/`^`/`!`, YAML indicators, line breaks, an
/// injected ifcfg line, invisible and bidirectional controls, NUL, a full-width digit, blanks.
pub const PAYLOADS: &[&str] = &[
    ";",
    "|",
    "&",
    "$(reboot)",
    "`id`",
    "\\",
    "'",
    "\"",
    "<",
    ">",
    "\n",
    "\r",
    "\nGATEWAY=6.6.6.6",
    "%PATH%",
    "^",
    "!",
    ": ",
    "- ",
    "#",
    "{",
    "}",
    "[",
    "]",
    "*",
    "?",
    "\u{200b}",
    "\u{202e}",
    "\0",
    "\u{ff11}",
    " ",
    "\t",
];

/// The fields a payload is planted in, how, and which target renders the plan.
pub const FIELDS: &[&str] = &[
    "interface",
    "interface (windows)",
    "mac",
    "primary",
    "secondaries[0]",
    "gateway",
    "netmask",
    "dns[0]",
    "connection",
    "ipv6.addresses[0]",
    "ipv6.gateway",
    "cloud.region",
    "cloud.eni_id",
];

fn base() -> EniPlan {
    let mut plan = EniPlan::seed_example();
    plan.ipv6 = Some(Ipv6Plan {
        addresses: vec!["2001:db8::a".into()],
        prefix: Some(64),
        gateway: Some("fe80::1".into()),
    });
    plan.cloud = Some(CloudPlan {
        region: Some("cn-hangzhou".into()),
        eni_id: Some("eni-bp1example".into()),
        ..CloudPlan::default()
    });
    plan
}

/// The plan with `payload` planted in `field`, the target to render, and the error field
/// a refusal must name.
pub fn planted(field: &str, payload: &str) -> (EniPlan, &'static str, String) {
    let mut plan = base();
    let ipv6 = plan.ipv6.as_mut().expect("base has ipv6");
    let cloud = plan.cloud.as_mut().expect("base has cloud");
    let mut target = "all";
    let error_field = field.trim_end_matches(" (windows)").to_string();
    match field {
        "interface" => plan.interface = Some(format!("eth{payload}0")),
        "interface (windows)" => {
            plan.interface = Some(format!("Ethernet{payload}2"));
            target = "windows";
        }
        "mac" => plan.mac = Some(format!("00:16:3e:16:43:a{payload}")),
        "primary" => plan.primary = Some(format!("192.168.1.201{payload}")),
        "secondaries[0]" => plan.secondaries[0] = format!("{payload}192.168.1.202"),
        "gateway" => plan.gateway = Some(format!("192.168.1.253{payload}")),
        "netmask" => {
            plan.prefix = None;
            plan.netmask = Some(format!("255.255.255.0{payload}"));
        }
        "dns[0]" => plan.dns[0] = format!("100.100.2.136{payload}"),
        "connection" => {
            plan.connection = Some(format!("System{payload}eth0"));
            target = "nmcli";
        }
        "ipv6.addresses[0]" => ipv6.addresses[0] = format!("2001:db8::a{payload}"),
        "ipv6.gateway" => ipv6.gateway = Some(format!("fe80::1{payload}")),
        "cloud.region" => cloud.region = Some(format!("cn-hangzhou{payload}")),
        "cloud.eni_id" => cloud.eni_id = Some(format!("eni-bp1{payload}")),
        other => panic!("no such field {other}"),
    }
    (plan, target, error_field)
}

/// bash reads every command line back as exactly its argv, and the connection argument is
/// exactly the plan's name.
pub fn connection_reads_back(rendering: &Rendering, name: &str) -> Result<(), String> {
    for command in &rendering.commands {
        let script = format!("printf '%s\\0' {}", command.shell);
        let words = succeeded(
            "bash",
            &run(Command::new("bash").args(["--noprofile", "--norc", "-c", &script])),
        )?;
        let words: Vec<&str> = words
            .strip_suffix('\0')
            .unwrap_or(&words)
            .split('\0')
            .collect();
        if words != command.argv || words.get(3) != Some(&name) {
            return Err(format!(
                "bash reads {:?} as {words:?}; the connection is {name:?}",
                command.shell
            ));
        }
    }
    Ok(())
}

/// netsh's tokenizer reads every command back as its argv (a guarded line as its two
/// commands), each naming exactly the adapter.
pub fn adapter_reads_back(rendering: &Rendering, name: &str) -> Result<(), String> {
    let netsh = Netsh { adapter: name };
    for command in &rendering.commands {
        netsh.check_line(command)?;
    }
    Ok(())
}

/// Runs one case; `Ok(outcome line)` or `Err(why the case broke a rule)`.
pub fn judge(field: &str, payload: &str) -> Result<String, String> {
    let (plan, target, error_field) = planted(field, payload);
    match eniplan::render_plan(&plan, target) {
        Err(errors) => {
            let ours: Vec<&eniplan::Error> = errors
                .as_slice()
                .iter()
                .filter(|e| e.field() == error_field)
                .collect();
            if ours.is_empty() {
                return Err(format!(
                    "refused, but no error names {error_field}: {errors}"
                ));
            }
            let message = ours[0].to_string();
            if message.contains(['\n', '\r', '\0']) {
                return Err(format!(
                    "the message carries a raw control character: {message:?}"
                ));
            }
            Ok(format!("refused: {message}"))
        }
        Ok(renderings) => {
            let rendering = &renderings[0];
            match field {
                "connection" => connection_reads_back(
                    rendering,
                    plan.connection.as_deref().unwrap_or_default(),
                )?,
                "interface (windows)" => {
                    adapter_reads_back(rendering, plan.interface.as_deref().unwrap_or_default())?
                }
                _ => {
                    return Err(format!(
                        "{field} accepted {payload:?}; only names may hold it"
                    ))
                }
            }
            Ok("accepted, and the real parser reads back exactly the value".into())
        }
    }
}

#[test]
fn hostile_values_are_refused_or_read_back_exactly() {
    let mut table = String::new();
    let mut broken = Vec::new();
    let mut count = 0;
    for field in FIELDS {
        for payload in PAYLOADS {
            count += 1;
            match judge(field, payload) {
                Ok(outcome) => table.push_str(&format!(
                    "{field} + {}: {outcome}\n",
                    payload.escape_debug()
                )),
                Err(why) => broken.push(format!("{field} + {}: {why}", payload.escape_debug())),
            }
        }
    }
    eprintln!(
        "hostile inputs: {count} cases, {} broke a rule",
        broken.len()
    );
    assert!(count >= 200);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots/hostile"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("hostile-inputs", table));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any string at all as a connection or Windows adapter name: refused naming the field,
    /// or read back exactly by the real parser.
    #[test]
    fn arbitrary_names_are_refused_or_read_back(name in "\\PC{0,12}|.{0,12}", windows in any::<bool>()) {
        let mut plan = EniPlan::seed_example();
        let (target, field) = if windows {
            plan.interface = Some(name.clone());
            ("windows", "interface")
        } else {
            plan.connection = Some(name.clone());
            ("nmcli", "connection")
        };
        match eniplan::render_plan(&plan, target) {
            Err(errors) => prop_assert!(errors.as_slice().iter().any(|e| e.field() == field), "{}", errors),
            Ok(renderings) => {
                let checked = if windows {
                    adapter_reads_back(&renderings[0], &name)
                } else {
                    connection_reads_back(&renderings[0], &name)
                };
                prop_assert!(checked.is_ok(), "{:?}", checked);
            }
        }
    }

    /// Any string as a Linux interface name: refused, or every file format carries it as is
    /// (netplan's YAML key, ifcfg's DEVICE as bash reads it, ifupdown's stanza for ifquery).
    #[test]
    fn arbitrary_linux_names_are_refused_or_carried_exactly(name in "[a-z0-9._:/ -]{0,16}|\\PC{0,8}") {
        let mut plan = EniPlan::seed_example();
        plan.interface = Some(name.clone());
        match eniplan::render_plan(&plan, "netplan,rhel,ifupdown") {
            Err(errors) => prop_assert!(errors.as_slice().iter().any(|e| e.field() == "interface"), "{}", errors),
            Ok(renderings) => {
                let yaml: yaml_serde::Value = yaml_serde::from_str(&renderings[0].files[1].contents).expect("netplan YAML parses");
                let key = yaml["network"]["ethernets"].as_mapping().and_then(|m| m.keys().next().cloned());
                prop_assert_eq!(key.as_ref().and_then(|k| k.as_str()), Some(name.as_str()));
                let dir = crate::support::scratch("hostile-ifcfg");
                let path = dir.join("ifcfg");
                std::fs::write(&path, &renderings[1].files[1].contents).expect("write");
                let vars = crate::support::source_ifcfg(&path);
                prop_assert_eq!(vars.ok().and_then(|v| v.get("DEVICE").cloned()), Some(name.clone()));
                // The interface's own stanzas file (the main file holds only lo and `source`).
                let stanzas = renderings[2].files.iter()
                    .find(|file| file.path.starts_with("/etc/network/interfaces.d/"))
                    .expect("an interfaces.d file");
                std::fs::write(&path, &stanzas.contents).expect("write");
                let listed = succeeded("ifquery", &run(Command::new("ifquery").arg("-i").arg(&path).arg("--list")));
                prop_assert!(listed.as_ref().is_ok_and(|l| l.lines().any(|line| line == name)), "{:?}", listed);
            }
        }
    }
}

/// A trailing backslash would escape the closing quote under Windows' argument rules: the
/// tokenizer shows the damage, and the core refuses such a name.
#[test]
fn an_adapter_name_ending_in_a_backslash_is_refused() {
    let tokens = tokenize("netsh interface ipv4 add address name=\"Ethernet\\\" address=1.2.3.4")
        .unwrap_or_default();
    assert_ne!(
        tokens.get(5).map(String::as_str),
        Some("name=Ethernet\\"),
        "{tokens:?}"
    );
    let mut plan = EniPlan::seed_example();
    plan.interface = Some("Ethernet\\".into());
    let errors = eniplan::render_plan(&plan, "windows").expect_err("refused");
    assert_eq!(errors.as_slice()[0].field(), "interface");
    assert!(
        errors.to_string().contains("escaping the closing quote"),
        "{errors}"
    );
}
