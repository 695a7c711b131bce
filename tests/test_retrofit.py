"""Coal flexibility retrofit as a decision: a lower minimum load, bought when it pays."""

from __future__ import annotations

import numpy as np
import pytest

import gridplan
from gridplan.errors import InputErrors
from tests.conftest import case_dict

HOURS = 8760
RETROFIT_LIFETIME = 15  # years; the test cases have a 0 % discount rate, so the annuity is capex / 15


def _case(retrofit_capex: float, nuclear_mw: float, unit_commitment: dict | None = None) -> tuple[dict, np.ndarray]:
    """Flat 150 MW demand met by free nuclear and 300 CNY/MWh coal whose minimum load pushes nuclear out."""
    demand = np.full(HOURS, 150.0)
    coal = {"name": "coal", "node": "city", "existing": [{"mw": 200}], "max_new_mw": 0, "variable_om_cny_per_mwh": 300,
            "flexibility_retrofit": {"min_stable_fraction": 0.3, "capex_cny_per_kw": retrofit_capex,
                                     "lifetime_years": RETROFIT_LIFETIME}}
    if unit_commitment is None:
        coal["must_run_fraction"] = 0.5
    else:
        coal["unit_commitment"] = unit_commitment
    nuclear = {"name": "nuclear", "node": "city", "existing": [{"mw": nuclear_mw}], "max_new_mw": 0}
    return case_dict(demand, generators=[coal, nuclear]), demand


def _coal(result) -> tuple[float, float]:
    """(MW retrofitted, mean coal output MW)."""
    cap = result.capacity.set_index("asset")
    return float(cap.retrofit_mw["coal"]), float(result.dispatch.coal_mw.mean())


@pytest.mark.parametrize("capex, retrofit_mw, coal_mw", [(1000.0, 200.0, 60.0), (20000.0, 0.0, 100.0)])
def test_retrofit_is_bought_when_the_fuel_it_saves_pays_for_it(make_case, capex, retrofit_mw, coal_mw):
    case, demand = _case(capex, nuclear_mw=100.0)
    result = gridplan.solve(make_case(case, {"demand": demand}), days=2)
    assert _coal(result) == pytest.approx((retrofit_mw, coal_mw))
    # Each MW retrofitted lowers the floor by 0.2 MW of coal replaced by free nuclear:
    # 0.2 x 300 CNY/MWh x 8760 h = 525,600 CNY/yr, against capex x 1000 / 15 CNY/yr of annuity.
    assert (capex * 1000 / RETROFIT_LIFETIME < 0.2 * 300 * HOURS) == (retrofit_mw > 0)
    # Total cost: coal energy plus the retrofit annuity, nothing else.
    expected = coal_mw * 300 * HOURS + retrofit_mw * capex * 1000 / RETROFIT_LIFETIME
    assert result.objective_cny == pytest.approx(expected, rel=1e-9)
    costs = result.costs.set_index("component").annual_cny
    assert costs.get("retrofit", 0.0) == pytest.approx(retrofit_mw * capex * 1000 / RETROFIT_LIFETIME)


def test_retrofit_with_unit_commitment_comes_in_whole_units_and_only_the_mip_needs_it(make_case):
    uc = {"unit_size_mw": 50, "min_stable_fraction": 0.5}
    case, demand = _case(1000.0, nuclear_mw=130.0, unit_commitment=uc)
    path = make_case(case, {"demand": demand})
    mip = gridplan.solve(path, days=2, mip=True)
    # Coal must cover 20 MW: one 50 MW unit committed, whose 25 MW minimum load a retrofit lowers to 15 MW.
    assert _coal(mip) == pytest.approx((50.0, 20.0), abs=1e-6)
    assert mip.dispatch.coal_committed_units.to_numpy() == pytest.approx(1.0)
    # The LP commits 0.4 of a unit, whose floor (10 MW) never binds: no retrofit.
    lp = gridplan.solve(path, days=2)
    assert _coal(lp) == pytest.approx((0.0, 20.0), abs=1e-6)
    # Without the retrofit option the MIP burns 25 MW of coal in every hour.
    del case["generators"][0]["flexibility_retrofit"]
    plain = gridplan.solve(make_case(case, {"demand": demand}), days=2, mip=True)
    assert plain.dispatch.coal_mw.to_numpy() == pytest.approx(25.0)
    saved = 5 * 300 * HOURS - 50 * 1000 * 1000 / RETROFIT_LIFETIME
    assert plain.objective_cny - mip.objective_cny == pytest.approx(saved, rel=1e-6)


def test_retrofit_must_lower_the_floor(make_case):
    case, demand = _case(1000.0, nuclear_mw=100.0)
    case["generators"][0]["flexibility_retrofit"]["min_stable_fraction"] = 0.6
    with pytest.raises(InputErrors) as err:
        gridplan.load_case(make_case(case, {"demand": demand}))
    text = str(err.value.errors[0].line())
    assert "generators[coal]" in text and "does not lower must_run_fraction 0.5" in text


def test_myopic_keeps_earlier_retrofits(make_case):
    case, demand = _case(1000.0, nuclear_mw=100.0)
    case["years"] = [2025, 2030]
    case["nodes"]["city"]["demand"][2030] = dict(case["nodes"]["city"]["demand"][2025])
    result = gridplan.solve_myopic(make_case(case, {"demand": demand}), days=2)
    cap = result.capacity.set_index(["asset", "year"])
    assert cap.loc[("coal", 2025), "new_retrofit_mw"] == pytest.approx(200.0)
    assert cap.loc[("coal", 2030), "new_retrofit_mw"] == pytest.approx(0.0)
    assert cap.loc[("coal", 2030), "retrofit_mw"] == pytest.approx(200.0)
