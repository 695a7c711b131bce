"""Read a result folder (or a Result in memory) into the tables the pages are drawn from.

A result folder is what :func:`gridplan.write_result` writes. The report also
uses ``availability.parquet`` when it is there (hourly available MW of every
weather-driven generator, see :mod:`gridplan.report.availability`), to draw
curtailment; without it the curtailment heatmap is left out and the page says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gridplan.errors import InputError

#: Files a result folder must hold for a report.
REQUIRED_FILES = ("summary.json", "capacity.csv", "dispatch.parquet", "prices.csv", "costs.csv", "targets.csv", "kpis.csv")
AVAILABILITY_FILE = "availability.parquet"
FIX = "give a folder written by `gridplan solve CASE --out DIR`"


@dataclass
class ReportTables:
    """The tables of one result, as the figure functions take them.

    Attributes
    ----------
    summary : dict
        summary.json.
    capacity, dispatch, prices, costs, targets, kpis : DataFrame
        As in :class:`gridplan.result.Result` (MW, MWh, CNY/MWh, CNY per year).
    availability : DataFrame or None
        node, year, hour and one ``<generator>_mw`` column per weather-driven
        generator: MW it could have produced in that hour (capacity × profile).
    name : str
        Label of the run (the folder name, or the case name).
    """

    summary: dict
    capacity: pd.DataFrame
    dispatch: pd.DataFrame
    prices: pd.DataFrame
    costs: pd.DataFrame
    targets: pd.DataFrame
    kpis: pd.DataFrame
    availability: pd.DataFrame | None = None
    name: str = ""

    @property
    def years(self) -> list[int]:
        """Planning years present in the dispatch table."""
        return sorted(int(y) for y in self.dispatch["year"].unique())

    @property
    def hour_weight(self) -> float:
        """Hours of the year each modelled hour stands for (8760 / modelled hours)."""
        first = self.dispatch[(self.dispatch.year == self.years[0]) & (self.dispatch.node == self.dispatch.node.iloc[0])]
        return 8760.0 / len(first)


def tables_from_result(result, availability: pd.DataFrame | None = None, name: str | None = None) -> ReportTables:
    """Wrap a :class:`gridplan.result.Result` held in memory."""
    return ReportTables(result.summary, result.capacity, result.dispatch, result.prices, result.costs, result.targets,
                        result.kpis, availability, name or result.case)


def as_tables(obj) -> ReportTables:
    """``obj`` as :class:`ReportTables`: tables as they are, a Result wrapped, a folder path read."""
    if isinstance(obj, ReportTables):
        return obj
    if isinstance(obj, (str, Path)):
        return read_result(obj)
    return tables_from_result(obj)


def read_result(out_dir: str | Path) -> ReportTables:
    """Read a result folder back into tables.

    Raises
    ------
    InputError
        When the folder or one of its files is missing or unreadable; the
        message names the file and says how to make it.
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise InputError(str(folder), "", "result folder not found", FIX)
    missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
    if missing:
        raise InputError(str(folder / missing[0]), "", f"missing from the result folder ({len(missing)} file(s) missing: {', '.join(missing)})", FIX)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        tables = {name: _read_csv(folder / f"{name}.csv") for name in ("capacity", "prices", "costs", "targets", "kpis")}
        dispatch = pd.read_parquet(folder / "dispatch.parquet")
        avail_path = folder / AVAILABILITY_FILE
        availability = pd.read_parquet(avail_path) if avail_path.is_file() else None
    except (ValueError, OSError) as exc:  # JSON, CSV and parquet errors are all ValueError or OSError subclasses
        raise InputError(str(folder), "", f"a result file cannot be read ({exc})", FIX) from None
    if dispatch.empty or "demand_mw" not in dispatch:
        raise InputError(str(folder / "dispatch.parquet"), "demand_mw", "no hourly dispatch in the result (was the solve infeasible?)", FIX)
    return ReportTables(summary, tables["capacity"], dispatch, tables["prices"], tables["costs"], tables["targets"],
                        tables["kpis"], availability, folder.resolve().name)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        # An empty target table is written as a bare newline by pandas.
        return pd.DataFrame()
