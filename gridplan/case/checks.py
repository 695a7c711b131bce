"""Checks of the files a case names: weather, demand shapes and profiles.

:func:`gridplan.case.load.load_case` runs these after the schema and the
checks across blocks, and raises every problem together, so that
``gridplan validate`` lists all of them in one run instead of stopping at
the first file :func:`gridplan.inputs.prepare` cannot read.

The checks read the case as the plain YAML mapping (never assuming a field
is valid), so they also run when the schema has already failed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridplan.errors import InputError

HOURS_PER_YEAR = 8760
#: Weather file types gridplan reads (by content; the suffix must promise one of them).
WEATHER_SUFFIXES = (".epw", ".csv", ".json", ".txt")
#: Columns that may carry the time stamps of a series file.
TIME_COLUMNS = ("time", "timestamp", "datetime", "date")
#: Row counts that betray a wrong time step, with the step they suggest.
_STEP_HINTS = {8784: "a leap year (8784 h)", 4380: "a 2-hour step", 17520: "a 30-minute step", 35040: "a 15-minute step",
               365: "daily values", 12: "monthly values"}


@lru_cache(maxsize=1)
def _city_names() -> tuple[str, ...]:
    from gridplan.weather.cities import city_names

    return tuple(city_names())


@lru_cache(maxsize=1)
def _regions() -> tuple[str, ...]:
    from gridplan.weather.demand import load_shape_params

    try:
        return tuple(sorted(load_shape_params().get("regions", {})))
    except InputError:
        return ()


def _resolve(base_dir: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base_dir / p


def check_series_file(path: Path, column: str, case_file: str, field: str,
                      lo: float | None = None, hi: float | None = None, what: str = "values") -> list[InputError]:
    """Every problem with one hourly column of a CSV file.

    Parameters
    ----------
    path : Path
        The CSV file.
    column : str
        Column holding the series.
    case_file, field : str
        Case file and field that name the CSV (for errors about the reference).
    lo, hi : float, optional
        Allowed range of the values (inclusive).
    what : str
        What the values are, for the messages (e.g. ``capacity factors``).

    Returns
    -------
    list of InputError
        Empty when the column holds 8760 hourly numbers within range.
    """
    if not path.is_file():
        return [InputError(case_file, field, f"file {path} not found", "check the path (relative to the case file)")]
    try:
        frame = pd.read_csv(path, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [InputError(str(path), "", f"is not a readable CSV ({first})", "save it as comma-separated text with a header row")]
    if column not in frame.columns:
        return [InputError(str(path), column, f"column {column!r} missing (columns: {list(frame.columns)})",
                           "name the column or set the column field in the case")]
    problems: list[InputError] = []

    def bad(problem: str, fix: str) -> None:
        problems.append(InputError(str(path), column, problem, fix))

    n = len(frame)
    if n != HOURS_PER_YEAR:
        hint = f"; that looks like {_STEP_HINTS[n]}" if n in _STEP_HINTS else ""
        bad(f"has {n} rows, not 8760{hint}", "give one value per hour of a non-leap year")
    time_col = next((c for c in frame.columns if str(c).lower() in TIME_COLUMNS), None)
    if time_col is not None and n > 1:
        stamps = pd.to_datetime(frame[time_col], errors="coerce")
        if stamps.isna().any():
            row = int(np.flatnonzero(stamps.isna().to_numpy())[0])
            problems.append(InputError(str(path), str(time_col), f"time stamp at row {row + 1} cannot be read",
                                       "give time stamps like 2025-01-01 00:00"))
        else:
            steps = stamps.diff().iloc[1:]
            wrong = steps != pd.Timedelta(hours=1)
            if wrong.any():
                row = int(np.flatnonzero(wrong.to_numpy())[0]) + 1
                step_h = steps.iloc[row - 1] / pd.Timedelta(hours=1)
                problems.append(InputError(str(path), str(time_col),
                                           f"time step is {step_h:g} h at row {row + 1}, not 1 h",
                                           "give consecutive hourly values (resample the series to 1 h)"))
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    missing = ~np.isfinite(values)
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        bad(f"has {int(missing.sum())} missing or non-numeric value(s), the first at row {first + 1}", "fill every hour with a number")
    ok = values[~missing]
    if lo is not None and (ok < lo).any():
        first = int(np.flatnonzero(~missing & (np.nan_to_num(values, nan=lo) < lo))[0])
        bad(f"has {int((ok < lo).sum())} {what} below {lo:g}, the first {values[first]:g} at row {first + 1}",
            f"give {what} of at least {lo:g}")
    if hi is not None and (ok > hi).any():
        first = int(np.flatnonzero(~missing & (np.nan_to_num(values, nan=hi) > hi))[0])
        fix = "give capacity factors per MW (0 to 1), not MW or %" if hi == 1.0 else f"give {what} of at most {hi:g}"
        bad(f"has {int((ok > hi).sum())} {what} above {hi:g}, the first {values[first]:g} at row {first + 1}", fix)
    if lo is not None and lo >= 0 and ok.size and not (ok > 0).any():
        bad("is zero in every hour", f"give the {what} of each hour")
    return problems


def check_weather(value: Any, case_file: str, field: str, base_dir: Path) -> tuple[list[InputError], pd.DataFrame | None]:
    """Check a node's ``weather``: a shipped city key, or a readable EPW / PVGIS TMY / CSV file.

    Returns
    -------
    problems, frame
        The problems found, and the weather table when a file was read
        (None for a shipped city or a bad file).
    """
    if not isinstance(value, str):
        return [], None
    if value in _city_names():
        return [], None
    path = _resolve(base_dir, value)
    if not path.is_file():
        if path.suffix:
            return [InputError(case_file, field, f"weather file {path} not found", "check the path (relative to the case file)")], None
        return [InputError(case_file, field, f"{value!r} is neither a shipped city nor a weather file",
                           f"use one of {list(_city_names())} or the path of an EPW, PVGIS TMY or CSV file")], None
    if path.suffix.lower() not in WEATHER_SUFFIXES:
        return [InputError(case_file, field, f"weather file {path.name} is not an EPW, PVGIS TMY (JSON/CSV) or gridplan CSV file",
                           "convert it to one of those formats (suffix .epw, .json or .csv)")], None
    from gridplan.weather.readers import read_weather

    try:
        frame = read_weather(path)
    except InputError as err:
        where = f"{err.field}: " if err.field else ""
        return [InputError(case_file, field, f"weather file {path}: {where}{err.problem.rstrip('.')}", err.fix)], None
    except (ValueError, KeyError, IndexError, TypeError, OSError, UnicodeDecodeError) as exc:
        # A file too broken for the readers' own checks (pvlib parsers raise plain errors).
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [InputError(case_file, field, f"weather file {path} cannot be read as EPW, PVGIS TMY or CSV ({first})",
                           "give an EnergyPlus .epw, a PVGIS TMY file or a gridplan weather CSV")], None
    return [], frame


def check_files(raw: dict, case_file: str, base_dir: str | Path) -> list[InputError]:
    """Every problem with the files and named data a case refers to.

    Parameters
    ----------
    raw : dict
        The case as read from YAML.
    case_file : str
        Path of the case file (named in errors about references).
    base_dir : str or Path
        Folder that relative paths resolve against.

    Returns
    -------
    list of InputError
        Empty when every file can be read and holds what the case promises.
    """
    base = Path(base_dir)
    problems: list[InputError] = []
    nodes = raw.get("nodes") if isinstance(raw.get("nodes"), dict) else {}
    weather_frames: dict[str, pd.DataFrame | None] = {}
    checked: set[tuple[str, str]] = set()

    def series(path_value: Any, column: str, field: str, **limits) -> None:
        if not isinstance(path_value, str):
            return
        path = _resolve(base, path_value)
        key = (str(path), column)
        if key in checked:
            return
        checked.add(key)
        problems.extend(check_series_file(path, column, case_file, field, **limits))

    for n, node in nodes.items():
        if not isinstance(node, dict):
            continue
        where = f"nodes.{n}"
        errs, frame = check_weather(node.get("weather"), case_file, f"{where}.weather", base)
        problems += errs
        weather_frames[str(n)] = frame
        shape = node.get("demand_shape")
        if isinstance(shape, dict):
            column = shape.get("column", "mw") if isinstance(shape.get("column", "mw"), str) else "mw"
            series(shape.get("file"), column, f"{where}.demand_shape.file", lo=0.0, what="demand values (MW)")
            region = shape.get("region")
            if isinstance(region, str) and _regions() and region not in _regions():
                problems.append(InputError(case_file, f"{where}.demand_shape.region", f"unknown region {region!r}",
                                           f"use one of {list(_regions())} or give a demand file"))
            if isinstance(region, str) and shape.get("file") is None:
                problems += _region_load_factors(node, case_file, where)

    gens = raw.get("generators") if isinstance(raw.get("generators"), list) else []
    for i, g in enumerate(gens):
        if not isinstance(g, dict):
            continue
        where = f"generators[{g['name']}]" if isinstance(g.get("name"), str) else f"generators[{i}]"
        if isinstance(g.get("profile_file"), str):
            column = g.get("profile_column") or g.get("name")
            if isinstance(column, str):
                series(g["profile_file"], column, f"{where}.profile_file", lo=0.0, hi=1.0, what="capacity factors")
        elif isinstance(g.get("profile"), str):
            # Imported here: gridplan.weather pulls in pvlib, which file-only cases never need.
            from gridplan.weather.profiles import PROFILE_COLUMNS

            if g["profile"] not in PROFILE_COLUMNS:
                problems.append(InputError(case_file, f"{where}.profile", f"unknown profile {g['profile']!r}",
                                           f"use one of {PROFILE_COLUMNS} or give profile_file"))
            node = nodes.get(g.get("node")) if isinstance(g.get("node"), str) else None
            frame = weather_frames.get(str(g.get("node")))
            if isinstance(node, dict) and frame is not None and (node.get("latitude") is None or node.get("longitude") is None):
                if frame.attrs.get("latitude") is None or frame.attrs.get("longitude") is None:
                    problems.append(InputError(case_file, f"nodes.{g['node']}", "latitude/longitude unknown for PV profiles",
                                               "add latitude and longitude to the node"))
    # One line per problem: a node without coordinates is named once, not once per generator.
    unique: dict[tuple[str, str, str], InputError] = {}
    for p in problems:
        unique.setdefault((p.file, p.field, p.problem), p)
    return list(unique.values())


def _region_load_factors(node: dict, case_file: str, where: str) -> list[InputError]:
    """The calibrated demand model fits only load factors within its range."""
    from gridplan.weather.demand import LOAD_FACTOR_MAX, LOAD_FACTOR_MIN

    out = []
    demand = node.get("demand") if isinstance(node.get("demand"), dict) else {}
    for y, d in demand.items():
        if not isinstance(d, dict):
            continue
        try:
            energy, peak = float(d.get("annual_mwh")), float(d.get("peak_mw"))
        except (TypeError, ValueError):
            continue
        if energy <= 0 or peak <= 0:
            continue
        lf = energy / (8760.0 * peak)
        if lf <= 1.0 and not LOAD_FACTOR_MIN <= lf <= LOAD_FACTOR_MAX:
            out.append(InputError(case_file, f"{where}.demand.{y}",
                                  f"load factor {lf:.2f} (annual_mwh / (8760 h x peak_mw)) is outside the demand model's range "
                                  f"[{LOAD_FACTOR_MIN}, {LOAD_FACTOR_MAX}]",
                                  "check annual_mwh and peak_mw, or give a demand file"))
    return out
