"""Hourly variables made in bulk behave as pyomo's own: keys, order, bounds, domain, missing hours, cloning."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from gridplan.model.hourly import hourly_var, variable_table


def _model(n=6):
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, n - 1)
    return m


def test_same_elements_and_bounds_as_pyomos_bounds_rule():
    m = _model()
    upper = {2025: np.array([1.0, 2.0, np.inf, 4.0, 5.0, 6.0]), 2030: 3.5}
    x = hourly_var(m, "x", [2025, 2030], lower={2025: 0.0, 2030: None}, upper=upper, within=pyo.NonNegativeReals)

    def bounds(_m, y, t):
        hi = upper[y] if y == 2030 else upper[y][t]
        return (0.0 if y == 2025 else None, None if np.isinf(hi) else float(hi))

    m.ref = pyo.Var([2025, 2030], m.T, bounds=bounds, within=pyo.NonNegativeReals)
    assert list(x.keys()) == list(m.ref.keys())
    for key in m.ref:
        assert x[key].bounds == m.ref[key].bounds and x[key].domain is m.ref[key].domain
        assert x[key].index() == key and x[key].parent_component() is x and x[key].value is None
    assert x[2025, 2].ub is None and x[2030, 0].lb == 0.0  # the domain's own bound where none is given
    assert variable_table(m, x).values == list(x.values())


def test_missing_hours_stay_missing_and_elements_work_as_pyomos():
    m = _model()
    p = hourly_var(m, "p", [2030], hours=np.array([1, 2, 4]), upper=np.arange(6.0) * 10)
    assert list(p.keys()) == [(2030, 1), (2030, 2), (2030, 4)]
    assert [v.ub for v in p.values()] == [10.0, 20.0, 40.0]
    with pytest.raises(KeyError):
        p[2030, 3]
    assert (2030, 3) not in p and len(p) == 3
    p[2030, 2].fix(5.0)
    p[2030, 4].setub(7.0)
    twin = m.clone()
    assert twin.p[2030, 2].fixed and twin.p[2030, 2].value == 5.0 and twin.p[2030, 4].ub == 7.0
    assert twin.p[2030, 1].parent_component() is twin.p
    m.objective = pyo.Objective(expr=-sum(p.values()))
    solver = pyo.SolverFactory("appsi_highs")
    if not solver.available():
        pytest.skip("pyomo's HiGHS interface is not available")
    solver.solve(m)
    assert [v.value for v in p.values()] == pytest.approx([10.0, 5.0, 7.0])
