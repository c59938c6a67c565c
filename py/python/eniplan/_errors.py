"""The exceptions of eniplan. The native module raises them; they live here so that a plan
error can be both an ``eniplan.Error`` and a ``ValueError``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from ._eniplan import Problem


class Error(Exception):
    """Base class of every error eniplan raises."""


class PlanError(Error, ValueError):
    """The plan (or the requested target) is invalid. ``problems`` lists every problem found,
    each with ``field``, ``value``, ``message`` and ``kind``."""

    problems: list[Problem]

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = list(problems)


class MetadataError(Error):
    """A cloud's metadata service did not answer in full (unreachable, refused, a server error,
    a timeout, an answer cut short): nothing is planned from it. ``problems`` names each key."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)
