"""Hourly PV capacity factors from weather, with pvlib.

The chain is pvlib's PVWatts: solar position -> plane-of-array irradiance
(Perez transposition) -> incidence-angle loss on the beam (pvlib physical
IAM) -> SAPM cell temperature -> PVWatts DC power with a temperature
coefficient -> PVWatts system losses -> PVWatts inverter with the inverter
loading ratio (DC/AC) clipping. Parameters (and their sources) live in
``weather/technology.yaml``; any of them can be overridden by keyword.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

from gridplan.errors import InputError
from gridplan.weather.cities import data_dir, load_yaml

#: Capacity factors below this are set to 0: HiGHS drops tiny coefficients
#: anyway, and exact zeros keep the model sparse.
CF_FLOOR = 1e-6


def pv_parameters(system: str = "utility") -> dict:
    """Parameter values of a PV preset from ``weather/technology.yaml``.

    Parameters
    ----------
    system : {"utility", "rooftop"}
        Preset name.

    Returns
    -------
    dict
        Plain values (sources stripped): ``tilt_rule``, ``tilt_deg`` (for a
        fixed rule), ``tilt_coefficients``, ``azimuth_deg``, ``dc_ac_ratio``,
        ``losses_percent`` (dict of PVWatts loss categories), ``gamma_pdc_per_c``
        (1/°C), ``temperature_model``, ``albedo``, ``eta_inv_nom``,
        ``transposition_model``.
    """
    presets = load_yaml("technology.yaml")["pv"]
    if system not in presets:
        raise InputError(str(data_dir() / "technology.yaml"), "pv", f"unknown PV system {system!r}",
                         f"use one of {', '.join(presets)}")
    p = presets[system]
    out = {k: v["value"] for k, v in p.items() if isinstance(v, dict) and "value" in v}
    out["tilt_deg"] = p["tilt_rule"].get("tilt_deg")
    out["tilt_coefficients"] = p["tilt_rule"].get("coefficients")
    return out


def optimal_tilt(latitude: float, coefficients=(1.3793, 1.2011, -0.014404, 0.000080509)) -> float:
    """Energy-optimal fixed tilt for a northern-hemisphere site.

    Jacobson & Jadhav (2018), Solar Energy 169:55, polynomial fit
    ``tilt = c0 + lat (c1 + lat (c2 + lat c3))``.

    Parameters
    ----------
    latitude : float
        Degrees north (0-90).
    coefficients : sequence of 4 floats
        Polynomial coefficients.

    Returns
    -------
    float
        Tilt from horizontal, degrees.
    """
    c0, c1, c2, c3 = coefficients
    lat = abs(latitude)
    return float(c0 + lat * (c1 + lat * (c2 + lat * c3)))


def sun_at_mid_hour(index: pd.DatetimeIndex, latitude: float, longitude: float) -> pd.DataFrame:
    """Solar position (pvlib's, degrees) at the middle of each hour-beginning stamp of ``index``.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Hour-beginning stamps of hourly means, time-zone aware.
    latitude, longitude : float
        Degrees north / east.

    Returns
    -------
    pandas.DataFrame
        ``apparent_zenith``, ``azimuth`` and pvlib's other columns, on the mid-hour stamps.
    """
    return pvlib.solarposition.get_solarposition(index + pd.Timedelta(minutes=30), latitude, longitude)


def pv_capacity_factor(weather: pd.DataFrame, latitude: float, longitude: float,
                       system: str = "utility", sun: pd.DataFrame | None = None, **overrides) -> pd.Series:
    """Hourly AC output per MW of inverter (AC) capacity.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table: ``ghi, dni, dhi`` (W/m2), ``temp_air`` (°C),
        ``wind_speed`` (m/s), hour-beginning stamps (sun at stamp + 30 min).
    latitude, longitude : float
        Degrees north / east.
    system : {"utility", "rooftop"}
        Parameter preset from ``weather/technology.yaml``.
    sun : pandas.DataFrame, optional
        :func:`sun_at_mid_hour` of ``weather.index`` at this site, when
        already computed (it is the slowest step; several systems share it).
    **overrides
        Any key of :func:`pv_parameters` (e.g. ``tilt_deg=15``,
        ``dc_ac_ratio=1.4``, ``losses_percent={...}``).

    Returns
    -------
    pandas.Series
        Capacity factor in [0, 1] (MW AC per MW AC), named ``pv_<system>``;
        values below 1e-6 are 0.
    """
    p = pv_parameters(system)
    unknown = set(overrides) - set(p)
    if unknown:
        raise TypeError(f"unknown PV parameter(s): {', '.join(sorted(unknown))}")
    p.update(overrides)
    if overrides.get("tilt_deg") is not None:
        tilt = float(overrides["tilt_deg"])
    elif p["tilt_rule"] == "fixed":
        tilt = float(p["tilt_deg"])
    else:
        tilt = optimal_tilt(latitude, p["tilt_coefficients"])

    sp = sun_at_mid_hour(weather.index, latitude, longitude) if sun is None else sun  # hourly means: sun at mid-hour
    dni_extra = pvlib.irradiance.get_extra_radiation(sp.index)
    airmass = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"].to_numpy())
    ghi, dni, dhi = (weather[c].to_numpy() for c in ("ghi", "dni", "dhi"))
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, p["azimuth_deg"], sp["apparent_zenith"].to_numpy(), sp["azimuth"].to_numpy(),
        dni, ghi, dhi, dni_extra=dni_extra.to_numpy(), airmass=airmass,
        albedo=p["albedo"], model=p["transposition_model"])
    aoi = pvlib.irradiance.aoi(tilt, p["azimuth_deg"], sp["apparent_zenith"].to_numpy(), sp["azimuth"].to_numpy())
    iam = pvlib.iam.physical(aoi)
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
    poa_direct = np.nan_to_num(np.asarray(poa["poa_direct"], dtype=float))
    effective = np.clip(poa_global - poa_direct * (1.0 - np.nan_to_num(iam)), 0.0, None)
    tparams = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][p["temperature_model"]]
    t_cell = pvlib.temperature.sapm_cell(poa_global, weather["temp_air"].to_numpy(),
                                         weather["wind_speed"].to_numpy(), **tparams)
    # Per MW AC: the array is dc_ac_ratio MW DC; the inverter's DC input limit
    # is 1/eta so that its AC limit (eta_inv_nom x pdc0) is exactly 1 MW.
    pdc = pvlib.pvsystem.pvwatts_dc(effective, t_cell, p["dc_ac_ratio"], p["gamma_pdc_per_c"])
    pdc = np.asarray(pdc) * (1.0 - pvlib.pvsystem.pvwatts_losses(**p["losses_percent"]) / 100.0)
    pac = pvlib.inverter.pvwatts(pdc, 1.0 / p["eta_inv_nom"], eta_inv_nom=p["eta_inv_nom"])
    cf = np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, 1.0)
    cf[cf < CF_FLOOR] = 0.0
    return pd.Series(cf, index=weather.index, name=f"pv_{system}")


def full_load_hours(cf: pd.Series) -> float:
    """Annual full-load hours (h) of an hourly capacity-factor series."""
    return float(np.asarray(cf, dtype=float).sum())
