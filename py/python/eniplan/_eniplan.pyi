"""Type declarations of the native module (hand-written; checked by mypy in the tests)."""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ._types import Outcome, Plan, Plans, Rendering, TargetInfo

__version__: str

class Problem:
    """One problem of a rejected plan."""

    @property
    def field(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def kind(self) -> str: ...

def render(plan: Plans, target: str, root: Optional[str] = None) -> Rendering:
    """Renders ``plan`` (one plan or an instance) for one target; with ``root``, merged with
    the host's files there. Raises :class:`eniplan.PlanError`."""

def render_on_snapshot(plan: Plans, target: str, snapshot: Union[str, Mapping[str, Any]],
                       distribution: Optional[str] = None,
                       version: Optional[str] = None) -> Dict[str, Any]:
    """A rendering for the host `eniplan snapshot` described: {"rendering", "detection"}."""

def render_many(plan: Plans, targets: str = "all") -> List[Outcome]:
    """Renders ``plan`` for a selection (``all``, ``ecs-doc``, a comma-separated list): one
    entry per target, its rendering or a :class:`Refusal`."""

def render_change(
    before: Optional[Plans], after: Plans, target: str, root: Optional[str] = None
) -> Rendering:
    """``after``'s rendering, deleting the files of ``before`` it no longer writes; with
    ``before=None``, the plan in force is read from the host's files under ``root``."""

def render_absent(plan: Plans, target: str, root: Optional[str] = None) -> Rendering:
    """Removes every secondary of ``plan`` (the primary stays), deleting their files."""

def render_example(targets: str = "all") -> List[Rendering]:
    """Renders the Alibaba Cloud ECS document's example."""

def render_seed_example(targets: str = "all") -> List[Rendering]:
    """The former name of :func:`render_example`."""

def validate(plan: Plans, targets: Optional[str] = None) -> List[Problem]:
    """Every problem of ``plan`` (empty when valid), also against ``targets`` if given."""

def targets() -> List[TargetInfo]:
    """Every target name with its family, description and restart commands."""

def target_for(distribution: str, version: str) -> str:
    """The target for a distribution and version as Ansible facts or os-release spell them."""

def apply_changes(rendering: Rendering, root: str) -> List[Dict[str, Any]]:
    """What applying a rendering under ``root`` would change (use :mod:`eniplan.apply`)."""

def apply(rendering: Rendering, root: str, backup: bool = False) -> Dict[str, Any]:
    """Writes a rendering under ``root`` (use :mod:`eniplan.apply`)."""

def detect(
    root: str = "/",
    os_release: Optional[str] = None,
    distribution: Optional[str] = None,
    version: Optional[str] = None,
) -> Dict[str, Any]:
    """The target of the network stack the host under ``root`` runs (``--os auto``):
    ``{"target": name, "evidence": [facts]}``. ``distribution`` and ``version`` (Ansible's
    facts, Salt's grains) stand in for a root without os-release. Raises
    :class:`eniplan.PlanError` when the evidence contradicts itself or there is none."""

def restore(root: str, set: str) -> Dict[str, Any]:
    """Puts back what a backed-up write changed (use :func:`eniplan.apply.restore`)."""

def engine_apply(
    plan: Any,
    target: str,
    root: str,
    settle: int = 20,
    confirm_within: Optional[int] = None,
    dry_run: bool = False,
) -> Dict[str, Any]:
    """Applies a plan to the running host (use :func:`eniplan.apply.run`)."""

def engine_await(root: str, id: str) -> bool:
    """The confirmation timer (run by ``python -m eniplan.apply await-confirm``)."""

def engine_confirm(root: str) -> Dict[str, Any]:
    """Keeps a change waiting for its confirmation (use :func:`eniplan.apply.confirm`)."""

def engine_rollback(root: str) -> Dict[str, Any]:
    """Rolls back the pending or last apply (use :func:`eniplan.apply.rollback`)."""

def backup_sets(root: str) -> List[str]:
    """The backup sets under ``root``, oldest first (use :mod:`eniplan.apply`)."""

def plan_schema() -> List[Dict[str, Any]]:
    """The plan's keys and what each holds (``{"name", "type", …}``), from the core's struct."""

def plans_from_metadata(
    document: Union[str, Mapping[str, Any]], nics: Mapping[str, str]
) -> List[Plan]:
    """One plan per ENI the instance metadata describes, the primary ENI first."""

def fetch_metadata(cloud: str, base: Optional[str] = None, timeout: float = 2.0,
                   attempts: int = 3, root: str = "/") -> str:
    """The instance metadata of ``cloud``'s service as JSON text; raises
    :class:`eniplan.metadata.MetadataError` when it does not answer in full."""

def provider_from_dmi(root: str) -> Optional[str]:
    """The cloud the host under ``root``'s DMI values name, or ``None``."""

def metadata_items() -> Tuple[List[str], List[str]]:
    """The metadata items the core reads: (instance-wide, per ENI)."""

def plans_from_api(
    interfaces: Union[str, Mapping[str, Any], Sequence[Any]],
    vswitches: Union[str, Mapping[str, Any], Sequence[Any]],
    nics: Mapping[str, str],
    gateways: Mapping[str, str],
    region: Optional[str] = None,
    instance: Optional[str] = None,
    cloud: str = "auto",
) -> List[Plan]:
    """The same plans from a cloud API's output (ENIs, subnets): Alibaba Cloud's, EC2's or
    Azure's, ``cloud`` told by the output's shape when ``auto``."""

def render_instance(plans: Plans, target: str, root: Optional[str] = None) -> Rendering:
    """Every ENI of one instance rendered for one target as one rendering."""

def read(files: Mapping[str, str], target: str, interface: Optional[str] = None) -> Dict[str, Any]:
    """The plan a host's files hold: ``{plan, unread, warnings, files}``."""

def read_host(root: str, target: str, interface: Optional[str] = None) -> Dict[str, Any]:
    """Like :func:`read`, for the files under ``root``."""

def read_ip_json(
    addresses: Union[str, Any], interface: str, routes: Optional[Union[str, Any]] = None
) -> Dict[str, Any]:
    """The plan ``ip -j addr show`` (and ``ip -j route show``) hold for ``interface``."""

def drift(plan: Plan, found: Plan, target: str) -> List[Dict[str, str]]:
    """Every field where ``found`` differs from ``plan``: ``{field, planned, found}``."""

def convert(
    files: Mapping[str, str], source: str, destination: str, interface: Optional[str] = None
) -> Rendering:
    """``source``'s files rendered for ``destination``, the old files in ``delete``."""
