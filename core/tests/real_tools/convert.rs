//! Migration: `convert --from centos-7 --to rhel-9`. A host configured with CentOS 7's alias
//! files is read back, converted, and the conversion applied under the same root: the old
//! files must be gone, and the new keyfile must pass the keyfile family's real-tool check
//! (libnm reads it, `nmcli --offline` loads it, and its state applied in a namespace holds
//! exactly the original plan's addresses).

use std::fs;

use eniplan::{HostFiles, Mode, Target};

use crate::support::{corpus, scratch, Item};

#[test]
fn centos7_alias_files_convert_to_a_rhel9_keyfile() {
    let (from, to) = (
        Target::parse("centos-7").expect("target"),
        Target::parse("rhel-9").expect("target"),
    );
    let mut failures = Vec::new();
    let mut converted = 0;
    // Static plans: a DHCP configuration's files do not hold the primary (the lease does), so
    // converting one needs the runtime state as well.
    let items = corpus(eniplan::OsFamily::Rhel)
        .into_iter()
        .filter(|item| item.plan.mode() == Mode::Static)
        .take(40);
    for item in items {
        let outcome = (|| -> Result<(), String> {
            let old = match eniplan::render(&item.plan, from) {
                Ok(rendering) => rendering,
                Err(_) => return Ok(()), // refused for CentOS 7 (indexed + dhcp)
            };
            let root = scratch("convert");
            eniplan::apply::apply(&old, &root, eniplan::apply::Options::default())
                .map_err(|e| e.to_string())?;
            // What the CLI reads: every file of the directory, from disk.
            let mut files = HostFiles::new();
            let dir = root.join("etc/sysconfig/network-scripts");
            for entry in fs::read_dir(&dir).map_err(|e| e.to_string())? {
                let entry = entry.map_err(|e| e.to_string())?;
                let name = format!(
                    "/etc/sysconfig/network-scripts/{}",
                    entry.file_name().to_string_lossy()
                );
                files.insert(
                    name,
                    fs::read_to_string(entry.path()).map_err(|e| e.to_string())?,
                );
            }
            let (reading, new) = eniplan::convert(&files, from, to, Some(item.plan.interface()))
                .map_err(|e| e.to_string())?;
            let drift = eniplan::drift(&item.raw, &reading.plan, from.family());
            if !drift.is_empty() {
                return Err(format!("read back differs: {drift:?}"));
            }
            eniplan::apply::apply(&new, &root, eniplan::apply::Options::default())
                .map_err(|e| e.to_string())?;
            for path in &reading.files {
                if root.join(path.trim_start_matches('/')).exists() {
                    return Err(format!("{path} was not deleted"));
                }
            }
            let read = Item {
                label: item.label.clone(),
                raw: reading.plan.clone(),
                plan: reading.plan.validate().map_err(|e| e.to_string())?,
            };
            crate::keyfile::check(&read, &new)?;
            let _ = fs::remove_dir_all(&root);
            converted += 1;
            Ok(())
        })();
        if let Err(error) = outcome {
            failures.push(format!("{}: {error}", item.label));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(converted >= 30, "only {converted} plans converted");
    eprintln!("convert centos-7 → rhel-9: {converted} hosts migrated, 0 failed");
}
