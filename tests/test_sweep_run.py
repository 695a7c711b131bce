"""Running sweeps: a local process pool and a real Dask LocalCluster, failures, crashes, resume.

Small synthetic cases (one node, three days) keep the whole file near a minute on two cores.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridplan.sweep import DaskExecutor, ProcessPool, load_sweep, read_store, run_sweep
from gridplan.sweep.runner import plan
from gridplan.sweep.worker import run_scenario
from tests.conftest import case_dict, default_sigint, write_case

HOURS = 8760
KPI_PREFIXES = ("objective_cny", "annual_cost_cny.", "capacity_mw.", "storage_mwh.", "demand_mwh.", "unserved_energy_mwh.",
                "vre_curtailment_share.", "clean_share_installed.", "emissions_t.")

# Six scenarios; "impossible" asks for more PV than may be built (a hard target): infeasible on purpose.
SCENARIOS = {
    "pv1000": {"generators[pv].capex_cny_per_kw": 1000},
    "pv2000": {"generators[pv].capex_cny_per_kw": 2000},
    "pv4000": {"generators[pv].capex_cny_per_kw": 4000},
    "pv8000": {"generators[pv].capex_cny_per_kw": 8000},
    "cheap_storage": {"storage[battery].capex_cny_per_kwh": 200},
    "impossible": {"policies[pv_min].mw": 50000},
}
SOLVE = {"days": 3, "method": "simplex"}


@pytest.fixture(scope="module")
def base_case(tmp_path_factory) -> Path:
    hours = np.arange(HOURS)
    demand = 500 + 100 * np.sin(2 * np.pi * (hours % 24) / 24)
    pv = np.clip(np.sin(2 * np.pi * ((hours % 24) - 6) / 24), 0, None)
    case = case_dict(
        demand,
        generators=[{"name": "pv", "node": "city", "profile_file": "pv.csv", "profile_column": "pv", "capex_cny_per_kw": 3000,
                     "max_total_mw": 2000, "clean": True, "non_fossil": True},
                    {"name": "gas", "node": "city", "variable_om_cny_per_mwh": 600, "capex_cny_per_kw": 3000}],
        storage=[{"name": "battery", "node": "city", "capex_cny_per_kw": 500, "capex_cny_per_kwh": 800}],
        policies=[{"name": "pv_min", "type": "min_capacity", "year": 2025, "assets": ["pv"], "mw": 100}],
    )
    return write_case(tmp_path_factory.mktemp("sweep_case"), case, {"demand": demand, "pv": pv})


def _kpis(table: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in table.columns if c.startswith(KPI_PREFIXES)]
    return table.set_index("scenario")[cols].sort_index()


def _check_five_done_one_failed(out: Path, table: pd.DataFrame) -> None:
    assert list(table.scenario) == list(SCENARIOS)  # the sweep's order, whatever order they finished in
    status = table.set_index("scenario").status
    assert (status.drop("impossible") == "done").all() and status["impossible"] == "failed"
    failed = table.set_index("scenario").loc["impossible"]
    assert failed.error_type == "SolveError" and "cannot all hold" in failed.error
    error = json.loads((out / "impossible" / "error.json").read_text())
    assert error["error_type"] == "SolveError"
    assert not (out / "impossible" / "summary.json").exists()
    for name in SCENARIOS:
        if name == "impossible":
            continue
        summary = json.loads((out / name / "summary.json").read_text())
        row = table.set_index("scenario").loc[name]
        assert summary["objective_cny"] == pytest.approx(row.objective_cny, rel=1e-9)
        assert json.loads((out / name / "scenario.json").read_text())["status"] == "done"
    # A dearer input can never make the optimum cheaper: cost rises with the PV price.
    cost = table.set_index("scenario").objective_cny
    assert cost["pv1000"] <= cost["pv2000"] <= cost["pv4000"] <= cost["pv8000"]
    assert cost["pv1000"] < cost["pv8000"]
    # What is on disk is what came back, and no temporary file or folder is left over.
    pd.testing.assert_frame_equal(read_store(out), table)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def pool_run(base_case, tmp_path_factory):
    out = tmp_path_factory.mktemp("pool") / "sweep"
    table = run_sweep(base_case, scenarios=SCENARIOS, solve=SOLVE, out=out, executor=ProcessPool(2))
    return out, table


def test_pool_sweep_records_five_results_and_one_failure(pool_run):
    out, table = pool_run
    _check_five_done_one_failed(out, table)
    assert table.attrs["counts"] == {"total": 6, "skipped": 0, "ran": 6, "done": 5, "failed": 1, "last": table.attrs["counts"]["last"]}
    assert (table["param.generators[pv].capex_cny_per_kw"].dropna().tolist() == [1000, 2000, 4000, 8000])


def test_each_worker_starts_its_later_scenarios_warm(pool_run):
    _out, table = pool_run
    done = table[table.status == "done"]
    # Same case, same hours: every scenario after a worker's first starts from the basis it kept.
    first_per_worker = done.groupby("worker").head(1)
    assert not first_per_worker.warm_started.any()
    assert done.warm_started.sum() == len(done) - len(first_per_worker)
    assert (done.solve_s >= 0).all()


def test_warm_start_false_solves_every_scenario_cold(base_case, tmp_path):
    scenarios = {k: SCENARIOS[k] for k in ("pv1000", "pv2000", "pv4000")}
    table = run_sweep(base_case, scenarios=scenarios, solve={**SOLVE, "warm_start": False}, out=tmp_path / "cold",
                      executor=ProcessPool(1))
    assert (table.status == "done").all() and not table.warm_started.any()


def test_store_is_queryable_with_duckdb(pool_run):
    duckdb = pytest.importorskip("duckdb")
    out, table = pool_run
    got = duckdb.sql(f"""SELECT scenario, objective_cny FROM '{out / "sweep.parquet"}'
                         WHERE status = 'done' AND "param.generators[pv].capex_cny_per_kw" >= 2000
                         ORDER BY objective_cny""").fetchall()
    assert [name for name, _ in got] == ["pv2000", "pv4000", "pv8000"]
    assert got[0][1] == pytest.approx(table.set_index("scenario").objective_cny["pv2000"], rel=1e-12)


def test_cli_on_the_same_sweep_as_a_file_runs_nothing_reports_the_failure_and_summarises(pool_run, base_case, tmp_path):
    """Identity is the inputs, not how the sweep was given: the YAML twin of the Python sweep finds it done."""
    import typer
    import yaml
    from typer.testing import CliRunner

    from gridplan.sweep.commands import register

    out, _ = pool_run
    sweep = tmp_path / "twin.yaml"
    sweep.write_text(yaml.safe_dump({"base": str(base_case), "solve": SOLVE,
                                     "scenarios": [{"name": k, "set": v} for k, v in SCENARIOS.items()]}), encoding="utf-8")
    app = typer.Typer()
    register(app)
    run = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out), "--workers", "2"])
    assert run.exit_code == 1, run.output  # a recorded failure is reported by the exit code
    assert "(0 run now, 6 kept from before)" in run.output
    assert "failed: impossible: SolveError" in run.output
    summary = CliRunner().invoke(app, ["sweep-summary", str(out), "--columns", "status,objective_cny"])
    assert summary.exit_code == 0, summary.output
    assert all(name in summary.output for name in SCENARIOS) and "failed" in summary.output


def test_rerun_skips_done_and_failed_unless_asked_and_reruns_what_changed(pool_run, base_case):
    out, first = pool_run
    stamps = {p.name: (p / "scenario.json").stat().st_mtime_ns for p in out.iterdir() if p.is_dir()}
    again = run_sweep(base_case, scenarios=SCENARIOS, solve=SOLVE, out=out, executor=ProcessPool(2))
    assert again.attrs["counts"]["ran"] == 0 and again.attrs["counts"]["skipped"] == 6
    assert {p.name: (p / "scenario.json").stat().st_mtime_ns for p in out.iterdir() if p.is_dir()} == stamps
    pd.testing.assert_frame_equal(again, first)

    retry = run_sweep(base_case, scenarios=SCENARIOS, solve=SOLVE, out=out, executor=ProcessPool(2), retry_failed=True)
    assert retry.attrs["counts"]["ran"] == 1 and retry.attrs["counts"]["failed"] == 1

    changed = {**SCENARIOS, "pv8000": {"generators[pv].capex_cny_per_kw": 9000}}
    third = run_sweep(base_case, scenarios=changed, solve=SOLVE, out=out, executor=ProcessPool(2))
    assert third.attrs["counts"]["ran"] == 1 and third.attrs["counts"]["last"] == "pv8000"
    row = third.set_index("scenario").loc["pv8000"]
    assert row["param.generators[pv].capex_cny_per_kw"] == 9000
    assert row.objective_cny >= first.set_index("scenario").loc["pv8000"].objective_cny


def _crash_or_run(marker_dir: str, slow_s: float, scenario):
    """Worker function for the tests: "crash" kills its worker; "slow" waits (so the test can kill it)."""
    if scenario.name == "crash":
        os._exit(13)
    if scenario.name == "slow":
        Path(marker_dir, f"slow.{os.getpid()}").write_text("started")
        time.sleep(slow_s)
    return run_scenario(scenario)


CRASH_SCENARIOS = {"slow": {"generators[pv].capex_cny_per_kw": 2500}, "crash": {"generators[pv].capex_cny_per_kw": 2600},
                   "a": {"generators[pv].capex_cny_per_kw": 2700}, "b": {"generators[pv].capex_cny_per_kw": 2800}}


def _kill_first_slow_worker(marker_dir: Path, killed: list) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = sorted(marker_dir.glob("slow.*"))
        if found:
            pid = int(found[0].suffix[1:])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.05)


def test_pool_worker_crash_is_recorded_and_innocent_scenarios_finish(base_case, tmp_path):
    out = tmp_path / "sweep"
    fn = functools.partial(_crash_or_run, str(tmp_path), 0.0)
    scenarios = {k: CRASH_SCENARIOS[k] for k in ("crash", "a")}  # "a" dies with the pool, then runs again alone
    seen: list[dict] = []
    table = run_sweep(base_case, scenarios=scenarios, solve=SOLVE, out=out, executor=ProcessPool(2), scenario_fn=fn,
                      progress=seen.append)
    status = table.set_index("scenario").status
    assert status.to_dict() == {"crash": "failed", "a": "done"}
    assert max(c["running"] for c in seen) == 2 and seen[-1]["running"] == 0
    assert table.set_index("scenario").loc["crash"].error_type == "WorkerCrashed"
    assert json.loads((out / "crash" / "error.json").read_text())["error_type"] == "WorkerCrashed"


@pytest.fixture(scope="module")
def dask_module():
    pytest.importorskip("distributed", reason='Dask distributed is not installed (pip install "dask[distributed]")')
    import cloudpickle

    # The test's worker function travels by value: Dask workers need not import this test module.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_dask_local_cluster_sweep_matches_the_pool_and_reruns_nothing(dask_module, pool_run, base_case, tmp_path):
    out = tmp_path / "sweep"
    table = run_sweep(base_case, scenarios=SCENARIOS, solve=SOLVE, out=out, executor=DaskExecutor(local_workers=2))
    _check_five_done_one_failed(out, table)
    workers = set(table.worker.dropna())
    assert len(workers) == 2, workers  # both Dask worker processes took scenarios
    pd.testing.assert_frame_equal(_kpis(table), _kpis(pool_run[1]), rtol=1e-9)  # the pool gives the same KPIs

    again = run_sweep(base_case, scenarios=SCENARIOS, solve=SOLVE, out=out, executor=DaskExecutor(local_workers=2))
    assert again.attrs["counts"]["ran"] == 0
    pd.testing.assert_frame_equal(again, table)


def test_dask_worker_deaths_lose_nothing(dask_module, base_case, tmp_path):
    """A worker killed from outside mid-scenario, and a scenario that kills every worker it runs on.

    ``allowed_failures=0`` makes Dask give up on a task at its first dead worker, so
    that both go through the executor's own path (again, alone) in few worker restarts.
    """
    out = tmp_path / "sweep"
    killed: list[int] = []
    killer = threading.Thread(target=_kill_first_slow_worker, args=(tmp_path, killed), daemon=True)
    killer.start()
    fn = functools.partial(_crash_or_run, str(tmp_path), 2.0)
    table = run_sweep(base_case, scenarios=CRASH_SCENARIOS, solve=SOLVE, out=out,
                      executor=DaskExecutor(local_workers=2, allowed_failures=0), scenario_fn=fn)
    killer.join(5)
    assert killed, "the slow scenario never started"
    status = table.set_index("scenario").status.to_dict()
    # The killed scenario was run again and finished; the crashing one is recorded, not lost.
    assert status == {"slow": "done", "crash": "failed", "a": "done", "b": "done"}
    assert table.set_index("scenario").loc["crash"].error_type == "WorkerCrashed"
    assert len(list(tmp_path.glob("slow.*"))) == 2  # it did start twice
    for name in ("slow", "a", "b"):
        assert (out / name / "summary.json").is_file()
    assert (out / "crash" / "error.json").is_file()
    pd.testing.assert_frame_equal(read_store(out), table)


def test_ctrl_c_keeps_finished_scenarios_whole_and_a_rerun_finishes_the_rest(base_case, tmp_path):
    sweep = tmp_path / "sweep.yaml"
    values = [1000, 2000, 3000, 4000, 5000]
    sweep.write_text(f"base: {base_case}\nsolve: {{days: 30, method: simplex}}\n"
                     f"grid:\n  generators[pv].capex_cny_per_kw: {values}\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "gridplan.sweep", "sweep", str(sweep), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not [p for p in out.glob("*/scenario.json") if not p.parent.name.startswith(".")]:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err, err
    finished = sorted(p.parent.name for p in out.glob("*/scenario.json"))
    assert finished and len(finished) < len(values), (finished, err)
    # Nothing half-written: only whole scenario folders, the table and no temporaries or lock.
    assert sorted(p.name for p in out.iterdir()) == sorted(finished + ["sweep.parquet"]), err
    assert sorted(read_store(out).scenario) == finished, err
    for name in finished:
        assert (out / name / "summary.json").is_file() and (out / name / "dispatch.parquet").is_file()
    # The same command again runs exactly the scenarios that were not finished.
    todo, kept = plan(load_sweep(sweep), out)
    assert sorted(kept) == finished and len(todo) == len(values) - len(finished)


def test_cost_of_rules_column_equals_the_cost_difference_and_bad_values_fail_one_scenario(base_case, tmp_path):
    # PV too dear to build unless the 100 MW floor forces it: the floor binds and has a price.
    scenarios = {"dear_pv": {"generators[pv].capex_cny_per_kw": 60000},
                 "dear_pv_no_floor": {"generators[pv].capex_cny_per_kw": 60000, "policies[pv_min].mw": 0},
                 "bad_rate": {"discount_rate": 2}}
    table = run_sweep(base_case, scenarios=scenarios, solve=SOLVE, cost_of_rules=True, out=tmp_path / "o",
                      executor=ProcessPool(2)).set_index("scenario")
    cost = table.loc["dear_pv", "cost_of_rule_cny.pv_min"]
    assert cost > 0
    assert cost == pytest.approx(table.loc["dear_pv", "objective_cny"] - table.loc["dear_pv_no_floor", "objective_cny"], rel=1e-6)
    assert table.loc["dear_pv_no_floor", "cost_of_rule_cny.pv_min"] == pytest.approx(0.0, abs=1e-3)
    # A value the case format refuses fails that scenario only, with the case's own error line.
    assert table.loc["bad_rate", "status"] == "failed" and table.loc["bad_rate", "error_type"] == "InputErrors"
    assert "discount_rate" in table.loc["bad_rate", "error"] and "scenario bad_rate" in table.loc["bad_rate", "error"]
