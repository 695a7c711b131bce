"""Hourly capacity-factor profiles of the shipped cities (what the model uses)."""

from __future__ import annotations

import pandas as pd

from gridplan.weather.cities import load_city
from gridplan.weather.pv import pv_capacity_factor, sun_at_mid_hour
from gridplan.weather.readers import read_weather_csv
from gridplan.weather.wind import wind_capacity_factor

#: Columns of :func:`city_profiles`, in order.
PROFILE_COLUMNS = ["pv_utility", "pv_rooftop", "wind_onshore", "wind_offshore"]


def city_weather(city: str) -> pd.DataFrame:
    """The shipped typical-year weather of a city (``weather/<city>.csv``).

    Parameters
    ----------
    city : str
        City key (``dongguan``, ``jieyang``, ``zhaoqing``, ``zhuhai``, ``ruijin``).

    Returns
    -------
    pandas.DataFrame
        Standard weather table (ghi, dni, dhi W/m2; temp_air °C; wind_speed m/s),
        8760 rows in Asia/Shanghai time.
    """
    return read_weather_csv(load_city(city)["weather_file"])


def weather_profiles(weather: pd.DataFrame, latitude: float, longitude: float) -> pd.DataFrame:
    """Hourly capacity factors of the four technologies for one weather year.

    Parameters
    ----------
    weather : pandas.DataFrame
        Standard weather table.
    latitude, longitude : float
        Degrees north / east.

    Returns
    -------
    pandas.DataFrame
        Columns ``pv_utility``, ``pv_rooftop`` (MW AC per MW AC),
        ``wind_onshore``, ``wind_offshore`` (MW per MW installed), all in [0, 1].
    """
    sun = sun_at_mid_hour(weather.index, latitude, longitude)
    out = pd.DataFrame(
        {
            "pv_utility": pv_capacity_factor(weather, latitude, longitude, "utility", sun=sun),
            "pv_rooftop": pv_capacity_factor(weather, latitude, longitude, "rooftop", sun=sun),
            "wind_onshore": wind_capacity_factor(weather, "onshore"),
            "wind_offshore": wind_capacity_factor(weather, "offshore"),
        },
        index=weather.index,
    )
    out.attrs = dict(weather.attrs)
    return out


def city_profiles(city: str) -> pd.DataFrame:
    """Hourly capacity factors from a city's shipped typical-year weather.

    Parameters
    ----------
    city : str
        City key.

    Returns
    -------
    pandas.DataFrame
        8760 rows (Asia/Shanghai), columns ``pv_utility``, ``pv_rooftop``,
        ``wind_onshore``, ``wind_offshore``, values in [0, 1] (MW per MW).
    """
    meta = load_city(city)
    return weather_profiles(city_weather(city), meta["latitude"], meta["longitude"])
