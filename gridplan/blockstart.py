"""Block start: solve an hourly LP's windows of hours apart, then the whole LP from their joined bases.

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
   and repairs it into a square one. Given statuses carried by name from
   an earlier LP (``gridplan.carried_basis``: the step before, in myopic
   planning, or a sweep worker's last scenario), only the blocks with a row
   it does not know are solved, and the carried statuses fill in the rest.
6. The whole LP is solved by dual simplex from that basis, to the same
   optimum as a cold start (without presolve, which a given basis rules
   out). No one pricing finishes fastest on every case (bench/README.md,
   "Block start"), so with two cores or more the :data:`FINISHES` race: a
   finish still running after :data:`FINISH_ALONE_S` seconds is joined by
   the others, each in its own HiGHS instance, and the first optimum stops
   the rest.

Where the optimum is not unique, which finish wins can decide which optimal
dispatch is reported; ``--block-start off`` makes a run repeatable.
"""

from __future__ import annotations

import operator
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from gridplan import collector
from gridplan.lp import LPData
from gridplan.options import FROM_BASIS

#: With ``block_start="auto"``, LPs with fewer rows start cold: they solve in a few seconds at most
#: (a 28-day Dongguan pathway, 19,151 rows: 0.3 s), where the windows and a second copy of the LP are not worth it.
MIN_ROWS = 100_000
#: The finishes from a joined basis, by name: dual simplex options (HiGHS names). With two cores or
#: more they race, the first alone for :data:`FINISH_ALONE_S` seconds; with one core
#: :data:`ONE_CORE_FINISH` runs alone. Neither perturbs the costs (:data:`gridplan.options.FROM_BASIS`): a perturbed finish ends optimal
#: only for the perturbed costs, and the primal simplex clean-up that follows ran at 2 ms an
#: iteration on the unpresolved LP (Zhuhai's two years: 55 s to finish with it, 4 s without).
#: Finishes alone, 1,095 h windows: Devex took 0.6 s on Dongguan's two years, 4 s on Zhuhai's and
#: 6 s on Ruijin 2030, where Dantzig took 1.0, 9 and 29 s; Dantzig took 2.4 s on Zhaoqing 2030 and
#: 8 s on Jieyang 2030, where Devex took 26 and 33 s. Devex first: the ten city LPs took 75 s in
#: all, against 93 s with Dantzig first (bench/README.md, "Block start").
FINISHES = {
    "devex": {"simplex_dual_edge_weight_strategy": 1, **FROM_BASIS},
    "dantzig": {"simplex_dual_edge_weight_strategy": 0, **FROM_BASIS},
}

#: The finish run alone on one core: 50 s on the five LPs above, against 70 s for Devex.
ONE_CORE_FINISH = "dantzig"

#: Seconds the first of :data:`FINISHES` runs alone before the others join. Most finishes of
#: Dongguan's LPs end within it, without a second copy of the LP in memory or a second run slowing
#: the first (two simplex runs on two cores share memory bandwidth).
FINISH_ALONE_S = 1.0

SHARED = -1
CROSSING = -2

_VALUE = operator.attrgetter("value")  # a status's code; mapped, a quarter quicker than a generator


@dataclass
class BlockStartReport:
    """What a block start did: blocks solved, their simplex iterations, seconds until the whole LP could start."""

    #: block LPs run (Ctrl-C may stop some)
    blocks: int = 0
    #: seconds from the start until the basis was joined (0 when it never was)
    seconds: float = 0.0
    iterations: int = 0
    #: block LPs that did not reach an optimum, or were stopped (their statuses were not used)
    not_optimal: int = 0
    workers: int = 1
    #: the finish (a name in :data:`FINISHES`) whose optimum, or end, is the result; None before the finish
    finish: str | None = None
    #: finishes that ran: 1 when the first ended within :data:`FINISH_ALONE_S`, else all
    finishes: int = 0
    #: whether statuses carried from an earlier optimum stood in for blocks (``gridplan.carried_basis``)
    carried: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, iterations: int, optimal: bool) -> None:
        """Count one solved block LP (they are solved in threads)."""
        with self._lock:
            self.iterations += iterations
            self.blocks += 1
            self.not_optimal += int(not optimal)

    def as_dict(self) -> dict:
        return {"blocks": self.blocks, "seconds": self.seconds, "iterations": self.iterations,
                "not_optimal": self.not_optimal, "workers": self.workers, "finish": self.finish,
                "finishes": self.finishes, "carried": self.carried}


def options_of(h: highspy.Highs, names) -> dict:
    """The current values of HiGHS options ``names`` of ``h``."""
    values = {}
    for name in names:
        value = h.getOptionValue(name)
        values[name] = value[1] if isinstance(value, tuple) else value  # highspy gives (status, value)
    return values


def set_options(h: highspy.Highs, options: dict) -> dict:
    """Set HiGHS ``options`` on ``h``; returns the values they replaced (set those to undo)."""
    saved = options_of(h, options)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return saved


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


def workers(threads: int | None) -> int:
    """How many block LPs to solve at once: ``threads`` if given, else the cores this process may use."""
    if threads:
        return max(1, int(threads))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def joined_basis(n_rows: int, n_cols: int, col_tags: np.ndarray, row_tags: np.ndarray, solved: list,
                 known: tuple[np.ndarray, np.ndarray] | None = None):
    """One basis for the whole LP from the block LPs' optimal bases (an *alien* basis: HiGHS squares it).

    ``solved`` holds (rows, columns, column status codes, row status codes)
    per block LP that reached an optimum (codes as from :func:`status_codes`).
    ``known`` (column and row status codes, −1 where unknown; see
    ``gridplan.carried_basis``) holds outside the blocks solved: in the
    blocks left out, and for shared columns and rows and crossing rows.
    """
    basic = int(highspy.HighsBasisStatus.kBasic)
    col_status = np.full(n_cols, int(highspy.HighsBasisStatus.kLower), dtype=np.int64)
    row_status = np.full(n_rows, basic, dtype=np.int64)
    shared_basic = np.zeros(n_cols, dtype=bool)
    own_col, own_row = np.zeros(n_cols, dtype=bool), np.zeros(n_rows, dtype=bool)  # set by a block's own LP
    for rows, cols, cs, rs in solved:
        own_cols = col_tags[cols] >= 0
        col_status[cols[own_cols]] = cs[own_cols]
        own_col[cols[own_cols]] = True
        shared = cols[~own_cols]
        col_status[shared] = np.where(shared_basic[shared], basic, cs[~own_cols])  # basic anywhere: basic
        shared_basic[shared] |= cs[~own_cols] == basic
        row_status[rows] = rs
        own_row[rows[row_tags[rows] >= 0]] = True
    if known is not None:
        use = (known[0] >= 0) & ~own_col
        col_status[use] = known[0][use]
        use = (known[1] >= 0) & ~own_row
        row_status[use] = known[1][use]
    statuses = list(highspy.HighsBasisStatus.__members__.values())
    by_code = np.empty(max(s.value for s in statuses) + 1, dtype=object)  # status of each code, looked up as an array
    for s in statuses:
        by_code[s.value] = s
    basis = highspy.HighsBasis()
    basis.col_status = by_code[col_status].tolist()
    basis.row_status = by_code[row_status].tolist()
    basis.valid = True
    basis.alien = True
    return basis


def status_codes(statuses: list) -> np.ndarray:
    """HiGHS basis statuses as their integer codes (``.value`` is several times quicker than ``int()``)."""
    return np.fromiter(map(_VALUE, statuses), dtype=np.int64, count=len(statuses))


class Runs:
    """HiGHS runs in several threads that one call can stop: the losing side of a race.

    A run listens for the stop only once :meth:`stop` is called. highspy's
    interrupt is a callback into Python at every simplex iteration, which
    has to take Python's lock: kept on for the whole run, it made two block
    LPs solved side by side take a quarter to a half longer (Dongguan's 16
    windows: 1.2-1.8 s against 0.8-1.0 s; bench/README.md, "Block start").
    So :meth:`stop` switches the callback on in each running instance, where
    HiGHS sees it at its next iteration.
    """

    def __init__(self):
        self.stopped = threading.Event()
        self._running: set = set()
        self._lock = threading.Lock()

    def run(self, h: highspy.Highs) -> bool:
        """Run ``h`` unless stopped; True when it ran to its end without being stopped."""
        with self._lock:
            if self.stopped.is_set():
                return False
            self._running.add(h)
        try:
            h.run()
        finally:
            with self._lock:
                self._running.discard(h)
            _listen_for_stop(h, False)  # an instance solved again later (a session's) must not stop at once
        return not self.stopped.is_set()

    def stop(self) -> None:
        """Stop every run of this side, now and to come."""
        with self._lock:
            self.stopped.set()
            for h in self._running:
                _listen_for_stop(h, True)


def _stop_now(event) -> None:
    """A HiGHS interrupt callback that stops the run (a module function: no reference cycle through the instance)."""
    event.interrupt()


def _listen_for_stop(h: highspy.Highs, on: bool) -> None:
    """Subscribe ``h``'s simplex, interior point and MIP interrupt callbacks to :func:`_stop_now`, or unsubscribe them."""
    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        subscribed = _stop_now in callback.callbacks
        if on and not subscribed:
            callback.subscribe(_stop_now)
        elif subscribed and not on:
            callback.unsubscribe(_stop_now)


def race(first: tuple[str, highspy.Highs], others: list = (), after_s: float = 0.0) -> tuple[str, highspy.Highs, int]:
    """Run a HiGHS instance in a worker thread; if it has no optimum after ``after_s`` seconds, race others against it.

    Each run has a thread of its own; the first to reach an optimum stops
    the rest. Run alone, ``first`` is simply solved in a worker thread, so
    that Ctrl-C reaches Python while HiGHS runs: Ctrl-C, or any error, stops
    every run before it is raised again.

    Parameters
    ----------
    first : (name, highspy.Highs)
        An instance holding the LP, with its options (and basis) set.
    others : list of (name, callable)
        Each callable returns another such instance; called only when the race starts.
    after_s : float
        Seconds ``first`` runs alone (0: all start at once). If it ends by
        then, with or without an optimum, the others are never started: an
        LP one finish finds infeasible, or a limit one reaches, holds for all.

    Returns
    -------
    (name, highspy.Highs, int)
        The first run to end optimal (when none does, ``first``), and how many runs there were.
    """
    sides: list[Runs] = []
    running: dict = {}  # future -> (name, instance)
    pool = ThreadPoolExecutor(max_workers=1 + len(others))

    def start(name: str, h: highspy.Highs):
        sides.append(Runs())
        future = pool.submit(sides[-1].run, h)
        running[future] = (name, h)
        return future

    try:
        pending = {start(*first)}
        waiting = list(others)  # not started yet
        started = time.perf_counter()
        if after_s <= 0:
            pending |= {start(name, make()) for name, make in waiting}
            waiting = []
        if len(pending) == 1:  # a core to spare while this thread waits
            collector.catch_up()
        while pending:
            timeout = max(0.0, after_s - (time.perf_counter() - started)) if waiting else None
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                name, h = running[future]
                if future.result() and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                    for side in sides:
                        side.stop()
                    wait(pending)
                    return name, h, len(running)
            if waiting and pending:  # no optimum within after_s: the others join
                pending |= {start(name, make()) for name, make in waiting}
                waiting = []
        return (*first, len(running))
    except BaseException:  # Ctrl-C or an error: stop every run before leaving
        for side in sides:
            side.stop()
        raise
    finally:
        pool.shutdown(wait=True)


def finish(highs: highspy.Highs, lp: LPData, basis, configure, n_workers: int, report: BlockStartReport,
           options: dict | None = None) -> highspy.Highs:
    """Solve ``lp`` (held by ``highs``) from ``basis`` by the :data:`FINISHES`, raced when ``n_workers`` allow.

    The first finish runs in ``highs``. If it has not ended after
    :data:`FINISH_ALONE_S` seconds, each other one joins in a fresh instance
    from ``configure`` with its own copy of ``lp``. ``options`` (HiGHS
    options, e.g. a time limit) hold for every finish. Returns the instance
    holding the result, with ``highs``'s options as they were before (so
    later re-solves run as before); ``report.finish`` names its finish and
    ``report.finishes`` counts those that ran.
    """
    names = list(FINISHES)[:n_workers] if n_workers >= 2 else [ONE_CORE_FINISH]
    settings = {name: {**FINISHES[name], **(options or {})} for name in names}

    def prepared(name: str, h: highspy.Highs) -> highspy.Highs:
        set_options(h, settings[name])
        if h.setBasis(basis) != highspy.HighsStatus.kOk:
            raise RuntimeError("HiGHS refused the joined basis")
        return h

    def fresh(name: str):
        def make() -> highspy.Highs:
            h = configure()
            lp.pass_to(h)
            return prepared(name, h)
        return make

    own = options_of(highs, settings[names[0]])
    try:
        name, winner, runs = race((names[0], prepared(names[0], highs)), [(n, fresh(n)) for n in names[1:]],
                                  after_s=FINISH_ALONE_S)
    except BaseException:
        set_options(highs, own)
        raise
    set_options(winner, own)
    report.finish, report.finishes = name, runs
    return winner


def joined_start(lp: LPData, col_tags: np.ndarray, configure, n_workers: int, report: BlockStartReport | None = None,
                 known: tuple[np.ndarray, np.ndarray] | None = None):
    """A basis for ``lp`` joined from the optimal bases of its blocks (:func:`joined_basis`).

    Parameters
    ----------
    col_tags : array
        Block of each column (:func:`column_blocks`), :data:`SHARED` for a column no block owns.
    configure : callable
        Returns a fresh ``highspy.Highs`` set up with the run's options.
    n_workers : int
        Block LPs solved at once.
    report : BlockStartReport, optional
        Counts the block LPs and the seconds they took.
    known : (column statuses, row statuses), optional
        HiGHS status codes carried from an earlier optimum (−1: unknown;
        ``gridplan.carried_basis``). A block whose rows are all known is
        not solved: its statuses are taken as they are, and its columns
        not known start at their lower bound.

    Returns
    -------
    highspy.HighsBasis, or None when there are fewer than two blocks or no
    block reached an optimum (and none was known). Ctrl-C stops the block LPs at once.
    """
    t0 = time.perf_counter()
    blocks = np.unique(col_tags[col_tags >= 0])
    if len(blocks) < 2:
        return None
    row_tags = row_blocks(lp.A, col_tags)
    report = report if report is not None else BlockStartReport(workers=n_workers)
    if known is not None:
        # Solve only the blocks with a row not known. A block's new columns, without rows of their own
        # (a plant's hours in a year before it can stand, bounded at zero), start at their lower bound.
        blocks = np.unique(row_tags[(row_tags >= 0) & (known[1] < 0)])
        report.carried = True
    runs = Runs()

    def solve(k: int):
        rows = np.flatnonzero((row_tags == k) | (row_tags == SHARED))
        cols = np.flatnonzero((col_tags == k) | (col_tags == SHARED))
        h = configure()
        lp.part(rows, cols).pass_to(h)
        optimal = runs.run(h) and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        report.add(max(0, int(h.getInfo().simplex_iteration_count)), optimal=optimal)
        if not optimal:
            return None
        # Converted here, while the other workers' HiGHS runs go on without Python's lock: in joined_basis,
        # after the pool, this took 0.12 s of Dongguan's two years (474,000 statuses, about 0.25 us each).
        basis = h.getBasis()
        return rows, cols, status_codes(basis.col_status), status_codes(basis.row_status)

    pool = ThreadPoolExecutor(max_workers=n_workers)
    try:
        solved = [s for s in pool.map(solve, blocks.tolist()) if s is not None]
    except BaseException:  # Ctrl-C or an error: the block LPs still queued or running stop at once
        runs.stop()
        raise
    finally:
        pool.shutdown(wait=True)
    if not solved and known is None:
        return None
    basis = joined_basis(lp.num_row, lp.num_col, col_tags, row_tags, solved, known)
    report.seconds = time.perf_counter() - t0
    return basis
