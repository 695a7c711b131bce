"""Hourly wind capacity factors from station wind speeds.

Chain: station wind at ~10 m -> (offshore: coastal-to-sea speed-up) ->
station-exposure factor -> hub height (power law) -> air-density
normalisation -> smoothed generic power curve -> wake and availability
losses. All parameters and their sources are in ``weather/technology.yaml``
and can be overridden by keyword.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridplan.errors import InputError
from gridplan.weather.cities import data_dir, load_yaml

#: Capacity factors below this are set to 0 (HiGHS drops tiny coefficients).
CF_FLOOR = 1e-6
#: Speed grid of tabulated power curves, m/s.
SPEED_GRID = np.round(np.arange(0.0, 40.0001, 0.1), 1)


def wind_parameters(kind: str = "onshore") -> dict:
    """Parameter values of a wind preset from ``weather/technology.yaml``.

    Parameters
    ----------
    kind : {"onshore", "offshore"}

    Returns
    -------
    dict
        ``rated_mw`` (MW), ``rotor_diameter_m``, ``hub_height_m`` (m),
        ``power_coefficient``, ``cut_in_ms``, ``cut_out_ms`` (m/s),
        ``shear_exponent``, ``speed_factor``, ``offshore_factor`` (offshore
        only, else 1), ``wake_loss``, ``availability`` (fractions),
        ``smoothing_offset_ms``, ``smoothing_slope``, ``air_density_ref_kg_m3``,
        ``published_full_load_hours`` (h, [low, high]).
    """
    w = load_yaml("technology.yaml")["wind"]
    if kind not in ("onshore", "offshore"):
        raise InputError(str(data_dir() / "technology.yaml"), "wind", f"unknown wind kind {kind!r}",
                         "use onshore or offshore")
    out = {k: v["value"] for k, v in w[kind].items() if isinstance(v, dict) and "value" in v}
    out.setdefault("offshore_factor", 1.0)
    out["smoothing_offset_ms"] = w["smoothing_sigma"]["value"]["offset_ms"]
    out["smoothing_slope"] = w["smoothing_sigma"]["value"]["slope"]
    out["air_density_ref_kg_m3"] = w["air_density_ref_kg_m3"]["value"]
    return out


def power_law(speed, height_from_m: float, height_to_m: float, shear_exponent: float):
    """Extrapolate wind speed with the power law ``v2 = v1 (h2/h1)^alpha``.

    Parameters
    ----------
    speed : array-like
        Wind speed at ``height_from_m``, m/s.
    height_from_m, height_to_m : float
        Heights above ground, m.
    shear_exponent : float
        alpha (about 0.14 open land, 0.2-0.3 rough land, 0.11 open sea).

    Returns
    -------
    array-like
        Wind speed at ``height_to_m``, m/s.
    """
    return speed * (height_to_m / height_from_m) ** shear_exponent


def log_law(speed, height_from_m: float, height_to_m: float, roughness_m: float):
    """Extrapolate wind speed with the neutral log law ``v ~ ln(h / z0)``.

    Parameters
    ----------
    speed : array-like
        Wind speed at ``height_from_m``, m/s.
    height_from_m, height_to_m : float
        Heights above ground, m.
    roughness_m : float
        Roughness length z0, m (0.0002 open sea, 0.03 open grass, 0.5-1 forest/town).

    Returns
    -------
    array-like
        Wind speed at ``height_to_m``, m/s.
    """
    return speed * np.log(height_to_m / roughness_m) / np.log(height_from_m / roughness_m)


def generic_power_curve(speed, rated_mw: float, rotor_diameter_m: float, power_coefficient: float,
                        cut_in_ms: float, cut_out_ms: float, air_density_kg_m3: float = 1.225):
    """Power per unit of rated power of an ideal constant-Cp rotor.

    ``P = min(P_rated, 0.5 rho A Cp v^3)`` between cut-in and cut-out, else 0
    (the synthetic-curve construction of Ryberg et al. 2019, Energy 182:1222).

    Parameters
    ----------
    speed : array-like
        Hub-height wind speed, m/s.
    rated_mw : float
        Rated power, MW.
    rotor_diameter_m : float
        Rotor diameter, m.
    power_coefficient : float
        Cp below rated power (0.4-0.5).
    cut_in_ms, cut_out_ms : float
        m/s.
    air_density_kg_m3 : float
        kg/m3.

    Returns
    -------
    numpy.ndarray
        Output in [0, 1] (fraction of rated power).
    """
    v = np.asarray(speed, dtype=float)
    area = np.pi * (rotor_diameter_m / 2.0) ** 2
    p = 0.5 * air_density_kg_m3 * area * power_coefficient * v**3 / (rated_mw * 1e6)
    p = np.minimum(p, 1.0)
    return np.where((v >= cut_in_ms) & (v < cut_out_ms), p, 0.0)


def rated_speed(rated_mw: float, rotor_diameter_m: float, power_coefficient: float,
                air_density_kg_m3: float = 1.225) -> float:
    """Speed (m/s) at which :func:`generic_power_curve` reaches rated power."""
    area = np.pi * (rotor_diameter_m / 2.0) ** 2
    return float((2.0 * rated_mw * 1e6 / (air_density_kg_m3 * area * power_coefficient)) ** (1.0 / 3.0))


def smooth_power_curve(speeds, power, offset_ms: float = 0.6, slope: float = 0.2):
    """Multi-turbine power curve: convolve with a Gaussian speed spread.

    Each point becomes the mean of the curve over speeds ~ N(v, sigma^2),
    ``sigma = offset + slope * v`` (Norgaard & Holttinen 2004; parameters of
    Staffell & Pfenninger 2016). Speeds below 0 carry no power.

    Parameters
    ----------
    speeds : array-like
        Regular speed grid, m/s (e.g. :data:`SPEED_GRID`).
    power : array-like
        Power curve on that grid (fraction of rated).
    offset_ms, slope : float
        Gaussian spread parameters (m/s, dimensionless).

    Returns
    -------
    numpy.ndarray
        Smoothed curve on the same grid.
    """
    v = np.asarray(speeds, dtype=float)
    p = np.asarray(power, dtype=float)
    sigma = offset_ms + slope * v
    # weights[i, j] = density of grid speed v_j around centre v_i
    w = np.exp(-0.5 * ((v[None, :] - v[:, None]) / sigma[:, None]) ** 2)
    w /= w.sum(axis=1, keepdims=True)
    return w @ p


def air_density(temp_air_c, altitude_m: float = 0.0):
    """Air density (kg/m3) from temperature and altitude.

    Ideal gas with the standard-atmosphere pressure at ``altitude_m``
    (``pvlib.atmosphere.alt2pres``) and dry air (R = 287.05 J/kg/K).
    """
    import pvlib

    pressure = pvlib.atmosphere.alt2pres(altitude_m)
    return pressure / (287.05 * (np.asarray(temp_air_c, dtype=float) + 273.15))


def hub_speed(weather: pd.DataFrame, kind: str = "onshore", **overrides) -> pd.Series:
    """Hub-height wind speed (m/s) at a wind farm, from a station record.

    ``v_hub = v_10 * offshore_factor * speed_factor * (hub/10)^alpha``, then
    normalised to the reference air density, ``* (rho/rho_ref)^(1/3)``.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table (``wind_speed`` at 10 m in m/s, ``temp_air`` in °C).
    kind : {"onshore", "offshore"}
    **overrides
        Any key of :func:`wind_parameters`.

    Returns
    -------
    pandas.Series
        Equivalent hub-height speed at reference density, m/s.
    """
    p = _params(kind, overrides)
    v10 = weather["wind_speed"].to_numpy(dtype=float) * p["offshore_factor"] * p["speed_factor"]
    v = power_law(v10, 10.0, p["hub_height_m"], p["shear_exponent"])
    alt = weather.attrs.get("altitude_m", 0.0)
    alt = 0.0 if alt is None or not np.isfinite(alt) else float(alt)
    rho = air_density(weather["temp_air"].to_numpy(), alt if kind == "onshore" else 0.0)
    v = v * (rho / p["air_density_ref_kg_m3"]) ** (1.0 / 3.0)
    return pd.Series(v, index=weather.index, name=f"v_hub_{kind}")


def _params(kind: str, overrides: dict) -> dict:
    p = wind_parameters(kind)
    unknown = set(overrides) - set(p)
    if unknown:
        raise TypeError(f"unknown wind parameter(s): {', '.join(sorted(unknown))}")
    p.update(overrides)
    return p


def farm_power_curve(kind: str = "onshore", **overrides) -> pd.Series:
    """Smoothed, loss-free farm power curve on :data:`SPEED_GRID`.

    Returns
    -------
    pandas.Series
        Fraction of rated power indexed by hub-height speed (m/s).
    """
    p = _params(kind, overrides)
    raw = generic_power_curve(SPEED_GRID, p["rated_mw"], p["rotor_diameter_m"], p["power_coefficient"],
                              p["cut_in_ms"], p["cut_out_ms"], p["air_density_ref_kg_m3"])
    smooth = smooth_power_curve(SPEED_GRID, raw, p["smoothing_offset_ms"], p["smoothing_slope"])
    return pd.Series(smooth, index=pd.Index(SPEED_GRID, name="speed_ms"), name=f"power_{kind}")


def wind_capacity_factor(weather: pd.DataFrame, kind: str = "onshore", **overrides) -> pd.Series:
    """Hourly wind-farm output per MW of installed capacity.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table (``wind_speed`` m/s at ~10 m, ``temp_air`` °C).
    kind : {"onshore", "offshore"}
        Preset from ``weather/technology.yaml``.
    **overrides
        Any key of :func:`wind_parameters` (e.g. ``hub_height_m=160``,
        ``speed_factor=1.2``, ``wake_loss=0.08``).

    Returns
    -------
    pandas.Series
        Capacity factor in [0, 1], named ``wind_<kind>``; values below 1e-6 are 0.
    """
    p = _params(kind, overrides)
    v = hub_speed(weather, kind, **overrides).to_numpy()
    curve = farm_power_curve(kind, **overrides)
    cf = np.interp(v, curve.index.to_numpy(), curve.to_numpy(), right=0.0)
    cf = cf * (1.0 - p["wake_loss"]) * p["availability"]
    cf = np.clip(cf, 0.0, 1.0)
    cf[cf < CF_FLOOR] = 0.0
    return pd.Series(cf, index=weather.index, name=f"wind_{kind}")
