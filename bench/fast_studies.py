"""Warm-started rule pricing, representative days, sweep neighbours and myopic steps, against their slow references.

    python bench/fast_studies.py cases/zhaoqing.yaml [--rep-days 12] [--repeats 3] [--skip-warm] [--skip-rep]
        [--skip-neighbours] [--skip-myopic] [--year Y]

1. Cost of every active rule, warm (rows freed in the solved HiGHS instance)
   vs cold (rebuild and solve without the rule): seconds and the largest
   difference in the costs.
2. Representative days vs the full 8760 h: seconds, the total-cost error and
   the error of every capacity above 100 MW.
3. Sweep neighbours (fuel prices, generator capex, storage capex scaled),
   each solved cold and warm from the previous scenario's basis
   (``gridplan.highs.WarmStarts``, as a sweep worker does): HiGHS seconds,
   iterations, and the largest cost and capacity differences.
4. Myopic planning: the last step block-started from scratch against from
   the step before (``gridplan.carried_basis``): windows solved, seconds
   and the cost (which must not change).
Prints markdown tables. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from statistics import median

import gridplan
from gridplan.highs import WarmStarts
from gridplan.rules import target_report

#: Sweep neighbours: (what is scaled, factor).
NEIGHBOURS = [("fuel prices", 0.8), ("fuel prices", 1.2), ("generator capex", 0.85), ("generator capex", 1.15),
              ("storage capex", 0.7), ("storage capex", 1.3)]


def _scaled(value, factor):
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    return value * factor if value else value


def neighbour(case, what: str, factor: float):
    """``case`` with one family of numbers scaled by ``factor``."""
    out = case.model_copy(deep=True)
    for g in out.generators:
        if what == "fuel prices":
            g.fuel_price_cny_per_gj = _scaled(g.fuel_price_cny_per_gj, factor)
        elif what == "generator capex":
            g.capex_cny_per_kw = _scaled(g.capex_cny_per_kw, factor)
    if what == "storage capex":
        for s in out.storage:
            s.capex_cny_per_kw = _scaled(s.capex_cny_per_kw, factor)
            s.capex_cny_per_kwh = _scaled(s.capex_cny_per_kwh, factor)
    return out


def neighbours_warm_vs_cold(case, year: int | None) -> None:
    warm = WarmStarts()
    base = gridplan.solve(case, year=year, warm_starts=warm)
    print(f"base: HiGHS {base.timings_s['solve']:.2f} s, {base.solver['iterations']['simplex']} iterations\n")
    print("| neighbour | cold HiGHS s | cold iterations | warm HiGHS s | warm iterations | speed-up | |Δ cost| rel. | max |Δ capacity| MW |")
    print("|---|---|---|---|---|---|---|---|")
    total_cold = total_warm = 0.0
    for what, factor in NEIGHBOURS:
        case_n = neighbour(case, what, factor)
        cold = gridplan.solve(case_n, year=year)
        hot = gridplan.solve(case_n, year=year, warm_starts=warm)
        assert hot.solver["warm_started"], "the neighbour did not start warm"
        dcost = abs(hot.objective_cny / cold.objective_cny - 1)
        a = cold.capacity.set_index(["year", "asset"]).capacity_mw
        b = hot.capacity.set_index(["year", "asset"]).capacity_mw
        dcap = float((a - b).abs().max())
        tc, tw = cold.timings_s["solve"], hot.timings_s["solve"]
        total_cold, total_warm = total_cold + tc, total_warm + tw
        print(f"| {what} × {factor:g} | {tc:.2f} | {cold.solver['iterations']['simplex']} | {tw:.2f} | "
              f"{hot.solver['iterations']['simplex']} | {tc / max(tw, 1e-9):.1f}× | {dcost:.1e} | {dcap:.3g} |")
    print(f"\nall neighbours: cold {total_cold:.1f} s, warm {total_warm:.1f} s of HiGHS, {total_cold / max(total_warm, 1e-9):.1f}×\n")


def warm_vs_cold(case) -> None:
    rows = []
    for warm in (True, False):
        t0 = time.perf_counter()
        r = target_report(case, warm=warm)
        rows.append((warm, time.perf_counter() - t0, r))
    (_, t_warm, warm_r), (_, t_cold, cold_r) = rows
    base = warm_r.timings_s["total"]
    diff = (warm_r.targets.cost_of_rule_cny - cold_r.targets.cost_of_rule_cny).abs().max()
    n = int(warm_r.targets[warm_r.targets.active].policy.nunique())
    if n == 0:
        print(f"no rule binds (base solve {base:.1f} s): nothing to re-solve, warm or cold\n")
        return
    print("| rules priced | base solve s | warm re-solves s | cold re-solves s | speed-up | max |Δ cost| CNY |")
    print("|---|---|---|---|---|---|")
    print(f"| {n} | {base:.1f} | {t_warm - base:.1f} | {t_cold - base:.1f} | {(t_cold - base) / max(t_warm - base, 1e-9):.1f}× | {diff:.3g} |\n")


def _timed_solve(case, **options) -> tuple:
    """One ``gridplan.solve``: the result, wall seconds and CPU seconds (all of the process's threads)."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = gridplan.solve(case, **options)
    return result, time.perf_counter() - w0, time.process_time() - c0


def rep_vs_full(case, n_days: int, repeats: int) -> None:
    """Representative days against the full year: medians of ``repeats`` alternating runs of each.

    Timed per run: the whole ``gridplan.solve`` (wall and CPU seconds; CPU
    counts every thread, so a block start's windows solved two at a time
    count twice) and HiGHS's wall seconds. The imports are done before the
    first run, so neither side pays them.
    """
    import gridplan.api  # noqa: F401  (imports out of the timings)

    runs = {"full": [], "rep": []}
    for _ in range(repeats):
        runs["full"].append(_timed_solve(case))
        runs["rep"].append(_timed_solve(case, rep_days=n_days))
    full, rep = runs["full"][-1][0], runs["rep"][-1][0]
    med = {k: {"wall": median(r[1] for r in v), "cpu": median(r[2] for r in v),
               "solve": median(r[0].timings_s["solve"] for r in v)} for k, v in runs.items()}
    print(f"medians of {repeats} runs each, alternating\n")
    print("| hours | total wall s | total CPU s | HiGHS wall s | total cost M CNY | cost error % |")
    print("|---|---|---|---|---|---|")
    print(f"| 8760 | {med['full']['wall']:.2f} | {med['full']['cpu']:.2f} | {med['full']['solve']:.2f} | "
          f"{full.objective_cny / 1e6:,.1f} | – |")
    err = 100 * (rep.objective_cny / full.objective_cny - 1)
    print(f"| {n_days} rep. days | {med['rep']['wall']:.2f} | {med['rep']['cpu']:.2f} | {med['rep']['solve']:.2f} | "
          f"{rep.objective_cny / 1e6:,.1f} | {err:+.2f} |\n")
    a = full.capacity.set_index(["year", "asset"]).capacity_mw
    b = rep.capacity.set_index(["year", "asset"]).capacity_mw
    print("| year | asset | 8760 h MW | rep. days MW | error % |")
    print("|---|---|---|---|---|")
    for key in a.index:
        if a[key] > 100:
            print(f"| {key[0]} | {key[1]} | {a[key]:,.0f} | {b[key]:,.0f} | {100 * (b[key] / a[key] - 1):+.1f} |")
    ratio = {k: med["full"][k] / med["rep"][k] for k in ("wall", "cpu", "solve")}
    print(f"\nspeed-up {ratio['wall']:.1f}× (total wall), {ratio['cpu']:.1f}× (total CPU), {ratio['solve']:.1f}× (HiGHS wall)")


class _NotCarried:
    """Stands in for a CarriedBasis that carries nothing: each myopic step block-starts from scratch."""

    def __bool__(self) -> bool:
        return False

    def remember(self, *args) -> None:
        pass


def _myopic_steps(case, carried) -> tuple[list, float, float]:
    """Solve ``case`` myopically; (each step's (solver record, timings) as it returned them, cost CNY, wall s)."""
    from gridplan import api

    steps = []
    solve = api.solve

    def traced(*args, **kwargs):
        result = solve(*args, **kwargs)
        steps.append((dict(result.solver), dict(result.timings_s)))  # the run's result sums the steps' timings
        return result

    api.solve = traced
    try:
        t0 = time.perf_counter()
        result = api.solve_myopic(case, carried_basis=carried)
        wall = time.perf_counter() - t0
    finally:
        api.solve = solve
    return steps, result.objective_cny, wall


def myopic_carried_vs_not(case, repeats: int) -> None:
    """Myopic planning, each step block-started from scratch against from the step before (CarriedBasis)."""
    from gridplan.carried_basis import CarriedBasis

    runs = {"from scratch": [], "carried": []}
    for _ in range(repeats):
        runs["from scratch"].append(_myopic_steps(case, _NotCarried()))
        runs["carried"].append(_myopic_steps(case, CarriedBasis()))
    print(f"medians of {repeats} runs each, alternating\n")
    print("| last step starts | windows solved | windows s | finish iterations | last step HiGHS s | myopic total s | cost M CNY |")
    print("|---|---|---|---|---|---|---|")
    for name, rs in runs.items():
        last = [r[0][-1][0] for r in rs]
        bs = [s["block_start"] or {} for s in last]
        print(f"| {name} | {bs[-1].get('blocks', 0)} | {median(b.get('seconds', 0.0) for b in bs):.2f} | "
              f"{median(s['iterations']['simplex'] for s in last):,.0f} | "
              f"{median(r[0][-1][1]['solve'] for r in rs):.2f} | {median(r[2] for r in rs):.2f} | "
              f"{rs[-1][1] / 1e6:,.1f} |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("case", type=Path)
    ap.add_argument("--rep-days", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=3, help="representative days: runs of each side (medians)")
    ap.add_argument("--skip-warm", action="store_true")
    ap.add_argument("--skip-rep", action="store_true")
    ap.add_argument("--skip-neighbours", action="store_true")
    ap.add_argument("--skip-myopic", action="store_true")
    ap.add_argument("--year", type=int, default=None, help="neighbours: solve this planning year only")
    args = ap.parse_args()
    case = gridplan.load_case(args.case)
    print(f"case {args.case}, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores\n")
    if not args.skip_warm:
        warm_vs_cold(case)
    if not args.skip_rep:
        rep_vs_full(case, args.rep_days, args.repeats)
    if not args.skip_neighbours:
        neighbours_warm_vs_cold(case, args.year)
    if not args.skip_myopic:
        myopic_carried_vs_not(case, args.repeats)


if __name__ == "__main__":
    main()
