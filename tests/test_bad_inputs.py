"""The catalogue of bad inputs: every one gives its message, exit code 2 and no traceback.

Each entry of ``tests/bad_cases/catalogue.yaml`` corrupts the valid case
``tests/bad_cases/base.yaml``. Most run in-process through
:func:`gridplan.load_case` (which runs the schema, the checks across blocks
and the file checks); the entries marked ``cli: true`` also run through the
real command line.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import gridplan
from gridplan.errors import InputError, InputErrors

HERE = Path(__file__).resolve().parent / "bad_cases"
BASE = yaml.safe_load((HERE / "base.yaml").read_text(encoding="utf-8"))
CATALOGUE = yaml.safe_load((HERE / "catalogue.yaml").read_text(encoding="utf-8"))
HOURS = 8760
#: Override that keeps only the node ``city``: the cheap base for tests that solve.
ONE_NODE = {"delete": ["nodes.port", "links"]}


def base_series() -> dict[str, pd.DataFrame]:
    """The valid files of the base case: hourly demand shape and PV capacity factor."""
    h = np.arange(HOURS)
    demand = 500 + 100 * np.sin(2 * np.pi * (h % 24 - 9) / 24)
    pv = np.round(np.clip(np.sin(2 * np.pi * (h % 24 - 6) / 24), 0, None), 4)
    return {"demand.csv": pd.DataFrame({"demand": demand}), "pv.csv": pd.DataFrame({"pv": pv})}


def _key(container, part: str):
    """The key or index ``part`` names in ``container`` (YAML years are ints, list items by position)."""
    if isinstance(container, list):
        return int(part)
    if part not in container and part.lstrip("-").isdigit() and int(part) in container:
        return int(part)
    return part


def set_path(case: dict, path: str, value) -> None:
    """Set ``case[a][b]...`` for the dotted ``path`` (creating mappings on the way)."""
    parts = path.split(".")
    node = case
    for part in parts[:-1]:
        k = _key(node, part)
        if isinstance(node, dict) and k not in node:
            node[k] = {}
        node = node[k]
    node[_key(node, parts[-1])] = copy.deepcopy(value)


def delete_path(case: dict, path: str) -> None:
    parts = path.split(".")
    node = case
    for part in parts[:-1]:
        node = node[_key(node, part)]
    del node[_key(node, parts[-1])]


def series_file(spec: dict) -> str:
    """CSV text for a file spec of the catalogue."""
    if "text" in spec:
        return spec["text"]
    if "weather_rows" in spec:
        n = spec["weather_rows"]
        stamps = pd.date_range("2025-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
        rows = "\n".join(f"{t},100,50,40,25.0,3.0" for t in stamps)
        return ("# gridplan weather v1\n# latitude: 23.0\n# longitude: 113.7\n# tz: Asia/Shanghai\n"
                "time,ghi,dni,dhi,temp_air,wind_speed\n" + rows + "\n")
    n = spec.get("rows", HOURS)
    column = spec["column"]
    base = base_series()["pv.csv" if column == "pv" else "demand.csv"][column].to_numpy()
    values = np.resize(base, n).astype(object) if "value" not in spec else np.full(n, spec["value"], dtype=object)
    for r in spec.get("nan_rows", []):
        values[r] = ""
    for r, v in (spec.get("values_at") or {}).items():
        values[int(r)] = v
    frame = pd.DataFrame({column: values})
    if "time_step_h" in spec:
        frame.insert(0, "time", pd.date_range("2025-01-01", periods=n, freq=f"{spec['time_step_h']}h").strftime("%Y-%m-%d %H:%M"))
    return frame.to_csv(index=False)


def build(entry: dict, folder: Path) -> Path:
    """Write the base case with ``entry``'s corruption into ``folder``; return the case file."""
    for name, frame in base_series().items():
        frame.to_csv(folder / name, index=False)
    path = folder / "case.yaml"
    if "case_text" in entry:
        path.write_text(entry["case_text"], encoding="utf-8")
        return path
    case = copy.deepcopy(BASE)
    for p, v in (entry.get("set") or {}).items():
        set_path(case, p, v)
    for p in entry.get("delete") or []:
        delete_path(case, p)
    for name, spec in (entry.get("files") or {}).items():
        (folder / name).write_text(series_file(spec), encoding="utf-8")
    path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def expected_lines(entry: dict) -> list[list[str]]:
    exp = entry["expect"]
    return exp if isinstance(exp[0], list) else [exp]


def error_lines(path: Path) -> list[str]:
    """The one-line messages ``load_case`` raises for ``path`` (fails the test when it loads)."""
    with pytest.raises((InputError, InputErrors)) as info:
        gridplan.load_case(path)
    exc = info.value
    return [e.line() for e in exc.errors] if isinstance(exc, InputErrors) else [exc.line()]


def assert_reported(lines: list[str], entry: dict) -> None:
    for want in expected_lines(entry):
        assert any(all(w in line for w in want) for line in lines), (
            f"{entry['id']}: no line holds all of {want}; got:\n" + "\n".join(lines))


def test_catalogue_is_large_and_well_formed():
    ids = [e["id"] for e in CATALOGUE]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids), "catalogue ids must be unique"
    assert sum(bool(e.get("cli")) for e in CATALOGUE) >= 5


def test_base_case_is_valid_and_solves(tmp_path):
    gridplan.load_case(build({"id": "base"}, tmp_path))
    path = build({"id": "one_node", **ONE_NODE}, tmp_path)
    case = gridplan.load_case(path)
    result = gridplan.solve(case, method="simplex")
    assert result.status == "optimal"


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["id"] for e in CATALOGUE])
def test_bad_input_gives_its_message(entry, tmp_path):
    path = build(entry, tmp_path)
    lines = error_lines(path)
    assert_reported(lines, entry)
    # Every line names the file at fault first.
    for line in lines:
        assert line.startswith((str(path), str(tmp_path))), line


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gridplan", *map(str, args)], capture_output=True, text=True, check=False)


CLI_ENTRIES = [e for e in CATALOGUE if e.get("cli")]


@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=[e["id"] for e in CLI_ENTRIES])
def test_bad_input_through_the_command_line(entry, tmp_path):
    path = build(entry, tmp_path)
    run = _cli("validate", path)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = [ln.strip().removeprefix("error: ") for ln in run.stderr.splitlines() if "error:" in ln]
    assert lines, run.stderr
    assert_reported(lines, entry)


def test_every_problem_of_one_file_is_listed_together(tmp_path):
    """Schema errors, cross-block errors and file errors come out of one run, not one per run."""
    entry = {"id": "many", "set": {"generators.0.capex_cny_per_kw": "cheap", "generators.1.node": "town",
                                   "policies.0.year": 2035, "storage.0.min_duration_h": 9,
                                   "nodes.city.weather": "atlantis"},
             "files": {"pv.csv": {"column": "pv", "rows": 100}}}
    lines = error_lines(build(entry, tmp_path))
    for want in (["generators[pv].capex_cny_per_kw"], ["generators[gas].node", "town"], ["policies[pv_2030].year"],
                 ["storage[battery]", "min_duration_h 9.0"], ["nodes.city.weather", "atlantis"], ["pv.csv", "100 rows"]):
        assert any(all(w in ln for w in want) for ln in lines), (want, lines)
    assert len(lines) == len(set(lines)), "a problem is listed twice"


def test_debug_flag_shows_the_traceback(tmp_path):
    path = build({"id": "x", "set": {"generators.1.node": "town"}}, tmp_path)
    run = _cli("--debug", "validate", path)
    assert run.returncode != 0
    assert "Traceback" in run.stderr and "unknown node 'town'" in run.stderr
