"""Generators: PV, wind, thermal, hydro, biomass... any plant that only produces.

Each generator adds hourly output ``p[y, t]`` (MW) with

* availability: ``p ≤ a_t · capacity`` (a_t from weather for PV/wind, a
  constant availability factor for dispatchable plants; a variable bound
  when the capacity cannot change),
* a must-run floor ``p ≥ f · capacity`` (heat-led CHP, nuclear, coal kept
  on line), which a flexibility retrofit can lower (``gridplan.model.retrofit``),
* ramp limits ``|p_t − p_{t−1}| ≤ r · capacity`` where ``r < 1``,
* optionally clustered unit commitment (``gridplan.model.commitment``),

its output into its node's balance, and variable O&M plus fuel
(``fuel price × heat rate``) and emissions (``heat rate × fuel CO2 factor``).
"""

from __future__ import annotations

import numpy as np

from gridplan.case.schema import Generator, value_in_year
from gridplan.model.capacity import add_capacity, is_fixed
from gridplan.model.commitment import add_commitment
from gridplan.model.core import COST_SCALE, ModelContext, hourly_array
from gridplan.model.hourly import hourly_var
from gridplan.model.retrofit import add_retrofit
from gridplan.model.rows import hourly_rows


def marginal_cost_cny_per_mwh(gen: Generator, year: int) -> float:
    """Variable O&M plus fuel cost per MWh of output (CNY/MWh)."""
    fuel = value_in_year(gen.fuel_price_cny_per_gj, year, 0.0) * gen.heat_rate_gj_per_mwh
    return gen.variable_om_cny_per_mwh + fuel


def co2_t_per_mwh(gen: Generator) -> float:
    """CO2 emitted per MWh of output (t/MWh)."""
    return gen.heat_rate_gj_per_mwh * gen.fuel_co2_t_per_gj


def add(ctx: ModelContext) -> None:
    """Add every generator of the case."""
    for gen in ctx.data.case.generators:
        _add_generator(ctx, gen)


def _add_generator(ctx: ModelContext, gen: Generator) -> None:
    m, years, n = ctx.model, ctx.years, ctx.data.n_hours
    ctx.register_asset(gen.name, gen.node, "generator", gen.label, gen.groups, gen.clean, gen.non_fossil)
    caps = add_capacity(ctx, gen, "generator")
    if all(is_fixed(c) and c == 0 for c in caps.values()):
        return  # nothing stands and nothing can be built: no dispatch to model
    avail = hourly_array(ctx.data.availability[gen.name], n)
    # Years in which the plant stands or may be built; in the others its output is bounded at zero
    # and needs no rows.
    live = [y for y in years if not (is_fixed(caps[y]) and caps[y] == 0)]
    retrofitted = add_retrofit(ctx, gen, caps) if gen.flexibility_retrofit else None
    floor = np.minimum(gen.must_run_fraction, avail)
    # Without commitment a retrofit lowers the must-run floor; with it, the committed units' minimum load.
    lowered = retrofitted if gen.unit_commitment is None else None
    relief = floor - np.minimum(gen.flexibility_retrofit.min_stable_fraction, avail) if lowered is not None else None
    floor_rows = [
        y for y in live
        if gen.must_run_fraction > 0 and not (is_fixed(caps[y]) and (lowered is None or is_fixed(lowered[y])))
    ]

    # Where the capacity cannot change, the availability limit and the must-run floor are plain
    # bounds, not rows (MW).
    lower = {y: floor * caps[y] if is_fixed(caps[y]) and y not in floor_rows else 0.0 for y in years}
    upper = {y: avail * caps[y] if is_fixed(caps[y]) else np.where(avail > 0.0, np.inf, 0.0) for y in years}
    # A plant whose hours are not tied together (no ramps, floor or commitment) needs no column in
    # hours where it cannot produce: nights for PV, years it does not stand in (9 % of the columns).
    separable = gen.ramp_fraction_per_h >= 1.0 and gen.must_run_fraction == 0 and gen.unit_commitment is None
    produces = {y: np.flatnonzero((avail > 0.0) & (y in live)) for y in years} if separable else None
    p = hourly_var(m, f"p__{gen.name}", years, produces, lower, upper)

    # Rows only where the capacity is a decision; elsewhere the bounds above hold the plant.
    variable_years = [y for y in years if not is_fixed(caps[y])]
    all_hours = np.arange(n)
    hourly_rows(m, f"availability__{gen.name}", variable_years, np.flatnonzero((avail > 0.0) & (avail < 1.0)), "<=",
                hourly=[(p, 1.0)], shared=[(caps, -avail)])
    hourly_rows(m, f"capacity_limit__{gen.name}", variable_years, np.flatnonzero(avail >= 1.0), "<=",
                hourly=[(p, 1.0)], shared=[(caps, -1.0)])
    # p ≥ floor · capacity − relief · retrofitted
    relieved = [(lowered, relief)] if lowered is not None else []
    hourly_rows(m, f"must_run__{gen.name}", floor_rows, all_hours, ">=",
                hourly=[(p, 1.0)], shared=[(caps, -floor), *relieved])
    if gen.ramp_fraction_per_h < 1.0:
        before = ctx.data.previous  # the hour before each hour, wrapping within each modelled period
        r = gen.ramp_fraction_per_h
        hourly_rows(m, f"ramp_up__{gen.name}", live, all_hours, "<=",
                    hourly=[(p, 1.0), (p, -1.0, before)], shared=[(caps, -r)])
        hourly_rows(m, f"ramp_down__{gen.name}", live, all_hours, "<=",
                    hourly=[(p, 1.0, before), (p, -1.0)], shared=[(caps, -r)])

    if gen.unit_commitment is not None:
        add_commitment(ctx, gen, p, caps, avail, retrofitted)

    for y in years:
        ctx.add_injection(gen.node, y, p)
        ctx.add_series(gen.name, gen.node, y, p, +1.0)
        energy_mwh = ctx.annual(p, y)
        cost = marginal_cost_cny_per_mwh(gen, y)
        if cost:
            ctx.add_cost("variable_om" if not gen.heat_rate_gj_per_mwh else "fuel_and_vom", y, cost * COST_SCALE * energy_mwh)
        if co2_t_per_mwh(gen):
            ctx.emissions[y].append(co2_t_per_mwh(gen) * energy_mwh)
