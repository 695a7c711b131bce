"""Every shipped city case solves, and its target report is complete and consistent (short windows for speed).

The full-year runs (8760 h, 2025 and 2030) are recorded in docs/studies/, made by `gridplan study`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gridplan
from gridplan.result import balance_residual
from gridplan.rules import target_report

CASES = sorted((Path(__file__).resolve().parents[1] / "cases").glob("*.yaml"))
FIELDS = ["name", "year", "required", "achieved", "unit", "hard", "met", "active", "shadow_price", "cost_of_rule_cny"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_city_target_report(path):
    case = gridplan.load_case(path)
    result = target_report(case, days=3, start="07-20")
    assert result.status == "optimal"
    assert result.kpis.unserved_energy_mwh.max() < 1e-6
    assert np.abs(balance_residual(result.dispatch)).max() < 1e-6
    table = result.targets
    assert set(FIELDS) <= set(table.columns)
    policies = {p.name for p in case.policies if p.type != "co2_price"}
    assert policies == set(table.policy)  # every target of the case is reported
    assert table[FIELDS].notna().all().all()
    active = table[table.active]
    slack = table[~table.active]
    assert (active.cost_of_rule_cny >= 0).all()
    # A rule costs nothing when none of its rows binds.
    slack_rules = set(slack.policy) - set(active.policy)
    assert (table[table.policy.isin(slack_rules)].cost_of_rule_cny == 0).all()


@pytest.mark.parametrize("path", CASES[:2], ids=[p.stem for p in CASES[:2]])
def test_perfect_foresight_never_costs_more_than_myopic_on_city_cases(path):
    foresight = gridplan.solve(path, days=3, start="07-20")
    myopic = gridplan.solve_myopic(path, days=3, start="07-20")
    assert foresight.objective_cny <= myopic.objective_cny * (1 + 1e-9)
