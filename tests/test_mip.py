"""MIP where the physics is discrete: whole projects, unit commitment, exclusive charging."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gridplan
from tests.conftest import case_dict

HOURS = 8760


def _project_case(capex_cny_per_kw: float) -> tuple[dict, np.ndarray]:
    demand = np.full(HOURS, 100.0)
    case = case_dict(demand, generators=[
        {"name": "gas", "node": "city", "existing": [{"mw": 200}], "max_new_mw": 0, "variable_om_cny_per_mwh": 600},
        {"name": "station", "node": "city", "build": "whole", "max_new_mw": 500, "capex_cny_per_kw": capex_cny_per_kw,
         "lifetime_years": 20, "variable_om_cny_per_mwh": 100},
    ])
    return case, demand


@pytest.mark.parametrize("capex, whole_mw", [(1000.0, 500.0), (20000.0, 0.0)])
def test_station_is_built_whole_or_not_at_all(make_case, capex, whole_mw):
    case, demand = _project_case(capex)
    path = make_case(case, {"demand": demand})
    lp = gridplan.solve(path, days=2)
    mip = gridplan.solve(path, days=2, mip=True)
    lp_mw = lp.capacity.set_index("asset").capacity_mw["station"]
    mip_mw = mip.capacity.set_index("asset").capacity_mw["station"]
    # Per MW the station beats gas (8760 h x 500 CNY/MWh saved > annuity), so the LP builds just what it uses:
    assert lp_mw == pytest.approx(100.0)
    assert mip_mw == pytest.approx(whole_mw)
    # Whole: 500 MW of annuity vs 100 MW x 8760 h x 500 CNY/MWh of fuel saved.
    assert (500 * capex * 1000 / 20 < 100 * 8760 * 500) == (whole_mw > 0)
    assert mip.objective_cny >= lp.objective_cny - 1e-6
    assert mip.summary["solver"]["mip_gap"] is not None
    assert mip.prices.price_cny_per_mwh.notna().all()  # prices from the LP with integers fixed


def _uc_case() -> tuple[dict, np.ndarray]:
    hours = np.arange(HOURS)
    day = (hours % 24 >= 8) & (hours % 24 < 20)
    demand = np.where(day, 160.0, 60.0) + 10 * np.sin(2 * np.pi * hours / 24)
    gas = {"name": "gas", "node": "city", "existing": [{"mw": 200}], "max_new_mw": 0, "variable_om_cny_per_mwh": 300,
           "unit_commitment": {"unit_size_mw": 50, "min_stable_fraction": 0.5, "startup_cost_cny_per_mw": 400,
                               "min_up_h": 6, "min_down_h": 5}}
    peaker = {"name": "peaker", "node": "city", "existing": [{"mw": 200}], "max_new_mw": 0, "variable_om_cny_per_mwh": 900}
    return case_dict(demand, generators=[gas, peaker]), demand


@pytest.fixture(scope="module")
def uc_result(tmp_path_factory):
    from tests.conftest import write_case

    case, demand = _uc_case()
    path = write_case(tmp_path_factory.mktemp("uc"), case, {"demand": demand})
    return gridplan.solve(path, days=3, mip=True), gridplan.solve(path, days=3)


def test_commitment_is_integer_and_respects_min_up_and_down_every_hour(uc_result):
    mip, _ = uc_result
    u = mip.dispatch.gas_committed_units.to_numpy()
    assert np.allclose(u, np.round(u), atol=1e-6)
    u = np.round(u).astype(int)
    n = len(u)
    starts = np.maximum(0, u - np.roll(u, 1))
    stops = np.maximum(0, np.roll(u, 1) - u)
    assert starts.sum() > 0
    for t in range(n):
        window_up = [(t - k) % n for k in range(6)]
        window_down = [(t - k) % n for k in range(5)]
        assert u[t] >= starts[window_up].sum()  # units started in the last 6 h are still on
        assert 4 - u[t] >= stops[window_down].sum()  # units stopped in the last 5 h are still off
    p = mip.dispatch.gas_mw.to_numpy()
    assert np.all(p <= 50 * u + 1e-6) and np.all(p >= 25 * u - 1e-6)


def test_startup_cost_counted_once_per_start(uc_result):
    mip, _ = uc_result
    u = np.round(mip.dispatch.gas_committed_units.to_numpy())
    starts = np.maximum(0, u - np.roll(u, 1)).sum()
    cost = mip.costs.set_index("component").annual_cny["startup"]
    weight = HOURS / len(u)
    assert cost == pytest.approx(starts * 50 * 400 * weight, rel=1e-6)


def test_lp_relaxation_is_a_lower_bound(uc_result):
    mip, lp = uc_result
    assert lp.objective_cny <= mip.objective_cny + 1e-6


def test_exclusive_charging_forbids_simultaneous_charge_and_discharge(make_case):
    demand = np.full(HOURS, 100.0)
    # A must-run plant above demand: the surplus must go. Exporting it costs 50 CNY/MWh; a lossy
    # battery can burn it for free by charging and discharging at once, which the LP does.
    case = case_dict(demand, generators=[
        {"name": "nuclear", "node": "city", "existing": [{"mw": 150}], "max_new_mw": 0, "must_run_fraction": 1.0},
    ], storage=[{"name": "battery", "node": "city", "existing": [{"mw": 300, "mwh": 600}], "max_new_mw": 0,
                 "charge_efficiency": 0.8, "discharge_efficiency": 0.8, "exclusive_charge": True}])
    case["nodes"]["city"]["external"] = {"export_max_mw": 100, "export_price_cny_per_mwh": -50}
    path = make_case(case, {"demand": demand})
    lp = gridplan.solve(path, days=2)
    assert lp.kpis.simultaneous_charge_discharge_h.iloc[0] > HOURS / 2
    assert lp.dispatch.export_mw.abs().max() < 1e-6
    mip = gridplan.solve(path, days=2, mip=True)
    assert mip.status == "optimal"
    assert mip.kpis.simultaneous_charge_discharge_h.iloc[0] == 0
    # Alternating hours still burn some surplus through losses; the rest is exported at a cost.
    assert mip.dispatch.export_mw.sum() < -1.0
    assert lp.objective_cny < mip.objective_cny <= lp.objective_cny + 50 * 8760 * 50 * (1 + 1e-9)


def test_mip_reports_its_lp_relaxation_beside_it(make_case):
    case, demand = _project_case(1000.0)
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2, mip=True)
    lp = result.summary["lp_relaxation"]
    station = next(r for r in lp["capacity"] if r["asset"] == "station")
    # The relaxation builds the 100 MW it uses; the MIP the whole 500 MW station.
    assert station["lp_mw"] == pytest.approx(100.0) and station["mip_mw"] == pytest.approx(500.0)
    assert lp["objective_cny"] == pytest.approx(gridplan.solve(make_case(case, {"demand": demand}), days=2).objective_cny)
    assert lp["mip_minus_lp_pct"] == pytest.approx(100 * (result.objective_cny / lp["objective_cny"] - 1))
    assert lp["mip_minus_lp_pct"] > 0
    # The MIP itself is unchanged by solving its relaxation first.
    alone = gridplan.solve(make_case(case, {"demand": demand}), days=2, mip=True, compare_lp=False)
    assert alone.objective_cny == pytest.approx(result.objective_cny) and alone.lp_relaxation is None


def test_report_page_shows_the_mip_against_its_relaxation(make_case, tmp_path):
    from gridplan.report import write_report

    case, demand = _project_case(1000.0)
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2, mip=True)
    folder = gridplan.write_result(result, tmp_path / "out")
    page = write_report(folder).read_text(encoding="utf-8")
    assert "MIP against its LP relaxation" in page
    # The station row: 100 MW in the relaxation, 500 MW whole in the MIP.
    assert re.search(r"station 2025 \(MW\)</td><td[^>]*>100\.0</td><td[^>]*>500\.0</td><td[^>]*>\+400\.0", page)
    lp_only = gridplan.write_result(gridplan.solve(make_case(case, {"demand": demand}), days=2), tmp_path / "lp")
    assert "MIP against its LP relaxation" not in write_report(lp_only).read_text(encoding="utf-8")
