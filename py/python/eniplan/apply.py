"""Applying a rendering to a file system: what the Ansible and Salt modules share.

The core never touches the disk; this module does, on the caller's behalf. It compares each
rendered file with what is on disk (contents and mode), writes only what differs, atomically
(a temporary file in the same directory, then a rename, which replaces a symlink instead of
writing through it), deletes the rendering's stale files, and never writes outside ``root``.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional

from ._errors import Error
from ._types import Command, Rendering

__all__ = ["FileChange", "Outcome", "UnsafePath", "changes", "commands_to_run", "write"]


class UnsafePath(Error):
    """A rendered path would leave the root (``..``, a relative path, a symlinked directory)."""


@dataclass(frozen=True)
class FileChange:
    """What applying a rendering does to one file."""

    #: The path on the target system, as rendered (``/etc/…``).
    path: str
    #: The same path under the root the rendering is applied to.
    destination: str
    #: ``create``, ``update``, ``delete`` or ``unchanged``.
    action: str
    #: The current contents (``None`` when the file does not exist).
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


def _destination(root: str, path: str) -> str:
    if not path.startswith("/") or any(part in ("..", ".") for part in path.split("/")):
        raise UnsafePath(f"refusing {path!r}: not an absolute path without '..'")
    real_root = os.path.realpath(root)
    destination = os.path.join(real_root, path.lstrip("/"))
    # The nearest existing ancestor must resolve inside the root: a symlinked directory on
    # the way could point anywhere.
    ancestor = os.path.dirname(destination)
    while not os.path.lexists(ancestor) and ancestor != real_root:
        ancestor = os.path.dirname(ancestor)
    if not os.path.lexists(ancestor):
        return destination  # nothing exists under the root yet, so nothing can lead out
    resolved = os.path.realpath(ancestor)
    if resolved != real_root and not resolved.startswith(real_root + os.sep):
        raise UnsafePath(f"refusing {path!r}: {ancestor} leads outside {root}")
    return destination


def _read(destination: str) -> Optional[str]:
    try:
        with open(destination, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _mode(destination: str) -> Optional[int]:
    try:
        return stat.S_IMODE(os.lstat(destination).st_mode)
    except FileNotFoundError:
        return None


def changes(rendering: Rendering, root: str = "/") -> List[FileChange]:
    """What applying ``rendering`` under ``root`` would change, file by file; writes nothing."""
    result: List[FileChange] = []
    for item in rendering["files"]:
        destination = _destination(root, item["path"])
        before = _read(destination) if not os.path.islink(destination) else None
        if before is None:
            action = "create"
        elif before != item["contents"] or _mode(destination) != item["mode"]:
            action = "update"
        else:
            action = "unchanged"
        result.append(
            FileChange(item["path"], destination, action, before, item["contents"], item["mode"])
        )
    for path in rendering["delete"]:
        destination = _destination(root, path)
        if os.path.lexists(destination):
            result.append(FileChange(path, destination, "delete", _read(destination), None))
    return result


def _backup(destination: str) -> str:
    backup = f"{destination}.{time.strftime('%Y%m%d%H%M%S')}.eniplan~"
    with open(destination, "rb") as source, open(backup, "wb") as copy:
        copy.write(source.read())
    return backup


def write(rendering: Rendering, root: str = "/", backup: bool = False) -> Outcome:
    """Writes the files that differ and deletes the stale ones; returns what changed."""
    outcome = Outcome(changed=False, files=changes(rendering, root))
    for change in outcome.files:
        if change.action == "unchanged":
            continue
        outcome.changed = True
        if backup and change.before is not None:
            outcome.backups.append(_backup(change.destination))
        if change.action == "delete":
            os.unlink(change.destination)
            continue
        directory = os.path.dirname(change.destination)
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".eniplan-")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                handle.write(change.after or "")
                handle.flush()
                os.fchmod(handle.fileno(), change.mode if change.mode is not None else 0o644)
                os.fsync(handle.fileno())
            os.replace(temporary, change.destination)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    return outcome


def commands_to_run(rendering: Rendering) -> List[Command]:
    """The commands, then the restart steps, in the order they must run."""
    return list(rendering["commands"]) + list(rendering["restart"])
