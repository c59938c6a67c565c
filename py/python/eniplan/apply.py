"""Applying to a host: what the Ansible and Salt modules share.

:func:`run` applies a plan to the running host with eniplan's engine (``eniplan apply``):
render against the host's files, capture the running state, write, restart, verify, and roll
back by itself on failure; :func:`confirm` and :func:`rollback` finish or undo one. The rest
of this module writes a rendering to a file system without running anything:

The core never touches the disk while rendering; its ``apply`` module (``eniplan::apply`` in
Rust, reached through ``_eniplan``) does, on the caller's behalf, with the same rules the CLI's
``--write-to`` follows: each rendered file is compared with what is on disk (contents and mode)
and written only when it differs, atomically and durably (a temporary file in the same
directory, fsynced, then a rename, which replaces a symlink instead of writing through it); the
rendering's stale files are deleted; no directory under ``root`` is followed through a symlink;
nothing is ever written outside ``root``. This module only turns the core's answers into
dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import _eniplan
from ._errors import Error
from ._types import Command, Rendering

__all__ = [
    "FileChange",
    "Outcome",
    "Refused",
    "Restored",
    "UnsafePath",
    "backup_sets",
    "changes",
    "commands_to_run",
    "confirm",
    "preview",
    "restore",
    "rollback",
    "run",
    "write",
]


class UnsafePath(Error):
    """A rendering cannot be applied under the root: a path would leave it (``..``, a relative
    path, a symlinked directory), a directory stands where a file goes, or the disk refused."""


class Refused(Error):
    """The engine changed nothing: another apply is pending (confirm or roll it back first),
    there is nothing to confirm or roll back, or the host could not be read."""


def _engine(call: Any, *args: Any, **kwargs: Any) -> Dict[str, Any]:
    try:
        result: Dict[str, Any] = call(*args, **kwargs)
        return result
    except RuntimeError as error:
        raise Refused(str(error)) from None


def run(
    plan: Any,
    target: str = "auto",
    root: str = "/",
    settle: int = 20,
    confirm_within: Optional[int] = None,
) -> Dict[str, Any]:
    """Applies ``plan`` (one ENI or a list: an instance) to the running host and verifies it,
    rolling back by itself when anything fails: ``eniplan apply``. Returns the report: its
    ``outcome`` (``unchanged``, ``applied``, ``rolled_back``, ``rollback_failed``), its
    ``exit_status`` (0, 0, 1, 3) and its ``text``. With ``confirm_within`` (seconds), a
    verified change is kept only if :func:`confirm` comes in time. Raises :class:`PlanError`
    for an invalid plan and :class:`Refused` when nothing could be changed."""
    return _engine(_eniplan.engine_apply, plan, target, root, settle, confirm_within)


def preview(plan: Any, target: str = "auto", root: str = "/") -> Dict[str, Any]:
    """What :func:`run` would do, changing nothing: the ``files`` it would write, how the
    ``running`` state differs from the plan, the commands it ``would_run``, and
    ``nothing_to_do``."""
    return _engine(_eniplan.engine_apply, plan, target, root, dry_run=True)


def confirm(root: str = "/") -> Dict[str, Any]:
    """Keeps the change of a :func:`run` made with ``confirm_within``; returns its journal."""
    return _engine(_eniplan.engine_confirm, root)


def rollback(root: str = "/") -> Dict[str, Any]:
    """Rolls back the pending apply (an interrupted one) or the last one; returns the report."""
    return _engine(_eniplan.engine_rollback, root)


@dataclass(frozen=True)
class FileChange:
    """What applying a rendering does to one file."""

    #: The path on the target system, as rendered (``/etc/…``).
    path: str
    #: The same path under the root the rendering is applied to.
    destination: str
    #: ``create``, ``update``, ``delete`` or ``unchanged``.
    action: str
    #: The current contents (``None`` when the file does not exist or is not text).
    before: Optional[str]
    #: The new contents (``None`` for a deletion).
    after: Optional[str]
    #: The rendered mode, for writes.
    mode: Optional[int] = None


@dataclass
class Outcome:
    """The result of :func:`write`."""

    changed: bool
    files: List[FileChange]
    #: The copies in the backup set (with ``backup=True``).
    backups: List[str] = field(default_factory=list)
    #: This write's backup set under ``/var/backups/eniplan/`` (what :func:`restore` takes).
    backup_set: Optional[str] = None


@dataclass
class Restored:
    """The result of :func:`restore`."""

    #: The files written back from the set.
    restored: List[str]
    #: The files the write had created, deleted again.
    removed: List[str]


def _change(raw: Dict[str, Any]) -> FileChange:
    return FileChange(
        raw["path"], raw["destination"], raw["action"], raw["before"], raw["after"], raw["mode"]
    )


def changes(rendering: Rendering, root: str = "/") -> List[FileChange]:
    """What applying ``rendering`` under ``root`` would change, file by file; writes nothing."""
    return [_change(raw) for raw in _eniplan.apply_changes(rendering, root)]


def write(rendering: Rendering, root: str = "/", backup: bool = False) -> Outcome:
    """Writes the files that differ and deletes the stale ones; returns what changed.

    With ``backup``, every file the write touches is first recorded in one backup set under
    ``<root>/var/backups/eniplan/<UTC time>/``, outside every directory a network tool reads
    (a copy beside the live file would be read as configuration); :func:`restore` undoes the
    write from it."""
    raw = _eniplan.apply(rendering, root, backup)
    return Outcome(
        raw["changed"],
        [_change(c) for c in raw["files"]],
        list(raw["backups"]),
        raw["backup_set"],
    )


def restore(backup_set: str, root: str = "/") -> Restored:
    """Puts back what the write that made ``backup_set`` changed under ``root``: the old files
    byte for byte with their modes, the files it created deleted. A set missing a copy
    changes nothing (:class:`UnsafePath`)."""
    raw = _eniplan.restore(root, backup_set)
    return Restored(list(raw["restored"]), list(raw["removed"]))


def backup_sets(root: str = "/") -> List[str]:
    """The backup sets under ``root``, oldest first."""
    return list(_eniplan.backup_sets(root))


def commands_to_run(rendering: Rendering) -> List[Command]:
    """The commands, then the restart steps, in the order they must run."""
    return list(rendering["commands"]) + list(rendering["restart"])


def _await_confirm(argv: List[str]) -> int:
    """``python -m eniplan.apply await-confirm --root ROOT --id ID``: the timer a :func:`run`
    with ``confirm_within`` starts in a process of its own."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m eniplan.apply")
    parser.add_argument("command", choices=["await-confirm"])
    parser.add_argument("--root", required=True)
    parser.add_argument("--id", required=True)
    args = parser.parse_args(argv)
    _eniplan.engine_await(args.root, args.id)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_await_confirm(sys.argv[1:]))
