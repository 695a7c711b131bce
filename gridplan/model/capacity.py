"""Capacity by vintage, shared by every family that builds things.

New capacity is a variable per asset and build year (a planning year). It
counts in every later planning year until it retires (``lifetime_years``
after its build year); existing blocks count until their ``retire_year``.
Blocks that a plan's retirement rule takes out of service become, from the
rule's year, capacity the model may keep (a variable up to their MW, never
rising again); the rule itself (``gridplan.model.policies``) holds it at zero,
so pricing the rule shows what the retirement costs.
Each surviving vintage costs its annuity (capital recovery factor at the
case's discount rate) in every year it counts, plus fixed O&M on all
installed capacity.
"""

from __future__ import annotations

import pyomo.environ as pyo

from gridplan.case.schema import Asset, value_in_year
from gridplan.model.core import COST_SCALE, ModelContext, capital_recovery_factor

KW_PER_MW = 1000.0


def standing_blocks(asset: Asset, year: int, policies=()) -> list:
    """Existing blocks of ``asset`` in service in ``year``.

    Blocks count until their ``retire_year``; those that a retirement rule
    among ``policies`` takes out count until the rule's year.
    """
    ruled = {id(u) for rule, blocks in retirement_rules(policies, asset) if year >= rule.year for u in blocks}
    return [u for u in asset.existing if _in_lifetime(u, year) and id(u) not in ruled]


def existing_mw(asset: Asset, year: int, policies=()) -> float:
    """Existing capacity of ``asset`` in service in ``year`` (MW); see :func:`standing_blocks`."""
    return sum(u.mw for u in standing_blocks(asset, year, policies))


def existing_mwh(asset: Asset, year: int, default_duration_h: float) -> float:
    """Existing storage energy still in service in ``year`` (MWh)."""
    return sum((u.mwh if u.mwh is not None else u.mw * default_duration_h) for u in standing_blocks(asset, year))


def retirement_rules(policies, asset: Asset) -> list[tuple[object, list]]:
    """The retirement rules naming ``asset``, each with the existing blocks it retires."""
    return [
        (policy, [u for u in asset.existing if policy.blocks is None or u.name in policy.blocks])
        for policy in policies
        if getattr(policy, "type", None) == "retirement" and policy.asset == asset.name
    ]


def _in_lifetime(unit, year: int) -> bool:
    return unit.retire_year is None or year < unit.retire_year


def _lifetime_mw(blocks, year: int) -> float:
    return sum(u.mw for u in blocks if _in_lifetime(u, year))


def rule_retired_mw(policies, asset: Asset, year: int) -> float:
    """Existing MW of ``asset`` that would still stand in ``year`` but that retirement rules take out."""
    return sum(_lifetime_mw(blocks, year) for policy, blocks in retirement_rules(policies, asset) if year >= policy.year)


def build_years(asset: Asset, years: list[int]) -> list[int]:
    """Planning years in which new capacity of ``asset`` may be built."""
    out = []
    for v in years:
        if asset.earliest_year is not None and v < asset.earliest_year:
            continue
        if value_in_year(asset.max_new_mw, v, None) == 0.0:
            continue
        out.append(v)
    return out


def alive(build_year: int, lifetime_years: int, year: int) -> bool:
    """Does capacity built in ``build_year`` still stand in ``year``?"""
    return build_year <= year < build_year + lifetime_years


def add_capacity(ctx: ModelContext, asset: Asset, family: str) -> dict[int, object]:
    """Add new-build variables, capacity expressions and capacity costs for ``asset``.

    Returns
    -------
    dict
        year -> installed capacity expression (MW), also stored in ``ctx.capacity``.
    """
    m, years = ctx.model, ctx.years
    rate = ctx.data.case.discount_rate
    vintages = build_years(asset, years)
    new = None
    if vintages:
        def bounds(_m, v):
            return (value_in_year(asset.min_new_mw, v, 0.0), value_in_year(asset.max_new_mw, v, None))

        new = pyo.Var(vintages, within=pyo.NonNegativeReals, bounds=bounds)
        m.add_component(f"new_mw__{asset.name}", new)
        if asset.build != "continuous":
            _discrete_build(ctx, asset, new, vintages)
    crf = capital_recovery_factor(rate, asset.lifetime_years)
    kept = _kept_capacity(ctx, asset)
    caps: dict[int, object] = {}
    for v in years:
        ctx.new_capacity[(asset.name, v)] = new[v] if new is not None and v in vintages else 0.0
    for y in years:
        standing = [v for v in vintages if alive(v, asset.lifetime_years, y)]
        kept_y = [var[y] for var in kept if y in var.index_set()]
        existing = existing_mw(asset, y, ctx.data.case.policies)
        added = sum(new[v] for v in standing) + sum(kept_y)
        cap = existing + added
        caps[y] = cap
        annuity = sum(
            crf * value_in_year(asset.capex_cny_per_kw, v, 0.0) * KW_PER_MW * COST_SCALE * new[v] for v in standing
        )
        if standing:
            ctx.add_cost("capex", y, annuity)
        if asset.fixed_om_cny_per_kw_yr:
            ctx.add_cost("fixed_om", y, asset.fixed_om_cny_per_kw_yr * KW_PER_MW * COST_SCALE * cap)
        limit = value_in_year(asset.max_total_mw, y, None)
        if limit is not None and (standing or kept_y):
            # Limits what may be added (built or kept) to what already stands; existing capacity above
            # the limit is not a reason for infeasibility.
            m.add_component(f"max_total_mw__{asset.name}__{y}", pyo.Constraint(expr=added <= max(0.0, limit - existing)))
    caps = one_term_per_year(ctx, f"capacity_mw__{asset.name}", caps)
    for y in years:
        ctx.capacity[(asset.name, y)] = caps[y]
    return caps


def _kept_capacity(ctx: ModelContext, asset: Asset) -> list:
    """Per retirement rule on ``asset``: the MW of its blocks kept in service from the rule's year on.

    A variable over the planning years from the rule's year, at most the
    blocks' MW still within their lifetime, and never above the year before
    (a retired block does not come back). It exists whether or not the rule
    is dropped, so that the rule's row can be freed in a solved model.
    """
    m, out = ctx.model, []
    for policy, blocks in retirement_rules(ctx.data.case.policies, asset):
        after = [y for y in ctx.years if y >= policy.year]
        if not after:
            continue
        var = pyo.Var(after, within=pyo.NonNegativeReals, bounds=lambda _m, y, b=blocks: (0.0, _lifetime_mw(b, y)))
        m.add_component(f"kept_mw__{policy.name}", var)
        if len(after) > 1:
            m.add_component(f"kept_mw_falls__{policy.name}",
                            pyo.Constraint(after[1:], rule=lambda _m, y: var[y] <= var[after[after.index(y) - 1]]))
        ctx.kept[policy.name] = (asset.name, var)
        out.append(var)
    return out


def one_term_per_year(ctx: ModelContext, name: str, totals: dict[int, object]) -> dict[int, object]:
    """Give each year's total that sums several vintages a variable of its own (MW or MWh).

    Hourly rows then refer to one column instead of one per vintage: with two
    planning years this takes 77,000 of the 806,000 nonzeros out of the
    Dongguan LP for a few small rows, which the compile no longer has to write.
    """
    summed = [y for y, expr in totals.items() if not is_fixed(expr) and _n_variables(expr) > 1]
    if not summed:
        return totals
    m = ctx.model
    var = pyo.Var(summed, within=pyo.NonNegativeReals)
    m.add_component(name, var)
    m.add_component(f"{name}__sum", pyo.Constraint(summed, rule=lambda _m, y: var[y] == totals[y]))
    return {y: (var[y] if y in summed else expr) for y, expr in totals.items()}


def _n_variables(expr) -> int:
    from pyomo.core.expr.visitor import identify_variables

    return sum(1 for _ in identify_variables(expr, include_fixed=False))


def _discrete_build(ctx: ModelContext, asset: Asset, new, vintages: list[int]) -> None:
    """Tie new build to whole projects or whole units (integer with ``ctx.mip``, relaxed otherwise).

    ``whole``: ``new[v] = size · b[v]`` with ``b`` in {0, 1} and at most one
    build year; ``units``: ``new[v] = unit size · n[v]`` with ``n`` a whole number.
    """
    m = ctx.model
    if asset.build == "whole":
        size = float(asset.max_new_mw)
        count = pyo.Var(vintages, within=pyo.Binary if ctx.mip else pyo.UnitInterval)
        m.add_component(f"build_count__{asset.name}", count)
        m.add_component(f"once__{asset.name}", pyo.Constraint(expr=sum(count[v] for v in vintages) <= 1))
    else:
        size = float(asset.unit_size_mw)
        count = pyo.Var(vintages, within=ctx.integer_domain)
        m.add_component(f"build_count__{asset.name}", count)
    m.add_component(
        f"build_size__{asset.name}", pyo.Constraint(vintages, rule=lambda _m, v: new[v] == size * count[v])
    )


def is_fixed(expr) -> bool:
    """True when a capacity expression holds no variable (a plain number)."""
    return isinstance(expr, (int, float))
