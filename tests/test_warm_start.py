"""Warm starts of sweep neighbours: same optimum as a cold solve, fewer iterations, only where the structure matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridplan.api import solve
from gridplan.case import load_case
from gridplan.highs import WarmStarts

CASE = Path(__file__).resolve().parents[1] / "cases" / "zhaoqing.yaml"


def _scaled_fuel(case, factor: float):
    """The case with every fuel price times ``factor`` (a typical sweep neighbour)."""
    out = case.model_copy(deep=True)
    for g in out.generators:
        price = g.fuel_price_cny_per_gj
        if isinstance(price, dict):
            g.fuel_price_cny_per_gj = {y: v * factor for y, v in price.items()}
        elif price:
            g.fuel_price_cny_per_gj = price * factor
    return out


@pytest.fixture(scope="module")
def case():
    return load_case(CASE)


def test_neighbour_starts_warm_and_reaches_the_cold_optimum(case):
    warm = WarmStarts()
    base = solve(case, days=14, warm_starts=warm)
    assert base.solver["warm_started"] is False  # nothing remembered yet
    neighbour = _scaled_fuel(case, 1.3)
    hot = solve(neighbour, days=14, warm_starts=warm)
    cold = solve(neighbour, days=14)
    assert hot.solver["warm_started"] is True and cold.solver["warm_started"] is False
    assert hot.objective_cny != pytest.approx(base.objective_cny, rel=1e-6)  # the neighbour is a different LP
    assert hot.objective_cny == pytest.approx(cold.objective_cny, rel=1e-9)
    assert hot.solver["iterations"]["simplex"] < cold.solver["iterations"]["simplex"] / 3


def test_other_structure_starts_cold(case):
    warm = WarmStarts()
    solve(case, days=14, warm_starts=warm)
    other = solve(case, days=7, warm_starts=warm)  # other hours: other columns and rows
    assert other.solver["warm_started"] is False


def test_remembers_only_the_last_few_structures(case):
    warm = WarmStarts(keep=1)
    solve(case, days=7, warm_starts=warm)
    solve(case, days=8, warm_starts=warm)  # pushes the 7-day basis out
    assert solve(case, days=7, warm_starts=warm).solver["warm_started"] is False
    assert solve(case, days=7, warm_starts=warm).solver["warm_started"] is True


@pytest.mark.parametrize("users", [None, 0.5])
def test_a_re_solve_from_a_basis_runs_unperturbed_and_puts_the_options_back(case, monkeypatch, users):
    """From a basis, dual simplex runs without cost perturbation (unless the user set it), then the session's options return."""
    from gridplan import blockstart as bs
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    name = "dual_simplex_cost_perturbation_multiplier"
    extra = {} if users is None else {name: users}
    session = HighsSession(build(case, days=14).ctx.model, SolveOptions(extra=extra))
    own = session.highs.getOptionValue(name)[1]
    seen = []
    race = bs.race
    monkeypatch.setattr(bs, "race", lambda first, *a, **k: seen.append((first[0], first[1].getOptionValue(name)[1]))
                        or race(first, *a, **k))
    base = session.run(write_back=False)
    session.highs.changeColCost(0, float(session.lp.cost[0]) * 1.5 + 1.0)  # a neighbour: one cost changed
    again = session.run(write_back=False)
    assert base.status == again.status == "optimal"
    assert seen[0] == ("cold", own)  # a cold solve keeps HiGHS's perturbation
    assert seen[-1] == ("warm", 0.0 if users is None else users)
    assert session.highs.getOptionValue(name)[1] == own
