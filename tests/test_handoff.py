"""The in-memory handoff to HiGHS: bulk-read bounds equal pyomo's, and plants left out where they cannot run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from gridplan.api import build, solve
from gridplan.compiler import _bounds, _bounds_one_by_one

CASES = Path(__file__).resolve().parents[1] / "cases"


def _columns(model):
    return LinearStandardFormCompiler().write(model, mixed_form=True).columns


def test_bulk_bounds_equal_pyomo_on_a_mip_case():
    built = build(CASES / "zhuhai.yaml", days=3, mip=True)  # binaries, integers, fixed-zero and free columns
    columns = _columns(built.ctx.model)
    fast, slow = _bounds(columns), _bounds_one_by_one(columns)
    assert fast[2].any()  # the case has integer columns, so the integrality check is exercised
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


def test_bounds_that_are_parameters_fall_back_to_pyomo():
    m = pyo.ConcreteModel()
    m.cap = pyo.Param(initialize=7.0, mutable=True)
    m.x = pyo.Var([0, 1], within=pyo.NonNegativeReals, bounds=(None, m.cap))
    m.y = pyo.Var(within=pyo.Binary)
    lo, hi, integer = _bounds([m.x[0], m.x[1], m.y])
    assert lo.tolist() == [0.0, 0.0, 0.0] and hi.tolist() == [7.0, 7.0, 1.0]
    assert integer.tolist() == [False, False, True]


def test_pv_has_no_columns_at_night_and_its_dispatch_is_zero_there():
    built = build(CASES / "dongguan.yaml", year=2030, days=3)
    p = built.ctx.model.component("p__pv_utility")
    avail = np.asarray(built.ctx.data.availability["pv_utility"])
    assert len(p) == int((avail > 0).sum()) < len(avail)
    result = solve(CASES / "dongguan.yaml", year=2030, days=3)
    pv = result.dispatch[result.dispatch.year == 2030]["pv_utility_mw"].to_numpy()
    assert len(pv) == len(avail)
    assert np.all(pv[avail == 0] == 0.0) and pv.max() > 0
