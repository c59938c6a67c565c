"""Uses the API the way a typed caller would; mypy --strict must accept it."""

from __future__ import annotations

from typing import List

import eniplan
import eniplan.apply


def addresses(plan: eniplan.Plan) -> List[str]:
    rendering: eniplan.Rendering = eniplan.render(plan, "centos-7")
    paths = [file["path"] for file in rendering["files"]]
    problems: List[eniplan.Problem] = eniplan.validate(plan)
    fields = [problem.field for problem in problems]
    changes = eniplan.apply.changes(rendering, "/tmp/root")
    return paths + fields + [change.action for change in changes]


def failing() -> str:
    try:
        eniplan.render({"interface": "eth0"}, "rhel")
    except eniplan.PlanError as error:
        return error.problems[0].message
    return eniplan.target_for("Ubuntu", "22.04")
