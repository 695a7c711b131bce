"""Shared helpers: small cases with known answers, built in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gridplan.case import parse_case


def default_sigint() -> None:
    """``preexec_fn`` for child processes that a test interrupts with SIGINT.

    A shell that starts a job in the background without job control makes it
    ignore SIGINT, and Python then leaves it ignored in every child; restore
    the default so that the child sees Ctrl-C as a user would.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def shared_dir() -> Path | None:
    """The workplace's ``shared/`` folder (real weather and load data), if present."""
    env = os.environ.get("GRIDPLAN_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared")
    for c in candidates:
        if c.is_dir():
            return c
    return None


def write_case(folder: Path, case: dict, series: dict[str, np.ndarray] | None = None) -> Path:
    """Write ``case`` as YAML (and each series as a one-column CSV) into ``folder``."""
    for name, values in (series or {}).items():
        pd.DataFrame({name: np.asarray(values, dtype=float)}).to_csv(folder / f"{name}.csv", index=False)
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False), encoding="utf-8")
    return path


def node(demand_mw: np.ndarray, years=(2025,), growth: float = 1.0, **extra) -> dict:
    """A node whose demand is exactly ``demand_mw`` (from ``demand.csv``) in the first year."""
    base = {
        "demand": {
            int(y): {"annual_mwh": float(demand_mw.sum() * growth**i), "peak_mw": float(demand_mw.max() * growth**i)}
            for i, y in enumerate(years)
        },
        "demand_shape": {"file": "demand.csv", "column": "demand"},
    }
    base.update(extra)
    return base


def case_dict(demand_mw: np.ndarray, years=(2025,), **fields) -> dict:
    """A one-node case called ``city`` with the given demand and fields."""
    out = {"name": "test", "years": list(years), "discount_rate": 0.0, "nodes": {"city": node(demand_mw, years)}}
    out.update(fields)
    return out


@pytest.fixture
def make_case(tmp_path):
    """Return ``f(case_dict, series) -> path`` writing into a fresh temporary folder."""

    def _make(case: dict, series: dict[str, np.ndarray] | None = None) -> Path:
        return write_case(tmp_path, case, series)

    return _make


def validated(case: dict):
    """Parse a case dict (no files involved)."""
    return parse_case(case, "<test>")
