"""The model core: time, the energy balance and the objective.

The core knows no technology by name. Each resource family (a module in
``gridplan.model``) gets a :class:`ModelContext`, adds its own variables and
constraints to the pyomo model, and registers

* its injections into each node's energy balance (MW, + supply / − use),
* its annual cost terms (million CNY per year, undiscounted),
* its capacities, new build and emissions, which the policies read.

The core then writes one balance row per node, year and hour (as array
rows, ``gridplan.model.rows``), and the objective: the discounted sum over
planning years of every annual cost term.

Scaling: costs inside the model are in million CNY (:data:`COST_SCALE`), so
that coefficients of hourly costs and of annualised capacity costs stay
within a few orders of magnitude of each other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
import numpy as np
import pyomo.environ as pyo

from gridplan.inputs import ModelData
from gridplan.model.hourly import hourly_sum
from gridplan.model.rows import hourly_rows

#: Model cost unit per CNY: the model counts costs in million CNY.
COST_SCALE = 1e-6

#: Attribute of a built pyomo model: True when its hours are representative days (``gridplan.highs`` picks
#: the simplex pricing by it).
REPRESENTATIVE_DAYS = "_representative_days"


def models_representative_days(model) -> bool:
    """Whether ``model`` (built by :func:`build_model`) models representative days."""
    return bool(getattr(model, REPRESENTATIVE_DAYS, False))


#: Attribute of a built pyomo model: variable elements a cold simplex solve first holds at zero
#: (``gridplan.restricted_start``), named by the resource families through :meth:`ModelContext.hold_first`.
HELD_FIRST = "_held_first"


def held_first(model) -> list:
    """Variable elements a cold solve of ``model`` first holds at zero (empty: it starts cold)."""
    return getattr(model, HELD_FIRST, [])


def capital_recovery_factor(rate: float, lifetime_years: int) -> float:
    """Annuity per unit of capital (1/year) at discount ``rate`` over ``lifetime_years``."""
    if rate == 0:
        return 1.0 / lifetime_years
    growth = (1.0 + rate) ** lifetime_years
    return rate * growth / (growth - 1.0)


def discount_factors(years: list[int], rate: float) -> dict[int, float]:
    """Present-value weight of each planning year's annual cost, relative to the first year."""
    first = years[0]
    return {y: (1.0 + rate) ** -(y - first) for y in years}


@dataclass
class ModelContext:
    """What the resource families share while the model is built."""

    data: ModelData
    model: pyo.ConcreteModel
    #: Discrete decisions (whole projects, units, commitment, exclusive charging) are integer.
    mip: bool = False
    #: (node, year) -> list of (hourly variable indexed (year, hour), coefficient): MW, + supply, − use
    injections: dict[tuple[str, int], list[tuple]] = field(default_factory=lambda: defaultdict(list))
    #: (component, year) -> list of annual cost expressions (million CNY per year)
    costs: dict[tuple[str, int], list] = field(default_factory=lambda: defaultdict(list))
    #: (asset, year) -> installed capacity expression (MW)
    capacity: dict[tuple[str, int], object] = field(default_factory=dict)
    #: (asset, year) -> flexibility-retrofitted capacity standing (MW), for plants that may retrofit
    retrofit: dict[tuple[str, int], object] = field(default_factory=dict)
    #: (asset, year) -> MW retrofitted in that year (variable or 0)
    new_retrofit: dict[tuple[str, int], object] = field(default_factory=dict)
    #: retirement rule name -> (generator, capacity it may keep in service from the rule's year, var indexed by year, MW)
    kept: dict[str, tuple] = field(default_factory=dict)
    #: (asset, year) -> installed storage energy expression (MWh)
    energy: dict[tuple[str, int], object] = field(default_factory=dict)
    #: (asset, build year) -> new capacity variable or 0 (MW)
    new_capacity: dict[tuple[str, int], object] = field(default_factory=dict)
    #: (asset, build year) -> new storage energy variable or expression (MWh)
    new_energy: dict[tuple[str, int], object] = field(default_factory=dict)
    #: asset -> (node, family, technology label, groups, clean, non_fossil)
    assets: dict[str, dict] = field(default_factory=dict)
    #: year -> list of annual emission expressions (t CO2 per year)
    emissions: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    #: (node, year) -> demand-response capability expression (MW)
    dr_capability: dict[tuple[str, int], object] = field(default_factory=dict)
    #: hourly result series: name -> (node, year, kind, pyomo indexed var or expression getter)
    series: list[dict] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return self.data.years

    @property
    def hour_weight(self) -> float:
        """Mean hours of the year per modelled hour."""
        return self.data.hour_weight

    def annual(self, var, year: int, coefficients=None):
        """Σ_t weight_t · c_t · var[year, t]: an hourly variable summed into a yearly total.

        With MW variables and no coefficients this is MWh per year; with
        coefficients in CNY/MWh it is CNY per year.
        """
        w = self.data.weights if coefficients is None else self.data.weights * np.asarray(coefficients, dtype=float)
        return hourly_sum(self.model, var, year, w)

    def hold_first(self, elements) -> None:
        """Have a cold solve first hold these variable elements at zero, then finish from that optimum.

        For columns that tie distant parts of the LP together and slow the
        simplex down; held at zero, the LP must stay feasible in the usual
        case (otherwise the solve falls back to a cold start) and its
        optimum should be close (``gridplan.restricted_start``).
        """
        held = getattr(self.model, HELD_FIRST, None)
        if held is None:
            held = []
            object.__setattr__(self.model, HELD_FIRST, held)
        held.extend(elements)

    def kept_by_asset_year(self) -> dict[tuple[str, int], list]:
        """(generator, year) -> the kept-capacity variables of the retirement rules on it (MW)."""
        out: dict[tuple[str, int], list] = defaultdict(list)
        for asset, var in self.kept.values():
            for y in var.index_set():
                out[(asset, y)].append(var[y])
        return dict(out)

    def prev(self, t: int) -> int:
        """The modelled hour before ``t``, wrapping within each period (unit commitment's windows use it)."""
        return int(self.data.previous[t])

    @property
    def T(self):
        return self.model.T

    @property
    def integer_domain(self):
        """Domain of counts that are integer in MIP mode and relaxed in the LP."""
        return pyo.NonNegativeIntegers if self.mip else pyo.NonNegativeReals

    def add_injection(self, node: str, year: int, var, coefficient: float = 1.0) -> None:
        """Add ``coefficient · var[year, t]`` (MW, + into the node) to the node's balance in ``year``.

        ``var`` may leave out hours in which it is zero.
        """
        self.injections[(node, year)].append((var, coefficient))

    def add_cost(self, component: str, year: int, expr) -> None:
        """Add an annual cost (million CNY per year, undiscounted) under ``component``."""
        self.costs[(component, year)].append(expr)

    def add_series(self, name: str, node: str, year: int, var, sign: float, unit: str = "mw") -> None:
        """Record an hourly variable for the dispatch table.

        ``sign`` is +1 for supply into the node, −1 for use; ``unit`` ``mw``
        series enter the balance check, ``mwh`` ones (state of charge) do not.
        """
        self.series.append({"name": name, "node": node, "year": year, "var": var, "sign": sign, "unit": unit})

    def register_asset(self, name: str, node: str, family: str, technology: str, groups, clean: bool, non_fossil: bool) -> None:
        self.assets[name] = {
            "node": node,
            "family": family,
            "technology": technology,
            "groups": list(groups),
            "clean": clean,
            "non_fossil": non_fossil,
        }

    def members(self, refs: list[str], families: tuple[str, ...] | None = None) -> list[str]:
        """Asset names matched by ``refs`` (asset names or groups), optionally of given families."""
        out = []
        for name, info in self.assets.items():
            if families is not None and info["family"] not in families:
                continue
            if name in refs or any(g in refs for g in info["groups"]):
                out.append(name)
        return out


def hourly_array(values, n: int) -> np.ndarray:
    """A scalar or array as a float array of length ``n``."""
    arr = np.asarray(values, dtype=float)
    return np.full(n, float(arr)) if arr.ndim == 0 else arr


def build_model(
    data: ModelData,
    families=None,
    with_policies: bool = True,
    drop_policies: tuple[str, ...] = (),
    fixed_builds: dict[tuple[str, int], tuple] | None = None,
    mip: bool = False,
) -> ModelContext:
    """Build the whole pyomo model for ``data``.

    Parameters
    ----------
    families : list of modules, optional
        Resource families to add (each has ``add(ctx)``); defaults to all.
    with_policies : bool
        Add the case's policies (targets and rules).
    drop_policies : tuple of str
        Names of policies left out (to price a rule by removing it).
    fixed_builds : dict, optional
        ``(asset, build year) -> (MW, MWh or None[, retrofitted MW or None[, kept MW or None]])``:
        new build, flexibility retrofits and capacity kept against a
        retirement rule, decided earlier (myopic planning), fixed instead
        of optimised.
    mip : bool
        Make discrete decisions integer (whole projects, units, commitment,
        exclusive charging); otherwise they are relaxed to an LP.
    """
    from pyomo.common.gc_manager import PauseGC

    # Building makes millions of small pyomo objects; the garbage collector's passes over them
    # cost about 45 % of build time (bench/README.md) and free nothing.
    with PauseGC():
        return _build(data, families, with_policies, drop_policies, fixed_builds, mip)


def _build(data, families, with_policies, drop_policies, fixed_builds, mip) -> ModelContext:
    from gridplan.model import FAMILIES, policies

    m = pyo.ConcreteModel(name=data.case.name)
    m.T = pyo.RangeSet(0, data.n_hours - 1)
    object.__setattr__(m, REPRESENTATIVE_DAYS, data.rep_days is not None)
    ctx = ModelContext(data=data, model=m, mip=mip)
    for family in families or FAMILIES:
        family.add(ctx)
    _fix_builds(ctx, fixed_builds or {})
    if with_policies:
        policies.add(ctx, drop=drop_policies)
    _add_balance(ctx)
    _add_objective(ctx)
    return ctx


def _fix_builds(ctx: ModelContext, fixed: dict) -> None:
    """Fix new-build variables (and retrofits, and capacity kept against a retirement rule) to decisions taken before (myopic planning)."""
    kept = ctx.kept_by_asset_year()
    for (asset, year), (mw, mwh, *rest) in fixed.items():
        retrofit, kept_mw = (list(rest) + [None, None])[:2]
        decisions = ((ctx.new_capacity, mw), (ctx.new_energy, mwh), (ctx.new_retrofit, retrofit))
        for table, value in decisions:
            var = table.get((asset, year))
            if value is not None and var is not None and not isinstance(var, (int, float)) and var.is_variable_type():
                var.fix(max(0.0, float(value)))
        variables = kept.get((asset, year), [])
        if kept_mw is not None and len(variables) == 1:
            variables[0].fix(max(0.0, float(kept_mw)))
        elif kept_mw is not None and variables:  # several rules on one plant: their total, as decided
            ctx.model.add_component(f"kept_mw_decided__{asset}__{year}", pyo.Constraint(expr=sum(variables) == float(kept_mw)))


def _add_balance(ctx: ModelContext) -> None:
    """One row per node, year and hour: injections = demand (MW); its duals are the prices."""
    data = ctx.data
    hours = np.arange(data.n_hours)
    for n in data.case.nodes:
        for y in ctx.years:
            hourly_rows(ctx.model, "balance", [y], hours, "==",
                        hourly=ctx.injections[(n, y)],
                        rhs=data.demand_mw[(n, y)], keep_duals=True, key=lambda y, t, n=n: (n, y, t))


def _add_objective(ctx: ModelContext) -> None:
    df = discount_factors(ctx.years, ctx.data.case.discount_rate)
    total = sum(df[y] * sum(exprs) for (_, y), exprs in ctx.costs.items())
    ctx.model.objective = pyo.Objective(expr=total, sense=pyo.minimize)
