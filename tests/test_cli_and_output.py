"""The command line and the result files: what a user sees and what lands on disk."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import gridplan
from gridplan.output import write_atomically
from gridplan.result import balance_residual
from tests.conftest import case_dict

HOURS = 8760


def _small_case(make_case):
    hours = np.arange(HOURS)
    demand = 500 + 100 * np.sin(2 * np.pi * (hours % 24) / 24)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    case = case_dict(demand, years=(2025, 2030),
                     generators=[{"name": "pv", "node": "city", "profile_file": "pv.csv", "profile_column": "pv",
                                  "capex_cny_per_kw": 3000, "clean": True, "non_fossil": True, "groups": ["solar"]},
                                 {"name": "gas", "node": "city", "variable_om_cny_per_mwh": 600, "capex_cny_per_kw": 3000,
                                  "clean": True}],
                     storage=[{"name": "battery", "node": "city", "capex_cny_per_kw": 500, "capex_cny_per_kwh": 800}],
                     policies=[{"name": "pv_2030", "type": "min_capacity", "year": 2030, "assets": ["solar"], "mw": 300}])
    case["nodes"]["city"]["demand"][2030] = {"annual_mwh": float(demand.sum() * 1.1), "peak_mw": float(demand.max() * 1.1)}
    return make_case(case, {"demand": demand, "pv": pv})


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_solve_writes_every_file_and_summary_matches_result(make_case, tmp_path):
    path = _small_case(make_case)
    out = tmp_path / "out"
    run = _cli("solve", path, "--out", out, "--days", "3", "--method", "simplex")
    assert run.returncode == 0, run.stderr
    for name in ("summary.json", "capacity.csv", "dispatch.parquet", "prices.csv", "costs.csv", "targets.csv"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    for key in ("case", "status", "objective_cny", "capacity_mw", "storage_mwh", "targets", "timings_s"):
        assert key in summary
    assert set(summary["timings_s"]) >= {"build", "solve", "total"}
    assert summary["targets"][0].keys() >= {"name", "year", "required", "achieved", "unit", "hard", "met", "active", "shadow_price"}
    result = gridplan.solve(path, days=3, method="simplex")
    same = json.loads(json.dumps(result.summary, default=str))
    assert same["capacity_mw"] == summary["capacity_mw"]
    assert same["objective_cny"] == pytest.approx(summary["objective_cny"])
    dispatch = pd.read_parquet(out / "dispatch.parquet")
    assert np.abs(balance_residual(dispatch)).max() < 1e-6


def test_validate_reports_every_problem_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nyears: [2025]\nnodes:\n  city:\n    demand: {2025: {annual_mwh: -5, peak_mw: 100}}\n"
        "    demand_shape: {region: guangdong}\ngenerators:\n  - {name: pv, node: town, capex_cny_per_kw: abc}\n"
    )
    run = _cli("validate", bad)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    text = run.stderr
    assert "nodes.city.demand.2025.annual_mwh" in text
    assert "generators[pv].capex_cny_per_kw" in text
    assert str(bad) in text


def test_unknown_node_reported_after_schema_checks(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nyears: [2025]\nnodes:\n  city:\n    demand: {2025: {annual_mwh: 5000, peak_mw: 1}}\n"
        "    demand_shape: {region: guangdong}\ngenerators:\n  - {name: pv, node: town}\n"
        "policies:\n  - {name: p, type: min_capacity, year: 2030, assets: [wind], mw: 5}\n"
    )
    run = _cli("validate", bad)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "generators[pv].node: unknown node 'town'" in run.stderr
    assert "policies[p].year: year 2030 is not modelled" in run.stderr
    assert "'wind' is neither an asset nor a group" in run.stderr


def test_missing_case_file_is_one_line_and_exit_2(tmp_path):
    run = _cli("solve", tmp_path / "nope.yaml", "--out", tmp_path / "o")
    assert run.returncode == 2
    assert "file not found" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, says", [
    (["--simplex-pricing", "fastest"], "simplex_pricing: 'fastest' is not one of auto, choose, dantzig, devex, steepest"),
    (["--highs-option", "presolve"], "--highs-option: 'presolve' is not NAME=VALUE"),
    (["--highs-option", "presolv=off"], "presolv: HiGHS rejects presolv='off'"),
    (["--block-start", "always"], "block_start: 'always' is not one of auto, on, off"),
])
def test_bad_solver_options_are_one_line_and_exit_2(make_case, tmp_path, args, says):
    run = _cli("solve", _small_case(make_case), "--out", tmp_path / "o", "--days", "1", *args)
    assert run.returncode == 2, run.stderr
    assert says in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o").exists()


def test_solver_options_reach_highs_and_the_summary(make_case):
    path = _small_case(make_case)
    default = gridplan.solve(path, days=3)
    other = gridplan.solve(path, days=3, simplex_pricing="steepest", highs_options={"presolve": "off"})
    assert default.options["simplex_pricing"] == "dantzig" and other.options["highs_options"] == {"presolve": "off"}
    assert other.objective_cny == pytest.approx(default.objective_cny, rel=1e-9)
    # Without presolve HiGHS sees the whole LP, so the iteration path differs.
    assert other.summary["solver"]["iterations"] != default.summary["solver"]["iterations"]


def test_atomic_write_keeps_previous_result_when_writer_fails(tmp_path):
    out = tmp_path / "result"
    write_atomically(out, lambda d: (d / "summary.json").write_text("old"))

    def broken(d):
        (d / "summary.json").write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_atomically(out, broken)
    assert (out / "summary.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result"]  # no temporary folder left behind


def test_profiles_prints_full_load_hours_and_the_case_demand(tmp_path):
    import yaml

    run = _cli("profiles", "--city", "dongguan", "--out", tmp_path / "p.html")
    assert run.returncode == 0, run.stderr
    for label in ("pv_utility", "pv_rooftop", "wind_onshore", "wind_offshore", "demand energy", "demand peak"):
        assert label in run.stdout
    case = yaml.safe_load(open("cases/dongguan.yaml", encoding="utf-8"))
    peak_2030 = case["nodes"]["dongguan"]["demand"][2030]["peak_mw"]
    assert f"{peak_2030:,.0f}" in run.stdout
    assert (tmp_path / "p.html").stat().st_size > 10_000


def test_results_get_the_usual_permissions_not_0600(tmp_path):
    import os

    from gridplan.output import write_file_atomically

    old = os.umask(0o022)
    try:
        out = write_atomically(tmp_path / "r", lambda d: (d / "summary.json").write_text("{}"))
        page = write_file_atomically(out / "report.html", lambda tmp: tmp.write_text("<html></html>"))
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755
    assert page.stat().st_mode & 0o777 == 0o644
    assert {p.name for p in out.iterdir()} == {"summary.json", "report.html"}  # no temporary file left behind
