"""Warm-started rule pricing and representative days, against their slow references.

    python bench/fast_studies.py cases/zhaoqing.yaml [--rep-days 12] [--skip-warm] [--skip-rep] [--skip-neighbours] [--year Y]

1. Cost of every active rule, warm (rows freed in the solved HiGHS instance)
   vs cold (rebuild and solve without the rule): seconds and the largest
   difference in the costs.
2. Representative days vs the full 8760 h: seconds, the total-cost error and
   the error of every capacity above 100 MW.
3. Sweep neighbours (fuel prices, generator capex, storage capex scaled),
   each solved cold and warm from the previous scenario's basis
   (``gridplan.highs.WarmStarts``, as a sweep worker does): HiGHS seconds,
   iterations, and the largest cost and capacity differences.
Prints markdown tables. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

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


def rep_vs_full(case, n_days: int) -> None:
    t0 = time.perf_counter()
    full = gridplan.solve(case)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = gridplan.solve(case, rep_days=n_days)
    t_rep = time.perf_counter() - t0
    print("| hours | total s | solve s | total cost M CNY | cost error % |")
    print("|---|---|---|---|---|")
    print(f"| 8760 | {t_full:.1f} | {full.timings_s['solve']:.1f} | {full.objective_cny / 1e6:,.1f} | – |")
    err = 100 * (rep.objective_cny / full.objective_cny - 1)
    print(f"| {n_days} rep. days | {t_rep:.1f} | {rep.timings_s['solve']:.1f} | {rep.objective_cny / 1e6:,.1f} | {err:+.2f} |\n")
    a = full.capacity.set_index(["year", "asset"]).capacity_mw
    b = rep.capacity.set_index(["year", "asset"]).capacity_mw
    print("| year | asset | 8760 h MW | rep. days MW | error % |")
    print("|---|---|---|---|---|")
    for key in a.index:
        if a[key] > 100:
            print(f"| {key[0]} | {key[1]} | {a[key]:,.0f} | {b[key]:,.0f} | {100 * (b[key] / a[key] - 1):+.1f} |")
    print(f"\nspeed-up {t_full / t_rep:.1f}× (total), {full.timings_s['solve'] / rep.timings_s['solve']:.1f}× (solve)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("case", type=Path)
    ap.add_argument("--rep-days", type=int, default=12)
    ap.add_argument("--skip-warm", action="store_true")
    ap.add_argument("--skip-rep", action="store_true")
    ap.add_argument("--skip-neighbours", action="store_true")
    ap.add_argument("--year", type=int, default=None, help="neighbours: solve this planning year only")
    args = ap.parse_args()
    case = gridplan.load_case(args.case)
    print(f"case {args.case}, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores\n")
    if not args.skip_warm:
        warm_vs_cold(case)
    if not args.skip_rep:
        rep_vs_full(case, args.rep_days)
    if not args.skip_neighbours:
        neighbours_warm_vs_cold(case, args.year)


if __name__ == "__main__":
    main()
