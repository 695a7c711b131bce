"""Known-answer tests of the LP: screening curves, storage arbitrage, rules, vintages, soft targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyomo.environ as pyo

import gridplan
from gridplan.result import balance_residual
from tests.conftest import case_dict

HOURS = 8760


def _ldc_demand(lo=1000.0, hi=2000.0, seed=1) -> np.ndarray:
    """Demand whose load-duration curve is a straight line from ``hi`` to ``lo`` (MW), in shuffled order."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.linspace(lo, hi, HOURS))


def _thermal(name, fom_cny_per_kw_yr, vom_cny_per_mwh):
    return {"name": name, "node": "city", "fixed_om_cny_per_kw_yr": fom_cny_per_kw_yr,
            "variable_om_cny_per_mwh": vom_cny_per_mwh, "lifetime_years": 30}


SCREENING = {
    "voll": 5000.0,
    "base": (300.0, 100.0),  # fixed CNY/kW-yr, variable CNY/MWh
    "peak": (50.0, 600.0),
}


@pytest.fixture(scope="module")
def screening(tmp_path_factory):
    demand = _ldc_demand()
    folder = tmp_path_factory.mktemp("screening")
    from tests.conftest import write_case

    case = case_dict(demand, generators=[_thermal("base", *SCREENING["base"]), _thermal("peak", *SCREENING["peak"])])
    case["nodes"]["city"]["voll_cny_per_mwh"] = SCREENING["voll"]
    path = write_case(folder, case, {"demand": demand})
    return demand, gridplan.solve(path, method="simplex")


def test_screening_curve_capacities_match_closed_form(screening):
    demand, result = screening
    (fb, vb), (fp, vp), voll = SCREENING["base"], SCREENING["peak"], SCREENING["voll"]
    # Break-even running hours: a MW of base pays off when it runs more than h1 hours a year.
    h1 = (fb - fp) * 1000 / (vp - vb)  # 500 h
    h2 = fp * 1000 / (voll - vp)  # 11.4 h: beyond this, shedding load beats a peaker
    ldc = np.sort(demand)[::-1]
    step = (ldc[0] - ldc[-1]) / (HOURS - 1)
    cap = result.capacity.set_index("asset").capacity_mw
    assert cap["base"] == pytest.approx(ldc[int(h1)], abs=step + 1e-6)
    assert cap["base"] + cap["peak"] == pytest.approx(ldc[int(np.ceil(h2)) - 1], abs=step + 1e-6)
    assert result.status == "optimal"


def test_balance_dual_is_the_marginal_generators_cost(screening):
    demand, result = screening
    cap = result.capacity.set_index("asset").capacity_mw
    price = result.prices.price_cny_per_mwh.to_numpy()
    base_marginal = demand < cap["base"] - 1e-3
    peak_marginal = (demand > cap["base"] + 1e-3) & (demand < cap["base"] + cap["peak"] - 1e-3)
    shedding = demand > cap["base"] + cap["peak"] + 1e-3
    assert base_marginal.sum() > 8000 and peak_marginal.sum() > 400 and shedding.sum() >= 5
    np.testing.assert_allclose(price[base_marginal], SCREENING["base"][1], rtol=1e-6)
    np.testing.assert_allclose(price[peak_marginal], SCREENING["peak"][1], rtol=1e-6)
    np.testing.assert_allclose(price[shedding], SCREENING["voll"], rtol=1e-6)


def test_energy_balance_holds_every_hour(screening):
    _, result = screening
    assert np.abs(balance_residual(result.dispatch)).max() < 1e-6


def _arbitrage_case(with_storage: bool, demand) -> dict:
    grid = {"import_max_mw": 1000, "import_price_cny_per_mwh": 500, "tou_valley_hours": list(range(8)),
            "tou_valley_ratio": 0.4, "tou_peak_hours": [17, 18, 19, 20, 21], "tou_peak_ratio": 1.1}
    case = case_dict(demand)
    case["nodes"]["city"]["external"] = grid
    if with_storage:
        case["storage"] = [{"name": "battery", "node": "city", "existing": [{"mw": 100, "mwh": 200}], "max_new_mw": 0,
                            "min_duration_h": 2, "max_duration_h": 2, "charge_efficiency": 0.9, "discharge_efficiency": 0.9}]
    return case


def test_storage_arbitrage_profit_is_known(make_case, tmp_path):
    demand = np.full(HOURS, 500.0)
    no = gridplan.solve(make_case(_arbitrage_case(False, demand), {"demand": demand}), days=7, method="simplex")
    yes = gridplan.solve(make_case(_arbitrage_case(True, demand), {"demand": demand}), days=7, method="simplex")
    # One full cycle a day: fill 200 MWh in valley hours (200/0.9 MWh bought at 200 CNY/MWh),
    # deliver 200*0.9 MWh in peak hours (worth 550 CNY/MWh). Flat->peak does not pay (550*0.9 < 500/0.9).
    daily_profit = 550 * 200 * 0.9 - 200 * 200 / 0.9
    assert no.objective_cny - yes.objective_cny == pytest.approx(365 * daily_profit, rel=1e-6)
    soc = yes.dispatch.battery_soc_mwh.to_numpy().reshape(7, 24)
    assert soc.max() == pytest.approx(200.0)


def _pairing_case(demand, pv) -> dict:
    return case_dict(
        demand,
        generators=[
            {"name": "pv", "node": "city", "profile_file": "pv.csv", "profile_column": "pv", "capex_cny_per_kw": 2000,
             "lifetime_years": 25, "groups": ["vre_central"], "clean": True, "non_fossil": True},
            _thermal("gas", 100.0, 700.0),
        ],
        storage=[{"name": "battery", "node": "city", "capex_cny_per_kw": 20000, "capex_cny_per_kwh": 20000,
                  "min_duration_h": 0.5, "max_duration_h": 4, "groups": ["new_type_storage"]}],
        demand_response=[{"name": "dr", "node": "city", "potential_fraction_of_peak": 0.1,
                          "capacity_cost_cny_per_kw_yr": 80, "activation_cost_cny_per_mwh": 20000, "max_hours_per_year": 10}],
        policies=[
            {"name": "pairing", "type": "storage_pairing", "year": 2025, "ratio": 0.1, "duration_h": 1,
             "eligible": ["vre_central"], "storage": ["new_type_storage"], "since_year": 2025},
            {"name": "dr_target", "type": "dr_capability", "year": 2025, "fraction_of_peak": 0.04},
        ],
    )


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    from tests.conftest import write_case

    hours = np.arange(HOURS)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    demand = 800 + 200 * np.sin(2 * np.pi * (hours % 24) / 24)
    folder = tmp_path_factory.mktemp("pairing")
    path = write_case(folder, _pairing_case(demand, pv), {"demand": demand, "pv": pv})
    return demand, gridplan.solve(path, days=14, method="simplex")


def test_pairing_rule_binds_exactly_at_ratio_times_new_pv(paired):
    _, result = paired
    cap = result.capacity.set_index("asset")
    new_pv = cap.loc["pv", "new_mw"]
    assert new_pv > 100  # PV pays for itself against 700 CNY/MWh gas
    assert cap.loc["battery", "new_mw"] == pytest.approx(0.1 * new_pv, rel=1e-6)
    assert cap.loc["battery", "new_mwh"] == pytest.approx(0.1 * 1.0 * new_pv, rel=1e-6)
    rows = result.targets.set_index("name")
    assert rows.loc["pairing.power", "active"] and rows.loc["pairing.power", "met"]
    assert rows.loc["pairing.power", "shadow_price"] > 0


def test_dr_target_binds_at_fraction_of_peak_with_its_capacity_cost_as_shadow_price(paired):
    demand, result = paired
    row = result.targets.set_index("name").loc["dr_target"]
    assert row.required == pytest.approx(0.04 * demand.max())
    assert row.achieved == pytest.approx(row.required, rel=1e-9)
    assert row.active
    # Activation is dearer than anything else, so the only reason to hold DR is the target.
    assert row.shadow_price == pytest.approx(80 * 1000, rel=1e-6)


def test_vintages_retire_on_time(make_case):
    demand = np.full(HOURS, 100.0)
    case = case_dict(demand, years=(2025, 2030, 2035))
    for y in (2025, 2030, 2035):
        case["nodes"]["city"]["demand"][y] = {"annual_mwh": float(demand.sum()), "peak_mw": 100.0}
    case["generators"] = [
        {"name": "old", "node": "city", "existing": [{"mw": 60, "retire_year": 2030}], "max_new_mw": 0},
        {"name": "short", "node": "city", "min_new_mw": {2025: 50, 2030: 0}, "max_new_mw": {2025: 50, 2030: 0, 2035: 0},
         "lifetime_years": 6, "capex_cny_per_kw": 1000},
        {"name": "backup", "node": "city", "variable_om_cny_per_mwh": 1000, "capex_cny_per_kw": 100},
    ]
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2, method="simplex")
    cap = result.capacity.pivot(index="asset", columns="year", values="capacity_mw")
    assert list(cap.loc["old"]) == [60, 0, 0]  # gone in its retire_year
    assert list(cap.loc["short"]) == pytest.approx([50, 50, 0])  # built 2025, 6-year life: stands in 2030, not 2035
    assert list(cap.loc["backup"]) == pytest.approx([0, 50, 100])  # fills what retires
    # Annuities (discount rate 0): 'short' 1000 CNY/kW / 6 yr on 50 MW while it stands; 'backup'
    # 100 CNY/kW / 25 yr per 50 MW vintage, from its build year on.
    capex = result.costs[result.costs.component == "capex"].set_index("year").annual_cny
    short, backup = 1000 * 1000 * 50 / 6, 100 * 1000 * 50 / 25
    assert capex.to_dict() == pytest.approx({2025: short, 2030: short + backup, 2035: 2 * backup})


def test_soft_target_missed_is_reported_with_its_penalty(make_case):
    demand = np.full(HOURS, 100.0)
    case = case_dict(demand, generators=[
        _thermal("gas", 50.0, 300.0),
        {"name": "offshore", "node": "city", "capex_cny_per_kw": 30000, "lifetime_years": 25, "availability_factor": 0.3},
    ], policies=[{"name": "offshore_2025", "type": "min_capacity", "year": 2025, "assets": ["offshore"], "mw": 80,
                  "hard": False, "penalty_cny_per_unit": 100000}])
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2, method="simplex")
    row = result.targets.set_index("name").loc["offshore_2025"]
    assert not row.met and not row.hard
    assert row.achieved == pytest.approx(0.0, abs=1e-6)
    assert row.shortfall == pytest.approx(80.0)
    assert row.penalty_cny == pytest.approx(80 * 100000)
    costs = result.costs.set_index("component").annual_cny
    assert costs["penalties"] == pytest.approx(80 * 100000)
    # The same target made hard is met, at a higher cost than the penalty.
    case["policies"][0]["hard"] = True
    hard = gridplan.solve(make_case(case, {"demand": demand}), days=2, method="simplex")
    assert hard.targets.set_index("name").loc["offshore_2025", "met"]
    assert hard.objective_cny > result.objective_cny


def test_perfect_foresight_never_costs_more_than_myopic(make_case):
    hours = np.arange(HOURS)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    demand = 800 + 200 * np.sin(2 * np.pi * (hours % 24) / 24)
    case = _pairing_case(demand, pv)
    case["years"] = [2025, 2030]
    case["nodes"]["city"]["demand"][2030] = {"annual_mwh": float(demand.sum() * 1.3), "peak_mw": float(demand.max() * 1.3)}
    # PV gets cheaper, and a 2030 target that a myopic 2025 cannot see.
    case["generators"][0]["capex_cny_per_kw"] = {2025: 4000, 2030: 2500}
    case["policies"].append({"name": "pv_2030", "type": "min_capacity", "year": 2030, "assets": ["pv"], "mw": 3000})
    path = make_case(case, {"demand": demand, "pv": pv})
    foresight = gridplan.solve(path, days=7, method="simplex")
    myopic = gridplan.solve_myopic(path, days=7, method="simplex")
    assert foresight.status == myopic.status == "optimal"
    assert foresight.objective_cny <= myopic.objective_cny * (1 + 1e-9)
    # Myopic 2025 build equals what a 2025-only plan builds.
    alone = gridplan.solve(path, days=7, method="simplex", year=2025)
    first = lambda r: r.capacity[r.capacity.year == 2025].set_index("asset").new_mw  # noqa: E731
    np.testing.assert_allclose(first(myopic), first(alone), atol=1e-6)


def test_cost_of_rules_warm_equals_cold_and_is_zero_for_slack_rules(make_case):
    from gridplan.rules import target_report

    hours = np.arange(HOURS)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    demand = 800 + 200 * np.sin(2 * np.pi * (hours % 24) / 24)
    case = _pairing_case(demand, pv)
    case["policies"].append({"name": "pv_slack", "type": "min_capacity", "year": 2025, "assets": ["pv"], "mw": 10})
    path = make_case(case, {"demand": demand, "pv": pv})
    c = gridplan.load_case(path)
    warm = target_report(c, days=7, method="simplex").targets.set_index("name")
    cold = target_report(c, days=7, method="simplex", warm=False).targets.set_index("name")
    np.testing.assert_allclose(warm.cost_of_rule_cny, cold.cost_of_rule_cny, rtol=1e-7, atol=1e-3)
    assert warm.loc["pv_slack", "cost_of_rule_cny"] == 0.0 and not warm.loc["pv_slack", "active"]
    for name in ("pairing.power", "dr_target"):
        assert warm.loc[name, "active"] and warm.loc[name, "cost_of_rule_cny"] > 0
    # DR: its capability is held only for the target, so the rule costs exactly its capacity bill.
    dr_mw = 0.04 * demand.max()
    assert warm.loc["dr_target", "cost_of_rule_cny"] == pytest.approx(80 * 1000 * dr_mw, rel=1e-6)


def test_co2_cap_binds_with_fuel_switching_price(make_case):
    """Coal (cheap, dirty) and gas (dear, cleaner), both existing: a CO2 cap shifts output to gas.

    While both run in every hour, the cap's shadow price is the switching cost
    (mc_gas − mc_coal) / (ef_coal − ef_gas) in CNY per t.
    """
    demand = np.full(HOURS, 100.0)
    coal = {"name": "coal", "node": "city", "existing": [{"mw": 100}], "max_new_mw": 0, "heat_rate_gj_per_mwh": 9.0,
            "fuel_price_cny_per_gj": 30.0, "fuel_co2_t_per_gj": 0.095}
    gas = {"name": "gas", "node": "city", "existing": [{"mw": 100}], "max_new_mw": 0, "heat_rate_gj_per_mwh": 6.5,
           "fuel_price_cny_per_gj": 80.0, "fuel_co2_t_per_gj": 0.056, "clean": True}
    free = case_dict(demand, generators=[coal, gas])
    base = gridplan.solve(make_case(free, {"demand": demand}), days=2, method="simplex")
    uncapped = base.kpis.emissions_t.iloc[0]
    assert uncapped == pytest.approx(100 * 8760 * 9.0 * 0.095)  # all coal
    capped = case_dict(demand, generators=[coal, gas],
                       policies=[{"name": "co2", "type": "co2_cap", "year": 2025, "tonnes": float(0.8 * uncapped)}])
    result = gridplan.solve(make_case(capped, {"demand": demand}), days=2, method="simplex")
    row = result.targets.set_index("name").loc["co2"]
    assert row.achieved == pytest.approx(0.8 * uncapped, rel=1e-9) and row.active
    switch = (6.5 * 80.0 - 9.0 * 30.0) / (9.0 * 0.095 - 6.5 * 0.056)
    assert row.shadow_price == pytest.approx(switch, rel=1e-6)
    # The cap's cost equals the tonnes avoided times the switching price (linear here).
    assert result.objective_cny - base.objective_cny == pytest.approx(0.2 * uncapped * switch, rel=1e-6)


def test_clean_share_binds_and_its_shadow_price_is_per_percentage_point(make_case):
    demand = np.full(HOURS, 100.0)
    coal = {"name": "coal", "node": "city", "existing": [{"mw": 100}], "max_new_mw": 0, "variable_om_cny_per_mwh": 100}
    wind = {"name": "wind", "node": "city", "capex_cny_per_kw": 6000, "lifetime_years": 20, "clean": True,
            "non_fossil": True, "availability_factor": 0.3, "variable_om_cny_per_mwh": 0}
    case = case_dict(demand, generators=[coal, wind],
                     policies=[{"name": "share", "type": "non_fossil_share", "year": 2025, "share": 0.5}])
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2, method="simplex")
    cap = result.capacity.set_index("asset").capacity_mw
    assert cap["wind"] == pytest.approx(100.0)  # 50 % of 200 MW installed
    row = result.targets.set_index("name").loc["share"]
    assert row.achieved == pytest.approx(50.0) and row.active and row.unit == "%"
    # Wind's net cost per MW-yr: annuity minus the coal fuel it displaces at 0.3 availability.
    net = 6000 * 1000 / 20 - 0.3 * 8760 * 100
    # Raising the share by one point from 50 %: s·(100 + W) = W  ⇒  dW/ds = 100/(1 − s)² = 400 MW per unit share.
    assert row.shadow_price == pytest.approx(net * 400 / 100, rel=1e-6)


def test_assets_that_can_never_exist_add_no_variables(make_case):
    from gridplan.api import build

    demand = np.full(HOURS, 100.0)
    gens = [_thermal("gas", 50.0, 300.0)]
    case = case_dict(demand, generators=gens)
    lean = build(make_case(case, {"demand": demand}), days=2).ctx.model
    case["generators"].append({"name": "retired", "node": "city", "existing": [{"mw": 80, "retire_year": 2020}],
                               "max_new_mw": 0})
    case["storage"] = [{"name": "nobattery", "node": "city", "max_new_mw": 0}]
    padded = build(make_case(case, {"demand": demand}), days=2)
    count = lambda m: sum(1 for _ in m.component_data_objects(pyo.Var))  # noqa: E731
    assert count(padded.ctx.model) == count(lean)
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2)
    assert set(result.capacity.asset) == {"gas", "retired", "nobattery"}  # still reported, at 0 MW


def test_study_names_the_dearest_rule_and_round_trips_from_saved_results(make_case, tmp_path):
    from gridplan.study import write_study

    hours = np.arange(HOURS)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    demand = 800 + 200 * np.sin(2 * np.pi * (hours % 24) / 24)
    case = gridplan.load_case(make_case(_pairing_case(demand, pv), {"demand": demand, "pv": pv}))
    solved = write_study(case, tmp_path / "studies", tmp_path / "results", days=3)
    text = solved.read_text(encoding="utf-8")
    report = pd.read_csv(tmp_path / "results" / "test" / "targets.csv")
    dearest = report.groupby("policy").cost_of_rule_cny.first().idxmax()
    assert f"**Dearest rule:** `{dearest}`" in text
    assert "| dr_target | 2025 | MW |" in text
    again = write_study(case, tmp_path / "again", tmp_path / "results", from_results=True)
    assert again.read_text(encoding="utf-8") == text
