//! Readers on files as the tools' own projects write them: one case per folder of
//! `tests/readers/` (`case.yaml` says the target, the interface, the host's NICs, and what the
//! reading must be; `host/` holds the files under their host paths). Each case is a class of
//! file the real tool reads in its own way — a prefix its tool defaults, a default route
//! chosen by metric, a profile bound by MAC, a file the tool refuses whole — and the expected
//! reading is what the tool configures (netplan, NetworkManager's ifcfg-rh and keyfile
//! readers, ifupdown, systemd-networkd, wicked), with what a plan cannot carry named in the
//! warnings or the unread lines. Adding a case is adding a folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use eniplan::{EniPlan, HostFiles, HostNics, Target};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    target: String,
    interface: String,
    #[serde(default)]
    nics: HostNics,
    /// What `configured_interfaces` lists, when the case says.
    #[serde(default)]
    interfaces: Option<Vec<String>>,
    #[serde(default)]
    plan: Option<EniPlan>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    unread: Vec<String>,
}

fn host(dir: &Path) -> HostFiles {
    fn walk(root: &Path, dir: &Path, files: &mut HostFiles) {
        for entry in fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                files.insert(
                    format!("/{}", relative.to_string_lossy()),
                    fs::read_to_string(&path).expect("text"),
                );
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

fn check(dir: &Path) -> Result<(), String> {
    let text = fs::read_to_string(dir.join("case.yaml")).map_err(|e| e.to_string())?;
    let case: Case = yaml_serde::from_str(&text).map_err(|e| e.to_string())?;
    let target = Target::parse(&case.target).map_err(|e| e.to_string())?;
    let files = host(&dir.join("host"));
    if let Some(want) = &case.interfaces {
        let got = eniplan::configured_interfaces_on(&files, target, &case.nics)
            .map_err(|e| e.to_string())?;
        if &got != want {
            return Err(format!("interfaces {got:?}, expected {want:?}"));
        }
    }
    let reading = eniplan::read_on(&files, target, Some(&case.interface), &case.nics);
    let reading = match (reading, &case.error) {
        (Err(errors), Some(want)) => {
            let text = errors.to_string();
            return if text.contains(want.as_str()) {
                Ok(())
            } else {
                Err(format!("refused with {text:?}, expected {want:?}"))
            };
        }
        (Ok(reading), Some(want)) => {
            return Err(format!(
                "read {:?}, expected the error {want:?}",
                reading.plan
            ))
        }
        (Err(errors), None) => return Err(errors.to_string()),
        (Ok(reading), None) => reading,
    };
    let want = case
        .plan
        .as_ref()
        .ok_or("the case gives neither plan nor error")?;
    if &reading.plan != want {
        return Err(format!(
            "read\n{}expected\n{}",
            reading.plan.to_yaml(),
            want.to_yaml()
        ));
    }
    for fragment in &case.warnings {
        if !reading
            .warnings
            .iter()
            .any(|w| w.contains(fragment.as_str()))
        {
            return Err(format!(
                "no warning says {fragment:?}: {:?}",
                reading.warnings
            ));
        }
    }
    for fragment in &case.unread {
        if !reading
            .unread
            .iter()
            .any(|u| u.reason.contains(fragment.as_str()) || u.text.contains(fragment.as_str()))
        {
            return Err(format!(
                "nothing unread says {fragment:?}: {:?}",
                reading.unread
            ));
        }
    }
    Ok(())
}

#[test]
fn every_reader_case_reads_as_its_tool_configures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/readers");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .expect("tests/readers")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("case.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "reader cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case)
                .err()
                .map(|e| format!("{}: {e}", case.file_name().expect("name").to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
