"""Tests of gridplan.weather.demand: exact fit, calendar effects, temperature, calibration.

The checks against the real provincial profiles read ``shared/load-sources`` and
``shared/weather-sources`` (beside the repository, or ``$GRIDPLAN_SHARED``) and
are skipped when those files are absent.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridplan.errors import InputError
from gridplan.weather import demand as dm

REGIONS = ("guangdong", "jiangxi")
SHARED = Path(os.environ.get("GRIDPLAN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
LOAD_CSV = SHARED / "load-sources" / dm.LOAD_CSV


@pytest.fixture(scope="module")
def params() -> dict:
    return dm.load_shape_params()


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def synthetic_temperature(year: int, mean_c: float, amp_c: float) -> pd.Series:
    """Hourly °C: annual cosine peaking on 20 July plus a ±4 °C daily swing peaking at 14:00."""
    idx = dm.hourly_index(year)
    doy = idx.day_of_year.to_numpy() + idx.hour.to_numpy() / 24
    hour = idx.hour.to_numpy()
    t = mean_c + amp_c * np.cos(2 * np.pi * (doy - 201) / 365) + 4 * np.cos(2 * np.pi * (hour - 14) / 24)
    return pd.Series(t, index=idx)


# --------------------------------------------------------------------------
# Exact fit
# --------------------------------------------------------------------------
@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("annual_mwh,peak_mw,year", [
    (8760 * 1000 * 0.65, 1000.0, 2025),   # a typical city, LF 0.65
    (5.0e5, 100.0, 2030),                 # LF 0.571
    (8760 * 250 * 0.31, 250.0, 2025),     # near the lower bound
    (8760 * 3.3e4 * 0.94, 3.3e4, 2035),   # near the upper bound
    (8784 * 1200 * 0.7, 1200.0, 2028),    # leap year: 8784 hours
])
def test_profile_meets_energy_and_peak_exactly(params, region, annual_mwh, peak_mw, year):
    p = dm.demand_profile(annual_mwh, peak_mw, year=year, region=region, params=params)
    hours = 8784 if year % 4 == 0 else 8760
    assert len(p) == hours
    assert str(p.index.tz) == "Asia/Shanghai"
    assert p.index[0] == pd.Timestamp(f"{year}-01-01 00:00", tz="Asia/Shanghai")
    assert (p.index[1:] - p.index[:-1] == pd.Timedelta("1h")).all()
    assert rel(p.sum(), annual_mwh) < 1e-6
    assert rel(p.max(), peak_mw) < 1e-6
    assert p.min() > 0


@settings(max_examples=30, deadline=None)
@given(lf=st.floats(0.3, 0.95), peak=st.floats(1.0, 1e5), region=st.sampled_from(REGIONS))
def test_exact_fit_for_any_admissible_load_factor(params, lf, peak, region):
    shape = dm.demand_shape(2026, None, region, params)
    p = dm.fit_energy_and_peak(shape, lf * len(shape) * peak, peak)
    assert rel(p.sum(), lf * len(shape) * peak) < 1e-6
    assert rel(p.max(), peak) < 1e-6
    # The transform is monotone: the hours keep their order.
    assert p.idxmax() == shape.idxmax()


@pytest.mark.parametrize("annual_mwh,peak_mw", [
    (8760 * 1000 * 0.97, 1000.0),   # flatter than any city
    (8760 * 1000 * 0.2, 1000.0),    # peakier than any city
    (8760 * 1000 * 1.5, 1000.0),    # impossible: mean above the peak
])
def test_impossible_load_factor_raises_naming_the_field(params, annual_mwh, peak_mw):
    with pytest.raises(InputError) as err:
        dm.demand_profile(annual_mwh, peak_mw, params=params)
    assert err.value.field == "annual_mwh"
    assert "load factor" in err.value.problem
    assert "peak_mw" in err.value.fix


@pytest.mark.parametrize("annual_mwh,peak_mw,field", [
    (-1.0, 100.0, "annual_mwh"), (5e5, 0.0, "peak_mw"), (float("nan"), 100.0, "annual_mwh"),
])
def test_non_positive_inputs_raise(params, annual_mwh, peak_mw, field):
    with pytest.raises(InputError) as err:
        dm.demand_profile(annual_mwh, peak_mw, params=params)
    assert err.value.field == field


def test_unknown_region_lists_known_ones(params):
    with pytest.raises(InputError) as err:
        dm.demand_profile(5e5, 100.0, region="atlantis", params=params)
    assert err.value.field == "region"
    assert "guangdong" in err.value.fix and "jiangxi" in err.value.fix


def test_year_outside_calendar_raises(params):
    with pytest.raises(InputError) as err:
        dm.demand_profile(5e5, 100.0, year=2099, params=params)
    assert err.value.field == "year"


def test_bad_temperature_raises(params):
    with pytest.raises(InputError) as err:
        dm.demand_profile(5e5, 100.0, temperature=pd.Series(np.full(100, 20.0)), params=params)
    assert err.value.field == "temperature"
    t = synthetic_temperature(2025, 22, 8)
    t.iloc[500] = np.nan
    with pytest.raises(InputError) as err:
        dm.demand_profile(5e5, 100.0, temperature=t, params=params)
    assert err.value.field == "temperature"
    with pytest.raises(InputError) as err:  # a whole weather table, not its column
        dm.demand_profile(5e5, 100.0, temperature=t.to_frame("temp_air"), params=params)
    assert err.value.field == "temperature"
    with pytest.raises(InputError):  # Kelvin, not °C
        dm.demand_profile(5e5, 100.0, temperature=synthetic_temperature(2025, 295, 8), params=params)


def test_shipped_shape_file_has_both_regions_and_sources(params):
    assert set(params["regions"]) == set(REGIONS)
    for reg in params["regions"].values():
        assert "calibrate_shape" in reg["source"] and "PyPSA-China-PIK" in reg["source"]
        assert len(reg["monthly"]) == 12
        for season in dm.SEASONS:
            for cls in dm.DAY_CLASSES:
                assert len(reg["daily_shape"][season][cls]) == 24
    years = {pd.Timestamp(str(v)).year for v in params["calendar"]["spring_festival"]["dates"].values()}
    assert set(range(2020, 2036)) <= years
    assert "hko.gov.hk" in params["calendar"]["spring_festival"]["source"]


# --------------------------------------------------------------------------
# Calendar effects
# --------------------------------------------------------------------------
@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("year", [2025, 2030, 2034])
def test_spring_festival_dip(params, region, year):
    p = dm.demand_profile(8760 * 1000 * 0.6, 1000.0, year=year, region=region, params=params)
    daily = p.resample("D").mean()
    cny = pd.Timestamp(str(params["calendar"]["spring_festival"]["dates"][year]), tz="Asia/Shanghai")
    offset = (daily.index - cny).days
    dip = daily[(offset >= -7) & (offset <= 7)].mean()
    around = daily[((offset >= -35) & (offset <= -21)) | ((offset >= 25) & (offset <= 39))].mean()
    assert dip < 0.9 * around


def test_guangdong_weekends_lower_than_weekdays(params):
    p = dm.demand_profile(8760 * 1000 * 0.6, 1000.0, year=2026, region="guangdong", params=params)
    daily = p.resample("D").mean()
    dow = daily.index.day_of_week
    assert daily[dow == 5].mean() < daily[dow < 5].mean()
    assert daily[dow == 6].mean() < daily[dow == 5].mean()


def test_params_dict_is_used(params):
    edited = copy.deepcopy(params)
    edited["regions"]["guangdong"]["day_type"]["sunday"] = 0.5
    base = dm.demand_shape(2026, None, "guangdong", params)
    low = dm.demand_shape(2026, None, "guangdong", edited)
    types = dm.day_types(base.index[::24], params["calendar"]["holidays"]["days"])
    sunday = np.repeat(types == "sunday", 24)  # Sundays that are holidays keep the holiday factor
    np.testing.assert_allclose(low[sunday] / base[sunday], 0.5 / params["regions"]["guangdong"]["day_type"]["sunday"])
    np.testing.assert_allclose(low[~sunday], base[~sunday])


def test_daily_shapes_differ_by_season_and_day_class(params):
    ds = params["regions"]["guangdong"]["daily_shape"]
    assert not np.allclose(ds["summer"]["workday"], ds["winter"]["workday"], atol=1e-3)
    assert not np.allclose(ds["summer"]["workday"], ds["summer"]["weekend"], atol=1e-2)


# --------------------------------------------------------------------------
# Temperature
# --------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(mean_c=st.floats(20.0, 26.0), amp_c=st.floats(6.0, 10.0), warmer=st.floats(0.5, 5.0),
       region=st.sampled_from(REGIONS))
def test_hotter_weather_gives_more_summer_energy(params, mean_c, amp_c, warmer, region):
    t = synthetic_temperature(2027, mean_c, amp_c)
    base = dm.demand_shape(2027, t, region, params)
    hot = dm.demand_shape(2027, t + warmer, region, params)
    summer = base.index.month.isin([6, 7, 8])
    assert hot[summer].sum() > base[summer].sum() * (1 + 1e-6)


def test_temperature_matched_by_calendar_hour(params):
    # A typical-year series labelled 1990, in fixed UTC+8, drives a 2028 (leap) profile.
    t = synthetic_temperature(2027, 22, 8)
    t.index = pd.date_range("1990-01-01", periods=8760, freq="h", tz="Etc/GMT-8")
    idx = dm.hourly_index(2028)
    aligned = dm.align_temperature(t, idx)
    assert len(aligned) == 8784
    feb29 = (idx.month == 2) & (idx.day == 29)
    feb28 = (idx.month == 2) & (idx.day == 28)
    np.testing.assert_array_equal(aligned[feb29], aligned[feb28])
    p = dm.demand_profile(8784 * 100 * 0.6, 100.0, year=2028, temperature=t, params=params)
    assert rel(p.sum(), 8784 * 100 * 0.6) < 1e-6


# --------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------
def test_calibrate_shape_recovers_known_parameters(params):
    # A series made by the model itself, calibrated back: the fit must find it.
    truth = params["regions"]["guangdong"]
    shape = dm.demand_shape(2018, None, "guangdong", params)
    got = dm.calibrate_shape(shape, None, params["calendar"])
    for t in dm.DAY_TYPES:
        assert got["day_type"][t] == pytest.approx(truth["day_type"][t], abs=0.01)
    assert got["spring_festival"]["depth"] == pytest.approx(truth["spring_festival"]["depth"], abs=0.05)
    assert np.corrcoef(got["monthly"], truth["monthly"])[0, 1] > 0.99
    np.testing.assert_allclose(got["daily_shape"]["summer"]["workday"],
                               truth["daily_shape"]["summer"]["workday"], atol=0.01)


@pytest.fixture(scope="module")
def real() -> dict:
    if not LOAD_CSV.is_file():
        pytest.skip(f"real provincial load profile not found at {LOAD_CSV} (set GRIDPLAN_SHARED)")
    pvlib = pytest.importorskip("pvlib")
    out = {}
    for region, src in dm.SOURCES.items():
        epw = SHARED / "weather-sources" / src["epw"]
        temp = pvlib.iotools.read_epw(epw, coerce_year=2018)[0]["temp_air"] if epw.is_file() else None
        out[region] = (dm.read_provincial_load(LOAD_CSV, src["column"]), temp)
    return out


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("with_temperature", [False, True])
def test_model_matches_real_provincial_profile(params, real, region, with_temperature):
    load, temp = real[region]
    if with_temperature and temp is None:
        pytest.skip("calibration EPW file not found in shared/weather-sources")
    temperature = temp if with_temperature else None
    model = dm.demand_profile(load.sum(), load.max(), year=2018, temperature=temperature,
                              region=region, params=params)
    shape = dm.demand_shape(2018, temperature, region, params)

    daily_corr = np.corrcoef(model.groupby(model.index.hour).mean(),
                             load.groupby(load.index.hour).mean())[0, 1]
    monthly_corr = np.corrcoef(model.groupby(model.index.month).sum(),
                               load.groupby(load.index.month).sum())[0, 1]
    real_lf = load.mean() / load.max()
    assert daily_corr >= 0.95
    assert monthly_corr >= 0.9
    assert abs(model.mean() / model.max() - real_lf) <= 0.03
    # The shape's own load factor, before the exact fit: how far the transform has to bend it.
    # Driven by temperature it matches (the smoothing window is calibrated on it);
    # without, the climatological shape is smoother than a real year (Jiangxi: +0.06).
    tol = 0.03 if with_temperature else 0.07
    assert abs(shape.mean() / shape.max() - real_lf) <= tol


@pytest.mark.parametrize("region", REGIONS)
def test_shipped_parameters_are_what_calibrate_shape_gives(params, real, region):
    load, temp = real[region]
    got = dm.calibrate_shape(load, temp, params["calendar"])
    shipped = params["regions"][region]
    np.testing.assert_allclose(got["monthly"], shipped["monthly"], atol=1e-4)
    assert got["day_type"] == shipped["day_type"]
    assert got["spring_festival"] == shipped["spring_festival"]
    if temp is not None:
        for key in ("cooling_threshold_c", "heating_threshold_c", "window_days"):
            assert got["temperature"][key] == shipped["temperature"][key]
