"""The ``gridplan`` command line.

User mistakes (bad case files, missing inputs) print one line each naming
the file, the field and the fix, and exit with code 2 and no traceback;
``--debug`` shows the traceback. A case that cannot be solved exits with 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from gridplan.errors import GridplanError, InputError, InputErrors
from gridplan.options import DEFAULT_BLOCK_HOURS, DEFAULT_BLOCK_START, DEFAULT_METHOD, DEFAULT_SIMPLEX_PRICING

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Plan a city's power system hour by hour (pyomo + HiGHS).")
console = Console(stderr=True)
# Wide tables stay whole when the output goes to a file or a pipe.
out = Console(width=None if sys.stdout.isatty() else 200)

_state = {"debug": False}


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for every error.")) -> None:
    _state["debug"] = debug


def _fail(exc: BaseException) -> None:
    """Report a gridplan error as plain lines and exit (2 for input mistakes, 1 otherwise)."""
    if _state["debug"]:
        raise exc
    # Plain lines, never wrapped or cut: users grep them and paste them into tickets.
    if isinstance(exc, InputErrors):
        typer.echo(f"{len(exc.errors)} problem(s) in the input:", err=True)
        for e in exc.errors:
            typer.echo(f"  error: {e.line()}", err=True)
        raise typer.Exit(2)
    if isinstance(exc, InputError):
        typer.echo(f"error: {exc.line()}", err=True)
        raise typer.Exit(2)
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)


def _highs_options(pairs: list[str]) -> dict:
    """``NAME=VALUE`` strings as a dict of HiGHS options, values as int, float or text."""
    out: dict = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise InputError("command line", "--highs-option", f"{pair!r} is not NAME=VALUE", "write it as e.g. --highs-option presolve=off")
        value: object = text.strip()
        for kind in (int, float):
            try:
                value = kind(text)
                break
            except ValueError:
                continue
        out[name.strip()] = value
    return out


@app.command()
def validate(case: Path = typer.Argument(..., help="Case file (YAML).")) -> None:
    """Check a case file and report every problem found."""
    from gridplan.case import load_case
    from gridplan.inputs import prepare

    try:
        c = load_case(case)
        data = prepare(c)
    except GridplanError as exc:
        _fail(exc)
        return
    out.print(
        f"[green]✓[/] {case}: case {c.name!r} is valid: {len(c.nodes)} node(s), years {c.years}, "
        f"{len(c.generators)} generators, {len(c.storage)} storage, {len(c.demand_response)} DR, "
        f"{len(c.policies)} policies, {data.n_hours} h modelled"
    )


@app.command()
def solve(
    case: Path = typer.Argument(..., help="Case file (YAML)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for the results (written atomically)."),
    year: Optional[int] = typer.Option(None, help="Solve this planning year only."),
    days: Optional[int] = typer.Option(None, help="Model this many days instead of the full year."),
    start: Optional[str] = typer.Option(None, help="First day (MM-DD) of the modelled window."),
    rep_days: Optional[int] = typer.Option(None, "--rep-days", help="Model this many representative days (fast studies)."),
    compare_full: bool = typer.Option(False, "--compare-full",
                                      help="With --rep-days: also solve the full year and state the error of the cost and of every capacity."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit, seconds."),
    method: str = typer.Option(DEFAULT_METHOD, help="HiGHS method: simplex (dual simplex), ipm (interior point + crossover), pdlp or choose."),
    mip_gap: Optional[float] = typer.Option(None, "--mip-gap", help="Relative MIP gap."),
    threads: Optional[int] = typer.Option(None, help="Solver threads."),
    myopic: bool = typer.Option(False, "--myopic", help="Plan year by year without foresight (default: all years together)."),
    mip: bool = typer.Option(False, "--mip", help="Solve whole projects, units, commitment and exclusive charging as integers."),
    report: bool = typer.Option(False, "--report", help="Also write report.html (interactive result page) into the folder."),
    lang: str = typer.Option("en", "--lang", help="Language of the report: en or zh."),
    simplex_pricing: str = typer.Option(DEFAULT_SIMPLEX_PRICING, "--simplex-pricing",
                                        help="Dual simplex pricing for LPs: auto (dantzig for hours in sequence, devex for representative days; "
                                             "each measured fastest on its kind), dantzig, devex, steepest or choose."),
    highs_option: list[str] = typer.Option([], "--highs-option", help="A HiGHS option as NAME=VALUE (repeatable), e.g. presolve=off."),
    block_start: str = typer.Option(DEFAULT_BLOCK_START, "--block-start",
                                    help="auto: start large LPs from windows of hours solved in parallel, and representative "
                                         "days from each day's storage closed on itself; "
                                         "on: always start from the windows; off: always start cold."),
    block_hours: int = typer.Option(DEFAULT_BLOCK_HOURS, "--block-hours", min=1, help="Modelled hours per block of --block-start."),
) -> None:
    """Find the least-cost capacity mix and its hourly operation; write the results."""
    import gridplan
    from gridplan.diagnose import require_feasible

    try:
        with console.status(f"Loading {case} ..."):
            c = gridplan.load_case(case)
        with console.status(f"Building and solving {c.name} (HiGHS {method}) ..."):
            run = gridplan.solve_myopic if myopic else gridplan.solve
            extra = {"compare_full": True} if compare_full and not myopic else {}
            result = run(c, year=year, days=days, start=start, rep_days=rep_days, method=method,
                         time_limit_s=time_limit, mip_gap=mip_gap, threads=threads, mip=mip,
                         simplex_pricing=simplex_pricing, highs_options=_highs_options(highs_option),
                         block_start=block_start, block_hours=block_hours, **extra)
        with console.status("Checking the solution ..."):
            require_feasible(result, c, year=year, days=days, start=start, rep_days=rep_days, threads=threads)
        folder = gridplan.write_result(result, out_dir)
        if report:
            from gridplan.report import write_report

            write_report(folder, lang, result=result)
    except GridplanError as exc:
        _fail(exc)
        return
    _print_summary(result)
    if compare_full and rep_days is None:
        out.print("[yellow]![/] --compare-full applies to --rep-days runs only; nothing compared")
    elif compare_full and myopic:
        out.print("[yellow]![/] --compare-full is not available with --myopic; nothing compared")
    if result.rep_days_check:
        ok = result.rep_days_check["cost_within"] and not result.rep_days_check["outside"]
        out.print(f"[{'green' if ok else 'yellow'}]{'✓' if ok else '!'}[/] {result.rep_days_check['statement']}")
    if result.status != "optimal":
        out.print(f"[yellow]![/] the solver stopped early ({result.message}): this is the best plan found, not a proven optimum")
    out.print(f"[green]✓[/] results written to {folder}")


@app.command()
def targets(
    case: Path = typer.Argument(..., help="Case file (YAML)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Also write the full result with the target report here."),
    year: Optional[int] = typer.Option(None, help="One planning year only."),
    days: Optional[int] = typer.Option(None, help="Model this many days instead of the full year."),
    rep_days: Optional[int] = typer.Option(None, "--rep-days", help="Model this many representative days (fast studies)."),
    method: str = typer.Option(DEFAULT_METHOD, help="HiGHS method: simplex, ipm, pdlp or choose."),
) -> None:
    """Report every target: required, achieved, met, active, shadow price and the cost of the rule."""
    import gridplan
    from gridplan.rules import target_report

    try:
        c = gridplan.load_case(case)
        result = target_report(c, year=year, days=days, rep_days=rep_days, method=method, progress=console)
        if out_dir is not None:
            gridplan.write_result(result, out_dir)
    except GridplanError as exc:
        _fail(exc)
        return
    _print_targets(result)


@app.command()
def study(
    cases: list[Path] = typer.Argument(..., help="Case files (YAML)."),
    out_dir: Path = typer.Option(Path("docs/studies"), "--out", help="Folder for the <case>.md studies."),
    results: Optional[Path] = typer.Option(None, "--results", help="Also write each full result into RESULTS/<case>/."),
    from_results: bool = typer.Option(False, "--from-results", help="Write the studies from results saved in --results (no solve)."),
    days: Optional[int] = typer.Option(None, help="Model this many days instead of the full year."),
    method: str = typer.Option(DEFAULT_METHOD, help="HiGHS method: simplex, ipm, pdlp or choose."),
) -> None:
    """Write a short study per case: capacities, costs, shares and the dearest rule."""
    import gridplan
    from gridplan.study import write_study

    for path in cases:
        try:
            with console.status(f"Solving {path} and pricing its rules ..."):
                if from_results and results is None:
                    raise InputError("<command line>", "--from-results", "needs --results DIR", "name the folder of saved results")
                written = write_study(gridplan.load_case(path), out_dir, results, from_results, days=days, method=method)
        except GridplanError as exc:
            _fail(exc)
            return
        out.print(f"[green]✓[/] {written}")


def _print_summary(result) -> None:
    s = result.summary
    table = Table(title=f"{s['case']}: {s['status']}, total {s['objective_cny'] / 1e6:,.1f} million CNY (discounted)")
    table.add_column("technology")
    years = list(s["capacity_mw"])
    for y in years:
        table.add_column(f"{y} MW", justify="right")
    techs = sorted({t for y in years for t in s["capacity_mw"][y]})
    for t in techs:
        table.add_row(t, *[f"{s['capacity_mw'][y].get(t, 0.0):,.0f}" for y in years])
    out.print(table)
    _print_targets(result)
    for y, k in s["kpis"].items():
        out.print(
            f"{y}: unserved {k['unserved_energy_mwh']:,.0f} MWh, curtailment {_pct(k['vre_curtailment_share'])} %, "
            f"imports {_pct(k['import_share'])} % of demand, emissions {k['emissions_t'] / 1e6:,.2f} Mt CO2"
        )
    t = s["timings_s"]
    block = (s.get("solver") or {}).get("block_start")
    how = ""
    if block:
        raced = f" won a race of {block['finishes']}" if block["finishes"] > 1 else ""
        carried = ", the rest carried from the step before" if block.get("carried") else ""
        how = (f" (block start: {block['blocks']} windows in {block['seconds']:.1f} s{carried}, "
               f"{block['finish']} finish{raced})")
    restricted = (s.get("solver") or {}).get("restricted_start")
    if restricted:
        apart = f", its {restricted['years_apart']} years solved apart" if restricted.get("years_apart") else ""
        how = (f" (restricted start: each representative day's storage first closed on itself{apart})" if restricted["used"]
               else f" (cold: the restricted start was {restricted['first_status'].lower()})")
    out.print(f"time: build {t.get('build', 0):.1f} s, solve {t.get('solve', 0):.1f} s{how}, total {t.get('total', 0):.1f} s")


def _pct(share: float) -> str:
    """A share as a percentage with one decimal; solver noise around zero prints as 0.0, not -0.0."""
    value = 100 * share
    return f"{0.0 if abs(value) < 0.05 else value:.1f}"


def _print_targets(result) -> None:
    if result.targets.empty:
        return
    table = Table(title="Targets (shadow price: CNY per unit per year; cost of the rule: million CNY, discounted total)")
    cols = [("name", "name"), ("year", "year"), ("required", "required"), ("achieved", "achieved"), ("unit", "unit"),
            ("hard", "hard"), ("met", "met"), ("active", "binds"), ("shadow_price", "shadow price")]
    if "cost_of_rule_cny" in result.targets:
        cols.append(("cost_of_rule_m_cny", "cost of rule"))
    for key, header in cols:
        table.add_column(header, justify="left" if key in ("name", "unit") else "right")
    for r in result.targets.to_dict("records"):
        if "cost_of_rule_cny" in r:
            r["cost_of_rule_m_cny"] = r["cost_of_rule_cny"] / 1e6
        cells = []
        for key, _ in cols:
            v = r[key]
            if isinstance(v, bool):
                cells.append("[green]yes[/]" if v else ("[red]no[/]" if key == "met" else "no"))
            elif isinstance(v, float):
                cells.append(f"{v:,.1f}" if v == v else "-")
            else:
                cells.append(str(v))
        table.add_row(*cells)
    out.print(table)


def _mount_weather() -> None:
    """Mount the weather commands (``gridplan weather ...``, ``gridplan profiles``)."""
    from gridplan.weather import cli as weather_cli

    app.add_typer(weather_cli.app, name="weather", help="Read, fetch and synthesise weather.")

    @app.command()
    def profiles(
        city: str = typer.Option(..., "--city", help="Shipped city: dongguan, jieyang, zhaoqing, zhuhai, ruijin."),
        out_file: Optional[Path] = typer.Option(None, "--out", help="Plot file (HTML)."),
        case: Optional[Path] = typer.Option(None, "--case", help="Case whose demand to show (default: cases/<city>.yaml)."),
        year: Optional[int] = typer.Option(None, help="Demand of this planning year (default: the last)."),
    ) -> None:
        """Print annual full-load hours of PV and wind and the city's demand energy and peak, and plot them."""
        try:
            annual, peak = _case_demand(city, case, year)
            weather_cli.profiles_command(city, out_file, annual_mwh=annual, peak_mw=peak)
        except GridplanError as exc:
            _fail(exc)


def _case_demand(city: str, case: Path | None, year: int | None) -> tuple[float | None, float | None]:
    """Annual energy (MWh) and peak (MW) of a city's case, summed over its nodes, for one year."""
    from gridplan.case import load_case
    from gridplan.weather.cities import data_dir

    path = case or data_dir().parent / "cases" / f"{city.strip().lower()}.yaml"
    if not path.exists():
        if case is not None:
            raise InputError(str(path), "", "file not found", "check the path")
        return None, None
    c = load_case(path)
    y = year if year is not None else c.years[-1]
    if y not in c.years:
        raise InputError(str(path), "years", f"year {y} is not a planning year ({c.years})", "pick one of them")
    return (sum(n.demand[y].annual_mwh for n in c.nodes.values()), sum(n.demand[y].peak_mw for n in c.nodes.values()))


_mount_weather()


def _mount_report_and_sweep() -> None:
    """Mount ``gridplan report`` (result pages) and ``gridplan sweep`` / ``sweep-summary`` (batch studies)."""
    from gridplan.report import commands as report_commands
    from gridplan.sweep import commands as sweep_commands

    report_commands.register(app)
    sweep_commands.register(app)


_mount_report_and_sweep()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except SystemExit as exc:
        # typer turns Ctrl-C into a quiet exit 130; say what it means for the results.
        if exc.code == 130:
            typer.echo("error: interrupted; no partial result was written", err=True)
        raise
    except KeyboardInterrupt:
        typer.echo("error: interrupted; no partial result was written", err=True)
        sys.exit(130)
