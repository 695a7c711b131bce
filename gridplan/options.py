"""Solver options, kept free of heavy imports so the command line can read its defaults quickly."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Default HiGHS method. Measured on the Dongguan case (bench/README.md, CPU seconds): 2030 at 8760 h,
#: dual simplex 9.6 s vs interior point + crossover 18.9 s; both years, 41 s vs 168 s.
DEFAULT_METHOD = "simplex"

#: HiGHS ``solver`` option for each method name gridplan accepts.
METHODS = {"simplex": "simplex", "ipm": "ipm", "pdlp": "pdlp", "choose": "choose"}


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
    """

    method: str = DEFAULT_METHOD
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    crossover: bool = True
    verbose: bool = False
    extra: dict = field(default_factory=dict)
