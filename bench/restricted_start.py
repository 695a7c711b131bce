"""Restricted start against a cold solve, on the representative-day LPs of the city cases.

    python bench/restricted_start.py [--cases dongguan,zhaoqing,...] [--days 12,24] [--repeats 3]

For each case and number of representative days, solves the same LP
``--repeats`` times each way, alternating: gridplan's default (a cold LP of
representative days starts restricted, ``gridplan.restricted_start``) and
``block_start="off"`` (cold). Prints a markdown table of HiGHS wall seconds
(medians), the iterations of each step and the largest relative difference
of the objectives. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
from statistics import median

import gridplan

CASES = ["dongguan", "zhaoqing", "zhuhai", "ruijin", "jieyang"]


def _runs(path: str, days: int, repeats: int) -> tuple[list, list]:
    restricted, cold = [], []
    for _ in range(repeats):
        restricted.append(gridplan.solve(path, rep_days=days))
        cold.append(gridplan.solve(path, rep_days=days, block_start="off"))
    return restricted, cold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--days", default="12,24")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, medians of {args.repeats} alternating runs\n")
    print("| case | days | rows | cold HiGHS s | restricted HiGHS s | of it restricted LP s | restricted LP iterations "
          "| finish iterations | cold iterations | speed-up | objectives differ by |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    total_cold = total_restricted = 0.0
    for name in args.cases.split(","):
        for days in map(int, args.days.split(",")):
            restricted, cold = _runs(f"cases/{name}.yaml", days, args.repeats)
            t_r = median(r.timings_s["solve"] for r in restricted)
            t_c = median(r.timings_s["solve"] for r in cold)
            report = restricted[0].solver["restricted_start"]
            assert report and report["used"], f"{name} {days}: the restricted start was not used ({report})"
            diff = max(abs(r.objective_cny / cold[0].objective_cny - 1) for r in restricted + cold)
            total_cold, total_restricted = total_cold + t_c, total_restricted + t_r
            print(f"| {name} | {days} | {restricted[0].solver['rows']:,} | {t_c:.2f} | {t_r:.2f} | "
                  f"{median(r.solver['restricted_start']['first_seconds'] for r in restricted):.2f} | "
                  f"{report['first_iterations']:,} | {restricted[0].solver['iterations']['simplex']:,} | "
                  f"{cold[0].solver['iterations']['simplex']:,} | {t_c / t_r:.1f}× | {diff:.0e} |", flush=True)
    print(f"\nall: cold {total_cold:.2f} s, restricted {total_restricted:.2f} s of HiGHS "
          f"({total_cold / total_restricted:.1f}×)")


if __name__ == "__main__":
    main()
