"""eniplan: one plan for a cloud ENI in, the exact files and commands for an OS out.

Every function here is the Rust core's, reached through the native module ``_eniplan``; the
package adds only the exception classes, type declarations, :mod:`eniplan.apply`, which
writes a rendering to disk for Ansible and Salt, and :mod:`eniplan.metadata`, which reads the
instance metadata service and the host's NIC names.
"""

from __future__ import annotations

from ._errors import Error, PlanError
from ._eniplan import (
    Problem,
    __version__,
    convert,
    detect,
    drift,
    plan_schema,
    plans_from_api,
    plans_from_metadata,
    render,
    render_absent,
    render_change,
    render_many,
    render_example,
    render_instance,
    render_on_snapshot,
    render_seed_example,
    read,
    read_host,
    read_ip_json,
    target_for,
    targets,
    validate,
)
from ._types import Command, File, Outcome, Plan, Plans, Refusal, Rendering, TargetInfo

# The two submodules are part of the package's surface: `import eniplan` is enough to reach
# `eniplan.apply.changes(...)` and `eniplan.metadata.fetch(...)`.
from . import apply, metadata  # noqa: E402  (after the names they import from)

__all__ = [
    "Command",
    "Error",
    "File",
    "Outcome",
    "Plan",
    "Plans",
    "Refusal",
    "PlanError",
    "Problem",
    "Rendering",
    "TargetInfo",
    "__version__",
    "apply",
    "convert",
    "detect",
    "drift",
    "metadata",
    "plan_schema",
    "plans_from_api",
    "plans_from_metadata",
    "render",
    "render_absent",
    "render_change",
    "render_many",
    "render_example",
    "render_instance",
    "render_on_snapshot",
    "render_seed_example",
    "read",
    "read_host",
    "read_ip_json",
    "target_for",
    "targets",
    "validate",
]
