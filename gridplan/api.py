"""The Python API: load a case, solve it, write the results.

>>> import gridplan
>>> case = gridplan.load_case("cases/dongguan.yaml")
>>> result = gridplan.solve(case, days=14)
>>> result.summary["capacity_mw"]["2030"]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gridplan import collector
from gridplan.carried_basis import CarriedBasis
from gridplan.case import Case, load_case
from gridplan.errors import SolveError
from gridplan.highs import DEFAULT_METHOD, HighsSession, SolveOptions, WarmStarts
from gridplan.options import DEFAULT_BLOCK_HOURS, DEFAULT_BLOCK_START, DEFAULT_SIMPLEX_PRICING, pricing_for
from gridplan.inputs import prepare
from gridplan.model.core import ModelContext, build_model
from gridplan.result import Result, collect, compare_with_mip, lp_relaxation_summary


def restrict(case: Case, year: int | None = None, days: int | None = None, start: str | None = None,
             rep_days: int | None = None) -> Case:
    """A copy of ``case`` limited to one planning year, a window of days or representative days."""
    update: dict = {}
    if year is not None:
        if year not in case.years:
            raise SolveError(f"year {year} is not a planning year of case {case.name} ({case.years})")
        update["years"] = [year]
        # A retirement dated before the year still holds in it; every other policy is for its own year.
        update["policies"] = [p for p in case.policies if p.year == year or (p.type == "retirement" and p.year < year)]
    if rep_days is not None:
        update["hours"] = case.hours.model_copy(update={"rep_days": rep_days, "days": None})
    elif days is not None or start is not None:
        changes = {k: v for k, v in (("days", days), ("start", start)) if v is not None}
        update["hours"] = case.hours.model_copy(update={**changes, "rep_days": None})
    # model_copy keeps the private base folder and file name, so relative paths still resolve.
    return case.model_copy(update=update)


@dataclass
class Built:
    """A case prepared and built into a pyomo model, ready for HiGHS."""

    case: Case
    ctx: ModelContext
    timings_s: dict
    drop_policies: tuple[str, ...]
    started: float

    def result(self, outcome, opts: SolveOptions) -> Result:
        """Collect a :class:`Result` from a HiGHS outcome of this model."""
        timings = dict(self.timings_s)
        timings["build"] = timings.pop("build_model") + outcome.timings_s["compile"] + outcome.timings_s["handoff"]
        timings["solve"] = outcome.timings_s["solve"]
        options = {"method": opts.method, "simplex_pricing": pricing_for(opts.simplex_pricing, self.ctx.data.rep_days is not None), "highs_options": dict(opts.extra),
                   "time_limit_s": opts.time_limit_s, "mip_gap": opts.mip_gap,
                   "threads": opts.threads, "block_start": opts.block_start, "block_hours": opts.block_hours,
                   "hours": int(self.ctx.data.n_hours), "rep_days": self.case.hours.rep_days,
                   "years": list(self.case.years), "dropped_policies": list(self.drop_policies),
                   "pathway": "perfect_foresight", "mip": bool(self.ctx.mip)}
        result = collect(self.ctx, outcome, timings, options)
        result.timings_s["total"] = time.perf_counter() - self.started
        return result


def build(case: Case | str | Path, *, year: int | None = None, days: int | None = None, start: str | None = None,
          rep_days: int | None = None, drop_policies: tuple[str, ...] = (), fixed_builds: dict | None = None,
          mip: bool = False) -> Built:
    """Load (if a path), restrict, prepare and build a case into a pyomo model."""
    t0 = time.perf_counter()
    if not isinstance(case, Case):
        case = load_case(case)
    case = restrict(case, year, days, start, rep_days)
    data = prepare(case)
    t1 = time.perf_counter()
    ctx = build_model(data, drop_policies=drop_policies, fixed_builds=fixed_builds, mip=mip)
    t2 = time.perf_counter()
    return Built(case, ctx, {"inputs": t1 - t0, "build_model": t2 - t1}, tuple(drop_policies), t0)


def solve(
    case: Case | str | Path,
    *,
    year: int | None = None,
    days: int | None = None,
    start: str | None = None,
    rep_days: int | None = None,
    method: str = DEFAULT_METHOD,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    drop_policies: tuple[str, ...] = (),
    fixed_builds: dict | None = None,
    mip: bool = False,
    verbose: bool = False,
    simplex_pricing: str = DEFAULT_SIMPLEX_PRICING,
    highs_options: dict | None = None,
    compare_lp: bool = True,
    warm_starts: WarmStarts | None = None,
    compare_full: bool = False,
    block_start: str = DEFAULT_BLOCK_START,
    block_hours: int = DEFAULT_BLOCK_HOURS,
    carried_basis: CarriedBasis | None = None,
) -> Result:
    """Build and solve a case.

    Parameters
    ----------
    case : Case or path
    year : int, optional
        Solve this planning year only.
    days, start : optional
        Model ``days`` days from ``start`` (MM-DD) instead of the case's hours.
    rep_days : int, optional
        Model this many representative days instead (fast studies).
    method : str
        HiGHS method: ``simplex`` (default), ``ipm`` (with crossover), ``pdlp``, ``choose``.
    time_limit_s, mip_gap, threads : optional
        Solver limits.
    drop_policies : tuple of str
        Policies to leave out (used to price a rule).
    fixed_builds : dict, optional
        ``(asset, build year) -> (MW, MWh or None[, retrofitted MW])`` fixed new build (myopic planning).
    mip : bool
        Solve discrete decisions (whole projects, units, commitment, exclusive
        charging) as integers; prices then come from the LP with them fixed.
    simplex_pricing : str
        Dual simplex pricing for LPs: ``auto`` (default: ``dantzig`` for hours in sequence, ``devex`` for
        representative days), ``dantzig``, ``devex``, ``steepest`` or ``choose``.
    highs_options : dict, optional
        Further HiGHS options by name; they override gridplan's settings.
    compare_lp : bool
        With ``mip``: first solve the LP relaxation of the same model, and
        report its cost and capacities beside the MIP's (``result.lp_relaxation``).
    compare_full : bool
        With ``rep_days``: also solve the full modelled year and state the
        error of the total cost and of every capacity
        (``result.rep_days_check``, see :mod:`gridplan.rep_check`).
    block_start, block_hours : optional
        How a cold simplex solve starts (see :mod:`gridplan.blockstart`):
        ``auto`` starts LPs of at least ``blockstart.MIN_ROWS`` rows from
        the joined bases of windows of ``block_hours`` hours solved in
        parallel, and races the finishes from there (two cores or more),
        and an LP of representative days from each day's storage closed
        on itself (:mod:`gridplan.restricted_start`); ``on`` block-starts
        every LP; ``off`` always starts cold. The result's
        ``solver["block_start"]`` and ``solver["restricted_start"]`` say
        what ran.
    warm_starts : WarmStarts, optional
        Start an LP from the optimal basis of an earlier solve of the same
        structure (a sweep neighbour), and remember this one's; the result's
        ``solver["warm_started"]`` says whether it did.
    carried_basis : CarriedBasis, optional
        An earlier optimum of an LP that shares names with this one (the
        step before, in myopic planning; a sweep worker's last scenario): a
        block start takes the statuses it knows instead of solving those
        windows, and it keeps this LP's optimum for the next LP. ``solver["block_start"]["carried"]`` says
        whether it was used.

    Returns
    -------
    Result
        ``status`` says whether the solution is optimal; infeasible or failed
        solves come back with empty tables (see :func:`require_solution`).
    """
    opts = SolveOptions(method=method, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads, verbose=verbose,
                        simplex_pricing=simplex_pricing, extra=dict(highs_options or {}),
                        block_start=block_start, block_hours=block_hours)
    with collector.paused():  # until HiGHS runs (gridplan.collector)
        built = build(case, year=year, days=days, start=start, rep_days=rep_days, drop_policies=drop_policies,
                      fixed_builds=fixed_builds, mip=mip)
        session = HighsSession(built.ctx.model, opts, warm_starts, carried_basis)
        relaxation = None
        if session.is_mip and compare_lp:
            relaxation = lp_relaxation_summary(built.ctx, session.run_relaxation())
        outcome = session.run()
    result = built.result(outcome, opts)
    if relaxation is not None:
        result.lp_relaxation = compare_with_mip(relaxation, result)
    if compare_full and rep_days:
        from gridplan.rep_check import compare_with_full_year

        full = solve(case, year=year, days=days, start=start, method=method, time_limit_s=time_limit_s,
                     mip_gap=mip_gap, threads=threads, drop_policies=drop_policies, fixed_builds=fixed_builds, mip=mip,
                     verbose=verbose, simplex_pricing=simplex_pricing, highs_options=highs_options, compare_lp=False,
                     block_start=block_start, block_hours=block_hours)
        if result.objective_cny is not None and full.objective_cny is not None:
            result.rep_days_check = compare_with_full_year(result, full)
    return result


def require_solution(result: Result) -> Result:
    """Raise :class:`SolveError` with a plain message when ``result`` holds no solution."""
    if result.status in ("optimal", "time_limit") and not result.dispatch.empty:
        return result
    if result.status in ("infeasible", "unbounded_or_infeasible"):
        raise SolveError(f"case {result.case}: the targets and limits cannot all hold ({result.message})")
    raise SolveError(f"case {result.case}: the solver stopped without a solution ({result.message})")


def _number_or_none(value: float) -> float | None:
    """A table cell as a number, or None where it is NaN (not applicable)."""
    return None if value != value else float(value)


def solve_myopic(case: Case | str | Path, **options) -> Result:
    """Plan year by year without foresight: each planning year is decided with the earlier ones fixed.

    Step k solves planning years 1..k with the new build of years 1..k−1
    fixed at what the earlier steps chose, so the last step's total cost is
    directly comparable with the perfect-foresight solve of the same case
    (which can never cost more).
    """
    if not isinstance(case, Case):
        case = load_case(case)
    options.pop("year", None)
    from gridplan.diagnose import require_feasible  # diagnose builds on this module

    warm_starts = options.pop("warm_starts", None)
    carried = options.pop("carried_basis", None)
    carried = CarriedBasis() if carried is None else carried  # each step starts from the step before
    fixed: dict = {}
    result = None
    started = time.perf_counter()
    spent: dict[str, float] = {}  # seconds of every step, by stage
    for k, y in enumerate(case.years):
        sub = case.model_copy(update={"years": case.years[: k + 1], "policies": [p for p in case.policies if p.year <= y]})
        solved = solve(sub, fixed_builds=dict(fixed), warm_starts=warm_starts, carried_basis=carried, **options)
        result = require_feasible(solved, sub, fixed_builds=dict(fixed), **options)
        for stage, seconds in result.timings_s.items():
            spent[stage] = spent.get(stage, 0.0) + seconds
        new = result.capacity[result.capacity.year == y]
        for row in new.itertuples():
            fixed[(row.asset, y)] = (row.new_mw, _number_or_none(row.new_mwh), _number_or_none(row.new_retrofit_mw),
                                     _number_or_none(row.kept_mw))
    result.options["pathway"] = "myopic"
    # The run's time, all steps together: the last step's own would understate it.
    result.timings_s = {**spent, "total": time.perf_counter() - started}
    return result
