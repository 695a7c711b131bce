"""gridplan vs PyPSA on the same single-year LP, solved by HiGHS side by side (issue 9, part 1).

One command:

    python bench/pypsa_compare.py cases/dongguan.yaml [--year 2030] [--days N] [--methods simplex,ipm]

builds the case's LP for one planning year twice: with gridplan
(``gridplan.api.build`` -> pyomo -> ``HighsSession``) and with PyPSA (one bus
per node, built from the same prepared hourly data, ``n.optimize`` machinery
with linopy and HiGHS). Every configuration runs in its own Python process
(so import costs, caches and peak memory are not shared), one after the
other, and reports inputs / build / handoff / HiGHS / readback seconds and
the peak RSS of that process. It then checks that every objective agrees
with gridplan's to 1e-6 relative.

Objectives, like with like. Both sides count costs in million CNY
(gridplan's COST_SCALE, so the two LPs also share their coefficient
scaling) and weigh each modelled hour by 8760 / hours. gridplan's objective
holds a constant: fixed O&M on existing capacity (the LP offset).
PyPSA charges ``capital_cost`` on the whole ``p_nom`` of an extendable
asset and subtracts ``capital_cost x initial p_nom`` as its
``objective_constant``; the initial ``p_nom`` / ``e_nom`` is set to the existing
capacity, so PyPSA's objective is the cost of new build plus operation.
Compared: gridplan objective - offset  vs  PyPSA objective (constant subtracted).

Mapping (gridplan -> PyPSA), per node and asset, for the planning year Y:

* node -> Bus; demand -> Load ``p_set``.
* generator -> Generator, ``p_nom`` = existing MW, ``p_nom_extendable`` when
  gridplan has a vintage in Y, ``p_nom_min/max`` = existing + min/max new
  (capped by ``max_total_mw``), ``capital_cost`` = CRF x capex + fixed O&M
  (per MW, million CNY), ``marginal_cost`` = gridplan's (fuel + VOM),
  ``p_max_pu`` = availability, ``p_min_pu`` = must-run floor
  (min(must_run, availability)), ``ramp_limit_up/down``. gridplan's ramps are
  cyclic in the window; PyPSA's first snapshot has no predecessor, so the
  wrap-around pair of rows is added in ``extra_functionality``.
* storage -> Store (energy, ``e_cyclic``, ``standing_loss``) + charge Link
  (efficiency = charge efficiency, carries the power capital cost) +
  discharge Link (efficiency = discharge efficiency, ``p_nom`` tied to
  charge ``p_nom`` / eta_d); min/max duration on the new energy as custom
  rows. Fixed duration (pumped hydro) whose existing MWh = hours x MW ->
  StorageUnit with ``max_hours`` and the energy capex folded into the
  power capital cost. Store weighting is 1 (one-hour steps like gridplan).
* external grid -> import Generator (fixed ``p_nom``, hourly TOU price as
  ``marginal_cost``) and export as a negative Generator
  (``p_min_pu`` = -1, ``p_max_pu`` = 0, ``marginal_cost`` = +export price, so
  cost x p = -revenue).
* unserved energy -> Generator at VOLL, ``p_nom`` = peak,
  ``p_max_pu`` = demand_t / peak (gridplan's bound lost_t <= demand_t).
* DR curtailment -> extendable Generator, ``p_nom_max`` = potential x peak,
  ``capital_cost`` = DR capacity cost, ``marginal_cost`` = activation cost;
  its energy budget w x sum_t p <= max_hours x p_nom is a custom row
  (``e_sum_max`` is a constant, the budget scales with the variable p_nom).
  DR shifting -> a down Generator and an up (negative) Generator of fixed
  ``p_nom`` with one payback row per window.
* links between nodes -> two one-way Links with the receiving-end efficiency
  and the wheeling cost as ``marginal_cost``.
* policies (min/max capacity, storage energy, pairing, DR capability,
  clean / non-fossil shares, CO2 cap, retirement) -> linopy rows in
  ``extra_functionality``; soft ones get a shortfall variable priced at the
  penalty in the objective. A CO2 price is added to marginal costs.

No clean PyPSA equivalent (refused unless ``--simplify``, which drops it on
BOTH sides and says so): clustered unit commitment of a generator, and a
flexibility retrofit (a decision that lowers a must-run floor). Discrete
builds (``build: whole|units``) are solved as gridplan's LP relaxation, which
for one planning year is the same as continuous build within the bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COST = 1e-6  # million CNY per CNY, = gridplan.model.core.COST_SCALE (checked at run time)


def rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ----------------------------------------------------------------------------- the case


def load_restricted(case_path: str, year: int | None, days: int | None, start: str | None, simplify: bool,
                    clone: int = 1):
    """Load the case, keep one planning year (default: the last) and apply --simplify if asked."""
    from gridplan.api import restrict
    from gridplan.case import load_case

    case = load_case(case_path)
    year = year or case.years[-1]
    case = restrict(case, year, days, start)
    notes = []
    if clone > 1:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from scaling import clone_nodes

        case = clone_nodes(case, clone)
        notes.append(f"--clone-nodes {clone}: the node cloned into {clone} linked nodes (bench/scaling.py clone_nodes)")
    for field in ("unit_commitment", "flexibility_retrofit"):
        uses = [g.name for g in case.generators if getattr(g, field, None) is not None]
        if not uses:
            continue
        if not simplify:
            raise SystemExit(
                f"generators {uses} use {field}, which has no clean PyPSA equivalent here: "
                "rerun with --simplify to drop it on both sides"
            )
        gens = [g.model_copy(update={field: None}) if g.name in uses else g for g in case.generators]
        case = _copy(case, generators=gens)
        notes.append(f"--simplify: {field} dropped from {uses} on both sides")
    return case, year, notes


def _copy(case, **update):
    out = case.model_copy(update=update)
    out._base_dir, out._file = case.base_dir, case.file
    return out


# ----------------------------------------------------------------------------- gridplan side


def timed(h) -> dict:
    """Record the wall and CPU (all threads of this process) seconds of ``h.run()``."""
    out = {"cpu": float("nan"), "wall": float("nan")}
    run = h.run

    def wrapped():
        c, t = time.process_time(), time.perf_counter()
        status = run()
        out["cpu"], out["wall"] = time.process_time() - c, time.perf_counter() - t
        return status

    h.run = wrapped
    return out


def gridplan_highs_options(method: str) -> dict:
    """The HiGHS options gridplan sets for an LP with ``method``, to give PyPSA the same."""
    from gridplan.options import DEFAULT_SIMPLEX_PRICING, METHODS, SIMPLEX_PRICING, pricing_for

    options = {"solver": METHODS[method], "simplex_dual_edge_weight_strategy": SIMPLEX_PRICING[pricing_for(DEFAULT_SIMPLEX_PRICING, representative_days=False)]}
    if method == "ipm":
        options["run_crossover"] = "on"
    return options


def run_gridplan(case, method: str) -> dict:
    from gridplan.api import build
    from gridplan.highs import HighsSession, SolveOptions

    from gridplan import collector

    c0, t0 = time.process_time(), time.perf_counter()
    with collector.paused():  # as gridplan.solve does: the collector catches up while HiGHS runs
        built = build(case)
        c1 = time.process_time()
        session = HighsSession(built.ctx.model, SolveOptions(method=method, crossover=True))
        c2 = time.process_time()
        run_cpu = timed(session.highs)
        outcome = session.run(write_back=True)
    c3, t2 = time.process_time(), time.perf_counter()
    h = session.highs
    info = h.getInfo()
    import pyomo.environ as pyo

    caps = {}
    for var in built.ctx.model.component_objects(pyo.Var):
        if var.name.startswith(("new_mw__", "new_mwh__", "dr_capability__")):
            for idx in var:
                caps[f"{var.name}"] = float(var[idx].value or 0.0)
    return {
        "status": outcome.status,
        "objective": outcome.objective,
        "constant": float(session.lp.offset),
        "compared_objective": outcome.objective - float(session.lp.offset),
        "timings": {
            "inputs": built.timings_s["inputs"],
            "build": built.timings_s["build_model"],
            "compile": outcome.timings_s["compile"],
            "handoff": outcome.timings_s["compile"] + outcome.timings_s["handoff"],
            "solve": outcome.timings_s["solve"],
            "readback": outcome.timings_s["readback"],
            "total": t2 - t0,
        },
        "cpu": {"inputs+build": c1 - c0, "handoff": c2 - c1, "solve": run_cpu["cpu"],
                "readback": (c3 - c2) - run_cpu["cpu"], "total": c3 - c0},
        "size": {"cols": outcome.n_columns, "rows": outcome.n_rows, "nnz": outcome.n_nonzeros},
        "iterations": {"simplex": info.simplex_iteration_count, "ipm": info.ipm_iteration_count,
                       "crossover": info.crossover_iteration_count},
        "capacities": caps,
    }


# ----------------------------------------------------------------------------- PyPSA side


class PypsaBuild:
    """A PyPSA network for one planning year of a gridplan case, plus the custom rows."""

    def __init__(self, data):
        import numpy as np
        import pandas as pd
        import pypsa

        from gridplan.model import core
        from gridplan.model.capacity import KW_PER_MW, build_years, existing_mw, existing_mwh, rule_retired_mw
        from gridplan.model.core import capital_recovery_factor
        from gridplan.model.generators import co2_t_per_mwh, marginal_cost_cny_per_mwh
        from gridplan.model.network import import_price_cny_per_mwh
        from gridplan.case.schema import value_in_year

        assert core.COST_SCALE == COST, "gridplan's COST_SCALE changed: update bench/pypsa_compare.py"
        case = data.case
        assert len(case.years) == 1, "PyPSA comparison is single-period: restrict to one year"
        self.data, self.case = data, case
        Y = self.Y = case.years[0]
        T, w = data.n_hours, data.hour_weight
        self.T, self.w = T, w
        if getattr(data, "rep_days", None) is not None:
            raise SystemExit("representative days have no clean PyPSA equivalent here: compare a window (--days)")
        weights = np.asarray(getattr(data, "weights", np.full(T, w)), dtype=float)
        previous = getattr(data, "previous", None)
        if previous is not None and not np.array_equal(np.asarray(previous), np.roll(np.arange(T), 1)):
            raise SystemExit("the modelled hours do not wrap as one window: no clean PyPSA equivalent")
        self.weights = weights
        rate = case.discount_rate
        hod = data.timestamps.hour.to_numpy()
        sns = pd.RangeIndex(T, name="snapshot")
        self.sns = sns

        n = pypsa.Network()
        n.set_snapshots(sns)
        n.snapshot_weightings = pd.DataFrame({"objective": weights, "stores": 1.0, "generators": weights}, index=sns,
                                             dtype=float)
        self.n = n

        co2_price = sum(p.cny_per_t for p in case.policies if p.type == "co2_price" and p.year == Y)

        def series(values):
            return pd.Series(np.asarray(values, dtype=float), index=sns)

        # asset name -> info for the policies
        self.assets: dict[str, dict] = {}
        self.ramp: list[tuple[str, float, bool, float]] = []  # (gen, r, extendable, p_nom)
        self.emitters: list[tuple[str, float]] = []  # (generator, t CO2 / MWh)
        self.dr_budget: list[tuple[str, float]] = []
        self.shift: list[tuple[str, str, int]] = []
        self.storage_rows: list[dict] = []

        for name, node in case.nodes.items():
            n.add("Bus", name, carrier="AC")
            demand = data.demand_mw[(name, Y)]
            n.add("Load", f"load_{name}", bus=name, p_set=series(demand))
            peak = data.peak_mw[(name, Y)]
            n.add("Generator", f"unserved_{name}", bus=name, p_nom=peak, p_max_pu=series(demand / peak),
                  marginal_cost=node.voll_cny_per_mwh * COST)
            grid = node.external
            if grid is not None:
                imp_max = value_in_year(grid.import_max_mw, Y, 0.0)
                exp_max = value_in_year(grid.export_max_mw, Y, 0.0)
                price = import_price_cny_per_mwh(grid, Y, hod)
                if imp_max > 0 and grid.import_co2_t_per_mwh:
                    self.emitters.append((f"import_{name}", grid.import_co2_t_per_mwh))
                    price = price + co2_price * grid.import_co2_t_per_mwh
                n.add("Generator", f"import_{name}", bus=name, p_nom=imp_max, marginal_cost=series(price * COST))
                export_price = value_in_year(grid.export_price_cny_per_mwh, Y, 0.0)
                n.add("Generator", f"export_{name}", bus=name, p_nom=exp_max, p_min_pu=-1.0, p_max_pu=0.0,
                      marginal_cost=(export_price * COST if exp_max > 0 else 0.0))

        for gen in case.generators:
            self._register(gen, "generator")
            exist = existing_mw(gen, Y, case.policies)
            ext = bool(build_years(gen, [Y]))
            lo, hi = self._nom_bounds(gen, exist, ext, value_in_year)
            crf = capital_recovery_factor(rate, gen.lifetime_years)
            cc = (crf * value_in_year(gen.capex_cny_per_kw, Y, 0.0) + gen.fixed_om_cny_per_kw_yr) * KW_PER_MW * COST
            kept = rule_retired_mw(case.policies, gen, Y)
            if kept:
                # Blocks a retirement rule takes out may be kept (gridplan's kept_mw): extendable up to
                # them at their fixed O&M; the rule's row (_policy_retirement) holds p_nom at the rest.
                if ext:
                    raise SystemExit(f"pypsa_compare: {gen.name} has both new build and a retirement rule in {Y}; not mapped")
                ext, lo, hi, cc = True, exist, exist + kept, gen.fixed_om_cny_per_kw_yr * KW_PER_MW * COST
            avail = data.availability[gen.name]
            mc = marginal_cost_cny_per_mwh(gen, Y)
            co2 = co2_t_per_mwh(gen)
            if co2:
                self.emitters.append((gen.name, co2))
                mc += co2_price * co2
            kw = dict(bus=gen.node, p_nom=exist, p_nom_extendable=ext, p_nom_min=lo, p_nom_max=hi,
                      capital_cost=cc if ext else 0.0, marginal_cost=mc * COST)
            kw["p_max_pu"] = series(avail) if isinstance(avail, np.ndarray) else float(avail)
            if gen.must_run_fraction > 0:
                floor = np.minimum(gen.must_run_fraction, avail)
                kw["p_min_pu"] = series(floor) if isinstance(floor, np.ndarray) and floor.ndim else float(floor)
            if gen.ramp_fraction_per_h < 1.0:
                kw["ramp_limit_up"] = kw["ramp_limit_down"] = gen.ramp_fraction_per_h
                self.ramp.append((gen.name, gen.ramp_fraction_per_h, ext, exist))
            n.add("Generator", gen.name, **kw)
            self.assets[gen.name].update(power=("Generator", gen.name, ext, exist))

        for s in case.storage:
            self._register(s, "storage")
            self._add_storage(s, Y, rate, value_in_year, build_years, existing_mw, existing_mwh, KW_PER_MW,
                              capital_recovery_factor)

        for dr in case.demand_response:
            peak = data.peak_mw[(dr.node, Y)]
            limit = value_in_year(dr.potential_fraction_of_peak, Y, 0.0) * peak
            n.add("Generator", dr.name, bus=dr.node, p_nom=0.0, p_nom_extendable=True, p_nom_min=0.0, p_nom_max=limit,
                  capital_cost=dr.capacity_cost_cny_per_kw_yr * KW_PER_MW * COST,
                  marginal_cost=dr.activation_cost_cny_per_mwh * COST)
            if dr.max_hours_per_year < 8760:
                self.dr_budget.append((dr.name, dr.max_hours_per_year))
            shift = value_in_year(dr.shiftable_fraction_of_peak, Y, 0.0) * peak
            if shift > 0:
                n.add("Generator", f"{dr.name}_shift_down", bus=dr.node, p_nom=shift,
                      marginal_cost=dr.shift_cost_cny_per_mwh * COST)
                n.add("Generator", f"{dr.name}_shift_up", bus=dr.node, p_nom=shift, p_min_pu=-1.0, p_max_pu=0.0)
                self.shift.append((f"{dr.name}_shift_down", f"{dr.name}_shift_up", dr.shift_window_h))

        for link in case.links:
            cap = value_in_year(link.max_mw, Y, 0.0)
            for suffix, a, b in (("fwd", link.from_node, link.to_node), ("back", link.to_node, link.from_node)):
                n.add("Link", f"{link.name}_{suffix}", bus0=a, bus1=b, p_nom=cap, efficiency=link.efficiency,
                      marginal_cost=link.cost_cny_per_mwh * COST)

    # -- helpers

    def _register(self, asset, family):
        self.assets[asset.name] = {"node": asset.node, "family": family, "groups": list(asset.groups),
                                   "clean": asset.clean, "non_fossil": asset.non_fossil, "obj": asset}

    def _nom_bounds(self, asset, exist, ext, value_in_year):
        Y = self.Y
        if not ext:
            return exist, exist
        import math

        lo = exist + value_in_year(asset.min_new_mw, Y, 0.0)
        mx = value_in_year(asset.max_new_mw, Y, None)
        hi = exist + mx if mx is not None else math.inf
        total = value_in_year(asset.max_total_mw, Y, None)
        if total is not None:
            hi = min(hi, total)
        return lo, hi

    def _add_storage(self, s, Y, rate, value_in_year, build_years, existing_mw, existing_mwh, KW_PER_MW, crf_fn):
        n = self.n
        ext = bool(build_years(s, [Y]))
        p_exist = existing_mw(s, Y)
        e_exist = existing_mwh(s, Y, s.min_duration_h)
        lo, hi = self._nom_bounds(s, p_exist, ext, value_in_year)
        crf = crf_fn(rate, s.lifetime_years)
        cc_power = (crf * value_in_year(s.capex_cny_per_kw, Y, 0.0) + s.fixed_om_cny_per_kw_yr) * KW_PER_MW * COST
        cc_energy = crf * value_in_year(s.capex_cny_per_kwh, Y, 0.0) * KW_PER_MW * COST
        fixed = s.min_duration_h == s.max_duration_h
        eta_c, eta_d = s.charge_efficiency, s.discharge_efficiency
        if fixed and abs(e_exist - s.min_duration_h * p_exist) < 1e-9:
            # Fixed duration, existing energy consistent: a StorageUnit with max_hours.
            n.add("StorageUnit", s.name, bus=s.node, p_nom=p_exist, p_nom_extendable=ext, p_nom_min=lo, p_nom_max=hi,
                  max_hours=s.min_duration_h, capital_cost=(cc_power + s.min_duration_h * cc_energy) if ext else 0.0,
                  efficiency_store=eta_c, efficiency_dispatch=eta_d, standing_loss=s.standing_loss_per_h,
                  cyclic_state_of_charge=True, marginal_cost=s.variable_om_cny_per_mwh * COST)
            self.assets[s.name].update(power=("StorageUnit", s.name, ext, p_exist),
                                       energy=("StorageUnit", s.name, ext, p_exist, s.min_duration_h))
            return
        bus = f"{s.name}_store"
        n.add("Bus", bus, carrier="store")
        n.add("Store", s.name, bus=bus, e_nom=e_exist, e_nom_extendable=ext, e_nom_min=e_exist,
              capital_cost=cc_energy if ext else 0.0, e_cyclic=True, standing_loss=s.standing_loss_per_h)
        n.add("Link", f"{s.name}_charge", bus0=s.node, bus1=bus, efficiency=eta_c, p_nom=p_exist, p_nom_extendable=ext,
              p_nom_min=lo, p_nom_max=hi, capital_cost=cc_power if ext else 0.0)
        n.add("Link", f"{s.name}_discharge", bus0=bus, bus1=s.node, efficiency=eta_d, p_nom=p_exist / eta_d,
              p_nom_extendable=ext, p_nom_min=0.0, capital_cost=0.0,
              marginal_cost=s.variable_om_cny_per_mwh * eta_d * COST)
        self.assets[s.name].update(power=("Link", f"{s.name}_charge", ext, p_exist),
                                   energy=("Store", s.name, ext, e_exist, None))
        if ext:
            self.storage_rows.append({"name": s.name, "eta_d": eta_d, "p_exist": p_exist, "e_exist": e_exist,
                                      "min_d": s.min_duration_h, "max_d": s.max_duration_h})

    # -- linopy pieces

    def _var(self, component, attr):
        return self.n.model[f"{component}-{attr}"]

    def capacity(self, asset):
        """(linopy terms list, constant) of installed power (MW) in Y."""
        comp, name, ext, exist = self.assets[asset]["power"]
        if not ext:
            return [], exist
        return [(self._var(comp, "p_nom").sel(name=name), 1.0)], 0.0

    def energy(self, asset):
        e = self.assets[asset].get("energy")
        comp, name, ext, exist, hours = e
        if comp == "StorageUnit":
            if not ext:
                return [], exist * hours
            return [(self._var(comp, "p_nom").sel(name=name), hours)], 0.0
        if not ext:
            return [], exist
        return [(self._var("Store", "e_nom").sel(name=name), 1.0)], 0.0

    def new_since(self, asset, since, energy=False):
        """(terms, constant): capacity or energy built from ``since`` and standing in Y (gridplan's new_since)."""
        from gridplan.model.capacity import existing_mw, existing_mwh, rule_retired_mw, standing_blocks

        a = self.assets[asset]["obj"]
        terms, const = ([], 0.0)
        if since <= self.Y:
            t, c = self.energy(asset) if energy else self.capacity(asset)
            # new = installed - existing (the existing part is the constant c when not extendable)
            if rule_retired_mw(self.case.policies, a, self.Y):
                raise SystemExit(f"pypsa_compare: {asset} counts towards a pairing rule and has a retirement rule; not mapped")
            exist = existing_mwh(a, self.Y, a.min_duration_h) if energy else existing_mw(a, self.Y, self.case.policies)
            terms, const = t, (c - exist)
        for unit in standing_blocks(a, self.Y, self.case.policies):
            if unit.built_year is not None and unit.built_year >= since:
                if energy:
                    const += unit.mwh if unit.mwh is not None else unit.mw * getattr(a, "min_duration_h", 0.0)
                else:
                    const += unit.mw
        return terms, const

    @staticmethod
    def expr(terms):
        """A linopy expression from (0-d variable or expression, coefficient) pairs."""
        out = None
        for var, coef in terms:
            e = coef * var
            out = e if out is None else out + e
        return out

    def members(self, refs, families=None, nodes=None):
        out = []
        for name, info in self.assets.items():
            if families is not None and info["family"] not in families:
                continue
            if nodes is not None and info["node"] not in nodes:
                continue
            if name in refs or any(g in refs for g in info["groups"]):
                out.append(name)
        return out

    def extra_functionality(self, n, sns):
        m = n.model
        self.objective_extra = []
        p_gen = m["Generator-p"]
        first, last = self.sns[0], self.sns[-1]
        # cyclic ramp: the wrap-around pair PyPSA leaves out at the first snapshot
        for gen, r, ext, exist in self.ramp:
            p0, pn = p_gen.sel(snapshot=first, name=gen), p_gen.sel(snapshot=last, name=gen)
            if ext:
                cap = m["Generator-p_nom"].sel(name=gen)
                m.add_constraints(p0 - pn - r * cap <= 0, name=f"ramp_wrap_up {gen}")
                m.add_constraints(pn - p0 - r * cap <= 0, name=f"ramp_wrap_down {gen}")
            else:
                m.add_constraints(p0 - pn <= r * exist, name=f"ramp_wrap_up {gen}")
                m.add_constraints(pn - p0 <= r * exist, name=f"ramp_wrap_down {gen}")
        import xarray as xr

        weights = xr.DataArray(self.weights, coords={"snapshot": self.sns})
        self.weighted_energy = lambda gen: (p_gen.sel(name=gen) * weights).sum("snapshot")
        # DR energy budget
        for gen, hours in self.dr_budget:
            m.add_constraints(self.weighted_energy(gen) - hours * m["Generator-p_nom"].sel(name=gen) <= 0,
                              name=f"dr_budget {gen}")
        # DR shifting payback windows
        from gridplan.model.demand_response import shift_windows

        for down, up, window in self.shift:
            for k, win in enumerate(shift_windows(self.T, window)):
                idx = self.sns[list(win)]
                m.add_constraints(p_gen.sel(name=down, snapshot=idx).sum() + p_gen.sel(name=up, snapshot=idx).sum() == 0,
                                  name=f"shift_payback {down} {k}")
        # storage: discharge power tied to charge power; new energy within the duration range
        for s in self.storage_rows:
            pc = m["Link-p_nom"].sel(name=f"{s['name']}_charge")
            pd_ = m["Link-p_nom"].sel(name=f"{s['name']}_discharge")
            e = m["Store-e_nom"].sel(name=s["name"])
            m.add_constraints(pc - s["eta_d"] * pd_ == 0, name=f"storage_power_tie {s['name']}")
            m.add_constraints(e - s["min_d"] * pc >= s["e_exist"] - s["min_d"] * s["p_exist"], name=f"min_duration {s['name']}")
            m.add_constraints(e - s["max_d"] * pc <= s["e_exist"] - s["max_d"] * s["p_exist"], name=f"max_duration {s['name']}")
        # policies
        for policy in self.case.policies:
            getattr(self, f"_policy_{policy.type}")(m, policy)
        if self.objective_extra:
            m.add_objective(m.objective.expression + self.expr(self.objective_extra), overwrite=True)

    def _row(self, m, name, terms, const, sense, rhs, policy):
        """terms + const (sense) rhs, with a priced shortfall when the policy is soft (gridplan's _row)."""
        if policy.hard and not terms:
            holds = const >= rhs - 1e-9 if sense == ">=" else const <= rhs + 1e-9
            if not holds:
                raise SystemExit(f"hard target {name} cannot hold")
            return
        terms = list(terms)
        if not policy.hard:
            short = m.add_variables(lower=0.0, name=f"shortfall {name}")
            terms.append((short, 1.0 if sense == ">=" else -1.0))
            self.objective_extra.append((short, policy.penalty_cny_per_unit * COST))
        lhs = self.expr(terms)
        con = lhs >= rhs - const if sense == ">=" else lhs <= rhs - const
        m.add_constraints(con, name=f"policy {name}")

    def _nodes(self, policy):
        return set(policy.nodes) if policy.nodes else set(self.case.nodes)

    def _sum(self, pieces):
        terms, const = [], 0.0
        for t, c in pieces:
            terms += t
            const += c
        return terms, const

    def _policy_min_capacity(self, m, p, sense=">="):
        assets = self.members(p.assets, nodes=self._nodes(p))
        terms, const = self._sum(self.capacity(a) for a in assets)
        self._row(m, p.name, terms, const, sense, p.mw, p)

    def _policy_max_capacity(self, m, p):
        self._policy_min_capacity(m, p, "<=")

    def _policy_min_storage_energy(self, m, p):
        assets = self.members(p.assets, ("storage",), self._nodes(p))
        terms, const = self._sum(self.energy(a) for a in assets)
        self._row(m, p.name, terms, const, ">=", p.mwh, p)

    def _policy_storage_pairing(self, m, p):
        nodes = self._nodes(p)
        eligible = self.members(p.eligible, ("generator",), nodes)
        storage = self.members(p.storage, ("storage",), nodes)
        vt, vc = self._sum(self.new_since(a, p.since_year) for a in eligible)
        for suffix, energy, factor in (("power", False, p.ratio), ("energy", True, p.ratio * p.duration_h)):
            st, sc = self._sum(self.new_since(s, p.since_year, energy) for s in storage)
            terms = st + [(v, -factor * c) for v, c in vt]
            self._row(m, f"{p.name}.{suffix}", terms, sc - factor * vc, ">=", 0.0, p)

    def _policy_dr_capability(self, m, p):
        nodes = self._nodes(p)
        drs = [d.name for d in self.case.demand_response if d.node in nodes]
        terms = [(m["Generator-p_nom"].sel(name=d), 1.0) for d in drs]
        peak = sum(self.data.peak_mw[(nd, self.Y)] for nd in nodes)
        self._row(m, p.name, terms, 0.0, ">=", p.fraction_of_peak * peak, p)

    def _policy_share(self, m, p, flag):
        nodes = self._nodes(p)
        families = ("generator", "storage") if p.include_storage else ("generator",)
        every = [a for a, i in self.assets.items() if i["family"] in families and i["node"] in nodes]
        terms, const = [], 0.0
        for a in every:
            t, c = self.capacity(a)
            k = (1.0 if self.assets[a][flag] else 0.0) - p.share
            terms += [(v, k * coef) for v, coef in t]
            const += k * c
        self._row(m, p.name, terms, const, ">=", 0.0, p)

    def _policy_clean_share(self, m, p):
        self._policy_share(m, p, "clean")

    def _policy_non_fossil_share(self, m, p):
        self._policy_share(m, p, "non_fossil")

    def _policy_co2_cap(self, m, p):
        terms = [(self.weighted_energy(g), co2) for g, co2 in self.emitters]
        self._row(m, p.name, terms, 0.0, "<=", p.tonnes, p)

    def _policy_retirement(self, m, p):
        from gridplan.model.capacity import existing_mw

        terms, const = self.capacity(p.asset)
        gen = next(g for g in self.case.generators if g.name == p.asset)
        self._row(m, p.name, terms, const, "<=", existing_mw(gen, self.Y, self.case.policies), p)

    def _policy_co2_price(self, m, p):
        pass  # folded into marginal costs when the network is built


def run_pypsa(case, config: str) -> dict:
    """config: default | simplex | ipm, optionally with '+direct' (linopy's in-memory highspy route)."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    import linopy.solvers as ls
    import pypsa

    from gridplan.inputs import prepare

    try:
        pypsa.options.api.legacy_string_dtype = True  # today's behaviour; silences the pandas-3 FutureWarning
    except Exception:
        pass
    run_s = {}
    orig = ls._run_highs_with_keyboard_interrupt

    def timed_run(h):
        t, c = time.perf_counter(), time.process_time()
        orig(h)
        run_s["solve"] = time.perf_counter() - t
        run_s["solve_cpu"] = time.process_time() - c
        info = h.getInfo()
        run_s["iterations"] = {"simplex": info.simplex_iteration_count, "ipm": info.ipm_iteration_count,
                               "crossover": info.crossover_iteration_count}
        run_s["size"] = {"cols": h.getNumCol(), "rows": h.getNumRow(), "nnz": h.getNumNz()}
        run_s["highs_objective"] = h.getObjectiveValue()

    ls._run_highs_with_keyboard_interrupt = timed_run

    method, _, io = config.partition("+")
    solver_options = {"default": {}, "simplex": gridplan_highs_options("simplex"),
                      "ipm": gridplan_highs_options("ipm")}[method]
    io_api = "direct" if io == "direct" else None

    c0, t0 = time.process_time(), time.perf_counter()
    data = prepare(case)
    t1 = time.perf_counter()
    pb = PypsaBuild(data)
    n = pb.n
    # what n.optimize(solver_name="highs", extra_functionality=...) does, step by step, to time each step
    n.consistency_check(strict=["unknown_buses", "maintenance", "phase_shift_bounds"])
    m = n.optimize.create_model(consistency_check=False, include_objective_constant=True)
    pb.extra_functionality(n, n.snapshots)
    c2, t2 = time.process_time(), time.perf_counter()
    status, condition = m.solve(solver_name="highs", io_api=io_api, **solver_options)
    c3, t3 = time.process_time(), time.perf_counter()
    if status == "ok":
        n.optimize.assign_solution()
        n.optimize.assign_duals(False)
        n.optimize.post_processing()
    c4, t4 = time.process_time(), time.perf_counter()
    solve_cpu = run_s.get("solve_cpu", float("nan"))
    caps = {}
    if status == "ok":
        for c, attr in (("generators", "p_nom_opt"), ("links", "p_nom_opt"), ("stores", "e_nom_opt"),
                        ("storage_units", "p_nom_opt")):
            df = getattr(n, c)
            ext = df.index[df[attr.replace("_opt", "_extendable")]] if len(df) else []
            for name in ext:
                caps[f"{c}.{name}"] = float(df.at[name, attr])
    obj = float(n.objective) if status == "ok" else None
    solve = run_s.get("solve", float("nan"))
    return {
        "status": condition,
        "objective": obj,
        "constant": float(n.objective_constant),
        "compared_objective": obj,
        "timings": {
            "inputs": t1 - t0,
            "build": t2 - t1,
            "handoff": (t3 - t2) - solve,
            "solve": solve,
            "readback": t4 - t3,
            "total": t4 - t0,
        },
        "cpu": {"inputs+build": c2 - c0, "handoff": (c3 - c2) - solve_cpu, "solve": solve_cpu,
                "readback": c4 - c3, "total": c4 - c0},
        "size": run_s.get("size", {}),
        "iterations": run_s.get("iterations", {}),
        "capacities": caps,
        "versions": {"pypsa": pypsa.__version__, "linopy": __import__("linopy").__version__},
    }


# ----------------------------------------------------------------------------- driver


def worker(args) -> None:
    base = current_rss_mb()
    case, year, notes = load_restricted(args.case, args.year, args.days, args.start, args.simplify, args.clone_nodes)
    side, _, config = args.worker.partition(":")
    out = run_gridplan(case, config) if side == "gridplan" else run_pypsa(case, config)
    out.update({"side": side, "config": config, "peak_rss_mb": rss_mb(), "start_rss_mb": base, "notes": notes,
                "load_after": loadavg()})
    print("RESULT " + json.dumps(out))


def run_one(args, label: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), args.case, "--worker", label]
    for flag, value in (("--year", args.year), ("--days", args.days), ("--start", args.start)):
        if value is not None:
            cmd += [flag, str(value)]
    if args.simplify:
        cmd.append("--simplify")
    if args.clone_nodes > 1:
        cmd += ["--clone-nodes", str(args.clone_nodes)]
    load = loadavg()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO))
    wall = time.perf_counter() - t
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
        return {"side": label.split(":")[0], "config": label.split(":")[1], "status": f"failed ({proc.returncode})",
                "load_before": load, "process_wall_s": wall}
    res = json.loads(lines[-1][7:])
    res["load_before"] = load
    res["process_wall_s"] = wall
    return res


def configs(methods: list[str], direct: bool) -> list[str]:
    out = [f"gridplan:{m}" for m in methods]
    out.append("pypsa:default")
    out += [f"pypsa:{m}" for m in methods]
    if direct:
        out += [f"pypsa:{m}+direct" for m in methods]
    return out


def describe(label_cfg: str, side: str) -> str:
    if side == "gridplan":
        return {"simplex": "gridplan default (dual simplex; block start on LPs of 100,000 rows or more)", "ipm": "gridplan, ipm + crossover"}[label_cfg]
    method, _, io = label_cfg.partition("+")
    text = {"default": "PyPSA defaults: n.optimize(solver_name='highs')",
            "simplex": "PyPSA with gridplan's HiGHS options (dual simplex, Dantzig pricing)",
            "ipm": "PyPSA with gridplan's ipm options (ipm + crossover)"}[method]
    return text + (", io_api='direct'" if io else (", LP file" if method != "default" else " (LP file)"))


def table(results: list[dict], reference: float | None) -> str:
    head = ("| run | inputs s | build s | handoff s | HiGHS s | readback s | total s | peak RSS MB | "
            "simplex / ipm / crossover it | rel. obj. diff vs gridplan simplex | load before | "
            "CPU s: inputs+build / handoff / HiGHS / total |")
    lines = [head, "|" + "---|" * 12]
    for r in results:
        if "timings" not in r:
            lines.append(f"| {describe(r['config'], r['side'])} | {r['status']} |" + " |" * 10)
            continue
        t = r["timings"]
        it = r.get("iterations", {})
        diff = ""
        if reference and r.get("compared_objective") is not None:
            diff = f"{abs(r['compared_objective'] - reference) / abs(reference):.1e}"
        lines.append(
            f"| {describe(r['config'], r['side'])} | {t['inputs']:.2f} | {t['build']:.2f} | {t['handoff']:.2f} | "
            f"{t['solve']:.1f} | {t['readback']:.2f} | {t['total']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{it.get('simplex', '')} / {it.get('ipm', '')} / {it.get('crossover', '')} | {diff} | {r['load_before']} | "
            + (" / ".join(f"{r['cpu'][k]:.1f}" for k in ("inputs+build", "handoff", "solve", "total")) if "cpu" in r else "")
            + " |"
        )
    return "\n".join(lines)


def ratios(results: list[dict]) -> str:
    g = {r["config"]: r for r in results if r["side"] == "gridplan" and "timings" in r}
    p = {r["config"]: r for r in results if r["side"] == "pypsa" and "timings" in r}
    out = [("| gridplan run / PyPSA run | model total (excl. inputs) ratio | build+handoff ratio | HiGHS ratio | "
            "peak RSS ratio | CPU total ratio |"),
           "|---|---|---|---|---|---|"]
    for gk, gr in g.items():
        for pk, pr in p.items():
            if pk.partition("+")[0] not in (gk, "default"):
                continue
            gt, pt = gr["timings"], pr["timings"]

            def model_total(t):
                return t["total"] - t["inputs"]

            out.append(
                f"| {gk} / {pk} | {model_total(gt) / model_total(pt):.2f} | "
                f"{(gt['build'] + gt['handoff']) / (pt['build'] + pt['handoff']):.2f} | "
                f"{gt['solve'] / pt['solve']:.2f} | {gr['peak_rss_mb'] / pr['peak_rss_mb']:.2f} | "
                + (f"{gr['cpu']['total'] / pr['cpu']['total']:.2f}" if "cpu" in gr and "cpu" in pr else "")
                + " |"
            )
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("--year", type=int, default=None, help="planning year (default: the case's last)")
    ap.add_argument("--days", type=int, default=None, help="model N days instead of the case's hours")
    ap.add_argument("--start", default=None, help="first day MM-DD with --days")
    ap.add_argument("--methods", default="simplex,ipm", help="HiGHS methods run on both sides (simplex, ipm)")
    ap.add_argument("--no-direct", action="store_true", help="skip PyPSA with linopy's in-memory io_api='direct'")
    ap.add_argument("--only", default=None, help="comma-separated run labels, e.g. gridplan:simplex,pypsa:default")
    ap.add_argument("--simplify", action="store_true",
                    help="drop features with no clean PyPSA equivalent (unit commitment) on BOTH sides")
    ap.add_argument("--clone-nodes", type=int, default=1,
                    help="clone a single-node case into N linked nodes (as bench/scaling.py) to test links")
    ap.add_argument("--json", default=None, help="write all results to this JSON file")
    ap.add_argument("--tol", type=float, default=1e-6, help="relative objective tolerance")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args)
        return 0

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    labels = args.only.split(",") if args.only else configs(methods, not args.no_direct)
    case, year, notes = load_restricted(args.case, args.year, args.days, args.start, args.simplify, args.clone_nodes)
    print(f"# {args.case} year {year}, {'%d days' % args.days if args.days else 'case hours'}; "
          f"{os.cpu_count()} cpus; load {loadavg()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for note in notes:
        print("# " + note)
    results = []
    for label in labels:
        r = run_one(args, label)
        results.append(r)
        t = r.get("timings", {})
        print(f"  {label:24s} status={r.get('status')} obj={r.get('objective')} total={t.get('total', float('nan')):.1f}s "
              f"HiGHS={t.get('solve', float('nan')):.1f}s peakRSS={r.get('peak_rss_mb', float('nan')):.0f}MB "
              f"load={r['load_before']}", flush=True)
    ref = next((r for r in results if r["side"] == "gridplan" and "compared_objective" in r), None)
    reference = ref["compared_objective"] if ref else None
    print()
    if ref:
        first_p = next((r for r in results if r["side"] == "pypsa" and r.get("objective") is not None), None)
        print(f"gridplan objective {ref['objective']:.9g} M CNY = {reference:.9g} (new build + operation) "
              f"+ {ref['constant']:.9g} (constant: fixed O&M on existing capacity, the LP offset)")
        if first_p:
            print(f"PyPSA objective {first_p['objective']:.9g} M CNY (objective_constant {first_p['constant']:.9g} "
                  "= capital_cost x existing p_nom of extendable assets, already subtracted)")
        sizes = {f"{r['side']}:{r['config']}": r.get("size") for r in results if r.get("size")}
        print("LP sizes handed to HiGHS (before presolve): " + json.dumps(sizes))
    print()
    print(table(results, reference))
    print()
    print(ratios(results))
    bad = [f"{r['side']}:{r['config']}" for r in results
           if r.get("compared_objective") is None
           or (reference and abs(r["compared_objective"] - reference) > args.tol * abs(reference))]
    if args.json:
        Path(args.json).write_text(json.dumps({"case": args.case, "year": year, "days": args.days, "notes": notes,
                                               "results": results}, indent=1))
    if bad:
        print(f"\nOBJECTIVES DISAGREE (> {args.tol:g} relative) or runs failed: {bad}")
        return 1
    print(f"\nall objectives agree to {args.tol:g} relative")
    return 0


if __name__ == "__main__":
    sys.exit(main())
