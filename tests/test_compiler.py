"""gridplan's compiler gives the LP that pyomo's own standard-form compiler gives, and reads odd expressions right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from gridplan.api import build
from gridplan.compiler import to_highs_lp
from gridplan.model.hourly import hourly_sum, hourly_sums, hourly_var, variable_table
from gridplan.model.rows import materialize

CASES = Path(__file__).resolve().parents[1] / "cases"
INF = 1e20


def _rows_by_name(names, lower, upper, A, columns) -> dict:
    """{row name: (lower, upper, ((column name, coefficient), ...))}, ranged rows given as two merged into one."""
    A = A.tocsr()
    out: dict = {}
    for i, name in enumerate(names):
        entries = tuple(sorted((columns[j].name, round(float(a), 9))
                               for j, a in zip(A.indices[A.indptr[i]:A.indptr[i + 1]], A.data[A.indptr[i]:A.indptr[i + 1]])))
        lo, hi = max(float(lower[i]), -INF), min(float(upper[i]), INF)
        if name in out:  # pyomo splits a ranged constraint into an upper and a lower row
            lo0, hi0, e0 = out[name]
            assert e0 == entries
            lo, hi = max(lo, lo0), min(hi, hi0)
        out[name] = (round(lo, 6), round(hi, 6), entries)
    return out


def _ours(model) -> tuple[dict, dict, float]:
    c = to_highs_lp(model)
    lp = c.lp
    rows = _rows_by_name([r.constraint.name for r in c.pyomo_rows], lp.row_lower, lp.row_upper, lp.A, c.columns)
    cost = {v.name: round(float(a), 9) for v, a in zip(c.columns, lp.cost) if a != 0}
    return rows, cost, lp.offset


def _pyomos(model) -> tuple[dict, dict, float]:
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    kinds = np.array([r.bound_type for r in info.rows])
    rhs = np.asarray(info.rhs, dtype=float)
    lower = np.where(kinds <= 0, rhs, -np.inf)
    upper = np.where(kinds >= 0, rhs, np.inf)
    rows = _rows_by_name([r.constraint.name for r in info.rows], lower, upper, info.A, info.columns)
    c = np.asarray(info.c.todense()).ravel()
    cost = {v.name: round(float(a), 9) for v, a in zip(info.columns, c) if a != 0}
    return rows, cost, float(info.c_offset[0])


@pytest.mark.parametrize("city, hours", [("dongguan", {"days": 2}), ("zhaoqing", {"rep_days": 3}),
                                         ("zhuhai", {"days": 2, "mip": True})])
def test_same_lp_as_pyomos_compiler(city, hours):
    """Every row written as a pyomo constraint, so that pyomo's compiler sees the whole LP."""
    model = build(CASES / f"{city}.yaml", **hours).ctx.model
    materialize(model)
    assert hourly_sums(model), "the objective holds hourly sums read as arrays"
    ours, pyomos = _ours(model), _pyomos(model)
    assert ours[0].keys() == pyomos[0].keys()
    differing = [k for k in ours[0] if ours[0][k] != pyomos[0][k]]
    assert not differing, [(k, ours[0][k], pyomos[0][k]) for k in differing[:3]]
    assert ours[1] == pyomos[1]
    assert ours[2] == pytest.approx(pyomos[2])


def _odd_model():
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 3)
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(bounds=(0, 10))
    m.z = pyo.Var(bounds=(0, 10))
    m.z.fix(3.0)
    m.e = pyo.Expression(expr=2 * m.x - m.y / 4 + m.p)
    m.h = hourly_var(m, "h", [2030], hours=np.array([0, 2, 3]), upper=5.0)
    m.h[2030, 2].fix(1.5)
    total = hourly_sum(m, m.h, 2030, np.array([1.0, 9.0, 2.0, 3.0]))
    m.ranged = pyo.Constraint(expr=pyo.inequality(1.0, m.e + m.z, 8.0))
    m.both_sides = pyo.Constraint(expr=m.x * m.p <= -(m.y - 4) + total)
    m.h_alone = pyo.Constraint(expr=m.h[2030, 3] + (m.x + m.y) * 0.5 >= 1)
    m.objective = pyo.Objective(expr=m.x + 3 * total + m.p * m.y - 7)
    return m


def test_odd_expressions_match_pyomo():
    """Parameters, a named expression, a fixed variable and a fixed hourly element, ranges, products, division."""
    m = _odd_model()
    ours, pyomos = _ours(m), _pyomos(m)
    assert ours[:2] == pyomos[:2]
    assert ours[2] == pytest.approx(pyomos[2]) == pytest.approx(-7 + 3 * 2 * 1.5)
    # h[2030, 3] is met on its own first, then in the sum: one column, not two.
    compiled = to_highs_lp(m)
    names = [v.name for v in compiled.columns]
    assert len(names) == len(set(names)) and "h[2030,2]" not in names


def test_nonlinear_and_impossible_constraints_are_refused():
    m = _odd_model()
    m.square = pyo.Constraint(expr=m.x * m.y <= 4)
    with pytest.raises(ValueError, match="not linear"):
        to_highs_lp(m)
    m = _odd_model()
    m.impossible = pyo.Constraint(expr=m.z >= 5)  # z is fixed at 3
    with pytest.raises(ValueError, match="impossible has no variables and cannot hold"):
        to_highs_lp(m)


def test_a_changed_sum_is_walked_not_read_from_stale_arrays():
    """A sum pyomo has extended into a new expression is compiled from its terms."""
    m = _odd_model()
    m.objective.deactivate()
    total = next(expr for expr, *_ in hourly_sums(m).values())
    m.more = pyo.Objective(expr=total + m.x)  # pyomo may build a new LinearExpression holding both
    c = to_highs_lp(m)
    cost = {v.name: float(a) for v, a in zip(c.columns, c.lp.cost) if a}
    assert cost == {"h[2030,0]": 1.0, "h[2030,3]": 3.0, "x": 1.0}
    assert c.lp.offset == pytest.approx(2 * 1.5)


def test_a_cloned_model_compiles_to_the_same_lp():
    """A copy keeps its variable tables and hourly sums, though its objects have new ids."""
    model = build(CASES / "zhaoqing.yaml", days=2).ctx.model
    twin = model.clone()
    a, b = to_highs_lp(model), to_highs_lp(twin)
    assert [v.name for v in a.columns] == [v.name for v in b.columns]
    assert all(v.model() is twin for v in b.columns)
    assert (a.lp.A != b.lp.A).nnz == 0
    np.testing.assert_array_equal(a.lp.cost, b.lp.cost)
    np.testing.assert_array_equal(a.lp.row_lower, b.lp.row_lower)
    sums = hourly_sums(twin)
    assert sums and all(key == id(entry[0]) for key, entry in sums.items())


def test_an_element_added_after_its_table_gets_its_own_column():
    m = _odd_model()
    m.q = pyo.Var([2030], m.T, dense=False, bounds=(0, 4))
    m.q[2030, 0]
    assert len(variable_table(m, m.q).values) == 1  # made now, holding hour 0 only
    m.q[2030, 2]  # added afterwards: not in the table
    m.late = pyo.Constraint(expr=m.q[2030, 2] + m.q[2030, 0] <= 3)
    c = to_highs_lp(m)
    names = [v.name for v in c.columns]
    assert len(names) == len(set(names)) and {"q[2030,0]", "q[2030,2]"} <= set(names)
    row = [r.constraint.name for r in c.pyomo_rows].index("late")
    A = c.lp.A.tocsr()
    assert sorted(names[j] for j in A.indices[A.indptr[row]:A.indptr[row + 1]]) == ["q[2030,0]", "q[2030,2]"]


def test_table_elements_are_numbered_in_the_order_first_met():
    """Runs, gaps, repeats and reversed positions number each element once, in the order first met, as one by one."""
    from gridplan.compiler import FIXED, Columns

    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 9)
    x = hourly_var(m, "x", [2030])
    x[2030, 6].fix(1.0)
    table = variable_table(m, x)
    columns = Columns({id(x): table})
    meetings = [np.array([2, 3, 4]), np.array([0, 5, 7]), np.array([9, 8, 8, 1, 3]), np.array([6, 0, 9]),
                np.arange(10)]
    seen: dict = {}  # the reference, numbered element by element: position -> column
    for positions in meetings:
        expected = []
        for p in positions.tolist():
            if table.values[p].fixed:
                expected.append(FIXED)
                continue
            expected.append(seen.setdefault(p, len(seen)))
        assert columns.of_table(table, positions).tolist() == expected
    assert [v.index() for v in columns.variables] == [(2030, p) for p in seen] and len(seen) == 9
