"""gridplan: hourly capacity-expansion planning of a city's power system against its carbon-peaking targets."""

from gridplan.api import solve, solve_myopic
from gridplan.case import Case, load_case
from gridplan.errors import GridplanError, InputError, InputErrors, SolveError
from gridplan.output import write_result
from gridplan.result import Result

__all__ = ["Case", "GridplanError", "InputError", "InputErrors", "Result", "SolveError", "load_case", "solve", "solve_myopic", "write_result"]
__version__ = "0.1.0"
