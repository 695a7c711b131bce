"""Storage: new-type (battery) and pumped hydro.

Each storage asset adds, per year and hour, charge ``c`` and discharge
``d`` (MW) and state of charge ``e`` (MWh) with

* ``c ≤ P``, ``d ≤ P`` (installed power, MW), ``e ≤ E`` (installed energy, MWh),
* ``e_t = (1 − loss) · e_{t−1} + η_c · c_t − d_t / η_d`` (one-hour steps),
  cyclic within the modelled window so that no energy is created; with
  representative days, a state per calendar day linked through the
  sequence of representative days keeps the chronology (``_linked_soc``),
* new energy between ``min_duration_h`` and ``max_duration_h`` times new
  power; when the two are equal (pumped hydro) energy follows power and
  has no variable of its own.

Power capex is per kW, energy capex per kWh.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from gridplan.case.schema import Storage, value_in_year
from gridplan.model.capacity import KW_PER_MW, add_capacity, alive, build_years, existing_mwh, is_fixed, one_term_per_year
from gridplan.model.core import COST_SCALE, ModelContext, capital_recovery_factor
from gridplan.model.hourly import hourly_var
from gridplan.model.rows import hourly_rows


def add(ctx: ModelContext) -> None:
    """Add every storage asset of the case."""
    for s in ctx.data.case.storage:
        _add_storage(ctx, s)


def _add_energy(ctx: ModelContext, s: Storage) -> dict[int, object]:
    """New energy by vintage and installed energy by year (MWh), with energy capex."""
    m, years = ctx.model, ctx.years
    vintages = build_years(s, years)
    fixed_duration = s.min_duration_h == s.max_duration_h
    new_e = None
    if vintages and not fixed_duration:
        new_e = pyo.Var(vintages, within=pyo.NonNegativeReals)
        m.add_component(f"new_mwh__{s.name}", new_e)
        m.add_component(
            f"min_duration__{s.name}",
            pyo.Constraint(vintages, rule=lambda _m, v: new_e[v] >= s.min_duration_h * ctx.new_capacity[(s.name, v)]),
        )
        m.add_component(
            f"max_duration__{s.name}",
            pyo.Constraint(vintages, rule=lambda _m, v: new_e[v] <= s.max_duration_h * ctx.new_capacity[(s.name, v)]),
        )
    for v in years:
        if v in vintages:
            ctx.new_energy[(s.name, v)] = new_e[v] if new_e is not None else s.min_duration_h * ctx.new_capacity[(s.name, v)]
        else:
            ctx.new_energy[(s.name, v)] = 0.0
    crf = capital_recovery_factor(ctx.data.case.discount_rate, s.lifetime_years)
    energy = {}
    for y in years:
        standing = [v for v in vintages if alive(v, s.lifetime_years, y)]
        energy[y] = existing_mwh(s, y, s.min_duration_h) + sum(ctx.new_energy[(s.name, v)] for v in standing)
        capex = sum(
            crf * value_in_year(s.capex_cny_per_kwh, v, 0.0) * KW_PER_MW * COST_SCALE * ctx.new_energy[(s.name, v)]
            for v in standing
        )
        if any(value_in_year(s.capex_cny_per_kwh, v, 0.0) for v in standing):
            ctx.add_cost("capex", y, capex)
    energy = one_term_per_year(ctx, f"energy_mwh__{s.name}", energy)
    for y in years:
        ctx.energy[(s.name, y)] = energy[y]
    return energy


def max_power_mw(s: Storage, years: list[int]) -> float | None:
    """Largest power the asset can reach in any year (MW), or None when unbounded."""
    totals = [value_in_year(s.max_total_mw, y, None) for y in years]
    if None not in totals:
        return max(totals)
    news = [value_in_year(s.max_new_mw, v, None) for v in build_years(s, years)]
    if None in news:
        return None
    return sum(u.mw for u in s.existing) + sum(news)


def _add_exclusive(ctx: ModelContext, s: Storage, c, d) -> None:
    """One binary per hour: charge or discharge, never both (MIP only)."""
    from gridplan.errors import InputError

    m, years = ctx.model, ctx.years
    big = max_power_mw(s, years)
    if big is None:
        raise InputError(ctx.data.case.file, f"storage[{s.name}].exclusive_charge", "needs a bounded power",
                         "set max_total_mw or max_new_mw for this storage")
    z = pyo.Var(years, m.T, within=pyo.Binary)
    m.add_component(f"charging__{s.name}", z)
    m.add_component(f"charge_only__{s.name}", pyo.Constraint(years, m.T, rule=lambda _m, y, t: c[y, t] <= big * z[y, t]))
    m.add_component(
        f"discharge_only__{s.name}", pyo.Constraint(years, m.T, rule=lambda _m, y, t: d[y, t] <= big * (1 - z[y, t]))
    )


def _flow_into_store(s: Storage, c, d) -> list[tuple]:
    """Energy into the store in one hour (MWh), as (hourly variable, coefficient) pairs:
    charging after its losses, less discharging before them."""
    return [(c, s.charge_efficiency), (d, -1.0 / s.discharge_efficiency)]


def _chronological_soc(ctx: ModelContext, s: Storage, c, d, power: dict, energy: dict):
    """State of charge hour by hour, cyclic within the modelled window (MWh)."""
    m, years = ctx.model, ctx.years

    e = hourly_var(m, f"soc__{s.name}", years, upper={y: energy[y] if is_fixed(energy[y]) else None for y in years})
    hours = np.arange(ctx.data.n_hours)
    grow_e = [y for y in years if not is_fixed(energy[y])]
    hourly_rows(m, f"soc_limit__{s.name}", grow_e, hours, "<=", hourly=[(e, 1.0)], shared=[(energy, -1.0)])
    keep = 1.0 - s.standing_loss_per_h
    # In a year with neither power nor energy the state of charge is bounded at zero: no rows.
    live = [y for y in years if not (is_fixed(energy[y]) and energy[y] == 0 and is_fixed(power[y]) and power[y] == 0)]
    before = ctx.data.previous
    # e_t − keep · e_{t−1} − flow_t = 0
    flow = [(var, -k) for var, k in _flow_into_store(s, c, d)]
    hourly_rows(m, f"soc_balance__{s.name}", live, hours, "==", hourly=[(e, 1.0), (e, -keep, before), *flow])
    return e


def _linked_soc(ctx: ModelContext, s: Storage, c, d, energy: dict):
    """State of charge with representative days, chronology kept (Kotzur et al. 2018).

    Within each representative day, ``δ`` is the energy stored since the
    day began (MWh; may be negative). Across the 365 calendar days, ``S_d``
    is the state at the start of day d: ``S_{d+1} = keep²⁴ · S_d + δ_end`` of
    d's representative day, cyclic over the year, and ``0 ≤ S_d + δ_t ≤ E``
    through the day's highest and lowest ``δ`` (standing losses within the
    day are neglected in those two bounds).
    """
    m, years = ctx.model, ctx.years
    rep = ctx.data.rep_days
    k, n_days = len(rep.days), len(rep.day_map)
    keep = 1.0 - s.standing_loss_per_h
    delta = hourly_var(m, f"soc_delta__{s.name}", years, lower=None)
    start = hourly_var(m, f"soc_day_start__{s.name}", years, np.arange(n_days), lower=None, within=pyo.NonNegativeReals)
    high = hourly_var(m, f"soc_day_high__{s.name}", years, np.arange(k), lower=None)
    low = hourly_var(m, f"soc_day_low__{s.name}", years, np.arange(k), lower=None)

    hours = np.arange(ctx.data.n_hours)
    day_of_hour = hours // 24  # position of the representative day
    # δ_t − keep · δ_{t−1} − flow_t = 0, with δ starting from zero at each day's first hour
    carried = np.where(hours % 24 == 0, 0.0, -keep)
    flow = [(var, -f) for var, f in _flow_into_store(s, c, d)]
    hourly_rows(m, f"soc_balance__{s.name}", years, hours, "==", hourly=[(delta, 1.0), (delta, carried, ctx.data.previous), *flow])
    hourly_rows(m, f"soc_high__{s.name}", years, hours, ">=", hourly=[(high, 1.0, day_of_hour), (delta, -1.0)])
    hourly_rows(m, f"soc_low__{s.name}", years, hours, "<=", hourly=[(low, 1.0, day_of_hour), (delta, -1.0)])
    # Rows per calendar day: S_{d+1} − keep²⁴ · S_d − δ_end(rep(d)) = 0, and the day's bounds.
    days = np.arange(n_days)
    last_hour = rep.day_map * 24 + 23
    hourly_rows(m, f"soc_link__{s.name}", years, days, "==",
                hourly=[(start, 1.0, (days + 1) % n_days), (start, -keep**24), (delta, -1.0, last_hour)])
    hourly_rows(m, f"soc_top__{s.name}", years, days, "<=", hourly=[(start, 1.0), (high, 1.0, rep.day_map)],
                shared=[(energy, -1.0)])
    hourly_rows(m, f"soc_bottom__{s.name}", years, days, ">=", hourly=[(start, 1.0), (low, 1.0, rep.day_map)])
    # The chain through the calendar days slows dual simplex two- to fivefold; a cold solve first closes
    # each representative day on itself (δ_end = 0), then frees the chain (gridplan.restricted_start).
    ends = np.arange(23, ctx.data.n_hours, 24)
    ctx.hold_first(delta[y, int(t)] for y in years for t in ends)
    return delta


def _add_storage(ctx: ModelContext, s: Storage) -> None:
    m, years = ctx.model, ctx.years
    ctx.register_asset(s.name, s.node, "storage", s.label, s.groups, s.clean, s.non_fossil)
    power = add_capacity(ctx, s, "storage")
    energy = _add_energy(ctx, s)
    if all(is_fixed(c) and c == 0 for c in power.values()):
        return  # nothing stands and nothing can be built: no operation to model

    fixed_power = {y: power[y] if is_fixed(power[y]) else None for y in years}
    c = hourly_var(m, f"charge__{s.name}", years, upper=fixed_power)
    d = hourly_var(m, f"discharge__{s.name}", years, upper=fixed_power)
    grow = [y for y in years if not is_fixed(power[y])]
    hours = np.arange(ctx.data.n_hours)
    hourly_rows(m, f"charge_limit__{s.name}", grow, hours, "<=", hourly=[(c, 1.0)], shared=[(power, -1.0)])
    hourly_rows(m, f"discharge_limit__{s.name}", grow, hours, "<=", hourly=[(d, 1.0)], shared=[(power, -1.0)])
    if ctx.data.rep_days is None:
        e = _chronological_soc(ctx, s, c, d, power, energy)
    else:
        e = _linked_soc(ctx, s, c, d, energy)

    if s.exclusive_charge and ctx.mip:
        _add_exclusive(ctx, s, c, d)

    for y in years:
        ctx.add_injection(s.node, y, d, 1.0)
        ctx.add_injection(s.node, y, c, -1.0)
        ctx.add_series(f"{s.name}_discharge", s.node, y, d, +1.0)
        ctx.add_series(f"{s.name}_charge", s.node, y, c, -1.0)
        ctx.add_series(f"{s.name}_soc", s.node, y, e, 0.0, unit="mwh")
        if s.variable_om_cny_per_mwh:
            ctx.add_cost("variable_om", y, s.variable_om_cny_per_mwh * COST_SCALE * ctx.annual(d, y))
