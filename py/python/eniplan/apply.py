"""Applying a rendering to a file system: what the Ansible and Salt modules share.

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

__all__ = ["FileChange", "Outcome", "UnsafePath", "changes", "commands_to_run", "write"]


class UnsafePath(Error):
    """A rendering cannot be applied under the root: a path would leave it (``..``, a relative
    path, a symlinked directory), a directory stands where a file goes, or the disk refused."""


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
    backups: List[str] = field(default_factory=list)


def _change(raw: Dict[str, Any]) -> FileChange:
    return FileChange(
        raw["path"], raw["destination"], raw["action"], raw["before"], raw["after"], raw["mode"]
    )


def changes(rendering: Rendering, root: str = "/") -> List[FileChange]:
    """What applying ``rendering`` under ``root`` would change, file by file; writes nothing."""
    return [_change(raw) for raw in _eniplan.apply_changes(rendering, root)]


def write(rendering: Rendering, root: str = "/", backup: bool = False) -> Outcome:
    """Writes the files that differ and deletes the stale ones; returns what changed."""
    raw = _eniplan.apply(rendering, root, backup)
    return Outcome(raw["changed"], [_change(c) for c in raw["files"]], list(raw["backups"]))


def commands_to_run(rendering: Rendering) -> List[Command]:
    """The commands, then the restart steps, in the order they must run."""
    return list(rendering["commands"]) + list(rendering["restart"])
