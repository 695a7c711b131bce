"""Read hourly typical-year weather into one standard DataFrame.

Every reader returns the same thing, so the rest of gridplan never cares where
the weather came from:

* columns ``ghi``, ``dni``, ``dhi`` (W/m2, hourly means), ``temp_air`` (°C),
  ``wind_speed`` (m/s at about 10 m above ground);
* 8760 rows, one per hour of a non-leap year (:data:`YEAR`), index in the
  city's local time (``Asia/Shanghai``, UTC+8); each row is the mean over the
  hour that *starts* at its time stamp (the pvlib convention for EPW files),
  so the sun position for a row is taken at stamp + 30 min;
* ``df.attrs`` with ``latitude``, ``longitude`` (degrees), ``altitude_m`` (m),
  ``name`` and ``source``; a position the file does not state is ``None``.

pvlib does the parsing wherever it has a parser (EPW, PVGIS); gridplan only
checks the result and reshapes the time index. Every problem with a file is
reported as :class:`gridplan.errors.InputError` naming the file.

The plain CSV format (read by :func:`read_weather_csv`, written by
:func:`write_weather_csv`) is::

    # gridplan weather v1
    # name: Dongguan
    # latitude: 23.02
    # longitude: 113.75
    # altitude_m: 10
    # tz: Asia/Shanghai
    time,ghi,dni,dhi,temp_air,wind_speed
    2025-01-01 00:00,0.0,0.0,0.0,13.1,2.4
    ...

Lines starting with ``#`` are header comments; ``key: value`` comments are
metadata. ``time`` is local *wall-clock* time without an offset, in the zone
given by the ``tz`` comment (or the ``tz`` argument; default Asia/Shanghai);
a ``time`` with an explicit offset (``2025-01-01T00:00+08:00``) is also
accepted and converted. Without a ``time`` column the 8760 rows are taken to
start on 1 January 00:00 local time.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from gridplan.errors import InputError

#: The year every typical-year time stamp is coerced to (not a leap year).
YEAR = 2025
#: Local time zone of all five cities (China Standard Time, UTC+8, no DST).
TZ = "Asia/Shanghai"
#: Standard columns, in order.
COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
#: Plausible physical ranges; values outside are reported as bad data.
_RANGES = {
    "ghi": (0.0, 2000.0),
    "dni": (0.0, 2000.0),
    "dhi": (0.0, 2000.0),
    "temp_air": (-60.0, 60.0),
    "wind_speed": (0.0, 75.0),
}


def standard_index(year: int = YEAR, tz: str = TZ) -> pd.DatetimeIndex:
    """Hourly index of one non-leap year in local time.

    Parameters
    ----------
    year : int
        Calendar year (must not be a leap year).
    tz : str
        IANA time zone.

    Returns
    -------
    pandas.DatetimeIndex
        8760 hourly stamps from 1 January 00:00 to 31 December 23:00.
    """
    return pd.date_range(f"{year}-01-01 00:00", periods=8760, freq="h", tz=tz)


def _to_typical_year(df: pd.DataFrame, file: str, tz: str = TZ) -> pd.DataFrame:
    """Move a typical-year table onto :func:`standard_index`.

    Typical years mix source years (TMY) or carry one dummy year (CSWD: 2005),
    and a UTC table spills its last hours into the next year once shifted to
    local time. We therefore keep each row's local (month, day, hour), set the
    year to :data:`YEAR` and sort, which rolls spilled hours to the start of
    the year, exactly like pvlib's own PVGIS ``roll_utc_offset``.
    """
    idx = df.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise InputError(file, "time", "the time stamps could not be read as dates",
                         "give hourly time stamps, e.g. 2025-01-01 00:00")
    if idx.tz is None:
        idx = idx.tz_localize(tz)
    else:
        idx = idx.tz_convert(tz)
    leap = (idx.month == 2) & (idx.day == 29)
    df = df.loc[~np.asarray(leap)].copy()
    idx = idx[~leap]
    if len(df) != 8760:
        raise InputError(file, "", f"has {len(df)} hourly rows (without 29 February), expected 8760",
                         "give one full year of hourly values")
    if (idx.minute != 0).any() or (idx.second != 0).any():
        raise InputError(file, "time", "time stamps are not on the hour",
                         "give hourly values stamped at the start of each hour (hh:00)")
    keys = idx.month * 10000 + idx.day * 100 + idx.hour
    order = np.argsort(np.asarray(keys), kind="stable")
    keys_sorted = np.asarray(keys)[order]
    target = standard_index(YEAR, tz)
    want = np.asarray(target.month * 10000 + target.day * 100 + target.hour)
    if not np.array_equal(keys_sorted, want):
        raise InputError(file, "time", "time stamps are not one value per hour of the year "
                         "(duplicates, gaps or a non-hourly step)",
                         "give 8760 consecutive hourly rows")
    out = df.iloc[order]
    out.index = target
    return out


def _check(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Check columns, NaNs and ranges; return the standard columns as float."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(file, "", f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}",
                         f"give columns {', '.join(COLUMNS)}")
    out = df[COLUMNS].apply(pd.to_numeric, errors="coerce").astype(float)
    for col in COLUMNS:
        bad = out[col].isna()
        if bad.any():
            first = df.index[np.argmax(bad.to_numpy())]
            raise InputError(file, col, f"{int(bad.sum())} missing or non-numeric value(s), first at {first}",
                             "fill the gaps (e.g. interpolate) before using the file")
        lo, hi = _RANGES[col]
        off = (out[col] < lo) | (out[col] > hi)
        if off.any():
            first = df.index[np.argmax(off.to_numpy())]
            raise InputError(file, col, f"{int(off.sum())} value(s) outside [{lo:g}, {hi:g}], "
                             f"first {out[col][off].iloc[0]:g} at {first}",
                             "check units (W/m2, °C, m/s) and missing-value codes such as 9999")
    return out


def read_epw(path: str | Path, coerce_year: int = YEAR) -> pd.DataFrame:
    """Read an EnergyPlus weather file (EPW) with pvlib.

    Parameters
    ----------
    path : str or pathlib.Path
        EPW file (CSWD, TMYx, IWEC, SWERA ... all use the same layout).
    coerce_year : int
        Year written into every time stamp; typical years mix years (TMY) or
        use one dummy year (CSWD files label every row 2005).

    Returns
    -------
    pandas.DataFrame
        Standard weather table (see module docstring); ``attrs['source']``
        names the file and the EPW data type.

    Raises
    ------
    gridplan.errors.InputError
        If the file is not an EPW or its data are incomplete.
    """
    from pvlib.iotools import read_epw as _pvlib_read_epw

    file = str(path)
    try:
        with open(file, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError as exc:
        raise InputError(file, "", f"cannot be read ({exc.strerror})", "check the path") from None
    if not first.startswith("LOCATION"):
        raise InputError(file, "", "is not an EPW file (first line does not start with LOCATION)",
                         "give an EnergyPlus .epw file or a gridplan weather CSV")
    try:
        data, meta = _pvlib_read_epw(file, coerce_year=coerce_year)
    except Exception as exc:  # pvlib raises assorted parse errors
        raise InputError(file, "", f"could not be parsed as EPW ({type(exc).__name__}: {exc})",
                         "check that the file has 8 header lines and 35 fields per row") from None
    # EPW missing-value codes (9999 for radiation, 999 for wind, 99.9 for temperature)
    # would otherwise pass as numbers; the range check in _check reports them.
    df = _check(_to_typical_year(data, file, tz=TZ), file)
    df.attrs = {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude_m": float(meta["altitude"]),
        "name": str(meta.get("city", Path(file).stem)),
        "source": f"EPW {Path(file).name} ({meta.get('data_type', '').strip() or 'unknown dataset'}, "
                  f"WMO {meta.get('WMO_code', '?')})",
    }
    return df


def _pvgis_to_standard(data: pd.DataFrame, meta: dict, file: str) -> pd.DataFrame:
    """Shared tail of :func:`read_pvgis_tmy` and :func:`fetch_pvgis_tmy`."""
    df = _check(_to_typical_year(data, file, tz=TZ), file)
    # JSON: meta["inputs"]["location"] = {latitude, longitude, elevation};
    # CSV: meta["inputs"] = {latitude, longitude, elevation}.
    inputs = meta.get("inputs", {}) if isinstance(meta, dict) else {}
    loc = inputs.get("location", inputs) if isinstance(inputs, dict) else {}
    def num(key: str) -> float | None:
        return float(loc[key]) if loc.get(key) is not None else None

    df.attrs = {
        "latitude": num("latitude"),
        "longitude": num("longitude"),
        "altitude_m": num("elevation"),
        "name": f"PVGIS TMY {loc.get('latitude', '?')}N {loc.get('longitude', '?')}E",
        "source": f"PVGIS TMY ({Path(file).name})",
    }
    return df


def read_pvgis_tmy(path: str | Path) -> pd.DataFrame:
    """Read a PVGIS typical meteorological year (JSON or CSV) with pvlib.

    PVGIS time stamps are UTC; they are converted to local time (UTC+8) and
    the hours that spill into the next year are rolled to 1 January.

    Parameters
    ----------
    path : str or pathlib.Path
        File saved from the PVGIS TMY tool (``.json`` or ``.csv``).

    Returns
    -------
    pandas.DataFrame
        Standard weather table (see module docstring).
    """
    from pvlib.iotools import read_pvgis_tmy as _pvlib_read

    file = str(path)
    try:
        data, meta = _pvlib_read(file, map_variables=True)
    except Exception as exc:
        raise InputError(file, "", f"could not be parsed as a PVGIS TMY file ({type(exc).__name__}: {exc})",
                         "save the PVGIS TMY output as JSON or CSV") from None
    return _pvgis_to_standard(data, meta, file)


def fetch_pvgis_tmy(latitude: float, longitude: float, timeout: int = 30) -> pd.DataFrame:
    """Download a PVGIS TMY for a point (needs internet).

    Parameters
    ----------
    latitude, longitude : float
        Degrees north and east.
    timeout : int
        Seconds to wait for the PVGIS server.

    Returns
    -------
    pandas.DataFrame
        Standard weather table (see module docstring).
    """
    from pvlib.iotools import get_pvgis_tmy

    where = f"PVGIS TMY {latitude}N {longitude}E"
    try:
        # coerce_year=None keeps the UTC stamps; we roll to local time ourselves.
        data, meta = get_pvgis_tmy(latitude, longitude, outputformat="json",
                                   map_variables=True, coerce_year=None, timeout=timeout)
    except Exception as exc:
        raise InputError(where, "", f"download failed ({type(exc).__name__}: {exc})",
                         "check the internet connection and that the point is inside PVGIS coverage") from None
    return _pvgis_to_standard(data, meta, where)


def read_weather_csv(path: str | Path, tz: str | None = None) -> pd.DataFrame:
    """Read gridplan's plain weather CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with columns ``ghi, dni, dhi`` (W/m2), ``temp_air`` (°C) and
        ``wind_speed`` (m/s at about 10 m), one row per hour, optionally a
        ``time`` column; ``# key: value`` header comments give metadata
        (``name``, ``latitude``, ``longitude``, ``altitude_m``, ``tz``).
    tz : str, optional
        Time zone of the ``time`` column; overrides the ``# tz:`` comment.
        Default Asia/Shanghai.

    Returns
    -------
    pandas.DataFrame
        Standard weather table (see module docstring).
    """
    file = str(path)
    try:
        text = Path(file).read_text(encoding="utf-8-sig")  # tolerate a BOM (Excel)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(file, "", f"cannot be read ({exc})", "check the path and that it is a UTF-8 text file") from None
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    try:
        raw = pd.read_csv(io.StringIO(text), comment="#")
    except Exception as exc:
        raise InputError(file, "", f"could not be parsed as CSV ({exc})", "give a comma-separated file") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    zone = tz or meta.get("tz") or TZ
    if "time" in raw.columns:
        try:
            stamps = pd.to_datetime(raw["time"], format="mixed")
        except (ValueError, TypeError) as exc:
            raise InputError(file, "time", f"time stamps could not be read ({exc})",
                             "write times as YYYY-MM-DD HH:MM") from None
        idx = pd.DatetimeIndex(stamps)
        try:
            idx = idx.tz_localize(zone) if idx.tz is None else idx.tz_convert(zone)
        except Exception as exc:
            raise InputError(file, "tz", f"unknown time zone {zone!r} ({exc})", "use an IANA name such as Asia/Shanghai") from None
        raw = raw.drop(columns="time")
        raw.index = idx
    else:
        if len(raw) != 8760:
            raise InputError(file, "", f"has {len(raw)} rows, expected 8760 hourly rows",
                             "give one non-leap year of hourly values or add a time column")
        raw.index = standard_index(YEAR, zone)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(file, "", f"missing column(s) {', '.join(missing)}; found {', '.join(raw.columns)}",
                         f"give columns time, {', '.join(COLUMNS)}")
    df = _check(_to_typical_year(raw, file, tz=TZ), file)

    def num(key: str) -> float | None:
        # None (not NaN) when the file does not say: callers test "is None".
        try:
            return float(meta[key])
        except (KeyError, ValueError):
            return None

    df.attrs = {
        "latitude": num("latitude"),
        "longitude": num("longitude"),
        "altitude_m": num("altitude_m"),
        "name": meta.get("name", Path(file).stem),
        "source": meta.get("source", f"weather CSV {Path(file).name}"),
    }
    return df


def write_weather_csv(df: pd.DataFrame, path: str | Path, header: dict[str, object] | None = None) -> None:
    """Write a standard weather table as gridplan weather CSV.

    Values are rounded (irradiance 0.1 W/m2, temperature 0.1 °C, wind
    0.01 m/s) so that regenerated files are byte-identical across machines.

    Parameters
    ----------
    df : pandas.DataFrame
        Standard weather table.
    path : str or pathlib.Path
        Output file.
    header : dict, optional
        Extra ``# key: value`` comment lines (after name/latitude/...).
    """
    lines = ["# gridplan weather v1"]
    meta = {k: df.attrs.get(k) for k in ("name", "latitude", "longitude", "altitude_m")}
    meta["tz"] = TZ
    meta.update(header or {})
    lines += [f"# {k}: {v}" for k, v in meta.items() if v is not None]
    # Fixed decimals, formatted by hand: identical text on every machine, and
    # "+ 0.0" turns -0.0 into 0.0.
    dec = {"ghi": 1, "dni": 1, "dhi": 1, "temp_air": 1, "wind_speed": 2}
    cols = [np.asarray(df.index.tz_convert(TZ).strftime("%Y-%m-%d %H:%M"), dtype=str)]
    cols += [np.char.mod(f"%.{dec[c]}f", np.round(df[c].to_numpy(dtype=float), dec[c]) + 0.0) for c in COLUMNS]
    rows = [",".join(r) for r in zip(*cols)]
    text = "\n".join(lines) + "\n" + ",".join(["time"] + COLUMNS) + "\n" + "\n".join(rows) + "\n"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def read_weather(path: str | Path, tz: str | None = None) -> pd.DataFrame:
    """Read any supported weather file, choosing the reader by content.

    EPW files start with ``LOCATION``; PVGIS JSON holds ``outputs.tmy_hourly``;
    PVGIS CSV starts with ``Latitude (decimal degrees)``; anything else is
    read as gridplan weather CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        The weather file.
    tz : str, optional
        Time zone for a gridplan CSV ``time`` column (see :func:`read_weather_csv`).

    Returns
    -------
    pandas.DataFrame
        Standard weather table (see module docstring).
    """
    file = str(path)
    p = Path(file)
    if not p.is_file():
        raise InputError(file, "", "does not exist", "check the path")
    with open(file, "rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    if head.startswith("LOCATION"):
        return read_epw(file)
    if head.lstrip().startswith("{"):
        try:
            src = json.loads(p.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(file, "", f"is not valid JSON ({exc})", "give a PVGIS TMY JSON file") from None
        if not (isinstance(src, dict) and "tmy_hourly" in src.get("outputs", {})):
            raise InputError(file, "", "is JSON but not a PVGIS TMY response (no outputs.tmy_hourly)",
                             "save the PVGIS TMY tool output as JSON")
        return read_pvgis_tmy(file)
    if head.startswith("Latitude (decimal degrees)"):
        return read_pvgis_tmy(file)
    if p.suffix.lower() == ".epw":
        raise InputError(file, "", "is not an EPW file (first line does not start with LOCATION)",
                         "give an EnergyPlus .epw file")
    return read_weather_csv(file, tz=tz)
