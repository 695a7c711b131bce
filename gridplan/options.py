"""Solver options, kept free of heavy imports so the command line can read its defaults quickly."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Default HiGHS method. Measured on the Dongguan case (bench/README.md, CPU seconds): 2030 at 8760 h,
#: dual simplex 9.6 s vs interior point + crossover 18.9 s; both years, 41 s vs 168 s.
DEFAULT_METHOD = "simplex"

#: HiGHS ``solver`` option for each method name gridplan accepts.
METHODS = {"simplex": "simplex", "ipm": "ipm", "pdlp": "pdlp", "choose": "choose"}

#: Dual simplex pricing rule (HiGHS ``simplex_dual_edge_weight_strategy``) for each name gridplan accepts;
#: ``auto`` is resolved by :func:`pricing_for`.
SIMPLEX_PRICING = {"auto": None, "choose": -1, "dantzig": 0, "devex": 1, "steepest": 2}

#: Default pricing for LPs: gridplan picks by the kind of LP (:data:`AUTO_PRICING`).
DEFAULT_SIMPLEX_PRICING = "auto"

#: What ``auto`` picks. HiGHS alone on the same LPs (bench/README.md, "Choosing the simplex pricing"):
#: hours in sequence (a full year or a window): Dongguan 2030 at 8760 h, Dantzig 3.0 s against 10.4 s
#: for HiGHS's own choice (steepest edge) and 3.4 s for Devex; both years, 7.4 s against 47.3 s (Devex
#: 42.4 s): cheap iterations win on these LPs, whose many hourly rows each move little per pivot.
#: Representative days (state of charge carried through the 365-day sequence): Devex 11.8 s against
#: Dantzig 18.5 s over the five cities at 12 and 24 days, faster in 8 of the 10.
AUTO_PRICING = {"hours": "dantzig", "representative days": "devex"}

#: HiGHS options for the finish of a restricted start (``gridplan.restricted_start``): primal simplex,
#: since the restricted optimum stays primal feasible once its columns are freed. Over the five cities
#: at 12 and 24 representative days, HiGHS alone: 3.1 s, against 3.9 s finishing by dual simplex and
#: 9.6 s solving cold (bench/README.md, "restricted_start.py"). A ``simplex_strategy`` of the user's wins.
RESTRICTED_FINISH = {"simplex_strategy": 4}

#: HiGHS options for an LP re-solved from a basis it holds (a rule priced warm, a sweep neighbour):
#: dual simplex without cost perturbation. A perturbed re-solve ends optimal for the perturbed costs
#: and then cleans up by primal simplex on the unpresolved LP; pricing the Shajiao retirement warm took
#: 0.71 s and 11,262 iterations with it, 0.21 s and 1,825 without (bench/README.md, "fast_studies.py").
#: The block start's finishes (``gridplan.blockstart.FINISHES``) add their pricing to these. In a plain
#: re-solve (``HighsSession``) an option of the user's of the same name wins.
FROM_BASIS = {"dual_simplex_cost_perturbation_multiplier": 0.0}


def pricing_for(name: str, representative_days: bool) -> str:
    """The pricing rule a solve uses: ``name``, or what ``auto`` picks for this kind of LP."""
    if name != "auto":
        return name
    return AUTO_PRICING["representative days" if representative_days else "hours"]


#: Choices of :attr:`SolveOptions.block_start`, and the default.
BLOCK_START = ("auto", "on", "off")
DEFAULT_BLOCK_START = "auto"

#: Modelled hours per block of a block start: an eighth of a year. Against a quarter, the windows of
#: Dongguan's two years took 2.3 s instead of 4.5 s, Zhaoqing's 2.5 s instead of 6.8 s, and every
#: block start of the five cities ended sooner (bench/README.md, "Block start").
DEFAULT_BLOCK_HOURS = 1095


@dataclass
class SolveOptions:
    """Options for HiGHS.

    Attributes
    ----------
    method : str
        ``simplex`` (dual simplex, the default), ``ipm`` (interior point,
        then crossover to a vertex: exact duals), ``pdlp`` or ``choose``.
    time_limit_s : float | None
        Wall-clock limit in seconds.
    mip_gap : float | None
        Relative MIP gap at which to stop.
    threads : int | None
        Threads HiGHS may use.
    crossover : bool
        With ``ipm``: run crossover (needed for a basic solution).
    verbose : bool
        Print HiGHS's log.
    simplex_pricing : str
        Dual simplex pricing for LPs: ``auto`` (the default: Dantzig for
        hours in sequence, Devex for representative days, each measured
        fastest on its kind), ``dantzig``, ``devex``, ``steepest`` or
        ``choose`` (HiGHS decides).
        MIPs keep HiGHS's own choice for their many small warm re-solves.
    extra : dict
        Any further HiGHS options by name (``{"presolve": "off"}``); they
        override gridplan's settings.
    block_start : str
        How a cold simplex solve of an LP starts (``gridplan.blockstart``):
        ``auto`` (the default) starts from the joined bases of windows of
        hours solved in parallel, then races the finishes from there
        (LPs of at least ``gridplan.blockstart.MIN_ROWS`` rows; smaller
        ones start cold, or from a restricted start where the model names
        columns for one: ``gridplan.restricted_start``, representative
        days); ``on`` always starts from the windows; ``off`` always
        starts cold.
    block_hours : int
        Modelled hours per block (each planning year is cut into
        ``n_hours // block_hours`` windows).
    """

    method: str = DEFAULT_METHOD
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    crossover: bool = True
    verbose: bool = False
    simplex_pricing: str = DEFAULT_SIMPLEX_PRICING
    extra: dict = field(default_factory=dict)
    block_start: str = DEFAULT_BLOCK_START
    block_hours: int = DEFAULT_BLOCK_HOURS
