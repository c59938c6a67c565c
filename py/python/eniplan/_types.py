"""The shapes of eniplan's data, as TypedDicts: the JSON contract, in Python."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, TypedDict, Union


class _CommandFields(TypedDict):
    argv: List[str]
    shell: str
    purpose: str


class Command(_CommandFields, total=False):
    """One command: argv for a program, a quoted shell line for a person, and why.

    A Windows command that creates or removes one object carries a ``guard`` (one key:
    ``unless_found``, ``if_found``, ``unless_succeeds`` or ``after_ensuring``, with the other
    command's argv) that keeps it safe to run twice; ``shell`` holds both, so run ``shell``
    for a guarded command, never its ``argv`` alone.
    """

    guard: Dict[str, List[str]]


class File(TypedDict):
    """One file to write: absolute path, whole contents, permission bits (e.g. 0o644)."""

    path: str
    contents: str
    mode: int


class Rendering(TypedDict):
    """Everything one target needs: files, files to delete, commands, restart, verify."""

    target: str
    family: str
    files: List[File]
    delete: List[str]
    commands: List[Command]
    restart: List[Command]
    verify: List[Command]
    warnings: List[str]


class TargetInfo(TypedDict):
    """A target as listed by :func:`eniplan.targets`."""

    name: str
    family: str
    description: str
    restart: List[Command]


#: A plan: a mapping with the keys of the plan contract, or YAML/JSON text.
Plan = Union[Mapping[str, Any], str]

__all__ = ["Command", "File", "Plan", "Rendering", "TargetInfo", "Dict"]
