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
//! - the rendering's stale files are deleted; with `backup`, every file changed or deleted is
//!   first copied to `<file>.<UTC time>.eniplan~`.

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
    /// The backup copies made.
    pub backups: Vec<PathBuf>,
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
    /// Copy every file that is changed or deleted to `<file>.<UTC time>.eniplan~` first.
    pub backup: bool,
}

/// What applying `rendering` under `root` would change, file by file; writes nothing.
pub fn changes(rendering: &Rendering, root: &Path) -> Result<Vec<FileChange>, ApplyError> {
    let root = resolve_root(root)?;
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
    let files = changes(rendering, root)?;
    let mut outcome = Outcome {
        changed: false,
        files,
        backups: Vec::new(),
    };
    for change in &outcome.files {
        if change.action == Action::Unchanged {
            continue;
        }
        outcome.changed = true;
        let is_file = fs::symlink_metadata(&change.destination)
            .map(|meta| meta.is_file())
            .unwrap_or(false);
        if options.backup && is_file {
            outcome.backups.push(backup(&change.destination)?);
        }
        match (&change.after, change.mode) {
            (Some(contents), Some(mode)) => write_atomically(&change.destination, contents, mode)?,
            _ => fs::remove_file(&change.destination)
                .map_err(|cause| io_error(&change.destination, "delete", cause))?,
        }
    }
    Ok(outcome)
}

/// The root, resolved once: a root that is itself a symlink is the directory it names.
fn resolve_root(root: &Path) -> Result<PathBuf, ApplyError> {
    fs::create_dir_all(root).map_err(|cause| io_error(root, "create the root", cause))?;
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
fn write_atomically(destination: &Path, contents: &str, mode: u32) -> Result<(), ApplyError> {
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
        file.write_all(contents.as_bytes())?;
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

/// Copies `path` to `<path>.<UTC time>.eniplan~`.
fn backup(path: &Path) -> Result<PathBuf, ApplyError> {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{}.eniplan~", utc_stamp()));
    let copy = PathBuf::from(name);
    fs::copy(path, &copy).map_err(|cause| io_error(path, "back up", cause))?;
    Ok(copy)
}

/// The current UTC time as `YYYYMMDDHHMMSS`.
fn utc_stamp() -> String {
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

/// Larger than any configuration file: a file this big is not one.
const MAX_CONFIG_FILE: u64 = 1 << 20;

/// The files a family's reader takes (every regular file of its directories), read under
/// `root` as if it were `/`, by absolute path. A file that is not text or is too large to be a
/// configuration file is an error naming it.
pub fn host_files(
    root: &Path,
    family: crate::os_family::OsFamily,
) -> Result<crate::read::HostFiles, HostFilesError> {
    let mut files = crate::read::HostFiles::new();
    let mut errors = Vec::new();
    for dir in crate::read::directories(family) {
        let on_disk = root.join(dir.trim_start_matches('/'));
        let Ok(entries) = fs::read_dir(&on_disk) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if meta.len() > MAX_CONFIG_FILE {
                errors.push(crate::error::Error::Syntax {
                    field: name,
                    message: format!("{} bytes is no configuration file; not read", meta.len()),
                });
                continue;
            }
            let bytes = fs::read(&path).map_err(|error| {
                HostFilesError::Io(format!("cannot read {}: {error}", path.display()))
            })?;
            match String::from_utf8(bytes) {
                Ok(text) if !text.contains('\0') => {
                    files.insert(name, text);
                }
                _ => errors.push(crate::error::Error::Syntax {
                    field: name,
                    message: "not a text file (binary or not UTF-8); not read".into(),
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(HostFilesError::Invalid(crate::error::Errors::from_vec(
            errors,
        )))
    }
}
