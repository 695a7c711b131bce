"""CLI: gridplan weather synth/fetch/stats, and profiles_command / city_profiles."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridplan.weather import city_profiles
from gridplan.weather.cli import app, profiles_command
from gridplan.weather.cities import data_dir

runner = CliRunner()
DATA = Path(__file__).parent / "data" / "weather"


def test_synth_command(tmp_path):
    out = tmp_path / "z.csv"
    res = runner.invoke(app, ["synth", "--city", "zhuhai", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == (data_dir() / "zhuhai.csv").read_bytes()
    res = runner.invoke(app, ["synth", "--city", "zhuhai", "--out", str(out), "--seed", "7"])
    assert res.exit_code == 0 and out.read_bytes() != (data_dir() / "zhuhai.csv").read_bytes()


def test_unknown_city_is_one_line_error(tmp_path):
    res = runner.invoke(app, ["synth", "--city", "atlantis", "--out", str(tmp_path / "a.csv")])
    assert res.exit_code == 2
    assert "unknown city 'atlantis'" in res.output and "Traceback" not in res.output


def test_fetch_command_offline(tmp_path, monkeypatch):
    import pvlib.iotools.pvgis as pvgis

    payload = json.loads(gzip.open(DATA / "pvgis_tmy_dongguan.json.gz", "rt").read())

    class FakeResponse:
        ok = True

        def json(self):
            return payload

    monkeypatch.setattr(pvgis.requests, "get", lambda *a, **k: FakeResponse())
    out = tmp_path / "pvgis.csv"
    res = runner.invoke(app, ["fetch", "--lat", "23.02", "--lon", "113.75", "--out", str(out)])
    assert res.exit_code == 0, res.output
    from gridplan.weather import read_weather

    assert len(read_weather(out)) == 8760


def test_city_profiles():
    p = city_profiles("jieyang")
    assert list(p.columns) == ["pv_utility", "pv_rooftop", "wind_onshore", "wind_offshore"]
    assert len(p) == 8760 and str(p.index.tz) == "Asia/Shanghai"
    assert (p >= 0).all().all() and (p <= 1).all().all()


def test_profiles_command(tmp_path, capsys):
    out = tmp_path / "p.html"
    profiles_command("dongguan", out)
    text = capsys.readouterr().out
    assert "pv_utility" in text and "wind_offshore" in text
    assert out.stat().st_size > 1000 and "plotly" in out.read_text()[:5000].lower()


def test_profiles_command_with_demand(tmp_path, capsys):
    pytest.importorskip("gridplan.weather.demand")
    out = tmp_path / "d.html"
    profiles_command("ruijin", out, annual_mwh=3.0e6, peak_mw=600.0)
    text = capsys.readouterr().out
    assert "demand peak" in text or "demand skipped" in text
    assert out.is_file()


def test_stats_command_reproduces_stats_file(tmp_path):
    """`gridplan weather stats` rebuilds weather/monthly_stats.yaml byte for byte from the station EPWs."""
    import os

    env = os.environ.get("GRIDPLAN_SHARED")
    shared = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    if not (shared / "weather-sources").is_dir():
        pytest.skip("shared weather sources not found (set GRIDPLAN_SHARED)")
    out = tmp_path / "stats.yaml"
    res = runner.invoke(app, ["stats", "--shared", str(shared), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == (data_dir() / "monthly_stats.yaml").read_bytes()
