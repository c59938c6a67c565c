//! The fast YAML path must mean exactly what yaml_serde means: for every text, reading it
//! through `from_yaml` (fast path first) gives the same plan or the same errors as the full
//! parser alone; and the plans people write (every case file, every generated plan in the
//! usual styles) do take the fast path.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::valid_case;
use eniplan::EniPlan;
use proptest::prelude::*;

fn same_meaning(text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        EniPlan::from_yaml(text),
        EniPlan::from_yaml_full(text),
        "{:?}",
        text
    );
    if let Some(fast) = EniPlan::from_yaml_fast_path(text) {
        prop_assert_eq!(Ok(fast), EniPlan::from_yaml_full(text), "{:?}", text);
    }
    Ok(())
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn plain_colons_mean_what_yaml_serde_says() {
    for text in [
        "mac: 00:16:3e:16:43:aa\n",
        "gateway: fe80::1\n",
        "dns: [2400:3200::1, 100.100.2.136]\n",
        "interface: 1:20\n",
        "interface: 1:20:30\n",
        "interface: a:b\n",
        "ipv6:\n  addresses: [2001:db8:1:1::a, 2001:db8::b]\n  gateway: fe80::1\n",
        "ipv6:\n  addresses:\n  - 2001:db8:1:1::a\n",
        "interface: 2001-12-14\n",
        "interface: 2001-12-14t21:59:43.10-05:00\n",
        "interface: 12-34\n",
        "interface: 1.2.3\n",
        "interface: 0755\n",
        "interface: 1e5x\n",
        "interface: Inf\n",
        "interface: .5\n",
        "interface: 0b101\n",
        "interface: 1_0\n",
        "interface: +1\n",
        "interface: NULL\n",
        "interface: Off\n",
        "prefix: 24\nroute_table: 4294967295\n",
        "",
        "# only a comment\n",
        "\n\n",
        "interface: eth0\n...\n",
        "interface: eth0\n---\n",
        "dns: []\n",
        "dns: [ ]\n",
        "secondaries:\n- 10.0.0.1\n-  10.0.0.2\n",
        "secondaries:\n  - 10.0.0.1\n - 10.0.0.2\n",
        "ipv6:\n  addresses:\n    - a1::1\n  prefix: 64\n",
        "ipv6:\n   prefix: 64\n   gateway: fe80::1\n",
        "cloud:\n  region: cn-hangzhou\n   eni_id: eni-x\n",
        "mac: 00:16:3e:16:43:aa # c\n",
        "interface: eth0 #c\n",
        "interface: 'eth0' # c\n",
        // Found by the fuzz target: a flow item running onto later lines is one folded scalar.
        "secondaries: [10.0.0.1\n\n\n  10.0.0.2, 10.0.0.3]\n",
        "secondaries: [10.0.0.1\n  10.0.0.2]\n",
        "secondaries: [10.0.0.1,\n\n  10.0.0.2]\n",
        "route_table: 4294967296\n",
    ] {
        same_meaning(text).unwrap_or_else(|e| panic!("{e}"));
    }
    let plan = EniPlan::from_yaml_fast_path("mac: 00:16:3e:16:43:aa\n").expect("fast path");
    assert_eq!(plan.mac.as_deref(), Some("00:16:3e:16:43:aa"));
    // The plan's own YAML (what the previewer shows) takes the fast path too.
    let yaml = EniPlan::seed_example().to_yaml();
    assert_eq!(
        EniPlan::from_yaml_fast_path(&yaml),
        Some(EniPlan::seed_example()),
        "{yaml}"
    );
}

#[test]
fn every_case_file_means_the_same_and_valid_ones_take_the_fast_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    yaml_files(&root.join("tests/cases"), &mut files);
    yaml_files(&root.join("fuzz/corpus"), &mut files);
    assert!(files.len() > 30, "case files found: {}", files.len());
    let mut fast = 0;
    for path in &files {
        // The fuzz corpus holds byte strings too; only text reaches from_yaml.
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        same_meaning(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let valid = path.to_string_lossy().contains("/valid/");
        if EniPlan::from_yaml_fast_path(&text).is_some() {
            fast += 1;
        } else if valid && !text.contains("fe80") && !text.contains("2001:") && !text.contains("\"")
        {
            panic!(
                "{}: a plain valid case missed the fast path",
                path.display()
            );
        }
    }
    eprintln!("{} of {} case files took the fast path", fast, files.len());
}

/// A plan as YAML in one of the styles people write: flow (on one line or several) or block
/// lists, quoted or plain scalars, comments.
fn styled(plan: &EniPlan, style: u8) -> String {
    let quote = |value: &str| match style % 3 {
        0 => value.to_string(),
        1 => format!("\"{value}\""),
        _ => format!("'{value}'"),
    };
    // A value YAML would read as a bool, null or number must be quoted, as a user must.
    let ambiguous = |value: &str| {
        [
            "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "nan",
        ]
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word))
            || value.parse::<f64>().is_ok()
    };
    let scalar = |value: &str| {
        if ambiguous(value) && style % 3 == 0 {
            format!("\"{value}\"")
        } else {
            quote(value)
        }
    };
    let list = |key: &str, items: &[String], indent: &str| -> String {
        if items.is_empty() {
            return String::new();
        }
        if style & 4 == 0 && style & 16 != 0 {
            // A long flow list broken after its commas, with a blank line among them.
            let joined = items.join(&format!(",\n\n{indent}    "));
            format!("{indent}{key}: [{joined}]\n")
        } else if style & 4 == 0 {
            format!("{indent}{key}: [{}]\n", items.join(", "))
        } else {
            let mut out = format!("{indent}{key}:\n");
            for item in items {
                out.push_str(&format!("{indent}  - {}\n", scalar(item)));
            }
            out
        }
    };
    let mut out = String::from("# a generated plan\n");
    let mut field = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            let comment = if style & 8 != 0 { "  # why" } else { "" };
            out.push_str(&format!("{key}: {}{comment}\n", scalar(value)));
        }
    };
    field("interface", &plan.interface);
    field("mac", &plan.mac);
    field("primary", &plan.primary);
    field("netmask", &plan.netmask);
    field("gateway", &plan.gateway);
    field("connection", &plan.connection);
    if let Some(mode) = plan.mode {
        out.push_str(&format!(
            "mode: {}\n",
            if mode == eniplan::Mode::Dhcp {
                "dhcp"
            } else {
                "static"
            }
        ));
    }
    if let Some(prefix) = plan.prefix {
        out.push_str(&format!("prefix: {prefix}\n"));
    }
    if let Some(style) = plan.ifcfg_style {
        out.push_str(&format!(
            "ifcfg_style: {}\n",
            if style == eniplan::IfcfgStyle::Indexed {
                "indexed"
            } else {
                "aliases"
            }
        ));
    }
    if let Some(table) = plan.route_table {
        out.push_str(&format!("route_table: {table}\n"));
    }
    out.push_str(&list("secondaries", &plan.secondaries, ""));
    out.push_str(&list("dns", &plan.dns, ""));
    if let Some(ipv6) = &plan.ipv6 {
        out.push_str("ipv6:\n");
        out.push_str(&list("addresses", &ipv6.addresses, "  "));
        if let Some(prefix) = ipv6.prefix {
            out.push_str(&format!("  prefix: {prefix}\n"));
        }
        if let Some(gateway) = &ipv6.gateway {
            out.push_str(&format!("  gateway: {}\n", scalar(gateway)));
        }
    }
    if let Some(cloud) = &plan.cloud {
        out.push_str("cloud:\n");
        if let Some(region) = &cloud.region {
            out.push_str(&format!("  region: {}\n", quote(region)));
        }
        if let Some(eni) = &cloud.eni_id {
            out.push_str(&format!("  eni_id: {}\n", quote(eni)));
        }
    }
    out
}

/// Characters with a meaning in YAML, for mutations.
const SIGNIFICANT: &[char] = &[
    ' ', '\n', ':', '-', '#', '"', '\'', '[', ']', ',', '{', '&', '*', '!', '|', '>', '\\', '\t',
    '0', 'a', '.', '~',
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_plans_take_the_fast_path_in_every_style(case in valid_case(), style in 0u8..32) {
        let text = styled(&case.plan, style);
        let fast = EniPlan::from_yaml_fast_path(&text);
        prop_assert!(fast.is_some(), "missed the fast path:\n{}", text);
        prop_assert_eq!(fast.as_ref(), Some(&case.plan));
        same_meaning(&text)?;
    }

    #[test]
    fn mutated_text_means_what_yaml_serde_says(
        case in valid_case(),
        style in 0u8..32,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..SIGNIFICANT.len(), 0u8..3), 1..4),
    ) {
        let mut text: Vec<char> = styled(&case.plan, style).chars().collect();
        for (at, with, kind) in edits {
            let at = at.index(text.len() + 1);
            match kind {
                0 => text.insert(at, SIGNIFICANT[with]),
                1 if at < text.len() => { text.remove(at); }
                _ if at < text.len() => text[at] = SIGNIFICANT[with],
                _ => {}
            }
        }
        same_meaning(&text.into_iter().collect::<String>())?;
    }
}
