"""A linear program as numpy arrays, handed to HiGHS in one call.

Filling a ``highspy.HighsLp`` field by field converts every array element
by element (about 0.1 s for an 8760 h city LP), and reading a field back
copies it. Highs's array ``passModel`` takes the same numbers as numpy
arrays in about 10 ms, so gridplan keeps its LPs as :class:`LPData` and
passes them that way: the whole model, and the windows of a block start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import highspy
import numpy as np
import scipy.sparse as sp


@dataclass(eq=False)
class LPData:
    """``min cost·x + offset`` s.t. ``row_lower ≤ A x ≤ row_upper``, ``col_lower ≤ x ≤ col_upper``.

    Units are the model's own (gridplan: MW, MWh and million CNY).

    Attributes
    ----------
    cost, col_lower, col_upper : arrays over columns
    row_lower, row_upper : arrays over rows (±``highspy.kHighsInf`` where unbounded)
    A : scipy.sparse.csc_matrix, rows × columns
    offset : float
        Constant term of the objective.
    integer : bool array over columns, optional
        Columns that must take integer values (a MIP); None or all False for an LP.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    A: sp.csc_matrix
    offset: float = 0.0
    integer: np.ndarray | None = None

    @property
    def num_col(self) -> int:
        return self.A.shape[1]

    @property
    def num_row(self) -> int:
        return self.A.shape[0]

    @property
    def num_nonzeros(self) -> int:
        return int(self.A.nnz)

    @cached_property
    def _by_row(self) -> sp.csr_matrix:
        return self.A.tocsr()

    def pass_to(self, h: highspy.Highs) -> None:
        """Load this LP into ``h``, replacing any model it held."""
        # One entry per column (HiGHS reads num_col of them): 0 continuous, 1 integer (HighsVarType).
        integrality = (self.integer.astype(np.int32) if self.integer is not None
                       else np.zeros(self.num_col, dtype=np.int32))
        status = h.passModel(self.num_col, self.num_row, self.num_nonzeros, int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMinimize), float(self.offset),
                             _floats(self.cost), _floats(self.col_lower), _floats(self.col_upper),
                             _floats(self.row_lower), _floats(self.row_upper),
                             self.A.indptr.astype(np.int32), self.A.indices.astype(np.int32), _floats(self.A.data),
                             integrality)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the LP")

    def part(self, rows: np.ndarray, cols: np.ndarray) -> LPData:
        """The LP on ``rows`` and ``cols`` only (the other columns' terms dropped), without its offset."""
        return LPData(self.cost[cols], self.col_lower[cols], self.col_upper[cols], self.row_lower[rows],
                      self.row_upper[rows], self._by_row[rows][:, cols].tocsc(),
                      integer=None if self.integer is None else self.integer[cols])

    def highs_lp(self) -> highspy.HighsLp:
        """The same LP as a ``highspy.HighsLp`` (slow to fill; for tools that want that object)."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.num_col, self.num_row
        lp.col_cost_, lp.offset_ = self.cost, self.offset
        lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = self.A.indices.astype(np.int32)
        lp.a_matrix_.value_ = self.A.data.astype(float)
        if self.integer is not None and self.integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
        return lp


def _floats(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64)
