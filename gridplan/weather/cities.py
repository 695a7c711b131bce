"""Where gridplan's weather data files live, and city metadata.

The data files (``cities.yaml``, ``monthly_stats.yaml``, ``technology.yaml``
and one ``<city>.csv`` per city) are in the top-level ``weather/`` folder of
the repository; set ``GRIDPLAN_WEATHER_DIR`` to use another folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from gridplan.errors import InputError
from gridplan.yamlio import safe_load


def data_dir() -> Path:
    """Folder holding gridplan's weather data files.

    Returns
    -------
    pathlib.Path
        ``$GRIDPLAN_WEATHER_DIR`` if set, else ``<repo>/weather``.
    """
    env = os.environ.get("GRIDPLAN_WEATHER_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "weather"


def load_yaml(name: str) -> dict:
    """Read one YAML file from :func:`data_dir`, reporting problems as InputError."""
    path = data_dir() / name
    try:
        with open(path, encoding="utf-8") as fh:
            data = safe_load(fh)
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read ({exc.strerror})",
                         "set GRIDPLAN_WEATHER_DIR to the folder with gridplan's weather data") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), "", f"is not valid YAML ({exc})", "fix the syntax") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "", "does not hold a mapping", "restore the file from the repository")
    return data


def city_names() -> list[str]:
    """Keys of the cities that ship a typical year (e.g. ``dongguan``)."""
    return list(load_yaml("cities.yaml")["cities"])


def load_city(city: str) -> dict:
    """Metadata of one city.

    Parameters
    ----------
    city : str
        City key, case-insensitive (``dongguan``, ``jieyang``, ``zhaoqing``,
        ``zhuhai``, ``ruijin``).

    Returns
    -------
    dict
        ``key, name, latitude, longitude`` (degrees), ``altitude_m`` (m),
        ``tz``, ``station`` (reference EPW file name), ``station_name``,
        ``seed``, ``source``, ``weather_file`` (path of the shipped CSV).
    """
    data = load_yaml("cities.yaml")
    key = city.strip().lower()
    if key not in data["cities"]:
        raise InputError(str(data_dir() / "cities.yaml"), "cities", f"unknown city {city!r}",
                         f"use one of {', '.join(data['cities'])}")
    meta = dict(data["cities"][key])
    meta["key"] = key
    meta["tz"] = data.get("tz", "Asia/Shanghai")
    meta["weather_file"] = data_dir() / f"{key}.csv"
    return meta
