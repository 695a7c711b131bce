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
    session = HighsSession(built.ctx.model)
    assert session.lp.num_row < MIN_ROWS  # 19,151 rows, array rows included
    assert session.run(write_back=False).block_start is None
    assert _session("off").run(write_back=False).block_start is None


def _option(h, name):
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


@pytest.mark.parametrize("loser", ["dantzig", "devex"])
def test_the_finish_that_wins_gives_the_optimum_its_prices_and_a_basis_to_re_solve_from(monkeypatch, loser):
    """Whichever finish wins, the session holds the cold optimum, every hourly price, and its own options."""
    import gridplan.blockstart as blockstart

    cold = _session("off").run()
    # the loser stops at once without an optimum, so the other must win
    finishes = {name: dict(options) for name, options in blockstart.FINISHES.items()}
    finishes[loser]["simplex_iteration_limit"] = 0
    monkeypatch.setattr(blockstart, "FINISHES", finishes)
    monkeypatch.setattr(blockstart, "FINISH_ALONE_S", 0.0)  # both finishes start at once
    session = _session("on", threads=2)
    own = session.highs
    raced = session.run()
    winner = next(name for name in finishes if name != loser)
    assert raced.block_start["finish"] == winner and raced.block_start["finishes"] == 2
    assert (session.highs is own) == (winner == list(finishes)[0])  # the first finish runs in the session's instance
    assert raced.status == "optimal" and raced.objective == pytest.approx(cold.objective, rel=1e-9)
    balance = {k: v for k, v in raced.duals.items() if isinstance(k, tuple) and k[0] == "balance"}
    assert len(balance) == 2 * 28 * 24  # every hour's price, both years
    assert max(abs(v - cold.duals[k]) for k, v in balance.items()) < 1e-6 * max(abs(v) for v in balance.values())
    # the finish's options are gone: later re-solves run with the session's own
    h = session.highs
    assert _option(h, "simplex_dual_edge_weight_strategy") == 0  # Dantzig, gridplan's default
    assert _option(h, "dual_simplex_cost_perturbation_multiplier") == 1.0
    assert _option(h, "simplex_iteration_limit") > 0
    assert h.getBasis().valid
    again = session.run(write_back=False)
    assert again.block_start is None and again.iterations["simplex"] == 0  # warm from the optimal basis
    assert again.objective == pytest.approx(cold.objective, rel=1e-9)


def test_one_core_runs_one_finish():
    warm = _session("on", threads=1).run(write_back=False)
    assert warm.block_start["finishes"] == 1 and warm.block_start["finish"] == "dantzig"


def test_a_failing_block_start_leaves_the_lp_to_a_cold_solve_and_says_so(monkeypatch):
    import gridplan.blockstart as blockstart

    def broken(*_args):
        raise MemoryError("no room for a block")

    monkeypatch.setattr(blockstart.LPData, "part", broken)
    with pytest.warns(RuntimeWarning, match="block start failed \\(MemoryError: no room for a block\\); solving cold"):
        out = _session("on").run(write_back=False)
    cold = _session("off").run(write_back=False)
    assert out.status == "optimal" and out.block_start is None
    assert out.iterations == cold.iterations  # cold indeed: no basis or option of the block start was left behind


def test_a_stopped_run_ends_at_once_without_an_optimum():
    """The losing side of a race is stopped through HiGHS's interrupt, switched on only then, not left to run."""
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
    # The stop is not left behind in the instance: solved again by another side, it runs to the optimum.
    assert Runs().run(session.highs) is True
    assert session.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


def test_a_bad_block_start_choice_is_refused():
    with pytest.raises(InputError, match="block_start"):
        _session("sometimes").run(write_back=False)


def test_a_full_city_year_block_starts_by_default_and_reaches_the_cold_optimum():
    """Dongguan 2030 at 8760 h (129,682 rows): the default starts from 8 windows of 1,095 h and ends at the cold optimum."""
    from gridplan.blockstart import FINISHES

    built = build(CASES / "dongguan.yaml", year=2030)
    session = HighsSession(built.ctx.model)
    assert session.lp.num_row >= MIN_ROWS
    default = session.run(write_back=False)
    cold = HighsSession(built.ctx.model, SolveOptions(block_start="off")).run(write_back=False)
    assert default.block_start["blocks"] == 8 and default.block_start["not_optimal"] == 0
    assert default.block_start["finish"] in FINISHES
    assert default.status == cold.status == "optimal"
    assert default.objective == pytest.approx(cold.objective, rel=1e-9)
    assert default.iterations["simplex"] < cold.iterations["simplex"] / 3  # the finish is short
