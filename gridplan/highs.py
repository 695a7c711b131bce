"""Hand a pyomo model to HiGHS in memory and bring the solution back.

Route (measured fastest here, see bench/README.md): ``gridplan.compiler``
turns the model into numpy arrays (``gridplan.lp.LPData``), which go to
HiGHS's array ``passModel``, without any LP file. Primal values are written back
into the pyomo variables; row duals are kept per pyomo constraint, and per
``(block name, key)`` for the array rows whose block keeps its duals (the
balance).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import highspy
import numpy as np
import pyomo.environ as pyo

from gridplan import blockstart as bs
from gridplan import restricted_start as rs
from gridplan.carried_basis import CarriedBasis
from gridplan.compiler import to_highs_lp  # noqa: F401  (re-exported: gridplan.diagnose and the tests use it from here)
from gridplan.errors import InputError
from gridplan.model.core import held_first, models_representative_days
from gridplan.options import (  # noqa: F401  (re-exported)
    BLOCK_START, DEFAULT_METHOD, FROM_BASIS, METHODS, RESTRICTED_FINISH, SIMPLEX_PRICING, SolveOptions, pricing_for)

@dataclass
class SolveOutcome:
    """What came back from HiGHS."""

    status: str  # optimal | infeasible | unbounded | time_limit | error
    message: str
    objective: float | None
    has_solution: bool
    duals: dict  # ConstraintData, or (array block name, key), -> dual (model units)
    timings_s: dict
    mip_gap: float | None = None
    mip_bound: float | None = None
    n_columns: int = 0
    n_rows: int = 0
    n_nonzeros: int = 0
    #: simplex, ipm and crossover iterations, and branch-and-bound nodes of this run
    iterations: dict = field(default_factory=dict)
    #: the run started from the optimal basis of an earlier, structurally identical LP
    warm_started: bool = False
    #: what the block start did (``gridplan.blockstart.BlockStartReport.as_dict``), or None
    block_start: dict | None = None
    #: what the restricted start did (``gridplan.restricted_start.RestrictedStartReport.as_dict``), or None
    restricted_start: dict | None = None


def _status_name(status) -> str:
    S = highspy.HighsModelStatus
    if status == S.kOptimal:
        return "optimal"
    if status in (S.kInfeasible,):
        return "infeasible"
    if status in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return "unbounded_or_infeasible"
    if status in (S.kTimeLimit, S.kIterationLimit):
        return "time_limit"
    if status == S.kInterrupt:
        return "interrupted"
    return "error"


class WarmStarts:
    """Optimal bases of earlier LP solves in this process, to start structurally identical LPs from.

    Neighbours in a sweep (a cost, a price or a limit changed) compile to
    LPs with the same columns and rows in the same order and differ only in
    numbers. Started from its neighbour's optimal basis, simplex often needs
    few or no iterations (bench/README.md, "Warm-started sweep neighbours").
    Any basis of the right size is valid to HiGHS, which iterates from it to
    an optimum, so a poor match costs time but never correctness. Where the
    optimum is not unique, a warm start may land on another optimal vertex
    (same cost, other dispatch).

    Parameters
    ----------
    keep : int
        How many structures to remember (oldest dropped first).
    """

    def __init__(self, keep: int = 4):
        self.keep = keep
        self._bases: dict[tuple, object] = {}

    @staticmethod
    def structure(session: HighsSession) -> tuple:
        """What must match for a basis to carry over: model components and their sizes, LP dimensions."""
        components = tuple(
            (c.name, len(c)) for c in session.model.component_objects((pyo.Var, pyo.Constraint), active=True)
        )
        return (session.lp.num_col, session.lp.num_row, session.lp.num_nonzeros, components)

    def basis_for(self, key: tuple):
        return self._bases.get(key)

    def remember(self, key: tuple, basis) -> None:
        self._bases.pop(key, None)
        self._bases[key] = basis
        while len(self._bases) > self.keep:
            self._bases.pop(next(iter(self._bases)))


class HighsSession:
    """A pyomo model held in one HiGHS instance, so it can be changed and re-solved warm.

    Re-solves after small changes (a rule relaxed, a bound moved) start from
    the previous basis, which HiGHS keeps between runs.
    """

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions | None = None,
                 warm_starts: WarmStarts | None = None, carried_basis: CarriedBasis | None = None):
        self.model = model
        self.options = options or SolveOptions()
        self.warm_starts = warm_starts
        #: its statuses stand in for block start windows, and it keeps this LP's optimal basis for the
        #: next LP (a myopic step, a sweep's next scenario)
        self.carried_basis = carried_basis
        t0 = time.perf_counter()
        self.compiled = to_highs_lp(model)
        self.lp, self.integer = self.compiled.lp, self.compiled.integer
        self.is_mip = bool(self.integer.any())
        t1 = time.perf_counter()
        self.pricing = pricing_for(self.options.simplex_pricing, models_representative_days(model))
        self.highs = _configured_highs(self.options, mip=self.is_mip, pricing=self.pricing)
        self.lp.pass_to(self.highs)
        self.timings_s = {"compile": t1 - t0, "handoff": time.perf_counter() - t1}
        self._rows: dict | None = None

    def rows_of(self, constraint) -> list[int]:
        """HiGHS row indices of a pyomo constraint (a ranged constraint has two); array rows have none here."""
        if self._rows is None:
            self._rows = {}
            for i, row in enumerate(self.compiled.pyomo_rows):
                self._rows.setdefault(row.constraint, []).append(i)
        return self._rows.get(constraint, [])

    def relax(self, constraints) -> dict[int, tuple[float, float]]:
        """Drop pyomo constraints' rows by freeing their bounds (keeps the basis valid); returns what to restore."""
        saved = {}
        inf = highspy.kHighsInf
        for con in constraints:
            for i in self.rows_of(con):
                saved[i] = (float(self.lp.row_lower[i]), float(self.lp.row_upper[i]))
                self.highs.changeRowBounds(i, -inf, inf)
        return saved

    def restore(self, saved: dict[int, tuple[float, float]]) -> None:
        """Put back row bounds taken away by :meth:`relax`."""
        for i, (lo, hi) in saved.items():
            self.highs.changeRowBounds(i, lo, hi)

    def run(self, write_back: bool = True) -> SolveOutcome:
        """Solve (warm from the last basis when there is one) and collect the outcome."""
        h = self.highs
        warm_started = self._start_from_neighbour()
        if self.options.method == "ipm" and h.getBasis().valid:
            # A valid basis is worth more than interior point on a re-solve.
            h.setOptionValue("solver", "simplex")
        t0 = time.perf_counter()
        block = self._block_start() if not warm_started and self._block_mode() else None
        restricted = None
        if block is None:
            restricted = self._cold_solve(h)
        h = self.highs  # the finish or race winner holds the optimum from now on
        t1 = time.perf_counter()
        status = h.getModelStatus()
        name = _status_name(status)
        if name == "interrupted":
            raise KeyboardInterrupt  # Ctrl-C reached HiGHS: stop, write nothing
        if name == "optimal" and not self.is_mip:
            self._remember_basis(h)
        sol_info = h.getInfo()
        has_solution = sol_info.primal_solution_status >= 2
        duals: dict = {}
        objective = None
        mip_gap = mip_bound = None
        if has_solution and self.is_mip:
            mip_gap, mip_bound = float(sol_info.mip_gap), float(sol_info.mip_dual_bound)
        if has_solution:
            objective = float(sol_info.objective_function_value)
            if write_back:
                sol = self._fixed_integer_lp() if self.is_mip else h.getSolution()
                for var, val in zip(self.compiled.columns, np.asarray(sol.col_value)):
                    var.set_value(float(val), skip_validation=True)
                if sol.dual_valid:
                    duals = self._duals(np.asarray(sol.row_dual))
        outcome = SolveOutcome(
            status=name,
            message=h.modelStatusToString(status),
            objective=objective,
            has_solution=bool(has_solution),
            duals=duals,
            timings_s={**self.timings_s, "solve": t1 - t0, "readback": time.perf_counter() - t1},
            n_columns=self.lp.num_col,
            n_rows=self.lp.num_row,
            n_nonzeros=self.lp.num_nonzeros,
        )
        outcome.mip_gap, outcome.mip_bound = mip_gap, mip_bound
        outcome.warm_started = warm_started
        outcome.block_start = block.as_dict() if block is not None else None
        outcome.restricted_start = restricted.as_dict() if restricted is not None else None
        outcome.iterations = {  # HiGHS reports -1 for a method that did not run
            "simplex": max(0, int(sol_info.simplex_iteration_count)),
            "ipm": max(0, int(sol_info.ipm_iteration_count)),
            "crossover": max(0, int(sol_info.crossover_iteration_count)),
            "mip_nodes": int(sol_info.mip_node_count) if self.is_mip else 0,
        }
        return outcome

    def _remember_basis(self, h: highspy.Highs) -> None:
        """Keep ``h``'s optimal basis for neighbours of the same structure (``warm_starts``) and the next LP
        (``carried_basis``: the next myopic step, or a sweep's next scenario)."""
        if self.warm_starts is None and self.carried_basis is None:
            return
        basis = h.getBasis()
        if self.warm_starts is not None:
            self.warm_starts.remember(self.structure, basis)
        if self.carried_basis is not None:
            self.carried_basis.remember(self.compiled, basis)

    def _duals(self, row_dual: np.ndarray) -> dict:
        """Row duals by pyomo constraint, and by ``(block name, key)`` for array rows that keep theirs."""
        duals: dict = {}
        for row, dual in zip(self.compiled.pyomo_rows, row_dual):
            duals[row.constraint] = duals.get(row.constraint, 0.0) + float(dual)
        for block, first in self.compiled.blocks:
            if block.keep_duals:
                values = row_dual[first:first + len(block)].tolist()
                duals.update(zip(((block.name, k) for k in block.keys), values))
        return duals

    @cached_property
    def structure(self) -> tuple:
        """This compiled LP's :meth:`WarmStarts.structure`, worked out once."""
        return WarmStarts.structure(self)

    def _start_from_neighbour(self) -> bool:
        """Load a remembered basis of the same structure when this instance has none of its own."""
        if self.warm_starts is None or self.is_mip or self.highs.getBasis().valid:
            return False
        basis = self.warm_starts.basis_for(self.structure)
        if basis is None:
            return False
        return self.highs.setBasis(basis) == highspy.HighsStatus.kOk

    def _block_mode(self) -> bool:
        """Whether this solve starts from a block start (``gridplan.blockstart``).

        Only a gridplan model's LP (not a MIP, nor its relaxation) solved by
        simplex from no basis; ``auto`` on LPs of at least
        ``blockstart.MIN_ROWS`` rows.
        """
        opts = self.options
        if (opts.block_start == "off" or getattr(self.model, "T", None) is None or self.integer.any()
                or opts.method != "simplex" or self.highs.getBasis().valid):
            return False
        return opts.block_start == "on" or self.lp.num_row >= bs.MIN_ROWS

    def _block_start(self):
        """Solve from a block start: the windows, then the finishes. Returns its report, or None to solve cold.

        A block start that fails (no window optimal, or an error, which is
        shown as a RuntimeWarning) leaves the LP to a cold solve.
        """
        report = bs.BlockStartReport(workers=self._workers)
        try:
            known = self.carried_basis.statuses(self.compiled) if self.carried_basis else None
            basis = bs.joined_start(self.lp, self._block_tags(), self._configure, self._workers, report, known)
            if basis is None:
                return None
            limit = {}
            if self.options.time_limit_s:  # the limit holds for blocks and finish together
                limit["time_limit"] = max(1.0, float(self.options.time_limit_s) - report.seconds)
            self.highs = bs.finish(self.highs, self.lp, basis, self._configure, self._workers, report, limit)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # the block start is only a way in: the cold solve still gives the answer
            self.highs.clearSolver()  # drop any joined basis it loaded: the solve is cold
            warnings.warn(f"block start failed ({type(exc).__name__}: {exc}); solving cold", RuntimeWarning,
                          stacklevel=2)
            return None
        return report

    def _cold_solve(self, h: highspy.Highs) -> rs.RestrictedStartReport | None:
        """Solve ``h`` as it stands (cold, or from the basis it holds) in a worker thread, so that Ctrl-C is heard.

        A cold LP whose model names columns to hold at zero first
        (representative days' storage, :func:`gridplan.model.core.held_first`)
        is solved by a restricted start; returns its report, or None.
        """
        held = self._held_columns(h)
        if held is None:
            # a basis is used by simplex: chosen, HiGHS's choice, or set for a re-solve of an interior point run
            from_basis = (not self.is_mip and h.getBasis().valid
                          and h.getOptionValue("solver")[1] in ("simplex", "choose"))
            options = {k: v for k, v in FROM_BASIS.items() if k not in self.options.extra} if from_basis else {}
            own = bs.set_options(h, options)
            try:
                bs.race(("warm" if from_basis else "cold", h))
            finally:
                bs.set_options(h, own)
            return None
        finish = {} if set(RESTRICTED_FINISH) & set(self.options.extra) else RESTRICTED_FINISH
        # With a core per year, the years are solved apart first; on one core that would only add a finish.
        apart = (self._year_tags(), self._configure, self._workers) if self._workers >= 2 else None
        return rs.solve(h, self.lp, held, finish, apart)

    def _held_columns(self, h: highspy.Highs) -> np.ndarray | None:
        """The columns a restricted start holds at zero, or None when this solve starts otherwise:
        not a cold simplex solve of an LP (nor a MIP's relaxation), ``block_start="off"``, or none named."""
        opts = self.options
        if (opts.block_start == "off" or opts.method != "simplex" or self.integer.any()
                or h.getBasis().valid):
            return None
        elements = held_first(self.model)
        if not elements:
            return None
        column = {id(v): j for j, v in enumerate(self.compiled.columns)}
        held = np.array([column[id(v)] for v in elements if id(v) in column], dtype=np.int32)
        return held if len(held) else None

    @property
    def _workers(self) -> int:
        return bs.workers(self.options.threads)

    def _configure(self) -> highspy.Highs:
        return _configured_highs(self.options, pricing=self.pricing)

    def _years(self) -> list[int]:
        return sorted({y for by_year, _ in self.compiled.hourly for y in by_year})

    def _block_tags(self) -> np.ndarray:
        """The window of hours (block) of each column, for a block start."""
        return bs.column_blocks(self.lp.num_col, self.compiled.hourly,
                                bs.hour_blocks(self._years(), len(self.model.T), self.options.block_hours))

    def _year_tags(self) -> np.ndarray:
        """The planning year (block) of each column, whatever its second index counts (hours, calendar days)."""
        longest = max((len(where) for by_year, _ in self.compiled.hourly for where in by_year.values()), default=0)
        return bs.column_blocks(self.lp.num_col, self.compiled.hourly,
                                {y: np.full(longest, k) for k, y in enumerate(self._years())})

    def run_relaxation(self) -> SolveOutcome:
        """Solve the MIP's LP relaxation (every integer made continuous) and write its values back.

        The integers are put back afterwards, so :meth:`run` then solves the MIP.
        """
        h = self.highs
        idx = np.flatnonzero(self.integer).astype(np.int32)
        h.changeColsIntegrality(len(idx), idx, np.zeros(len(idx), dtype=np.uint8))  # 0: continuous
        h.setOptionValue("simplex_dual_edge_weight_strategy", SIMPLEX_PRICING[self.pricing])
        self.is_mip = False
        try:
            return self.run()
        finally:
            self.is_mip = True
            h.setOptionValue("simplex_dual_edge_weight_strategy", SIMPLEX_PRICING["choose"])
            h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))  # 1: integer
            _apply_user_options(h, self.options)  # the user's options win, as in _configured_highs

    def _fixed_integer_lp(self):
        """Prices for a MIP: fix the integer decisions at their values and re-solve the LP for its duals."""
        h = self.highs
        x = np.asarray(h.getSolution().col_value)
        idx = np.flatnonzero(self.integer).astype(np.int32)
        values = np.round(x[idx])
        h.changeColsBounds(len(idx), idx, values, values)
        h.changeColsIntegrality(len(idx), idx, np.zeros(len(idx), dtype=np.uint8))  # 0: continuous
        h.run()
        sol = h.getSolution()
        # Put the MIP back as it was, so the session can be re-solved.
        h.changeColsBounds(len(idx), idx, self.lp.col_lower[idx], self.lp.col_upper[idx])
        h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))  # 1: integer
        return sol


def _configured_highs(options: SolveOptions, mip: bool = False, pricing: str | None = None) -> highspy.Highs:
    """A HiGHS instance set up by ``options``; ``pricing`` is the resolved simplex pricing (default: the options')."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    for name, value, allowed in (("method", options.method, METHODS), ("simplex_pricing", options.simplex_pricing, SIMPLEX_PRICING),
                                 ("block_start", options.block_start, BLOCK_START)):
        if value not in allowed:
            raise InputError("solver options", name, f"{value!r} is not one of {', '.join(allowed)}", f"give one of {', '.join(allowed)}")
    h.setOptionValue("solver", METHODS[options.method])
    if not mip:
        chosen = pricing_for(pricing or options.simplex_pricing, representative_days=False)
        h.setOptionValue("simplex_dual_edge_weight_strategy", SIMPLEX_PRICING[chosen])
    if options.method == "ipm":
        h.setOptionValue("run_crossover", "on" if options.crossover else "off")
    if options.time_limit_s:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    if options.mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    _apply_user_options(h, options)
    return h


def _apply_user_options(h: highspy.Highs, options: SolveOptions) -> None:
    """Set the user's own HiGHS options (``options.extra``), which override gridplan's settings."""
    for k, v in options.extra.items():
        if h.setOptionValue(k, v) != highspy.HighsStatus.kOk:
            raise InputError("solver options", k, f"HiGHS rejects {k}={v!r}", "check the option's name and value in the HiGHS options list")


def solve_model(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveOutcome:
    """Solve ``model`` with HiGHS; write primal values into its variables.

    Returns
    -------
    SolveOutcome
        Status, objective, duals per constraint and timings (seconds).
    """
    return HighsSession(model, options).run()
