"""Carried basis (gridplan.carried_basis): each myopic step starts from the one before, by name, at the same optimum."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

import gridplan
from gridplan import api
from gridplan.api import build
from gridplan.blockstart import SHARED, joined_basis, status_codes
from gridplan.carried_basis import UNKNOWN, CarriedBasis
from gridplan.highs import HighsSession, SolveOptions

CASES = Path(__file__).resolve().parents[1] / "cases"
BASIC, LOWER, UPPER = (int(s) for s in (highspy.HighsBasisStatus.kBasic, highspy.HighsBasisStatus.kLower,
                                        highspy.HighsBasisStatus.kUpper))
#: Four weekly windows per planning year.
WEEKS = {"days": 28, "block_start": "on", "block_hours": 168}


@pytest.fixture
def myopic_steps(monkeypatch) -> list:
    """Each myopic step's solver record and timings, as ``api.solve`` returned them."""
    steps: list = []
    solve = api.solve

    def traced(*args, **kwargs):
        result = solve(*args, **kwargs)
        steps.append((dict(result.solver), dict(result.timings_s)))
        return result

    monkeypatch.setattr(api, "solve", traced)
    return steps


def _solved_session(case, **options) -> HighsSession:
    built = build(case, days=28, year=options.pop("year", None))
    session = HighsSession(built.ctx.model, SolveOptions(block_start="on", block_hours=168), **options)
    assert session.run(write_back=False).status == "optimal"
    return session


def test_a_remembered_basis_gives_back_every_status_of_the_same_lp():
    carried = CarriedBasis()
    session = _solved_session(CASES / "zhaoqing.yaml", carried_basis=carried)
    basis = session.highs.getBasis()
    cols, rows = carried.statuses(session.compiled)
    assert np.array_equal(cols, status_codes(basis.col_status))
    assert np.array_equal(rows, status_codes(basis.row_status))
    # a model built again (new pyomo objects, same names) gets the same statuses
    again = HighsSession(build(CASES / "zhaoqing.yaml", days=28).ctx.model)
    assert np.array_equal(carried.statuses(again.compiled)[1], rows)


def test_the_next_step_knows_the_first_years_rows_and_not_the_new_years():
    carried = CarriedBasis()
    first = _solved_session(CASES / "zhaoqing.yaml", year=2025, carried_basis=carried)
    both = HighsSession(build(CASES / "zhaoqing.yaml", days=28).ctx.model)
    cols, rows = carried.statuses(both.compiled)
    first_rows = status_codes(first.highs.getBasis().row_status)
    by_year = {}
    for block, start in both.compiled.blocks:
        for group in block.groups:
            by_year.setdefault(group.year, []).append(rows[start:start + len(group)])
            start += len(group)
    assert all((r != UNKNOWN).all() for r in by_year[2025])
    assert all((r == UNKNOWN).all() for r in by_year[2030])
    # the 2025 balance rows carry the statuses they had in the first step
    balance = {b.name: s for b, s in both.compiled.blocks}["balance"]
    first_balance = {b.name: s for b, s in first.compiled.blocks}["balance"]
    assert np.array_equal(rows[balance:balance + 28 * 24], first_rows[first_balance:first_balance + 28 * 24])
    assert (cols != UNKNOWN).sum() > 0.4 * len(cols)


def test_known_statuses_fill_only_what_no_block_lp_solved():
    # columns 0-1 in block 0, 2-3 in block 1, 4 shared; rows 0 in block 0, 1 in block 1, 2 shared
    col_tags = np.array([0, 0, 1, 1, SHARED])
    row_tags = np.array([0, 1, SHARED])
    # block 0's LP: columns 0, 1, 4 and rows 0, 2
    solved = [(np.array([0, 2]), np.array([0, 1, 4]), np.array([BASIC, UPPER, LOWER]), np.array([LOWER, BASIC]))]
    known = (np.array([UPPER, UPPER, BASIC, UPPER, BASIC]), np.array([BASIC, UPPER, UNKNOWN]))
    basis = joined_basis(3, 5, col_tags, row_tags, solved, known)
    assert status_codes(basis.col_status).tolist() == [BASIC, UPPER, BASIC, UPPER, BASIC]  # block 0's own, then known
    assert status_codes(basis.row_status).tolist() == [LOWER, UPPER, BASIC]  # the shared row: block 0's (none known)


@pytest.mark.parametrize("city", ["zhaoqing", "dongguan"])
def test_myopic_steps_from_the_step_before_reach_the_same_plan(city, myopic_steps):
    class NotCarried:  # each step block-starts from scratch
        def __bool__(self):
            return False

        def remember(self, *args):
            pass

    carried = gridplan.solve_myopic(CASES / f"{city}.yaml", **WEEKS)
    last_carried = myopic_steps[-1][0]["block_start"]
    scratch = gridplan.solve_myopic(CASES / f"{city}.yaml", carried_basis=NotCarried(), **WEEKS)
    last_scratch = myopic_steps[-1][0]["block_start"]
    assert carried.objective_cny == pytest.approx(scratch.objective_cny, rel=1e-9)
    a = carried.capacity.set_index(["year", "asset"]).capacity_mw
    b = scratch.capacity.set_index(["year", "asset"]).capacity_mw
    np.testing.assert_allclose(a.to_numpy(), b.loc[a.index].to_numpy(), atol=1e-3)
    # the last step solved only the new year's four weeks; from scratch, both years' eight
    assert last_carried["carried"] and last_carried["blocks"] == 4 and last_carried["not_optimal"] == 0
    assert not last_scratch["carried"] and last_scratch["blocks"] == 8


def test_a_basis_is_read_back_only_when_a_next_lp_asks_for_it():
    """Reading a basis back from HiGHS costs time (0.17 s for Dongguan's two years): remembering must not do it."""

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"the basis was read ({name}) before a next LP asked")

    session = _solved_session(CASES / "zhaoqing.yaml")
    carried = CarriedBasis()
    carried.remember(session.compiled, Untouchable())
    assert carried
    with pytest.raises(AssertionError, match="was read"):
        carried.statuses(session.compiled)


def test_a_myopic_result_times_the_whole_run_not_its_last_step(myopic_steps):
    result = gridplan.solve_myopic(CASES / "zhaoqing.yaml", **WEEKS)
    assert len(myopic_steps) == 2
    for stage in ("inputs", "build", "solve"):
        assert result.timings_s[stage] == pytest.approx(sum(t[stage] for _, t in myopic_steps))
    assert result.timings_s["total"] >= sum(t["total"] for _, t in myopic_steps)


def test_a_scenario_without_a_rule_starts_from_the_last_optimum_at_its_own_optimum():
    """A sweep's next scenario of another structure (here a rule left out) needs no window, and ends where cold does."""
    carried = CarriedBasis()
    gridplan.solve(CASES / "dongguan.yaml", carried_basis=carried, **WEEKS)
    without = gridplan.solve(CASES / "dongguan.yaml", drop_policies=("shajiao_retirement",), carried_basis=carried,
                             **WEEKS)
    cold = gridplan.solve(CASES / "dongguan.yaml", drop_policies=("shajiao_retirement",), **WEEKS)
    assert without.solver["block_start"]["carried"] and without.solver["block_start"]["blocks"] == 0
    assert without.objective_cny == pytest.approx(cold.objective_cny, rel=1e-9)
    assert without.solver["iterations"]["simplex"] < cold.solver["iterations"]["simplex"] + \
        cold.solver["block_start"]["iterations"]
