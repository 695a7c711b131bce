"""The sweep's records on disk: one folder per scenario and one table across them.

Layout of a sweep's output folder ``DIR``::

    DIR/sweep.parquet         one row per finished scenario: parameters and KPIs
    DIR/<scenario>/           a normal result folder (summary.json, capacity.csv, ...
                              as written by gridplan.write_result) plus scenario.json
    DIR/<failed>/             error.json and scenario.json only

Every scenario folder is written atomically (:func:`gridplan.output.write_atomically`),
so it is either a whole result, a whole failure record, or absent.
``scenario.json`` holds the scenario's name, hash, status, overrides and its
row of the table, so the table can always be rebuilt from the folders: it is
rewritten (to a temporary file, then renamed over the old one) after every
scenario, and a run that dies between the two writes loses nothing.

Columns of ``sweep.parquet`` (query with DuckDB:
``SELECT * FROM 'DIR/sweep.parquet'``; names with dots need double quotes):

* ``scenario``, ``status`` (``done``/``failed``), ``hash`` (sha256 of the
  scenario's inputs), ``error_type``, ``error``, ``elapsed_s`` and ``cpu_s``
  (wall and CPU seconds in the worker), ``worker`` (``host:pid``);
* ``param.<path>``: each override's value (numbers as numbers, anything else as JSON text);
* ``objective_cny``: discounted total system cost over the planning years, CNY;
* ``annual_cost_cny.<year>``: undiscounted system cost of the year, CNY/yr;
* ``capacity_mw.<technology>.<year>``, ``storage_mwh.<technology>.<year>``;
* ``<kpi>.<year>`` for every column of ``Result.kpis`` (``demand_mwh``,
  ``clean_share_installed``, ``non_fossil_share_installed``,
  ``vre_curtailment_share``, ``unserved_energy_mwh``, ``emissions_t``,
  ``import_share``, ...);
* ``targets_missed``: number of target rows not met;
* ``cost_of_rule_cny.<policy>`` when the sweep sets ``cost_of_rules: true``;
* ``solve_s`` (HiGHS seconds) and ``warm_started`` (the LP started from the
  optimal basis of a scenario of the same structure solved before in the same
  worker); for a myopic scenario, of its last planning year. Where the optimum
  is not unique, a warm-started scenario may land on another optimal vertex
  (same cost, other dispatch) than a cold one.

Hook for the comparison report (``gridplan report --compare``): every
``DIR/<scenario>`` whose status is ``done`` is an ordinary result folder, so
:func:`scenario_dirs` lists what can be compared, and :func:`read_store`
gives the table to pick them from.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridplan.output import write_atomically, write_file_atomically, write_files
from gridplan.sweep.spec import Scenario
from gridplan.sweep.worker import Outcome

STORE = "sweep.parquet"
RECORD = "scenario.json"
ERROR = "error.json"
_FIRST = ["scenario", "status", "hash", "error_type", "error", "elapsed_s", "cpu_s", "worker"]


def _num(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return v


def result_row(result) -> dict[str, Any]:
    """The KPI columns of one solved scenario (see the module docstring)."""
    row: dict[str, Any] = {"objective_cny": _num(result.objective_cny)}
    for y, grp in result.costs.groupby("year"):
        row[f"annual_cost_cny.{int(y)}"] = _num(grp.annual_cny.sum())
    cap = result.capacity
    for (y, tech), v in cap.groupby(["year", "technology"]).capacity_mw.sum().items():
        row[f"capacity_mw.{tech}.{int(y)}"] = _num(v)
    sto = cap[cap.family == "storage"]
    for (y, tech), v in sto.groupby(["year", "technology"]).energy_mwh.sum().items():
        row[f"storage_mwh.{tech}.{int(y)}"] = _num(v)
    for rec in result.kpis.to_dict("records"):
        y = int(rec.pop("year"))
        for k, v in rec.items():
            row[f"{k}.{y}"] = _num(v)
    targets = result.targets
    row["targets_missed"] = float((~targets.met.astype(bool)).sum()) if len(targets) else 0.0
    if "cost_of_rule_cny" in targets:
        for policy, v in targets.groupby("policy").cost_of_rule_cny.first().items():
            row[f"cost_of_rule_cny.{policy}"] = _num(v)
    row["solve_s"] = _num(result.timings_s.get("solve", float("nan")))
    row["warm_started"] = bool(result.solver.get("warm_started", False))
    return row


def _param_value(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str)):
        return v
    return json.dumps(v, sort_keys=True, default=str)


def scenario_row(scenario: Scenario, outcome: Outcome) -> dict[str, Any]:
    """The full table row of a finished scenario: identity, parameters and KPIs (or the error)."""
    row: dict[str, Any] = {
        "scenario": scenario.name,
        "status": outcome.status,
        "hash": scenario.digest,
        "error_type": outcome.error_type or None,
        "error": outcome.error or None,
        "elapsed_s": round(float(outcome.elapsed_s), 3),
        "cpu_s": round(float(outcome.cpu_s), 3),
        "worker": outcome.worker or None,
    }
    for path, v in scenario.overrides.items():
        row[f"param.{path}"] = _param_value(v)
    if outcome.status == "done" and outcome.result is not None:
        row.update(result_row(outcome.result))
    return row


def _record(scenario: Scenario, outcome: Outcome, row: dict) -> dict:
    return {
        "name": scenario.name,
        "identity": scenario.identity,
        "hash": scenario.digest,
        "status": outcome.status,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "description": scenario.description,
        "case_file": scenario.case_file,
        "overrides": scenario.overrides,
        "solve": scenario.solve,
        "cost_of_rules": scenario.cost_of_rules,
        "row": row,
    }


def write_scenario(out_dir: Path, scenario: Scenario, outcome: Outcome) -> dict:
    """Write ``DIR/<scenario>/`` atomically (result files or error.json, plus scenario.json); return its row."""
    row = scenario_row(scenario, outcome)
    record = _record(scenario, outcome, row)

    def writer(tmp: Path) -> None:
        if outcome.status == "done":
            write_files(outcome.result, tmp)
        else:
            error = {"scenario": scenario.name, "error_type": outcome.error_type, "error": outcome.error,
                     "traceback": outcome.traceback, "worker": outcome.worker}
            (tmp / ERROR).write_text(json.dumps(error, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        # scenario.json last: a folder with it is complete (the rename makes the whole folder appear at once anyway).
        (tmp / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    write_atomically(Path(out_dir) / scenario.name, writer)
    return row


def read_record(out_dir: Path, name: str) -> dict | None:
    """``DIR/<name>/scenario.json``, or None when absent or unreadable (then the scenario runs again)."""
    path = Path(out_dir) / name / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """The store table from rows: fixed columns first, then parameters, then KPIs in first-seen order."""
    if not rows:
        return pd.DataFrame(columns=_FIRST)
    cols: list[str] = list(_FIRST)
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    params = [c for c in cols if c.startswith("param.")]
    rest = [c for c in cols if c not in _FIRST and c not in params]
    df = pd.DataFrame(rows, columns=_FIRST + params + rest)
    for c in params:
        values = [v for v in df[c] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        # A column of parquet holds one type: mixed numbers and text become text.
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            df[c] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else (v if isinstance(v, str) else json.dumps(v)) for v in df[c]]
        else:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in rest:
        if c != "targets_missed" and df[c].dtype == object:
            df[c] = pd.to_numeric(df[c], errors="coerce")
    for c in ("error_type", "error", "worker", "scenario", "status", "hash"):
        df[c] = df[c].astype("string")
    for c in ("elapsed_s", "cpu_s"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def write_store(out_dir: Path, rows: list[dict]) -> Path:
    """Write ``DIR/sweep.parquet`` from ``rows``; readers see the old table or the new one, never half."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = rows_frame(rows)
    return write_file_atomically(out_dir / STORE, lambda tmp: frame.to_parquet(tmp, index=False))


def read_store(out_dir: str | Path) -> pd.DataFrame:
    """The table of a sweep folder (``DIR/sweep.parquet``).

    Raises
    ------
    InputError
        When the folder holds no sweep table.
    """
    from gridplan.errors import InputError

    path = Path(out_dir) / STORE
    if not path.is_file():
        raise InputError(str(out_dir), "", f"holds no {STORE}", "give the --out folder of a gridplan sweep run")
    return pd.read_parquet(path)


def scenario_dirs(out_dir: str | Path, status: str = "done") -> dict[str, Path]:
    """Scenario name → result folder for the scenarios of the table with ``status`` (hook for ``report --compare``)."""
    table = read_store(out_dir)
    return {str(n): Path(out_dir) / str(n) for n in table.loc[table.status == status, "scenario"]}
