"""The garbage collector is off while a model is built and handed over, and catches up while HiGHS runs."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

import gridplan
from gridplan import collector

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_turns_the_collector_off_until_it_catches_up(collector_on):
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # an inner block leaves it to the outer one
            pass
        assert not gc.isenabled()
        collector.catch_up()
        assert gc.isenabled()
        collector.catch_up()  # nothing left to catch up
        assert gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_back_on_after_an_error_and_stays_off_if_the_user_turned_it_off(collector_on):
    with pytest.raises(ValueError):
        with collector.paused():
            raise ValueError("bad input")
    assert gc.isenabled()
    gc.disable()
    with collector.paused():
        collector.catch_up()
        assert not gc.isenabled()  # the user's choice is not undone
    assert not gc.isenabled()


def test_a_solve_catches_up_while_highs_runs_in_another_thread(collector_on, monkeypatch):
    seen = []
    original = collector.catch_up

    def spy():
        seen.append((collector._paused, threading.active_count()))
        original()

    monkeypatch.setattr(collector, "catch_up", spy)
    result = gridplan.solve(CASES / "dongguan.yaml", year=2030, days=7, block_start="off")
    assert result.status == "optimal" and gc.isenabled()
    paused_calls = [threads for paused, threads in seen if paused]
    assert len(paused_calls) == 1 and paused_calls[0] >= 2  # once, with HiGHS's worker thread running
