//! Applying plans to the running host, safely: the engine behind `eniplan apply`, Python's
//! `eniplan.apply.run`, and the Ansible and Salt modules' `apply`.
//!
//! In order: the change is rendered against the host's files (eniplan changes only what it
//! owns); the running state is captured (`ip -j` addresses, routes of every table, rules) and a
//! journal is written under `<root>/var/lib/eniplan/` before anything changes; the files are
//! written (one backup set); the commands and the restart run; then the running state must
//! hold the plans ([`crate::kernel::verify`]) and each planned gateway must answer on its link.
//! When anything fails, the files come back byte for byte from the backup set, the stack is
//! restarted again, what the restart did not restore of the captured state is put back with
//! `ip`, and the state is compared with the capture once more: equal, the apply is rolled back;
//! not, the rollback failed and the report says what is left.
//!
//! The journal is what makes a crash safe: it names the backup set and holds the captured
//! state from before the first file changes, so `eniplan rollback` (here [`rollback`]) can
//! restore after the apply process died at any point. Only one apply may be pending at a
//! time. It lives under `/var/lib`, not `/run`, because a crash may come with a reboot.
//!
//! Where systemd does not run (a container, a test's namespace), a restart step
//! `systemctl restart <unit>` runs what that unit runs, for the units whose commands eniplan
//! knows ([`without_systemd`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::apply::{self, ApplyError, Options};
use crate::error::{Error, Errors};
use crate::kernel::{IpJson, KernelState, Verification};
use crate::model::Plan;
use crate::os_family::Platform;
use crate::plan::EniPlan;
use crate::read::Drift;
use crate::rendering::{Command, Rendering};
use crate::target::Target;

mod network_manager;
pub use network_manager::Before as NetworkManagerBefore;

/// Where the journal of an apply lives, relative to the root.
pub const STATE_DIR: &str = "/var/lib/eniplan";
const PENDING: &str = "pending.json";
const LAST: &str = "last.json";
/// A pending journal a rollback has claimed (so a confirmation, the timer and a rollback by
/// hand never act on one apply twice); it stays while the rollback has not succeeded.
const ROLLING_BACK: &str = "rolling-back.json";

/// What to apply, and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// One ENI or every ENI of the instance (the primary ENI first).
    pub plans: Vec<EniPlan>,
    /// The target (one, not a selection).
    pub target: Target,
    /// The host's root: `/`, or the root of a chroot whose network the process sees.
    pub root: PathBuf,
    /// How long the running state may take to hold the plans after the restart (addresses
    /// appear at once with ifupdown; NetworkManager and networkd take a moment; IPv6 duplicate
    /// address detection takes a second or two).
    pub settle: Duration,
    /// How long a gateway has to answer its neighbour solicitation.
    pub probe: Duration,
    /// Keep the verified change only if `eniplan confirm` comes within this time; roll back
    /// otherwise, from a process of its own that a dropped SSH session cannot stop.
    pub confirm_within: Option<Duration>,
    /// The command that runs the confirmation timer, before its `--root` and `--id`
    /// arguments: by default this program's `await-confirm` (the CLI); a binding names its
    /// own (Python: `python -m eniplan.apply await-confirm`).
    pub timer: Option<Vec<String>>,
    /// A shell line run instead of the rendering's commands and restart steps, for a host
    /// whose network stack is driven another way (a container without its daemon; the tests'
    /// stand-ins). It runs after the files are written, and again after they are restored on
    /// a rollback.
    pub restart_with: Option<String>,
}

impl Request {
    /// A request with the default timings: 20 s to settle, 3 s for each gateway.
    pub fn new(plans: Vec<EniPlan>, target: Target, root: impl Into<PathBuf>) -> Request {
        Request {
            plans,
            target,
            root: root.into(),
            settle: Duration::from_secs(20),
            probe: Duration::from_secs(3),
            confirm_within: None,
            timer: None,
            restart_with: None,
        }
    }
}

/// Where an apply is, as its journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The journal is written; the files are being written.
    Writing,
    /// The files are written; the commands and the restart are running.
    Running,
    /// The running state is being verified.
    Verifying,
    /// Verified, and waiting for `eniplan confirm` until `confirm_by`; rolled back otherwise.
    Waiting,
    /// Verified and kept: the last apply, which `rollback` can still undo by hand.
    Done,
}

/// The journal of one apply: what a rollback needs, written before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The apply's id (its start, UTC, and the process id).
    pub id: String,
    /// The target applied.
    pub target: String,
    /// Where the apply is.
    pub phase: Phase,
    /// The backup set of the files it writes (none when no file changed).
    pub backup_set: Option<PathBuf>,
    /// The running state before anything changed.
    pub before: IpJson,
    /// The interfaces the plans configure.
    pub interfaces: Vec<String>,
    /// The route tables the plans use.
    pub tables: Vec<u32>,
    /// How the stack is restarted around the change of its files, on this host.
    pub restart: Restart,
    /// When waiting for a confirmation: the time (Unix seconds) it must come by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<u64>,
    /// For a family NetworkManager drives: what it held before (see
    /// [`NetworkManagerBefore`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_manager: Option<NetworkManagerBefore>,
}

/// How the network stack is restarted around a change of its files: `stop` runs with the
/// files it was started with (so it deconfigures what they configured: a DHCP client of a
/// stanza that becomes static), `start` with the new ones. A restart that cannot be split
/// (`netplan apply`, NetworkManager) is all `start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    /// Before the files change.
    pub stop: Vec<Vec<String>>,
    /// After they changed.
    pub start: Vec<Vec<String>>,
}

impl Restart {
    fn lines(steps: &[Vec<String>]) -> impl Iterator<Item = String> + '_ {
        steps.iter().map(|step| crate::quote::shell_line(step))
    }
}

/// What an apply or a rollback did, for the report and the exit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Report {
    /// The host's files and running state already are the plan's: nothing ran (exit
    /// status 0).
    Unchanged {
        /// The rendering's warnings.
        warnings: Vec<String>,
    },
    /// Applied and verified (exit status 0).
    Applied {
        /// The journal, now the last apply's.
        journal: Box<Journal>,
        /// Whether any file changed.
        changed: bool,
        /// The commands that ran, with the restart.
        ran: Vec<String>,
        /// The rendering's warnings.
        warnings: Vec<String>,
        /// How long it took, in milliseconds, from the start to the verified state.
        millis: u128,
    },
    /// The apply failed and the host is as it was (exit status 1).
    RolledBack {
        /// What failed.
        failure: String,
        /// The differences the verification found, when it was the verification.
        differences: Vec<Drift>,
        /// What went wrong on the way back without leaving a difference (a restart step that
        /// failed, whose effect was put back with `ip`).
        notes: Vec<String>,
        /// How long the rollback took, in milliseconds.
        millis: u128,
    },
    /// The rollback itself failed: the host's state is not what it was (exit status 3).
    RollbackFailed {
        /// What failed first.
        failure: String,
        /// What the rollback could not restore.
        left: Vec<String>,
    },
}

impl Report {
    /// The exit status the CLI gives this report: 0 applied, 1 rolled back, 3 the rollback
    /// failed (2, trouble before anything changed, is an [`EngineError`]).
    pub fn exit_status(&self) -> u8 {
        match self {
            Report::Applied { .. } | Report::Unchanged { .. } => 0,
            Report::RolledBack { .. } => 1,
            Report::RollbackFailed { .. } => 3,
        }
    }
}

/// A report as every surface gives it (the CLI's `--format json`, the Python dict, what
/// Ansible's controller reads from the static binary): its fields, its exit status and its
/// text.
#[derive(Debug, Serialize)]
pub struct ShownReport<'a> {
    /// The report.
    #[serde(flatten)]
    pub report: &'a Report,
    /// [`Report::exit_status`].
    pub exit_status: u8,
    /// The report in words (`--format text`).
    pub text: String,
}

impl Report {
    /// The report with its exit status and text, as the surfaces give it.
    pub fn shown(&self) -> ShownReport<'_> {
        ShownReport {
            report: self,
            exit_status: self.exit_status(),
            text: self.to_string(),
        }
    }
}

/// Why nothing was applied: nothing on the host changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The plans or the target are refused.
    #[error("{0}")]
    Invalid(Errors),
    /// Another apply is pending (unconfirmed, or interrupted): it must be confirmed or rolled
    /// back first.
    #[error(
        "an apply is pending ({id}, {phase:?}, journal {journal}): run `eniplan rollback` (or \
         `eniplan confirm`) first"
    )]
    Pending {
        /// Its id.
        id: String,
        /// Where it is.
        phase: Phase,
        /// Its journal.
        journal: String,
    },
    /// Nothing to roll back.
    #[error("no apply to roll back under {0}")]
    NothingToRollBack(String),
    /// The host could not be read or prepared (named).
    #[error("{0}")]
    Host(String),
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Report::Unchanged { warnings } => {
                writeln!(
                    f,
                    "unchanged: the files and the running state already hold the plan"
                )?;
                warnings_text(f, warnings)
            }
            Report::Applied {
                journal,
                changed,
                ran,
                warnings,
                millis,
            } => {
                writeln!(
                    f,
                    "applied and verified in {millis} ms ({}; {} on {})",
                    if *changed {
                        "files written"
                    } else {
                        "no file changed"
                    },
                    journal.id,
                    journal.target
                )?;
                if let Some(by) = journal.confirm_by {
                    writeln!(
                        f,
                        "waiting for `eniplan confirm` for {} s: without it the change is rolled \
                         back by itself",
                        by.saturating_sub(unix_now())
                    )?;
                }
                if let Some(set) = &journal.backup_set {
                    writeln!(f, "backup set: {}", set.display())?;
                }
                for line in ran {
                    writeln!(f, "ran: {line}")?;
                }
                warnings_text(f, warnings)
            }
            Report::RolledBack {
                failure,
                differences,
                notes,
                millis,
            } => {
                writeln!(f, "rolled back in {millis} ms: {failure}")?;
                for drift in differences {
                    writeln!(f, "  {drift}")?;
                }
                for note in notes {
                    writeln!(f, "  note: {note}")?;
                }
                writeln!(f, "the host's files and running state are as they were")
            }
            Report::RollbackFailed { failure, left } => {
                writeln!(f, "ROLLBACK FAILED after: {failure}")?;
                writeln!(f, "the host is NOT as it was; not restored:")?;
                for line in left {
                    writeln!(f, "  {line}")?;
                }
                Ok(())
            }
        }
    }
}

fn warnings_text(f: &mut std::fmt::Formatter<'_>, warnings: &[String]) -> std::fmt::Result {
    for warning in warnings {
        writeln!(f, "warning: {warning}")?;
    }
    Ok(())
}

/// What an apply would do, for `--dry-run`: nothing is changed to find out.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The files that would be written or deleted.
    pub files: Vec<apply::FileChange>,
    /// How the running state differs from the plans now (empty: it holds them).
    pub running: Verification,
    /// The commands and restart steps that would run.
    pub would_run: Vec<String>,
    /// The rendering's warnings.
    pub warnings: Vec<String>,
}

/// A preview as every surface gives it: its fields, whether there is nothing to do, and its
/// text.
#[derive(Debug, Serialize)]
pub struct ShownPreview<'a> {
    /// The preview.
    #[serde(flatten)]
    pub preview: &'a Preview,
    /// [`Preview::nothing_to_do`].
    pub nothing_to_do: bool,
    /// The preview in words (`--format text`).
    pub text: String,
}

impl Preview {
    /// The preview with its verdict and text, as the surfaces give it.
    pub fn shown(&self) -> ShownPreview<'_> {
        ShownPreview {
            preview: self,
            nothing_to_do: self.nothing_to_do(),
            text: self.to_string(),
        }
    }

    /// Neither the files nor the running state need changing.
    pub fn nothing_to_do(&self) -> bool {
        self.running.holds()
            && self
                .files
                .iter()
                .all(|file| file.action == apply::Action::Unchanged)
    }
}

impl std::fmt::Display for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nothing_to_do() {
            writeln!(
                f,
                "nothing to do: the files and the running state hold the plan"
            )?;
            return warnings_text(f, &self.warnings);
        }
        for file in &self.files {
            if file.action != apply::Action::Unchanged {
                writeln!(f, "{:?} {}", file.action, file.path)?;
            }
        }
        for drift in &self.running.differences {
            writeln!(f, "running: {drift}")?;
        }
        for line in &self.would_run {
            writeln!(f, "would run: {line}")?;
        }
        warnings_text(f, &self.warnings)
    }
}

/// What [`apply`] would do, without changing anything.
pub fn preview(request: &Request) -> Result<Preview, EngineError> {
    let (plans, _) = crate::families::validate_request(&request.plans, None)?;
    let rendering = render_for_host(request)?;
    let (commands, restart) = stack_steps(request, &rendering)?;
    let state = KernelState::parse(&capture().map_err(EngineError::Host)?)?;
    let others = others_on(&state, &owned_addresses(request, &plans));
    let files = apply::changes(&rendering, &request.root)?;
    let would_run = Restart::lines(&restart.stop)
        .chain(
            commands
                .iter()
                .filter(|command| still_needed(command, &state))
                .map(|command| command.shell.clone()),
        )
        .chain(Restart::lines(&restart.start))
        .collect();
    Ok(Preview {
        files,
        running: crate::kernel::verify_beside(&plans, &state, &others),
        would_run,
        warnings: rendering.warnings,
    })
}

impl From<Errors> for EngineError {
    fn from(errors: Errors) -> Self {
        EngineError::Invalid(errors)
    }
}

impl From<ApplyError> for EngineError {
    fn from(error: ApplyError) -> Self {
        EngineError::Host(error.to_string())
    }
}

fn state_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR.trim_start_matches('/'))
}

/// The journal of the pending apply under `root`, if one is pending (unconfirmed,
/// interrupted, or a rollback that has not succeeded).
pub fn pending(root: &Path) -> Result<Option<Journal>, EngineError> {
    let dir = state_dir(root);
    match read_journal(&dir.join(PENDING))? {
        Some(journal) => Ok(Some(journal)),
        None => read_journal(&dir.join(ROLLING_BACK)),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// Keeps the change an apply with a confirmation deadline made: the pending journal becomes
/// the last apply's, and the timer finds nothing to roll back.
pub fn confirm(root: &Path) -> Result<Journal, EngineError> {
    let dir = state_dir(root);
    let journal = read_journal(&dir.join(PENDING))?
        .filter(|journal| journal.phase == Phase::Waiting)
        .ok_or_else(|| {
            EngineError::Host(format!(
                "no apply waits for a confirmation under {} (it was confirmed, rolled back, or \
                 made without --confirm-within)",
                dir.display()
            ))
        })?;
    // The rename is the claim: a timer that fires now finds no pending journal.
    fs::rename(dir.join(PENDING), dir.join(LAST)).map_err(|error| {
        EngineError::Host(format!(
            "too late to confirm {}: {error} (the timer is rolling it back)",
            journal.id
        ))
    })?;
    let done = Journal {
        phase: Phase::Done,
        confirm_by: None,
        ..journal
    };
    let text = serde_json::to_string_pretty(&done).unwrap_or_default();
    apply::write_atomically(&dir.join(LAST), &text, 0o600)?;
    Ok(done)
}

/// The timer of an apply waiting for its confirmation (run by the detached process
/// `eniplan await-confirm`): when `confirm_by` passes with the journal `id` still waiting, it
/// rolls the apply back and writes the report beside the journal (`<id>.log`: nobody reads
/// this process's output). `None` when it was confirmed or rolled back by hand first.
pub fn await_confirmation(root: &Path, id: &str) -> Option<Report> {
    let report = wait_for_confirmation(root, id)?;
    let log = state_dir(root).join(format!("{id}.log"));
    let _ = apply::write_atomically(&log, &report.to_string(), 0o600);
    Some(report)
}

fn wait_for_confirmation(root: &Path, id: &str) -> Option<Report> {
    loop {
        let journal = match pending(root) {
            Ok(Some(journal)) if journal.id == id && journal.phase == Phase::Waiting => journal,
            _ => return None,
        };
        let deadline = journal.confirm_by.unwrap_or(0);
        if unix_now() >= deadline {
            return claim(root, PENDING).ok().map(|()| {
                undo(
                    root,
                    &journal,
                    format!("no confirmation came within the time given ({id})"),
                    Vec::new(),
                )
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Claims the journal `file` for a rollback: renamed to [`ROLLING_BACK`]; fails when another
/// claimed it first.
fn claim(root: &Path, file: &str) -> Result<(), EngineError> {
    let dir = state_dir(root);
    if file == ROLLING_BACK {
        return Ok(());
    }
    fs::rename(dir.join(file), dir.join(ROLLING_BACK))
        .map_err(|error| EngineError::Host(format!("the journal was taken: {error}")))
}

/// Starts the timer of a confirmation deadline in a process of its own that outlives the
/// caller's session: a transient systemd service where systemd runs (logind may kill a user
/// session's processes at logout), else a new session (`setsid`), with no terminal.
fn spawn_watcher(timer: Option<&[String]>, root: &Path, id: &str) -> Result<(), String> {
    let mut argv: Vec<String> = match timer {
        Some(timer) => timer.to_vec(),
        None => vec![
            std::env::current_exe()
                .map_err(|error| format!("no path to eniplan: {error}"))?
                .display()
                .to_string(),
            "await-confirm".into(),
        ],
    };
    argv.extend([
        "--root".to_string(),
        root.display().to_string(),
        "--id".into(),
        id.to_string(),
    ]);
    let Some((exe, args)) = argv.split_first() else {
        return Err("no timer command".into());
    };
    let systemd = systemd_runs();
    let mut command = if systemd {
        let unit: String = id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let mut command = Process::new("systemd-run");
        command
            .arg(format!("--unit=eniplan-confirm-{unit}"))
            .arg("--quiet")
            .arg(exe)
            .args(args);
        command
    } else {
        let mut command = Process::new("setsid");
        command.arg(exe).args(args);
        command
    };
    command
        .env("PATH", path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command
        .spawn()
        .map_err(|error| format!("{command:?} could not start: {error}"))?;
    if systemd {
        // systemd-run returns once the unit is started.
        let status = child.wait().map_err(|error| error.to_string())?;
        if !status.success() {
            return Err(format!("systemd-run failed ({status})"));
        }
    }
    Ok(())
}

fn read_journal(path: &Path) -> Result<Option<Journal>, EngineError> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|error| {
            EngineError::Host(format!("{}: not a journal: {error}", path.display()))
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(EngineError::Host(format!(
            "cannot read {}: {error}",
            path.display()
        ))),
    }
}

fn write_journal(root: &Path, journal: &Journal) -> Result<(), EngineError> {
    let dir = state_dir(root);
    fs::create_dir_all(&dir)
        .map_err(|error| EngineError::Host(format!("cannot create {}: {error}", dir.display())))?;
    let text = serde_json::to_string_pretty(journal).unwrap_or_default();
    apply::write_atomically(&dir.join(PENDING), &text, 0o600)?;
    Ok(())
}

/// Renders the plans for the host: the change from what its files configure now (so the
/// addresses a plan drops are removed at run time), merged with its files.
pub fn render_for_host(request: &Request) -> Result<Rendering, EngineError> {
    let target = request.target;
    if target.family().platform() != Platform::Linux {
        return Err(EngineError::Invalid(
            Error::Unsupported {
                field: "os".into(),
                value: target.name().into(),
                target: target.name().into(),
                reason: "the apply engine runs on the Linux host it configures; a Windows host \
                         is applied by the powershell family's apply script, the cloud by its API"
                    .into(),
            }
            .into(),
        ));
    }
    let host = apply::merge_files(&request.root, target.family())
        .map_err(|error| EngineError::Host(host_error(error)))?;
    let rendering = if crate::read::reader(target.family()).is_some() {
        crate::render_change_from_host(&request.plans, target.name(), &host)?
    } else {
        crate::render_for(&request.plans, target.name(), &host)?
    };
    Ok(rendering)
}

fn host_error(error: apply::HostFilesError) -> String {
    error.to_string()
}

/// Applies `request` to the running host: see the module's documentation. Returns the
/// report, or an error when nothing was changed.
pub fn apply(request: &Request) -> Result<Report, EngineError> {
    let started = Instant::now();
    if let Some(journal) = pending(&request.root)? {
        return Err(EngineError::Pending {
            id: journal.id,
            phase: journal.phase,
            journal: state_dir(&request.root).join(PENDING).display().to_string(),
        });
    }
    let (plans, _) = crate::families::validate_request(&request.plans, None)?;
    let rendering = render_for_host(request)?;
    let (commands, restart) = stack_steps(request, &rendering)?;
    let before_json = capture().map_err(EngineError::Host)?;
    let before = KernelState::parse(&before_json)?;
    let interfaces: Vec<String> = plans.iter().map(|p| p.interface().to_string()).collect();
    let tables: Vec<u32> = plans.iter().filter_map(Plan::route_table).collect();
    // NetworkManager's profiles are part of the host where it drives the family (and the
    // commands drive it, not a stand-in): recorded first, and the commands run when the active
    // profile does not hold the plan even if the running state does.
    let network_manager =
        if request.restart_with.is_none() && network_manager::drives(request.target.family()) {
            Some(network_manager::capture(&interfaces).map_err(EngineError::Host)?)
        } else {
            None
        };
    let profiles_hold = match &network_manager {
        Some(before) => {
            network_manager::profiles_hold(&plans, before).map_err(EngineError::Host)?
        }
        None => true,
    };
    // What a person added by hand on these interfaces is not eniplan's: it stays (put back
    // after the restart if the restart drops it) and the verification leaves it be.
    let others = others_on(&before, &owned_addresses(request, &plans));
    let holds_now = profiles_hold && crate::kernel::verify_beside(&plans, &before, &others).holds();
    let files = apply::changes(&rendering, &request.root)?;
    if holds_now && files.iter().all(|f| f.action == apply::Action::Unchanged) {
        // The files and the running state already are the plan's: nothing runs, nothing is
        // journaled.
        return Ok(Report::Unchanged {
            warnings: rendering.warnings,
        });
    }
    let profile_files = network_manager
        .as_ref()
        .map(|before| before.profiles.as_slice())
        .unwrap_or_default();
    let prepared = apply::prepare(
        &rendering,
        &request.root,
        Options { backup: true },
        profile_files,
    )?;
    let mut journal = Journal {
        id: format!("{}-{}", apply::utc_stamp(), std::process::id()),
        target: rendering.target.clone(),
        phase: Phase::Writing,
        backup_set: prepared.backup_set().map(Path::to_path_buf),
        before: before_json,
        interfaces,
        tables,
        restart: restart.clone(),
        confirm_by: None,
        network_manager,
    };
    write_journal(&request.root, &journal)?;
    let changed = prepared.changes_anything();
    let mut ran = Vec::new();
    let failure: Result<(), (String, Vec<Drift>)> = (|| {
        for step in &restart.stop {
            ran.push(crate::quote::shell_line(step));
            run(step).map_err(|error| (error, Vec::new()))?;
        }
        if !restart.stop.is_empty() {
            let now = capture()
                .and_then(|json| KernelState::parse(&json).map_err(|e| e.to_string()))
                .map_err(|error| (error, Vec::new()))?;
            for step in left_by_stop(&plans, &now) {
                ran.push(crate::quote::shell_line(&step));
                run(&step).map_err(|error| (error, Vec::new()))?;
            }
        }
        prepared
            .write()
            .map_err(|error| (format!("writing the files: {error}"), Vec::new()))?;
        journal.phase = Phase::Running;
        write_journal(&request.root, &journal).map_err(|e| (e.to_string(), Vec::new()))?;
        // Removing at run time only what is still there: a dropped address the stop (or
        // anything before) took away needs no `ip addr del`, which would fail.
        let now = capture()
            .and_then(|json| KernelState::parse(&json).map_err(|e| e.to_string()))
            .map_err(|error| (error, Vec::new()))?;
        for command in commands.iter().filter(|c| still_needed(c, &now)) {
            ran.push(command.shell.clone());
            run(&command.argv).map_err(|error| (error, Vec::new()))?;
        }
        for step in &restart.start {
            ran.push(crate::quote::shell_line(step));
            run(step).map_err(|error| (error, Vec::new()))?;
        }
        let now = capture()
            .and_then(|json| KernelState::parse(&json).map_err(|e| e.to_string()))
            .map_err(|error| (error, Vec::new()))?;
        for step in put_back(&others, &now) {
            ran.push(crate::quote::shell_line(&step));
            run(&step).map_err(|error| (error, Vec::new()))?;
        }
        journal.phase = Phase::Verifying;
        write_journal(&request.root, &journal).map_err(|e| (e.to_string(), Vec::new()))?;
        let verification =
            settle(&plans, &others, request.settle).map_err(|error| (error, Vec::new()))?;
        if !verification.holds() {
            return Err((
                format!(
                    "the running state does not hold the plan after {} s",
                    request.settle.as_secs()
                ),
                verification.differences,
            ));
        }
        for (interface, source, gateway) in gateways(&plans) {
            probe(&interface, source, gateway, request.probe)
                .map_err(|error| (error, Vec::new()))?;
        }
        Ok(())
    })();
    match failure {
        Ok(()) => {
            match request.confirm_within {
                Some(within) => {
                    journal.phase = Phase::Waiting;
                    journal.confirm_by = Some(unix_now() + within.as_secs().max(1));
                    write_journal(&request.root, &journal)?;
                    if let Err(error) =
                        spawn_watcher(request.timer.as_deref(), &request.root, &journal.id)
                    {
                        // No timer: nothing would roll back by itself, so nothing is kept.
                        return Ok(undo(
                            &request.root,
                            &journal,
                            format!("the rollback timer could not start: {error}"),
                            Vec::new(),
                        ));
                    }
                }
                None => {
                    journal.phase = Phase::Done;
                    finish(&request.root, &journal)?;
                }
            }
            Ok(Report::Applied {
                journal: Box::new(journal),
                changed,
                ran,
                warnings: rendering.warnings,
                millis: started.elapsed().as_millis(),
            })
        }
        Err((failure, differences)) => Ok(undo(&request.root, &journal, failure, differences)),
    }
}

/// The rendering's commands and its restart as they run on this host, or the request's
/// `restart_with` line instead of both.
fn stack_steps(
    request: &Request,
    rendering: &Rendering,
) -> Result<(Vec<Command>, Restart), EngineError> {
    match &request.restart_with {
        Some(line) => Ok((
            Vec::new(),
            Restart {
                stop: Vec::new(),
                start: vec![vec!["sh".into(), "-c".into(), line.clone()]],
            },
        )),
        None => Ok((
            rendering.commands.clone(),
            restart_plan(&rendering.restart).map_err(EngineError::Host)?,
        )),
    }
}

/// Whether a rendering's command still has something to do on a host in `state`: an
/// `ip addr del` of an address the interface no longer holds, or an `ip rule del` of a rule
/// that is gone, has not.
fn still_needed(command: &Command, state: &KernelState) -> bool {
    let argv: Vec<&str> = command.argv.iter().map(String::as_str).collect();
    match argv.as_slice() {
        ["ip", "addr" | "address", "del", cidr, "dev", dev]
        | ["ip", "-6", "addr" | "address", "del", cidr, "dev", dev] => {
            let Ok(net) = cidr.parse::<ipnet::IpNet>() else {
                return true;
            };
            state
                .links
                .get(*dev)
                .is_some_and(|link| link.addresses.iter().any(|a| a.net.addr() == net.addr()))
        }
        ["ip", "rule", "del", "from", from, "table", table, ..]
        | ["ip", "rule", "del", "priority", _, "from", from, "table", table] => {
            let (Ok(from), Ok(table)) = (from.parse::<IpAddr>(), table.parse::<u32>()) else {
                return true;
            };
            state
                .rules
                .iter()
                .any(|rule| rule.table == table && rule.from.is_some_and(|f| f.addr() == from))
        }
        _ => true,
    }
}

/// Makes `journal` the last apply's: the pending one is gone.
fn finish(root: &Path, journal: &Journal) -> Result<(), EngineError> {
    let dir = state_dir(root);
    let text = serde_json::to_string_pretty(journal).unwrap_or_default();
    apply::write_atomically(&dir.join(LAST), &text, 0o600)?;
    match fs::remove_file(dir.join(PENDING)) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(EngineError::Host(format!(
            "cannot remove {}: {error}",
            dir.join(PENDING).display()
        ))),
    }
}

/// Rolls back the pending apply under `root`, or, with none pending, the last one: the files
/// from its backup set, the restart again, the captured running state put back.
pub fn rollback(root: &Path) -> Result<Report, EngineError> {
    let dir = state_dir(root);
    let mut journal = None;
    for file in [ROLLING_BACK, PENDING, LAST] {
        if let Some(found) = read_journal(&dir.join(file))? {
            claim(root, file)?;
            journal = Some(found);
            break;
        }
    }
    let journal =
        journal.ok_or_else(|| EngineError::NothingToRollBack(dir.display().to_string()))?;
    Ok(undo(
        root,
        &journal,
        format!("rollback of {} asked for", journal.id),
        Vec::new(),
    ))
}

/// Puts the host back as `journal` found it, and says whether it is.
fn undo(root: &Path, journal: &Journal, failure: String, differences: Vec<Drift>) -> Report {
    let started = Instant::now();
    let mut left = Vec::new();
    // Stop with the files the apply wrote, restore, start with the old ones. A step that
    // fails (the old state may not have come from the old files) is noted; what it leaves is
    // put back below, and only a state that still differs fails the rollback.
    let mut noted = Vec::new();
    for step in &journal.restart.stop {
        if let Err(error) = run(step) {
            noted.push(format!("restart: {error}"));
        }
    }
    if let Some(set) = &journal.backup_set {
        if let Err(error) = apply::restore(root, set) {
            left.push(format!("the files: {error}"));
        }
    }
    for step in &journal.restart.start {
        if let Err(error) = run(step) {
            noted.push(format!("restart: {error}"));
        }
    }
    if let Some(network_manager) = &journal.network_manager {
        for error in network_manager::restore(network_manager) {
            noted.push(format!("NetworkManager: {error}"));
        }
    }
    let before = match KernelState::parse(&journal.before) {
        Ok(before) => before,
        Err(errors) => {
            return Report::RollbackFailed {
                failure,
                left: vec![format!("the journal's captured state: {errors}")],
            }
        }
    };
    let restored = (|| -> Result<Vec<String>, String> {
        let now = KernelState::parse(&capture()?).map_err(|e| e.to_string())?;
        for command in now.converge_to(&before, &journal.interfaces, &journal.tables) {
            // Each is tried: one that fails leaves a difference the comparison below names.
            let _ = run(&command.argv);
        }
        let now = KernelState::parse(&capture()?).map_err(|e| e.to_string())?;
        let then = before.scoped(&journal.interfaces, &journal.tables);
        let now = now.scoped(&journal.interfaces, &journal.tables);
        Ok(state_differences(&then, &now))
    })();
    let still = match restored {
        Ok(differences) => differences,
        Err(error) => vec![format!("reading the running state: {error}")],
    };
    // A restart that failed but whose state was put back by hand is no failure of the
    // rollback; a state that differs is.
    let failed = !still.is_empty();
    let dir = state_dir(root);
    if failed || !left.is_empty() {
        Report::RollbackFailed {
            failure,
            left: left.into_iter().chain(still).chain(noted).collect(),
        }
    } else {
        for file in [PENDING, ROLLING_BACK, LAST] {
            let _ = fs::remove_file(dir.join(file));
        }
        Report::RolledBack {
            failure,
            differences,
            notes: noted,
            millis: started.elapsed().as_millis(),
        }
    }
}

/// How two scoped states differ, in words.
fn state_differences(then: &KernelState, now: &KernelState) -> Vec<String> {
    let mut out = Vec::new();
    for (name, link) in &then.links {
        match now.links.get(name) {
            None => out.push(format!("{name}: the interface is gone")),
            Some(current) if current != link => out.push(format!(
                "{name}: addresses {} (up: {}), before {} (up: {})",
                current
                    .addresses
                    .iter()
                    .map(|a| a.net.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                current.up,
                link.addresses
                    .iter()
                    .map(|a| a.net.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                link.up
            )),
            Some(_) => {}
        }
    }
    for route in then.routes.difference(&now.routes) {
        out.push(format!("route missing: {route:?}"));
    }
    for route in now.routes.difference(&then.routes) {
        out.push(format!("route added: {route:?}"));
    }
    for rule in then.rules.difference(&now.rules) {
        out.push(format!("rule missing: {rule:?}"));
    }
    for rule in now.rules.difference(&then.rules) {
        out.push(format!("rule added: {rule:?}"));
    }
    out
}

/// Verifies until the state holds the plans or `settle` has passed; the last verification.
fn settle(
    plans: &[Plan],
    others: &crate::kernel::Others,
    settle: Duration,
) -> Result<Verification, String> {
    let deadline = Instant::now() + settle;
    loop {
        let state = KernelState::parse(&capture()?).map_err(|e| e.to_string())?;
        let verification = crate::kernel::verify_beside(plans, &state, others);
        if verification.holds() || Instant::now() >= deadline {
            return Ok(verification);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A plan's addresses, IPv4 and IPv6.
fn planned_addresses(plan: &Plan) -> impl Iterator<Item = IpAddr> + '_ {
    plan.ipv4_addresses().map(IpAddr::V4).chain(
        plan.ipv6()
            .into_iter()
            .flat_map(|ipv6| ipv6.addresses().iter().copied().map(IpAddr::V6)),
    )
}

/// The addresses eniplan owns on each configured interface: the plans', and those of the
/// configuration the host's files hold now (which the change replaces, and whose dropped
/// addresses it removes). `None` for a family whose configuration eniplan cannot read back
/// (nmcli: the profile it modifies lives in NetworkManager): then every address on the
/// interface is taken to be the configuration's, as a reactivation takes it.
fn owned_addresses(
    request: &Request,
    plans: &[Plan],
) -> Option<BTreeMap<String, BTreeSet<IpAddr>>> {
    let mut owned: BTreeMap<String, BTreeSet<IpAddr>> = BTreeMap::new();
    for plan in plans {
        owned
            .entry(plan.interface().to_string())
            .or_default()
            .extend(planned_addresses(plan));
    }
    let target = request.target;
    crate::read::reader(target.family())?;
    let Ok(host) = apply::merge_files(&request.root, target.family()) else {
        return Some(owned);
    };
    let nics: crate::read::HostNics = plans
        .iter()
        .filter_map(|plan| Some((plan.interface().to_string(), plan.mac()?.to_string())))
        .collect();
    for plan in plans {
        let Ok(reading) = crate::read::read_on(&host, target, Some(plan.interface()), &nics) else {
            continue;
        };
        let found = &reading.plan;
        let words = found
            .primary
            .iter()
            .chain(&found.secondaries)
            .chain(found.ipv6.iter().flat_map(|ipv6| &ipv6.addresses));
        owned
            .entry(plan.interface().to_string())
            .or_default()
            .extend(words.filter_map(|word| word.parse::<IpAddr>().ok()));
    }
    Some(owned)
}

/// The addresses on the owned interfaces in `state` that are not eniplan's: static (a lease
/// is its client's), global, and in neither the plans nor the host's configuration.
fn others_on(
    state: &KernelState,
    owned: &Option<BTreeMap<String, BTreeSet<IpAddr>>>,
) -> crate::kernel::Others {
    let mut others = crate::kernel::Others::new();
    let Some(owned) = owned else {
        return others;
    };
    for (interface, mine) in owned {
        let Some(link) = state.links.get(interface) else {
            continue;
        };
        let theirs: BTreeSet<ipnet::IpNet> = link
            .addresses
            .iter()
            .filter(|a| !a.dynamic && a.scope == "global" && !mine.contains(&a.net.addr()))
            .map(|a| a.net)
            .collect();
        if !theirs.is_empty() {
            others.insert(interface.clone(), theirs);
        }
    }
    others
}

/// The `ip addr del` steps that take off the plans' addresses a stop left on their interfaces.
/// A stop deconfigures only what its tool brought up: an interface another agent configured
/// (a DHCP client before the first apply, cloud-init's ephemeral lease, a person) keeps its
/// addresses through `ifdown`, and ifupdown's `inet static` start then adds each address with
/// `ip addr add`, which the kernel refuses for one already there (EEXIST, "Address already
/// assigned"), so `ifup` fails. The start puts each back at once.
fn left_by_stop(plans: &[Plan], now: &KernelState) -> Vec<Vec<String>> {
    let mut steps = Vec::new();
    for plan in plans {
        let Some(link) = now.links.get(plan.interface()) else {
            continue;
        };
        let planned: BTreeSet<IpAddr> = planned_addresses(plan).collect();
        for address in link
            .addresses
            .iter()
            .filter(|a| planned.contains(&a.net.addr()))
        {
            let mut step = vec!["ip".to_string()];
            if address.net.addr().is_ipv6() {
                step.push("-6".into());
            }
            step.extend(
                [
                    "addr",
                    "del",
                    &address.net.to_string(),
                    "dev",
                    plan.interface(),
                ]
                .map(String::from),
            );
            steps.push(step);
        }
    }
    steps
}

/// The `ip addr add` steps that put back the addresses of `others` a restart dropped
/// (ifupdown's `inet static` down flushes the interface's addresses, a person's too).
fn put_back(others: &crate::kernel::Others, now: &KernelState) -> Vec<Vec<String>> {
    let mut steps = Vec::new();
    for (interface, nets) in others {
        let present: BTreeSet<IpAddr> = now
            .links
            .get(interface)
            .map(|link| link.addresses.iter().map(|a| a.net.addr()).collect())
            .unwrap_or_default();
        for net in nets.iter().filter(|net| !present.contains(&net.addr())) {
            let mut step = vec!["ip".to_string()];
            if net.addr().is_ipv6() {
                step.push("-6".into());
            }
            step.extend(["addr", "add", &net.to_string(), "dev", interface].map(String::from));
            steps.push(step);
        }
    }
    steps
}

/// The running state, as `ip -j` prints it.
pub fn capture() -> Result<IpJson, String> {
    let mut outputs = IpJson::COMMANDS.iter().map(|argv| {
        let argv: Vec<String> = argv.iter().map(|word| word.to_string()).collect();
        run(&argv)
    });
    let mut next = || outputs.next().unwrap_or_else(|| Ok(String::new()));
    Ok(IpJson {
        addresses: next()?,
        routes4: next()?,
        routes6: next()?,
        rules4: next()?,
        rules6: next()?,
    })
}

/// Runs one command (no shell: argv as it is) and returns its standard output; a failure
/// names the command and says what it printed.
fn run(argv: &[String]) -> Result<String, String> {
    let line = crate::quote::shell_line(argv);
    let Some((program, args)) = argv.split_first() else {
        return Err("an empty command".into());
    };
    let output = Process::new(program)
        .args(args)
        .env("PATH", path())
        .output()
        .map_err(|error| format!("`{line}` could not run: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`{line}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The caller's PATH with the system directories where `ip`, `ifup` and the service tools
/// live, which a non-login shell may lack.
fn path() -> String {
    let mut path = std::env::var("PATH").unwrap_or_default();
    for dir in [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ] {
        if !path.split(':').any(|entry| entry == dir) {
            if !path.is_empty() {
                path.push(':');
            }
            path.push_str(dir);
        }
    }
    path
}

/// Whether systemd is the service manager: sd_booted(3) checks for `/run/systemd/system`.
fn systemd_runs() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// The restart of a rendering as it runs on this host, split into stop and start where the
/// service's stop deconfigures with the files it started with: Debian's `networking` (ifupdown)
/// and the initscripts' `network`. Where systemd does not run, `systemctl` cannot, and a unit
/// eniplan knows the commands of runs them instead ([`without_systemd`]).
fn restart_plan(restart: &[Command]) -> Result<Restart, String> {
    let systemd = systemd_runs();
    let mut plan = Restart::default();
    let argv = |words: &[&str]| -> Vec<String> { words.iter().map(|w| w.to_string()).collect() };
    for command in restart {
        match command.argv.as_slice() {
            [systemctl, verb, unit] if systemctl == "systemctl" && verb == "restart" => {
                let unit = unit.trim_end_matches(".service");
                let split = matches!(unit, "networking" | "network");
                match (systemd, without_systemd(unit)) {
                    (true, _) if split => {
                        plan.stop.push(argv(&["systemctl", "stop", unit]));
                        plan.start.push(argv(&["systemctl", "start", unit]));
                    }
                    (true, _) => plan.start.push(command.argv.clone()),
                    (false, Some(commands)) => {
                        plan.stop.extend(commands.stop);
                        plan.start.extend(commands.start);
                    }
                    (false, None) => {
                        return Err(format!(
                            "systemd does not run here (no /run/systemd/system), so `{}` cannot \
                             run, and eniplan knows no other way to restart {unit}",
                            command.shell
                        ))
                    }
                }
            }
            _ => plan.start.push(command.argv.clone()),
        }
    }
    Ok(plan)
}

/// What a unit's stop and start run, for the units eniplan restarts, where systemd does not
/// run: Debian's `networking.service` (ifupdown) stops with `ifdown -a --read-environment
/// --exclude=lo` and starts with `ifup -a --read-environment` (its ExecStop and ExecStart).
pub fn without_systemd(unit: &str) -> Option<Restart> {
    let argv = |words: &[&str]| words.iter().map(|word| word.to_string()).collect();
    match unit {
        "networking" => Some(Restart {
            stop: vec![argv(&[
                "ifdown",
                "-a",
                "--read-environment",
                "--exclude=lo",
            ])],
            start: vec![argv(&["ifup", "-a", "--read-environment"])],
        }),
        _ => None,
    }
}

/// The gateways the plans route through, each with the interface and the source address a
/// reply must come back to: the main default route's, each secondary ENI's table's, IPv6's.
fn gateways(plans: &[Plan]) -> Vec<(String, IpAddr, IpAddr)> {
    let mut out = Vec::new();
    for plan in plans {
        let interface = plan.interface().to_string();
        if let Some(gateway) = plan.gateway() {
            out.push((
                interface.clone(),
                IpAddr::V4(plan.primary()),
                IpAddr::V4(gateway),
            ));
        }
        if let Some(ipv6) = plan.ipv6() {
            if let (Some(gateway), Some(source)) = (ipv6.gateway(), ipv6.addresses().first()) {
                out.push((interface, IpAddr::V6(*source), IpAddr::V6(gateway)));
            }
        }
    }
    out
}

/// Whether `gateway` answers on `interface`'s link: its neighbour entry is flushed, one UDP
/// datagram from `source` makes the kernel resolve it (ARP, or IPv6 neighbour discovery),
/// and the entry must become reachable within `timeout`.
fn probe(
    interface: &str,
    source: IpAddr,
    gateway: IpAddr,
    timeout: Duration,
) -> Result<(), String> {
    let words = |verb: &str| -> Vec<String> {
        let mut argv = vec!["ip".to_string()];
        if gateway.is_ipv6() {
            argv.push("-6".into());
        }
        argv.extend(
            [
                "-j",
                "neigh",
                verb,
                "to",
                &gateway.to_string(),
                "dev",
                interface,
            ]
            .map(String::from),
        );
        argv
    };
    let mut flush = words("flush");
    flush.retain(|word| word != "-j");
    let _ = run(&flush);
    let scope = if gateway.is_ipv6() {
        fs::read_to_string(format!("/sys/class/net/{interface}/ifindex"))
            .ok()
            .and_then(|index| index.trim().parse::<u32>().ok())
            .unwrap_or(0)
    } else {
        0
    };
    let socket_address = |address: IpAddr| match address {
        IpAddr::V4(v4) => SocketAddr::from((v4, 0)),
        IpAddr::V6(v6) => SocketAddr::V6(std::net::SocketAddrV6::new(v6, 0, 0, scope)),
    };
    let socket = UdpSocket::bind(socket_address(source)).map_err(|error| {
        format!("the gateway {gateway} cannot be probed from {source}: {error}")
    })?;
    let mut target = socket_address(gateway);
    target.set_port(9);
    // The datagram itself goes to the discard port; what matters is the resolution it causes.
    let _ = socket.send_to(b"eniplan", target);
    let deadline = Instant::now() + timeout;
    let mut state = String::from("no entry");
    loop {
        if let Ok(json) = run(&words("show")) {
            if let Ok(serde_json::Value::Array(entries)) =
                serde_json::from_str::<serde_json::Value>(&json)
            {
                state = entries
                    .first()
                    .and_then(|entry| entry.get("state"))
                    .map(|states| states.to_string())
                    .unwrap_or_else(|| "no entry".into());
                if ["REACHABLE", "PERMANENT", "NOARP"]
                    .iter()
                    .any(|good| state.contains(good))
                {
                    return Ok(());
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the gateway {gateway} does not answer on {interface} (neighbour state: {state} \
                 after {} ms)",
                timeout.as_millis()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
