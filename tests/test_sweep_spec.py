"""Sweep files: the override path syntax, expansion into scenarios, identity hashes, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gridplan.errors import InputErrors
from gridplan.sweep.paths import PathError, parse_path, set_path
from gridplan.sweep.spec import load_sweep, parse_sweep

ROOT = Path(__file__).resolve().parents[1]
ZHAOQING = ROOT / "cases" / "zhaoqing.yaml"


def _raw_case() -> dict:
    return yaml.safe_load(ZHAOQING.read_text(encoding="utf-8"))


def test_parse_path_tokens():
    assert parse_path("policies[storage_pairing_2030].ratio") == [("key", "policies"), ("item", "storage_pairing_2030"), ("key", "ratio")]
    assert parse_path("nodes.zhaoqing.demand.2030.annual_mwh")[-2:] == [("key", "2030"), ("key", "annual_mwh")]
    assert parse_path("generators[a.b].x") == [("key", "generators"), ("item", "a.b"), ("key", "x")]
    for bad in ("", "a..b", "a.[b]", "a[b", "a[]", ".a", "a.", "a[b]c"):
        with pytest.raises(PathError):
            parse_path(bad)


def test_set_path_reaches_items_years_and_default_fields():
    raw = _raw_case()
    before = {g["name"]: g for g in _raw_case()["generators"]}["pv_utility"]["capex_cny_per_kw"]
    set_path(raw, "policies[storage_pairing_2030].ratio", 0.2)
    set_path(raw, "generators[pv_utility].capex_cny_per_kw.2030", 2500)
    set_path(raw, "nodes.zhaoqing.demand.2030.annual_mwh", 1.0)
    set_path(raw, "hours.days", 3)  # hours is absent from the case: a field the format defines is created
    set_path(raw, "storage[0].max_total_mw", 5)
    pol = {p["name"]: p for p in raw["policies"]}
    assert pol["storage_pairing_2030"]["ratio"] == 0.2
    assert pol["storage_pairing_2025"]["ratio"] == {p["name"]: p for p in _raw_case()["policies"]}["storage_pairing_2025"]["ratio"]
    gen = {g["name"]: g for g in raw["generators"]}
    assert gen["pv_utility"]["capex_cny_per_kw"] == {**before, 2030: 2500}  # only that year changes
    assert raw["nodes"]["zhaoqing"]["demand"][2030]["annual_mwh"] == 1.0
    assert raw["hours"] == {"days": 3}
    assert raw["storage"][0]["max_total_mw"] == 5


@pytest.mark.parametrize("path, says, nearest", [
    ("policies[storage_pairing_2031].ratio", "no item named 'storage_pairing_2031'", "storage_pairing_2030"),
    ("generators[pv_utility].capex_cny_per_kv", "has no 'capex_cny_per_kv'", "capex_cny_per_kw"),
    ("nodes.zhaoqng.demand", "has no 'zhaoqng'", "zhaoqing"),
    ("nodes.zhaoqing.demand.2035.annual_mwh", "has no '2035'", "2030"),
    ("policies[storage_pairing_2030].ratio.x", "is a single value", "set policies[storage_pairing_2030].ratio itself"),
    ("policies.ratio", "is a list", "generators[pv_utility]"),
])
def test_paths_that_do_not_exist_name_the_nearest_keys(path, says, nearest):
    with pytest.raises(PathError) as err:
        set_path(_raw_case(), path, 1)
    assert says in err.value.problem
    assert nearest in err.value.fix


def _sweep(tmp_path, body: dict, name="s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"base": str(ZHAOQING), **body}, sort_keys=False), encoding="utf-8")
    return path


def test_grid_expands_to_every_combination_with_readable_names(tmp_path):
    sweep = load_sweep(_sweep(tmp_path, {"grid": {"policies[storage_pairing_2030].ratio": [0.1, 0.15, 0.2],
                                                  "policies[storage_pairing_2030].duration_h": [1, 2]}}))
    names = [s.name for s in sweep.scenarios]
    assert len(names) == 6 and len(set(names)) == 6
    assert "ratio=0.15_duration_h=2" in names
    s = next(s for s in sweep.scenarios if s.name == "ratio=0.15_duration_h=2")
    pol = {p["name"]: p for p in s.case_raw["policies"]}["storage_pairing_2030"]
    assert (pol["ratio"], pol["duration_h"]) == (0.15, 2)
    assert len({s.digest for s in sweep.scenarios}) == 6


def test_named_scenarios_cross_the_grid(tmp_path):
    sweep = load_sweep(_sweep(tmp_path, {
        "grid": {"policies[storage_pairing_2030].ratio": [0.1, 0.2]},
        "scenarios": [{"name": "ref"}, {"name": "cheap", "set": {"generators[pv_utility].capex_cny_per_kw": 2000}}]}))
    assert [s.name for s in sweep.scenarios] == ["ref__ratio=0.1", "ref__ratio=0.2", "cheap__ratio=0.1", "cheap__ratio=0.2"]
    assert sweep.scenarios[3].overrides == {"generators[pv_utility].capex_cny_per_kw": 2000, "policies[storage_pairing_2030].ratio": 0.2}


def test_identity_hash_follows_inputs_not_names(tmp_path):
    a = parse_sweep({"base": str(ZHAOQING), "scenarios": [{"name": "x", "set": {"discount_rate": 0.05}}]}, "a.yaml")
    b = parse_sweep({"base": str(ZHAOQING), "scenarios": [{"name": "x", "set": {"discount_rate": 0.05}}]}, "b.yaml")
    c = parse_sweep({"base": str(ZHAOQING), "scenarios": [{"name": "x", "set": {"discount_rate": 0.07}}]}, "c.yaml")
    d = parse_sweep({"base": str(ZHAOQING), "solve": {"days": 3}, "scenarios": [{"name": "x", "set": {"discount_rate": 0.05}}]}, "d.yaml")
    assert a.scenarios[0].digest == b.scenarios[0].digest  # same inputs, same identity
    assert a.scenarios[0].digest != c.scenarios[0].digest  # another value
    assert a.scenarios[0].digest != d.scenarios[0].digest  # other solve settings


def test_identity_hash_follows_the_content_of_files_the_case_reads(tmp_path):
    (tmp_path / "demand.csv").write_text("demand\n" + "\n".join(["1"] * 8760))
    case = {"name": "t", "years": [2025], "nodes": {"city": {"demand": {2025: {"annual_mwh": 8760, "peak_mw": 1}},
                                                             "demand_shape": {"file": "demand.csv", "column": "demand"}}}}
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(case))
    raw = {"base": "case.yaml", "scenarios": [{"name": "x"}]}
    before = parse_sweep(raw, "s.yaml", tmp_path).scenarios[0].digest
    (tmp_path / "demand.csv").write_text("demand\n" + "\n".join(["2"] * 8760))
    assert parse_sweep(raw, "s.yaml", tmp_path).scenarios[0].digest != before


def test_sweep_file_errors_are_collected_and_name_file_and_field(tmp_path):
    path = _sweep(tmp_path, {"grid": {"policies[pairing_2030].ratio": [0.1], "generators[pv_utility].capex": [1]},
                             "scenarios": [{"name": "a b"}, {"name": "ok", "set": {"nodes.zhaoqing.weathr": "x"}}]})
    with pytest.raises(InputErrors) as err:
        load_sweep(path)
    lines = [e.line() for e in err.value.errors]
    text = "\n".join(lines)
    assert all(line.startswith(str(path)) for line in lines)
    assert "grid.policies[pairing_2030].ratio" in text and "storage_pairing_2030" in text
    assert "grid.generators[pv_utility].capex" in text and "capex_cny_per_kw" in text
    assert "scenarios[a b].name" in text
    assert "scenarios[ok].set.nodes.zhaoqing.weathr" in text and "weather" in text


@pytest.mark.parametrize("body, field, words", [
    ({"grid": {"discount_rate": []}}, "grid.discount_rate", "at least one value"),
    ({"grid": {"discount_rate": [0.1]}, "solv": {}}, "solv", "remove it"),
    ({}, "", "neither grid nor scenarios"),
    ({"base": "nope.yaml", "grid": {"discount_rate": [0.1]}}, "base", "file not found"),
    ({"scenarios": [{"name": "a"}, {"name": "a"}]}, "scenarios[a].name", "used twice"),
])
def test_sweep_file_mistakes(tmp_path, body, field, words):
    with pytest.raises(InputErrors) as err:
        parse_sweep({"base": str(ZHAOQING), **body}, "s.yaml", tmp_path)
    hits = [e for e in err.value.errors if e.field == field]
    assert hits, [e.line() for e in err.value.errors]
    assert words in hits[0].line()


def test_cli_bad_sweep_exits_2_with_one_line_per_problem(tmp_path):
    path = _sweep(tmp_path, {"grid": {"policies[pairing_2030].ratio": [0.1], "hours.dayz": [3]}})
    run = subprocess.run([sys.executable, "-m", "gridplan.sweep", "sweep", str(path), "--out", str(tmp_path / "o")], check=False,
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert f"{path}: grid.policies[pairing_2030].ratio: path does not exist" in run.stderr
    assert f"{path}: grid.hours.dayz" in run.stderr and "days" in run.stderr
    assert not (tmp_path / "o").exists()


def test_example_sweeps_are_valid():
    for path in sorted((ROOT / "examples" / "sweeps").glob("*.yaml")):
        sweep = load_sweep(path)
        assert sweep.scenarios, path
