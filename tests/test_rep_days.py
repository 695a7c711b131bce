"""Representative days: the weights, the chosen days, and exactness when every day represents itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.timeseries import k_medoids, representative_days
from tests.conftest import case_dict

HOURS = 8760


def _year(seed=3):
    rng = np.random.default_rng(seed)
    h = np.arange(HOURS)
    season = 1 + 0.25 * np.sin(2 * np.pi * (h / HOURS - 0.3))
    demand = 500 * season * (1 + 0.2 * np.sin(2 * np.pi * (h % 24 - 9) / 24)) + 20 * rng.random(HOURS)
    cloud = np.repeat(rng.uniform(0.3, 1.0, 365), 24)
    pv = np.clip(np.sin(2 * np.pi * ((h % 24) - 6) / 24), 0, None) * cloud
    return demand, pv


def _small_case(make_case):
    demand, pv = _year()
    case = case_dict(demand, generators=[
        {"name": "pv", "node": "city", "profile_file": "pv.csv", "profile_column": "pv", "capex_cny_per_kw": 3000,
         "lifetime_years": 25},
        {"name": "gas", "node": "city", "variable_om_cny_per_mwh": 600, "capex_cny_per_kw": 3000},
    ], storage=[{"name": "battery", "node": "city", "capex_cny_per_kw": 400, "capex_cny_per_kwh": 700,
                 "min_duration_h": 1, "max_duration_h": 8}])
    return make_case(case, {"demand": demand, "pv": pv})


def test_representative_days_cover_the_year_and_keep_the_peak_day():
    demand, pv = _year()
    rep = representative_days([demand / demand.max(), pv], 12, demand)
    assert len(rep.days) == 12 and rep.weight_days.sum() == 365 and rep.weights.sum() == pytest.approx(HOURS)
    peak_day = int(np.argmax(demand)) // 24
    assert peak_day in rep.days and rep.weight_days[list(rep.days).index(peak_day)] == 1
    assert np.array_equal(np.sort(np.unique(rep.day_map)), np.arange(12))
    assert all(rep.day_map[d] == i for i, d in enumerate(rep.days))  # each medoid represents itself
    assert list(rep.previous[:3]) == [23, 0, 1]  # hours wrap within each day


def test_sampled_days_keep_each_series_energy_its_maximum_and_the_peak_day():
    demand, pv = _year()
    rep = representative_days([demand / demand.max(), pv], 12, demand)
    peak_day = int(np.argmax(demand)) // 24
    for series in (demand, pv):
        sampled = rep.sample(series)
        assert (sampled * rep.weights).sum() == pytest.approx(series.sum(), rel=1e-9)
        assert sampled.max() <= series.max() * (1 + 1e-12)
        # Each day carries its cluster's mean daily energy.
        daily = series.reshape(365, 24).sum(axis=1)
        for i in range(len(rep.days)):
            assert sampled[24 * i: 24 * i + 24].sum() == pytest.approx(daily[rep.day_map == i].mean(), rel=1e-9)
    i = list(rep.days).index(peak_day)
    np.testing.assert_array_equal(rep.sample(demand)[24 * i: 24 * i + 24], demand[24 * peak_day: 24 * peak_day + 24])
    # Plain selection, as before rescaling, would miss the year's energy here.
    assert abs((demand[rep.hours] * rep.weights).sum() / demand.sum() - 1) > 1e-4


def test_a_day_that_cannot_carry_its_clusters_energy_takes_the_clusters_mean_profile():
    from gridplan.timeseries import RepresentativeDays

    wind = np.full(HOURS, 0.5)
    wind[:24] = 0.0  # day 0, a windless day, represents 363 windy days
    day_map = np.zeros(365, dtype=int)
    day_map[1] = 1
    rep = RepresentativeDays(days=np.array([0, 1]), weight_days=np.array([364, 1]), day_map=day_map)
    sampled = rep.sample(wind)
    assert (sampled * rep.weights).sum() == pytest.approx(wind.sum(), rel=1e-12)
    np.testing.assert_allclose(sampled[:24], 0.5 * 363 / 364)
    assert sampled.max() <= 0.5


def test_a_day_scaled_past_its_cap_fills_its_other_hours():
    from gridplan.timeseries import _scaled_day

    day = np.array([0.0] * 6 + [0.2, 0.5, 0.9, 1.0, 0.9, 0.5, 0.2] + [0.0] * 11)
    out = _scaled_day(day, 5.0, upper=1.0)
    assert out.sum() == pytest.approx(5.0) and out.max() <= 1.0 and (out[day == 0] == 0).all()
    assert _scaled_day(day, 2.1, upper=1.0) == pytest.approx(day * 2.1 / day.sum())  # down: plain scaling
    assert _scaled_day(day, 100.0, upper=1.0) == pytest.approx(np.where(day > 0, 1.0, 0.0))  # as far as it can


def test_k_medoids_finds_obvious_clusters():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (30, 2))])
    medoids, labels = k_medoids(points, 2)
    assert sorted(np.bincount(labels)) == [20, 30]
    assert {int(m >= 20) for m in medoids} == {0, 1}


def test_every_day_representing_itself_reproduces_the_full_year(make_case):
    demand, _pv = _year()
    path = _small_case(make_case)
    full = gridplan.solve(path)
    every = gridplan.solve(path, rep_days=365)
    assert every.options["hours"] == HOURS
    assert every.objective_cny == pytest.approx(full.objective_cny, rel=1e-7)
    cap = lambda r: r.capacity.set_index("asset").capacity_mw  # noqa: E731
    np.testing.assert_allclose(cap(every), cap(full), rtol=1e-5, atol=1e-3)
    few = gridplan.solve(path, rep_days=12)
    assert few.options["hours"] == 12 * 24
    # Energy over the year is weighted back to 8760 h: demand energy is near the real total.
    assert few.kpis.demand_mwh.iloc[0] == pytest.approx(demand.sum(), rel=0.02)


def test_compare_full_states_the_error_of_cost_and_of_every_capacity(make_case):
    path = _small_case(make_case)
    rep = gridplan.solve(path, rep_days=6, compare_full=True)
    full = gridplan.solve(path)
    check = rep.rep_days_check
    assert check["full_objective_cny"] == pytest.approx(full.objective_cny, rel=1e-9)
    assert check["cost_error_pct"] == pytest.approx(100 * (rep.objective_cny / full.objective_cny - 1))
    full_cap = full.capacity.set_index("asset").capacity_mw
    for row in check["capacity"]:
        assert row["full_mw"] == pytest.approx(full_cap[row["asset"]], abs=1e-3)
        assert row["checked"] == (max(row["full_mw"], row["rep_mw"]) > 100)
        if row["checked"]:
            assert row["within"] == (abs(row["error_pct"]) <= 10)
    assert rep.summary["rep_days_check"]["statement"] == check["statement"]
    assert check["statement"].startswith("6 representative days against the full 8,760 h: total cost")
    # Tight limits name every checked capacity that moved, plainly.
    from gridplan.rep_check import compare_with_full_year

    strict = compare_with_full_year(rep, full, cost_limit_pct=0.0, capacity_limit_pct=0.0)
    moved = [r for r in strict["capacity"] if r["checked"] and r["error_pct"] != 0]
    assert moved  # six days do move some capacity in this case
    assert [r["asset"] for r in strict["outside"]] == [r["asset"] for r in moved]
    assert "OUTSIDE" in strict["statement"]
    for r in moved:
        assert f"{r['asset']} {r['year']}" in strict["statement"]


def test_compare_full_needs_representative_days(make_case):
    path = _small_case(make_case)
    assert gridplan.solve(path, days=7, compare_full=True).rep_days_check is None


def test_curtailment_page_reads_the_rescaled_availability_of_representative_days(make_case):
    from gridplan.api import build
    from gridplan.report.availability import availability_from_case, availability_table

    path = _small_case(make_case)
    result = gridplan.solve(path, rep_days=4)
    direct = availability_table(result, build(path, rep_days=4).ctx.data)
    again = availability_from_case(result, path)
    pd.testing.assert_frame_equal(again, direct, check_exact=False, rtol=1e-12)
    # What the model had available is never below what it dispatched.
    merged = direct.merge(result.dispatch, on=["node", "year", "hour"])
    assert (merged.pv_mw_x >= merged.pv_mw_y - 1e-6).all()


def test_auto_pricing_takes_devex_for_representative_days_and_dantzig_for_hours(make_case):
    """The default pricing follows the kind of LP; a pricing the user names is used as named."""
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    case = _small_case(make_case)
    strategy = "simplex_dual_edge_weight_strategy"
    rep = HighsSession(build(case, rep_days=4).ctx.model)
    days = HighsSession(build(case, days=4).ctx.model)
    assert (rep.pricing, days.pricing) == ("devex", "dantzig")
    assert rep.highs.getOptionValue(strategy)[1] == 1 and days.highs.getOptionValue(strategy)[1] == 0
    named = HighsSession(build(case, rep_days=4).ctx.model, SolveOptions(simplex_pricing="dantzig"))
    assert named.pricing == "dantzig" and named.highs.getOptionValue(strategy)[1] == 0
    result = gridplan.solve(case, rep_days=4)
    assert result.options["simplex_pricing"] == "devex"


def test_representative_days_start_restricted_and_reach_the_cold_optimum(make_case):
    """A cold LP of representative days first closes each day's storage on itself, then reaches the cold optimum."""
    case = _small_case(make_case)
    restricted = gridplan.solve(case, rep_days=6)
    cold = gridplan.solve(case, rep_days=6, block_start="off")
    report = restricted.solver["restricted_start"]
    n_years = len(restricted.options["years"])
    assert report["held"] == 6 * n_years  # one day-end δ per representative day, year and storage
    assert report["used"] and report["first_status"] == "Optimal" and report["first_iterations"] > 0
    assert cold.solver["restricted_start"] is None
    assert restricted.objective_cny == pytest.approx(cold.objective_cny, rel=1e-9)
    cap = lambda r: r.capacity.set_index(["year", "asset"]).capacity_mw  # noqa: E731
    np.testing.assert_allclose(cap(restricted), cap(cold), rtol=1e-6, atol=1e-3)
    assert gridplan.solve(case, days=4).solver["restricted_start"] is None  # hours in sequence: nothing held


@pytest.mark.parametrize("threads", [1, 2])
def test_the_restricted_lp_starts_from_its_years_solved_apart_given_two_cores(threads):
    """With a core per year the restricted LP starts from its planning years' joined optima; the optimum is the cold one."""
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    case = Path(__file__).resolve().parents[1] / "cases" / "dongguan.yaml"  # 2025 and 2030: two years
    session = HighsSession(build(case, rep_days=12).ctx.model, SolveOptions(threads=threads))
    names = ("dual_simplex_cost_perturbation_multiplier", "simplex_dual_edge_weight_strategy", "simplex_strategy")
    options = {name: session.highs.getOptionValue(name)[1] for name in names}
    result = session.run(write_back=False)
    cold = HighsSession(build(case, rep_days=12).ctx.model, SolveOptions(block_start="off")).run(write_back=False)
    assert result.restricted_start["used"] and result.restricted_start["years_apart"] == (2 if threads >= 2 else 0)
    assert result.objective == pytest.approx(cold.objective, rel=1e-9)
    assert {name: session.highs.getOptionValue(name)[1] for name in names} == options  # the years' finish put back


def test_a_restricted_start_leaves_the_session_with_its_own_options_and_basis(make_case, monkeypatch):
    """The finish's primal simplex is put back; a re-solve starts warm; a simplex_strategy of the user's wins."""
    from gridplan import restricted_start as rs
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    case = _small_case(make_case)
    session = HighsSession(build(case, rep_days=6).ctx.model)
    strategy = session.highs.getOptionValue("simplex_strategy")[1]
    first = session.run(write_back=False)
    assert first.restricted_start["used"] and first.status == "optimal"
    assert session.highs.getOptionValue("simplex_strategy")[1] == strategy
    assert np.array_equal(session.highs.getLp().col_lower_, session.lp.col_lower)  # held columns freed again
    again = session.run(write_back=False)
    assert again.restricted_start is None and again.iterations["simplex"] == 0
    finishes = []
    monkeypatch.setattr(rs, "solve", lambda h, lp, held, finish, apart=None: finishes.append(finish) or rs.RestrictedStartReport(0))
    HighsSession(build(case, rep_days=6).ctx.model, SolveOptions(extra={"simplex_strategy": 1})).run(write_back=False)
    assert finishes == [{}]


def _tiny_lp(x_at_least: float):
    """max x + y with x + y ≤ 2, x ≤ 1.5, y ≤ 1 and x ≥ ``x_at_least``, as an LPData in HiGHS."""
    import highspy
    import scipy.sparse as sp

    from gridplan.lp import LPData

    inf = highspy.kHighsInf
    lp = LPData(cost=np.array([-1.0, -1.0]), col_lower=np.array([0.0, 0.0]), col_upper=np.array([1.5, 1.0]),
                row_lower=np.array([-inf, x_at_least]), row_upper=np.array([2.0, inf]),
                A=sp.csc_matrix(np.array([[1.0, 1.0], [1.0, 0.0]])), offset=0.0)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp.pass_to(h)
    return h, lp


def test_a_restricted_start_finishes_past_the_restriction_and_falls_back_when_it_is_infeasible():
    """Held at zero, x gives −1; the finish frees it to −2. Where x must be positive, the LP is solved cold."""
    from gridplan import restricted_start as rs

    h, lp = _tiny_lp(0.0)
    report = rs.solve(h, lp, np.array([0]), {"simplex_strategy": 4})
    assert report.used and report.first_status == "Optimal"
    assert h.getInfo().objective_function_value == pytest.approx(-2.0)
    assert list(h.getLp().col_upper_) == [1.5, 1.0] and h.getOptionValue("simplex_strategy")[1] != 4

    h, lp = _tiny_lp(0.5)
    report = rs.solve(h, lp, np.array([0]), {"simplex_strategy": 4})
    assert not report.used and report.first_status == "Infeasible"
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    assert h.getInfo().objective_function_value == pytest.approx(-2.0)


def test_rule_costs_with_representative_days_are_the_same_warm_and_cold():
    """``target_report(rep_days=N)`` prices each binding rule on the representative-day LP, warm as cold."""
    from gridplan.rules import target_report

    case = gridplan.load_case(Path(__file__).resolve().parents[1] / "cases" / "zhaoqing.yaml")
    warm = target_report(case, rep_days=4)
    cold = target_report(case, rep_days=4, warm=False)
    assert warm.options["hours"] == 4 * 24 and warm.options["cost_of_rules"] == "warm"
    w, c = warm.targets.set_index("name"), cold.targets.set_index("name")
    assert (w.cost_of_rule_cny > 0).sum() >= 2  # rules bind, so the test prices something
    np.testing.assert_allclose(w.cost_of_rule_cny, c.cost_of_rule_cny, rtol=1e-6, atol=1e3)
