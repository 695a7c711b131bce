"""What each rule costs: re-solve without it and compare total cost.

The cost of a rule is the rise in the discounted total system cost (CNY)
that the rule causes: objective with every rule minus objective with that
rule removed. A rule that does not bind costs nothing and is not re-solved
(removing a slack constraint cannot change the optimum).
"""

from __future__ import annotations

import pandas as pd

from gridplan.api import require_solution, solve
from gridplan.case import Case
from gridplan.result import Result


def target_report(case: Case, *, year: int | None = None, days: int | None = None, method: str = "ipm",
                  progress=None, **options) -> Result:
    """Solve ``case`` and add ``cost_of_rule_cny`` to its target table.

    Parameters
    ----------
    progress : rich Console, optional
        Shows which rule is being priced.

    Returns
    -------
    Result
        The full solve, whose ``targets`` table has ``cost_of_rule_cny``
        (CNY, discounted total over the planning years) per target row; both
        rows of a storage-pairing rule carry the cost of the whole rule.
    """
    base = require_solution(solve(case, year=year, days=days, method=method, **options))
    costs: dict[str, float] = {}
    targets = base.targets
    active = targets[targets.active].policy.unique().tolist()
    for i, policy in enumerate(active):
        if progress is not None:
            progress.print(f"pricing rule {i + 1}/{len(active)}: {policy}")
        without = require_solution(solve(case, year=year, days=days, method=method, drop_policies=(policy,), **options))
        diff = base.objective_cny - without.objective_cny
        # Solver tolerance can leave a hair below zero; anything larger is kept so that it shows.
        costs[policy] = 0.0 if -1e-7 * abs(base.objective_cny) < diff < 0 else diff
    table = targets.copy()
    table["cost_of_rule_cny"] = table.policy.map(lambda p: costs.get(p, 0.0))
    base.targets = table
    return base


def rule_costs(result: Result) -> pd.Series:
    """Cost of each rule (CNY) from a target report, by policy name."""
    return result.targets.groupby("policy").cost_of_rule_cny.first()
