"""Errors that gridplan reports to the user without a traceback.

A :class:`InputError` names the file, the field and the fix, so the command
line can print it as one line and exit with code 2.
"""

from __future__ import annotations


class GridplanError(Exception):
    """Base class of every error gridplan raises on purpose."""


class InputError(GridplanError):
    """A user mistake in an input file (case, weather, profile, sweep).

    Parameters
    ----------
    file : str
        Path of the file at fault (or ``"<input>"`` when there is none).
    field : str
        Dotted path of the field at fault, e.g. ``generators.pv.capex_cny_per_kw``;
        empty when the whole file is at fault.
    problem : str
        What is wrong, including the offending value.
    fix : str
        What the user should do about it.
    """

    def __init__(self, file: str, field: str, problem: str, fix: str = ""):
        self.file = str(file)
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """The error as one line: ``file: field: problem (fix: ...)``."""
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        tail = f" Fix: {self.fix}" if self.fix else ""
        stop = "" if self.problem.endswith(".") else "."
        return f"{where}{self.problem}{stop}{tail}"


class InputErrors(GridplanError):
    """Several input problems found at once (validation collects them all)."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(e.line() for e in self.errors))


class SolveError(GridplanError):
    """The solver could not produce a usable solution (infeasible, error...)."""


class InfeasibleError(SolveError):
    """The targets and limits of a case cannot all hold; the message says which."""
