"""What runs in a worker: validate one scenario's case, solve it, hand back the result.

The worker never writes files and never raises: it returns an
:class:`Outcome` that says ``done`` (with the :class:`~gridplan.result.Result`)
or ``failed`` (with the error). Writing happens in the driving process only,
so results need no shared file system when they come from a Dask cluster,
and a worker that dies mid-write cannot leave half a result behind.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field

from gridplan.carried_basis import CarriedBasis
from gridplan.errors import GridplanError, InputError, InputErrors
from gridplan.highs import WarmStarts
from gridplan.result import Result
from gridplan.sweep.spec import Scenario


@dataclass
class Outcome:
    """How one scenario ended.

    Attributes
    ----------
    name : str
    status : str
        ``done`` or ``failed``.
    result : Result or None
        The solve (``done`` only).
    error_type : str
        ``InputErrors`` (the case is invalid after the overrides), ``SolveError``
        (infeasible or no solution), ``WorkerCrashed`` (the worker process died),
        or the Python exception's name for a bug.
    error : str
        One line per problem.
    traceback : str
        For unexpected exceptions only.
    elapsed_s : float
        Wall time in the worker, seconds.
    cpu_s : float
        CPU time of the worker process while it ran the scenario, seconds
        (with ``elapsed_s``, tells a slow solve from a busy machine).
    worker : str
        ``host:pid`` of the worker that ran it.
    """

    name: str
    status: str
    result: Result | None = None
    error_type: str = ""
    error: str = ""
    traceback: str = ""
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @classmethod
    def crashed(cls, name: str, detail: str) -> Outcome:
        """The scenario's worker process died (killed, out of memory, segfault, os._exit)."""
        return cls(name=name, status="failed", error_type="WorkerCrashed", error=detail, worker="")


#: Optimal bases of this worker's earlier LP solves: a scenario with the same structure as one
#: solved before (a neighbour in the sweep) starts from its basis.
_WARM_STARTS = WarmStarts()
#: The last optimum, by the names of its columns and rows: a scenario of another structure (a rule
#: left out, an asset added) takes the statuses it shares with it in its block start.
_CARRIED = CarriedBasis()


def solve_scenario(scenario: Scenario) -> Result:
    """Validate and solve one scenario; raise on any failure.

    Raises
    ------
    InputErrors
        The case is not valid after the scenario's overrides.
    SolveError
        Infeasible, or the solver stopped without a solution.
    """
    from gridplan.api import require_solution, solve, solve_myopic
    from gridplan.case import parse_case
    from gridplan.rules import target_report

    file = f"{scenario.case_file} (scenario {scenario.name})"
    case = parse_case(scenario.case_raw, file, scenario.base_dir)
    s = dict(scenario.solve)
    myopic = s.pop("myopic", False)
    warm = s.pop("warm_start", True)
    warm_starts, carried = (_WARM_STARTS, _CARRIED) if warm else (None, None)
    if scenario.cost_of_rules:
        year, days = s.pop("year"), s.pop("days")
        method = s.pop("method")
        return target_report(case, year=year, days=days, method=method, **s)
    if myopic:
        return solve_myopic(case, warm_starts=warm_starts, **s)
    return require_solution(solve(case, warm_starts=warm_starts, carried_basis=carried, **s))


def run_scenario(scenario: Scenario) -> Outcome:
    """Run one scenario and report how it ended; never raises (except KeyboardInterrupt)."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        result = solve_scenario(scenario)
        return Outcome(name=scenario.name, status="done", result=result, elapsed_s=time.perf_counter() - t0,
                       cpu_s=time.process_time() - c0)
    except InputErrors as exc:
        kind, message, tb = "InputErrors", "\n".join(e.line() for e in exc.errors), ""
    except InputError as exc:
        kind, message, tb = "InputErrors", exc.line(), ""
    except GridplanError as exc:
        kind, message, tb = type(exc).__name__, str(exc), ""
    except Exception as exc:  # noqa: BLE001 - a bug in one scenario must not stop the sweep; the traceback is kept
        kind, message, tb = type(exc).__name__, f"{type(exc).__name__}: {exc}", traceback.format_exc()
    return Outcome(name=scenario.name, status="failed", error_type=kind, error=message, traceback=tb,
                   elapsed_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0)
