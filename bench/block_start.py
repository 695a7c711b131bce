"""Block start against a cold start, on the shipped city cases at 8760 h (gridplan.blockstart).

    python bench/block_start.py [--cases dongguan,zhaoqing] [--horizons pathway,last] [--modes off,auto]
                                [--block-hours 1095] [--json out.json]

Each point (case, horizon, mode) is solved in its own Python process, so
that one point's memory and threads do not touch the next. ``pathway`` is
every planning year together (the case as ``gridplan solve`` runs it);
``last`` is the last planning year alone. Modes are gridplan's
``--block-start``: ``off`` (cold), ``on`` (block start) and ``auto`` (the
default: a block start on LPs of at least ``gridplan.blockstart.MIN_ROWS``
rows, which all these are). For each point: HiGHS seconds (with a block
start, the blocks and the finish together), the blocks' seconds and
iterations, the finish's iterations, which finish won their race, the
objective, and the load average before the point. The objectives of all
modes must agree to 1e-9.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from gridplan.options import DEFAULT_BLOCK_HOURS

REPO = Path(__file__).resolve().parents[1]
CASES = ["dongguan", "zhaoqing", "zhuhai", "ruijin", "jieyang"]


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_point(case: str, horizon: str, mode: str, block_hours: int) -> dict:
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    built = build(REPO / "cases" / f"{case}.yaml")
    if horizon == "last":
        built = build(REPO / "cases" / f"{case}.yaml", year=built.case.years[-1])
    session = HighsSession(built.ctx.model, SolveOptions(block_start=mode, block_hours=block_hours))
    out = session.run(write_back=False)
    return {"case": case, "horizon": horizon, "mode": mode, "status": out.status, "objective": out.objective,
            "solve_s": out.timings_s["solve"], "finish_iterations": out.iterations["simplex"],
            "block_start": out.block_start, "rows": out.n_rows, "columns": out.n_columns}


def table(results: list[dict]) -> str:
    lines = ["| case | horizon | rows | cold (off) s | block start s | of it windows s | window iterations "
             "| finish iterations | finish that won | finishes run | cold iterations | speed-up | objectives differ by |",
             "|" + "---|" * 13]
    pairs: dict = {}
    for r in results:
        pairs.setdefault((r["case"], r["horizon"]), {})[r["mode"]] = r
    for (case, horizon), p in pairs.items():
        off, on = p.get("off", {}), p.get("auto") or p.get("on") or {}
        b = on.get("block_start") or {}
        objectives = [r["objective"] for r in p.values()]
        cells = [case, horizon, f"{(on or off)['rows']:,}",
                 f"{off['solve_s']:.1f}" if off else "", f"{on['solve_s']:.1f}" if on else "",
                 f"{b['seconds']:.1f}" if b else "", f"{b['iterations']:,}" if b else "",
                 f"{on['finish_iterations']:,}" if on else "", b.get("finish") or "", str(b.get("finishes") or ""),
                 f"{off['finish_iterations']:,}" if off else "",
                 f"{off['solve_s'] / on['solve_s']:.2f}×" if off and on else "",
                 f"{(max(objectives) - min(objectives)) / abs(objectives[0]):.0e}" if len(objectives) > 1 else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--horizons", default="pathway,last")
    ap.add_argument("--modes", default="off,auto")
    ap.add_argument("--block-hours", type=int, default=DEFAULT_BLOCK_HOURS)
    ap.add_argument("--json", default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        case, horizon, mode = args.worker.split(",")
        print("RESULT " + json.dumps(run_point(case, horizon, mode, args.block_hours)))
        return 0
    print(f"# block start, {args.block_hours} h per block; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    results = []
    for case in args.cases.split(","):
        for horizon in args.horizons.split(","):
            for mode in args.modes.split(","):
                load = loadavg()
                proc = subprocess.run([sys.executable, __file__, "--worker", f"{case},{horizon},{mode}",
                                       "--block-hours", str(args.block_hours)], capture_output=True, text=True, cwd=REPO)
                lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
                if not lines:
                    sys.stderr.write(proc.stderr[-2000:])
                    continue
                r = json.loads(lines[-1][7:])
                r["load_before"] = load
                results.append(r)
                print(f"  {case} {horizon} {mode}: {r['status']} {r['solve_s']:.1f} s, load {load}", flush=True)
                if args.json:
                    Path(args.json).write_text(json.dumps(results, indent=1))
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
