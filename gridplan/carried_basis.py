"""An optimal basis carried by name into a larger LP: the start of each step of myopic planning.

Step k of a myopic run (``gridplan.api.solve_myopic``) solves planning
years 1..k with the earlier years' new build fixed. Its LP holds the LP of
step k−1 again (less the build columns now fixed) and one year more. The
model is rebuilt for each step, so column and row numbers change, but names
do not: a column is an hourly variable's (name, year, hour), or a pyomo
variable's name; a row is an array row's (block name, year, group, hour),
or a pyomo constraint's name.

:class:`CarriedBasis` keeps the last optimal basis under those names, and
gives the next LP the status of every column and row it knows
(:meth:`CarriedBasis.statuses`). The block start (``gridplan.blockstart``)
then solves only the windows of hours it does not know, and finishes from
the known statuses joined with the windows' bases. The optimum is the same
as from a cold start; only the way there is shorter.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

#: Status code of a column or row the carried basis does not know.
UNKNOWN = -1


class CarriedBasis:
    """The last optimal basis of a sequence of growing LPs, by the names of its columns and rows."""

    def __init__(self):
        #: keep the next optimum (False for the last step of a sequence: reading a basis back from HiGHS
        #: costs about 0.35 µs a column or row, 0.17 s for Dongguan's two years)
        self.wanted = True
        self._forget()

    def _forget(self) -> None:
        self._hourly: dict = {}  # (variable name, year) -> status per position (hour), UNKNOWN where no column
        self._columns: dict = {}  # pyomo variable name -> status (columns outside hourly variables)
        self._block_rows: dict = {}  # (block name, year, nth group of that block and year) -> (hours, statuses)
        self._pyomo_rows: dict = {}  # constraint name -> status

    def __bool__(self) -> bool:
        return bool(self._hourly or self._columns or self._block_rows or self._pyomo_rows)

    def remember(self, compiled, col_status: np.ndarray, row_status: np.ndarray) -> None:
        """Keep an optimal basis of ``compiled`` (a :class:`gridplan.compiler.CompiledLP`), by name.

        ``col_status`` and ``row_status`` are HiGHS basis status codes, one per column and row.
        """
        col_status, row_status = np.asarray(col_status), np.asarray(row_status)
        self._forget()
        hourly = _hourly_columns(compiled)
        for (name, year), cols in hourly.items():
            self._hourly[name, year] = np.where(cols >= 0, col_status[np.maximum(cols, 0)], UNKNOWN)
        for j in _other_columns(hourly, len(col_status)).tolist():
            self._columns[compiled.columns[j].name] = int(col_status[j])
        for i, row in enumerate(compiled.pyomo_rows):
            self._pyomo_rows[row.constraint.name] = int(row_status[i])
        for (block, year, nth), (first, group) in _groups(compiled).items():
            self._block_rows[block, year, nth] = (group.hours, row_status[first:first + len(group)])

    def statuses(self, compiled) -> tuple[np.ndarray, np.ndarray]:
        """The carried status of each column and row of ``compiled`` (:data:`UNKNOWN` where none is carried)."""
        n_cols, n_rows = len(compiled.columns), compiled.lp.num_row
        col_status = np.full(n_cols, UNKNOWN, dtype=np.int64)
        row_status = np.full(n_rows, UNKNOWN, dtype=np.int64)
        hourly = _hourly_columns(compiled)
        for key, cols in hourly.items():
            carried = self._hourly.get(key)
            if carried is None:
                continue
            n = min(len(cols), len(carried))
            cols, carried = cols[:n], carried[:n]
            use = (cols >= 0) & (carried != UNKNOWN)
            col_status[cols[use]] = carried[use]
        for j in _other_columns(hourly, n_cols).tolist():
            col_status[j] = self._columns.get(compiled.columns[j].name, UNKNOWN)
        for i, row in enumerate(compiled.pyomo_rows):
            row_status[i] = self._pyomo_rows.get(row.constraint.name, UNKNOWN)
        for key, (first, group) in _groups(compiled).items():
            carried = self._block_rows.get(key)
            if carried is not None and np.array_equal(carried[0], group.hours):
                row_status[first:first + len(group)] = carried[1]
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
