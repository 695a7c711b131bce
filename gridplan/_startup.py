"""What gridplan does at import so that it starts fast.

pyomo completes the first ``import scipy`` in a process by also importing
``scipy.stats``, ``scipy.integrate`` and ``scipy.spatial``
(``pyomo.common.dependencies._finalize_scipy``, written for scipy versions
that did not load submodules on first use). gridplan needs none of them, and
they took 0.6 to 0.9 s of the 1.8 to 2.2 s that ``import gridplan.cli`` took
here: every command, test run and sweep worker paid it. scipy 1.11 and later
(gridplan's minimum) load a submodule when it is first used, so code that
reaches ``scipy.stats`` through pyomo still finds it. Where pyomo keeps its
hook under another name, nothing is changed and gridplan only starts slower.
"""

from __future__ import annotations

import sys


def skip_pyomo_scipy_extras() -> bool:
    """Drop pyomo's import of scipy's extra submodules, if scipy is not imported yet; returns whether it did."""
    if "scipy" in sys.modules:
        return False
    try:
        from pyomo.common import dependencies
    except ImportError:
        return False
    indicator = getattr(dependencies, "scipy_available", None)
    if indicator is None or getattr(indicator, "_callback", None) is not getattr(dependencies, "_finalize_scipy", object()):
        return False
    indicator._callback = None
    return True
