"""gridplan: hourly capacity-expansion planning of a city's power system against its carbon-peaking targets.

The public API (``load_case``, ``solve``, ``solve_myopic``, ``write_result``,
``Result``, the errors) is imported on first use, so that the command line
starts fast.
"""

from gridplan._lazy import lazy_exports
from gridplan._startup import skip_pyomo_scipy_extras

skip_pyomo_scipy_extras()

_EXPORTS = {
    "Case": "gridplan.case",
    "load_case": "gridplan.case",
    "solve": "gridplan.api",
    "solve_myopic": "gridplan.api",
    "write_result": "gridplan.output",
    "Result": "gridplan.result",
    "GridplanError": "gridplan.errors",
    "InputError": "gridplan.errors",
    "InputErrors": "gridplan.errors",
    "SolveError": "gridplan.errors",
    "sweep": "gridplan",  # the package gridplan.sweep, callable as gridplan.sweep(base, grid=..., out=...)
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"
