"""Array rows (gridplan.model.rows) give the same linear program as the same rows written as pyomo constraints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gridplan.api import build
from gridplan.highs import HighsSession, SolveOptions, to_highs_lp
from gridplan.model.rows import blocks, materialize

CASES = Path(__file__).resolve().parents[1] / "cases"
CITIES = ["dongguan", "jieyang", "zhaoqing", "zhuhai", "ruijin"]


def _row_names(compiled) -> list[str]:
    names = [row.constraint.name for row in compiled.pyomo_rows]
    for block, _first in compiled.blocks:
        for key in block.keys:
            index = ",".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            names.append(f"{block.name}[{index}]")
    return names


def _canonical(compiled) -> dict[str, tuple]:
    """Each row by name: its bounds and its (column name, coefficient) pairs; plus the objective."""
    lp = compiled.lp
    A = lp.A.tocsr()
    cols = [v.name for v in compiled.columns]
    lo, hi = lp.row_lower, lp.row_upper
    out = {}
    for i, name in enumerate(_row_names(compiled)):
        entries = sorted((cols[j], round(float(a), 12)) for j, a in zip(A.indices[A.indptr[i]:A.indptr[i + 1]],
                                                                         A.data[A.indptr[i]:A.indptr[i + 1]]))
        out[name] = (round(float(lo[i]), 9), round(float(hi[i]), 9), tuple(entries))
    out["objective"] = tuple(sorted((cols[j], round(float(c), 12)) for j, c in enumerate(lp.cost) if c != 0.0))
    bounds = sorted((cols[j], float(a), float(b)) for j, (a, b) in enumerate(zip(lp.col_lower, lp.col_upper)))
    out["bounds"] = tuple(bounds)
    return out


@pytest.mark.parametrize("city, hours", [(city, {"days": 3}) for city in CITIES] + [("zhaoqing", {"rep_days": 4})])
def test_array_rows_compile_to_the_pyomo_rows(city, hours):
    """Every city over 3 days, and representative days (rows per calendar day, linked state of charge)."""
    fast = build(CASES / f"{city}.yaml", **hours).ctx.model
    assert blocks(fast), "the model has array rows"
    slow = build(CASES / f"{city}.yaml", **hours).ctx.model
    materialize(slow)
    assert not blocks(slow)
    a, b = _canonical(to_highs_lp(fast)), _canonical(to_highs_lp(slow))
    assert a.keys() == b.keys()
    differing = [k for k in a if a[k] != b[k]]
    assert not differing, differing[:5]


def test_same_optimum_and_prices_both_ways():
    fast = build(CASES / "zhaoqing.yaml", days=7)
    slow = build(CASES / "zhaoqing.yaml", days=7)
    materialize(slow.ctx.model)
    out_fast = HighsSession(fast.ctx.model).run()
    out_slow = HighsSession(slow.ctx.model).run()
    assert out_fast.objective == pytest.approx(out_slow.objective, rel=1e-9)
    p_fast = fast.result(out_fast, SolveOptions()).prices.price_cny_per_mwh.to_numpy()
    p_slow = slow.result(out_slow, SolveOptions()).prices.price_cny_per_mwh.to_numpy()
    assert np.isfinite(p_fast).all()
    np.testing.assert_allclose(p_fast, p_slow, rtol=1e-6, atol=1e-6)


def _tiny_model():
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 1)
    m.x = pyo.Var([(2030, 0)], bounds=(0, 10))  # no element for hour 1
    m.objective = pyo.Objective(expr=m.x[2030, 0])
    return m


def test_a_row_left_without_variables_is_infeasible_both_ways():
    from gridplan.model.rows import hourly_rows

    m = _tiny_model()
    hourly_rows(m, "needs_five", [2030], np.arange(2), "==", hourly=[(m.x, 1.0)], rhs=5.0)
    assert HighsSession(m).run().status == "infeasible"  # hour 1: 0 == 5 as an empty row
    slow = _tiny_model()
    hourly_rows(slow, "needs_five", [2030], np.arange(2), "==", hourly=[(slow.x, 1.0)], rhs=5.0)
    with pytest.raises(ValueError, match=r"needs_five\[2030, 1\] has no variables and cannot hold"):
        materialize(slow)


def test_blocks_without_terms_compile():
    from gridplan.model.rows import hourly_rows

    m = _tiny_model()
    hourly_rows(m, "nothing", [2030], np.arange(2), "<=", hourly=[], rhs=1.0)  # 0 ≤ 1: empty rows that hold
    outcome = HighsSession(m).run()
    assert outcome.status == "optimal" and outcome.n_rows == 2
