"""A plan's retirement of existing blocks as a rule: held, priced warm and cold, and checked on input."""

from __future__ import annotations

import numpy as np
import pytest

import gridplan
from gridplan.api import solve_myopic
from gridplan.errors import InputErrors
from gridplan.rules import target_report
from tests.conftest import case_dict, validated

HOURS = 8760
DEMAND_MW = 100.0
COAL_VOM, COAL_FOM = 300.0, 50.0  # CNY/MWh, CNY/kW·yr
GAS_VOM, GAS_CAPEX, GAS_LIFE = 500.0, 2000.0, 20  # CNY/MWh, CNY/kW, years (0 % discount: annuity capex / 20)


def _case(**rule) -> tuple[dict, np.ndarray]:
    """Flat 100 MW demand; 150 MW of old coal that a rule retires from 2030; new gas is the only other supply."""
    demand = np.full(HOURS, DEMAND_MW)
    coal = {"name": "coal", "node": "city", "max_new_mw": 0, "variable_om_cny_per_mwh": COAL_VOM,
            "fixed_om_cny_per_kw_yr": COAL_FOM, "existing": [{"name": "old", "mw": 150}, {"name": "young", "mw": 20}]}
    gas = {"name": "gas", "node": "city", "variable_om_cny_per_mwh": GAS_VOM, "capex_cny_per_kw": GAS_CAPEX,
           "lifetime_years": GAS_LIFE}
    policy = {"name": "retire_old", "type": "retirement", "year": 2030, "asset": "coal", "blocks": ["old"]}
    policy.update(rule)
    return case_dict(demand, years=(2025, 2030), generators=[coal, gas], policies=[policy]), demand


def test_retirement_holds_and_costs_what_keeping_the_block_saves(make_case):
    case, demand = _case()
    path = make_case(case, {"demand": demand})
    warm = target_report(gridplan.load_case(path), days=2)
    cap = warm.capacity.set_index(["year", "asset"]).capacity_mw
    # 2025: all 170 MW of coal stand; 2030: only the young 20 MW, so 80 MW of gas is built.
    assert cap[(2025, "coal")] == pytest.approx(170.0) and cap[(2030, "coal")] == pytest.approx(20.0)
    assert cap[(2030, "gas")] == pytest.approx(DEMAND_MW - 20.0)
    rule = warm.targets.set_index("name").loc["retire_old"]
    assert rule.active and rule.met and rule.achieved == pytest.approx(0.0, abs=1e-6)
    # Without the rule the model keeps 80 MW of the old block in 2030 (not all 150: each kept MW pays
    # fixed O&M) instead of building gas. Per MW and year that saves the gas annuity and the fuel
    # spread, less the coal's fixed O&M.
    per_mw = GAS_CAPEX * 1000 / GAS_LIFE + (GAS_VOM - COAL_VOM) * HOURS - COAL_FOM * 1000
    assert rule.cost_of_rule_cny == pytest.approx(80.0 * per_mw, rel=1e-7)
    # Its shadow price is the same saving for the first MW kept (CNY per MW kept per year).
    assert rule.shadow_price == pytest.approx(per_mw, rel=1e-7)
    free = gridplan.solve(path, days=2, drop_policies=("retire_old",))
    assert free.capacity.set_index(["year", "asset"]).capacity_mw[(2030, "coal")] == pytest.approx(DEMAND_MW)
    cold = target_report(gridplan.load_case(path), days=2, warm=False).targets.set_index("name")
    assert cold.loc["retire_old", "cost_of_rule_cny"] == pytest.approx(rule.cost_of_rule_cny, rel=1e-9)


def test_retirement_between_planning_years_holds_in_a_single_year_run(make_case):
    case, demand = _case(year=2028)
    path = make_case(case, {"demand": demand})
    result = gridplan.solve(path, days=2, year=2030)
    assert result.capacity.set_index("asset").capacity_mw["coal"] == pytest.approx(20.0)
    early = gridplan.solve(path, days=2, year=2025)
    assert early.capacity.set_index("asset").capacity_mw["coal"] == pytest.approx(170.0)


def test_kept_capacity_never_comes_back(make_case):
    """Retired from 2025 on, with the rule dropped: what is given up in 2025 cannot return in 2030."""
    case, demand = _case(year=2025)
    # Demand doubles in 2030, where keeping the whole block pays; 2025 needs only 80 MW of it.
    case["nodes"]["city"]["demand"][2030] = {"annual_mwh": 2 * DEMAND_MW * HOURS, "peak_mw": 2 * DEMAND_MW}
    path = make_case(case, {"demand": demand})
    free = gridplan.solve(path, days=2, drop_policies=("retire_old",))
    cap = free.capacity.set_index(["year", "asset"]).capacity_mw
    # Keeping all 150 MW through 2025 (paying its fixed O&M) is what lets 2030 use it.
    assert cap[(2025, "coal")] == pytest.approx(170.0) and cap[(2030, "coal")] == pytest.approx(170.0)


def test_myopic_keeps_what_an_earlier_year_kept(make_case):
    """Myopic, rule dropped: 2025 keeps only the 80 MW it needs, and 2030 (double demand) cannot bring back more."""
    case, demand = _case(year=2025)
    case["nodes"]["city"]["demand"][2030] = {"annual_mwh": 2 * DEMAND_MW * HOURS, "peak_mw": 2 * DEMAND_MW}
    path = make_case(case, {"demand": demand})
    myopic = solve_myopic(path, days=2, drop_policies=("retire_old",))
    cap = myopic.capacity.set_index(["year", "asset"])
    assert cap.capacity_mw[(2025, "coal")] == pytest.approx(100.0) and cap.kept_mw[(2025, "coal")] == pytest.approx(80.0)
    assert cap.capacity_mw[(2030, "coal")] == pytest.approx(100.0) and cap.kept_mw[(2030, "coal")] == pytest.approx(80.0)
    foresight = gridplan.solve(path, days=2, drop_policies=("retire_old",))
    assert foresight.objective_cny < myopic.objective_cny


def test_max_total_limits_what_is_kept_not_what_stands(make_case):
    """20 MW of young coal already exceed a 10 MW limit: the case solves and keeps nothing of the old block."""
    case, demand = _case()
    case["generators"][0]["max_total_mw"] = 10
    path = make_case(case, {"demand": demand})
    for drop in ((), ("retire_old",)):
        result = gridplan.solve(path, days=2, drop_policies=drop)
        assert result.status == "optimal"
        assert result.capacity.set_index(["year", "asset"]).capacity_mw[(2030, "coal")] == pytest.approx(20.0)


def test_duplicate_block_names_are_refused():
    case, _ = _case()
    case["generators"][0]["existing"][1]["name"] = "old"
    with pytest.raises(InputErrors, match=r"'old' names 2 existing blocks of 'coal'.*its own name"):
        validated(case)


@pytest.mark.parametrize("rule, field, words", [
    ({"asset": "gas"}, "asset", "has no existing blocks"),
    ({"asset": "nuclear"}, "asset", "is not a generator"),
    ({"blocks": ["older"]}, "blocks", "'older' is not an existing block of 'coal'"),
    ({"blocks": []}, "blocks", "retires nothing"),
    ({"nodes": ["city"]}, "nodes", "has no meaning for a retirement rule"),
])
def test_retirement_input_errors_name_the_field(rule, field, words):
    case, _ = _case(**rule)
    with pytest.raises(InputErrors) as err:
        validated(case)
    text = str(err.value)
    assert f"policies[retire_old].{field}" in text and words in text


def test_retirement_after_a_blocks_own_end_of_life_is_refused():
    case, _ = _case()
    case["generators"][0]["existing"][0]["retire_year"] = 2030
    with pytest.raises(InputErrors, match=r"already retires in 2030 by its retire_year.*remove retire_year"):
        validated(case)
