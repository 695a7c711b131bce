"""The result of a solve, as tidy pandas tables, and the summary that summary.json holds.

Sign convention of the dispatch table: one row per node, year and hour; each
``*_mw`` column is a flow into the node (supply positive, use such as
storage charging or exports negative), so that in every row the ``*_mw``
columns sum to ``demand_mw``. ``*_mwh`` columns are storage states of charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import MonomialTermExpression, ProductExpression, SumExpression

from gridplan.highs import SolveOutcome
from gridplan.model.core import COST_SCALE, ModelContext, discount_factors
from gridplan.model.hourly import variable_table

#: A constraint is "active" (binds) when its slack is below this, relative to max(1, |rhs|).
ACTIVE_TOLERANCE = 1e-6


def _value(expr) -> float:
    # + 0.0 turns the solver's -0.0 into 0.0, which tables and reports show as "0".
    return (float(_linear_value(expr)) if not isinstance(expr, (int, float)) else float(expr)) + 0.0


def _linear_value(expr) -> float:
    """Value of a linear expression at the solution: sums, constant × expression and coefficient × variable
    evaluated directly (a yearly cost sums 100,000 hourly terms; pyomo's general walker takes 4 times as
    long), anything else by ``pyo.value``."""
    if isinstance(expr, (int, float)):
        return expr
    if isinstance(expr, MonomialTermExpression):
        coef, var = expr.args
        return _linear_value(coef) * _var_value(var)
    if isinstance(expr, SumExpression):  # LinearExpression is one
        args = expr.args
        if all(type(a) is MonomialTermExpression for a in args):
            return math.fsum((c if type(c) in (int, float) else pyo.value(c)) * _var_value(v) for c, v in (a.args for a in args))
        if all(type(a) is VarData for a in args):  # a plain sum (gridplan.model.hourly.hourly_sum)
            return math.fsum(_var_value(v) for v in args)
        return math.fsum(_linear_value(a) for a in args)
    if isinstance(expr, ProductExpression):
        a, b = expr.args
        return _linear_value(a) * _linear_value(b)
    if isinstance(expr, VarData):
        return _var_value(expr)
    return pyo.value(expr)


def _var_value(var) -> float:
    """A variable's value; one without a value raises, as ``pyo.value`` does."""
    if var.value is None:
        raise ValueError(f"no value for variable {var.name}: it was not part of the solved model")
    return var.value


def _hourly(model, var, year: int, n: int) -> np.ndarray:
    """Values of an hourly variable in ``year`` (0 in hours it leaves out, see gridplan.model.generators)."""
    table = variable_table(model, var)
    positions = table.positions(year, np.arange(n))
    present = np.flatnonzero(positions >= 0)
    out = np.zeros(n)
    out[present] = [table.values[i].value or 0.0 for i in positions[present]]
    return out


@dataclass
class Result:
    """Everything a solve produced.

    Attributes
    ----------
    case : str
    status : str
        ``optimal``, ``time_limit`` (best solution found when the limit hit),
        ``infeasible``, ``unbounded_or_infeasible`` or ``error``.
    objective_cny : float | None
        Discounted total cost over the planning years, CNY.
    capacity : DataFrame
        year, node, asset, technology, family, capacity_mw, new_mw, energy_mwh.
    dispatch : DataFrame
        node, year, hour, timestamp, weight_h (hours of the year the row stands
        for), demand_mw, one ``<flow>_mw`` column per flow.
    availability : DataFrame
        node, year, hour and ``<generator>_mw``: what each weather-driven
        generator could have produced (capacity × availability), for curtailment.
    prices : DataFrame
        node, year, hour, price_cny_per_mwh (dual of the energy balance).
    costs : DataFrame
        year, component, annual_cny (undiscounted), discounted_cny.
    targets : DataFrame
        name, policy, kind, year, unit, required, achieved, hard, met, active,
        shadow_price (CNY/yr per unit), shortfall, penalty_cny.
    kpis : DataFrame
        One row per year.
    """

    case: str
    status: str
    message: str
    objective_cny: float | None
    capacity: pd.DataFrame
    dispatch: pd.DataFrame
    prices: pd.DataFrame
    costs: pd.DataFrame
    targets: pd.DataFrame
    kpis: pd.DataFrame
    availability: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings_s: dict = field(default_factory=dict)
    solver: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    #: For a MIP: its LP relaxation's cost and capacities beside the MIP's (see :func:`compare_with_mip`).
    lp_relaxation: dict | None = None
    #: For representative days with ``compare_full``: the error against the full year (see gridplan.rep_check).
    rep_days_check: dict | None = None

    @property
    def summary(self) -> dict:
        """The dictionary that ``summary.json`` holds."""
        cap = {}
        sto = {}
        for y, grp in (self.capacity.groupby("year") if not self.capacity.empty else ()):
            gens = grp[grp.family != "storage"].groupby("technology").capacity_mw.sum()
            cap[str(y)] = {k: round(float(v), 6) for k, v in gens.items()}
            stor = grp[grp.family == "storage"]
            cap[str(y)].update({k: round(float(v), 6) for k, v in stor.groupby("technology").capacity_mw.sum().items()})
            sto[str(y)] = {k: round(float(v), 6) for k, v in stor.groupby("technology").energy_mwh.sum().items()}
        targets = _records(self.targets)
        kpis = {str(int(r["year"])): {k: _clean(v) for k, v in r.items() if k != "year"} for r in self.kpis.to_dict("records")}
        costs = {
            str(y): {c: round(float(v), 2) for c, v in grp.set_index("component").annual_cny.items()}
            for y, grp in (self.costs.groupby("year") if not self.costs.empty else ())
        }
        return {
            "case": self.case,
            "status": self.status,
            "message": self.message,
            "objective_cny": None if self.objective_cny is None else round(self.objective_cny, 2),
            "capacity_mw": cap,
            "storage_mwh": sto,
            "costs_cny_per_yr": costs,
            "targets": targets,
            "kpis": kpis,
            "solver": self.solver,
            "options": self.options,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "lp_relaxation": self.lp_relaxation,
            "rep_days_check": self.rep_days_check,
        }


def _clean(v):
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def capacity_table(ctx: ModelContext) -> pd.DataFrame:
    """Capacity per asset and year (MW, MWh); ``kept_mw`` is what the model keeps of blocks a retirement rule retires."""
    kept = ctx.kept_by_asset_year()
    rows = []
    for (asset, y), expr in ctx.capacity.items():
        info = ctx.assets[asset]
        energy = ctx.energy.get((asset, y))
        rows.append(
            {
                "year": y,
                "node": info["node"],
                "asset": asset,
                "technology": info["technology"],
                "family": info["family"],
                "capacity_mw": _value(expr),
                "new_mw": _value(ctx.new_capacity.get((asset, y), 0.0)),
                "energy_mwh": _value(energy) if energy is not None else np.nan,
                "new_mwh": _value(ctx.new_energy.get((asset, y), 0.0)) if energy is not None else np.nan,
                "retrofit_mw": _value(ctx.retrofit[(asset, y)]) if (asset, y) in ctx.retrofit else np.nan,
                "new_retrofit_mw": _value(ctx.new_retrofit.get((asset, y), 0.0)) if (asset, y) in ctx.retrofit else np.nan,
                "kept_mw": sum(_value(v) for v in kept[(asset, y)]) if (asset, y) in kept else np.nan,
            }
        )
    cols = ["year", "node", "asset", "technology", "family", "capacity_mw", "new_mw", "energy_mwh", "new_mwh", "retrofit_mw",
            "new_retrofit_mw", "kept_mw"]
    return pd.DataFrame(rows, columns=cols)


def dispatch_table(ctx: ModelContext) -> pd.DataFrame:
    data = ctx.data
    n = data.n_hours
    frames = []
    for node in data.case.nodes:
        for y in ctx.years:
            cols: dict[str, np.ndarray] = {}
            for s in ctx.series:
                if s["node"] != node or s["year"] != y:
                    continue
                values = _hourly(ctx.model, s["var"], y, n)
                if s["unit"] == "mw":
                    key = f"{s['name']}_mw"
                    cols[key] = cols.get(key, 0.0) + s["sign"] * values
                else:
                    cols[f"{s['name']}_{s['unit']}"] = values
            frame = pd.DataFrame(cols)
            frame.insert(0, "demand_mw", data.demand_mw[(node, y)])
            frame.insert(0, "weight_h", data.weights)
            # The stamps are of 2025 (no 29 February): moved to year y, as Timestamp.replace(year=y) would.
            frame.insert(0, "timestamp", data.timestamps + pd.DateOffset(years=y - data.timestamps[0].year))
            frame.insert(0, "hour", data.hours)
            frame.insert(0, "year", y)
            frame.insert(0, "node", node)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def availability_table(capacity: pd.DataFrame, data) -> pd.DataFrame:
    """Available MW of every weather-driven generator per node, year and modelled hour.

    ``capacity × availability``: what PV and wind could have produced; the
    dispatch table holds what they did produce, so curtailment is the gap.
    Rows follow the dispatch table's order for each node and year.
    """
    case = data.case
    profiled = {g.name: g.node for g in case.generators if isinstance(data.availability.get(g.name), np.ndarray)}
    cap = capacity.set_index(["asset", "year"]).capacity_mw
    frames = []
    for node in case.nodes:
        for y in case.years:
            frame = pd.DataFrame({"node": node, "year": y, "hour": data.hours})
            for g, g_node in profiled.items():
                if g_node == node:
                    frame[f"{g}_mw"] = float(cap.get((g, y), 0.0)) * np.asarray(data.availability[g], dtype=float)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def balance_residual(dispatch: pd.DataFrame) -> np.ndarray:
    """Per row: sum of the ``*_mw`` flow columns minus demand (MW); zero when the balance holds."""
    flows = [c for c in dispatch.columns if c.endswith("_mw") and c != "demand_mw"]
    return dispatch[flows].fillna(0.0).sum(axis=1).to_numpy() - dispatch["demand_mw"].to_numpy()


def price_table(ctx: ModelContext, duals: dict) -> pd.DataFrame:
    """Balance duals as prices, CNY/MWh, undoing cost scaling, discounting and hour weights."""
    m, data = ctx.model, ctx.data
    df = discount_factors(ctx.years, data.case.discount_rate)
    rows = []
    for node in data.case.nodes:
        for y in ctx.years:
            scale = 1.0 / (COST_SCALE * df[y] * data.weights)
            if m.component("balance") is not None:  # rows made pyomo constraints (gridplan.model.rows.materialize)
                values = np.array([duals.get(m.balance[node, y, t], np.nan) for t in range(data.n_hours)])
            else:
                values = np.array([duals.get(("balance", (node, y, t)), np.nan) for t in range(data.n_hours)])
            values = values * scale
            rows.append(pd.DataFrame({"node": node, "year": y, "hour": data.hours, "price_cny_per_mwh": values}))
    return pd.concat(rows, ignore_index=True)


def cost_table(ctx: ModelContext) -> pd.DataFrame:
    df = discount_factors(ctx.years, ctx.data.case.discount_rate)
    rows: dict[tuple[int, str], float] = {}
    for (component, y), exprs in ctx.costs.items():
        rows[(y, component)] = rows.get((y, component), 0.0) + sum(_value(e) for e in exprs) / COST_SCALE
    out = pd.DataFrame([{"year": y, "component": c, "annual_cny": v} for (y, c), v in sorted(rows.items())])
    if out.empty:
        return pd.DataFrame(columns=["year", "component", "annual_cny", "discounted_cny"])
    out["discounted_cny"] = out.apply(lambda r: r.annual_cny * df[int(r.year)], axis=1)
    return out


def target_table(ctx: ModelContext, duals: dict) -> pd.DataFrame:
    df = discount_factors(ctx.years, ctx.data.case.discount_rate)
    rows = []
    for tg in getattr(ctx, "targets", []):
        lhs = _value(tg.lhs)
        rhs = _value(tg.rhs)
        short = _value(tg.shortfall) if tg.shortfall is not None else 0.0
        dual = duals.get(tg.constraint, 0.0) if tg.constraint is not None else 0.0
        # CNY per year per unit of the row: undo scaling and discounting; sign so that
        # a tighter target (more required) costs a positive amount.
        sign = 1.0 if tg.sense == ">=" else -1.0
        shadow = sign * dual / (COST_SCALE * df[tg.year])
        if tg.kind in ("clean_share", "non_fossil_share"):
            total = _value(tg.denominator)
            achieved = 100.0 * _value(tg.extra["numerator"]) / total if total > 0 else np.nan
            required = 100.0 * tg.extra["share"]
            shadow = shadow * total / 100.0  # per percentage point of the share
        elif "achieved" in tg.extra:
            achieved, required = _value(tg.extra["achieved"]), _value(tg.extra["required"])
        else:
            achieved, required = lhs, rhs
        slack = (lhs - rhs) if tg.sense == ">=" else (rhs - lhs)
        tol = ACTIVE_TOLERANCE * max(1.0, abs(rhs), abs(_value(tg.extra.get("required", 0.0))))
        rows.append(
            {
                "name": tg.name,
                "policy": tg.policy,
                "kind": tg.kind,
                "year": tg.year,
                "unit": tg.unit,
                "required": required,
                "achieved": achieved,
                "hard": tg.hard,
                "met": bool(slack >= -tol),
                "active": bool(tg.constraint is not None and (abs(slack + (short if not tg.hard else 0.0)) <= tol or short > tol)),
                "shadow_price": shadow,
                "shortfall": short,
                "penalty_cny": short * (tg.penalty_cny_per_unit or 0.0),
            }
        )
    cols = ["name", "policy", "kind", "year", "unit", "required", "achieved", "hard", "met", "active", "shadow_price", "shortfall", "penalty_cny"]
    return pd.DataFrame(rows, columns=cols)


def kpi_table(ctx: ModelContext, dispatch: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    data = ctx.data
    rows = []
    case = data.case
    gens = {g.name: g for g in case.generators}
    for y in ctx.years:
        d = dispatch[dispatch.year == y]
        w = d["weight_h"].to_numpy()
        cap = capacity[capacity.year == y]
        gen_cap = cap[cap.family == "generator"]
        total = gen_cap.capacity_mw.sum()
        flags = pd.DataFrame([ctx.assets[a] for a in gen_cap.asset], columns=["clean", "non_fossil"], dtype=bool)
        clean = float(gen_cap.capacity_mw.to_numpy() @ flags.clean.to_numpy()) if len(gen_cap) else 0.0
        non_fossil = float(gen_cap.capacity_mw.to_numpy() @ flags.non_fossil.to_numpy()) if len(gen_cap) else 0.0
        demand = float(w @ d.demand_mw.to_numpy())
        produced = {g: float(w @ d[f"{g}_mw"].to_numpy()) for g in gens if f"{g}_mw" in d}
        available = 0.0
        used = 0.0
        for g, gen in gens.items():
            if gen.profile is None and gen.profile_file is None:
                continue
            capg = float(cap.loc[cap.asset == g, "capacity_mw"].sum())
            avail = np.broadcast_to(data.availability[g], (data.n_hours,))
            available += capg * float(data.weights @ avail)
            used += produced.get(g, 0.0)
        emissions = sum(_value(e) for e in ctx.emissions.get(y, []))
        imports = float(w @ d["import_mw"].to_numpy()) if "import_mw" in d else 0.0
        unserved = float(w @ d["unserved_mw"].to_numpy()) if "unserved_mw" in d else 0.0
        nf_energy = sum(v for g, v in produced.items() if gens[g].non_fossil)
        both = np.zeros(len(d), dtype=bool)
        for st in case.storage:
            if f"{st.name}_discharge_mw" not in d:
                continue
            both |= np.minimum(d[f"{st.name}_discharge_mw"].to_numpy(), -d[f"{st.name}_charge_mw"].to_numpy()) > 1e-6
        rows.append(
            {
                "year": y,
                "demand_mwh": demand,
                "peak_mw": sum(data.peak_mw[(n, y)] for n in case.nodes),
                "installed_generation_mw": total,
                "clean_share_installed": clean / total if total else np.nan,
                "non_fossil_share_installed": non_fossil / total if total else np.nan,
                "non_fossil_share_generation": nf_energy / demand if demand else np.nan,
                "vre_curtailment_mwh": available - used,
                "vre_curtailment_share": (available - used) / available if available else 0.0,
                "unserved_energy_mwh": unserved,
                "emissions_t": emissions,
                "import_mwh": imports,
                "import_share": imports / demand if demand else np.nan,
                # Hours in which some storage charges and discharges at once (the LP may; MIP with exclusive_charge may not).
                "simultaneous_charge_discharge_h": float(w @ both),
            }
        )
    return pd.DataFrame(rows)


def collect(ctx: ModelContext, outcome: SolveOutcome, timings: dict, options: dict) -> Result:
    """Build a :class:`Result` from a solved model."""
    empty = pd.DataFrame()
    if not outcome.has_solution:
        return Result(ctx.data.case.name, outcome.status, outcome.message, None, empty, empty, empty, empty, empty, empty,
                      timings_s=timings, solver=_solver_info(outcome), options=options)
    capacity = capacity_table(ctx)
    dispatch = dispatch_table(ctx)
    return Result(
        case=ctx.data.case.name,
        status=outcome.status,
        message=outcome.message,
        objective_cny=outcome.objective / COST_SCALE if outcome.objective is not None else None,
        capacity=capacity,
        dispatch=dispatch,
        prices=price_table(ctx, outcome.duals),
        costs=cost_table(ctx),
        targets=target_table(ctx, outcome.duals),
        kpis=kpi_table(ctx, dispatch, capacity),
        availability=availability_table(capacity, ctx.data),
        timings_s=timings,
        solver=_solver_info(outcome),
        options=options,
    )


def _solver_info(outcome: SolveOutcome) -> dict:
    return {
        "name": "HiGHS",
        "status": outcome.status,
        "columns": outcome.n_columns,
        "rows": outcome.n_rows,
        "nonzeros": outcome.n_nonzeros,
        "mip_gap": outcome.mip_gap,
        "mip_bound": outcome.mip_bound,
        "iterations": outcome.iterations,
        "warm_started": outcome.warm_started,
        "block_start": outcome.block_start,
        "restricted_start": outcome.restricted_start,
    }


def lp_relaxation_summary(ctx: ModelContext, outcome: SolveOutcome) -> dict:
    """What a MIP's LP relaxation gives, read from the model just after it was solved.

    Returns
    -------
    dict
        status, objective_cny, solve_s, capacity (year, asset, capacity_mw
        rows) and the hours per year in which storage charged and discharged at once.
    """
    out = {"status": outcome.status, "objective_cny": None, "solve_s": round(outcome.timings_s["solve"], 3),
           "capacity": [], "simultaneous_charge_discharge_h": {}}
    if not outcome.has_solution:
        return out
    capacity = capacity_table(ctx)
    kpis = kpi_table(ctx, dispatch_table(ctx), capacity)
    out["objective_cny"] = outcome.objective / COST_SCALE
    out["capacity"] = capacity[["year", "asset", "capacity_mw", "retrofit_mw"]].to_dict("records")
    out["simultaneous_charge_discharge_h"] = {str(int(r.year)): float(r.simultaneous_charge_discharge_h) for r in kpis.itertuples()}
    return out


def compare_with_mip(relaxation: dict, mip: "Result") -> dict:
    """The LP relaxation beside the MIP: cost difference and every capacity of both (MW).

    ``mip_minus_lp_pct`` is the MIP's extra cost over its relaxation in per
    cent, the price of building whole projects and committing whole units.
    """
    out = dict(relaxation)
    lp_obj, mip_obj = relaxation["objective_cny"], mip.objective_cny
    out["mip_objective_cny"] = mip_obj
    out["mip_minus_lp_pct"] = 100 * (mip_obj - lp_obj) / abs(lp_obj) if lp_obj and mip_obj is not None else None
    mip_cap = {} if mip.capacity.empty else mip.capacity.set_index(["year", "asset"])
    rows = []
    for r in relaxation["capacity"]:
        key = (r["year"], r["asset"])
        has = len(mip_cap) and key in mip_cap.index
        rows.append({
            "year": int(r["year"]), "asset": r["asset"],
            "lp_mw": _clean(r["capacity_mw"]), "mip_mw": _clean(mip_cap.loc[key, "capacity_mw"]) if has else None,
            "lp_retrofit_mw": _clean(r["retrofit_mw"]),
            "mip_retrofit_mw": _clean(mip_cap.loc[key, "retrofit_mw"]) if has else None,
        })
    out["capacity"] = rows
    return out


def differing_capacities(relaxation: dict, tolerance_mw: float = 1.0) -> list[dict]:
    """Capacities and retrofits that differ between a MIP and its LP relaxation by more than ``tolerance_mw``.

    Returns rows ``{"asset", "year", "retrofit" (bool), "lp_mw", "mip_mw"}`` from
    :func:`compare_with_mip`'s ``capacity`` list.
    """
    out = []
    for r in relaxation.get("capacity", []):
        for retrofit, key in ((False, ""), (True, "_retrofit")):
            lp_mw, mip_mw = r.get(f"lp{key}_mw"), r.get(f"mip{key}_mw")
            if lp_mw is not None and mip_mw is not None and abs(mip_mw - lp_mw) > tolerance_mw:
                out.append({"asset": r["asset"], "year": r["year"], "retrofit": retrofit, "lp_mw": lp_mw, "mip_mw": mip_mw})
    return out
