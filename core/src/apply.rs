//! Applying a rendering to a file system: the one implementation the CLI's `--write-to`, the
//! Python package and through it the Ansible and Salt modules share. Rendering never calls it;
//! it is the only part of the library that touches the disk (behind the `apply` feature).
//!
//! The rules, each tested in `core/tests/apply.rs`:
//! - a rendered path must be absolute, without `.` or `..`; it is mapped under `root`;
//! - no directory under `root` is followed through a symlink (one could lead anywhere), and
//!   `root` itself is resolved once, first;
//! - a file is written only when its contents or mode differ;
//! - a write is a temporary file in the same directory, fsynced, renamed over the destination,
//!   then the directory is fsynced: a crash leaves the old file or the new one, never half of
//!   one; a temporary file a crash left behind is removed by the next apply;
//! - a symlink at a destination is replaced, never written through; a directory there is an
//!   error; a read-only file is replaced (renaming needs only the directory);
//! - the rendering's stale files are deleted;
//! - with `backup`, one backup set per write, under `<root>/var/backups/eniplan/<UTC time>/`:
//!   every file the write changes or deletes is copied there at its own path
//!   (`…/etc/network/interfaces`), and `manifest.json` lists every file the write touches,
//!   with whether it existed, so [`restore`] puts the host back in one call — the old files
//!   byte for byte with their modes, the files the write created deleted. The set lives
//!   outside every directory a network tool reads: a copy beside the live file (`ifcfg-eth0~`,
//!   `60-eniplan-eth0.bak`) is read as configuration by ifupdown's `source` globs and
//!   NetworkManager's keyfile plugin, and brought removed addresses back at the next restart.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::rendering::Rendering;

/// What applying a rendering does, or did, to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The file does not exist (or is a symlink, which is replaced): it is written.
    Create,
    /// The file's contents or mode differ: it is replaced.
    Update,
    /// A stale file of the rendering: it is deleted.
    Delete,
    /// The file already holds exactly this: nothing is done.
    Unchanged,
}

/// One file's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// The path on the target system, as rendered (`/etc/…`).
    pub path: String,
    /// The same path under the root the rendering is applied to.
    pub destination: PathBuf,
    /// What is done to it.
    pub action: Action,
    /// The current contents, when the file exists and is text.
    pub before: Option<String>,
    /// The new contents (`None` for a deletion).
    pub after: Option<String>,
    /// The rendered mode, for writes.
    pub mode: Option<u32>,
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Whether any file was written or deleted.
    pub changed: bool,
    /// Every file of the rendering, with what was done to it.
    pub files: Vec<FileChange>,
    /// The backup copies made (inside [`Outcome::backup_set`]).
    pub backups: Vec<PathBuf>,
    /// The backup set of this write, when one was made: what [`restore`] takes.
    pub backup_set: Option<PathBuf>,
}

/// Where backup sets live, relative to the root: outside every directory a network tool
/// reads (`/var/backups` is the FHS place for backups of system files).
pub const BACKUP_DIR: &str = "/var/backups/eniplan";

/// One file of a backup set's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BackedUp {
    /// The path on the target system (`/etc/…`).
    pub path: String,
    /// Whether the file existed before the write: restoring puts the copy back, or deletes
    /// the file the write created.
    pub existed: bool,
    /// Its mode before the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// A backup set's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// When the set was made (UTC, `YYYYMMDDTHHMMSSZ`).
    pub created: String,
    /// Every file the write touched.
    pub files: Vec<BackedUp>,
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The files written back from the set.
    pub restored: Vec<PathBuf>,
    /// The files the write had created, deleted again.
    pub removed: Vec<PathBuf>,
}

/// Why a rendering could not be applied: the path concerned and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError {
    /// The file or directory concerned.
    pub path: PathBuf,
    /// What went wrong, in words a user can act on.
    pub message: String,
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ApplyError {}

fn error(path: &Path, message: impl Into<String>) -> ApplyError {
    ApplyError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn io_error(path: &Path, what: &str, cause: io::Error) -> ApplyError {
    error(path, format!("cannot {what}: {cause}"))
}

/// Options of [`apply`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Make a backup set of every file the write touches first (see [`BACKUP_DIR`]).
    pub backup: bool,
}

/// What applying `rendering` under `root` would change, file by file; writes nothing.
pub fn changes(rendering: &Rendering, root: &Path) -> Result<Vec<FileChange>, ApplyError> {
    // A root that does not exist yet holds nothing: every file would be created. Planning
    // never creates it (a dry run writes nothing).
    let root = match fs::symlink_metadata(root) {
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => root.to_path_buf(),
        _ => existing_root(root)?,
    };
    let mut result = Vec::with_capacity(rendering.files.len() + rendering.delete.len());
    for file in &rendering.files {
        let destination = destination(&root, &file.path)?;
        let (before, mode) = existing(&destination)?;
        let action = match (&before, mode) {
            (None, _) => Action::Create,
            (Some(text), Some(mode)) if *text == file.contents && mode == file.mode => {
                Action::Unchanged
            }
            _ => Action::Update,
        };
        result.push(FileChange {
            path: file.path.clone(),
            destination,
            action,
            before,
            after: Some(file.contents.clone()),
            mode: Some(file.mode),
        });
    }
    for path in &rendering.delete {
        let destination = destination(&root, path)?;
        if fs::symlink_metadata(&destination).is_ok() {
            let (before, _) = existing(&destination)?;
            result.push(FileChange {
                path: path.clone(),
                destination,
                action: Action::Delete,
                before,
                after: None,
                mode: None,
            });
        }
    }
    Ok(result)
}

/// Writes the files of `rendering` that differ under `root` and deletes its stale ones.
pub fn apply(rendering: &Rendering, root: &Path, options: Options) -> Result<Outcome, ApplyError> {
    prepare(rendering, root, options, &[])?.write()
}

/// A write that is ready: what it changes is known and, with `backup`, the backup set is
/// made; nothing is written yet. A caller that must record the backup set before the first
/// file changes (the apply engine's journal) does so between [`prepare`] and
/// [`Prepared::write`].
#[derive(Debug)]
pub struct Prepared {
    outcome: Outcome,
}

/// Plans the write of `rendering` under `root` (creating the root) and makes its backup set.
/// `commands_change` names files the rendering's commands rewrite although eniplan does not
/// write them (the NetworkManager profile that `nmcli con modify` saves): with `backup` they
/// go into the same set, so restoring it puts them back too.
pub fn prepare(
    rendering: &Rendering,
    root: &Path,
    options: Options,
    commands_change: &[String],
) -> Result<Prepared, ApplyError> {
    fs::create_dir_all(root).map_err(|cause| io_error(root, "create the root", cause))?;
    let files = changes(rendering, root)?;
    let root = resolve_root(root)?;
    let mut outcome = Outcome {
        changed: false,
        files,
        backups: Vec::new(),
        backup_set: None,
    };
    let mut touched: Vec<(String, PathBuf)> = outcome
        .files
        .iter()
        .filter(|change| change.action != Action::Unchanged)
        .map(|change| (change.path.clone(), change.destination.clone()))
        .collect();
    outcome.changed = !touched.is_empty();
    for path in commands_change {
        if !touched.iter().any(|(written, _)| written == path) {
            touched.push((path.clone(), destination(&root, path)?));
        }
    }
    if options.backup && !touched.is_empty() {
        let (set, copies) = back_up(&root, &touched)?;
        outcome.backup_set = Some(set);
        outcome.backups = copies;
    }
    Ok(Prepared { outcome })
}

impl Prepared {
    /// The backup set made for the write, when one was.
    pub fn backup_set(&self) -> Option<&Path> {
        self.outcome.backup_set.as_deref()
    }

    /// Whether the write changes anything.
    pub fn changes_anything(&self) -> bool {
        self.outcome.changed
    }

    /// Writes the files that differ and deletes the stale ones.
    pub fn write(self) -> Result<Outcome, ApplyError> {
        for change in &self.outcome.files {
            if change.action == Action::Unchanged {
                continue;
            }
            match (&change.after, change.mode) {
                (Some(contents), Some(mode)) => {
                    write_atomically(&change.destination, contents, mode)?
                }
                _ => fs::remove_file(&change.destination)
                    .map_err(|cause| io_error(&change.destination, "delete", cause))?,
            }
        }
        Ok(self.outcome)
    }
}

/// Makes one backup set under `root` for the files a write touches (each by its path on the
/// target system and where that is under `root`): a copy of each one that exists, at its own
/// path inside the set, and the manifest. Returns the set and the copies.
fn back_up(
    root: &Path,
    touched: &[(String, PathBuf)],
) -> Result<(PathBuf, Vec<PathBuf>), ApplyError> {
    let stamp = utc_stamp();
    let created = format!("{}T{}Z", &stamp[..8], &stamp[8..]);
    // Check the way there like any other path: no symlinked directory is followed.
    let base = destination(root, &format!("{BACKUP_DIR}/{created}"))?;
    let mut set = base.clone();
    let mut attempt = 1;
    while fs::symlink_metadata(&set).is_ok() {
        attempt += 1;
        set = PathBuf::from(format!("{}.{attempt}", base.display()));
    }
    fs::create_dir_all(&set).map_err(|cause| io_error(&set, "create the backup set", cause))?;
    let mut manifest = Manifest {
        created,
        files: Vec::new(),
    };
    let mut copies = Vec::new();
    for (path, on_host) in touched {
        let meta = fs::symlink_metadata(on_host).ok();
        let existed = meta.as_ref().is_some_and(|meta| meta.is_file());
        if existed {
            let copy = set.join(path.trim_start_matches('/'));
            if let Some(parent) = copy.parent() {
                fs::create_dir_all(parent)
                    .map_err(|cause| io_error(parent, "create the backup set", cause))?;
            }
            fs::copy(on_host, &copy).map_err(|cause| io_error(on_host, "back up", cause))?;
            copies.push(copy);
        }
        manifest.files.push(BackedUp {
            path: path.clone(),
            existed,
            mode: meta
                .filter(|meta| meta.is_file())
                .map(|meta| permissions(&meta)),
        });
    }
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomically(&set.join("manifest.json"), &text, 0o600)?;
    Ok((set, copies))
}

/// Puts back what the write that made backup `set` (a directory under [`BACKUP_DIR`])
/// changed under `root`: each file that existed is written back byte for byte with its mode,
/// each file the write created is deleted.
pub fn restore(root: &Path, set: &Path) -> Result<Restored, ApplyError> {
    let root = existing_root(root)?;
    let manifest_path = set.join("manifest.json");
    let text = fs::read_to_string(&manifest_path)
        .map_err(|cause| io_error(&manifest_path, "read the backup manifest", cause))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|cause| error(&manifest_path, format!("not a backup manifest: {cause}")))?;
    // Every copy is read before anything is written: a set missing a file changes nothing.
    let mut plan = Vec::with_capacity(manifest.files.len());
    for file in &manifest.files {
        let destination = destination(&root, &file.path)?;
        let contents = if file.existed {
            let copy = set.join(file.path.trim_start_matches('/'));
            Some(fs::read(&copy).map_err(|cause| io_error(&copy, "read the backup", cause))?)
        } else {
            None
        };
        plan.push((file, destination, contents));
    }
    let mut restored = Restored {
        restored: Vec::new(),
        removed: Vec::new(),
    };
    for (file, destination, contents) in plan {
        match contents {
            Some(bytes) => {
                write_bytes_atomically(&destination, &bytes, file.mode.unwrap_or(0o644))?;
                restored.restored.push(destination);
            }
            None => match fs::remove_file(&destination) {
                Ok(()) => restored.removed.push(destination),
                Err(cause) if cause.kind() == io::ErrorKind::NotFound => {}
                Err(cause) => return Err(io_error(&destination, "delete", cause)),
            },
        }
    }
    Ok(restored)
}

/// The backup sets under `root`, oldest first.
pub fn backup_sets(root: &Path) -> Result<Vec<PathBuf>, ApplyError> {
    let root = existing_root(root)?;
    let dir = root.join(BACKUP_DIR.trim_start_matches('/'));
    let mut sets: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.join("manifest.json").is_file())
            .collect(),
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(cause) => return Err(io_error(&dir, "list the backup sets", cause)),
    };
    sets.sort();
    Ok(sets)
}

/// The root, resolved once, which must exist (reading and planning never create it).
fn existing_root(root: &Path) -> Result<PathBuf, ApplyError> {
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(error(root, "the root is not a directory")),
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => {
            return Err(error(root, "the root directory does not exist"))
        }
        Err(cause) => return Err(io_error(root, "inspect the root", cause)),
    }
    fs::canonicalize(root).map_err(|cause| io_error(root, "resolve the root", cause))
}

/// The root, resolved once: a root that is itself a symlink is the directory it names.
fn resolve_root(root: &Path) -> Result<PathBuf, ApplyError> {
    fs::canonicalize(root).map_err(|cause| io_error(root, "resolve the root", cause))
}

/// Maps an absolute rendered path under `root`, refusing anything that could step out of it,
/// and refusing a symlinked directory on the way.
fn destination(root: &Path, rendered: &str) -> Result<PathBuf, ApplyError> {
    let refuse = |why: &str| error(Path::new(rendered), format!("refusing to write it: {why}"));
    if !rendered.starts_with('/') {
        return Err(refuse("not an absolute path"));
    }
    // `Path::components` drops `.` silently: look at the text itself.
    if rendered.split('/').any(|part| part == "." || part == "..") {
        return Err(refuse(
            "only absolute paths without `.` or `..` are applied",
        ));
    }
    let mut relative = PathBuf::new();
    for (index, component) in Path::new(rendered).components().enumerate() {
        match component {
            Component::RootDir if index == 0 => {}
            Component::Normal(part) => relative.push(part),
            _ => {
                return Err(refuse(
                    "only absolute paths without `.` or `..` are applied",
                ))
            }
        }
    }
    if relative.as_os_str().is_empty() || rendered.ends_with('/') {
        return Err(refuse("not a file path"));
    }
    let destination = root.join(&relative);
    let mut directory = root.to_path_buf();
    let parts: Vec<Component<'_>> = relative.components().collect();
    for part in &parts[..parts.len() - 1] {
        directory.push(part);
        match fs::symlink_metadata(&directory) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(error(
                    &directory,
                    "refusing to follow the symlink: no directory under the root is followed through one",
                ))
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(error(&directory, "exists and is not a directory"))
            }
            _ => {}
        }
    }
    Ok(destination)
}

/// The contents and mode of an existing regular file; `None` when there is none (or a
/// symlink, which is replaced). A directory at the path is an error.
fn existing(path: &Path) -> Result<(Option<String>, Option<u32>), ApplyError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => return Ok((None, None)),
        Err(cause) => return Err(io_error(path, "inspect", cause)),
    };
    if meta.file_type().is_symlink() {
        return Ok((None, None));
    }
    if !meta.is_file() {
        return Err(error(path, "exists and is not a regular file"));
    }
    let bytes = fs::read(path).map_err(|cause| io_error(path, "read", cause))?;
    // A file that is not text differs from any rendering; its contents are not shown.
    Ok((String::from_utf8(bytes).ok(), Some(permissions(&meta))))
}

#[cfg(unix)]
fn permissions(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(_meta: &fs::Metadata) -> u32 {
    0
}

/// Writes `contents` to `destination` through a temporary file and a rename, creating missing
/// directories (their existing ancestors were checked for symlinks).
pub(crate) fn write_atomically(
    destination: &Path,
    contents: &str,
    mode: u32,
) -> Result<(), ApplyError> {
    write_bytes_atomically(destination, contents.as_bytes(), mode)
}

/// [`write_atomically`] for bytes (a restored file need not be text).
fn write_bytes_atomically(
    destination: &Path,
    contents: &[u8],
    mode: u32,
) -> Result<(), ApplyError> {
    let directory = destination
        .parent()
        .ok_or_else(|| error(destination, "has no directory"))?;
    fs::create_dir_all(directory).map_err(|cause| io_error(directory, "create", cause))?;
    let name = destination
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.eniplan-tmp"));
    // What a crash between write and rename left behind.
    match fs::remove_file(&temporary) {
        Ok(()) => {}
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => {}
        Err(cause) => {
            return Err(io_error(
                &temporary,
                "remove the stale temporary file",
                cause,
            ))
        }
    }
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(contents)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The umask may have narrowed the mode given at creation.
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        file.sync_all()?;
        fs::rename(&temporary, destination)?;
        // The rename itself is durable only once the directory is.
        fs::File::open(directory)?.sync_all()
    })();
    written.map_err(|cause| {
        let _ = fs::remove_file(&temporary);
        io_error(destination, "write", cause)
    })
}

/// The current UTC time as `YYYYMMDDHHMMSS`.
pub(crate) fn utc_stamp() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Days since 1970-01-01 to a Gregorian date, counted in 400-year eras from 0000-03-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_fourteen_digits() {
        let stamp = utc_stamp();
        assert_eq!(stamp.len(), 14, "{stamp}");
        assert!(stamp.starts_with("20"), "{stamp}");
        assert!(stamp.bytes().all(|b| b.is_ascii_digit()));
    }
}

/// Why a host's files could not be read.
#[derive(Debug)]
pub enum HostFilesError {
    /// The file system failed (permissions, I/O).
    Io(String),
    /// A file is not a configuration file (binary, not UTF-8, too large), named in the error.
    Invalid(crate::error::Errors),
}

impl std::fmt::Display for HostFilesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostFilesError::Io(message) => f.write_str(message),
            HostFilesError::Invalid(errors) => write!(f, "{errors}"),
        }
    }
}

impl std::error::Error for HostFilesError {}

/// Larger than any configuration file: a file this big is not one.
const MAX_CONFIG_FILE: u64 = 1 << 20;

/// The files a family's reader takes (every regular file of its directories, and its global
/// files), read under `root` as if it were `/`, by absolute path. What is absent is nothing;
/// a file that is not text or is too large to be a configuration file is an error naming it;
/// a directory or file that exists but cannot be read is an I/O error naming it, never
/// nothing: a rendering merged with a host it could not read would overwrite what it missed.
pub fn host_files(
    root: &Path,
    family: crate::os_family::OsFamily,
) -> Result<crate::read::HostFiles, HostFilesError> {
    let (files, errors) = read_host(root, family)?;
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(HostFilesError::Invalid(crate::error::Errors::from_vec(
            errors,
        )))
    }
}

/// The text files of [`host_files`], and an error for each file that is no configuration file.
fn read_host(
    root: &Path,
    family: crate::os_family::OsFamily,
) -> Result<(crate::read::HostFiles, Vec<crate::error::Error>), HostFilesError> {
    let mut files = crate::read::HostFiles::new();
    let mut errors = Vec::new();
    for dir in crate::read::directories(family) {
        let on_disk = root.join(dir.trim_start_matches('/'));
        let entries = match fs::read_dir(&on_disk) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            // A family's directory that is another family's file holds none of its files:
            // SUSE's /etc/sysconfig/network is RHEL's global file of that name on a RHEL host.
            // Any other directory that cannot be listed stays an error.
            Err(error)
                if error.kind() == std::io::ErrorKind::NotADirectory
                    && crate::os_family::OsFamily::ALL
                        .into_iter()
                        .any(|other| crate::read::global_files(other).contains(dir)) =>
            {
                continue
            }
            Err(error) => return Err(cannot_read(&on_disk, &error)),
        };
        for entry in entries {
            let entry = entry.map_err(|error| cannot_read(&on_disk, &error))?;
            let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
            take_file(&entry.path(), name, &mut files, &mut errors)?;
        }
    }
    for path in crate::read::global_files(family) {
        let on_disk = root.join(path.trim_start_matches('/'));
        take_file(&on_disk, (*path).to_string(), &mut files, &mut errors)?;
    }
    Ok((files, errors))
}

/// The host's files a rendering for `family` is merged with under `root`: nothing when the
/// root does not exist yet (a fresh `--write-to` directory), else [`host_files`].
pub fn merge_files(
    root: &Path,
    family: crate::os_family::OsFamily,
) -> Result<crate::read::HostFiles, HostFilesError> {
    match fs::symlink_metadata(root) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(crate::read::HostFiles::new())
        }
        _ => host_files(root, family),
    }
}

/// Reads the file at `on_disk` into `files` as `name` when it is a regular file (what is
/// absent, a dangling link or a directory is left out): text of at most [`MAX_CONFIG_FILE`]
/// bytes, else an entry in `errors` naming it.
fn take_file(
    on_disk: &Path,
    name: String,
    files: &mut crate::read::HostFiles,
    errors: &mut Vec<crate::error::Error>,
) -> Result<(), HostFilesError> {
    let meta = match fs::metadata(on_disk) {
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => return Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(cannot_read(on_disk, &error)),
    };
    if meta.len() > MAX_CONFIG_FILE {
        errors.push(crate::error::Error::Syntax {
            field: name,
            message: format!("{} bytes is no configuration file; not read", meta.len()),
        });
        return Ok(());
    }
    let bytes = fs::read(on_disk).map_err(|error| cannot_read(on_disk, &error))?;
    match String::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => {
            files.insert(name, text);
        }
        _ => errors.push(crate::error::Error::Syntax {
            field: name,
            message: "not a text file (binary or not UTF-8); not read".into(),
        }),
    }
    Ok(())
}

fn cannot_read(path: &Path, error: &std::io::Error) -> HostFilesError {
    HostFilesError::Io(format!("cannot read {}: {error}", path.display()))
}

/// What a host under `root` shows of its network stack, for `--os auto`
/// ([`crate::detect`]): its os-release file (`/etc/os-release`, else `/usr/lib/os-release`),
/// the configuration files of every family (as the readers take them; a file that is not
/// text is no evidence and is left out), and the systemd units enabled in
/// `/etc/systemd/system/*.wants/` with what an alias there stands for, and SysV's
/// `/etc/rc3.d/S*` links.
pub fn evidence(root: &Path) -> Result<crate::detect::Evidence, HostFilesError> {
    let mut found = crate::detect::Evidence::default();
    for path in ["etc/os-release", "usr/lib/os-release"] {
        if let Ok(text) = fs::read_to_string(root.join(path)) {
            found.os_release = Some(text);
            break;
        }
    }
    for family in crate::os_family::OsFamily::ALL {
        // A file that is no text is no evidence; the others of its family still are.
        found.files.extend(read_host(root, family)?.0);
    }
    let units = root.join("etc/systemd/system");
    let alias_of = |path: &Path| -> Option<String> {
        let target = fs::read_link(path).ok()?;
        Some(target.file_name()?.to_string_lossy().into_owned())
    };
    if let Ok(entries) = fs::read_dir(&units) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".wants") {
                for unit in fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                    let unit_name = unit.file_name().to_string_lossy().into_owned();
                    let alias = alias_of(&unit.path());
                    found.enabled.push((unit_name, alias));
                }
            } else if name.ends_with(".service") {
                // An alias: enabled when what it names is (`network.service` → wicked).
                if let Some(target) = alias_of(&entry.path()) {
                    if target != name {
                        found.enabled.push((name, Some(target)));
                    }
                }
            }
        }
    }
    for rc in ["etc/rc3.d", "etc/rc.d/rc3.d"] {
        for entry in fs::read_dir(root.join(rc)).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(service) = name.strip_prefix('S') {
                let service = service.trim_start_matches(|c: char| c.is_ascii_digit());
                found.enabled.push((format!("{service}.service"), None));
            }
        }
    }
    found.enabled.sort();
    found.enabled.dedup();
    Ok(found)
}

/// The NICs of the host under `root`, by name, with their MAC addresses
/// (`/sys/class/net/<name>/address`); the loopback and links without a MAC left out. An
/// unreadable or missing /sys gives none.
pub fn host_nics(root: &Path) -> crate::read::HostNics {
    let mut nics = crate::read::HostNics::new();
    let Ok(entries) = fs::read_dir(root.join("sys/class/net")) else {
        return nics;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(mac) = fs::read_to_string(entry.path().join("address")) {
            let mac = mac.trim().to_ascii_lowercase();
            if crate::validate::parse_mac("mac", &mac).is_ok() {
                nics.insert(name, mac);
            }
        }
    }
    nics
}
