"""Policies: the plans' targets and rules as constraints.

Every target becomes one linear row ``lhs ≥ rhs`` (or ``≤``) over the
capacities, energies, DR capability or emissions that the resource families
registered. A soft target (the plans' 力争 / 左右 / 约) gets a non-negative
shortfall variable priced at its penalty, so missing it is allowed but
costs; a hard one (达到 / 不低于) must hold.

Each row is recorded as a :class:`Target` so that the result can report
required, achieved, met, active and the shadow price, in the target's own
unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo

from gridplan.model.capacity import alive, standing_blocks
from gridplan.model.core import COST_SCALE, ModelContext


@dataclass
class Target:
    """One target row, as the result reports it.

    ``lhs`` and ``rhs`` are expressions (or numbers) of the row ``lhs ≥ rhs``
    (``sense`` ">=") or ``lhs ≤ rhs`` (``sense`` "<="); ``scale`` turns the
    row's unit into the reported unit (e.g. 100 for a share in %).
    """

    name: str
    policy: str
    kind: str
    year: int
    unit: str
    hard: bool
    sense: str
    lhs: object
    rhs: object
    constraint: object = None
    shortfall: object = None
    penalty_cny_per_unit: float | None = None
    # For shares: the denominator expression, to express achieved and duals per %.
    denominator: object = None
    extra: dict = field(default_factory=dict)


def add(ctx: ModelContext, drop: tuple[str, ...] = ()) -> None:
    """Add every policy of the case except those named in ``drop``."""
    ctx.targets = []
    ctx.dropped_policies = list(drop)
    for policy in ctx.data.case.policies:
        if policy.name in drop:
            continue
        adder = _ADDERS[policy.type]
        adder(ctx, policy)


def _nodes(ctx: ModelContext, policy) -> list[str]:
    return list(policy.nodes) if policy.nodes else list(ctx.data.case.nodes)


def _assets(ctx: ModelContext, policy, refs: list[str], families=None) -> list[str]:
    nodes = set(_nodes(ctx, policy))
    return [a for a in ctx.members(refs, families) if ctx.assets[a]["node"] in nodes]


def _row(ctx: ModelContext, target: Target) -> None:
    """Write the row for ``target`` (with a priced shortfall when soft) and record it."""
    m = ctx.model
    lhs = target.lhs
    if target.hard and isinstance(lhs, (int, float)):
        # Nothing in the row can change: record it; a violated one makes the case infeasible.
        holds = lhs >= target.rhs - 1e-9 if target.sense == ">=" else lhs <= target.rhs + 1e-9
        if not holds:
            from gridplan.errors import InfeasibleError

            raise InfeasibleError(
                f"{target.year}: hard target {target.policy} needs {target.sense} {target.rhs:g} {target.unit}, "
                f"but only {lhs:g} is possible and nothing that counts towards it can be built"
            )
        ctx.targets.append(target)
        return
    if not target.hard:
        short = pyo.Var(within=pyo.NonNegativeReals)
        m.add_component(f"shortfall__{target.name}", short)
        target.shortfall = short
        lhs = lhs + short if target.sense == ">=" else lhs - short
        unit_scale = target.extra.get("penalty_per_row_unit", 1.0)
        ctx.add_cost("penalties", target.year, target.penalty_cny_per_unit * unit_scale * COST_SCALE * short)
    expr = lhs >= target.rhs if target.sense == ">=" else lhs <= target.rhs
    con = pyo.Constraint(expr=expr)
    m.add_component(f"policy__{target.name}", con)
    target.constraint = con
    ctx.targets.append(target)


def _capacity(ctx: ModelContext, policy) -> None:
    assets = _assets(ctx, policy, policy.assets)
    lhs = sum(ctx.capacity[(a, policy.year)] for a in assets)
    sense = ">=" if policy.type == "min_capacity" else "<="
    _row(ctx, Target(policy.name, policy.name, policy.type, policy.year, "MW", policy.hard, sense, lhs, policy.mw,
                     penalty_cny_per_unit=policy.penalty_cny_per_unit))


def _storage_energy(ctx: ModelContext, policy) -> None:
    assets = _assets(ctx, policy, policy.assets, ("storage",))
    lhs = sum(ctx.energy[(a, policy.year)] for a in assets)
    _row(ctx, Target(policy.name, policy.name, policy.type, policy.year, "MWh", policy.hard, ">=", lhs, policy.mwh,
                     penalty_cny_per_unit=policy.penalty_cny_per_unit))


def new_since(ctx: ModelContext, asset: str, since_year: int, year: int, energy: bool = False):
    """Capacity (MW) or storage energy (MWh) of ``asset`` built from ``since_year`` and standing in ``year``."""
    case_asset = _case_asset(ctx, asset)
    table = ctx.new_energy if energy else ctx.new_capacity
    built = sum(
        table[(asset, v)] for v in ctx.years if since_year <= v <= year and alive(v, case_asset.lifetime_years, year)
    )
    # Blocks a plan's rule retired do not count: what the model keeps of them is not new.
    for unit in standing_blocks(case_asset, year, ctx.data.case.policies):
        if unit.built_year is not None and unit.built_year >= since_year:
            if energy:
                built += unit.mwh if unit.mwh is not None else unit.mw * getattr(case_asset, "min_duration_h", 0.0)
            else:
                built += unit.mw
    return built


def _case_asset(ctx: ModelContext, name: str):
    case = ctx.data.case
    for a in [*case.generators, *case.storage]:
        if a.name == name:
            return a
    raise KeyError(name)


def _pairing(ctx: ModelContext, policy) -> None:
    y = policy.year
    eligible = _assets(ctx, policy, policy.eligible, ("generator",))
    storage = _assets(ctx, policy, policy.storage, ("storage",))
    new_vre = sum(new_since(ctx, a, policy.since_year, y) for a in eligible)
    new_power = sum(new_since(ctx, s, policy.since_year, y) for s in storage)
    new_energy = sum(new_since(ctx, s, policy.since_year, y, energy=True) for s in storage)
    common = dict(policy=policy.name, kind=policy.type, year=y, hard=policy.hard, sense=">=",
                  penalty_cny_per_unit=policy.penalty_cny_per_unit)
    power = Target(f"{policy.name}.power", unit="MW", lhs=new_power - policy.ratio * new_vre, rhs=0.0, **common)
    power.extra = {"achieved": new_power, "required": policy.ratio * new_vre}
    _row(ctx, power)
    energy = Target(f"{policy.name}.energy", unit="MWh", lhs=new_energy - policy.ratio * policy.duration_h * new_vre,
                    rhs=0.0, **common)
    energy.extra = {"achieved": new_energy, "required": policy.ratio * policy.duration_h * new_vre}
    _row(ctx, energy)


def _dr(ctx: ModelContext, policy) -> None:
    nodes = _nodes(ctx, policy)
    y = policy.year
    lhs = sum(ctx.dr_capability.get((n, y), 0.0) for n in nodes)
    peak = sum(ctx.data.peak_mw[(n, y)] for n in nodes)
    target = Target(policy.name, policy.name, policy.type, y, "MW", policy.hard, ">=", lhs, policy.fraction_of_peak * peak,
                    penalty_cny_per_unit=policy.penalty_cny_per_unit)
    target.extra = {"peak_mw": peak}
    _row(ctx, target)


def _share(ctx: ModelContext, policy) -> None:
    y = policy.year
    families = ("generator", "storage") if policy.include_storage else ("generator",)
    flag = "clean" if policy.type == "clean_share" else "non_fossil"
    nodes = set(_nodes(ctx, policy))
    every = [a for a, info in ctx.assets.items() if info["family"] in families and info["node"] in nodes]
    flagged = [a for a in every if ctx.assets[a][flag]]
    total = sum(ctx.capacity[(a, y)] for a in every)
    good = sum(ctx.capacity[(a, y)] for a in flagged)
    # Row in MW: flagged − share · total ≥ 0. Reported in % of installed capacity.
    target = Target(policy.name, policy.name, policy.type, y, "%", policy.hard, ">=", good - policy.share * total, 0.0,
                    penalty_cny_per_unit=policy.penalty_cny_per_unit, denominator=total)
    target.extra = {"share": policy.share, "numerator": good}
    _row(ctx, target)


def _retirement(ctx: ModelContext, policy) -> None:
    """Hold the capacity a retirement rule's blocks could keep at zero, in each planning year from its year."""
    _asset, kept = ctx.kept.get(policy.name, (None, None))
    for y in [] if kept is None else list(kept.index_set()):
        name = policy.name if len(kept) == 1 else f"{policy.name}.{y}"
        _row(ctx, Target(name, policy.name, policy.type, y, "MW kept", policy.hard, "<=", kept[y], 0.0,
                         penalty_cny_per_unit=policy.penalty_cny_per_unit))


def _co2_cap(ctx: ModelContext, policy) -> None:
    lhs = sum(ctx.emissions.get(policy.year, []))
    _row(ctx, Target(policy.name, policy.name, policy.type, policy.year, "t CO2", policy.hard, "<=", lhs, policy.tonnes,
                     penalty_cny_per_unit=policy.penalty_cny_per_unit))


def _co2_price(ctx: ModelContext, policy) -> None:
    emissions = sum(ctx.emissions.get(policy.year, []))
    if not isinstance(emissions, (int, float)):
        ctx.add_cost("co2", policy.year, policy.cny_per_t * COST_SCALE * emissions)


_ADDERS = {
    "min_capacity": _capacity,
    "max_capacity": _capacity,
    "min_storage_energy": _storage_energy,
    "storage_pairing": _pairing,
    "dr_capability": _dr,
    "clean_share": _share,
    "non_fossil_share": _share,
    "co2_cap": _co2_cap,
    "co2_price": _co2_price,
    "retirement": _retirement,
}
