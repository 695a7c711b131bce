"""Stochastic typical-year weather from monthly statistics (Meteonorm-style).

gridplan cannot ship the station EPW files it was calibrated on (their host
repositories carry no licence), so it ships weather that its own code makes
from a handful of monthly figures per city (``weather/monthly_stats.yaml``).
The figures are computed from the reference station EPW by
:func:`monthly_statistics`, so anyone with the EPW can reproduce them.

The generator (:func:`generate_typical_year`) follows the classic chain used by
Meteonorm (Remund et al., Meteonorm Handbook part II, 2020):

1. **Daily clearness index** ``Kt`` (daily GHI / daily extraterrestrial
   horizontal irradiation): a Beta distribution per month with the station's
   mean and spread, drawn through a Gaussian copula whose latent variable is
   an AR(1) process from day to day (Aguiar, Collares-Pereira & Conde 1988,
   Solar Energy 40:269, "Markov transition matrices" -> persistence).
2. **Hourly clearness index** ``kt``: the TAG model (Aguiar & Collares-Pereira
   1992, Solar Energy 49:167): a mean daily shape that depends on ``Kt`` and
   the solar elevation plus an AR(1) deviation within the day; scaled so each
   day sums to its ``Kt`` and capped at 1.1 x pvlib's Ineichen clear sky
   (Linke turbidity from pvlib's climatology).
   Within each solar-elevation band the hours are then quantile-mapped onto
   the station's hourly kt distribution (ranks, hence persistence, are kept).
3. ``GHI = kt x extraterrestrial horizontal``; each month is scaled to the
   station's monthly GHI; DNI and DHI from pvlib's Erbs decomposition.
4. **Temperature**: monthly means interpolated through the year, a daily
   anomaly (AR(1), correlated with cloudiness), and a daily cycle peaking
   mid-afternoon whose range grows on clear days.
5. **Wind speed** (about 10 m): a latent Gaussian sum of a slow (synoptic)
   and a fast AR(1) process, mapped to the month's hybrid Weibull
   distribution (calm fraction + Weibull, Takle & Brown 1978, J. Appl.
   Meteor. 17:556) by a probability transform, times the month's mean daily profile, scaled to
   the monthly mean.

Everything is seeded (numpy PCG64); the same stats, seed and code give the
same file byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from scipy import optimize, stats

from gridplan.weather.readers import COLUMNS, TZ, YEAR, standard_index

#: Version of the generator; written into each shipped file's header.
GENERATOR_VERSION = "gridplan-synth 2"
#: Hours with the sun below this elevation (at mid-hour) are not "daylight"
#: for clearness-index statistics: kt is meaningless near the horizon.
MIN_ELEVATION_DEG = 5.0
#: Cap on hourly GHI relative to clear-sky GHI; > 1 because broken clouds
#: briefly enhance irradiance above clear sky (cloud enhancement).
CLEARSKY_CAP = 1.1


# ---------------------------------------------------------------------------
# Solar geometry and clearness indices (shared by statistics and generator)
# ---------------------------------------------------------------------------

def solar_geometry(index: pd.DatetimeIndex, latitude: float, longitude: float,
                   altitude_m: float = 0.0) -> pd.DataFrame:
    """Sun position, extraterrestrial and clear-sky irradiance per hourly row.

    Rows are hourly means over the hour starting at the stamp, so the sun is
    placed at stamp + 30 min.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Hourly, tz-aware, hour-beginning stamps.
    latitude, longitude : float
        Degrees north / east.
    altitude_m : float
        Site altitude, m (clear-sky model only).

    Returns
    -------
    pandas.DataFrame
        ``zenith``, ``elevation`` (degrees, apparent), ``dni_extra`` and
        ``ghi_extra`` (extraterrestrial normal / horizontal, W/m2),
        ``ghi_clear`` (Ineichen clear-sky GHI, W/m2); same index as input.
    """
    mid = index + pd.Timedelta(minutes=30)
    loc = pvlib.location.Location(latitude, longitude, tz=str(index.tz), altitude=altitude_m)
    sp = loc.get_solarposition(mid)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid)
    cosz = np.cos(np.radians(sp["zenith"].to_numpy()))
    ghi_extra = np.clip(dni_extra.to_numpy() * cosz, 0.0, None)
    cs = loc.get_clearsky(mid, model="ineichen", solar_position=sp, dni_extra=dni_extra)
    out = pd.DataFrame(
        {
            "zenith": sp["apparent_zenith"].to_numpy(),
            "elevation": sp["apparent_elevation"].to_numpy(),
            "dni_extra": dni_extra.to_numpy(),
            "ghi_extra": ghi_extra,
            "ghi_clear": cs["ghi"].to_numpy(),
        },
        index=index,
    )
    return out


def hourly_clearness_index(ghi: pd.Series, geom: pd.DataFrame) -> pd.Series:
    """Hourly clearness index ``kt = GHI / extraterrestrial horizontal``.

    Parameters
    ----------
    ghi : pandas.Series
        Hourly GHI, W/m2.
    geom : pandas.DataFrame
        Output of :func:`solar_geometry` for the same index.

    Returns
    -------
    pandas.Series
        kt (dimensionless), NaN when the sun is below
        :data:`MIN_ELEVATION_DEG` at mid-hour.
    """
    day = geom["elevation"].to_numpy() > MIN_ELEVATION_DEG
    kt = np.full(len(ghi), np.nan)
    kt[day] = ghi.to_numpy()[day] / geom["ghi_extra"].to_numpy()[day]
    return pd.Series(kt, index=ghi.index, name="kt")


def daily_clearness_index(ghi: pd.Series, geom: pd.DataFrame) -> pd.Series:
    """Daily clearness index ``Kt`` = daily GHI / daily extraterrestrial horizontal.

    Returns
    -------
    pandas.Series
        One value per local calendar day.
    """
    g = ghi.groupby(ghi.index.date).sum()
    h0 = geom["ghi_extra"].groupby(geom.index.date).sum()
    return (g / h0).rename("Kt")


def tag_mean_kt(Kt: np.ndarray, elevation_deg: np.ndarray) -> np.ndarray:
    """Mean hourly clearness index of the TAG model.

    ``kt_m = lambda + eps * exp(-kappa / sin(elevation))`` with
    ``lambda = -0.19 + 1.12 Kt + 0.24 exp(-8 Kt)``,
    ``eps = 0.32 - 1.6 (Kt - 0.5)^2``,
    ``kappa = 0.19 + 2.27 Kt^2 - 2.51 Kt^3``
    (Aguiar & Collares-Pereira 1992, Solar Energy 49:167).

    Parameters
    ----------
    Kt : array
        Daily clearness index of the day of each hour.
    elevation_deg : array
        Solar elevation at mid-hour, degrees (> 0).

    Returns
    -------
    numpy.ndarray
        Expected hourly kt.
    """
    Kt = np.asarray(Kt, dtype=float)
    s = np.sin(np.radians(np.clip(elevation_deg, 0.5, 90.0)))
    lam = -0.19 + 1.12 * Kt + 0.24 * np.exp(-8.0 * Kt)
    eps = 0.32 - 1.6 * (Kt - 0.5) ** 2
    kap = 0.19 + 2.27 * Kt**2 - 2.51 * Kt**3
    return lam + eps * np.exp(-kap / s)


def tag_sigma(Kt: np.ndarray) -> np.ndarray:
    """Standard deviation of the TAG hourly deviation, ``0.32 exp(-50 (Kt-0.4)^2) + 0.002``.

    Largest on half-cloudy days, small on overcast and clear days
    (Aguiar & Collares-Pereira 1992).
    """
    Kt = np.asarray(Kt, dtype=float)
    return 0.32 * np.exp(-50.0 * (Kt - 0.4) ** 2) + 0.002


def first_harmonic(profile: np.ndarray) -> tuple[float, float]:
    """Relative amplitude and peak hour of a 24-value daily profile.

    Least-squares fit of ``mean * (1 + a cos(2 pi (h - h_peak) / 24))``.

    Returns
    -------
    tuple of float
        ``(a, h_peak)``; ``a`` dimensionless, ``h_peak`` in hours [0, 24).
    """
    p = np.asarray(profile, dtype=float)
    h = np.arange(24)
    c1 = np.sum(p * np.exp(-2j * np.pi * h / 24.0))
    mean = p.mean()
    amp = 2.0 * abs(c1) / 24.0 / mean if mean > 0 else 0.0
    peak = (-np.angle(c1) * 24.0 / (2.0 * np.pi)) % 24.0
    return float(amp), float(peak)


def _acf(x: np.ndarray, lag: int) -> float:
    """Autocorrelation at one lag, ignoring NaN pairs."""
    a, b = x[:-lag], x[lag:]
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _normal_scores(x: np.ndarray) -> np.ndarray:
    """Map values to standard-normal scores through their ranks (ties averaged)."""
    r = stats.rankdata(x)
    return stats.norm.ppf((r - 0.5) / len(x))


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Unit-variance stationary AR(1) series of length ``n``."""
    e = rng.standard_normal(n)
    z = np.empty(n)
    z[0] = e[0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, n):
        z[i] = phi * z[i - 1] + s * e[i]
    return z


# ---------------------------------------------------------------------------
# Statistics from a real station year
# ---------------------------------------------------------------------------

#: Wind speeds below this (m/s) count as calm; CSWD records whole m/s, so a
#: recorded 0 means below 0.5 m/s.
CALM_MS = 0.5
#: Probabilities at which the station's daylight hourly kt distribution is stored.
KT_PROBS = np.array([0.0, 0.01, 0.02, 0.05] + [round(0.1 * i, 1) for i in range(1, 10)] + [0.95, 0.98, 0.99, 1.0])
#: Solar-elevation bands (degrees) with separate kt distributions: kt depends
#: on air mass (TAG's mean shape does too), and mapping per band keeps low-sun
#: quirks of a station file at low sun.
KT_BANDS = [(5.0, 15.0), (15.0, 30.0), (30.0, 90.0)]
#: Simulated years averaged when calibrating the wind persistence.
_CALIBRATION_YEARS = 8
#: Lags (hours) used to fit the two-scale wind persistence model.
_WIND_LAGS = np.array([1, 2, 3, 6, 12, 24, 48])


def _fit_wind_persistence(z: np.ndarray, target: np.ndarray | None = None) -> dict[str, float]:
    """Fit ``w, phi_slow, phi_fast`` of ``rho(L) = w phi_s^L + (1-w) phi_f^L``.

    ``target`` is the autocorrelation at :data:`_WIND_LAGS` (default: that of ``z``).
    """
    if target is None:
        target = np.array([_acf(z, int(lag)) for lag in _WIND_LAGS])

    # Lags 1 h and 24 h weigh more: they are the ones gridplan checks.
    weight = np.where(np.isin(_WIND_LAGS, (1, 24)), 3.0, 1.0)

    def resid(p):
        w, ps, pf = p
        return weight * (w * ps**_WIND_LAGS + (1 - w) * pf**_WIND_LAGS - target)

    res = optimize.least_squares(resid, x0=[0.6, 0.97, 0.6], bounds=([0.0, 0.5, 0.0], [1.0, 0.999, 0.98]))
    w, ps, pf = res.x
    return {"wind_slow_weight": round(float(w), 4), "wind_phi_slow": round(float(ps), 4),
            "wind_phi_fast": round(float(pf), 4)}


def monthly_statistics(weather: pd.DataFrame, latitude: float | None = None,
                       longitude: float | None = None, altitude_m: float | None = None) -> dict:
    """Monthly and persistence statistics of an hourly weather year.

    This is how ``weather/monthly_stats.yaml`` was made from the reference
    station EPW files; it inverts :func:`generate_typical_year`.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table (see :mod:`gridplan.weather.readers`).
    latitude, longitude, altitude_m : float, optional
        Station position; default ``weather.attrs``.

    Returns
    -------
    dict
        ``{"months": {1: {...}, ..., 12: {...}}, "persistence": {...}}`` with
        the fields documented in ``weather/monthly_stats.yaml``.
    """
    lat = weather.attrs["latitude"] if latitude is None else latitude
    lon = weather.attrs["longitude"] if longitude is None else longitude
    alt = weather.attrs.get("altitude_m", 0.0) if altitude_m is None else altitude_m
    idx = weather.index
    geom = solar_geometry(idx, lat, lon, alt)
    Kt = daily_clearness_index(weather["ghi"], geom)
    kt = hourly_clearness_index(weather["ghi"], geom)
    days = pd.to_datetime(pd.Series(Kt.index))
    Kt_month = days.dt.month.to_numpy()
    hour_day = np.searchsorted(np.array(Kt.index), np.asarray(idx.date))
    Kt_h = Kt.to_numpy()[hour_day]

    # Wind: divide by each month's mean daily profile before fitting the
    # Weibull shape and the persistence (the generator multiplies it back).
    wind = weather["wind_speed"].to_numpy()
    temp = weather["temp_air"].to_numpy()
    months: dict[int, dict] = {}
    wind_base = np.empty_like(wind)
    for m in range(1, 13):
        sel = np.asarray(idx.month == m)
        prof = pd.Series(wind[sel]).groupby(idx.hour[sel]).mean().reindex(range(24)).to_numpy()
        rel = prof / prof.mean()
        amp, peak = first_harmonic(prof)
        wind_base[sel] = wind[sel] / rel[idx.hour[sel]]
        calm = wind[sel] < CALM_MS
        wb = wind_base[sel][~calm]
        # Weibull shape of the non-calm hours from their coefficient of
        # variation (method of moments; robust to whole-m/s steps).
        k = _weibull_k_from_cv(wb.std() / wb.mean())
        tday = pd.Series(temp[sel]).groupby(np.asarray(idx.date)[sel])
        kd = Kt[Kt_month == m]
        months[m] = {
            "ghi_kwh_m2": round(float(weather["ghi"].to_numpy()[sel].sum() / 1000.0), 2),
            "kt_daily_mean": round(float(kd.mean()), 4),
            "kt_daily_std": round(float(kd.std(ddof=0)), 4),
            "kt_daily_max": round(float(kd.max()), 4),
            "temp_mean_c": round(float(temp[sel].mean()), 2),
            "temp_daily_range_c": round(float((tday.max() - tday.min()).mean()), 2),
            "temp_daily_std_c": round(float(tday.mean().std(ddof=0)), 2),
            "wind_mean_ms": round(float(wind[sel].mean()), 3),
            "wind_calm_fraction": round(float(calm.mean()), 4),
            "wind_weibull_k": round(float(k), 3),
            "wind_diurnal_amplitude": round(amp, 3),
            "wind_peak_hour": round(peak, 2),
            "wind_diurnal_profile": [round(float(x), 3) for x in rel],
        }

    # Day-to-day persistence of Kt: lag-1 correlation of monthly-standardised anomalies.
    mu = np.array([months[m]["kt_daily_mean"] for m in Kt_month])
    sd = np.array([months[m]["kt_daily_std"] for m in Kt_month])
    kt_anom = (Kt.to_numpy() - mu) / sd
    # Hourly deviation from the TAG mean shape, and its spread and persistence.
    elev = geom["elevation"].to_numpy()
    dev = kt.to_numpy() - tag_mean_kt(Kt_h, elev)
    day = np.isfinite(dev)
    sigma_scale = np.sqrt(np.nanmean(dev[day] ** 2) / np.mean(tag_sigma(Kt_h[day]) ** 2))
    phi_h = _acf(dev, 1)  # pairs across the night are NaN and dropped
    # Temperature: daily anomalies, their persistence and link to cloudiness,
    # and the clear-day widening of the daily range.
    tdf = pd.DataFrame({"t": temp, "d": np.asarray(idx.date)})
    tmean_d = tdf.groupby("d")["t"].mean().to_numpy()
    trange_d = (tdf.groupby("d")["t"].max() - tdf.groupby("d")["t"].min()).to_numpy()
    tmon = np.array([months[m]["temp_mean_c"] for m in Kt_month])
    tsd = np.array([months[m]["temp_daily_std_c"] for m in Kt_month])
    trm = np.array([months[m]["temp_daily_range_c"] for m in Kt_month])
    t_anom = (tmean_d - tmon) / tsd
    slope = np.polyfit(kt_anom, trange_d / trm - 1.0, 1)[0]
    tprof = pd.Series(temp - np.repeat(tmean_d, 24)).groupby(idx.hour).mean().to_numpy()
    _, t_peak = first_harmonic(tprof + 100.0)  # offset keeps the mean positive
    z_wind = _normal_scores(wind_base)
    persistence = {
        "kt_hourly_quantiles": {
            f"{lo:g}-{hi:g}": [round(float(q), 4) for q in np.quantile(
                kt.to_numpy()[day & (elev > lo) & (elev <= hi)], KT_PROBS)]
            for lo, hi in KT_BANDS},
        "kt_daily_lag1": round(_acf(kt_anom, 1), 4),
        "kt_hourly_lag1": round(float(phi_h), 4),
        "kt_hourly_sigma_scale": round(float(sigma_scale), 4),
        "temp_daily_lag1": round(_acf(t_anom, 1), 4),
        "temp_kt_correlation": round(float(np.corrcoef(t_anom, kt_anom)[0, 1]), 4),
        "temp_range_kt_slope": round(float(slope), 4),
        "temp_peak_hour": round(float(t_peak), 2),
    }
    # The latent fit matches the autocorrelation of normal scores; the Weibull
    # transform, calm hours and the daily profile change the autocorrelation
    # of the speeds themselves. Correct the fitted targets by simulation
    # (indirect inference) until simulated speeds have, on average over
    # several fixed seeds, the station's lag-1 h and lag-24 h autocorrelation.
    # One simulated year is not enough: with synoptic persistence of ~3 days
    # the lag-24 h autocorrelation of a single year scatters by +-0.07.
    want = np.array([_acf(wind, 1), _acf(wind, 24)])
    z_target = np.array([_acf(z_wind, int(lag)) for lag in _WIND_LAGS])
    shift = np.zeros(2)
    for _ in range(4):
        corr = np.interp(_WIND_LAGS, [1, 24], shift)
        fit = _fit_wind_persistence(z_wind, np.clip(z_target + corr, -0.99, 0.995))
        got = np.zeros(2)
        for seq in np.random.SeedSequence(20251122).spawn(_CALIBRATION_YEARS):
            r_slow, r_fast = np.random.default_rng(seq).spawn(2)
            sim = _wind_series(months, {**persistence, **fit}, idx, r_slow, r_fast)
            got += np.array([_acf(sim, 1), _acf(sim, 24)]) / _CALIBRATION_YEARS
        shift += want - got
    persistence.update(fit)
    return {"months": months, "persistence": persistence}


def _weibull_k_from_cv(cv: float) -> float:
    """Weibull shape ``k`` whose coefficient of variation is ``cv``.

    ``cv^2 = Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 - 1``, solved with Brent's method.
    """
    from scipy.special import gammaln

    def f(k):
        return np.sqrt(np.exp(gammaln(1 + 2 / k) - 2 * gammaln(1 + 1 / k)) - 1.0) - cv

    return float(optimize.brentq(f, 0.3, 20.0))


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

def _beta_params(mean: float, std: float, upper: float) -> tuple[float, float]:
    """Beta(a, b) on [0, upper] with the given mean and standard deviation."""
    m = mean / upper
    v = min((std / upper) ** 2, 0.95 * m * (1 - m))
    c = m * (1 - m) / v - 1.0
    return m * c, (1 - m) * c


def _daily_interp(values: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    """Interpolate 12 monthly values to hours, periodic through the year.

    Monthly values sit at mid-month; the result is shifted per month so each
    month's hourly mean equals its value exactly (mean-preserving).
    """
    doy = index.day_of_year.to_numpy() - 1 + index.hour.to_numpy() / 24.0
    month_len = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    mid = np.cumsum(month_len) - month_len / 2.0
    x = np.concatenate([mid - 365, mid, mid + 365])
    y = np.tile(values, 3)
    out = np.interp(doy, x, y)
    m = index.month.to_numpy()
    for k in range(12):
        sel = m == k + 1
        out[sel] += values[k] - out[sel].mean()
    return out


def _wind_series(months: dict, per: dict, idx: pd.DatetimeIndex,
                 rng_slow: np.random.Generator, rng_fast: np.random.Generator) -> np.ndarray:
    """Hourly 10 m wind speed (m/s): latent two-scale AR(1) -> hybrid Weibull -> daily profile."""
    hmonth = idx.month.to_numpy()
    hour = idx.hour.to_numpy()
    w = float(per["wind_slow_weight"])
    x = np.sqrt(w) * _ar1(rng_slow, len(idx), float(per["wind_phi_slow"])) \
        + np.sqrt(1 - w) * _ar1(rng_fast, len(idx), float(per["wind_phi_fast"]))
    u = stats.norm.cdf(x)
    wind = np.empty(len(idx))
    for m in range(1, 13):
        s = months[m]
        sel = hmonth == m
        # Hybrid Weibull (Takle & Brown 1978): calm with probability p0, else
        # Weibull; station records (CSWD: whole m/s) have 0-30 % calm hours,
        # which one Weibull can only mimic with a too-long tail.
        p0 = float(s["wind_calm_fraction"])
        up = np.clip((u[sel] - p0) / (1.0 - p0), 0.0, 1.0)
        base = np.where(u[sel] < p0, 0.0, stats.weibull_min.ppf(up, float(s["wind_weibull_k"])))
        base *= np.asarray(s["wind_diurnal_profile"], dtype=float)[hour[sel]]
        wind[sel] = base * s["wind_mean_ms"] / base.mean()
    return wind


def generate_typical_year(stats_: dict, latitude: float, longitude: float, altitude_m: float = 0.0,
                          seed: int = 0, name: str = "synthetic") -> pd.DataFrame:
    """Generate one hourly typical year from monthly statistics.

    Parameters
    ----------
    stats_ : dict
        ``{"months": {1..12: {...}}, "persistence": {...}}`` as returned by
        :func:`monthly_statistics` / stored in ``weather/monthly_stats.yaml``.
    latitude, longitude : float
        Site position, degrees north / east (solar geometry of the site).
    altitude_m : float
        Site altitude, m.
    seed : int
        Seed of the numpy PCG64 generator.
    name : str
        Written to ``df.attrs['name']``.

    Returns
    -------
    pandas.DataFrame
        Standard weather table (ghi, dni, dhi in W/m2; temp_air in °C;
        wind_speed in m/s at 10 m), 8760 rows, Asia/Shanghai time.
    """
    months = {int(k): v for k, v in stats_["months"].items()}
    per = stats_["persistence"]
    rng = np.random.default_rng(seed)
    # Separate child streams per variable, so changing one model does not
    # reshuffle the random numbers of the others.
    r_kt_day, r_kt_hour, r_temp, r_wind_slow, r_wind_fast = rng.spawn(5)

    idx = standard_index(YEAR, TZ)
    geom = solar_geometry(idx, latitude, longitude, altitude_m)
    elev = geom["elevation"].to_numpy()
    g0 = geom["ghi_extra"].to_numpy()
    kt_cap = np.where(g0 > 0, CLEARSKY_CAP * geom["ghi_clear"].to_numpy() / np.where(g0 > 0, g0, 1.0), 0.0)
    hmonth = idx.month.to_numpy()
    hour = idx.hour.to_numpy()
    day_of = (idx.day_of_year.to_numpy() - 1)
    dmonth = pd.date_range(f"{YEAR}-01-01", periods=365, freq="D").month.to_numpy()

    # 1. Daily clearness index: Beta marginal per month, AR(1) Gaussian copula.
    zd = _ar1(r_kt_day, 365, float(per["kt_daily_lag1"]))
    ud = stats.norm.cdf(zd)
    Kt = np.empty(365)
    for m in range(1, 13):
        s = months[m]
        upper = min(0.85, s["kt_daily_max"] + 0.03)
        a, b = _beta_params(s["kt_daily_mean"], s["kt_daily_std"], upper)
        sel = dmonth == m
        Kt[sel] = upper * stats.beta.ppf(ud[sel], a, b)

    # 2. Hourly clearness index: TAG mean shape + AR(1) deviation within the day.
    Kt_h = Kt[day_of]
    sun = g0 > 0
    ktm = np.where(sun, tag_mean_kt(Kt_h, np.where(sun, elev, 1.0)), 0.0)
    sig = tag_sigma(Kt_h) * float(per["kt_hourly_sigma_scale"])
    phi = float(per["kt_hourly_lag1"])
    e = r_kt_hour.standard_normal(len(idx))
    y = np.zeros(len(idx))
    for i in range(len(idx)):
        if not sun[i]:
            continue
        if i > 0 and sun[i - 1]:
            y[i] = phi * y[i - 1] * sig[i] / max(sig[i - 1], 1e-9) + np.sqrt(1 - phi * phi) * sig[i] * e[i]
        else:  # sunrise: start from the stationary distribution
            y[i] = sig[i] * e[i]
    kt = np.clip(ktm + y, 0.0, kt_cap)
    # Each day must integrate to its daily Kt; a few multiplicative passes
    # with re-capping converge (the TAG authors do the same correction).
    h0_day = np.bincount(day_of, weights=g0, minlength=365)
    for _ in range(4):
        got = np.bincount(day_of, weights=kt * g0, minlength=365)
        f = np.where(got > 0, Kt * h0_day / np.where(got > 0, got, 1.0), 1.0)
        kt = np.clip(kt * f[day_of], 0.0, kt_cap)
    # Quantile mapping (Meteonorm-style distribution correction): keep each
    # daylight hour's rank within its solar-elevation band but give the hours
    # the station's kt distribution of that band,
    # which TAG with a pvlib clear-sky cap only approximates in this humid,
    # hazy climate. Ranks carry the daily and hourly persistence through.
    for lo, hi in KT_BANDS:
        band = (elev > lo) & (elev <= hi)
        ranks = stats.rankdata(kt[band], method="ordinal")
        q = np.asarray(per["kt_hourly_quantiles"][f"{lo:g}-{hi:g}"], dtype=float)
        kt[band] = np.interp((ranks - 0.5) / band.sum(), KT_PROBS, q)
    ghi = kt * g0

    # 3. Monthly GHI to the station's figure, then decomposition (pvlib Erbs).
    for _ in range(3):
        for m in range(1, 13):
            sel = hmonth == m
            got = ghi[sel].sum()
            if got > 0:
                ghi[sel] *= months[m]["ghi_kwh_m2"] * 1000.0 / got
        ghi = np.minimum(ghi, g0)  # never above the top of the atmosphere
    mid = idx + pd.Timedelta(minutes=30)
    erbs = pvlib.irradiance.erbs(pd.Series(ghi, index=mid), pd.Series(geom["zenith"].to_numpy(), index=mid), mid)
    dni = np.nan_to_num(erbs["dni"].to_numpy())
    dhi = np.nan_to_num(erbs["dhi"].to_numpy())

    # 4. Temperature: seasonal mean + daily anomaly (AR(1), tied to cloudiness)
    #    + daily cycle peaking mid-afternoon, wider on clear days.
    tmean = _daily_interp(np.array([months[m]["temp_mean_c"] for m in range(1, 13)]), idx)
    tsd = _daily_interp(np.array([months[m]["temp_daily_std_c"] for m in range(1, 13)]), idx)
    trange = _daily_interp(np.array([months[m]["temp_daily_range_c"] for m in range(1, 13)]), idx)
    mu_d = np.array([months[m]["kt_daily_mean"] for m in dmonth])
    sd_d = np.array([months[m]["kt_daily_std"] for m in dmonth])
    kt_anom = (Kt - mu_d) / sd_d
    rho = float(np.clip(per["temp_kt_correlation"], -0.95, 0.95))
    t_anom = rho * kt_anom + np.sqrt(1 - rho * rho) * _ar1(r_temp, 365, float(per["temp_daily_lag1"]))
    dtr = trange * np.clip(1.0 + float(per["temp_range_kt_slope"]) * kt_anom[day_of], 0.2, 2.5)
    cyc = 0.5 * np.cos(2 * np.pi * (hour - float(per["temp_peak_hour"])) / 24.0)
    temp = tmean + tsd * t_anom[day_of] + dtr * cyc

    # 5. Wind: slow + fast latent AR(1) -> Weibull quantile -> daily profile -> monthly mean.
    wind = _wind_series(months, per, idx, r_wind_slow, r_wind_fast)

    df = pd.DataFrame({"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": temp, "wind_speed": wind},
                      index=idx)[COLUMNS]
    df.attrs = {"latitude": float(latitude), "longitude": float(longitude), "altitude_m": float(altitude_m),
                "name": name, "source": f"{GENERATOR_VERSION}, seed {seed}"}
    return df


# ---------------------------------------------------------------------------
# Cities: statistics file, shipped files
# ---------------------------------------------------------------------------

#: Name of the statistics file in :func:`gridplan.weather.cities.data_dir`.
STATS_FILE = "monthly_stats.yaml"


def station_statistics(city: str, shared_dir: str | Path) -> dict:
    """Statistics of a city's reference station EPW (for ``monthly_stats.yaml``).

    Parameters
    ----------
    city : str
        City key (see ``weather/cities.yaml``).
    shared_dir : str or pathlib.Path
        Folder holding ``weather-sources/<station>.epw``.

    Returns
    -------
    dict
        ``{"station", "source", "months", "persistence"}``.
    """
    from gridplan.weather.cities import load_city
    from gridplan.weather.readers import read_epw

    meta = load_city(city)
    epw = read_epw(Path(shared_dir) / "weather-sources" / meta["station"])
    st = monthly_statistics(epw)
    return {
        "station": meta["station"],
        "source": f"computed from {meta['station_name']} ({epw.attrs['source']}) by "
                  f"gridplan.weather.synth.monthly_statistics; the EPW is not shipped",
        "months": st["months"],
        "persistence": st["persistence"],
    }


def write_monthly_stats(shared_dir: str | Path, path: str | Path | None = None) -> Path:
    """Recompute ``weather/monthly_stats.yaml`` from the station EPW files.

    Parameters
    ----------
    shared_dir : str or pathlib.Path
        Folder with ``weather-sources/`` (see PROVENANCE.md there).
    path : str or pathlib.Path, optional
        Output; default the file in :func:`gridplan.weather.cities.data_dir`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import yaml

    from gridplan.weather.cities import city_names, data_dir

    out = Path(path) if path is not None else data_dir() / STATS_FILE
    cities = {c: station_statistics(c, shared_dir) for c in city_names()}
    header = _STATS_HEADER.strip() + "\n"
    body = yaml.safe_dump({"cities": cities}, sort_keys=False, allow_unicode=True, width=200)
    out.write_text(header + body, encoding="utf-8")
    return out


_STATS_HEADER = """
# Monthly statistics that drive gridplan's synthetic typical-year weather.
#
# Generated by `gridplan weather stats --shared <dir>` (gridplan.weather.synth.write_monthly_stats),
# which reads each city's reference station EPW (weather/cities.yaml, PROVENANCE.md of the shared
# weather sources) and applies gridplan.weather.synth.monthly_statistics. The `source` of each
# city names the station file and dataset.
#
# Per month:
#   ghi_kwh_m2              monthly global horizontal irradiation, kWh/m2
#   kt_daily_mean/std/max   daily clearness index (daily GHI / daily extraterrestrial horizontal):
#                           mean, day-to-day standard deviation, maximum
#   temp_mean_c             mean air temperature, °C
#   temp_daily_range_c      mean daily max - min, °C
#   temp_daily_std_c        standard deviation of daily mean temperature within the month, °C
#   wind_mean_ms            mean wind speed at the station (~10 m), m/s
#   wind_calm_fraction      fraction of calm hours (< 0.5 m/s)
#   wind_weibull_k          Weibull shape of the non-calm hourly speeds after removing the daily
#                           cycle (method of moments); calm + Weibull = hybrid Weibull
#                           (Takle & Brown 1978, J. Appl. Meteor. 17:556)
#   wind_diurnal_amplitude  relative amplitude of the first harmonic of the mean daily cycle
#                           (descriptive)
#   wind_peak_hour          local hour of its maximum (descriptive)
#   wind_diurnal_profile    mean speed at local hours 0..23 / monthly mean (used by the generator)
# Persistence (whole year):
#   kt_hourly_quantiles     per solar-elevation band (5-15°, 15-30°, 30-90°): quantiles of hourly kt
#                           at probabilities 0, .01, .02, .05, .1, ..., .9, .95, .98, .99, 1
#                           (quantile mapping)
#   kt_daily_lag1           lag-1 day autocorrelation of standardised daily clearness index
#   kt_hourly_lag1          lag-1 h autocorrelation of hourly kt deviations from the TAG mean shape
#   kt_hourly_sigma_scale   rms of those deviations / TAG sigma (Aguiar & Collares-Pereira 1992)
#   temp_daily_lag1         lag-1 day autocorrelation of standardised daily mean temperature
#   temp_kt_correlation     correlation of daily temperature and clearness anomalies
#   temp_range_kt_slope     relative change of the daily range per standard deviation of Kt
#   temp_peak_hour          local hour of the daily temperature maximum (first harmonic)
#   wind_slow_weight, wind_phi_slow, wind_phi_fast
#                           latent two-scale AR(1) of wind normal scores, fitted to the
#                           autocorrelation at lags 1, 2, 3, 6, 12, 24, 48 h
"""


def load_stats(city: str) -> dict:
    """Statistics of one city from ``weather/monthly_stats.yaml``."""
    from gridplan.errors import InputError
    from gridplan.weather.cities import data_dir, load_yaml

    data = load_yaml(STATS_FILE)
    key = city.strip().lower()
    try:
        return data["cities"][key]
    except (KeyError, TypeError):
        raise InputError(str(data_dir() / STATS_FILE), f"cities.{key}", "no statistics for this city",
                         "run `gridplan weather stats` or add the city") from None


def synth_city(city: str, seed: int | None = None) -> pd.DataFrame:
    """Generate the typical year of a city from the shipped statistics.

    Parameters
    ----------
    city : str
        City key.
    seed : int, optional
        Default: the city's seed in ``weather/cities.yaml`` (the one used for
        the shipped file).

    Returns
    -------
    pandas.DataFrame
        Standard weather table.
    """
    from gridplan.weather.cities import load_city

    meta = load_city(city)
    st = load_stats(city)
    use_seed = int(meta["seed"] if seed is None else seed)
    df = generate_typical_year(st, meta["latitude"], meta["longitude"], meta["altitude_m"],
                               seed=use_seed, name=meta["name"])
    df.attrs["source"] = (f"{GENERATOR_VERSION}, seed {use_seed}, statistics {STATS_FILE} "
                          f"(from {meta['station_name']})")
    return df


def write_city_weather(city: str, out: str | Path | None = None, seed: int | None = None) -> Path:
    """Generate and write a city's typical-year CSV (the shipped ``weather/<city>.csv``).

    Parameters
    ----------
    city : str
        City key.
    out : str or pathlib.Path, optional
        Output file; default ``weather/<city>.csv``.
    seed : int, optional
        Default: the city's seed.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from gridplan.weather.cities import load_city
    from gridplan.weather.readers import write_weather_csv

    meta = load_city(city)
    path = Path(out) if out is not None else meta["weather_file"]
    df = synth_city(city, seed=seed)
    use_seed = int(meta["seed"] if seed is None else seed)
    write_weather_csv(df, path, header={
        "source": f"synthetic typical year, {GENERATOR_VERSION} (gridplan.weather.synth)",
        "generator": GENERATOR_VERSION,
        "seed": use_seed,
        "stats": f"weather/{STATS_FILE} (cities.{meta['key']}, from {meta['station']})",
        "regenerate": f"gridplan weather synth --city {meta['key']}",
    })
    return path


def with_erbs_split(weather: pd.DataFrame, latitude: float, longitude: float) -> pd.DataFrame:
    """Copy of a weather table with DNI and DHI re-derived from GHI by pvlib's Erbs model.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table.
    latitude, longitude : float
        Degrees north / east.

    Returns
    -------
    pandas.DataFrame
        Same GHI, temperature and wind; ``dni``, ``dhi`` in W/m2 from Erbs.
    """
    mid = weather.index + pd.Timedelta(minutes=30)
    sp = pvlib.solarposition.get_solarposition(mid, latitude, longitude)
    e = pvlib.irradiance.erbs(pd.Series(weather["ghi"].to_numpy(), index=mid), sp["apparent_zenith"], mid)
    out = weather.copy()
    out["dni"] = np.nan_to_num(e["dni"].to_numpy())
    out["dhi"] = np.nan_to_num(e["dhi"].to_numpy())
    return out


def compare_years(real: pd.DataFrame, synthetic: pd.DataFrame, latitude: float, longitude: float,
                  altitude_m: float = 0.0) -> dict[str, float]:
    """Statistics of a synthetic year next to the real year it imitates.

    Both years are evaluated at the same site (``latitude``, ``longitude``).

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Standard weather tables.
    latitude, longitude : float
        Degrees north / east.
    altitude_m : float
        m.

    Returns
    -------
    dict
        ``ghi_real``, ``ghi_synth`` (kWh/m2/yr), ``ghi_month_max_rel_err``,
        ``pv_flh_real``, ``pv_flh_synth`` (h, utility PV), ``pv_flh_real_erbs``
        (h, real GHI split by Erbs like the generator), ``closure_real``
        (sum of DNI cos z + DHI over sum of GHI in the real file), ``wind_real``,
        ``wind_synth`` (m/s), ``ks_kt`` (two-sample KS statistic of daylight
        hourly kt), ``acf1_ghi_real/synth``, ``acf24_ghi_real/synth``,
        ``acf1_wind_real/synth``, ``acf24_wind_real/synth``,
        ``temp_real/synth`` (°C).
    """
    from gridplan.weather.pv import pv_capacity_factor

    geom = solar_geometry(real.index, latitude, longitude, altitude_m)
    out: dict[str, float] = {}
    mr = real["ghi"].groupby(real.index.month).sum()
    ms = synthetic["ghi"].groupby(synthetic.index.month).sum()
    out["ghi_real"] = float(mr.sum() / 1000.0)
    out["ghi_synth"] = float(ms.sum() / 1000.0)
    out["ghi_month_max_rel_err"] = float((ms / mr - 1.0).abs().max())
    out["pv_flh_real"] = float(pv_capacity_factor(real, latitude, longitude, "utility").sum())
    out["pv_flh_synth"] = float(pv_capacity_factor(synthetic, latitude, longitude, "utility").sum())
    # The station's own DNI/DHI need not close on its GHI (CSWD files: DNI cos z
    # + DHI is 94-98 % of GHI), which biases PV low by the same amount. For a
    # like-for-like comparison also split the real GHI with the generator's
    # decomposition (pvlib Erbs).
    cosz = np.cos(np.radians(np.clip(geom["zenith"].to_numpy(), 0.0, 90.0)))
    out["closure_real"] = float((real["dni"].to_numpy() * cosz + real["dhi"].to_numpy()).sum() / real["ghi"].sum())
    out["pv_flh_real_erbs"] = float(pv_capacity_factor(with_erbs_split(real, latitude, longitude),
                                                       latitude, longitude, "utility").sum())
    out["wind_real"] = float(real["wind_speed"].mean())
    out["wind_synth"] = float(synthetic["wind_speed"].mean())
    out["temp_real"] = float(real["temp_air"].mean())
    out["temp_synth"] = float(synthetic["temp_air"].mean())
    kr = hourly_clearness_index(real["ghi"], geom).dropna()
    ks_ = hourly_clearness_index(synthetic["ghi"], geom).dropna()
    out["ks_kt"] = float(stats.ks_2samp(kr.to_numpy(), ks_.to_numpy()).statistic)
    for col, tag in (("ghi", "ghi"), ("wind_speed", "wind")):
        for lag in (1, 24):
            out[f"acf{lag}_{tag}_real"] = _acf(real[col].to_numpy(dtype=float), lag)
            out[f"acf{lag}_{tag}_synth"] = _acf(synthetic[col].to_numpy(dtype=float), lag)
    return out
