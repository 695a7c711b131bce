"""Hourly available output of weather-driven generators, for the curtailment heatmap.

The dispatch table holds what PV and wind produced, not what they could
have produced. Curtailment is the difference, so the report needs, per node,
year and modelled hour, ``capacity (MW) × availability (per MW)`` of every
generator whose availability varies by hour. That table is small (one float
column per weather-driven generator) and is written as ``availability.parquet``
next to the other result files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gridplan.report.load import AVAILABILITY_FILE
from gridplan.result import availability_table as result_availability


def availability_table(result, data) -> pd.DataFrame:
    """Available MW of every weather-driven generator (see :func:`gridplan.result.availability_table`)."""
    return result_availability(result.capacity, data)


def availability_from_case(result, case) -> pd.DataFrame:
    """Like :func:`availability_table`, re-reading the case's profiles (when only the case is at hand).

    The case is prepared over the whole year, for the result's planning
    years only, and the hours the result modelled are picked out of it, so
    any window of days lines up with the dispatch table.

    Parameters
    ----------
    result : Result or ReportTables
        Needs ``capacity`` and ``dispatch``.
    case : Case or path
        The case file the result was solved from.
    """
    from gridplan.case import Case, load_case
    from gridplan.inputs import prepare

    if not isinstance(case, Case):
        case = load_case(case)
    years = sorted(int(y) for y in result.dispatch.year.unique())
    options = getattr(result, "options", None) or getattr(result, "summary", {}).get("options", {})
    rep_days = options.get("rep_days")
    # Representative days rescale each day's profile to its cluster (gridplan.timeseries): choose
    # and rescale them again, for the same years, rather than pick raw hours out of the year.
    hours_spec = case.hours.model_copy(update={"days": None, "rep_days": rep_days})
    data = prepare(case.model_copy(update={"years": years, "policies": [], "hours": hours_spec}))
    if rep_days is None:
        hours = result.dispatch[(result.dispatch.year == years[0]) & (result.dispatch.node == result.dispatch.node.iloc[0])].hour.to_numpy()
        data.availability = {k: (v[hours] if isinstance(v, np.ndarray) else v) for k, v in data.availability.items()}
        data.hours = hours
    return availability_table(result, data)


def save_availability(table: pd.DataFrame, out_dir: str | Path) -> Path:
    """Save an availability table as ``availability.parquet`` in ``out_dir`` (MW as float32), atomically."""
    table = table.copy()
    flows = [c for c in table.columns if c.endswith("_mw")]
    table[flows] = table[flows].astype("float32")
    from gridplan.output import write_file_atomically

    return write_file_atomically(Path(out_dir) / AVAILABILITY_FILE, lambda tmp: table.to_parquet(tmp, index=False))


def write_availability(result, data, out_dir: str | Path) -> Path:
    """Write :func:`availability_table` of ``result`` and ``data`` as ``availability.parquet`` into ``out_dir``."""
    return save_availability(availability_table(result, data), out_dir)
