"""Flexibility retrofits of thermal plants: a lower minimum stable load, bought as a decision.

A plant whose case gives ``flexibility_retrofit`` may retrofit ``x_v`` MW in
planning year ``v`` (from the retrofit's earliest year). The retrofits done
by year ``y`` and still within their lifetime, ``R_y = Σ x_v``, are at most
the plant's capacity in ``y`` and pay their annuity in every year they count.

The plant's floor then reads (``f0`` before, ``f1`` after the retrofit):

* without unit commitment, where the floor is the must-run fraction of
  capacity: ``p_t ≥ f0 · capacity − (f0 − f1) · R_y``;
* with unit commitment: ``p_t ≥ f0 · S · u_t − (f0 − f1) · r_t``, where
  ``r_t ≤ R_y`` and ``r_t ≤ S · u_t`` is the retrofitted part of the
  committed MW (the operator commits retrofitted units first).

With unit commitment and ``mip=True`` retrofits come in whole units of ``S`` MW.
"""

from __future__ import annotations

import pyomo.environ as pyo

from gridplan.case.schema import Generator
from gridplan.model.capacity import KW_PER_MW, alive
from gridplan.model.core import COST_SCALE, ModelContext, capital_recovery_factor


def retrofit_years(gen: Generator, years: list[int]) -> list[int]:
    """Planning years in which ``gen`` may be retrofitted."""
    earliest = gen.flexibility_retrofit.earliest_year
    return [v for v in years if earliest is None or v >= earliest]


def add_retrofit(ctx: ModelContext, gen: Generator, caps: dict) -> dict[int, object]:
    """Add the retrofit decisions of ``gen``.

    Returns
    -------
    dict
        year -> retrofitted MW standing in that year (a pyomo expression, or 0.0
        before the first retrofit year); also stored in ``ctx.retrofit``.
    """
    spec = gen.flexibility_retrofit
    m, years = ctx.model, ctx.years
    vintages = retrofit_years(gen, years)
    standing: dict[int, object] = {y: 0.0 for y in years}
    if not vintages:
        ctx.retrofit.update({(gen.name, y): 0.0 for y in years})
        return standing
    x = pyo.Var(vintages, within=pyo.NonNegativeReals)
    m.add_component(f"retrofit_mw__{gen.name}", x)
    if gen.unit_commitment is not None:
        size = gen.unit_commitment.unit_size_mw
        units = pyo.Var(vintages, within=ctx.integer_domain)
        m.add_component(f"retrofit_units__{gen.name}", units)
        m.add_component(f"retrofit_size__{gen.name}", pyo.Constraint(vintages, rule=lambda _m, v: x[v] == size * units[v]))
    crf = capital_recovery_factor(ctx.data.case.discount_rate, spec.lifetime_years)
    per_mw = crf * spec.capex_cny_per_kw * KW_PER_MW * COST_SCALE  # million CNY per MW-year
    for y in years:
        counted = [v for v in vintages if alive(v, spec.lifetime_years, y)]
        if not counted:
            continue
        standing[y] = sum(x[v] for v in counted)
        m.add_component(f"retrofit_max__{gen.name}__{y}", pyo.Constraint(expr=standing[y] <= caps[y]))
        ctx.add_cost("retrofit", y, per_mw * standing[y])
    for y in years:
        ctx.retrofit[(gen.name, y)] = standing[y]
        ctx.new_retrofit[(gen.name, y)] = x[y] if y in vintages else 0.0
    return standing


def committed_retrofit(ctx: ModelContext, gen: Generator, retrofitted: dict, committed_mw):
    """Retrofitted MW among the committed units, ``r[y, t]``, for the unit-commitment floor.

    ``committed_mw(y, t)`` is the committed capacity ``S · u_t`` (MW).
    """
    m, years = ctx.model, ctx.years
    r = pyo.Var(years, m.T, within=pyo.NonNegativeReals)
    m.add_component(f"retrofit_committed__{gen.name}", r)
    m.add_component(
        f"retrofit_committed_max__{gen.name}",
        pyo.Constraint(years, m.T, rule=lambda _m, y, t: r[y, t] <= retrofitted[y]),
    )
    m.add_component(
        f"retrofit_committed_on__{gen.name}",
        pyo.Constraint(years, m.T, rule=lambda _m, y, t: r[y, t] <= committed_mw(y, t)),
    )
    return r
