"""Block start: solve an hourly LP's windows of hours apart, then the whole LP from their joined bases; and a race of that against a cold start.

An hourly planning LP is nearly block-diagonal. Cut it by planning year,
and each year into windows of consecutive hours (blocks): almost every row
(balance, availability, storage, ramps) touches the hourly columns of one
block only, plus a few columns no block owns (capacities, retrofits, DR
capability). Dual simplex time grows faster than the LP (more iterations,
each dearer), so k blocks of 1/k of the LP each solve in less than 1/k of
the time, and on several cores at once.

The steps:

1. Each column of an hourly variable takes the block of its (year, hour);
   every other column is *shared*.
2. A row takes the block of its hourly columns when they all lie in one
   block; a row with none is *shared* (a capacity target); a row whose
   hourly columns lie in several blocks *crosses* (a state of charge at a
   window's edge, a yearly energy share).
3. Block k's LP: its own rows and columns, with the shared ones, costs and
   bounds as in the whole LP. Crossing rows are left out: each block's LP is
   only a start, so what it gets wrong costs iterations, never correctness.
4. The block LPs are solved in threads (HiGHS releases Python's lock while
   it runs), as many at once as there are cores.
5. Their optimal bases are joined: a block's columns and rows take their
   status from its LP, a shared column is basic when it is basic in any
   block, crossing rows are basic. HiGHS takes the joined basis as *alien*
   and repairs it into a square one.
6. The whole LP is solved by dual simplex from that basis (Devex pricing,
   :data:`FINISH_PRICING`), to the same optimum as a cold start (without
   presolve, which a given basis rules out).

Whether it pays depends on the case (bench/README.md, "Block start"): it
cut the long simplex paths of Ruijin 2030 (131 → 25 s) and of Jieyang's
two years (322 → 58 s), but the finish from the joined windows cost
Zhuhai's two years 71 s against 33 s cold, and Zhaoqing lost a little.
No measure taken before the solve tells the two kinds apart. So the
default (``auto``, :func:`race`) starts cold; a cold solve still running
after :data:`RACE_AFTER_S` seconds is raced against a block start on the
other cores, and the first optimum wins. Short solves are left alone; long
ones end with whichever path is shorter, at the price of a second copy of
the LP in memory while they race. Where the optimum is not unique, which
side wins can decide which optimal dispatch is reported; ``--block-start
off`` (or ``on``) makes a run repeatable.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from gridplan.highs import highs_lp

#: With ``block_start="auto"``, smaller LPs are solved cold alone: they take a few seconds at most
#: (bench/README.md, "Block start"), not worth a second copy of the LP in memory.
MIN_ROWS = 100_000
#: With ``block_start="auto"``, the block start joins the race only once a cold solve has run this
#: long (seconds). Solves that end within it (Dongguan, mostly Zhaoqing) gain little from a block
#: start or lose, and racing them costs both sides speed; those it speeds up most (Ruijin, Jieyang)
#: run for minutes (bench/README.md, "Block start").
RACE_AFTER_S = 10.0

#: Dual simplex pricing (HiGHS ``simplex_dual_edge_weight_strategy``) of the finish from a joined
#: basis: Devex. Against Dantzig, gridplan's choice for cold solves, it finished faster on 8 of the
#: 10 shipped LPs, e.g. Ruijin 2030 in 21 s against 41 s and Zhuhai's two years in 59 s against 94 s
#: (bench/README.md, "Block start").
FINISH_PRICING = 1

SHARED = -1
CROSSING = -2


@dataclass
class BlockStartReport:
    """What a block start did: blocks solved, their simplex iterations, seconds until the whole LP could start."""

    #: block LPs run (a race may stop some)
    blocks: int = 0
    #: seconds from the start until the joined basis was loaded (0 when it never was)
    seconds: float = 0.0
    iterations: int = 0
    #: block LPs that did not reach an optimum, or were stopped (their statuses were not used)
    not_optimal: int = 0
    workers: int = 1
    #: raced against a cold solve: whether the block start won (None: not raced)
    won: bool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, iterations: int, optimal: bool) -> None:
        """Count one solved block LP (they are solved in threads)."""
        with self._lock:
            self.iterations += iterations
            self.blocks += 1
            self.not_optimal += int(not optimal)

    def as_dict(self) -> dict:
        return {"blocks": self.blocks, "seconds": self.seconds, "iterations": self.iterations,
                "not_optimal": self.not_optimal, "workers": self.workers, "won": self.won}


def hour_blocks(years: list[int], n_hours: int, block_hours: int) -> dict[int, np.ndarray]:
    """The block of each modelled hour, per planning year.

    Each year is cut into ``n_hours // block_hours`` windows of consecutive
    hours (at least one; the last takes the remainder); blocks are numbered
    year after year.
    """
    per_year = max(1, n_hours // max(1, block_hours))
    within = np.minimum(np.arange(n_hours) // max(1, block_hours), per_year - 1)
    return {y: k * per_year + within for k, y in enumerate(years)}


def column_blocks(n_columns: int, hourly_columns: list[tuple[dict, np.ndarray]], blocks_of_hour: dict) -> np.ndarray:
    """The block of each column, or :data:`SHARED`.

    Parameters
    ----------
    hourly_columns : list of ({year: positions over hours}, column of each position)
        Per hourly variable: where its element for (year, hour) sits (−1
        absent), and the LP column of each element (negative: none).
    blocks_of_hour : {year: block of each modelled hour}
    """
    tags = np.full(n_columns, SHARED, dtype=np.int64)
    for position, column_of in hourly_columns:
        for year, where in position.items():
            blocks = blocks_of_hour.get(year)
            if blocks is None:
                continue
            where = where[: len(blocks)]  # a second index beyond the hours counts something else
            hours = np.flatnonzero(where >= 0)
            cols = column_of[where[hours]]
            keep = cols >= 0
            tags[cols[keep]] = blocks[hours[keep]]
    return tags


def row_blocks(A: sp.csc_matrix, col_tags: np.ndarray) -> np.ndarray:
    """The block of each row: that of all its hourly columns, :data:`SHARED` with none, :data:`CROSSING` with several."""
    n_rows = A.shape[0]
    nz_col = np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))
    nz_tag = col_tags[nz_col]
    owned = nz_tag >= 0
    rows, tags = A.indices[owned], nz_tag[owned]
    lo = np.full(n_rows, np.iinfo(np.int64).max)
    hi = np.full(n_rows, -1)
    np.minimum.at(lo, rows, tags)
    np.maximum.at(hi, rows, tags)
    return np.where(hi < 0, SHARED, np.where(lo == hi, lo, CROSSING))


def block_lp(lp, A: sp.csc_matrix, rows: np.ndarray, cols: np.ndarray):
    """The LP on ``rows`` and ``cols`` of ``lp`` (whose matrix is ``A``), as a ``highspy.HighsLp``."""
    return highs_lp(np.asarray(lp.col_cost_)[cols], np.asarray(lp.col_lower_)[cols], np.asarray(lp.col_upper_)[cols],
                    np.asarray(lp.row_lower_)[rows], np.asarray(lp.row_upper_)[rows], A[rows][:, cols].tocsc())


def workers(threads: int | None) -> int:
    """How many block LPs to solve at once: ``threads`` if given, else the cores this process may use."""
    if threads:
        return max(1, int(threads))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def joined_basis(n_rows: int, n_cols: int, col_tags: np.ndarray, row_tags: np.ndarray, solved: list):
    """One basis for the whole LP from the block LPs' optimal bases (an *alien* basis: HiGHS squares it).

    ``solved`` holds (rows, columns, basis) per block LP that reached an optimum.
    """
    basic = int(highspy.HighsBasisStatus.kBasic)
    col_status = np.full(n_cols, int(highspy.HighsBasisStatus.kLower), dtype=np.int64)
    row_status = np.full(n_rows, basic, dtype=np.int64)
    shared_basic = np.zeros(n_cols, dtype=bool)
    for rows, cols, basis in solved:
        cs = np.array([int(s) for s in basis.col_status], dtype=np.int64)
        rs = np.array([int(s) for s in basis.row_status], dtype=np.int64)
        own_cols = col_tags[cols] >= 0
        col_status[cols[own_cols]] = cs[own_cols]
        shared = cols[~own_cols]
        col_status[shared] = np.where(shared_basic[shared], basic, cs[~own_cols])  # basic anywhere: basic
        shared_basic[shared] |= cs[~own_cols] == basic
        row_status[rows] = rs
    status = {int(s): s for s in (highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic,
                                  highspy.HighsBasisStatus.kUpper, highspy.HighsBasisStatus.kZero,
                                  highspy.HighsBasisStatus.kNonbasic)}
    basis = highspy.HighsBasis()
    basis.col_status = [status[s] for s in col_status.tolist()]
    basis.row_status = [status[s] for s in row_status.tolist()]
    basis.valid = True
    basis.alien = True
    return basis


class Runs:
    """HiGHS runs in several threads that one call can stop: the losing side of a race."""

    def __init__(self):
        self.stopped = threading.Event()
        self._running: set = set()
        self._lock = threading.Lock()

    def run(self, h: highspy.Highs) -> bool:
        """Run ``h`` unless stopped; True when it ran to its end without being stopped."""
        h.HandleUserInterrupt = True  # lets cancelSolve reach HiGHS
        with self._lock:
            if self.stopped.is_set():
                return False
            self._running.add(h)
        try:
            h.run()
        finally:
            with self._lock:
                self._running.discard(h)
        return not self.stopped.is_set()

    def stop(self) -> None:
        """Stop every run of this side, now and to come."""
        with self._lock:
            self.stopped.set()
            for h in self._running:
                h.cancelSolve()


def race(highs: highspy.Highs, lp, block_tags, configure, n_workers: int, after_s: float = 0.0):
    """Solve ``lp`` cold in ``highs``; if it runs longer than ``after_s`` seconds, race it against a block start.

    The block side solves the blocks with the cores the cold side leaves
    (``n_workers`` − 1, at least one), then finishes in a second HiGHS
    instance that holds its own copy of ``lp``. The side that ends first
    with an optimum stops the other; a block side that ends without one
    (no block optimal, or the finish not optimal) leaves the cold side to
    run to its end, whatever its status.

    Parameters
    ----------
    block_tags : callable
        Returns the block of each column (:func:`column_blocks`); called only if the race starts.

    Returns
    -------
    (highspy.Highs, BlockStartReport or None)
        The instance holding the result (``highs`` or the block side's), and
        the block side's report (``won`` says which side it was) when the
        race started.
    """
    cold_side, block_side = Runs(), Runs()
    report = BlockStartReport(workers=max(1, n_workers - 1))

    def cold():
        cold_side.run(highs)
        return highs

    def blocks():
        try:
            finisher = configure()
            finisher.passModel(lp)
            if block_start(finisher, lp, block_tags(), configure, max(1, n_workers - 1), runs=block_side,
                           report=report) is None:
                return None
            finisher.setOptionValue("simplex_dual_edge_weight_strategy", FINISH_PRICING)
            ended = block_side.run(finisher)
            return finisher if ended and finisher.getModelStatus() == highspy.HighsModelStatus.kOptimal else None
        except Exception as exc:  # the race's optional side: the cold solve goes on, and the failure is shown
            warnings.warn(f"block start failed ({type(exc).__name__}: {exc}); the cold solve goes on", RuntimeWarning,
                          stacklevel=1)
            return None

    pool = ThreadPoolExecutor(max_workers=2)
    try:
        cold_done = pool.submit(cold)
        wait([cold_done], timeout=after_s)
        if cold_done.done():  # a short solve: no race
            return cold_done.result(), None
        blocks_done = pool.submit(blocks)
        wait([cold_done, blocks_done], return_when=FIRST_COMPLETED)
        if blocks_done.done() and not cold_done.done() and blocks_done.result() is not None:
            cold_side.stop()
            cold_done.result()
            report.won = True
            return blocks_done.result(), report
        cold_done.result()  # the cold side ends first, or is all that is left
        block_side.stop()
        blocks_done.result()
        report.won = False
        return highs, report
    except BaseException:  # Ctrl-C or an error: stop both sides before leaving
        cold_side.stop()
        block_side.stop()
        raise
    finally:
        pool.shutdown(wait=True)


def block_start(highs: highspy.Highs, lp, col_tags: np.ndarray, configure, n_workers: int,
                runs: Runs | None = None, report: BlockStartReport | None = None) -> BlockStartReport | None:
    """Load into ``highs`` (which holds ``lp``) a basis joined from the optimal bases of ``lp``'s blocks.

    Parameters
    ----------
    col_tags : array
        Block of each column (:func:`column_blocks`), :data:`SHARED` for a column no block owns.
    configure : callable
        Returns a fresh ``highspy.Highs`` set up with the run's options.
    n_workers : int
        Block LPs solved at once.
    runs : Runs, optional
        Runs the block LPs, so that a race can stop them.
    report : BlockStartReport, optional
        Counts the block LPs (made here if not given); kept by the caller even when this returns None.

    Returns
    -------
    BlockStartReport, or None when there are fewer than two blocks, no block
    reached an optimum, or ``runs`` was stopped.
    """
    t0 = time.perf_counter()
    blocks = np.unique(col_tags[col_tags >= 0])
    if len(blocks) < 2:
        return None
    A = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.start_)),
                      shape=(lp.num_row_, lp.num_col_))
    row_tags = row_blocks(A, col_tags)
    report = report if report is not None else BlockStartReport(workers=n_workers)

    def solve(k: int):
        rows = np.flatnonzero((row_tags == k) | (row_tags == SHARED))
        cols = np.flatnonzero((col_tags == k) | (col_tags == SHARED))
        h = configure()
        h.passModel(block_lp(lp, A, rows, cols))
        if runs is None:
            h.run()
            ended = True
        else:
            ended = runs.run(h)
        optimal = ended and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        report.add(max(0, int(h.getInfo().simplex_iteration_count)), optimal=optimal)
        return rows, cols, h.getBasis() if optimal else None

    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        solved = [s for s in pool.map(solve, blocks.tolist()) if s[2] is not None]
    if not solved or (runs is not None and runs.stopped.is_set()):
        return None
    basis = joined_basis(lp.num_row_, lp.num_col_, col_tags, row_tags, solved)
    if highs.setBasis(basis) != highspy.HighsStatus.kOk:
        return None
    report.seconds = time.perf_counter() - t0
    return report
