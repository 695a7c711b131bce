"""An optimal basis carried by name into another LP: the start of each myopic step and of a sweep's next scenario.

Step k of a myopic run (``gridplan.api.solve_myopic``) solves planning
years 1..k with the earlier years' new build fixed. Its LP holds the LP of
step k−1 again (less the build columns now fixed) and one year more. A
sweep's next scenario may differ from the last by a rule or an asset. The
model is rebuilt each time, so column and row numbers change, but names do
not: a column is an hourly variable's (name, year, hour), or a pyomo
variable's name; a row is an array row's (block name, year, group, hour),
or a pyomo constraint's name.

:class:`CarriedBasis` keeps the last optimal basis with the names of its
columns and rows, and gives the next LP the status of every column and row
it knows (:meth:`CarriedBasis.statuses`). The block start
(``gridplan.blockstart``) then solves only the windows of hours with a row
it does not know, and finishes from the known statuses joined with the
windows' bases. The optimum is the same as from a cold start; only the way
there is shorter.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from gridplan.blockstart import status_codes

#: Status code of a column or row the carried basis does not know.
UNKNOWN = -1


class CarriedBasis:
    """The last optimal basis of a sequence of LPs, with the names of its columns and rows."""

    def __init__(self):
        self._basis = None  # highspy.HighsBasis, read into status codes only when a next LP uses it
        self._codes: tuple | None = None  # (column codes, row codes) once read
        self._hourly: dict = {}  # (variable name, year) -> LP column at each position (hour), −1 where none
        self._columns: dict = {}  # pyomo variable name -> LP column (columns outside hourly variables)
        self._pyomo_rows: dict = {}  # constraint name -> LP row
        self._block_rows: dict = {}  # (block name, year, nth group of that block and year) -> (hours, first row)

    def __bool__(self) -> bool:
        return self._basis is not None

    def remember(self, compiled, basis) -> None:
        """Keep ``basis`` (a ``highspy.HighsBasis``), an optimum of ``compiled`` (a :class:`gridplan.compiler.CompiledLP`).

        Only the names' layout is read now: highspy reads a basis back one
        Python object per status (about 0.35 µs each, 0.17 s for Dongguan's
        two years), which :meth:`statuses` pays only when a next LP uses it.
        """
        self._basis, self._codes = basis, None
        self._hourly = _hourly_columns(compiled)
        self._columns = {compiled.columns[j].name: j for j in _other_columns(self._hourly, len(compiled.columns)).tolist()}
        self._pyomo_rows = {row.constraint.name: i for i, row in enumerate(compiled.pyomo_rows)}
        self._block_rows = {key: (group.hours, first) for key, (first, group) in _groups(compiled).items()}

    def statuses(self, compiled) -> tuple[np.ndarray, np.ndarray]:
        """The carried status of each column and row of ``compiled`` (:data:`UNKNOWN` where none is carried)."""
        n_cols, n_rows = len(compiled.columns), compiled.lp.num_row
        col_status = np.full(n_cols, UNKNOWN, dtype=np.int64)
        row_status = np.full(n_rows, UNKNOWN, dtype=np.int64)
        if self._basis is None:
            return col_status, row_status
        if self._codes is None:
            self._codes = (status_codes(self._basis.col_status), status_codes(self._basis.row_status))
        old_cols, old_rows = self._codes
        hourly = _hourly_columns(compiled)
        for key, cols in hourly.items():
            carried = self._hourly.get(key)
            if carried is None:
                continue
            n = min(len(cols), len(carried))
            cols, carried = cols[:n], carried[:n]
            use = (cols >= 0) & (carried >= 0)
            col_status[cols[use]] = old_cols[carried[use]]
        for j in _other_columns(hourly, n_cols).tolist():
            old = self._columns.get(compiled.columns[j].name)
            if old is not None:
                col_status[j] = old_cols[old]
        for i, row in enumerate(compiled.pyomo_rows):
            old = self._pyomo_rows.get(row.constraint.name)
            if old is not None:
                row_status[i] = old_rows[old]
        for key, (first, group) in _groups(compiled).items():
            carried = self._block_rows.get(key)
            if carried is not None and np.array_equal(carried[0], group.hours):
                row_status[first:first + len(group)] = old_rows[carried[1]:carried[1] + len(group)]
        return col_status, row_status


def _hourly_columns(compiled) -> dict:
    """{(hourly variable's name, year): LP column of the element at each position (hour), −1 where none}."""
    return {(name, year): np.where(where >= 0, column_of[np.maximum(where, 0)], -1)
            for name, (by_year, column_of) in zip(compiled.hourly_names, compiled.hourly)
            for year, where in by_year.items()}


def _other_columns(hourly: dict, n_cols: int) -> np.ndarray:
    """The columns that belong to no hourly variable (capacities, builds, policy slacks)."""
    in_table = np.zeros(n_cols, dtype=bool)
    for cols in hourly.values():
        in_table[cols[cols >= 0]] = True
    return np.flatnonzero(~in_table)


def _groups(compiled) -> dict:
    """{(block name, year, nth group of that block and year): (first row, RowGroup)} of the array rows."""
    out, seen = {}, defaultdict(int)
    for block, first in compiled.blocks:
        for group in block.groups:
            nth = seen[block.name, group.year]
            seen[block.name, group.year] += 1
            out[block.name, group.year, nth] = (first, group)
            first += len(group)
    return out
