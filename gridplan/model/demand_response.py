"""Demand response: curtailable capability and shiftable load.

Curtailment: a capability variable ``R[y]`` (MW, contracted peak-load
response) up to ``potential × peak``, paid per kW-year; hourly curtailment
``u_t ≤ R`` paid per MWh, with at most ``max_hours_per_year`` full-load
hours a year. The capability is what the plans' "peak-load response of x %
of peak" targets count.

Shifting: load moved down (``s⁻``) in some hours and up (``s⁺``) in others,
each at most ``shiftable × peak``, with what is deferred paid back within
consecutive windows of ``shift_window_h`` hours.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from gridplan.case.schema import DemandResponse, value_in_year
from gridplan.model.capacity import KW_PER_MW
from gridplan.model.core import COST_SCALE, ModelContext
from gridplan.model.hourly import hourly_var
from gridplan.model.rows import hourly_rows




def add(ctx: ModelContext) -> None:
    """Add every demand-response resource of the case."""
    for dr in ctx.data.case.demand_response:
        _add_curtailment(ctx, dr)
        _add_shifting(ctx, dr)


def _add_curtailment(ctx: ModelContext, dr: DemandResponse) -> None:
    m, years = ctx.model, ctx.years
    limit = {y: value_in_year(dr.potential_fraction_of_peak, y, 0.0) * ctx.data.peak_mw[(dr.node, y)] for y in years}
    cap = pyo.Var(years, bounds=lambda _m, y: (0.0, limit[y]))
    m.add_component(f"dr_capability__{dr.name}", cap)
    u = hourly_var(m, f"curtail__{dr.name}", years, lower=None, within=pyo.NonNegativeReals)
    hourly_rows(m, f"curtail_limit__{dr.name}", years, np.arange(ctx.data.n_hours), "<=",
                hourly=[(u, 1.0)], shared=[({y: cap[y] for y in years}, -1.0)])
    if dr.max_hours_per_year < 8760:
        m.add_component(
            f"curtail_energy__{dr.name}",
            pyo.Constraint(years, rule=lambda _m, y: ctx.annual(u, y) <= dr.max_hours_per_year * cap[y]),
        )
    for y in years:
        key = (dr.node, y)
        ctx.dr_capability[key] = ctx.dr_capability.get(key, 0.0) + cap[y]
        ctx.add_injection(dr.node, y, u)
        ctx.add_series(f"{dr.name}_curtail", dr.node, y, u, +1.0)
        ctx.add_cost("demand_response", y, dr.capacity_cost_cny_per_kw_yr * KW_PER_MW * COST_SCALE * cap[y])
        if dr.activation_cost_cny_per_mwh:
            ctx.add_cost(
                "demand_response", y, dr.activation_cost_cny_per_mwh * COST_SCALE * ctx.annual(u, y)
            )


def shift_windows(n_hours: int, window_h: int) -> list[range]:
    """Consecutive windows of ``window_h`` hours covering ``n_hours`` (the last may be shorter)."""
    return [range(start, min(start + window_h, n_hours)) for start in range(0, n_hours, window_h)]


def _add_shifting(ctx: ModelContext, dr: DemandResponse) -> None:
    m, years, n = ctx.model, ctx.years, ctx.data.n_hours
    limit = {y: value_in_year(dr.shiftable_fraction_of_peak, y, 0.0) * ctx.data.peak_mw[(dr.node, y)] for y in years}
    shift_years = [y for y in years if limit[y] > 0]
    if not shift_years:
        return
    down = hourly_var(m, f"shift_down__{dr.name}", shift_years, upper=limit)
    up = hourly_var(m, f"shift_up__{dr.name}", shift_years, upper=limit)
    windows = shift_windows(n, dr.shift_window_h)
    m.add_component(
        f"shift_payback__{dr.name}",
        pyo.Constraint(
            shift_years,
            range(len(windows)),
            rule=lambda _m, y, k: pyo.quicksum(down[y, t] for t in windows[k]) == pyo.quicksum(up[y, t] for t in windows[k]),
        ),
    )
    for y in shift_years:
        ctx.add_injection(dr.node, y, down, 1.0)
        ctx.add_injection(dr.node, y, up, -1.0)
        ctx.add_series(f"{dr.name}_shift_down", dr.node, y, down, +1.0)
        ctx.add_series(f"{dr.name}_shift_up", dr.node, y, up, -1.0)
        if dr.shift_cost_cny_per_mwh:
            ctx.add_cost(
                "demand_response", y, dr.shift_cost_cny_per_mwh * COST_SCALE * ctx.annual(down, y)
            )
