"""Scenario sweeps: many variants of one case, run in parallel, resumable, every outcome recorded.

>>> import gridplan.sweep
>>> table = gridplan.sweep("cases/zhaoqing.yaml",          # the package is callable: gridplan.sweep.run_sweep(...)
...                   grid={"policies[storage_pairing_2030].ratio": [0.1, 0.15, 0.2]},
...                   solve={"days": 3, "method": "simplex"}, out="results/pairing")

Modules: :mod:`~gridplan.sweep.paths` (override path syntax),
:mod:`~gridplan.sweep.spec` (sweep file, scenarios, identity hashes),
:mod:`~gridplan.sweep.worker` (what runs in a worker),
:mod:`~gridplan.sweep.executors` (local process pool, Dask distributed),
:mod:`~gridplan.sweep.store` (scenario folders and ``sweep.parquet``),
:mod:`~gridplan.sweep.runner` (:func:`run_sweep`),
:mod:`~gridplan.sweep.commands` (``gridplan sweep``, ``gridplan sweep-summary``).
"""

import sys
import types

from gridplan._lazy import lazy_exports

# Loaded on first use, so that mounting ``gridplan sweep`` on the command line does not load the solver stack.
_EXPORTS = {
    "DaskExecutor": "gridplan.sweep.executors",
    "ProcessPool": "gridplan.sweep.executors",
    "set_path": "gridplan.sweep.paths",
    "run_sweep": "gridplan.sweep.runner",
    "Scenario": "gridplan.sweep.spec",
    "Sweep": "gridplan.sweep.spec",
    "load_sweep": "gridplan.sweep.spec",
    "parse_sweep": "gridplan.sweep.spec",
    "read_store": "gridplan.sweep.store",
    "scenario_dirs": "gridplan.sweep.store",
    "Outcome": "gridplan.sweep.worker",
    "run_scenario": "gridplan.sweep.worker",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


class _CallableModule(types.ModuleType):
    """Lets ``gridplan.sweep(...)`` run a sweep while ``gridplan.sweep`` stays the package.

    Re-exporting :func:`run_sweep` as ``gridplan.sweep`` would hide this
    package behind a function (and break ``import gridplan.sweep.x as y``).
    """

    def __call__(self, *args, **kwargs):
        from gridplan.sweep.runner import run_sweep

        return run_sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = sorted(_EXPORTS)
