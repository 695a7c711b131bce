"""MIP vs LP for each city case: cost, capacities that differ, and solve time.

    python bench/mip_vs_lp.py [--days N] [--time-limit S] [--gap G] [--out DIR] [CASE ...]

One ``gridplan.solve(case, mip=True)`` per case: gridplan first solves the
LP relaxation of the model (whole projects, units, commitment and retrofit
units made continuous), then the MIP, in the same HiGHS instance. Prints a
markdown table (total cost of both, MIP status and gap, seconds of each
solve) and every capacity or retrofit that differs by more than 1 MW. With
``--out`` each case's result folder and report page (which shows the same
comparison) are written there. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import gridplan
from gridplan.result import differing_capacities

ROOT = Path(__file__).resolve().parents[1]


def differing(relaxation: dict) -> list[str]:
    """Capacities and retrofits that differ between the LP relaxation and the MIP, as text (MW)."""
    return [f"{d['asset']}{' retrofit' if d['retrofit'] else ''} {d['year']}: {d['lp_mw']:,.0f} → {d['mip_mw']:,.0f}"
            for d in differing_capacities(relaxation)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="*", type=Path)
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=900.0, help="MIP time limit, seconds")
    ap.add_argument("--gap", type=float, default=1e-3, help="relative MIP gap at which HiGHS stops")
    ap.add_argument("--out", type=Path, default=None, help="write each case's result folder and report.html here")
    args = ap.parse_args()
    cases = args.cases or sorted((ROOT / "cases").glob("*.yaml"))
    print(f"hours: {'8760' if args.days is None else 24 * args.days} per year; MIP gap target {args.gap}; "
          f"time limit {args.time_limit:.0f} s; load {os.getloadavg()[0]:.1f}\n")
    print("| case | LP cost M CNY | MIP cost M CNY | MIP − LP % | MIP status | MIP gap | LP solve s | MIP solve s | "
          "whole run s | LP hours charging and discharging at once | capacities that differ (LP → MIP, MW) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        t0 = time.perf_counter()
        mip = gridplan.solve(case, days=args.days, mip=True, time_limit_s=args.time_limit, mip_gap=args.gap)
        total = time.perf_counter() - t0
        lp = mip.lp_relaxation
        gap = mip.summary["solver"]["mip_gap"]
        both = ", ".join(f"{y}: {h:,.0f}" for y, h in lp["simultaneous_charge_discharge_h"].items())
        print(f"| {case.stem} | {lp['objective_cny'] / 1e6:,.1f} | {mip.objective_cny / 1e6:,.1f} | "
              f"{lp['mip_minus_lp_pct']:+.3f} | {mip.status} | {gap if gap is None else f'{gap:.1e}'} | "
              f"{lp['solve_s']:.1f} | {mip.timings_s['solve']:.1f} | {total:.1f} | {both} | "
              f"{'; '.join(differing(lp)) or 'none'} |", flush=True)
        if args.out is not None:
            from gridplan.report import write_report

            write_report(gridplan.write_result(mip, args.out / case.stem), result=mip)


if __name__ == "__main__":
    main()
