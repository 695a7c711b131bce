"""``gridplan sweep`` and ``gridplan sweep-summary``.

Mounted on the main app by :func:`register` (one line in ``gridplan/cli.py``).
Exit codes: 0 every scenario is done; 1 some scenario is recorded as failed
(its ``error.json`` says why; the others are complete); 2 the sweep file or
an option is wrong (nothing ran); 130 interrupted (every finished scenario
is kept; run the same command again to go on).
"""

from __future__ import annotations

import fnmatch
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

_err = Console(stderr=True)
_out = Console()

#: Columns sweep-summary shows unless --columns says otherwise (fnmatch patterns).
DEFAULT_COLUMNS = ["scenario", "status", "param.*", "objective_cny", "capacity_mw.*", "unserved_energy_mwh.*",
                   "vre_curtailment_share.*", "clean_share_installed.*", "targets_missed", "cost_of_rule_cny.*", "error"]


def _fail(exc: BaseException) -> None:
    from gridplan.cli import _fail as cli_fail

    cli_fail(exc)


def sweep_command(
    sweep_file: Path = typer.Argument(..., help="Sweep file (YAML): a base case and a grid and/or named scenarios."),
    out_dir: Path = typer.Option(..., "--out", help="Folder: one result folder per scenario, plus sweep.parquet."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Local worker processes (default: CPU count)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Run on this Dask scheduler, e.g. tcp://HOST:8786."),
    dask_local: int | None = typer.Option(None, "--dask-local", min=1, help="Run on a Dask LocalCluster of N workers."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run scenarios recorded as failed again."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the scenarios and what would run; solve nothing."),
) -> None:
    """Run every scenario of a sweep in parallel; skip the ones already done; record every failure."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from gridplan.case import parse_case
    from gridplan.errors import GridplanError, InputErrors
    from gridplan.sweep.executors import make_executor
    from gridplan.sweep.runner import plan, run_sweep
    from gridplan.sweep.spec import load_sweep

    try:
        sweep = load_sweep(sweep_file)
        executor = make_executor(workers, scheduler, dask_local)
    except GridplanError as exc:
        _fail(exc)
        return
    if dry_run:
        todo, finished = plan(sweep, out_dir, retry_failed)
        run = {s.name for s in todo}
        table = Table(title=f"{sweep.name}: {len(sweep.scenarios)} scenario(s) over {sweep.base_file}")
        for col in ("scenario", "hash", "would", "overrides"):
            table.add_column(col, overflow="fold")
        invalid: list[str] = []
        for s in sweep.scenarios:
            would = "run" if s.name in run else f"skip ({finished[s.name].get('status')})"
            try:  # the same check the worker makes first, so a bad value shows before anything runs
                parse_case(s.case_raw, f"{s.case_file} (scenario {s.name})", s.base_dir)
            except InputErrors as exc:
                would += ", invalid case"
                invalid += [e.line() for e in exc.errors]
            table.add_row(escape(s.name), s.digest[:12], escape(would), escape("\n".join(f"{k} = {v}" for k, v in s.overrides.items())))
        _out.print(table)
        for line in invalid:
            typer.echo(f"  invalid: {line}", err=True)
        return

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[green]done {task.fields[done]}[/] [red]failed {task.fields[failed]}[/] "
                          "[yellow]running {task.fields[running]}[/] skipped {task.fields[skipped]}"),
               TimeElapsedColumn(), TextColumn("{task.fields[last]}")]
    _err.print(f"sweep {sweep.name}: {len(sweep.scenarios)} scenario(s) on {executor.describe()}")
    try:
        with Progress(*columns, console=_err, transient=False) as bar:
            task = bar.add_task(sweep.name, total=len(sweep.scenarios), done=0, failed=0, running=0, skipped=0, last="")

            def show(c: dict) -> None:
                bar.update(task, completed=c["skipped"] + c["done"] + c["failed"], done=c["done"], failed=c["failed"],
                           running=c["running"], skipped=c["skipped"], last=c["last"] or "")

            table = run_sweep(sweep=sweep, out=out_dir, executor=executor, retry_failed=retry_failed, progress=show)
    except GridplanError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _err.print(f"[red]✗[/] interrupted: finished scenarios are kept in {out_dir}; run the same command to go on")
        raise typer.Exit(130)
    c = table.attrs["counts"]
    failed = table[table.status == "failed"]
    _err.print(f"{len(table) - len(failed)} done, {len(failed)} failed ({c['ran']} run now, {c['skipped']} kept from before); "
               f"table: {Path(out_dir) / 'sweep.parquet'}")
    for row in failed.itertuples():
        first = str(row.error).splitlines()[0] if row.error else ""
        typer.echo(f"  failed: {row.scenario}: {row.error_type}: {first} (see {Path(out_dir) / row.scenario / 'error.json'})", err=True)
    if len(failed):
        raise typer.Exit(1)


def _cell(v) -> str:
    import pandas as pd

    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        return f"{v:.4g}"
    text = str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def summary_command(
    out_dir: Path = typer.Argument(..., help="The --out folder of a sweep."),
    columns: str | None = typer.Option(None, "--columns", help="Comma-separated column patterns, e.g. 'param.*,objective_cny,capacity_mw.*.2030'."),
    csv: Path | None = typer.Option(None, "--csv", help="Also write the selected columns to this CSV file."),
) -> None:
    """Print the sweep's table (sweep.parquet): parameters and KPIs, one row per scenario."""
    from gridplan.errors import GridplanError
    from gridplan.sweep.store import read_store

    try:
        table = read_store(out_dir)
    except GridplanError as exc:
        _fail(exc)
        return
    patterns = [p.strip() for p in columns.split(",")] if columns else DEFAULT_COLUMNS
    chosen = [c for c in table.columns if any(fnmatch.fnmatchcase(c, p) for p in patterns)]
    if columns and not chosen:
        from gridplan.errors import InputError

        _fail(InputError("<command line>", "--columns", f"no column matches {columns!r}",
                         f"columns are e.g. {', '.join(list(table.columns)[:8])} ..."))
        return
    view = table[["scenario"] + [c for c in chosen if c != "scenario"]]  # scenarios head the columns
    if csv is not None:
        view.to_csv(csv, index=False)
    # Wide tables read better transposed: one column per scenario.
    t = Table(title=f"{out_dir}: {len(table)} scenario(s), {int((table.status == 'done').sum())} done")
    t.add_column("", no_wrap=True)
    for name in view["scenario"]:
        t.add_column(escape(str(name)), justify="right", no_wrap=True)
    rows = [(col, [_cell(v) for v in view[col].tolist()]) for col in view.columns if col != "scenario"]
    for col, cells in rows:
        t.add_row(escape(col), *[escape(c) for c in cells])
    # Never squeeze column names into ellipses: a wide table is wider than the terminal and scrolls.
    from rich.cells import cell_len

    names = [str(n) for n in view["scenario"]]
    widths = [max([cell_len(c) for c, _ in rows] + [1])] + [max([cell_len(n)] + [cell_len(r[1][i]) for r in rows]) for i, n in enumerate(names)]
    Console(width=max(_out.width, sum(widths) + 3 * len(widths) + 1)).print(t)


def register(app: typer.Typer) -> None:
    """Add ``sweep`` and ``sweep-summary`` to the gridplan command line."""
    app.command("sweep")(sweep_command)
    app.command("sweep-summary")(summary_command)
