"""Benchmark of the result page: size of a full-year Dongguan 2030 report and its time to open.

Solves ``cases/dongguan.yaml`` for 2030 over all 8760 hours (about a minute),
writes the result and its ``report.html`` (with curtailment, from the case),
then opens the page several times in headless Chromium and reports the time
from navigation until every chart has drawn.

Usage::

    python bench/report_bench.py                       # solve, then measure
    python bench/report_bench.py --result DIR          # measure an existing result folder
    python bench/report_bench.py --runs 5 --lang zh

Needs Chromium and Playwright (``.ci/install-browser``). Not a test: the
numbers depend on the machine and its load, which is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "dongguan.yaml"
SIZE_LIMIT_MB = 15.0
OPEN_LIMIT_S = 5.0


def _tree_cpu_s(root: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each live descendant of process ``root``.

    On a shared machine the wall time of a page load grows with other
    people's load; the CPU time Chromium spends on it does not, so both are
    reported. Linux only (reads /proc).
    """
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        kids = [p for p, pp in parent.items() if pp == pid]
        out.update({k: cpu[k] for k in kids})
        todo.extend(kids)
    return out


def _cpu_since(before: dict[int, float], root: int) -> float:
    """CPU seconds the live descendants of ``root`` used since ``before`` (new processes count whole)."""
    return sum(v - before.get(pid, 0.0) for pid, v in _tree_cpu_s(root).items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", type=Path, help="existing result folder (default: solve Dongguan 2030 into a temporary folder)")
    parser.add_argument("--runs", type=int, default=3, help="page opens to time")
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    args = parser.parse_args(argv)

    import gridplan
    from gridplan.api import require_solution
    from gridplan.report import write_report
    from gridplan.report.browser import (
        chart_states,
        launch_browser,
        missing_reason,
        open_page,
    )

    reason = missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    folder = args.result
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="report-bench-")) / "dongguan-2030"
        t0 = time.perf_counter()
        result = require_solution(gridplan.solve(CASE, year=2030))
        gridplan.write_result(result, folder)
        print(f"solved Dongguan 2030, {result.options['hours']} h, in {time.perf_counter() - t0:.1f} s -> {folder}")
    t0 = time.perf_counter()
    page_path = write_report(folder, args.lang, case=CASE)
    build_s = time.perf_counter() - t0
    size_mb = page_path.stat().st_size / 1e6
    print(f"report.html: {size_mb:.2f} MB (limit {SIZE_LIMIT_MB:.0f} MB), written in {build_s:.1f} s")

    times, first, cpu, draws = [], [], [], {}
    with launch_browser() as browser:
        for i in range(args.runs):
            cpu0 = _tree_cpu_s(os.getpid())
            with open_page(page_path, browser) as (page, info):
                cpu.append(_cpu_since(cpu0, os.getpid()))
                if info["ready"] != "1" or info["console_errors"]:
                    print(f"run {i + 1}: page failed: ready={info['ready']} errors={info['console_errors']}", file=sys.stderr)
                    return 1
                times.append(info["load_s"])
                first.append(page.evaluate("() => window.GRIDPLAN_FIRST_SCREEN_MS") / 1000.0)
                draws = page.evaluate("() => window.GRIDPLAN_DRAW_MS")
                charts = chart_states(page)
            print(f"run {i + 1}: first screen drawn after {first[-1]:.2f} s, all {len(charts)} charts after {info['load_s']:.2f} s; "
                  f"Chromium CPU {cpu[-1]:.2f} s")
    load = os.getloadavg()
    print(f"all charts drawn: median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"; load average {load[0]:.2f} on {os.cpu_count()} cores")
    print(f"first screen: median {statistics.median(first):.2f} s, min {min(first):.2f} s, max {max(first):.2f} s "
          f"(limit {OPEN_LIMIT_S:.0f} s)")
    print(f"Chromium CPU time per open (all its processes, independent of other load): median {statistics.median(cpu):.2f} s")
    print("draw time per chart (ms, last run): " + ", ".join(f"{k} {v:.0f}" for k, v in draws.items()))
    # "Opens" = the first screen has drawn and answers; the rest draws behind it, chart by chart.
    ok = size_mb < SIZE_LIMIT_MB and statistics.median(first) < OPEN_LIMIT_S
    print("OK" if ok else "OVER LIMIT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
