"""Which dispatch column is which: technology, label, colour and stacking order of every flow.

The dispatch table names flows after assets (``pv_rooftop_mw``,
``battery_charge_mw``, ``dr_curtail_mw``, ``import_mw`` ...); the capacity
table says which technology each asset is. Flows of the same technology
(several assets or nodes) are drawn as one series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridplan.report import labels

#: Stacking order, bottom to top: inflexible supply first, balancing last.
STACK_ORDER = ("nuclear", "coal", "biomass", "gas", "hydro", "offshore_wind", "wind", "pv", "hydro_storage", "battery",
               "dr", "link", "import", "other", "unserved", "export")
#: Categories whose output is weather-driven (net load and curtailment).
VRE_CATEGORIES = ("pv", "wind", "offshore_wind")


@dataclass(frozen=True)
class Flow:
    """One dispatch column.

    Attributes
    ----------
    column : str
        Column of the dispatch table (``<flow>_mw``, MW, + supply / − use).
    series : str
        Key of the series it is drawn in (flows with the same key are summed).
    label : str
        Legend text in the page's language.
    color : str
        Hex colour.
    category : str
        Technology category (``pv``, ``gas``, ``battery``, ``import`` ...).
    asset : str or None
        Asset the flow belongs to (None for imports, exports, unserved).
    """

    column: str
    series: str
    label: str
    color: str
    category: str
    asset: str | None


def classify(dispatch: pd.DataFrame, capacity: pd.DataFrame, lang: str = "en") -> list[Flow]:
    """Every ``*_mw`` flow column of ``dispatch`` (not ``demand_mw``), described, in stacking order."""
    tech = dict(zip(capacity.asset, capacity.technology)) if not capacity.empty else {}
    family = dict(zip(capacity.asset, capacity.family)) if not capacity.empty else {}
    out = []
    for col in dispatch.columns:
        if not col.endswith("_mw") or col == "demand_mw":
            continue
        out.append(_describe(col, col[: -len("_mw")], tech, family, lang))
    return sorted(out, key=lambda f: (STACK_ORDER.index(f.category) if f.category in STACK_ORDER else len(STACK_ORDER), f.series))


def _describe(col: str, name: str, tech: dict, family: dict, lang: str) -> Flow:
    if name in tech and family.get(name) == "generator":
        t = tech[name]
        return Flow(col, f"gen:{t}", labels.technology(t, lang), labels.technology_color(t), labels.category(t), name)
    for suffix in ("discharge", "charge"):
        asset = name[: -len(suffix) - 1]
        if name.endswith(f"_{suffix}") and asset in tech:
            t = tech[asset]
            tl = labels.technology(t, lang)
            color = labels.technology_color(t) if suffix == "discharge" else _lighter(labels.technology_color(t))
            return Flow(col, f"{suffix}:{t}", labels.flow(suffix, lang, tech=tl), color, labels.category(t), asset)
    for suffix in ("curtail", "shift_down", "shift_up"):
        if name.endswith(f"_{suffix}"):
            dr = name[: -len(suffix) - 1]
            color = labels.technology_color("demand response") if suffix == "curtail" else _lighter(labels.technology_color("demand response"))
            return Flow(col, f"{suffix}:{dr}", labels.flow(suffix, lang, name=dr), color, "dr", dr)
    if name in ("import", "export", "unserved"):
        return Flow(col, name, labels.flow(name, lang), labels.technology_color(name), name, None)
    for suffix in ("in", "out"):
        if name.endswith(f"_{suffix}"):
            link = name[: -len(suffix) - 1]
            color = labels.technology_color("link") if suffix == "in" else _lighter(labels.technology_color("link"))
            return Flow(col, f"link_{suffix}:{link}", labels.flow(f"link_{suffix}", lang, name=link), color, "link", link)
    return Flow(col, f"other:{name}", name, labels.technology_color(name), labels.category(name), None)


def _lighter(color: str, amount: float = 0.45) -> str:
    """``color`` mixed with white: the "use" side (charging, exports) of a supply colour."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def system_frame(dispatch: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year of dispatch summed over nodes (the city as a whole), in hour order.

    Link flows between the city's own nodes cancel out up to their losses.
    """
    d = dispatch[dispatch.year == year]
    numeric = [c for c in d.columns if c.endswith(("_mw", "_mwh"))]
    grouped = d.groupby("hour", sort=False)
    frame = grouped[numeric].sum()
    frame["timestamp"] = grouped["timestamp"].first()
    return frame.reset_index()


def series_by_label(frame: pd.DataFrame, flows: list[Flow]) -> dict[str, tuple[Flow, np.ndarray]]:
    """Sum the flows of each series: ``series key -> (first flow, hourly MW)``, in stacking order."""
    out: dict[str, tuple[Flow, np.ndarray]] = {}
    for f in flows:
        values = frame[f.column].fillna(0.0).to_numpy(dtype=float)
        if f.series in out:
            out[f.series] = (out[f.series][0], out[f.series][1] + values)
        else:
            out[f.series] = (f, values)
    return out


def vre_columns(flows: list[Flow], availability: pd.DataFrame | None = None) -> list[str]:
    """Dispatch columns of weather-driven generators.

    With an availability table, exactly the generators it lists; without
    one, generators whose technology reads as PV or wind.
    """
    if availability is not None:
        avail = {c for c in availability.columns if c.endswith("_mw")}
        return [f.column for f in flows if f.series.startswith("gen:") and f.column in avail]
    return [f.column for f in flows if f.series.startswith("gen:") and f.category in VRE_CATEGORIES]
