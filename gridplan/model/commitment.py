"""Clustered unit commitment for thermal generators.

For a fleet of identical units of ``S`` MW, with ``u_t`` units committed
(integer in MIP mode, relaxed in the LP):

* ``min_stable · S · u_t ≤ p_t ≤ a · S · u_t`` and ``S · u_t ≤ capacity``
  (a flexibility retrofit lowers the floor of retrofitted units),
* start-ups ``su_t ≥ u_t − u_{t−1}`` and shut-downs ``sd_t ≥ u_{t−1} − u_t``,
* minimum up time: ``u_t ≥ Σ su`` over the last ``min_up_h`` hours;
  minimum down time: ``capacity/S − u_t ≥ Σ sd`` over the last ``min_down_h`` hours,
* start-up cost ``startup_cost_cny_per_mw · S`` per unit started.

Hours wrap around the modelled window, as storage does.
"""

from __future__ import annotations

import pyomo.environ as pyo

from gridplan.case.schema import Generator
from gridplan.model.core import COST_SCALE, ModelContext
from gridplan.model.retrofit import committed_retrofit


def add_commitment(ctx: ModelContext, gen: Generator, p, caps: dict, avail, retrofitted: dict | None = None) -> None:
    """Add commitment variables and rows for ``gen`` whose output variable is ``p[y, t]``.

    ``retrofitted`` (year -> MW, from ``gridplan.model.retrofit``) lowers the
    minimum stable load of the retrofitted part of the committed units.
    """
    uc = gen.unit_commitment
    m, years, n = ctx.model, ctx.years, ctx.data.n_hours
    size = uc.unit_size_mw
    u = pyo.Var(years, m.T, within=ctx.integer_domain)
    su = pyo.Var(years, m.T, within=pyo.NonNegativeReals)
    sd = pyo.Var(years, m.T, within=pyo.NonNegativeReals)
    m.add_component(f"committed__{gen.name}", u)
    m.add_component(f"startup__{gen.name}", su)
    m.add_component(f"shutdown__{gen.name}", sd)

    def rows(name, rule):
        m.add_component(f"{name}__{gen.name}", pyo.Constraint(years, m.T, rule=rule))

    rows("committed_max", lambda _m, y, t: size * u[y, t] <= caps[y])
    rows("output_max", lambda _m, y, t: p[y, t] <= float(avail[t]) * size * u[y, t])
    if uc.min_stable_fraction > 0:
        # A retrofit lowers the floor by (f0 − f1) per committed retrofitted MW r[y, t].
        r = committed_retrofit(ctx, gen, retrofitted, lambda y, t: size * u[y, t]) if retrofitted is not None else None
        relief = uc.min_stable_fraction - gen.flexibility_retrofit.min_stable_fraction if r is not None else 0.0

        def output_min(_m, y, t):
            floor = uc.min_stable_fraction * size * u[y, t]
            return p[y, t] >= (floor - relief * r[y, t] if r is not None else floor)

        rows("output_min", output_min)
    rows("startups", lambda _m, y, t: su[y, t] >= u[y, t] - u[y, ctx.prev(t)])
    rows("shutdowns", lambda _m, y, t: sd[y, t] >= u[y, ctx.prev(t)] - u[y, t])

    def window(t: int, hours: int) -> list[int]:
        """``t`` and the hours before it, following the (wrapping) modelled sequence."""
        out = [t]
        while len(out) < min(hours, n):
            out.append(ctx.prev(out[-1]))
        return out

    if uc.min_up_h > 1:
        rows("min_up", lambda _m, y, t: u[y, t] >= sum(su[y, k] for k in window(t, uc.min_up_h)))
    if uc.min_down_h > 1:
        rows("min_down", lambda _m, y, t: caps[y] / size - u[y, t] >= sum(sd[y, k] for k in window(t, uc.min_down_h)))
    for y in years:
        ctx.add_series(f"{gen.name}_committed", gen.node, y, u, 0.0, unit="units")
        if uc.startup_cost_cny_per_mw:
            ctx.add_cost("startup", y, uc.startup_cost_cny_per_mw * size * COST_SCALE * ctx.annual(su, y))
