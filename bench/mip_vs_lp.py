"""MIP vs LP for each city case: cost, capacities that differ, and solve time.

    python bench/mip_vs_lp.py [--days N] [--time-limit S] [--gap G] [CASE ...]

The LP relaxes whole projects and units; the MIP builds them whole. Prints a
markdown table per case (total cost, gap, solve seconds) and the capacities
that differ by more than 1 MW. Not part of the tests.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gridplan

ROOT = Path(__file__).resolve().parents[1]


def run(case: Path, days: int | None, time_limit: float, gap: float) -> dict:
    out = {}
    for mode in ("lp", "mip"):
        t0 = time.perf_counter()
        r = gridplan.solve(case, days=days, mip=(mode == "mip"), time_limit_s=time_limit, mip_gap=gap)
        out[mode] = (r, time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="*", type=Path)
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=1800.0)
    ap.add_argument("--gap", type=float, default=1e-3)
    args = ap.parse_args()
    cases = args.cases or sorted((ROOT / "cases").glob("*.yaml"))
    print(f"hours: {'8760' if args.days is None else 24 * args.days} per year; MIP gap target {args.gap}; time limit {args.time_limit:.0f} s\n")
    print("| case | LP cost M CNY | MIP cost M CNY | MIP − LP % | MIP gap | LP s | MIP s | capacities that differ (LP → MIP, MW) |")
    print("|---|---|---|---|---|---|---|---|")
    for case in cases:
        res = run(case, args.days, args.time_limit, args.gap)
        (lp, t_lp), (mip, t_mip) = res["lp"], res["mip"]
        a = lp.capacity.set_index(["year", "asset"]).capacity_mw
        b = mip.capacity.set_index(["year", "asset"]).capacity_mw
        diff = [f"{asset} {y}: {a[(y, asset)]:,.0f} → {b[(y, asset)]:,.0f}" for (y, asset) in a.index if abs(a[(y, asset)] - b[(y, asset)]) > 1]
        gap = mip.summary["solver"]["mip_gap"]
        print(f"| {case.stem} | {lp.objective_cny / 1e6:,.1f} | {mip.objective_cny / 1e6:,.1f} | "
              f"{100 * (mip.objective_cny / lp.objective_cny - 1):.3f} | {gap if gap is None else f'{gap:.2e}'} | "
              f"{t_lp:.1f} | {t_mip:.1f} | {'; '.join(diff) or 'none'} |", flush=True)


if __name__ == "__main__":
    main()
