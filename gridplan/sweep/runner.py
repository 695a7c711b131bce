"""Run a sweep: skip what is done, run the rest, record every outcome as it arrives."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from gridplan.errors import InputError
from gridplan.sweep.spec import Sweep, load_sweep, sweep_from_python
from gridplan.sweep.store import (
    RECORD,
    STORE,
    read_record,
    rows_frame,
    write_scenario,
    write_store,
)
from gridplan.sweep.worker import run_scenario

Progress = Callable[[dict], None]


class _Lock:
    """``DIR/.sweep.lock``: one run per output folder, so two runs never write the same scenario."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / ".sweep.lock"

    def __enter__(self):
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and _alive(pid):
                    raise InputError(str(self.path.parent), "", f"is in use by another gridplan sweep (process {pid})",
                                     "wait for it to finish, or use another --out folder") from None
                self.path.unlink(missing_ok=True)  # left by a run that was killed
                continue
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            return self
        raise InputError(str(self.path.parent), "", "cannot take the sweep lock", f"remove {self.path}")

    def __exit__(self, *exc):
        self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_temporaries(out_dir: Path) -> None:
    """Remove the temporary folders and files of a run that was killed mid-write (they were never renamed in)."""
    for p in out_dir.glob(".*"):
        if ".tmp-" in p.name or ".old-" in p.name:
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f".{STORE}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)


def _recorded_rows(sweep: Sweep, out_dir: Path) -> dict[str, dict]:
    """Rows of every scenario of ``sweep`` whose folder holds a finished record with its current hash."""
    out = {}
    for s in sweep.scenarios:
        rec = read_record(out_dir, s.name)
        if rec and rec.get("hash") == s.digest and rec.get("status") in ("done", "failed"):
            out[s.name] = rec["row"]
    return out


def plan(sweep: Sweep, out_dir: Path, retry_failed: bool = False) -> tuple[list, dict[str, dict]]:
    """Split a sweep into the scenarios to run and the rows of those already finished with the same hash.

    A scenario is skipped when ``DIR/<name>/scenario.json`` has the same hash
    and status ``done`` (or ``failed``, unless ``retry_failed``). A changed
    hash (the base case, an override, the solve settings or gridplan's
    version changed) runs it again.
    """
    todo, finished = [], {}
    for s in sweep.scenarios:
        rec = read_record(out_dir, s.name)
        if rec and rec.get("hash") == s.digest and (rec.get("status") == "done" or (rec.get("status") == "failed" and not retry_failed)):
            finished[s.name] = rec["row"]
        else:
            todo.append(s)
    return todo, finished


def run_sweep(base_case=None, grid: dict | None = None, scenarios: list | dict | None = None, *,
              out: str | Path, sweep: Sweep | str | Path | None = None, executor=None,
              solve: dict | None = None, cost_of_rules: bool = False, retry_failed: bool = False,
              progress: Progress | None = None, scenario_fn=run_scenario) -> pd.DataFrame:
    """Run every scenario of a sweep and return the table of parameters and KPIs.

    Parameters
    ----------
    base_case : path, Case or dict, optional
        The base case (with ``grid`` and/or ``scenarios``); or give ``sweep``.
    grid : dict, optional
        Override path → list of values; every combination is one scenario.
    scenarios : list or dict, optional
        ``[{"name": ..., "set": {path: value}}]`` or ``{name: {path: value}}``.
    out : path
        Output folder: ``out/<scenario>/`` per scenario and ``out/sweep.parquet``.
    sweep : Sweep or path to a sweep file, optional
        Instead of ``base_case``/``grid``/``scenarios``.
    executor : ProcessPool or DaskExecutor, optional
        Where to run (default: a local process pool with one worker per CPU).
    solve : dict, optional
        Solve settings (:class:`~gridplan.sweep.spec.SolveSettings`): ``days``,
        ``start``, ``year``, ``method``, ``time_limit_s``, ``threads``, ``myopic``.
    cost_of_rules : bool
        Also price every binding rule (one re-solve per rule and scenario).
    retry_failed : bool
        Run scenarios recorded as failed again (default: keep their record).
    progress : callable, optional
        Called with ``{"total", "skipped", "done", "failed", "running", "last"}``
        whenever a scenario starts or finishes.
    scenario_fn : callable
        What runs in the worker (default :func:`~gridplan.sweep.worker.run_scenario`);
        a picklable wrapper can add work around each scenario.

    Returns
    -------
    pandas.DataFrame
        One row per scenario of the sweep that has finished, in the sweep's
        order (the content of ``out/sweep.parquet``, see
        :mod:`gridplan.sweep.store`); ``.attrs["counts"]`` says how many ran,
        were skipped, finished and failed in this call.

    Raises
    ------
    InputErrors
        The sweep is invalid (nothing runs).
    """
    from gridplan.sweep.executors import ProcessPool

    if sweep is None:
        if base_case is None:
            raise TypeError("run_sweep needs base_case (with grid and/or scenarios) or sweep")
        sweep = sweep_from_python(base_case, grid, scenarios, solve=solve, cost_of_rules=cost_of_rules)
    elif not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = executor or ProcessPool()
    with _Lock(out_dir):
        _clean_temporaries(out_dir)
        todo, finished = plan(sweep, out_dir, retry_failed)
        order = [s.name for s in sweep.scenarios]
        counts = {"total": len(order), "skipped": len(finished), "ran": len(todo), "done": 0, "failed": 0, "running": 0,
                  "last": None}

        def rows() -> list[dict]:
            return [finished[n] for n in order if n in finished]

        running: set[str] = set()

        def notify(event: str, s) -> None:
            (running.add if event == "start" else running.discard)(s.name)
            counts["running"] = len(running)
            if progress is not None:
                progress(dict(counts))

        write_store(out_dir, rows())  # the table matches this sweep from the start, even before anything runs
        if progress is not None:
            progress(dict(counts))
        outcomes = executor.run(scenario_fn, todo, notify)
        try:
            for scenario, outcome in outcomes:
                finished[scenario.name] = write_scenario(out_dir, scenario, outcome)
                write_store(out_dir, rows())
                counts[outcome.status] += 1
                running.discard(scenario.name)
                counts["running"] = len(running)
                counts["last"] = scenario.name
                if progress is not None:
                    progress(dict(counts))
        finally:
            outcomes.close()  # stops the workers now (Ctrl-C arrives here, not inside the executor, half the time)
            # Interrupted between a scenario's folder and the table, or inside the table's write? The folders
            # are the truth: rebuild the table from them, whatever happened.
            finished = _recorded_rows(sweep, out_dir)
            write_store(out_dir, rows())
    table = rows_frame(rows())
    counts.pop("running")
    table.attrs["counts"] = counts
    return table


__all__ = ["RECORD", "plan", "run_sweep"]
