"""Restricted start: solve a tighter LP first, then the whole LP from its optimum.

Some LPs solve slowly only because of a few columns that tie distant parts
together. With representative days, the state of charge of storage is
carried across the 365 calendar days through each day's net change ``δ_end``
(``gridplan.model.storage``): that chain makes the LP's bases dense, and
dual simplex takes two to five times as long as on the same LP with each
day closed on itself. So a cold solve goes in two steps:

1. The columns the model names (:func:`gridplan.model.core.held_first`,
   here every representative day's ``δ_end``) are held at zero. The LP is
   then a restriction of the whole one (each day's storage ends where it
   began), which presolve takes apart and dual simplex solves quickly.
   With two cores or more, the restricted LP itself starts from the joined
   optimal bases of its planning years solved apart, at once
   (:func:`gridplan.blockstart.joined_start`, a block per year): once each
   day is closed on itself, only the capacities link the years.
2. Their bounds are freed again. The restricted optimum is still primal
   feasible, so the whole LP is finished from its basis by primal simplex
   (:data:`gridplan.options.RESTRICTED_FINISH`), to the whole LP's optimum.

Five cities at 12 and 24 representative days (bench/README.md,
"restricted_start.py"): 2.5 s of HiGHS time against 8.4 s cold, faster on
each of the ten LPs (2.1× to 5.2×), same optima to 1e-15. The years solved
apart saved 13 % of it (Ruijin's two LPs alone got slower). Where the
restriction has no optimum (storage that must carry energy across days to
meet demand), the whole LP is solved cold instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from gridplan import blockstart as bs
from gridplan.lp import LPData


@dataclass
class RestrictedStartReport:
    """What a restricted start did (``result.solver["restricted_start"]``)."""

    #: columns held at zero in the first step
    held: int
    #: HiGHS status of the restricted LP ("Optimal" when the finish started from it)
    first_status: str = ""
    first_seconds: float = 0.0
    first_iterations: int = 0
    #: whether the whole LP was finished from the restricted optimum (else it was solved cold)
    used: bool = False
    #: planning years solved apart to start the restricted LP (0: it started cold); their iterations count
    #: in ``first_iterations``
    years_apart: int = 0

    def as_dict(self) -> dict:
        return {"held": self.held, "first_status": self.first_status, "first_seconds": self.first_seconds,
                "first_iterations": self.first_iterations, "used": self.used, "years_apart": self.years_apart}


def solve(h: highspy.Highs, lp: LPData, held: np.ndarray, finish_options: dict,
          years_apart: tuple | None = None) -> RestrictedStartReport:
    """Solve the LP ``h`` holds (``lp``, cold) by a restricted start.

    Parameters
    ----------
    h : highspy.Highs
        Holds ``lp`` with its options, and no basis. On return it holds the
        whole LP's outcome, with its own bounds and options.
    lp : LPData
        The LP, whose column bounds are put back after the first step.
    held : np.ndarray of int
        Columns held at zero in the first step.
    finish_options : dict
        HiGHS options for the second step (set, then put back). A time
        limit needs no sharing out: HiGHS counts it over every run of an
        instance, so it holds for both steps together.
    years_apart : (column blocks, configure, workers), optional
        Start the restricted LP from its blocks (a planning year each)
        solved apart: the arguments of :func:`gridplan.blockstart.joined_start`.

    Returns
    -------
    RestrictedStartReport
    """
    report = RestrictedStartReport(held=len(held))
    held = held.astype(np.int32)
    zeros = np.zeros(len(held))
    h.changeColsBounds(len(held), held, zeros, zeros)
    started = time.perf_counter()
    own = None
    try:
        own = _start_from_years(h, lp, held, years_apart, report) if years_apart else None
        bs.race(("restricted", h))  # in a worker thread, so that Ctrl-C is heard
        report.first_seconds = time.perf_counter() - started
        report.first_status = h.modelStatusToString(h.getModelStatus())
        report.first_iterations += max(0, int(h.getInfo().simplex_iteration_count))
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    finally:  # HiGHS forgets the status, not the basis, when bounds change: both were read above
        if own is not None:
            bs.set_options(h, own)
        h.changeColsBounds(len(held), held, lp.col_lower[held], lp.col_upper[held])
    if not optimal:
        h.clearSolver()  # no start worth keeping: solve the whole LP cold, with its own options
    saved = bs.set_options(h, finish_options if optimal else {})
    try:
        bs.race(("finish" if optimal else "cold", h))
    finally:
        bs.set_options(h, saved)  # later re-solves (a rule priced warm) run with the session's own options
    report.used = optimal
    return report


def _start_from_years(h: highspy.Highs, lp: LPData, held: np.ndarray, years_apart: tuple,
                      report: RestrictedStartReport) -> dict | None:
    """Load into ``h`` a basis of the restricted LP joined from its planning years solved apart.

    Returns the options of ``h`` to put back after the run (the finish's,
    :data:`gridplan.blockstart.FINISHES` "devex": no cost perturbation), or
    None when there was no such start (fewer than two blocks, none optimal).
    """
    col_tags, configure, workers = years_apart
    col_lower, col_upper = lp.col_lower.copy(), lp.col_upper.copy()
    col_lower[held] = col_upper[held] = 0.0
    restricted = LPData(lp.cost, col_lower, col_upper, lp.row_lower, lp.row_upper, lp.A, lp.offset, lp.integer)
    blocks = bs.BlockStartReport(workers=workers)
    basis = bs.joined_start(restricted, col_tags, configure, workers, blocks)
    if basis is None or h.setBasis(basis) != highspy.HighsStatus.kOk:
        return None
    report.years_apart, report.first_iterations = blocks.blocks, blocks.iterations
    return bs.set_options(h, bs.FINISHES["devex"])
