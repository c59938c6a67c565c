"""The shapes of eniplan's data, as TypedDicts: the JSON contract, in Python."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence, TypedDict, Union


class _CommandFields(TypedDict):
    argv: List[str]
    shell: str
    purpose: str


class Command(_CommandFields, total=False):
    """One command: argv for a program, a quoted shell line for a person, and why.

    A Windows command that creates or removes one object carries a ``guard`` (one key:
    ``unless_found``, ``if_found``, ``unless_succeeds``, ``after_ensuring`` or
    ``after_removing``, with the other
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


class ProblemData(TypedDict):
    """One problem as data (inside a :class:`Refusal`)."""

    field: str
    value: str
    message: str
    kind: str


class Refusal(TypedDict):
    """A target of a selection that cannot render the plan, in the place of its rendering."""

    target: str
    family: str
    error: str
    problems: List[ProblemData]


#: One target's entry of :func:`eniplan.render_many`: its rendering or its refusal (a
#: refusal is told apart by its ``error`` key).
Outcome = Union[Rendering, Refusal]


class TargetInfo(TypedDict):
    """A target as listed by :func:`eniplan.targets`."""

    name: str
    family: str
    description: str
    restart: List[Command]


#: A plan: a mapping with the keys of the plan contract, or YAML/JSON text.
Plan = Union[Mapping[str, Any], str]

#: One plan or an instance: a list of plans (every ENI of one host, as
#: :func:`eniplan.plans_from_metadata` returns them), or YAML/JSON text of either.
Plans = Union[Mapping[str, Any], Sequence[Mapping[str, Any]], str]

__all__ = [
    "Command",
    "File",
    "Outcome",
    "Plan",
    "Plans",
    "ProblemData",
    "Refusal",
    "Rendering",
    "TargetInfo",
    "Dict",
]
