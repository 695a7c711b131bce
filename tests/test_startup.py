"""gridplan starts without the scipy submodules pyomo would import for it, and pyomo still reaches them."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import gridplan.cli, gridplan.api
loaded = sorted(m for m in sys.modules if m.split('.')[:2] in (['scipy', 'stats'], ['scipy', 'integrate']))
from pyomo.common.dependencies import scipy, scipy_available
print(repr(loaded), bool(scipy_available), round(float(scipy.stats.norm.cdf(0.0)), 3))
"""


def test_import_leaves_out_scipy_stats_and_pyomo_still_finds_it():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "True", "0.5"]


def test_nothing_is_changed_once_scipy_is_imported():
    from gridplan._startup import skip_pyomo_scipy_extras

    import scipy  # noqa: F401  (imported by this test process already, or now)

    assert skip_pyomo_scipy_extras() is False


def test_the_command_line_mounts_its_commands_without_the_solver_stack():
    """``gridplan --help`` and the weather and report commands start without loading pyomo's model, HiGHS or pandas."""
    code = ("import sys, gridplan.cli\n"
            "heavy = ('pyomo.environ', 'pyomo.core', 'highspy', 'pandas', 'scipy', 'pvlib', 'plotly', 'dask')\n"
            "print(repr([m for m in heavy if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
