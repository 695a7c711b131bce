"""Hourly variables made in bulk, and the table that finds their elements by (year, hour).

A city year has about 100,000 hourly variable elements. Made by pyomo with a
bounds rule, each costs about 2.5 µs, half of it in calling the rule; here
they are made in one loop with their bounds from arrays (about 0.5 µs each,
see :func:`_fill`), and the element table the array rows and the compiler use is
written from the same arrays instead of from pyomo's keys.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

#: Attribute of the pyomo model that holds its variable tables, by ``id`` of the variable.
TABLES = "_array_rows_tables"
#: Attribute of the pyomo model that holds its hourly sums as arrays, by ``id`` of the expression.
SUMS = "_hourly_sums"
#: Attribute of the pyomo model that holds the ``(year, hour)`` keys its hourly variables share, by year.
KEYS = "_hourly_keys"


class VariableTable:
    """An hourly pyomo variable indexed ``(year, hour)``: its elements in order, and where each (year, hour) sits.

    Built once per variable and shared by every term that uses it, so that
    rows find their variables, and the compiler their columns, by array
    indexing rather than one pyomo lookup per row. The second index may also
    count something else than hours (calendar days, representative days).
    """

    def __init__(self, values: list, positions_by_year: dict[int, np.ndarray], var=None):
        self.values = values
        self._position = positions_by_year
        self.var = var  # the pyomo variable, when known

    @classmethod
    def of(cls, var, n_hours: int) -> VariableTable:
        """The table of any variable indexed ``(year, hour)``, read from its keys."""
        keys = list(var.keys())
        size = max([n_hours, *(t + 1 for _, t in keys)])
        position: dict[int, np.ndarray] = {}
        for i, (y, t) in enumerate(keys):
            where = position.get(y)
            if where is None:
                where = position[y] = np.full(size, -1, dtype=np.int64)
            where[t] = i
        return cls(list(var.values()), position, var)

    @property
    def positions_by_year(self) -> dict[int, np.ndarray]:
        """{year: position of the element of each hour (−1 where the variable leaves the hour out)}."""
        return self._position

    def positions(self, year: int, hours: np.ndarray) -> np.ndarray:
        """Positions of ``var[year, h]`` for each of ``hours`` (−1 where the variable leaves the hour out)."""
        where = self._position.get(year)
        return where[hours] if where is not None else np.full(len(hours), -1, dtype=np.int64)


def variable_table(model, var) -> VariableTable:
    """The model's :class:`VariableTable` of ``var``, made on first use."""
    tables = variable_tables(model)
    table = tables.get(id(var))
    if table is None:
        table = tables[id(var)] = VariableTable.of(var, len(model.T))
    return table


def variable_tables(model) -> dict:
    """{id(variable): VariableTable} of the model's hourly variables that have one."""
    return _keyed_by_current_ids(_attribute(model, TABLES), _table_owner)


def hourly_sums(model) -> dict:
    """{id(expression): (expression, table, positions, weights)} of the sums made by :func:`hourly_sum`."""
    return _keyed_by_current_ids(_attribute(model, SUMS), lambda entry: entry[0])


def _table_owner(table: VariableTable):
    if table.var is not None:
        return table.var
    return table.values[0].parent_component() if table.values else table


def _keyed_by_current_ids(stored: dict, owner) -> dict:
    """``stored``, re-keyed in place by the ``id`` of what each entry belongs to now.

    A copy of the model (``model.clone()``) copies these dicts with it, and
    their entries point to the copy's own variables and expressions, but the
    keys are the ids of the original's: found stale, they are worked out again.
    """
    if any(key != id(owner(entry)) for key, entry in stored.items()):
        fresh = {id(owner(entry)): entry for entry in stored.values()}
        stored.clear()
        stored.update(fresh)
    return stored


def _attribute(model, name: str) -> dict:
    found = getattr(model, name, None)
    if found is None:
        found = {}
        object.__setattr__(model, name, found)
    return found


def hourly_sum(model, var, year: int, weights: np.ndarray) -> LinearExpression:
    """Σ_t weights[t] · var[year, t] over the hours where ``var`` has an element, as one pyomo expression.

    The expression is an ordinary pyomo ``LinearExpression`` (built in one
    go: four times faster than summing term by term); its terms are also kept
    as arrays, so that ``gridplan.compiler`` reads them without walking
    ~8760 pyomo terms.

    Parameters
    ----------
    weights : array over all modelled hours
        Coefficient of each hour (e.g. hours per modelled hour, times CNY/MWh).
    """
    table = variable_table(model, var)
    positions = table.positions(year, np.arange(len(weights)))
    present = np.flatnonzero(positions >= 0)
    w = np.asarray(weights, dtype=float)[present]
    variables = _elements(table.values, positions[present])
    scale = float(w[0]) if len(w) and np.all(w == w[0]) else None
    if scale is not None:
        # One weight for every hour (a full year's MWh): a plain sum of the variables, times the weight,
        # without a pyomo term object per hour.
        expr, w = LinearExpression(variables), np.ones(len(w))
    else:
        expr = LinearExpression(linear_coefs=w.tolist(), linear_vars=variables)
    hourly_sums(model)[id(expr)] = (expr, table, positions[present], w)  # kept here, so its id stays its own
    return expr if scale in (None, 1.0) else scale * expr


def _elements(values: list, positions: np.ndarray) -> list:
    """``values`` at ``positions``: a slice where they run in order (a full year), else one by one."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions) and np.all(np.diff(positions) == 1):
        return values[int(positions[0]):int(positions[-1]) + 1]
    return [values[i] for i in positions.tolist()]


def hourly_var(model, name: str, years: list[int], hours=None, lower=0.0, upper=None, within=None):
    """Add the variable ``name[y, t]`` for each year ``y`` and hour ``t``, its bounds set from arrays.

    Parameters
    ----------
    model : pyomo ConcreteModel with a time set ``T``
    name : str
        Component name.
    years : list of int
    hours : None, array of int, or {year: array of int}
        The hours (or other positions, such as calendar days) the variable
        has; None for every modelled hour.
    lower, upper : number, None, array, or {year: any of these}
        Bound of each element, in the variable's unit (MW, MWh). An array
        runs over all positions (``bound[t]`` for hour ``t``); None or an
        infinite value is no bound.
    within : pyomo domain, optional
        Defaults to the reals.

    Returns
    -------
    pyomo IndexedVar
    """
    n = len(model.T)
    by_year = {y: np.arange(n) if hours is None else
               np.asarray(hours[y] if isinstance(hours, dict) else hours, dtype=np.int64) for y in years}
    keys = [key for y, ts in by_year.items() for key in _keys(model, y, ts)]
    # Not dense: pyomo makes no element; _fill makes every element of the index set at once.
    if hours is None:  # pyomo builds a product of sets faster than from a list of keys
        var = pyo.Var(years, model.T, within=within or pyo.Reals, dense=False)
    else:  # a view of the keys, which pyomo does not check one by one as it would a Set's (5 times faster)
        var = pyo.Var(pyo.SetOf(dict.fromkeys(keys)), within=within or pyo.Reals, dense=False)
    model.add_component(name, var)
    lows = np.concatenate([_bound_at(lower, y, ts) for y, ts in by_year.items()]) if keys else []
    highs = np.concatenate([_bound_at(upper, y, ts) for y, ts in by_year.items()]) if keys else []
    values = _fill(var, keys, _pyomo_bounds(lows), _pyomo_bounds(highs))
    size = max([n, *(int(ts.max()) + 1 for ts in by_year.values() if len(ts))])
    positions, first = {}, 0
    for y, ts in by_year.items():
        where = positions[y] = np.full(size, -1, dtype=np.int64)
        where[ts] = np.arange(first, first + len(ts))
        first += len(ts)
    variable_tables(model)[id(var)] = VariableTable(values, positions, var)
    return var


def _keys(model, year: int, ts: np.ndarray) -> list:
    """The keys ``(year, t)`` for ``t`` in ``ts``, the same tuple objects for every hourly variable of the model.

    Each variable's elements are keyed by ``(year, hour)``; sharing the
    tuples saves a tuple and an int per element (9 MB at 8760 h).
    """
    made = _attribute(model, KEYS)
    known = made.setdefault(year, [])
    top = int(ts.max()) + 1 if len(ts) else 0
    if top > len(known):
        known.extend(zip(repeat(year), range(len(known), top)))
    if len(ts) == len(known) and top == len(ts) and np.all(np.diff(ts) == 1):
        return known  # every position in order (a full year): no copy, it is only iterated
    return [known[t] for t in ts.tolist()]


def _bound_at(bound, year: int, ts: np.ndarray) -> np.ndarray:
    b = bound.get(year) if isinstance(bound, dict) else bound
    if b is None:
        return np.full(len(ts), np.nan)
    arr = np.asarray(b, dtype=float)
    return np.full(len(ts), float(arr)) if arr.ndim == 0 else arr[ts]


def _fill(var, keys: list, lows: list, highs: list) -> list:
    """Make ``var[key]`` for every key, in order, with these bounds (float or None); returns the elements.

    The first element is made by pyomo, which resolves the domain; the others
    copy it slot by slot, as pyomo's own construction of a dense variable
    does, with each element's bounds set in the same step rather than by
    pyomo's checking setters (the numbers are plain floats already). About
    0.5 µs per element, against 1.5 µs for pyomo's construction followed by
    setting the bounds.
    """
    if not keys:
        return []
    first = var[keys[0]]
    first._lb, first._ub = lows[0], highs[0]
    cls, data = type(first), var._data
    new = cls.__new__
    component, domain, stale = first._component, first._domain, first._stale
    values = [first]
    append = values.append
    for key, lo, hi in zip(keys[1:], lows[1:], highs[1:]):
        v = new(cls)
        # one slot per statement: 10 % faster than one tuple assignment
        v._component = component
        v._index = key
        v._value = None
        v._domain = domain
        v._fixed = False
        v._stale = stale
        v._lb = lo
        v._ub = hi
        data[key] = v
        append(v)
    return values


def _pyomo_bounds(values: np.ndarray) -> list:
    """Floats, with None for no bound (nan or infinite)."""
    arr = np.asarray(values, dtype=float)
    finite = np.isfinite(arr)
    if len(arr) and (not finite.any() or (finite.all() and np.all(arr == arr[0]))):
        # One bound for every element (0 MW below, none above): one shared object, not a float per element
        return [float(arr[0]) if finite[0] else None] * len(arr)
    out = arr.astype(object)
    out[~finite] = None
    return out.tolist()
