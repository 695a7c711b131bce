"""Warm-started rule pricing and representative days, against their slow references.

    python bench/fast_studies.py cases/zhaoqing.yaml [--rep-days 12] [--skip-warm] [--skip-rep]

1. Cost of every active rule, warm (rows freed in the solved HiGHS instance)
   vs cold (rebuild and solve without the rule): seconds and the largest
   difference in the costs.
2. Representative days vs the full 8760 h: seconds, the total-cost error and
   the error of every capacity above 100 MW.
Prints markdown tables. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import gridplan
from gridplan.rules import target_report


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
    print(f"| rules priced | base solve s | warm re-solves s | cold re-solves s | speed-up | max |Δ cost| CNY |")
    print("|---|---|---|---|---|---|")
    print(f"| {n} | {base:.1f} | {t_warm - base:.1f} | {t_cold - base:.1f} | {(t_cold - base) / max(t_warm - base, 1e-9):.1f}× | {diff:.3g} |\n")


def rep_vs_full(case, n_days: int) -> None:
    t0 = time.perf_counter()
    full = gridplan.solve(case)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = gridplan.solve(case, rep_days=n_days)
    t_rep = time.perf_counter() - t0
    print(f"| hours | total s | solve s | total cost M CNY | cost error % |")
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
    args = ap.parse_args()
    case = gridplan.load_case(args.case)
    print(f"case {args.case}, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores\n")
    if not args.skip_warm:
        warm_vs_cold(case)
    if not args.skip_rep:
        rep_vs_full(case, args.rep_days)


if __name__ == "__main__":
    main()
