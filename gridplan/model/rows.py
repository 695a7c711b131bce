"""Hourly rows written as arrays: a block of rows per family, no pyomo expression per row.

A model's hourly rows (balance, availability, storage limits and state of
charge, curtailment limits, must-run floors, ramps) are nine in ten of its
rows. Written as pyomo expressions, each costs about 10 µs to build and as
much again for pyomo's writer to compile, which was half of an 8760 h run
once the solve had become fast (bench/README.md). Here a family states a
whole block at once, as PyPSA's linopy does:

    Σ_k  coef_k[r] · x_k[r]   (≤ | ≥ | =)   rhs[r]        for every row r,

where each term ``x_k`` is an element of an hourly pyomo variable per row
(found through a :class:`VariableTable`; absent where the variable leaves
the hour out) or a yearly expression (a capacity) shared by the block's rows. The variables stay pyomo variables, so values, bounds and
fixing work as everywhere else; only the rows skip pyomo's expression
system. ``gridplan.compiler`` turns the blocks into matrix rows directly.

:func:`materialize` turns the blocks into ordinary pyomo constraints with
the same names and indices, for tools that need every row as a pyomo
object (infeasibility diagnosis, pyomo's writers); ``tests/test_rows.py``
checks that both routes give the same linear program.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from gridplan.model.hourly import VariableTable, variable_table

#: Attribute of the pyomo model that holds its array rows, in the order they were added.
ATTRIBUTE = "_array_rows"


@dataclass
class HourlyTerm:
    """One element of an hourly variable per row, times a coefficient per row.

    Row r takes ``table.values[positions[r]]``, or nothing where ``positions[r]`` is −1.
    """

    table: VariableTable
    positions: np.ndarray
    coefficients: np.ndarray

    def variable(self, r: int):
        """The pyomo variable of row ``r``, or None."""
        return self.table.values[self.positions[r]] if self.positions[r] >= 0 else None


@dataclass
class SharedTerm:
    """A linear expression shared by all rows (a year's capacity, MW), times a coefficient per row."""

    expression: object
    coefficients: np.ndarray


@dataclass
class RowGroup:
    """Rows of one year that share their terms' layout: one per hour in ``hours``, one right-hand side each."""

    year: int
    hours: np.ndarray
    rhs: np.ndarray
    terms: list = field(default_factory=list)  # HourlyTerm and SharedTerm
    #: ``key(year, hour)``, the row's index (default ``(year, hour)``)
    key: Callable | None = None

    def __len__(self) -> int:
        return len(self.hours)

    @property
    def keys(self) -> list:
        """The rows' indices, made when asked for: most blocks never need them (only their duals, names and
        ``materialize`` do)."""
        if self.key is None:
            return [(self.year, t) for t in self.hours.tolist()]
        return [self.key(self.year, t) for t in self.hours.tolist()]


@dataclass
class RowBlock:
    """A named family of rows with one sense, made of groups added one call at a time."""

    name: str
    sense: str  # "<=", ">=" or "=="
    #: keep each row's dual (the balance's duals are prices)
    keep_duals: bool = False
    groups: list[RowGroup] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups)

    @property
    def keys(self) -> list:
        return [k for g in self.groups for k in g.keys]


def blocks(model) -> list[RowBlock]:
    """The model's array rows (empty when it has none or they were materialised)."""
    return getattr(model, ATTRIBUTE, None) or []


def _block(model, name: str, sense: str, keep_duals: bool) -> RowBlock:
    """The model's block called ``name``, created on first use."""
    if getattr(model, ATTRIBUTE, None) is None:
        object.__setattr__(model, ATTRIBUTE, [])
    for b in blocks(model):
        if b.name == name:
            if b.sense != sense:
                raise ValueError(f"array rows {name} mix {b.sense} and {sense}")
            return b
    if model.component(name) is not None:
        raise ValueError(f"the model already has a component called {name}")
    block = RowBlock(name=name, sense=sense, keep_duals=keep_duals)
    getattr(model, ATTRIBUTE).append(block)
    return block


def _per_row(values, ts: np.ndarray) -> np.ndarray:
    """A number, or an array over all modelled hours (or whatever ``ts`` counts), taken at ``ts``."""
    arr = np.asarray(values, dtype=float)
    return np.full(len(ts), float(arr)) if arr.ndim == 0 else arr[ts]


def hourly_rows(model, name: str, years: list[int], hours, sense: str, hourly: list[tuple],
                shared: list[tuple] = (), rhs=0.0, keep_duals: bool = False, key=None) -> None:
    """Add rows ``Σ hourly + Σ shared (sense) rhs``, one per year ``y`` in ``years`` and hour ``t`` in ``hours[y]``.

    Parameters
    ----------
    hours : array of hours, or {year: array of hours}
    hourly : list of (var, coefficient) or (var, coefficient, hour map)
        ``var`` is an hourly pyomo variable indexed ``(year, hour)``; row
        (y, t) takes ``var[y, t]`` (``var[y, map[t]]`` with a map, e.g. the
        hour before), and no term where ``var`` leaves that hour out. The
        coefficient is a number or an array over all modelled hours.
    shared : list of ({year: expression}, coefficient)
        A linear expression per year (a capacity, MW or MWh; a pyomo
        expression or a number), times a number or an array over all hours.
    rhs : number, array over all modelled hours, or {year: number or array}
    key : callable, optional
        ``key(y, t)``, the row's index (default ``(y, t)``).
    """
    block = _block(model, name, sense, keep_duals)
    tables = [variable_table(model, var) for var, *_ in hourly]
    for y in years:
        ts = np.asarray(hours[y] if isinstance(hours, dict) else hours, dtype=np.int64)
        if not len(ts):
            continue
        group = RowGroup(year=y, hours=ts, rhs=_per_row(rhs[y] if isinstance(rhs, dict) else rhs, ts), key=key)
        for table, (_var, coef, *hour_map) in zip(tables, hourly):
            at = np.asarray(hour_map[0])[ts] if hour_map else ts
            group.terms.append(HourlyTerm(table, table.positions(y, at), _per_row(coef, ts)))
        for expressions, coef in shared:
            group.terms.append(SharedTerm(expressions[y], _per_row(coef, ts)))
        block.groups.append(group)


def materialize(model) -> None:
    """Replace the model's array rows by pyomo constraints of the same names and indices."""
    for block in blocks(model):
        bodies, rhs = [], []
        for group in block.groups:
            rows = [0.0] * len(group)
            for term in group.terms:
                for r in np.flatnonzero(term.coefficients):
                    part = term.variable(r) if isinstance(term, HourlyTerm) else term.expression
                    if part is not None:
                        rows[r] = rows[r] + float(term.coefficients[r]) * part
            bodies.extend(rows)
            rhs.extend(group.rhs.tolist())
        index = {k: i for i, k in enumerate(block.keys)}

        def rule(_m, *key, _bodies=bodies, _rhs=rhs, _index=index, _sense=block.sense, _name=block.name):
            i = _index[key if len(key) > 1 else key[0]]
            body, bound = _bodies[i], _rhs[i]
            relation = body <= bound if _sense == "<=" else (body >= bound if _sense == ">=" else body == bound)
            if isinstance(body, (int, float)):  # no variable left in the row: it holds (a bool True) or it cannot
                if not relation:
                    raise ValueError(f"row {_name}{list(key)} has no variables and cannot hold ({body} {_sense} {bound})")
                return pyo.Constraint.Skip
            return relation

        model.add_component(block.name, pyo.Constraint(list(index), rule=rule))
    object.__setattr__(model, ATTRIBUTE, [])
