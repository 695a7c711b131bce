"""Compile a gridplan pyomo model into an :class:`~gridplan.lp.LPData` in memory.

A city year's LP has about 130,000 rows, but only a dozen of them are pyomo
constraints: the hourly rows are array rows (``gridplan.model.rows``), turned
into matrix rows here without any pyomo expression. The objective and the
yearly constraints are pyomo expressions, yet they hold about 100,000 terms,
nearly all in sums of an hourly variable over the year. pyomo's
``LinearStandardFormCompiler`` walks those term by term (0.35 s at 8760 h,
as long as building the model); here a sum made by
:func:`gridplan.model.hourly.hourly_sum` is read as arrays, and the rest is
walked by :func:`linear_form`, which knows pyomo's linear expression nodes
and hands any other node to pyomo's ``generate_standard_repn``.

Layout of the LP: rows are the pyomo constraints in model order (one row
each, ranged ones included), then the array rows block by block; columns
are numbered in the order they are first met (objective, constraints, array
rows), as pyomo's compiler numbers them. Fixed variables are constants.
``tests/test_compiler.py`` checks this against pyomo's compiler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import native_numeric_types
from pyomo.core.base.var import VarData
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression
from pyomo.repn.standard_repn import generate_standard_repn

from gridplan.lp import LPData
from gridplan.model.hourly import hourly_sums, variable_tables
from gridplan.model.rows import HourlyTerm, blocks

#: Column code of an element not numbered yet, and of a fixed variable (a constant, no column).
UNSEEN, FIXED = -3, -2


@dataclass
class RowEntry:
    """The pyomo constraint of an LP row."""

    constraint: object


@dataclass
class CompiledLP:
    """A model as an :class:`~gridplan.lp.LPData`, with the maps back to pyomo.

    Rows: first the pyomo constraints (``pyomo_rows``), then the array rows
    of ``gridplan.model.rows`` block by block (``blocks``: each with its
    first row).
    """

    lp: LPData
    columns: list  # pyomo VarData per column
    pyomo_rows: list  # RowEntry per pyomo row
    integer: np.ndarray
    blocks: list = field(default_factory=list)  # (RowBlock, first row)
    #: per hourly variable: ({year: position of each hour's element, −1 absent}, LP column of each element, −1 none)
    hourly: list = field(default_factory=list)
    #: the name of each variable in ``hourly``
    hourly_names: list = field(default_factory=list)


class Columns:
    """LP columns, numbered on first use: elements of hourly variables in bulk, other pyomo variables one at a time.

    ``tables`` are the model's :class:`~gridplan.model.hourly.VariableTable`
    by ``id`` of their variable: an element of one is always numbered
    through its table, also when met on its own in a pyomo expression.
    """

    def __init__(self, tables: dict | None = None):
        self.variables: list = []
        self._column_of: dict[int, int] = {}  # id(VarData) -> column, for variables without a table
        self._table_of = tables or {}
        self._codes: dict[int, tuple] = {}  # id(VariableTable) -> (table, column code of each element)

    def of(self, v) -> int:
        """The column of variable ``v`` (``FIXED`` for a fixed one)."""
        j = self._column_of.get(id(v))
        if j is not None:
            return j
        table = self._table_of.get(id(v.parent_component()))
        if table is not None:
            position = _position_in(table, v)
            if position >= 0:
                return int(self.of_table(table, np.array([position]))[0])
        if v.fixed:
            return FIXED
        j = self._column_of[id(v)] = len(self.variables)
        self.variables.append(v)
        return j

    def of_table(self, table, positions: np.ndarray) -> np.ndarray:
        """Columns of ``table.values[positions]`` (``FIXED`` for fixed elements), numbering new ones in order."""
        entry = self._codes.get(id(table))
        if entry is None:
            entry = self._codes[id(table)] = (table, np.full(len(table.values), UNSEEN, dtype=np.int64))
        codes = entry[1]
        new = positions[codes[positions] == UNSEEN]
        if len(new):
            if not np.all(new[1:] > new[:-1]):  # repeats or out of order: number in the order first met
                _, first = np.unique(new, return_index=True)
                new = new[np.sort(first)]
            if new[-1] - new[0] + 1 == len(new):  # a run of elements, the usual case: one slice
                values = table.values[int(new[0]):int(new[-1]) + 1]
            else:
                values = [table.values[i] for i in new.tolist()]
            fixed = np.fromiter(map(attrgetter("_fixed"), values), dtype=bool, count=len(values))
            codes[new[fixed]] = FIXED
            free = [v for v, f in zip(values, fixed.tolist()) if not f] if fixed.any() else values
            start = len(self.variables)
            codes[new[~fixed]] = np.arange(start, start + len(free))
            self.variables.extend(free)
        return codes[positions]

    def hourly(self) -> list[tuple]:
        """Per hourly variable met: (its positions by year, the column of each element or −1)."""
        return [(table.positions_by_year, np.where(codes < 0, -1, codes)) for table, codes in self._codes.values()]

    def hourly_names(self) -> list[str]:
        """The name of each hourly variable met, in the order of :meth:`hourly`."""
        return [(table.var if table.var is not None else table.values[0].parent_component()).name
                for table, _ in self._codes.values()]


def _position_in(table, v) -> int:
    """Where element ``v`` sits in ``table``, or −1 (an element added to the variable after its table was made)."""
    year, t = v.index()
    where = table.positions_by_year.get(year)
    position = int(where[t]) if where is not None and 0 <= t < len(where) else -1
    return position if position >= 0 and table.values[position] is v else -1


@dataclass
class LinearForm:
    """``Σ coefficients · x[columns] + constant``."""

    columns: np.ndarray
    coefficients: np.ndarray
    constant: float


def linear_form(expr, columns: Columns, sums: dict | None = None) -> LinearForm:
    """The linear form of a pyomo expression, its variables numbered in ``columns``.

    ``sums`` maps ``id`` of hourly sums to their arrays
    (:func:`gridplan.model.hourly.hourly_sums`). Raises ValueError for a
    nonlinear expression.
    """
    sums = sums or {}
    col_parts, coef_parts = [], []
    cols: list[int] = []
    coefs: list[float] = []
    constant = 0.0

    def add(v, c):
        nonlocal constant
        j = columns.of(v)
        if j == FIXED:
            constant += c * v.value
        else:
            cols.append(j)
            coefs.append(c)

    stack = [(expr, 1.0)]
    while stack:
        node, factor = stack.pop()
        kind = type(node)
        if kind in native_numeric_types:
            constant += factor * node
        elif kind is MonomialTermExpression:
            c, v = node.args
            add(v, factor * _number(c))
        elif kind is LinearExpression:
            entry = sums.get(id(node))
            if entry is not None and entry[0] is node and node.nargs() == len(entry[3]):
                _, table, positions, weights = entry
                js = columns.of_table(table, positions)
                fixed = js == FIXED
                if fixed.any():
                    values = np.array([table.values[i].value for i in positions[fixed].tolist()], dtype=float)
                    constant += factor * float(weights[fixed] @ values)
                col_parts += [np.asarray(cols, dtype=np.int64), js[~fixed]]
                coef_parts += [np.asarray(coefs, dtype=float), factor * weights[~fixed]]
                cols, coefs = [], []
                continue
            for arg in node.args:
                if type(arg) is MonomialTermExpression:  # the common terms inline, not through the stack
                    c, v = arg.args
                    add(v, factor * _number(c))
                elif type(arg) is VarData:
                    add(arg, factor)
                else:
                    stack.append((arg, factor))
        elif kind is SumExpression:
            stack.extend((arg, factor) for arg in reversed(node.args))
        elif not node.is_potentially_variable():  # a parameter, or an expression of them
            constant += factor * pyo.value(node)
        elif node.is_variable_type():
            add(node, factor)
        elif node.is_named_expression_type():
            stack.append((node.expr, factor))
        elif kind is NegationExpression:
            stack.append((node.args[0], -factor))
        elif kind is ProductExpression and not _varies(node.args[0]):
            stack.append((node.args[1], factor * pyo.value(node.args[0])))
        elif kind is ProductExpression and not _varies(node.args[1]):
            stack.append((node.args[0], factor * pyo.value(node.args[1])))
        elif kind is DivisionExpression and not _varies(node.args[1]):
            stack.append((node.args[0], factor / pyo.value(node.args[1])))
        else:  # any other node: pyomo works out its linear form
            repn = generate_standard_repn(node, compute_values=True, quadratic=False)
            if not repn.is_linear():
                raise ValueError(f"not linear: {node}")
            constant += factor * float(pyo.value(repn.constant))
            for v, c in zip(repn.linear_vars, repn.linear_coefs):
                add(v, factor * float(c))
    col_parts.append(np.asarray(cols, dtype=np.int64))
    coef_parts.append(np.asarray(coefs, dtype=float))
    return LinearForm(np.concatenate(col_parts), np.concatenate(coef_parts), float(constant))


def _number(c) -> float:
    """A monomial's coefficient as a number (it may be a parameter)."""
    return c if type(c) in native_numeric_types else pyo.value(c)


def _varies(node) -> bool:
    return type(node) not in native_numeric_types and node.is_potentially_variable()


def to_highs_lp(model: pyo.ConcreteModel) -> CompiledLP:
    """Compile ``model`` (one active objective, minimised, or none) into an :class:`~gridplan.lp.LPData`."""
    columns = Columns(variable_tables(model))
    sums = hourly_sums(model)
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) > 1:
        raise ValueError(f"the model has {len(objectives)} active objectives; one is expected")
    if objectives and objectives[0].sense != pyo.minimize:
        raise ValueError(f"objective {objectives[0].name} maximises; gridplan's LPs minimise")
    objective = linear_form(objectives[0].expr, columns, sums) if objectives else LinearForm(
        np.zeros(0, dtype=np.int64), np.zeros(0), 0.0)

    pyomo_rows, row_index, col_index, values, lows, highs = [], [], [], [], [], []
    for con in model.component_data_objects(pyo.Constraint, active=True):
        form, lb, ub = _constraint_form(con, columns, sums)
        if lb is None and ub is None:
            continue
        lo = -highspy.kHighsInf if lb is None else float(lb) - form.constant
        hi = highspy.kHighsInf if ub is None else float(ub) - form.constant
        if not len(form.columns):  # no variable left: it holds, or the model cannot
            if lo > 1e-9 or hi < -1e-9:
                raise ValueError(f"constraint {con.name} has no variables and cannot hold")
            continue
        row_index.append(np.full(len(form.columns), len(pyomo_rows)))
        col_index.append(form.columns)
        values.append(form.coefficients)
        lows.append(lo)
        highs.append(hi)
        pyomo_rows.append(RowEntry(con))

    placed = []
    lower, upper = np.array(lows, dtype=float), np.array(highs, dtype=float)
    if blocks(model):
        rows, cols, vals, b_lo, b_hi, placed = _block_entries(blocks(model), columns, len(pyomo_rows), sums)
        row_index += rows
        col_index += cols
        values += vals
        lower, upper = np.concatenate([lower, b_lo]), np.concatenate([upper, b_hi])
    n_cols = len(columns.variables)
    A = sp.coo_matrix((np.concatenate([np.zeros(0), *values]),
                       (np.concatenate([np.zeros(0, dtype=np.int64), *row_index]),
                        np.concatenate([np.zeros(0, dtype=np.int64), *col_index]))),
                      shape=(len(lower), n_cols)).tocsc()  # repeated (row, column) pairs add up
    A.sum_duplicates()
    A.eliminate_zeros()
    cost = np.zeros(n_cols)
    np.add.at(cost, objective.columns, objective.coefficients)
    col_lo, col_hi, integer = _bounds(columns.variables)
    lp = LPData(cost, col_lo, col_hi, lower, upper, A, objective.constant, integer)
    return CompiledLP(lp=lp, columns=columns.variables, pyomo_rows=pyomo_rows, integer=integer, blocks=placed,
                      hourly=columns.hourly(), hourly_names=columns.hourly_names())


def _constraint_form(con, columns: Columns, sums: dict) -> tuple[LinearForm, float | None, float | None]:
    """A constraint as ``lower ≤ form ≤ upper`` (None: no bound).

    Rows are signed as pyomo signs them. Where both sides hold variables,
    ``a ≤ b`` and ``a == b`` are read side by side as ``a − b``: pyomo's own
    ``body`` would first fold the two sides into one new expression, and an
    hourly sum on either side would lose its arrays.
    """
    expr = con.expr
    if type(expr) in (InequalityExpression, EqualityExpression):
        equal = type(expr) is EqualityExpression
        lesser, greater = expr.args
        if not _varies(greater):  # body ≤ number, as pyomo puts it (the sign of the row's dual depends on it)
            return linear_form(lesser, columns, sums), (pyo.value(greater) if equal else None), pyo.value(greater)
        if not _varies(lesser):
            return linear_form(greater, columns, sums), pyo.value(lesser), (pyo.value(lesser) if equal else None)
        a, b = linear_form(lesser, columns, sums), linear_form(greater, columns, sums)
        form = LinearForm(np.concatenate([a.columns, b.columns]), np.concatenate([a.coefficients, -b.coefficients]),
                          a.constant - b.constant)
        return form, (0.0 if equal else None), 0.0
    lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
    return linear_form(body, columns, sums), lb, ub


def _block_entries(row_blocks, columns: Columns, first_row: int, sums: dict):
    """The array rows' matrix entries (row, column and value arrays, rows from ``first_row``) and bounds."""
    rows, cols, vals, lows, highs, placed = [], [], [], [], [], []
    offset = first_row
    for block in row_blocks:
        placed.append((block, offset))
        for group in block.groups:
            n = len(group)
            rhs = np.array(group.rhs, dtype=float)
            for term in group.terms:
                if isinstance(term, HourlyTerm):
                    present = term.positions >= 0
                    js = np.full(n, -1, dtype=np.int64)
                    js[present] = columns.of_table(term.table, term.positions[present])
                    for r in np.flatnonzero(js == FIXED):  # a fixed variable is a constant
                        rhs[r] -= term.coefficients[r] * term.variable(r).value
                    use = (js >= 0) & (term.coefficients != 0.0)
                    rows.append(offset + np.flatnonzero(use))
                    cols.append(js[use])
                    vals.append(term.coefficients[use])
                else:
                    form = linear_form(term.expression, columns, sums)
                    nz = np.flatnonzero(term.coefficients)
                    rhs[nz] -= term.coefficients[nz] * form.constant
                    for j, a in zip(form.columns.tolist(), form.coefficients.tolist()):
                        rows.append(offset + nz)
                        cols.append(np.full(len(nz), j))
                        vals.append(term.coefficients[nz] * a)
            lows.append(rhs if block.sense in (">=", "==") else np.full(n, -highspy.kHighsInf))
            highs.append(rhs if block.sense in ("<=", "==") else np.full(n, highspy.kHighsInf))
            offset += n
    return rows, cols, vals, np.concatenate(lows), np.concatenate(highs), placed


def _bounds(columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column bounds and integrality, read in bulk from the variables' own bound and domain slots.

    ``VarData.bounds`` resolves each bound against its domain one variable
    at a time (0.2 s at 8760 h); the numbers are read here as arrays and each
    distinct domain is resolved once. Bounds that are not plain numbers
    (a ``Param``, an expression) take ``VarData.bounds``.
    """
    try:
        own_lo = np.array(list(map(attrgetter("_lb"), columns)), dtype=float)  # None → nan
        own_hi = np.array(list(map(attrgetter("_ub"), columns)), dtype=float)
    except (TypeError, ValueError):
        return _bounds_one_by_one(columns)
    domain_ids = np.fromiter(map(id, map(attrgetter("_domain"), columns)), dtype=np.int64, count=len(columns))
    distinct, first, domain_of = np.unique(domain_ids, return_index=True, return_inverse=True)
    resolved = []
    for i in first.tolist():
        d = columns[i]._domain
        dlo, dhi = d.bounds()
        resolved.append((-np.inf if dlo is None else dlo, np.inf if dhi is None else dhi, d.get_interval()[2] == 1))
    table = np.array(resolved, dtype=float).reshape(-1, 3)
    domain_of = domain_of.reshape(-1)
    # fmax and fmin skip nan (no bound of the variable's own), leaving the domain's bound
    lo = np.fmax(own_lo, table[domain_of, 0])
    hi = np.fmin(own_hi, table[domain_of, 1])
    integer = table[domain_of, 2] == 1.0
    return np.maximum(lo, -highspy.kHighsInf), np.minimum(hi, highspy.kHighsInf), integer


def _bounds_one_by_one(columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(columns)
    lo = np.empty(n)
    hi = np.empty(n)
    integer = np.zeros(n, dtype=bool)
    for i, v in enumerate(columns):
        lb, ub = v.bounds
        lo[i] = -highspy.kHighsInf if lb is None else lb
        hi[i] = highspy.kHighsInf if ub is None else ub
        integer[i] = v.is_integer() or v.is_binary()
    return lo, hi, integer
