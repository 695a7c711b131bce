"""Wind: power curve properties, height extrapolation, full-load hours vs published figures."""

from __future__ import annotations

import numpy as np
import pytest

from gridplan.weather.cities import city_names
from gridplan.weather.profiles import city_weather
from gridplan.weather.wind import (SPEED_GRID, farm_power_curve, generic_power_curve, hub_speed, log_law,
                                   power_law, rated_speed, smooth_power_curve, wind_capacity_factor,
                                   wind_parameters)


@pytest.fixture(scope="module")
def flh() -> dict[str, dict[str, float]]:
    out = {}
    for c in city_names():
        w = city_weather(c)
        out[c] = {k: float(wind_capacity_factor(w, k).sum()) for k in ("onshore", "offshore")}
    return out


@pytest.mark.parametrize("kind", ["onshore", "offshore"])
def test_generic_curve(kind):
    p = wind_parameters(kind)
    args = (p["rated_mw"], p["rotor_diameter_m"], p["power_coefficient"], p["cut_in_ms"], p["cut_out_ms"])
    vr = rated_speed(p["rated_mw"], p["rotor_diameter_m"], p["power_coefficient"])
    assert 8.5 < vr < 12.0
    v = np.array([0.0, p["cut_in_ms"] - 0.01, vr, vr + 3, p["cut_out_ms"] - 0.01, p["cut_out_ms"], 30.0])
    out = generic_power_curve(v, *args)
    assert out[0] == 0 and out[1] == 0                       # below cut-in
    assert out[2] == pytest.approx(1.0) and out[3] == 1.0     # rated
    assert out[4] == 1.0 and out[5] == 0 and out[6] == 0      # cut-out
    curve = generic_power_curve(SPEED_GRID, *args)
    below = SPEED_GRID < vr
    assert np.all(np.diff(curve[below]) >= 0)                 # monotone up to rated


def test_smoothing_keeps_energy_shape():
    p = wind_parameters("onshore")
    raw = generic_power_curve(SPEED_GRID, p["rated_mw"], p["rotor_diameter_m"], p["power_coefficient"],
                              p["cut_in_ms"], p["cut_out_ms"])
    sm = smooth_power_curve(SPEED_GRID, raw, 0.6, 0.2)
    assert sm.min() >= 0 and sm.max() <= 1
    i5 = np.searchsorted(SPEED_GRID, 5.0)
    i_in = np.searchsorted(SPEED_GRID, 2.5)
    assert sm[i_in] > raw[i_in] == 0        # spread lifts output just below cut-in
    assert sm[i5] > raw[i5]                 # and on the convex (cubic) part
    i_r = np.searchsorted(SPEED_GRID, 10.0)
    assert sm[i_r] < raw[i_r] == 1.0        # and rounds the knee at rated
    fc = farm_power_curve("offshore")
    assert fc.index[0] == 0 and fc.iloc[0] < 1e-3 and fc.max() > 0.9


def test_power_law_analytic():
    # v(100) = 5 (100/10)^(1/7) = 6.9475 m/s
    assert power_law(5.0, 10, 100, 1 / 7) == pytest.approx(5 * 10 ** (1 / 7))
    assert power_law(5.0, 10, 100, 1 / 7) == pytest.approx(6.9475, abs=1e-4)
    assert power_law(np.array([0.0, 2.0]), 10, 10, 0.3).tolist() == [0.0, 2.0]
    # log law with z0 = 0.03 m: v(100)/v(10) = ln(100/0.03)/ln(10/0.03)
    assert log_law(5.0, 10, 100, 0.03) == pytest.approx(5 * np.log(100 / 0.03) / np.log(10 / 0.03))


def test_hub_speed_chain():
    w = city_weather("jieyang")
    p = wind_parameters("offshore")
    v = hub_speed(w, "offshore")
    expect = w["wind_speed"] * p["offshore_factor"] * p["speed_factor"] * (p["hub_height_m"] / 10) ** p["shear_exponent"]
    moving = w["wind_speed"] > 0  # calm hours stay calm
    assert (v[~moving] == 0).all()
    ratio = (v[moving] / expect[moving]).to_numpy()
    # the only difference is the density normalisation (rho/1.225)^(1/3), a few percent in warm air
    assert np.all((ratio > 0.95) & (ratio < 1.02))


def test_bounds_and_losses():
    w = city_weather("zhuhai")
    cf = wind_capacity_factor(w, "onshore")
    assert cf.min() >= 0 and cf.max() <= 1 and cf.name == "wind_onshore"
    assert ((cf == 0) | (cf >= 1e-6)).all()
    p = wind_parameters("onshore")
    assert cf.max() <= (1 - p["wake_loss"]) * p["availability"] + 1e-12
    calm = w.assign(wind_speed=0.0)
    assert wind_capacity_factor(calm, "onshore").sum() == 0
    lossless = wind_capacity_factor(w, "onshore", wake_loss=0.0, availability=1.0)
    assert lossless.sum() == pytest.approx(cf.sum() / ((1 - p["wake_loss"]) * p["availability"]))


def test_offshore_in_guangdong_range(flh):
    """Coastal cities: offshore full-load hours inside the Guangdong project range 2430-3640 h
    (city-data.md 6c), and their mean near the provincial ~3000 h (Xinhua 2024-01-20)."""
    lo, hi = wind_parameters("offshore")["published_full_load_hours"]
    coastal = [flh[c]["offshore"] for c in ("jieyang", "zhuhai")]
    for h in coastal:
        assert lo <= h <= hi
    assert abs(np.mean(coastal) - 3000) < 300


def test_onshore_near_national(flh):
    """Five-city mean onshore full-load hours within 5 % of the national 2246-2259 h (CWEA)."""
    lo, hi = wind_parameters("onshore")["published_full_load_hours"]
    mean = np.mean([v["onshore"] for v in flh.values()])
    assert 0.95 * lo <= mean <= 1.05 * hi
    for v in flh.values():
        assert 800 < v["onshore"] < 4000
