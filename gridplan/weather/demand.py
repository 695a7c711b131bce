"""Hourly electricity demand of a node: a calibrated parametric shape, fitted exactly.

The model
---------
Demand is built in per-unit of the annual mean load (dimensionless, mean ~1),
day by day and then hour by hour, and only at the end scaled to MW:

``s(h) = L(d) * W(type(d)) * F(d) * P(season(d), class(d), hour(h))``

* ``L(d)`` -- the **seasonal level** of day ``d``. The twelve calibrated monthly
  levels are interpolated linearly between mid-month knots whose values are
  solved so that each month's mean equals its calibrated level ("mean-preserving"
  interpolation: smooth across month boundaries, monthly energy unchanged).
  Without a temperature series, the monthly levels ``monthly`` stand in for the
  climate (they include the typical cooling and heating load). With one,
  ``L(d) = base(d) + c_cool * CDH(d) + c_heat * HDH(d)`` where ``base`` uses
  ``temperature.monthly_base`` (the levels with the climatological temperature
  response taken out), ``CDH(d)`` is the day's mean of ``max(T - T_cool, 0)`` over
  its 24 hours (°C, i.e. cooling degree-hours / 24) and ``HDH(d)`` the mean of
  ``max(T_heat - T, 0)``, both then averaged over a centred window of
  ``window_days`` days (thermal inertia; see step 6 below). The response acts on
  the day's level, not on single hours, so the calibrated daily shape is kept
  and a hot spell raises every hour of its days proportionally.
* ``W`` -- the **day-type factor**: weekday 1, Saturday, Sunday, and fixed-date
  public holidays (New Year's Day, Labour Day, National Day week).
* ``F(d)`` -- the **Spring Festival dip**: 1 outside the window, falling linearly
  from ``start`` days before Chinese New Year (CNY) to ``1 - depth`` at
  ``floor_start``, flat to ``floor_end``, and back up to 1 at ``end`` days after.
  CNY dates come from the ``calendar`` section of the shape file.
* ``P`` -- the **daily shape**: 24 hourly factors (mean 1) per season (winter,
  spring, summer, autumn) and day class (workday; weekend = Saturday, Sunday,
  holiday).

The exact fit maps the shape ``s`` to MW by the monotone power transform

``p(h) = peak_mw * (s(h) / max(s)) ** k``

with ``k > 0`` the unique root (``scipy.optimize.brentq``) of
``mean((s / max s) ** k) = annual_mwh / (n_hours * peak_mw)``; the mean is strictly
decreasing in ``k``, so the root is unique. The peak hour stays the peak hour,
the max is ``peak_mw`` exactly, the sum is ``annual_mwh`` to solver precision,
and the ordering of hours is kept (``k`` near 1 when the requested load factor is
near the shape's own one).

Calibration
-----------
:func:`calibrate_shape` fits every parameter above from one real hourly series
(``python -m gridplan.weather.demand calibrate`` re-runs it on the provincial
profiles and rewrites the ``regions`` section of ``weather/demand_shape.yaml``):

1. daily means ``d`` in per-unit of the annual mean;
2. day-type factors: least squares on ``log d`` with month dummies plus
   Saturday, Sunday and holiday dummies, on days outside the Spring Festival
   season (+-35 days);
3. Spring Festival dip: ratio of the day-type-corrected daily level to a
   baseline interpolated between the weeks before and after the festival,
   fitted by an exhaustive grid over the integer knots with the depth in closed
   form (least squares);
4. monthly levels: the mean of the day-type- and festival-corrected daily level
   per month;
5. daily shapes: mean ratio of hourly load to its day's mean, per season and
   day class, festival days left out;
6. temperature response (only if a temperature series is given): the monthly
   levels are regressed (non-negative slopes) on the monthly mean CDH and HDH
   of that series, for thresholds on a 1 °C grid (cooling 24-28 °C, heating
   10-18 °C), keeping the best fit; what the regression leaves is
   ``monthly_base``. Because the slopes are identified on monthly means, the
   degree-hours are smoothed over ``window_days`` (1-31 days), chosen so that
   the modelled shape driven by that temperature has the real series' load
   factor (its day-to-day swings move the peak as much as the real ones did).
   The temperature series used for the shipped shapes is a typical (CSWD)
   year, not the weather of the load's year, so this response is a
   climatological approximation: the monthly slopes are sound, the day-to-day
   response is only matched in distribution (load factor), not day by day.

Limits
------
Without a temperature series the shape is a climatological expectation,
smoother than any real year: its own load factor is higher than a real year's
(Jiangxi 0.69 against 0.63 in 2018; Guangdong 0.66 against 0.65), so the exact
fit bends it more (``k`` about 1.26 and 1.04). Lunar holidays other than the
Spring Festival, the yearly make-up working weekends, load growth within the
year and industrial structure changes are not modelled.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import brentq, lsq_linear

from gridplan.errors import InputError
from gridplan.yamlio import safe_load

TZ = "Asia/Shanghai"
SHAPE_FILE = Path(__file__).resolve().parents[2] / "weather" / "demand_shape.yaml"
# Load factors outside this band are not a city's load: reject rather than
# distort the shape into something meaningless.
LOAD_FACTOR_MIN = 0.3
LOAD_FACTOR_MAX = 0.95
DAY_TYPES = ("weekday", "saturday", "sunday", "holiday")
DAY_CLASSES = ("workday", "weekend")
SEASONS = ("winter", "spring", "summer", "autumn")
SEASON_OF_MONTH = {
    1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer",
    7: "summer", 8: "summer", 9: "summer", 10: "autumn", 11: "autumn", 12: "winter",
}
# Window (days from CNY) searched for the Spring Festival knots, and the
# baseline weeks on either side of it.
SF_SEARCH = (-21, 24)
SF_BASE_BEFORE = (-35, -22)
SF_BASE_AFTER = (25, 38)
SF_SEASON_HALF_WIDTH = 35
COOL_GRID_C = np.arange(24.0, 28.5, 1.0)
WINDOW_GRID_DAYS = (1, 3, 5, 7, 11, 15, 21, 31)
HEAT_GRID_C = np.arange(10.0, 18.5, 1.0)
TEMP_RANGE_C = (-60.0, 60.0)


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------
def load_shape_params(path: str | Path = SHAPE_FILE) -> dict:
    """Read the shape file (calendar and calibrated regions).

    Parameters
    ----------
    path : str or Path
        YAML file, by default ``weather/demand_shape.yaml`` of the repository.

    Returns
    -------
    dict
        The file's content: ``calendar`` and ``regions``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "", "demand shape file not found",
                         "run `python -m gridplan.weather.demand calibrate` or pass params=")
    with path.open(encoding="utf-8") as fh:
        params = safe_load(fh)
    if not isinstance(params, dict) or "calendar" not in params or "regions" not in params:
        raise InputError(str(path), "", "not a demand shape file (needs calendar and regions)",
                         "restore weather/demand_shape.yaml from the repository")
    return params


def region_params(params: dict, region: str, file: str = "<input>") -> dict:
    """The calibrated parameters of one region, or an InputError naming the known ones."""
    regions = params.get("regions", {})
    if region not in regions:
        known = ", ".join(sorted(regions))
        raise InputError(file, "region", f"unknown region {region!r}",
                         f"use one of: {known}")
    return regions[region]


def spring_festival_dates(calendar: dict) -> pd.DatetimeIndex:
    """Chinese New Year dates (local days) from the calendar section."""
    dates = calendar["spring_festival"]["dates"]
    return pd.DatetimeIndex(sorted(pd.Timestamp(str(v)) for v in dates.values()))


# --------------------------------------------------------------------------
# Calendar pieces (per day, vectorised)
# --------------------------------------------------------------------------
def hourly_index(year: int) -> pd.DatetimeIndex:
    """Hourly local-time index of one calendar year (8760 or 8784 hours, Asia/Shanghai)."""
    start = pd.Timestamp(year=year, month=1, day=1, tz=TZ)
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz=TZ)
    return pd.date_range(start, end, freq="h", inclusive="left")


def day_types(days: pd.DatetimeIndex, holidays: list[str]) -> np.ndarray:
    """Day type of each day: weekday, saturday, sunday or holiday.

    Parameters
    ----------
    days : DatetimeIndex
        Days (any time of day).
    holidays : list of str
        Fixed-date holidays as ``"MM-DD"``; they win over the day of the week.
    """
    dow = days.day_of_week.to_numpy()
    out = np.full(len(days), "weekday", dtype=object)
    out[dow == 5] = "saturday"
    out[dow == 6] = "sunday"
    out[np.isin(days.strftime("%m-%d"), list(holidays))] = "holiday"
    return out


def day_classes(types: np.ndarray) -> np.ndarray:
    """Daily-shape class of each day type: workday or weekend (weekend days and holidays)."""
    return np.where(types == "weekday", "workday", "weekend")


def festival_offsets(days: pd.DatetimeIndex, cny: pd.DatetimeIndex) -> np.ndarray:
    """Signed days from each day to the nearest Chinese New Year (days)."""
    d = days.tz_localize(None).normalize() if days.tz is not None else days.normalize()
    diff = (d.to_numpy()[:, None] - cny.to_numpy()[None, :]) / np.timedelta64(1, "D")
    return diff[np.arange(len(d)), np.abs(diff).argmin(axis=1)]


def festival_factor(offset: np.ndarray, sf: dict) -> np.ndarray:
    """Spring Festival factor (1 = no dip) at day offsets from CNY.

    Piecewise linear: 1 up to ``start``, down to ``1 - depth`` at ``floor_start``,
    flat to ``floor_end``, back to 1 at ``end`` (all in days from CNY).
    """
    xp = [sf["start"], sf["floor_start"], sf["floor_end"], sf["end"]]
    dip = np.interp(offset, xp, [0.0, 1.0, 1.0, 0.0], left=0.0, right=0.0)
    return 1.0 - sf["depth"] * dip


def monthly_to_daily(days: pd.DatetimeIndex, monthly: np.ndarray) -> np.ndarray:
    """Mean-preserving smooth daily levels from twelve monthly means.

    Linear interpolation between knots at mid-month (periodic over the year);
    the knot values are solved (12 x 12 linear system) so that the mean over
    each month's days equals ``monthly`` exactly.

    Parameters
    ----------
    days : DatetimeIndex
        Every day of one year.
    monthly : array of 12 float
        Monthly mean levels (per-unit).
    """
    doy = days.day_of_year.to_numpy() - 0.5
    n_days = len(days)
    month = days.month.to_numpy()
    mids = np.array([doy[month == m].mean() for m in range(1, 13)])
    # Periodic hat functions: extend the knots by one on each side.
    xk = np.concatenate([[mids[-1] - n_days], mids, [mids[0] + n_days]])
    basis = np.empty((n_days, 12))
    for j in range(12):  # 12 basis functions, not a loop over hours
        yk = np.zeros(14)
        yk[j + 1] = 1.0
        if j == 0:
            yk[13] = 1.0
        if j == 11:
            yk[0] = 1.0
        basis[:, j] = np.interp(doy, xk, yk)
    onehot = (month[:, None] == np.arange(1, 13)[None, :]).astype(float)
    a = (onehot.T @ basis) / onehot.sum(axis=0)[:, None]
    knots = np.linalg.solve(a, np.asarray(monthly, dtype=float))
    return basis @ knots


# --------------------------------------------------------------------------
# Temperature
# --------------------------------------------------------------------------
def align_temperature(temperature: pd.Series, index: pd.DatetimeIndex,
                      file: str = "<input>") -> np.ndarray:
    """Hourly temperatures (°C) on ``index``, matched by month, day and local hour.

    A series with a DatetimeIndex of any year (e.g. a typical-year weather file)
    is matched on (month, day, hour) in Asia/Shanghai time; a missing 29 February
    takes 28 February. A series without a DatetimeIndex must have one value per
    hour of ``index``, in order.
    """
    n = len(index)
    if not isinstance(temperature, pd.Series):
        raise InputError(file, "temperature", f"got {type(temperature).__name__}",
                         "pass one column, e.g. weather['temp_air'], as a pandas Series")
    if isinstance(temperature.index, pd.DatetimeIndex):
        ti = temperature.index
        # China Standard Time is UTC+8; Asia/Shanghai itself had summer time in
        # 1986-1991, years that typical-year weather files often carry.
        ti = ti.tz_convert("Etc/GMT-8") if ti.tz is not None else ti
        key = ti.month * 10000 + ti.day * 100 + ti.hour
        if key.duplicated().any():
            raise InputError(file, "temperature", "hours repeat (more than one year given?)",
                             "pass one year of hourly temperatures")
        src = pd.Series(temperature.to_numpy(dtype=float), index=key)
        want = index.month * 10000 + index.day * 100 + index.hour
        values = src.reindex(want).to_numpy()
        feb29 = (index.month == 2) & (index.day == 29)
        fallback = src.reindex(want - feb29 * 100).to_numpy()  # 29 Feb -> 28 Feb
        values = np.where(np.isnan(values) & feb29, fallback, values)
    else:
        if len(temperature) != n:
            raise InputError(file, "temperature",
                             f"{len(temperature)} values for {n} hours",
                             "give one value per hour of the year or a DatetimeIndex")
        values = temperature.to_numpy(dtype=float)
    if np.isnan(values).any():
        raise InputError(file, "temperature", f"{int(np.isnan(values).sum())} hours missing",
                         "fill the gaps in the temperature series")
    if values.min() < TEMP_RANGE_C[0] or values.max() > TEMP_RANGE_C[1]:
        raise InputError(file, "temperature",
                         f"values from {values.min():.1f} to {values.max():.1f} °C",
                         "give air temperature in °C")
    return values


def degree_hours(temp_c: np.ndarray, cool_c: float, heat_c: float,
                 window_days: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Daily mean cooling and heating degree-hours (°C) of hourly temperatures.

    Parameters
    ----------
    temp_c : ndarray
        Hourly air temperature, °C, whole days.
    cool_c, heat_c : float
        Cooling and heating thresholds, °C.
    window_days : int
        Width (days, odd) of the centred moving average applied to the daily
        values; 1 for none (shortened at the ends of the year). It stands for
        the thermal inertia of buildings and for the fact that the response is
        identified on monthly means: a single hot day moves load less than a
        hot month does. Centred, so that it smooths without shifting the season.

    Returns
    -------
    (cdh, hdh) : tuple of ndarray
        One value per day: the (smoothed) mean over the day's 24 hours of
        ``max(T - cool_c, 0)`` and ``max(heat_c - T, 0)``, °C.
    """
    t = temp_c.reshape(-1, 24)
    cdh = np.clip(t - cool_c, 0, None).mean(axis=1)
    hdh = np.clip(heat_c - t, 0, None).mean(axis=1)
    if window_days > 1:
        roll = {"window": int(window_days), "center": True, "min_periods": 1}
        cdh = pd.Series(cdh).rolling(**roll).mean().to_numpy()
        hdh = pd.Series(hdh).rolling(**roll).mean().to_numpy()
    return cdh, hdh


# --------------------------------------------------------------------------
# Shape and exact fit
# --------------------------------------------------------------------------
def demand_shape(year: int = 2025, temperature: pd.Series | None = None,
                 region: str = "guangdong", params: dict | None = None) -> pd.Series:
    """Hourly demand shape before the exact fit (per-unit, mean about 1).

    Parameters
    ----------
    year : int
        Calendar year; must be covered by the Spring Festival table.
    temperature : pd.Series, optional
        Hourly air temperature, °C (see :func:`align_temperature`). Without it
        the calibrated monthly levels stand in for the climate.
    region : str
        Key of ``regions`` in the shape file.
    params : dict, optional
        Content of a shape file; by default ``weather/demand_shape.yaml``.

    Returns
    -------
    pd.Series
        Per-unit shape, hourly index in Asia/Shanghai local time.
    """
    file = "<input>" if params is not None else str(SHAPE_FILE)
    params = load_shape_params() if params is None else params
    reg = region_params(params, region, file)
    calendar = params["calendar"]
    cny = spring_festival_dates(calendar)
    if not isinstance(year, (int, np.integer)) or year not in set(cny.year):
        raise InputError(file, "year", f"no Spring Festival date for {year!r}",
                         f"use a year from {cny.year.min()} to {cny.year.max()}"
                         " or add its date to calendar.spring_festival.dates")
    index = hourly_index(int(year))
    days = index[::24]
    types = day_types(days, calendar["holidays"]["days"])

    if temperature is None:
        level = monthly_to_daily(days, reg["monthly"])
    else:
        tr = reg.get("temperature")
        if not tr:
            raise InputError(file, f"regions.{region}.temperature",
                             "no temperature response calibrated for this region",
                             "calibrate with a temperature series or pass temperature=None")
        temp = align_temperature(temperature, index)
        cdh, hdh = degree_hours(temp, tr["cooling_threshold_c"], tr["heating_threshold_c"],
                                tr.get("window_days", 1))
        level = (monthly_to_daily(days, tr["monthly_base"])
                 + tr["cooling_per_c"] * cdh + tr["heating_per_c"] * hdh)
        # A base far below the climate could in principle go negative: keep a floor.
        level = np.maximum(level, 0.05)

    wd = pd.Series(reg["day_type"]).reindex(types).to_numpy(dtype=float)
    sf = festival_factor(festival_offsets(days, cny), reg["spring_festival"])
    daily = level * wd * sf

    # Daily shape lookup: (season, class) -> 24 factors, gathered per day.
    shapes = np.array([[reg["daily_shape"][s][c] for c in DAY_CLASSES] for s in SEASONS])
    season_idx = pd.Series({m: SEASONS.index(s) for m, s in SEASON_OF_MONTH.items()}
                           ).reindex(days.month).to_numpy()
    class_idx = (day_classes(types) == "weekend").astype(int)
    hourly = daily[:, None] * shapes[season_idx, class_idx, :]
    return pd.Series(hourly.ravel(), index=index, name="demand_pu")


def fit_energy_and_peak(shape: pd.Series, annual_mwh: float, peak_mw: float,
                        file: str = "<input>") -> pd.Series:
    """Scale a positive shape so that its sum is ``annual_mwh`` and its max ``peak_mw``.

    ``p = peak_mw * (shape / max(shape)) ** k`` with ``k`` solved by root-finding
    (see the module docstring).

    Parameters
    ----------
    shape : pd.Series
        Hourly shape, any positive unit.
    annual_mwh : float
        Energy over the series, MWh (hourly steps, so sum of MW).
    peak_mw : float
        Maximum hourly demand, MW.

    Returns
    -------
    pd.Series
        Hourly demand, MW, same index; ``attrs["fit_exponent"]`` holds ``k``.
    """
    for field, value in (("annual_mwh", annual_mwh), ("peak_mw", peak_mw)):
        if not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value <= 0:
            raise InputError(file, field, f"must be a positive number, got {value!r}",
                             f"give {field} > 0")
    n = len(shape)
    lf = annual_mwh / (n * peak_mw)
    # A relative hair of slack, so that a load factor of exactly 0.3 or 0.95 is not lost to rounding.
    if not LOAD_FACTOR_MIN * (1 - 1e-12) <= lf <= LOAD_FACTOR_MAX * (1 + 1e-12):
        raise InputError(
            file, "annual_mwh",
            f"load factor annual_mwh / ({n} h x peak_mw) = {lf:.3f} is outside"
            f" [{LOAD_FACTOR_MIN}, {LOAD_FACTOR_MAX}]",
            f"check annual_mwh ({annual_mwh:g} MWh) against peak_mw ({peak_mw:g} MW);"
            " a city's load factor is about 0.5-0.8")
    s = shape.to_numpy(dtype=float)
    if not np.all(np.isfinite(s)) or s.min() <= 0:
        raise InputError(file, "shape", "demand shape must be finite and positive",
                         "check the shape parameters")
    log_x = np.log(s / s.max())  # <= 0, exactly 0 at the peak

    def excess(k: float) -> float:
        return float(np.exp(k * log_x).mean()) - lf

    # mean(x**k) falls from 1 (k -> 0) to the share of peak hours (k -> inf).
    k = brentq(excess, 1e-9, 1e4, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    mw = pd.Series(peak_mw * np.exp(k * log_x), index=shape.index, name="demand_mw")
    mw.attrs["fit_exponent"] = float(k)  # 1 = shape kept as is; far from 1 = bent hard
    return mw


def demand_profile(annual_mwh: float, peak_mw: float, year: int = 2025,
                   temperature: pd.Series | None = None, region: str = "guangdong",
                   params: dict | None = None) -> pd.Series:
    """Hourly demand of a node for one year, MW, meeting energy and peak exactly.

    Parameters
    ----------
    annual_mwh : float
        Annual energy, MWh (sum over the hours).
    peak_mw : float
        Annual peak hourly demand, MW.
    year : int
        Calendar year (2018-2040 in the shipped calendar).
    temperature : pd.Series, optional
        Hourly air temperature, °C, e.g. a weather file's ``temp_air``.
    region : str
        ``"guangdong"`` or ``"jiangxi"`` (keys of the shape file).
    params : dict, optional
        Already-loaded shape file content.

    Returns
    -------
    pd.Series
        Demand, MW; hourly index in Asia/Shanghai (8760 hours, 8784 in leap years).

    Raises
    ------
    InputError
        Unknown region, year out of the calendar, bad temperature series, or a
        load factor ``annual_mwh / (hours * peak_mw)`` outside [0.3, 0.95].
    """
    shape = demand_shape(year, temperature, region, params)
    return fit_energy_and_peak(shape, annual_mwh, peak_mw)


# --------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------
def _day_type_factors(d: pd.Series, types: np.ndarray, in_season: np.ndarray) -> dict:
    """Day-type factors from log-daily-load least squares with month dummies."""
    keep = ~in_season
    month = d.index.month.to_numpy()[keep]
    cols = [(month == m).astype(float) for m in range(1, 13)]
    cols += [(types[keep] == t).astype(float) for t in DAY_TYPES[1:]]
    x = np.column_stack(cols)
    coef, *_ = np.linalg.lstsq(x, np.log(d.to_numpy()[keep]), rcond=None)
    out = {"weekday": 1.0}
    out.update({t: float(np.exp(c)) for t, c in zip(DAY_TYPES[1:], coef[12:])})
    return out


def _fit_festival(offset: np.ndarray, level: np.ndarray) -> dict:
    """Fit the piecewise-linear Spring Festival dip to day-type-corrected daily levels.

    ``offset`` are days from CNY, ``level`` the corrected daily levels. The
    baseline is a straight line through the mean levels of the weeks before
    and after; the knots are searched on an integer grid, the depth is the
    closed-form least-squares slope for each knot set.
    """
    before = (offset >= SF_BASE_BEFORE[0]) & (offset <= SF_BASE_BEFORE[1])
    after = (offset >= SF_BASE_AFTER[0]) & (offset <= SF_BASE_AFTER[1])
    x0, y0 = offset[before].mean(), level[before].mean()
    x1, y1 = offset[after].mean(), level[after].mean()
    win = (offset >= SF_SEARCH[0]) & (offset <= SF_SEARCH[1])
    k = offset[win]
    ratio = level[win] / (y0 + (y1 - y0) * (k - x0) / (x1 - x0))
    gap = 1.0 - ratio

    lo, hi = SF_SEARCH
    grid = np.array([(a, b, c, e)
                     for a in range(lo, 0) for b in range(a + 1, 1)
                     for c in range(0, 11) for e in range(c + 1, hi + 1)], dtype=float)
    # g[i, j]: dip shape (0..1) of knot set i at day j; vectorised over all sets.
    kk = k[None, :]
    a, b, c, e = (grid[:, i:i + 1] for i in range(4))
    g = np.clip(np.minimum((kk - a) / (b - a), (e - kk) / (e - c)), 0.0, 1.0)
    g = np.where((kk >= b) & (kk <= c), 1.0, g)
    depth = np.clip((g * gap).sum(axis=1) / (g * g).sum(axis=1), 0.0, 0.95)
    sse = ((gap[None, :] - depth[:, None] * g) ** 2).sum(axis=1)
    best = int(np.argmin(sse))
    a, b, c, e = grid[best]
    return {"start": int(a), "floor_start": int(b), "floor_end": int(c), "end": int(e),
            "depth": round(float(depth[best]), 4)}


def _daily_shapes(y: pd.Series, types: np.ndarray, skip: np.ndarray) -> dict:
    """Mean hourly factors (24, mean 1) per season and day class."""
    mat = y.to_numpy().reshape(-1, 24)
    ratio = mat / mat.mean(axis=1, keepdims=True)
    days = y.index[::24]
    season = pd.Series(SEASON_OF_MONTH).reindex(days.month).to_numpy()
    cls = day_classes(types)
    out: dict[str, dict[str, list[float]]] = {}
    for s in SEASONS:  # 4 x 2 groups, each a vectorised mean
        out[s] = {}
        for c in DAY_CLASSES:
            sel = (season == s) & (cls == c) & ~skip
            prof = ratio[sel].mean(axis=0)
            out[s][c] = [round(float(v), 4) for v in prof / prof.mean()]
    return out


def _temperature_response(monthly: np.ndarray, index: pd.DatetimeIndex,
                          temp: np.ndarray, window_days: int) -> dict:
    """Regress monthly levels on monthly mean CDH and HDH (non-negative slopes).

    Thresholds are chosen on a 1 °C grid by least squared residual.
    """
    month = index[::24].month.to_numpy()
    best = None
    for cool in COOL_GRID_C:  # a small grid of thresholds, each one regression
        for heat in HEAT_GRID_C:
            cdh, hdh = degree_hours(temp, cool, heat, window_days)
            mc = pd.Series(cdh).groupby(month).mean().to_numpy()
            mh = pd.Series(hdh).groupby(month).mean().to_numpy()
            x = np.column_stack([np.ones(12), mc, mh])
            res = lsq_linear(x, monthly, bounds=([-np.inf, 0, 0], [np.inf, np.inf, np.inf]))
            sse = float(((x @ res.x - monthly) ** 2).sum())
            if best is None or sse < best[0] - 1e-12:
                best = (sse, cool, heat, res.x, mc, mh)
    sse, cool, heat, coef, mc, mh = best
    base = monthly - coef[1] * mc - coef[2] * mh
    r2 = 1.0 - sse / float(((monthly - monthly.mean()) ** 2).sum())
    return {"cooling_threshold_c": float(cool), "heating_threshold_c": float(heat),
            "window_days": int(window_days),
            "cooling_per_c": round(float(coef[1]), 5), "heating_per_c": round(float(coef[2]), 5),
            "monthly_base": [round(float(v), 5) for v in base],
            "monthly_r2": round(r2, 4)}


def calibrate_shape(load: pd.Series, temperature: pd.Series | None = None,
                    calendar: dict | None = None) -> dict:
    """Fit the shape parameters of one region from a real hourly load series.

    Parameters
    ----------
    load : pd.Series
        Hourly load, MW (any unit), one whole calendar year, DatetimeIndex in
        local time (naive is read as Asia/Shanghai).
    temperature : pd.Series, optional
        Hourly air temperature, °C, for the temperature response (matched by
        month, day and hour, so a typical year will do, approximately).
    calendar : dict, optional
        ``calendar`` section of a shape file (CNY dates, holidays); by default
        that of ``weather/demand_shape.yaml``.

    Returns
    -------
    dict
        ``monthly``, ``day_type``, ``spring_festival``, ``daily_shape`` and, with
        a temperature series, ``temperature`` (with ``monthly_r2``, the share of
        the monthly-level variance the degree-hours explain).
    """
    if not isinstance(load.index, pd.DatetimeIndex):
        raise InputError("<input>", "load", "needs an hourly DatetimeIndex",
                         "index the load by local time")
    calendar = load_shape_params()["calendar"] if calendar is None else calendar
    year = int(load.index[0].year)
    index = hourly_index(year)
    if len(load) != len(index):
        raise InputError("<input>", "load", f"{len(load)} hours, expected {len(index)}",
                         "give one whole calendar year of hourly load")
    # Work in per-unit of the annual mean on the canonical local index.
    y = pd.Series(load.to_numpy(dtype=float) / float(load.mean()), index=index)
    days = index[::24]
    d = pd.Series(y.to_numpy().reshape(-1, 24).mean(axis=1), index=days)
    types = day_types(days, calendar["holidays"]["days"])
    offset = festival_offsets(days, spring_festival_dates(calendar))

    w = _day_type_factors(d, types, np.abs(offset) <= SF_SEASON_HALF_WIDTH)
    wd = pd.Series(w).reindex(types).to_numpy(dtype=float)
    level = d.to_numpy() / wd
    sf = _fit_festival(offset, level)
    f = festival_factor(offset, sf)
    monthly = pd.Series(level / f).groupby(days.month).mean().to_numpy()
    in_dip = (offset >= sf["start"]) & (offset <= sf["end"])
    shapes = _daily_shapes(y, types, in_dip)

    out: dict[str, Any] = {
        "monthly": [round(float(v), 5) for v in monthly],
        "day_type": {k: round(v, 4) for k, v in w.items()},
        "spring_festival": sf,
        "daily_shape": shapes,
    }
    if temperature is not None:
        out["temperature"] = _fit_temperature(out, y, temperature, calendar)
    return out


def _fit_temperature(region: dict, y: pd.Series, temperature: pd.Series,
                     calendar: dict) -> dict:
    """Temperature response whose shape has the load factor of the real series.

    For each smoothing window the thresholds and slopes are fitted on the
    monthly levels; the window kept is the one whose modelled shape (driven by
    the calibration temperature) has the load factor nearest to the real one,
    so that day-to-day temperature swings move load as much as they did.
    """
    index = y.index
    temp = align_temperature(temperature, index)
    monthly = np.asarray(region["monthly"], dtype=float)
    real_lf = float(y.mean() / y.max())
    best = None
    for window in WINDOW_GRID_DAYS:  # eight candidate windows, each a full shape
        tr = _temperature_response(monthly, index, temp, window)
        trial = {"calendar": calendar, "regions": {"r": {**region, "temperature": tr}}}
        shape = demand_shape(int(index[0].year), temperature, "r", trial)
        gap = abs(float(shape.mean() / shape.max()) - real_lf)
        if best is None or gap < best[0] - 1e-9:
            best = (gap, tr)
    return best[1]


def read_provincial_load(csv: str | Path, column: str, year: int = 2018) -> pd.Series:
    """One column of the PyPSA-China-PIK provincial hourly demand file, MW.

    Row 1 is the first hour of ``year``; the index is local time.
    """
    df = pd.read_csv(csv, encoding="utf-8-sig", usecols=[column])
    idx = hourly_index(year)
    if len(df) != len(idx):
        raise InputError(str(csv), column, f"{len(df)} rows, expected {len(idx)}",
                         "use the 8760-row provincial demand file")
    return pd.Series(df[column].to_numpy(dtype=float), index=idx, name=column)


# Where the shipped shapes come from; `calibrate` re-derives them.
SOURCES = {
    "guangdong": {"column": "GD", "epw": "CHN_Guangdong.Guangzhou.592870_CSWD.epw"},
    "jiangxi": {"column": "JX", "epw": "CHN_Jiangxi.Ganzhou.579930_CSWD.epw"},
}
LOAD_CSV = "Hourly_demand_of_31_province_China_modified_V2.1.csv"


def calibrate_regions(shared: str | Path, calendar: dict) -> dict:
    """Calibrate every region in :data:`SOURCES` from ``shared/`` (load and weather files)."""
    import pvlib  # only needed here, to read the EPW calibration temperatures

    shared = Path(shared)
    out = {}
    for region, src in SOURCES.items():
        load = read_provincial_load(shared / "load-sources" / LOAD_CSV, src["column"])
        epw, _ = pvlib.iotools.read_epw(shared / "weather-sources" / src["epw"], coerce_year=2018)
        params = calibrate_shape(load, epw["temp_air"], calendar)
        params["source"] = (
            f"Derived by gridplan.weather.demand.calibrate_shape from {LOAD_CSV},"
            f" column {src['column']}, year 2018 (8760 hourly values, MW; from the public"
            " repository pik-piam/PyPSA-China-PIK, resources/data/load/, commit 25c83bfb)."
            f" Temperature response fitted against the typical-year temperatures of"
            f" {src['epw']} (CSWD), not 2018 weather: approximate.")
        out[region] = params
    return out


def main(argv: list[str] | None = None) -> None:
    """``python -m gridplan.weather.demand calibrate [--shared DIR]``: rewrite the regions."""
    parser = argparse.ArgumentParser(prog="python -m gridplan.weather.demand")
    parser.add_argument("command", choices=["calibrate"])
    default_shared = os.environ.get("GRIDPLAN_SHARED",
                                    str(Path(__file__).resolve().parents[3] / "shared"))
    parser.add_argument("--shared", default=default_shared)
    parser.add_argument("--out", default=str(SHAPE_FILE))
    args = parser.parse_args(argv)
    out = Path(args.out)
    text = out.read_text(encoding="utf-8")
    params = safe_load(text)
    params["regions"] = calibrate_regions(args.shared, params["calendar"])
    # Keep the hand-written header (calendar and its sources) and replace the rest.
    head = text.split("\nregions:")[0].rstrip() + "\n"
    body = yaml.safe_dump({"regions": params["regions"]}, sort_keys=False,
                          default_flow_style=None, width=100, allow_unicode=True)
    out.write_text(head + "\n" + body, encoding="utf-8")


if __name__ == "__main__":
    main()
