"""How far a representative-day run is from the full-year run of the same case.

Representative days trade accuracy for speed. With ``compare_full`` a
representative-day solve also solves the full modelled year and states,
in its summary, page and console line, the total-cost error and the error
of every capacity, and names plainly each one outside the limits.

The default limits are the ones gridplan's issue tracker set for 12
representative days (total cost within 3 %, every capacity above 100 MW
within 10 %); they are a user's choice, not data, and can be changed per call.
"""

from __future__ import annotations

import math

#: Total-cost error (per cent) within which a representative-day run is called faithful.
COST_LIMIT_PCT = 3.0
#: Capacity error (per cent) within which each checked capacity is called faithful.
CAPACITY_LIMIT_PCT = 10.0
#: Capacities below this in both runs (MW) are listed but not checked: a small error in MW is a large one in per cent.
CAPACITY_FLOOR_MW = 100.0


def _pct(value: float, reference: float) -> float | None:
    return 100.0 * (value - reference) / abs(reference) if reference else None


def compare_with_full_year(rep, full, cost_limit_pct: float = COST_LIMIT_PCT,
                           capacity_limit_pct: float = CAPACITY_LIMIT_PCT,
                           capacity_floor_mw: float = CAPACITY_FLOOR_MW) -> dict:
    """The representative-day result ``rep`` against the full-year result ``full`` of the same case.

    Returns
    -------
    dict
        ``rep_days``, ``full_hours``, both objectives (CNY) and solve and total
        seconds, ``cost_error_pct``, ``cost_within``, ``capacity`` (one row per
        year and asset: ``full_mw``, ``rep_mw``, ``error_pct``, ``checked``,
        ``within``), ``outside`` (the checked rows that are not within) and
        ``statement``, one plain sentence.
    """
    full_cap = full.capacity.set_index(["year", "asset"]).capacity_mw
    rep_cap = rep.capacity.set_index(["year", "asset"]).capacity_mw
    rows = []
    for key in sorted(set(full_cap.index) | set(rep_cap.index), key=lambda k: (int(k[0]), str(k[1]))):
        a = float(full_cap.get(key, 0.0))
        b = float(rep_cap.get(key, 0.0))
        checked = max(a, b) > capacity_floor_mw
        err = _pct(b, a)
        within = (not checked) or (err is not None and abs(err) <= capacity_limit_pct)
        rows.append({"year": int(key[0]), "asset": str(key[1]), "full_mw": round(a, 3), "rep_mw": round(b, 3),
                     "error_pct": None if err is None or not math.isfinite(err) else round(err, 3),
                     "checked": bool(checked), "within": bool(within)})
    cost_err = _pct(rep.objective_cny, full.objective_cny)
    out = {
        "rep_days": rep.options.get("rep_days"),
        "full_hours": full.options.get("hours"),
        "objective_cny": rep.objective_cny,
        "full_objective_cny": full.objective_cny,
        "cost_error_pct": cost_err,
        "cost_limit_pct": cost_limit_pct,
        "cost_within": cost_err is not None and abs(cost_err) <= cost_limit_pct,
        "capacity_limit_pct": capacity_limit_pct,
        "capacity_floor_mw": capacity_floor_mw,
        "capacity": rows,
        "outside": [r for r in rows if not r["within"]],
        "solve_s": {"rep": rep.timings_s.get("solve"), "full": full.timings_s.get("solve")},
        "total_s": {"rep": rep.timings_s.get("total"), "full": full.timings_s.get("total")},
    }
    out["statement"] = statement(out)
    return out


def statement(check: dict) -> str:
    """One sentence: the cost error, and every capacity outside its limit by name (or that none is)."""
    cost = check["cost_error_pct"]
    head = (f"{check['rep_days']} representative days against the full {check['full_hours']:,} h: "
            f"total cost {cost:+.2f} % ({'within' if check['cost_within'] else 'OUTSIDE'} ±{check['cost_limit_pct']:g} %)")
    n_checked = sum(r["checked"] for r in check["capacity"])
    if not check["outside"]:
        return (f"{head}; every capacity above {check['capacity_floor_mw']:g} MW within ±{check['capacity_limit_pct']:g} % "
                f"({n_checked} checked)")
    parts = [f"{r['asset']} {r['year']} {r['full_mw']:,.0f} → {r['rep_mw']:,.0f} MW"
             + (f" ({r['error_pct']:+.1f} %)" if r["error_pct"] is not None else "") for r in check["outside"]]
    return (f"{head}; OUTSIDE ±{check['capacity_limit_pct']:g} %: " + "; ".join(parts)
            + f" ({len(parts)} of {n_checked} capacities above {check['capacity_floor_mw']:g} MW)")
