//! The rules of `eniplan::apply`, each on a real directory: what is written, what is refused,
//! and what a crash or an odd file on the way leaves behind.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use eniplan::apply::{self, Action, Options};
use eniplan::{File, Rendering};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("apply-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn rendering(files: &[(&str, &str, u32)], delete: &[&str]) -> Rendering {
    let mut rendering = eniplan::render_seed_example("rhel")
        .expect("renders")
        .remove(0);
    rendering.files = files
        .iter()
        .map(|(path, contents, mode)| File {
            path: (*path).into(),
            contents: (*contents).into(),
            mode: *mode,
        })
        .collect();
    rendering.delete = delete.iter().map(|path| (*path).to_string()).collect();
    rendering
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("exists").permissions().mode() & 0o7777
}

#[test]
fn writes_only_what_differs_and_deletes_stale_files() {
    let root = scratch("differs");
    fs::create_dir_all(root.join("etc/x")).expect("dir");
    fs::write(root.join("etc/x/stale"), "old address\n").expect("stale");
    let first = rendering(
        &[("/etc/x/a", "A\n", 0o644), ("/etc/x/b", "B\n", 0o600)],
        &["/etc/x/stale", "/etc/x/never-existed"],
    );
    let outcome = apply::apply(&first, &root, Options::default()).expect("applies");
    assert!(outcome.changed);
    let actions: Vec<Action> = outcome.files.iter().map(|c| c.action).collect();
    assert_eq!(actions, [Action::Create, Action::Create, Action::Delete]);
    assert_eq!(
        fs::read_to_string(root.join("etc/x/a")).ok().as_deref(),
        Some("A\n")
    );
    assert_eq!(mode(&root.join("etc/x/b")), 0o600);
    assert!(!root.join("etc/x/stale").exists());

    let again = apply::apply(&first, &root, Options::default()).expect("applies");
    assert!(!again.changed, "a second apply changes nothing");
    assert!(again.files.iter().all(|c| c.action == Action::Unchanged));

    // A mode change alone is a change.
    fs::set_permissions(root.join("etc/x/b"), fs::Permissions::from_mode(0o644)).expect("chmod");
    let changes = apply::changes(&first, &root).expect("changes");
    assert_eq!(changes[1].action, Action::Update);
    apply::apply(&first, &root, Options::default()).expect("applies");
    assert_eq!(mode(&root.join("etc/x/b")), 0o600);
}

#[test]
fn a_symlinked_directory_is_never_followed() {
    for (name, inside) in [("leaving", false), ("inside", true)] {
        let root = scratch(&format!("symlinked-dir-{name}"));
        let target = if inside {
            let target = root.join("real");
            fs::create_dir_all(&target).expect("dir");
            target
        } else {
            scratch(&format!("symlinked-dir-{name}-outside"))
        };
        fs::create_dir_all(root.join("etc")).expect("etc");
        symlink(&target, root.join("etc/netplan")).expect("symlink");
        let error = apply::apply(
            &rendering(&[("/etc/netplan/50.yaml", "x\n", 0o600)], &[]),
            &root,
            Options::default(),
        )
        .expect_err("refused");
        assert!(error.message.contains("symlink"), "{error}");
        assert_eq!(fs::read_dir(&target).expect("target").count(), 0, "{name}");
        // Deleting through one is refused the same way.
        assert!(apply::apply(
            &rendering(&[], &["/etc/netplan/old.yaml"]),
            &root,
            Options::default()
        )
        .is_err());
    }
}

#[test]
fn a_symlinked_file_is_replaced_not_written_through() {
    let root = scratch("symlinked-file");
    let outside = scratch("symlinked-file-outside").join("victim");
    fs::write(&outside, "keep me\n").expect("victim");
    fs::create_dir_all(root.join("etc")).expect("etc");
    symlink(&outside, root.join("etc/hosts")).expect("symlink");
    apply::apply(
        &rendering(&[("/etc/hosts", "new\n", 0o644)], &[]),
        &root,
        Options::default(),
    )
    .expect("applies");
    assert_eq!(
        fs::read_to_string(&outside).ok().as_deref(),
        Some("keep me\n")
    );
    let meta = fs::symlink_metadata(root.join("etc/hosts")).expect("exists");
    assert!(meta.is_file(), "the link itself was replaced by a file");
}

#[test]
fn a_directory_where_a_file_goes_is_an_error() {
    let root = scratch("directory");
    fs::create_dir_all(root.join("etc/file-is-dir")).expect("dir");
    let error = apply::apply(
        &rendering(&[("/etc/file-is-dir", "x\n", 0o644)], &[]),
        &root,
        Options::default(),
    )
    .expect_err("refused");
    assert!(error.message.contains("not a regular file"), "{error}");
    fs::write(root.join("etc/plain"), "x").expect("file");
    let error = apply::apply(
        &rendering(&[("/etc/plain/below", "x\n", 0o644)], &[]),
        &root,
        Options::default(),
    )
    .expect_err("refused");
    assert!(error.message.contains("not a directory"), "{error}");
}

#[test]
fn a_read_only_file_is_replaced_with_the_rendered_mode() {
    let root = scratch("read-only");
    fs::create_dir_all(root.join("etc")).expect("etc");
    let path = root.join("etc/ro");
    fs::write(&path, "old\n").expect("file");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).expect("chmod");
    apply::apply(
        &rendering(&[("/etc/ro", "new\n", 0o644)], &[]),
        &root,
        Options::default(),
    )
    .expect("applies");
    assert_eq!(fs::read_to_string(&path).ok().as_deref(), Some("new\n"));
    assert_eq!(mode(&path), 0o644);
}

#[test]
fn a_crash_between_write_and_rename_leaves_the_old_file_and_the_next_apply_recovers() {
    let root = scratch("crash");
    fs::create_dir_all(root.join("etc")).expect("etc");
    fs::write(root.join("etc/cfg"), "old\n").expect("file");
    // What a crash after writing the temporary file and before the rename leaves behind.
    fs::write(root.join("etc/.cfg.eniplan-tmp"), "ne").expect("half-written temporary");
    let wanted = rendering(&[("/etc/cfg", "new\n", 0o644)], &[]);
    let changes = apply::changes(&wanted, &root).expect("changes");
    assert_eq!(
        changes[0].before.as_deref(),
        Some("old\n"),
        "the old file is intact"
    );
    apply::apply(&wanted, &root, Options::default()).expect("applies");
    assert_eq!(
        fs::read_to_string(root.join("etc/cfg")).ok().as_deref(),
        Some("new\n")
    );
    assert!(!root.join("etc/.cfg.eniplan-tmp").exists());
}

#[test]
fn paths_that_leave_the_root_are_refused() {
    let root = scratch("escape");
    for path in ["etc/relative", "/etc/../../x", "/etc/./x", "/", "/etc/dir/"] {
        let error = apply::apply(
            &rendering(&[(path, "x", 0o644)], &[]),
            &root,
            Options::default(),
        )
        .expect_err(path);
        assert!(error.message.contains("refusing"), "{path}: {error}");
    }
    assert_eq!(fs::read_dir(&root).expect("root").count(), 0);
}

#[test]
fn backups_keep_what_was_changed_or_deleted_outside_the_configuration() {
    let root = scratch("backup");
    fs::create_dir_all(root.join("etc")).expect("etc");
    fs::write(root.join("etc/a"), "old a\n").expect("a");
    fs::write(root.join("etc/gone"), "old gone\n").expect("gone");
    fs::set_permissions(root.join("etc/gone"), fs::Permissions::from_mode(0o600)).expect("mode");
    let outcome = apply::apply(
        &rendering(
            &[("/etc/a", "new a\n", 0o644), ("/etc/b", "b\n", 0o644)],
            &["/etc/gone"],
        ),
        &root,
        Options { backup: true },
    )
    .expect("applies");
    assert_eq!(outcome.backups.len(), 2, "{:?}", outcome.backups);
    let kept: Vec<String> = outcome
        .backups
        .iter()
        .map(|path| fs::read_to_string(path).expect("backup"))
        .collect();
    assert_eq!(kept, ["old a\n", "old gone\n"]);
    // The set lives under /var/backups/eniplan, each copy at its own path; nothing new sits
    // beside the live files, where a tool's glob would read it as configuration.
    let set = outcome.backup_set.clone().expect("a set");
    let sets = root
        .join("var/backups/eniplan")
        .canonicalize()
        .expect("sets dir");
    assert!(set.starts_with(&sets), "{}", set.display());
    assert!(outcome.backups[0].ends_with("etc/a"));
    let mut beside: Vec<String> = fs::read_dir(root.join("etc"))
        .expect("etc")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    beside.sort();
    assert_eq!(beside, ["a", "b"]);

    // One call puts everything back: a and gone as they were (mode included), b removed.
    let restored = apply::restore(&root, &set).expect("restores");
    assert_eq!(restored.restored.len(), 2);
    assert_eq!(restored.removed.len(), 1);
    assert_eq!(
        fs::read_to_string(root.join("etc/a")).expect("a"),
        "old a\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("etc/gone")).expect("gone"),
        "old gone\n"
    );
    assert_eq!(mode(&root.join("etc/gone")), 0o600);
    assert!(!root.join("etc/b").exists());
    assert_eq!(
        apply::backup_sets(&root).expect("sets"),
        std::slice::from_ref(&set)
    );

    // A second write in the same second gets a set of its own.
    let again = apply::apply(
        &rendering(&[("/etc/a", "newer a\n", 0o644)], &[]),
        &root,
        Options { backup: true },
    )
    .expect("applies");
    let second = again.backup_set.expect("a second set");
    assert_ne!(second, set);
    assert_eq!(apply::backup_sets(&root).expect("sets").len(), 2);
}

#[test]
fn a_backup_set_missing_a_copy_restores_nothing() {
    let root = scratch("backup-broken");
    fs::create_dir_all(root.join("etc")).expect("etc");
    fs::write(root.join("etc/a"), "old a\n").expect("a");
    fs::write(root.join("etc/b"), "old b\n").expect("b");
    let outcome = apply::apply(
        &rendering(
            &[("/etc/a", "new a\n", 0o644), ("/etc/b", "new b\n", 0o644)],
            &[],
        ),
        &root,
        Options { backup: true },
    )
    .expect("applies");
    let set = outcome.backup_set.expect("a set");
    fs::remove_file(set.join("etc/b")).expect("lose a copy");
    let error = apply::restore(&root, &set).expect_err("refused");
    assert!(error.to_string().contains("read the backup"), "{error}");
    assert_eq!(
        fs::read_to_string(root.join("etc/a")).expect("a"),
        "new a\n"
    );
}

#[test]
fn planning_a_write_never_creates_the_root() {
    let root = scratch("no-root").join("missing");
    let changes = apply::changes(&rendering(&[("/etc/a", "a\n", 0o644)], &["/etc/b"]), &root)
        .expect("a missing root holds nothing");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].action, Action::Create);
    assert!(!root.exists(), "planning created the root");
}

/// What a rendering is merged with: an absent root or directory holds nothing, but a host
/// that exists and cannot be read is an error naming what failed, never an empty host (a
/// rendering merged with nothing would overwrite what it missed).
#[test]
fn a_host_that_cannot_be_read_is_an_error_not_nothing() {
    use eniplan::apply::HostFilesError;
    use eniplan::OsFamily;

    let missing = scratch("merge-missing").join("fresh");
    let files = apply::merge_files(&missing, OsFamily::Netplan).expect("a fresh root");
    assert!(files.is_empty());
    assert!(!missing.exists(), "reading created the root");

    // /etc/netplan is a file here: the directory netplan reads cannot be listed.
    let root = scratch("merge-not-a-dir");
    fs::create_dir_all(root.join("etc")).expect("etc");
    fs::write(root.join("etc/netplan"), "network: {}\n").expect("a file where a dir goes");
    match apply::merge_files(&root, OsFamily::Netplan) {
        Err(HostFilesError::Io(message)) => {
            assert!(message.contains("etc/netplan"), "{message}")
        }
        other => panic!("expected an I/O error naming etc/netplan, got {other:?}"),
    }

    // A global file that is no text is named, as a file of a directory is.
    let root = scratch("merge-binary-global");
    fs::create_dir_all(root.join("etc/sysconfig")).expect("sysconfig");
    fs::write(root.join("etc/sysconfig/network"), b"GATEWAY=\xff\0\n").expect("binary");
    match apply::merge_files(&root, OsFamily::Rhel) {
        Err(HostFilesError::Invalid(errors)) => {
            assert!(
                errors.to_string().contains("/etc/sysconfig/network"),
                "{errors}"
            )
        }
        other => panic!("expected the global file named, got {other:?}"),
    }
}

/// `--os auto`'s evidence leaves out a file that is no text, not its whole family.
#[test]
fn a_binary_file_beside_configuration_is_no_evidence_but_hides_nothing() {
    let root = scratch("evidence-binary");
    fs::create_dir_all(root.join("etc/netplan")).expect("netplan dir");
    fs::write(
        root.join("etc/netplan/50-cloud-init.yaml"),
        "network: {version: 2}\n",
    )
    .expect("yaml");
    fs::write(root.join("etc/netplan/core"), b"\x7fELF\0\0").expect("binary");
    let evidence = apply::evidence(&root).expect("evidence");
    let files: Vec<&String> = evidence.files.keys().collect();
    assert_eq!(files, ["/etc/netplan/50-cloud-init.yaml"], "{files:?}");
}

/// A host snapshot (`eniplan snapshot`) carries what a rendering on the host reads: for every
/// host layout of `tests/hosts/`, the rendering made from the snapshot — after a round trip
/// through its JSON, as it travels from a managed host to an Ansible controller — is the one
/// made on the host's files, for its target and for `auto` (which detects the same target).
#[test]
fn a_rendering_from_a_snapshot_is_the_rendering_on_the_host() {
    let layouts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hosts");
    let mut checked = 0;
    for entry in fs::read_dir(&layouts).expect("layouts") {
        let dir = entry.expect("entry").path();
        let root = dir.join("host");
        let case: yaml_serde::Value =
            yaml_serde::from_str(&fs::read_to_string(dir.join("case.yaml")).expect("case"))
                .expect("YAML");
        let target = case["target"].as_str().expect("target").to_string();
        let plans: Vec<eniplan::EniPlan> =
            yaml_serde::from_value(case["plans"].clone()).expect("plans");
        let snapshot = eniplan::HostSnapshot {
            evidence: apply::evidence(&root).expect("evidence"),
            nics: apply::host_nics(&root),
        };
        let travelled: eniplan::HostSnapshot =
            serde_json::from_str(&serde_json::to_string(&snapshot).expect("JSON")).expect("back");
        assert_eq!(travelled, snapshot);
        let detected = eniplan::detect(&snapshot.evidence).expect("detection");
        for name in [target.as_str(), "auto"] {
            let (rendering, detection) =
                eniplan::render_on_snapshot(&plans, name, &travelled).expect("rendering");
            let resolved = if name == "auto" {
                detected.target
            } else {
                eniplan::Target::parse(name).expect("target")
            };
            let on_host = apply::merge_files(&root, resolved.family()).expect("host files");
            let expected =
                eniplan::render_for(&plans, resolved.name(), &on_host).expect("on the host");
            assert_eq!(rendering, expected, "{}: {name}", dir.display());
            assert_eq!(detection.is_some(), name == "auto");
        }
        checked += 1;
    }
    assert!(checked >= 8, "{checked} layouts");
}
