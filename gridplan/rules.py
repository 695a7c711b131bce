"""What each rule costs: re-solve without it and compare total cost.

The cost of a rule is the rise in the discounted total system cost (CNY)
that the rule causes: objective with every rule minus objective with that
rule removed. A rule that does not bind costs nothing and is not re-solved
(removing a slack constraint cannot change the optimum).

Re-solves are warm by default: the rule's rows are freed in the HiGHS
instance that solved the base case, so simplex starts from the optimal
basis; ``warm=False`` rebuilds and solves the case without the rule from
scratch (the same numbers, slower: see bench/README.md).
"""

from __future__ import annotations

from gridplan import collector
from gridplan.api import build, require_solution, solve
from gridplan.case import Case
from gridplan.highs import DEFAULT_METHOD, HighsSession, SolveOptions
from gridplan.model.core import COST_SCALE
from gridplan.result import Result


def target_report(case: Case, *, year: int | None = None, days: int | None = None, start: str | None = None,
                  rep_days: int | None = None, method: str = DEFAULT_METHOD, warm: bool = True, progress=None,
                  **options) -> Result:
    """Solve ``case`` and add ``cost_of_rule_cny`` to its target table.

    Parameters
    ----------
    year, days, start, rep_days : optional
        As for :func:`gridplan.solve`: one planning year, a window of days,
        or representative days (a fast study of what each rule costs).
    warm : bool
        Price rules by relaxing them in the solved HiGHS instance (default)
        rather than by cold re-solves.
    progress : rich Console, optional
        Shows which rule is being priced.

    Returns
    -------
    Result
        The full solve, whose ``targets`` table has ``cost_of_rule_cny``
        (CNY, discounted total over the planning years) per target row; both
        rows of a storage-pairing rule carry the cost of the whole rule.
    """
    opts = SolveOptions(method=method, **options)
    with collector.paused():  # until HiGHS runs, as in gridplan.solve
        built = build(case, year=year, days=days, start=start, rep_days=rep_days)
        session = HighsSession(built.ctx.model, opts)
        base = require_solution(built.result(session.run(), opts))
    base_basis = session.highs.getBasis()
    targets = base.targets
    active = targets[targets.active].policy.unique().tolist()
    costs: dict[str, float] = {}
    for i, policy in enumerate(active):
        if progress is not None:
            progress.print(f"pricing rule {i + 1}/{len(active)}: {policy}")
        if warm:
            rows = [t.constraint for t in built.ctx.targets if t.policy == policy and t.constraint is not None]
            saved = session.relax(rows)
            if base_basis.valid:  # each rule from the base case's optimum, not the last rule's
                session.highs.setBasis(base_basis)
            outcome = session.run(write_back=False)
            session.restore(saved)
            if not outcome.has_solution:
                raise RuntimeError(f"re-solve without {policy} failed: {outcome.message}")
            without = outcome.objective / COST_SCALE
        else:
            without = require_solution(solve(built.case, method=method, drop_policies=(policy,), **options)).objective_cny
        diff = base.objective_cny - without
        # Solver tolerance can leave a hair below zero; anything larger is kept so that it shows.
        costs[policy] = 0.0 if -1e-7 * abs(base.objective_cny) < diff < 0 else diff
    table = targets.copy()
    table["cost_of_rule_cny"] = table.policy.map(lambda p: costs.get(p, 0.0))
    base.targets = table
    base.options["cost_of_rules"] = "warm" if warm else "cold"
    return base

