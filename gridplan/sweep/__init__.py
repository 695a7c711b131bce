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

from gridplan.sweep.executors import DaskExecutor, ProcessPool
from gridplan.sweep.paths import set_path
from gridplan.sweep.runner import run_sweep
from gridplan.sweep.spec import Scenario, Sweep, load_sweep, parse_sweep
from gridplan.sweep.store import read_store, scenario_dirs
from gridplan.sweep.worker import Outcome, run_scenario


class _CallableModule(types.ModuleType):
    """Lets ``gridplan.sweep(...)`` run a sweep while ``gridplan.sweep`` stays the package.

    Re-exporting :func:`run_sweep` as ``gridplan.sweep`` would hide this
    package behind a function (and break ``import gridplan.sweep.x as y``).
    """

    def __call__(self, *args, **kwargs):
        return run_sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["DaskExecutor", "Outcome", "ProcessPool", "Scenario", "Sweep", "load_sweep", "parse_sweep", "read_store",
           "run_scenario", "run_sweep", "scenario_dirs", "set_path"]
