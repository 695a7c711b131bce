"""Readers: EPW, gridplan CSV, PVGIS TMY (stored fixture), bad files -> InputError."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridplan.errors import InputError
from gridplan.weather import readers
from gridplan.weather.profiles import city_weather
from gridplan.weather.readers import (COLUMNS, read_epw, read_pvgis_tmy, read_weather, read_weather_csv,
                                      write_weather_csv)

DATA = Path(__file__).parent / "data" / "weather"


def shared_dir() -> Path | None:
    """``$GRIDPLAN_SHARED`` or ``<repo>/../shared`` if it holds the weather sources."""
    env = os.environ.get("GRIDPLAN_SHARED")
    d = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return d if (d / "weather-sources").is_dir() else None


def write_epw(df: pd.DataFrame, path: Path, year: int = 2005) -> None:
    """Write a standard weather table as a minimal EPW (8 header lines, 35 fields)."""
    head = [
        f"LOCATION,Testville,GD,CHN,TEST,999999,{df.attrs['latitude']},{df.attrs['longitude']},8.0,{df.attrs['altitude_m']}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,test fixture", "COMMENTS 2,",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    lines = []
    for t, r in zip(df.index, df.itertuples()):
        f = [year, t.month, t.day, t.hour + 1, 60, "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9",
             f"{r.temp_air:.1f}", "15.0", "70", "101000", "0", "9999", "380",
             f"{r.ghi:.0f}", f"{r.dni:.0f}", f"{r.dhi:.0f}", "999999", "999999", "999999", "9999",
             "90", f"{r.wind_speed:.1f}", "5", "5", "9999", "77777", "9", "999999999", "0", "0.2", "0", "88",
             "0.2", "0", "0"]
        assert len(f) == 35
        lines.append(",".join(map(str, f)))
    path.write_text("\n".join(head + lines) + "\n", encoding="utf-8")


def test_csv_round_trip(tmp_path):
    df = city_weather("dongguan")
    assert list(df.columns) == COLUMNS and len(df) == 8760
    assert str(df.index.tz) == "Asia/Shanghai" and df.index[0] == pd.Timestamp("2025-01-01 00:00", tz="Asia/Shanghai")
    assert df.attrs["latitude"] == pytest.approx(23.02) and df.attrs["name"] == "Dongguan"
    out = tmp_path / "w.csv"
    write_weather_csv(df, out)
    back = read_weather_csv(out)
    np.testing.assert_allclose(back.to_numpy(), df.to_numpy(), atol=0.006)


def test_csv_without_time_column_and_tz_argument(tmp_path):
    df = city_weather("zhuhai")
    plain = tmp_path / "plain.csv"
    df.reset_index(drop=True).to_csv(plain, index=False)
    back = read_weather(plain)
    np.testing.assert_allclose(back["ghi"].to_numpy(), df["ghi"].to_numpy())
    assert back.attrs["latitude"] is None  # not stated in the file: None, not NaN
    # times stated in UTC via the tz argument end up 8 h later in local time
    utc = tmp_path / "utc.csv"
    t = df.index.tz_convert("UTC").strftime("%Y-%m-%d %H:%M")
    df.reset_index(drop=True).assign(time=t).to_csv(utc, index=False)
    back = read_weather_csv(utc, tz="UTC")
    assert back.loc["2025-06-01 12:00", "ghi"] == pytest.approx(df.loc["2025-06-01 12:00", "ghi"])


def test_epw_round_trip(tmp_path):
    """Columns and units survive EPW -> pvlib -> standard table; CSWD-style year 2005 is coerced."""
    df = city_weather("dongguan")
    epw = tmp_path / "test.epw"
    write_epw(df, epw)
    back = read_weather(epw)
    assert list(back.columns) == COLUMNS and back.index.equals(df.index)
    np.testing.assert_allclose(back["ghi"], df["ghi"], atol=0.51)   # EPW stores whole Wh/m2
    np.testing.assert_allclose(back["temp_air"], df["temp_air"], atol=0.051)
    np.testing.assert_allclose(back["wind_speed"], df["wind_speed"], atol=0.051)
    assert back.attrs["latitude"] == pytest.approx(23.02) and "EPW test.epw" in back.attrs["source"]


def test_real_cswd_epw():
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared weather sources not found (set GRIDPLAN_SHARED)")
    df = read_epw(shared / "weather-sources" / "CHN_Guangdong.Zhengcheng.592940_CSWD.epw")
    # PROVENANCE.md: annual GHI 1173 kWh/m2, mean wind 2.39 m/s
    assert df["ghi"].sum() / 1000 == pytest.approx(1173, abs=1)
    assert df["wind_speed"].mean() == pytest.approx(2.39, abs=0.01)
    assert df.index[0].year == 2025 and df.index.is_monotonic_increasing and len(df) == 8760
    assert df.attrs["altitude_m"] == pytest.approx(38.9)


def _pvgis_json(tmp_path) -> Path:
    out = tmp_path / "tmy.json"
    with gzip.open(DATA / "pvgis_tmy_dongguan.json.gz", "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def test_pvgis_tmy_fixture(tmp_path):
    df = read_pvgis_tmy(_pvgis_json(tmp_path))
    assert list(df.columns) == COLUMNS and len(df) == 8760
    assert df.index[0] == pd.Timestamp("2025-01-01 00:00", tz="Asia/Shanghai")
    assert df.attrs["latitude"] == pytest.approx(23.02) and df.attrs["altitude_m"] == pytest.approx(10.0)
    # UTC stamps were rolled to local time: the sun is up at local noon, not at midnight
    assert df.loc["2025-06-21 12:00", "ghi"] > 100 and df.loc["2025-06-21 00:00", "ghi"] == 0
    assert df["ghi"].sum() / 1000 == pytest.approx(1172.7, rel=0.01)
    assert read_weather(_pvgis_json(tmp_path)).equals(df)


def test_fetch_pvgis_offline(tmp_path, monkeypatch):
    """fetch_pvgis_tmy through pvlib.get_pvgis_tmy with the HTTP layer replaced by the stored response."""
    import json

    import pvlib.iotools.pvgis as pvgis

    payload = json.loads(_pvgis_json(tmp_path).read_text())
    calls = []

    class FakeResponse:
        ok = True
        status_code = 200

        def json(self):
            return payload

    def fake_get(url, params=None, timeout=None):
        calls.append((url, params))
        return FakeResponse()

    monkeypatch.setattr(pvgis.requests, "get", fake_get)
    df = readers.fetch_pvgis_tmy(23.02, 113.75)
    assert calls and calls[0][0].endswith("tmy") and calls[0][1]["lat"] == 23.02
    assert len(df) == 8760 and df["ghi"].sum() / 1000 == pytest.approx(1172.7, rel=0.01)


def test_fetch_pvgis_failure_is_input_error(monkeypatch):
    import pvlib.iotools.pvgis as pvgis

    def boom(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(pvgis.requests, "get", boom)
    with pytest.raises(InputError, match="download failed"):
        readers.fetch_pvgis_tmy(23.0, 113.0)


# ---------------------------------------------------------------- bad files

def _csv(tmp_path, df: pd.DataFrame, name="bad.csv") -> Path:
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


@pytest.fixture(scope="module")
def good() -> pd.DataFrame:
    df = city_weather("ruijin")
    return df.reset_index(drop=True).assign(time=df.index.strftime("%Y-%m-%d %H:%M"))


def test_bad_missing_column(tmp_path, good):
    p = _csv(tmp_path, good.drop(columns="dni"))
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert str(p) in str(e.value) and "missing column(s) dni" in str(e.value)


def test_bad_length(tmp_path, good):
    p = _csv(tmp_path, good.iloc[:8000])
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert str(p) in str(e.value) and "8000" in str(e.value) and "8760" in str(e.value)


def test_bad_nan(tmp_path, good):
    bad = good.copy()
    bad.loc[100, "temp_air"] = np.nan
    p = _csv(tmp_path, bad)
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert e.value.field == "temp_air" and "missing" in e.value.problem and str(p) in str(e.value)


def test_bad_not_hourly(tmp_path, good):
    bad = good.copy()
    bad["time"] = pd.date_range("2025-01-01", periods=8760, freq="30min").strftime("%Y-%m-%d %H:%M")
    p = _csv(tmp_path, bad)
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert str(p) in str(e.value) and "hour" in e.value.problem


def test_bad_missing_value_code(tmp_path, good):
    bad = good.copy()
    bad.loc[5, "ghi"] = 9999
    with pytest.raises(InputError, match="outside"):
        read_weather(_csv(tmp_path, bad))


def test_not_an_epw(tmp_path):
    p = tmp_path / "x.epw"
    p.write_text("hello,world\n1,2\n")
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert "not an EPW" in str(e.value) and str(p) in str(e.value)
    with pytest.raises(InputError, match="not an EPW"):
        read_epw(p)


def test_truncated_epw(tmp_path):
    df = city_weather("dongguan")
    p = tmp_path / "short.epw"
    write_epw(df.iloc[:5000], p)
    with pytest.raises(InputError) as e:
        read_weather(p)
    assert str(p) in str(e.value) and "5000" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_weather(tmp_path / "nope.csv")


def test_json_not_pvgis(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}')
    with pytest.raises(InputError, match="not a PVGIS"):
        read_weather(p)
