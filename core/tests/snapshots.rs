//! Snapshot tests driven by plan files: every file in `tests/cases/valid/` is rendered for every
//! family (and the ECS document's example for every distribution too), every file in
//! `tests/cases/invalid/` must be refused. Snapshots live in the top-level `snapshots/`, and
//! each begins with its input (the plan text; both plans for a change), so a reviewer can read
//! one snapshot alone. The cases are walked with insta's `glob!`, which
//! reports every failing case at the end of the run instead of stopping at the first.
//! Adding a case is adding a file; `cargo insta review` (or INSTA_UPDATE=always) records it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use eniplan::Target;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = workspace().join("tests/cases").join(kind);
    let mut cases: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "json")
        })
        .map(|path| {
            let stem = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (stem, path)
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    cases
}

/// The targets a valid case is rendered for: every family, and for the seed's own example
/// every distribution name as well (each row of the seed's tables).
fn targets_for(case: &str) -> Vec<Target> {
    if case == "seed-static" {
        Target::all().collect()
    } else {
        Target::families().collect()
    }
}

/// The settings of one snapshot: the top-level folder, our own names (not glob!'s file-name
/// suffix) and the input file.
fn settings(input: &Path, description: String) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.remove_snapshot_suffix();
    settings.set_input_file(input);
    settings.set_description(description);
    settings.set_omit_expression(true);
    settings
}

/// The snapshot body: each input under a header naming it, then what was rendered from it.
fn with_input(inputs: &[(&str, &str)], output: String) -> String {
    let mut document = String::new();
    for (name, text) in inputs {
        document.push_str(&format!("=== input: {name}\n{text}"));
        if !text.ends_with('\n') {
            document.push('\n');
        }
    }
    document.push_str("=== output\n");
    document.push_str(&output);
    document
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

/// A rendering as one reviewable document, or the full error list.
fn document(plan: &str, target: Target) -> String {
    match eniplan::render_text(plan, target.name()) {
        Ok(renderings) => renderings
            .iter()
            .map(eniplan::Rendering::to_text)
            .collect::<String>(),
        Err(errors) => format!("REFUSED\n{errors}\n"),
    }
}

fn snapshot_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (case, _) in cases("valid") {
        for target in targets_for(&case) {
            names.insert(format!("{case}@{}", target.name()));
        }
    }
    for (case, _) in cases("invalid") {
        names.insert(format!("invalid@{case}"));
    }
    for case in change_cases() {
        for target in Target::families() {
            names.insert(format!("change-{case}@{}", target.name()));
        }
    }
    for target in Target::families() {
        names.insert(format!("absent-seed-static@{}", target.name()));
    }
    names
}

/// The folders under tests/cases/change, each holding `before.yaml` and `after.yaml`.
fn change_cases() -> Vec<String> {
    let dir = workspace().join("tests/cases/change");
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("tests/cases/change exists")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A change rendering as one document, or the full error list.
fn change_document(before: &str, after: Option<&str>, target: Target) -> String {
    let before = eniplan::EniPlan::from_text(before).expect("change case parses");
    let after = after.map(|text| eniplan::EniPlan::from_text(text).expect("change case parses"));
    match eniplan::render_change_plans(&before, after.as_ref(), target.name()) {
        Ok(rendering) => rendering.to_text(),
        Err(errors) => format!("REFUSED\n{errors}\n"),
    }
}

/// Each change case (before → after) for every family: new files, files to delete, and the
/// commands that remove the dropped addresses at once.
#[test]
fn changes_render_as_recorded() {
    insta::glob!("../../tests/cases", "change/*/after.yaml", |after_path| {
        let dir = after_path.parent().expect("case folder");
        let case = dir
            .file_name()
            .expect("case name")
            .to_string_lossy()
            .into_owned();
        let before = fs::read_to_string(dir.join("before.yaml")).expect("before.yaml");
        let after = fs::read_to_string(after_path).expect("after.yaml");
        for target in Target::families() {
            let settings = settings(
                after_path,
                format!(
                    "change {case} (before.yaml → after.yaml) for {}",
                    target.name()
                ),
            );
            settings.bind(|| {
                insta::assert_snapshot!(
                    format!("change-{case}@{}", target.name()),
                    with_input(
                        &[("before.yaml", &before), ("after.yaml", &after)],
                        change_document(&before, Some(&after), target)
                    )
                );
            });
        }
    });
}

/// Removing every secondary of the ECS document's example, for every family.
#[test]
fn unassigning_every_secondary_renders_as_recorded() {
    let path = workspace().join("tests/cases/valid/seed-static.yaml");
    let plan = fs::read_to_string(&path).expect("seed-static.yaml");
    for target in Target::families() {
        let settings = settings(
            &path,
            format!("every secondary removed, for {}", target.name()),
        );
        settings.bind(|| {
            insta::assert_snapshot!(
                format!("absent-seed-static@{}", target.name()),
                with_input(&[("plan", &plan)], change_document(&plan, None, target))
            );
        });
    }
}

#[test]
fn valid_plans_render_as_recorded() {
    insta::glob!("../../tests/cases", "valid/*.yaml", |path| {
        let case = stem(path);
        let plan = fs::read_to_string(path).expect("readable case");
        for target in targets_for(&case) {
            let settings = settings(path, format!("{case} rendered for {}", target.name()));
            settings.bind(|| {
                insta::assert_snapshot!(
                    format!("{case}@{}", target.name()),
                    with_input(&[("plan", &plan)], document(&plan, target))
                );
            });
        }
    });
}

#[test]
fn invalid_plans_are_refused_with_every_problem() {
    insta::glob!("../../tests/cases", "invalid/*.yaml", |path| {
        let case = stem(path);
        let plan = fs::read_to_string(path).expect("readable case");
        // One plan or an instance (a list), as `eniplan render` reads it.
        let errors = match eniplan::plans_from_text(&plan)
            .and_then(|plans| eniplan::render_plans(&plans, "all"))
        {
            Ok(outcomes) => {
                let refused: Vec<String> = outcomes
                    .iter()
                    .filter_map(|outcome| match outcome {
                        eniplan::Outcome::Refused(refusal) => {
                            Some(format!("{}: {}", refusal.target, refusal.errors))
                        }
                        eniplan::Outcome::Rendered(_) => None,
                    })
                    .collect();
                assert!(!refused.is_empty(), "{case}: an invalid plan was rendered");
                refused.join("\n")
            }
            Err(errors) => errors.to_string(),
        };
        let settings = settings(path, format!("{case}: every problem, for --os all"));
        settings.bind(|| {
            insta::assert_snapshot!(
                format!("invalid@{case}"),
                with_input(&[("plan", &plan)], format!("{errors}\n"))
            );
        });
    });
}

/// A snapshot no case produces any more is a stale file that hides a removed case.
#[test]
fn every_snapshot_belongs_to_a_case() {
    let expected = snapshot_names();
    let mut orphans = Vec::new();
    for entry in fs::read_dir(workspace().join("snapshots")).expect("snapshots/ exists") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".snap") {
            if !expected.contains(stem) {
                orphans.push(name);
            }
        }
    }
    assert!(orphans.is_empty(), "snapshots without a case: {orphans:?}");
}
