"""gridplan time and peak memory against modelled hours and number of nodes (issue 9, part 1).

One command (defaults: the Dongguan case, HiGHS dual simplex, gridplan's default):

    python bench/scaling.py [CASE] [--hours 720,2190,4380,8760] [--nodes 1,2,5] [--node-hours 2190]

Points, each solved in its own Python process (peak RSS is that process's):

* hours: the case's last planning year, the first H hours of the year
  (from 1 January; 720 = January), costs weighted by 8760 / H as gridplan
  does for any window. The windows are cut from gridplan's full-year
  ``prepare`` output, so 2190 and 4380 h (not whole days) are exact.
* 17520 = both planning years at 8760 h each (the full case as
  ``gridplan solve`` runs it), unless ``--no-two-year``.
* nodes: the case's node cloned into N nodes (``NODE_1`` .. ``NODE_N``) with all
  its assets and DR, node k's demand scaled by 1 - 0.1 (k - 1) so the nodes
  differ, linked in a chain by ``links`` of ``--link-mw`` MW (default 2,000 MW)
  each way, efficiency 0.98, no wheeling cost. Policies keep their
  right-hand sides and cover all nodes (a clone keeps its original asset
  name as a group, so policies naming assets still match); a retirement
  rule is copied for each clone of its generator.

HiGHS time includes gridplan's block start (``--block-start``, default
auto: see gridplan/blockstart.py), whose blocks' iterations are listed
beside the finish's.

Timings per point: inputs (weather, profiles, demand), build (pyomo model),
compile (``gridplan.compiler``: the objective, the pyomo rows and the array rows), handoff (``Highs.passModel``), HiGHS run,
readback (values and duals back into pyomo), total; plus LP size and the
load average before each point.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def clone_nodes(case, n_nodes: int, link_mw: float = 2000.0, efficiency: float = 0.98):
    """The single-node ``case`` cloned into ``n_nodes`` nodes linked in a chain (see the module doc)."""
    from gridplan.case.schema import DemandYear, Link

    if n_nodes <= 1:
        return case
    if len(case.nodes) != 1:
        raise SystemExit("node cloning needs a single-node case")
    (orig, node), = case.nodes.items()
    names = [f"{orig}_{k}" for k in range(1, n_nodes + 1)]
    nodes = {}
    for k, name in enumerate(names):
        f = 1.0 - 0.1 * k
        demand = {y: DemandYear.model_validate({**d.model_dump(exclude_none=True), "annual_mwh": d.annual_mwh * f,
                                                "peak_mw": d.peak_mw * f})
                  for y, d in node.demand.items()}
        nodes[name] = node.model_copy(update={"demand": demand})

    def clones(items):
        out = []
        for item in items:
            for k, name in enumerate(names, start=1):
                update = {"name": f"{item.name}_{k}", "node": name}
                if hasattr(item, "groups"):
                    update["groups"] = list(item.groups) + [item.name]
                out.append(item.model_copy(update=update))
        return out

    links = [Link.model_validate({"name": f"link_{a}_{b}", "from": a, "to": b, "max_mw": link_mw,
                                  "efficiency": efficiency})
             for a, b in zip(names[:-1], names[1:])]
    # A retirement rule names one generator: each clone of it gets its own copy of the rule.
    policies = [p for p in case.policies if p.type != "retirement"]
    policies += [p.model_copy(update={"name": f"{p.name}_{k}", "asset": f"{p.asset}_{k}"})
                 for p in case.policies if p.type == "retirement" for k in range(1, n_nodes + 1)]
    out = case.model_copy(update={"nodes": nodes, "generators": clones(case.generators),
                                  "storage": clones(case.storage), "demand_response": clones(case.demand_response),
                                  "links": list(case.links) + links, "policies": policies})
    out._base_dir, out._file = case.base_dir, case.file
    return out


def first_hours(data, n_hours: int):
    """gridplan's prepared data cut to its first ``n_hours`` hours (costs weighted 8760 / n_hours)."""
    import numpy as np

    if n_hours >= data.n_hours:
        return data
    cut = slice(0, n_hours)
    names = {f.name for f in dataclasses.fields(data)}
    update = dict(
        hours=data.hours[cut],
        demand_mw={k: v[cut] for k, v in data.demand_mw.items()},
        availability={k: (v[cut] if isinstance(v, np.ndarray) else v) for k, v in data.availability.items()},
        timestamps=data.timestamps[cut],
    )
    # ModelData has changed shape over time: a scalar hour_weight, or per-hour weights and a wrap-around map.
    if "hour_weight" in names:
        update["hour_weight"] = 8760.0 / n_hours
    if "weights" in names:
        update["weights"] = np.full(n_hours, 8760.0 / n_hours)
    if "previous" in names:
        update["previous"] = np.roll(np.arange(n_hours), 1)
    return dataclasses.replace(data, **update)


def run_point(case_path: str, hours: int, nodes: int, years: int, method: str, link_mw: float,
              time_limit: float | None, block_start: str = "auto") -> dict:
    from gridplan.api import restrict
    from gridplan.case import load_case
    from gridplan.highs import HighsSession, SolveOptions
    from gridplan.inputs import prepare
    from gridplan.model.core import build_model

    c0, t0 = time.process_time(), time.perf_counter()
    case = load_case(case_path)
    if years == 1:
        case = restrict(case, case.years[-1])
    case = clone_nodes(case, nodes, link_mw)
    data = first_hours(prepare(case), hours)
    c1, t1 = time.process_time(), time.perf_counter()
    ctx = build_model(data)
    c2, t2 = time.process_time(), time.perf_counter()
    session = HighsSession(ctx.model, SolveOptions(method=method, time_limit_s=time_limit, block_start=block_start))
    c3 = time.process_time()
    out = session.run(write_back=True)
    c4, t3 = time.process_time(), time.perf_counter()
    cpu_run = {"solve": c4 - c3}  # every thread's CPU (block LPs, finishes), with the readback
    info = session.highs.getInfo()
    return {
        "hours": hours * len(case.years), "hours_per_year": hours, "years": len(case.years), "nodes": nodes,
        "method": method, "block_start": out.block_start, "status": out.status, "objective": out.objective,
        "timings": {"inputs": t1 - t0, "build": t2 - t1, "compile": out.timings_s["compile"],
                    "handoff": out.timings_s["handoff"], "solve": out.timings_s["solve"],
                    "readback": out.timings_s["readback"], "total": t3 - t0},
        "cpu": {"inputs": c1 - c0, "build": c2 - c1, "handoff": c3 - c2, "solve": cpu_run.get("solve", float("nan")),
                "total": c4 - c0},
        "size": {"cols": out.n_columns, "rows": out.n_rows, "nnz": out.n_nonzeros},
        "iterations": {"simplex": info.simplex_iteration_count, "ipm": info.ipm_iteration_count,
                       "crossover": info.crossover_iteration_count},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def points(args) -> list[tuple[int, int, int]]:
    """(hours per year, nodes, years) for every point, in run order."""
    pts = [(h, 1, 1) for h in args.hours]
    if not args.no_two_year:
        pts.append((8760, 1, 2))
    pts += [(args.node_hours, k, 1) for k in args.nodes if k != 1 or args.node_hours not in args.hours]
    return pts


def table(results: list[dict]) -> str:
    lines = [("| hours | years | nodes | cols | rows | nnz | inputs s | build s | compile s | handoff s | HiGHS s | "
              "readback s | total s | peak RSS MB | iterations | status | load before | "
              "CPU s: build / compile+handoff / HiGHS+readback / total |"),
             "|" + "---|" * 18]
    for r in results:
        if "timings" not in r:
            lines.append(f"| {r['hours']} | {r['years']} | {r['nodes']} |" + " |" * 12 + f" {r['status']} | {r['load_before']} | |")
            continue
        t, s, it = r["timings"], r["size"], r["iterations"]
        iters = it["simplex"] if r["method"] == "simplex" else f"{it['ipm']} ipm + {it['crossover']} crossover"
        if r.get("block_start"):  # blocks' iterations and seconds (inside HiGHS s), then the finish's
            b = r["block_start"]
            iters = f"{b['blocks']} blocks: {b['iterations']} in {b['seconds']:.1f} s; finish {iters}"
        lines.append(
            f"| {r['hours']} | {r['years']} | {r['nodes']} | {s['cols']:,} | {s['rows']:,} | {s['nnz']:,} | "
            f"{t['inputs']:.2f} | {t['build']:.2f} | {t['compile']:.2f} | {t['handoff']:.2f} | {t['solve']:.1f} | "
            f"{t['readback']:.2f} | {t['total']:.1f} | {r['peak_rss_mb']:.0f} | {iters} | {r['status']} | {r['load_before']} | "
            + (" / ".join(f"{r['cpu'][k]:.1f}" for k in ("build", "handoff", "solve", "total")) if "cpu" in r else "")
            + " |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", nargs="?", default=str(REPO / "cases" / "dongguan.yaml"))
    ap.add_argument("--hours", default="720,2190,4380,8760", help="hours per year, single (last) planning year")
    ap.add_argument("--no-two-year", action="store_true", help="skip the 2-year 17520 h point")
    ap.add_argument("--nodes", default="1,2,5", help="node counts (clones of the case's node)")
    ap.add_argument("--node-hours", type=int, default=2190, help="hours per year of the node points")
    ap.add_argument("--link-mw", type=float, default=2000.0, help="capacity of each link between clones, MW")
    ap.add_argument("--method", default="simplex", help="HiGHS method (gridplan's: simplex, ipm, pdlp, choose)")
    ap.add_argument("--time-limit", type=float, default=900.0, help="HiGHS time limit per point, s")
    ap.add_argument("--block-start", default="auto", help="gridplan's block start: auto (default), on or off")
    ap.add_argument("--json", default=None, help="write the results to this JSON file")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        h, k, y = (int(x) for x in args.worker.split(","))
        out = run_point(args.case, h, k, y, args.method, args.link_mw, args.time_limit, args.block_start)
        print("RESULT " + json.dumps(out))
        return 0
    args.hours = [int(x) for x in args.hours.split(",") if x]
    args.nodes = [int(x) for x in args.nodes.split(",") if x]
    print(f"# {args.case}, method {args.method}, block start {args.block_start}; {os.cpu_count()} cpus; load {loadavg()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    results = []
    for h, k, y in points(args):
        cmd = [sys.executable, str(Path(__file__).resolve()), args.case, "--worker", f"{h},{k},{y}",
               "--method", args.method, "--link-mw", str(args.link_mw), "--time-limit", str(args.time_limit),
               "--block-start", args.block_start]
        load = loadavg()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO))
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(proc.stderr[-3000:])
            r = {"hours": h * y, "years": y, "nodes": k, "status": f"failed ({proc.returncode})"}
        else:
            r = json.loads(lines[-1][7:])
        r["load_before"] = load
        results.append(r)
        t = r.get("timings", {})
        print(f"  hours={h * y:6d} nodes={k} years={y} status={r['status']} total={t.get('total', float('nan')):.1f}s "
              f"HiGHS={t.get('solve', float('nan')):.1f}s peakRSS={r.get('peak_rss_mb', float('nan')):.0f}MB load={load}",
              flush=True)
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps({"case": args.case, "method": args.method, "results": results}, indent=1))
    return 0 if all(r["status"] == "optimal" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
