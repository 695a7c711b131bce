"""Block start (gridplan.blockstart): the blocks are the right ones, and the whole LP finishes from their joined bases at the cold optimum."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from gridplan.api import build
from gridplan.blockstart import CROSSING, MIN_ROWS, SHARED, column_blocks, hour_blocks, row_blocks
from gridplan.errors import InputError
from gridplan.highs import HighsSession, SolveOptions

CASES = Path(__file__).resolve().parents[1] / "cases"


def test_hours_are_cut_into_whole_windows_numbered_year_after_year():
    blocks = hour_blocks([2025, 2030], 8760, 2190)
    assert np.array_equal(np.unique(blocks[2025]), [0, 1, 2, 3])
    assert np.array_equal(np.unique(blocks[2030]), [4, 5, 6, 7])
    assert blocks[2025][2189] == 0 and blocks[2025][2190] == 1 and blocks[2025][8759] == 3
    # the last window takes the remainder; a short horizon is one block per year
    assert np.bincount(hour_blocks([2030], 100, 30)[2030]).tolist() == [30, 30, 40]
    assert [np.unique(b).tolist() for b in hour_blocks([2025, 2030], 336, 2190).values()] == [[0], [1]]


def test_columns_and_rows_take_their_blocks():
    # columns 0-3: an hourly variable over hours 0-3 of 2030 (hours 0-1 in block 0, 2-3 in block 1);
    # column 4: a capacity, shared; the variable leaves hour 3's element out of the LP (fixed)
    positions = {2030: np.array([0, 1, 2, 3])}
    column_of = np.array([0, 1, 2, -1])
    tags = column_blocks(5, [(positions, column_of)], {2030: np.array([0, 0, 1, 1])})
    assert tags.tolist() == [0, 0, 1, SHARED, SHARED]
    A = sp.csc_matrix(np.array([
        [1, 0, 0, 0, -1],  # hour 0 ≤ capacity: block 0
        [0, 0, 1, 0, -1],  # hour 2 ≤ capacity: block 1
        [0, 1, 1, 0, 0],   # a state across the edge: crossing
        [0, 0, 0, 0, 1],   # a capacity target: shared
        [0, 0, 0, 1, 0],   # only a column without a block: shared
    ], dtype=float))
    assert row_blocks(A, tags).tolist() == [0, 1, CROSSING, SHARED, SHARED]


def _session(block_start: str, block_hours: int = 168, **extra) -> HighsSession:
    built = build(CASES / "dongguan.yaml", days=28)
    return HighsSession(built.ctx.model, SolveOptions(block_start=block_start, block_hours=block_hours, **extra))


def test_block_start_finishes_at_the_cold_optimum_in_few_iterations():
    cold = _session("off").run(write_back=False)
    warm = _session("on").run(write_back=False)
    assert cold.block_start is None and cold.status == warm.status == "optimal"
    assert warm.block_start["blocks"] == 8  # 4 weeks × 2 planning years
    assert warm.block_start["not_optimal"] == 0
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    # the joined bases are nearly optimal: the whole LP needs a fraction of a cold start's iterations
    assert warm.iterations["simplex"] < cold.iterations["simplex"] / 4


def test_auto_leaves_small_lps_to_a_cold_start():
    built = build(CASES / "dongguan.yaml", days=28)
    assert built.ctx.model.nconstraints() < MIN_ROWS
    assert HighsSession(built.ctx.model).run(write_back=False).block_start is None
    assert _session("off").run(write_back=False).block_start is None


def test_a_race_keeps_the_cold_optimum_with_its_prices_and_can_be_re_solved(monkeypatch):
    """Whichever side wins, the session holds the optimum, its duals, and a basis to re-solve warm from."""
    import gridplan.blockstart as blockstart

    cold_session = _session("off")
    cold = cold_session.run()
    monkeypatch.setattr(blockstart, "MIN_ROWS", 0)
    # a cold solve that ends within RACE_AFTER_S is never raced
    assert _session("auto", threads=2).run(write_back=False).block_start is None
    monkeypatch.setattr(blockstart, "RACE_AFTER_S", 0.0)
    raced_session = _session("auto", threads=2)
    raced = raced_session.run()
    assert raced.block_start is not None and raced.block_start["won"] in (True, False)
    assert raced.status == "optimal" and raced.objective == pytest.approx(cold.objective, rel=1e-9)
    balance = {k: v for k, v in raced.duals.items() if isinstance(k, tuple) and k[0] == "balance"}
    assert len(balance) == 2 * 28 * 24  # every hour's price, both years
    # the session now holds the winner's instance, with its optimal basis to re-solve from
    assert raced_session.highs.getBasis().valid
    again = raced_session.run(write_back=False)
    assert again.block_start is None and again.objective == pytest.approx(cold.objective, rel=1e-9)


def test_when_the_cold_start_wins_the_race_the_session_keeps_its_own_instance(monkeypatch):
    import time

    import gridplan.blockstart as blockstart

    monkeypatch.setattr(blockstart, "MIN_ROWS", 0)
    monkeypatch.setattr(blockstart, "RACE_AFTER_S", 0.0)
    slow = blockstart.block_lp
    monkeypatch.setattr(blockstart, "block_lp", lambda *a: time.sleep(1.0) or slow(*a))  # the blocks start late
    session = _session("auto", threads=2)
    own = session.highs
    raced = session.run()
    assert raced.block_start["won"] is False and session.highs is own
    cold = _session("off").run(write_back=False)
    assert raced.status == "optimal" and raced.iterations == cold.iterations  # the cold path, iteration for iteration
    assert raced.block_start["not_optimal"] == raced.block_start["blocks"]  # stopped, not used


def test_a_failing_block_side_leaves_the_cold_solve_to_finish_and_says_so(monkeypatch):
    import gridplan.blockstart as blockstart

    monkeypatch.setattr(blockstart, "MIN_ROWS", 0)
    monkeypatch.setattr(blockstart, "RACE_AFTER_S", 0.0)

    def broken(*_args):
        raise MemoryError("no room for a block")

    monkeypatch.setattr(blockstart, "block_lp", broken)
    with pytest.warns(RuntimeWarning, match="block start failed \\(MemoryError: no room for a block\\); the cold solve goes on"):
        raced = _session("auto", threads=2).run(write_back=False)
    assert raced.status == "optimal" and raced.block_start["won"] is False


def test_a_stopped_run_ends_at_once_without_an_optimum():
    """The losing side of a race is stopped through HiGHS's interrupt, not left to run."""
    import threading
    import time

    from gridplan.blockstart import Runs

    built = build(CASES / "dongguan.yaml", year=2030)  # a full year: about 2 s of simplex, stopped after 0.2 s
    session = HighsSession(built.ctx.model, SolveOptions(block_start="off"))
    runs = Runs()
    ended = []
    worker = threading.Thread(target=lambda: ended.append(runs.run(session.highs)))
    t0 = time.perf_counter()
    worker.start()
    time.sleep(0.2)
    runs.stop()
    worker.join(timeout=60)
    assert ended == [False] and time.perf_counter() - t0 < 5
    assert session.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal
    assert runs.run(session.highs) is False  # a stopped side starts nothing more


def test_a_bad_block_start_choice_is_refused():
    with pytest.raises(InputError, match="block_start"):
        _session("sometimes").run(write_back=False)
