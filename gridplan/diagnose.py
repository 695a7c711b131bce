"""Explain, in plain words, why a case is infeasible.

Unserved energy is priced at the value of lost load, so the energy balance
alone never makes a case infeasible: what does is a set of hard targets and
limits that cannot all hold. :func:`explain_infeasibility` finds them in two
ways:

1. **Elastic model.** The case's model is built as usual, then every hard
   target and limit is given a non-negative slack: the policies' hard rows,
   the ``max_total_mw`` rows, the ``min_new_mw`` / ``max_new_mw`` bounds of
   new build, the must-run floors and (for surplus energy that has nowhere
   to go) each hour's energy balance. The objective becomes the weighted sum
   of the slacks, so the solve finds the smallest relaxation that makes the
   case feasible. Each slack left positive is a target that cannot be met
   and its value is the amount it is short by. The conflicting limits are
   the other relaxed rows with a non-zero dual in that solve: they are what
   stops the slack from shrinking (a Farkas certificate of the conflict).
   Weights are relative to each row's right-hand side, and limits cost 1 %
   more than targets, so a target is blamed rather than the limit it runs
   into ("PV ≥ 2000 MW cannot hold with land ≤ 1500 MW: short by 500 MW").
2. **HiGHS IIS.** Where highspy offers ``Highs.getIis`` (1.15 does), the
   irreducible infeasible subsystem of the original LP is computed as a
   second line of evidence and listed by constraint name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyomo.environ as pyo

from gridplan.case.schema import Case
from gridplan.errors import InfeasibleError

#: Extra weight of a physical limit over a target: the target takes the blame.
LIMIT_PREMIUM = 1.01
#: Weight per MW·h of a must-run or surplus slack (hourly rows): small, so
#: that conflicts between capacity targets are resolved on the capacities.
HOURLY_WEIGHT = 1e-4
#: Largest LP (rows) handed to the HiGHS IIS search; it re-solves many times.
IIS_MAX_ROWS = 200_000


@dataclass
class Relaxation:
    """One target or limit given slack in the elastic model.

    Attributes
    ----------
    label : str
        The target or limit in plain words, e.g. ``target pv_2030 (pv ≥ 2,000 MW)``.
    year : int | None
        Planning year it applies to.
    unit : str
        Unit of the slack (the row's unit).
    sense : str
        ``>=`` (the slack says "short by") or ``<=`` ("over by").
    kind : str
        ``target``, ``limit``, ``must_run`` or ``balance``.
    rows : list
        The relaxed pyomo constraint data (their duals name the conflict).
    slacks : list
        Slack variables; the relaxation's size is their sum.
    """

    label: str
    year: int | None
    unit: str
    sense: str
    kind: str
    rows: list = field(default_factory=list)
    slacks: list = field(default_factory=list)

    def amount(self) -> float:
        return float(sum(pyo.value(s) or 0.0 for s in self.slacks))


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def _relax_row(m, con, lower_slack: bool, upper_slack: bool, weight: float, objective: list):
    """Give one constraint slack(s); return the slack variables added."""
    added = []
    expr = con.body
    if lower_slack and con.lower is not None:
        s = _new_slack(m)
        expr = expr + s
        objective.append(weight * s)
        added.append(s)
    if upper_slack and con.upper is not None:
        s = _new_slack(m)
        expr = expr - s
        objective.append(weight * s)
        added.append(s)
    if added:
        con.set_value((con.lower, expr, con.upper))
    return added


def _new_slack(m):
    i = len(m.elastic_slack)
    m.elastic_slack.add(i)
    return m.elastic_slack_var[i]


def _target_label(t, policy) -> str:
    rhs = pyo.value(t.rhs)
    if t.kind in ("min_capacity", "max_capacity"):
        op = "≥" if t.sense == ">=" else "≤"
        return f"target {t.policy} ({' + '.join(policy.assets)} {op} {_fmt(rhs)} MW)"
    if t.kind == "min_storage_energy":
        return f"target {t.policy} (storage energy of {' + '.join(policy.assets)} ≥ {_fmt(rhs)} MWh)"
    if t.kind == "storage_pairing":
        part = "power" if t.name.endswith(".power") else "energy"
        return (f"target {t.policy} (new storage {part} ≥ {policy.ratio:g} × new {' + '.join(policy.eligible)}"
                f"{f' × {policy.duration_h:g} h' if part == 'energy' else ''} since {policy.since_year})")
    if t.kind == "dr_capability":
        return f"target {t.policy} (demand response ≥ {100 * policy.fraction_of_peak:g} % of peak = {_fmt(rhs)} MW)"
    if t.kind in ("clean_share", "non_fossil_share"):
        what = "clean" if t.kind == "clean_share" else "non-fossil"
        return f"target {t.policy} ({what} share of installed capacity ≥ {100 * policy.share:g} %)"
    if t.kind == "co2_cap":
        return f"target {t.policy} (CO2 ≤ {_fmt(rhs)} t)"
    if t.kind == "retirement":
        return f"rule {t.policy} (retire {policy.asset}{' ' + ', '.join(policy.blocks) if policy.blocks else ''} from {policy.year})"
    op = "≥" if t.sense == ">=" else "≤"
    return f"target {t.policy} ({op} {_fmt(rhs)} {t.unit})"


def _target_unit(t) -> str:
    if t.kind in ("clean_share", "non_fossil_share"):
        return "MW of " + ("clean" if t.kind == "clean_share" else "non-fossil") + " capacity"
    return t.unit


def relax(ctx) -> list[Relaxation]:
    """Turn the built model of ``ctx`` into its elastic version (in place).

    Returns
    -------
    list of Relaxation
        Every target and limit that was given slack.
    """
    m = ctx.model
    case = ctx.data.case
    m.elastic_slack = pyo.Set(initialize=[], ordered=True)
    m.elastic_slack_var = pyo.Var(m.elastic_slack, within=pyo.NonNegativeReals, dense=False)
    objective: list = []
    out: list[Relaxation] = []
    policies = {p.name: p for p in case.policies}

    # 1. Hard policy rows (soft ones already have a priced shortfall).
    for t in getattr(ctx, "targets", []):
        if not t.hard or t.constraint is None:
            continue
        rhs = abs(float(pyo.value(t.rhs)))
        w = 1.0 / max(1.0, rhs)
        slacks = _relax_row(m, t.constraint, t.sense == ">=", t.sense == "<=", w, objective)
        out.append(Relaxation(_target_label(t, policies[t.policy]), t.year, _target_unit(t), t.sense, "target",
                              [t.constraint], slacks))

    # 2. Installed-capacity limits (max_total_mw rows).
    for con in m.component_objects(pyo.Constraint, active=True):
        name = con.name
        if not name.startswith("max_total_mw__"):
            continue
        asset, year = name[len("max_total_mw__"):].rsplit("__", 1)
        data = con[None] if con.is_indexed() is False else next(iter(con.values()))
        limit = float(pyo.value(data.upper))
        slacks = _relax_row(m, data, False, True, LIMIT_PREMIUM / max(1.0, limit), objective)
        out.append(Relaxation(f"limit max_total_mw of {asset} (≤ {_fmt(limit)} MW installed)", int(year), "MW", "<=",
                              "limit", [data], slacks))

    # 3. Bounds on new build (min_new_mw / max_new_mw): as rows, so that they can give.
    m.elastic_bounds = pyo.ConstraintList()
    for var in m.component_objects(pyo.Var):
        if not var.name.startswith("new_mw__"):
            continue
        asset = var.name[len("new_mw__"):]
        for v, vd in var.items():
            if vd.fixed:
                continue
            lb, ub = vd.lb, vd.ub
            vd.setlb(0.0)
            vd.setub(None)
            if lb is not None and lb > 0:
                row = m.elastic_bounds.add(vd >= lb)
                slacks = _relax_row(m, row, True, False, LIMIT_PREMIUM / max(1.0, lb), objective)
                out.append(Relaxation(f"limit min_new_mw of {asset} (≥ {_fmt(lb)} MW built in {v})", v, "MW", ">=",
                                      "limit", [row], slacks))
            if ub is not None:
                row = m.elastic_bounds.add(vd <= ub)
                slacks = _relax_row(m, row, False, True, LIMIT_PREMIUM / max(1.0, ub), objective)
                out.append(Relaxation(f"limit max_new_mw of {asset} (≤ {_fmt(ub)} MW built in {v})", v, "MW", "<=",
                                      "limit", [row], slacks))

    # 4. Must-run floors, per generator and year (hourly rows, summed in the report).
    w_hour = HOURLY_WEIGHT * ctx.hour_weight
    floors: dict[tuple[str, int], Relaxation] = {}

    def give_floor(gen: str, y, row) -> None:
        """Let ``row`` (a floor of ``gen`` in year ``y``) give, under one relaxation per plant and year."""
        rel = floors.get((gen, y))
        if rel is None:
            frac = next((g.must_run_fraction for g in case.generators if g.name == gen), 0.0)
            rel = floors[(gen, y)] = Relaxation(f"must-run floor of {gen} ({100 * frac:g} % of capacity in every hour)",
                                                y, "MWh over the modelled hours", ">=", "must_run")
            out.append(rel)
        rel.rows.append(row)
        rel.slacks += _relax_row(m, row, True, False, w_hour, objective)

    for con in list(m.component_objects(pyo.Constraint, active=True)):
        if con.name.startswith("must_run__"):
            for idx, data in con.items():
                give_floor(con.name[len("must_run__"):], idx[0] if isinstance(idx, tuple) else None, data)
    # Where a plant's capacity is fixed its floor is a lower bound on its output: made a row here so it can give.
    m.elastic_floors = pyo.ConstraintList()
    for var in list(m.component_objects(pyo.Var)):
        if not var.name.startswith("p__"):
            continue
        for (y, _t), vd in var.items():
            if vd.fixed or not vd.lb:
                continue
            row = m.elastic_floors.add(vd >= vd.lb)
            vd.setlb(0.0)
            give_floor(var.name[len("p__"):], y, row)

    # 5. Surplus energy with nowhere to go (the balance has lost load for a deficit, nothing for a surplus).
    by_node: dict[tuple, Relaxation] = {}
    for idx, data in m.balance.items():
        n, y = (idx[0], idx[1]) if isinstance(idx, tuple) and len(idx) >= 2 else (idx, None)
        rel = by_node.get((n, y))
        if rel is None:
            rel = by_node[(n, y)] = Relaxation(f"energy balance of node {n} (surplus energy has no outlet)", y,
                                               "MWh over the modelled hours", "<=", "balance")
            out.append(rel)
        # The row is supply − use == demand: a slack that takes energy away absorbs a surplus.
        s = _new_slack(m)
        data.set_value((data.lower, data.body - s, data.upper))
        objective.append(w_hour * s)
        rel.rows.append(data)
        rel.slacks.append(s)

    m.objective.deactivate()
    m.elastic_objective = pyo.Objective(expr=sum(objective) if objective else 0.0, sense=pyo.minimize)
    return out


def _row_name(compiled, i: int) -> str:
    """The name of the constraint (or array-row block) that row ``i`` of a compiled model comes from."""
    if i < len(compiled.pyomo_rows):
        return compiled.pyomo_rows[i].constraint.parent_component().name
    for block, first in compiled.blocks:
        if first <= i < first + len(block):
            return block.name
    raise IndexError(i)


def _iis_lines(model, max_rows: int = IIS_MAX_ROWS, time_limit_s: float | None = None) -> list[str]:
    """The HiGHS IIS of ``model`` (unrelaxed), summarised by constraint name; [] when unavailable."""
    import highspy

    from gridplan.highs import to_highs_lp

    if not hasattr(highspy.Highs, "getIis"):
        return []
    compiled = to_highs_lp(model)
    lp = compiled.lp
    if lp.num_row > max_rows:
        return [f"HiGHS IIS: not computed, the LP has {lp.num_row:,} rows (more than {max_rows:,}); use fewer days"]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Strategy 2 (from the LP's elastic ray) finds a set in highspy 1.15; the default returns none.
    h.setOptionValue("iis_strategy", 2)
    if time_limit_s:
        h.setOptionValue("time_limit", float(time_limit_s))
    lp.pass_to(h)
    h.run()
    try:
        status, iis = h.getIis()
    except Exception:  # noqa: BLE001 - an IIS is a bonus; never fail the explanation over it
        return []
    if status != highspy.HighsStatus.kOk or not iis.valid_:
        return []
    rows = defaultdict(int)
    for i in iis.row_index_:
        rows[_row_name(compiled, int(i))] += 1
    cols = defaultdict(int)
    for j, b in zip(iis.col_index_, iis.col_bound_):
        var = compiled.columns[int(j)]
        lb, ub = var.bounds
        # Only bounds that say something (a positive lower bound, a finite upper bound) are worth naming.
        if (lb is not None and lb > 0) or ub is not None:
            cols[var.parent_component().name] += 1
    if not rows and not cols:
        return []
    parts = [f"{n} ({k} rows)" if k > 1 else n for n, k in sorted(rows.items())]
    parts += [f"bounds of {n}" + (f" ({k})" if k > 1 else "") for n, k in sorted(cols.items())]
    return ["HiGHS IIS (a smallest set of constraints that cannot all hold): " + ", ".join(parts)]


def explain_infeasibility(case: Case | str | Path, *, year: int | None = None, days: int | None = None,
                          start: str | None = None, rep_days: int | None = None, drop_policies: tuple[str, ...] = (),
                          fixed_builds: dict | None = None, method: str = "simplex",
                          time_limit_s: float | None = None, threads: int | None = None, iis: bool = True,
                          data=None, **_other) -> list[str]:
    """Explain in plain words which targets and limits of ``case`` conflict, and by how much.

    Parameters
    ----------
    case : Case or path
    year, days, start, rep_days, drop_policies, fixed_builds :
        As for :func:`gridplan.solve`: the explanation is for the same model.
    method : str
        HiGHS method for the elastic solve (simplex gives exact duals).
    time_limit_s, threads : optional
        Solver limits for the elastic solve.
    iis : bool
        Also compute HiGHS's IIS as a second line of evidence.
    data : ModelData, optional
        Inputs already prepared for the same case and window (saves reading them again).
    **_other
        Other solve options (mip_gap, verbose, ...), accepted and ignored.

    Returns
    -------
    list of str
        One sentence per conflict, e.g. ``2030: target pv_2030 (pv ≥ 6,000 MW) and limit
        max_total_mw of pv_rooftop (≤ 4,000 MW installed) cannot all hold: short by 1,500 MW``,
        then the HiGHS IIS line. Empty when the case turns out to be feasible.
    """
    from gridplan.api import build
    from gridplan.highs import SolveOptions, solve_model
    from gridplan.model.core import build_model
    from gridplan.model.rows import materialize

    try:
        if data is None:
            # The same route as gridplan.solve (load, restrict, prepare, build), so the model is the one that failed.
            built = build(case, year=year, days=days, start=start, rep_days=rep_days, drop_policies=drop_policies,
                          fixed_builds=fixed_builds)
            ctx, name = built.ctx, built.case.name
        else:
            ctx, name = build_model(data, drop_policies=drop_policies, fixed_builds=fixed_builds), data.case.name
    except InfeasibleError as exc:
        # A hard target that nothing can move is found while building: that is the explanation.
        return [str(exc)]
    materialize(ctx.model)  # every row as a pyomo constraint, so that each can be given a slack
    iis_lines = _iis_lines(ctx.model, time_limit_s=time_limit_s) if iis else []
    relaxations = relax(ctx)
    outcome = solve_model(ctx.model, SolveOptions(method=method, time_limit_s=time_limit_s, threads=threads))
    if not outcome.has_solution:
        why = (f"case {name}: even with every target and limit relaxed the model has no solution "
               f"({outcome.message}); check the data for contradictions HiGHS cannot relax")
        return [why, *iis_lines]
    lines = _sentences(relaxations, outcome.duals)
    if not lines:
        return []
    return lines + iis_lines


def _sentences(relaxations: list[Relaxation], duals: dict) -> list[str]:
    """One sentence per relaxation that had to give, naming what it conflicts with."""
    scale = {id(r): max(1.0, max((abs(pyo.value(row.lower if r.sense == ">=" else row.upper) or 0.0) for row in r.rows), default=1.0))
             for r in relaxations}

    def tol(r: Relaxation) -> float:
        return 1e-6 * scale[id(r)] * max(1, len(r.rows))

    violated = [r for r in relaxations if r.amount() > tol(r)]
    if not violated:
        return []
    blocking = [r for r in relaxations if r.amount() <= tol(r)
                and any(abs(duals.get(row, 0.0)) > 1e-9 for row in r.rows)]
    lines = []
    order = {"target": 0, "limit": 1, "must_run": 2, "balance": 3}
    for r in sorted(violated, key=lambda r: (r.year or 0, order[r.kind], r.label)):
        partners = [b for b in blocking if b.year == r.year or b.year is None] or blocking
        amount = r.amount()
        word = "short by" if r.sense == ">=" else "over by"
        if r.kind == "must_run":
            word = "the floor cannot be kept by"
        elif r.kind == "balance":
            word = "surplus without an outlet"
        if partners:
            names = [r.label] + [b.label for b in partners]
            both = "both" if len(names) == 2 else "all"
            head = " and ".join(names)
            lines.append(f"{r.year}: {head} cannot {both} hold: {word} {_fmt(amount)} {r.unit}")
        else:
            lines.append(f"{r.year}: {r.label} cannot hold with what can be built and run: {word} {_fmt(amount)} {r.unit}")
    return lines


def require_feasible(result, case: Case, **solve_options):
    """Like :func:`gridplan.api.require_solution`, but an infeasible case raises an explained error.

    Raises
    ------
    InfeasibleError
        The message names the case and lists each conflict (see :func:`explain_infeasibility`).
    SolveError
        The solver stopped without a solution for another reason.
    """
    from gridplan.api import require_solution

    if result.status in ("infeasible", "unbounded_or_infeasible"):
        try:
            lines = explain_infeasibility(case, **solve_options)
        except InfeasibleError as exc:
            lines = [str(exc)]
        if lines:
            body = "\n".join(f"  {line}" for line in lines)
            raise InfeasibleError(f"case {result.case}: the targets and limits cannot all hold:\n{body}")
    return require_solution(result)
