"""Figures of a result, each a pure function returning a :class:`plotly.graph_objects.Figure`.

Every function takes :class:`~gridplan.report.load.ReportTables`, a
:class:`~gridplan.result.Result` or a result folder, a planning year where it
draws one year, and the language (``en`` or ``zh``). Scripts and notebooks can call
them directly::

    from gridplan.report import figures, read_result
    t = read_result("results/dongguan")
    figures.dispatch_figure(t, 2030).show()

Hourly series are sent as float32 and, when the modelled hours are
contiguous, with ``x0``/``dx`` instead of 8760 timestamps, so a year of
dispatch stays a few MB in a page. Lines are SVG, not WebGL: in headless
Chromium (software GL) an 8760-point SVG line drew in ~50 ms against
~300 ms for the first WebGL chart.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gridplan.report import labels
from gridplan.report.flows import classify, series_by_label, system_frame, vre_columns
from gridplan.report.load import ReportTables, as_tables

HOUR_MS = 3_600_000
#: Flows smaller than this everywhere (MW) are not drawn: they are solver noise.
NOISE_MW = 1e-3
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


def accepts_result(func):
    """Let a figure function take a Result or a result folder as well as :class:`ReportTables`."""

    @functools.wraps(func)
    def wrapper(t, *args, **kwargs):
        return func(as_tables(t), *args, **kwargs)

    return wrapper


def apply_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """The pages' common look: title at the top left, white template, fonts with CJK fallbacks, height in px."""
    fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left"}, height=height, template="plotly_white",
                      font={"family": FONT, "size": 12}, margin={"l": 70, "r": 30, "t": 60, "b": 50},
                      legend={"orientation": "v", "x": 1.02, "y": 1}, hovermode="x unified")
    return fig

def bar_layout(fig: go.Figure, *, barmode: str, y_title: str, x_title: str, title: str, height: int,
               category_x: bool = False) -> go.Figure:
    """Layout shared by the bar charts: stacking mode, axis titles, the common look, hover per bar."""
    fig.update_layout(barmode=barmode)
    fig.update_yaxes(title_text=y_title)
    fig.update_xaxes(title_text=x_title, **({"type": "category"} if category_x else {}))
    return apply_layout(fig, title, height).update_layout(hovermode="closest")



def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _time_axis(frame: pd.DataFrame) -> dict:
    """Trace keywords for the hourly x-axis: ``x0``/``dx`` when hours are contiguous, else timestamps."""
    stamps = pd.to_datetime(frame["timestamp"])
    steps = np.diff(stamps.to_numpy().astype("datetime64[h]").astype(np.int64))
    if len(stamps) > 1 and np.all(steps == 1):
        return {"x0": stamps.iloc[0].strftime("%Y-%m-%d %H:%M"), "dx": HOUR_MS}
    return {"x": stamps.dt.strftime("%Y-%m-%d %H:%M").tolist()}


def _fmt(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d %H:%M")


def time_ranges(frame: pd.DataFrame, demand: np.ndarray) -> dict[str, list[str]]:
    """x-ranges for the day / week / month / year buttons, around the hour of peak demand.

    Returns
    -------
    dict
        ``day``, ``week``, ``month``, ``year`` -> [start, end] as ``YYYY-MM-DD HH:MM``;
        each clipped to the modelled hours.
    """
    stamps = pd.to_datetime(frame["timestamp"]).reset_index(drop=True)
    first, last = stamps.min(), stamps.max() + pd.Timedelta(hours=1)
    peak = stamps.iloc[int(np.argmax(demand))]
    day0 = peak.normalize()
    week0 = day0 - pd.Timedelta(days=3)
    month0 = peak.replace(day=1, hour=0)
    spans = {
        "day": (day0, day0 + pd.Timedelta(days=1)),
        "week": (week0, week0 + pd.Timedelta(days=7)),
        "month": (month0, month0 + pd.offsets.MonthBegin(1)),
        "year": (first, last),
    }
    out = {}
    for key, (a, b) in spans.items():
        # Shift a window that runs off either end back inside the modelled hours.
        if b > last:
            a, b = a - (b - last), last
        if a < first:
            a, b = first, min(last, b + (first - a))
        out[key] = [_fmt(a), _fmt(b)]
    return out


def _range_buttons(fig: go.Figure, ranges: dict[str, list[str]], lang: str, default: str = "week") -> None:
    """Day / week / month / year buttons and a range slider on the (shared) time axis."""
    keys = {"day": "day", "week": "week", "month": "month", "year": "whole_year"}
    axes = [k for k in fig.layout if k.startswith("xaxis")] or ["xaxis"]
    buttons = []
    for key, text_key in keys.items():
        args = {f"{ax}.range": ranges[key] for ax in axes}
        args.update({f"{ax}.autorange": False for ax in axes})
        buttons.append({"label": labels.text(text_key, lang), "method": "relayout", "args": [args]})
    fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left", "y": 1.0,
                                    "yanchor": "bottom", "pad": {"b": 4}, "showactive": True,
                                    "active": list(keys).index(default), "buttons": buttons}])
    fig.update_xaxes(range=ranges[default], type="date")
    fig.update_layout(title={"y": 0.98, "yanchor": "top"}, margin={"t": 80})


# --------------------------------------------------------------------------- capacity and targets


@accepts_result
def capacity_figure(t: ReportTables, lang: str = "en") -> go.Figure:
    """Installed capacity and new build by technology and year (stacked bars, MW).

    Storage is counted by its power (MW). Bar heights are the capacity table's
    ``capacity_mw`` and ``new_mw`` summed by technology and year.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels.text("capacity_installed", lang), labels.text("capacity_new", lang)),
                        horizontal_spacing=0.08)
    cap = t.capacity
    years = [str(y) for y in sorted(cap.year.unique())]
    installed = cap.pivot_table(index="technology", columns="year", values="capacity_mw", aggfunc="sum").fillna(0.0)
    new = cap.pivot_table(index="technology", columns="year", values="new_mw", aggfunc="sum").fillna(0.0).clip(lower=0.0)
    for tech in technology_order(installed.index):
        name, color = labels.technology(tech, lang), labels.technology_color(tech)
        for col, table, show in ((1, installed, True), (2, new, False)):
            y = table.loc[tech].to_numpy(dtype=float)
            fig.add_trace(go.Bar(x=years, y=y, name=name, legendgroup=tech, showlegend=show, marker_color=color,
                                 hovertemplate=f"{name}: %{{y:,.0f}} MW<extra>%{{x}}</extra>"), row=1, col=col)
    return bar_layout(fig, barmode="stack", y_title=labels.text("capacity_axis", lang), x_title=labels.text("year", lang),
                      title=labels.text("capacity_title", lang), height=440, category_x=True)


def technology_order(techs) -> list[str]:
    """Technology labels in stacking order (inflexible supply first), then by name."""
    from gridplan.report.flows import STACK_ORDER

    def key(tech):
        cat = labels.category(tech)
        return (STACK_ORDER.index(cat) if cat in STACK_ORDER else len(STACK_ORDER), tech)

    return sorted(techs, key=key)


@accepts_result
def target_rows(t: ReportTables, year: int) -> pd.DataFrame:
    """The year's targets with ``percent`` = achieved as % of required (100 when required is 0 and met)."""
    tg = t.targets
    if tg.empty:
        return tg
    rows = tg[tg.year == year].copy()
    req = rows.required.astype(float)
    ach = rows.achieved.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(req.abs() > 1e-9, 100.0 * ach / req, np.where(rows.met.astype(bool), 100.0, 0.0))
    rows["percent"] = pct
    return rows


@accepts_result
def targets_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """The year's capacity mix (MW, by technology) next to every target of the year.

    Targets are drawn as achieved / required in % (so MW, MWh, % and t rows
    share one axis), with the target at 100 % marked, green when met and red
    when missed; the hover text gives the values in their own units.
    """
    rows = target_rows(t, year)
    has_targets = not rows.empty
    fig = make_subplots(rows=1, cols=2 if has_targets else 1, column_widths=[0.45, 0.55] if has_targets else None,
                        subplot_titles=(labels.text("mix_title", lang, year=year), labels.text("targets_title", lang, year=year))
                        if has_targets else (labels.text("mix_title", lang, year=year),), horizontal_spacing=0.28)
    cap = t.capacity[t.capacity.year == year].groupby("technology").capacity_mw.sum()
    techs = technology_order(cap.index)
    fig.add_trace(go.Bar(y=[labels.technology(x, lang) for x in techs], x=cap.loc[techs].to_numpy(dtype=float), orientation="h",
                         marker_color=[labels.technology_color(x) for x in techs], showlegend=False,
                         hovertemplate="%{y}: %{x:,.0f} MW<extra></extra>"), row=1, col=1)
    fig.update_xaxes(title_text=labels.text("capacity_axis", lang), row=1, col=1)
    if has_targets:
        met = rows.met.astype(bool).to_numpy()
        colors = np.where(met, labels.series_color("met"), labels.series_color("missed"))
        hover = [f"{r['name']}: {r['achieved']:,.1f} / {r['required']:,.1f} {r['unit']}"
                 f" ({labels.text('met' if m else 'missed', lang)}, {'hard' if r['hard'] else 'soft'})"
                 for r, m in zip(rows.to_dict("records"), met)]
        fig.add_trace(go.Bar(y=rows.name.tolist(), x=rows.percent.to_numpy(dtype=float), orientation="h", marker_color=colors.tolist(),
                             showlegend=False, hovertext=hover, hoverinfo="text",
                             text=[f"{a:,.0f} / {q:,.0f} {u}" for a, q, u in zip(rows.achieved, rows.required, rows.unit)],
                             textposition="inside", insidetextanchor="start"), row=1, col=2)
        fig.add_vline(x=100, line={"color": labels.series_color("target"), "width": 2, "dash": "dash"}, row=1, col=2)
        # A target exceeded many times over would squash the rest against the 100 % line:
        # the axis stops at 250 % and the bar's text gives the real values.
        top = float(np.nanmax(rows.percent.to_numpy(dtype=float), initial=100.0))
        fig.update_xaxes(title_text=labels.text("targets_axis", lang), range=[0, min(250.0, max(120.0, 1.08 * top))], row=1, col=2)
    height = max(320, 60 + 28 * max(len(techs), len(rows)))
    apply_layout(fig, "", height)
    fig.update_layout(hovermode="closest", margin={"t": 40})
    return fig


# --------------------------------------------------------------------------- hourly dispatch


@accepts_result
def dispatch_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """Hourly dispatch stack of the year (MW), summed over nodes, with the demand line.

    Supply is stacked above zero and use (storage charging, exports, load
    shifted up) below it, each flow split into its positive and negative
    part, so that in every hour the drawn traces (without the demand line)
    sum to demand. Buttons switch between the peak day, peak week (the
    default), peak month and the whole year; a range slider pans.
    """
    frame = system_frame(t.dispatch, year)
    flows = classify(t.dispatch, t.capacity, lang)
    xs = _time_axis(frame)
    fig = go.Figure()
    for key, (flow, values) in series_by_label(frame, flows).items():
        for part, group in ((np.clip(values, 0.0, None), "supply"), (np.clip(values, None, 0.0), "use")):
            if np.abs(part).max(initial=0.0) < NOISE_MW:
                continue
            fig.add_trace(go.Scatter(y=_f32(part), name=flow.label, legendgroup=key, stackgroup=group, mode="none",
                                     fillcolor=flow.color, line={"width": 0}, meta=[key], showlegend=group == "supply" or not _has_supply(values),
                                     hovertemplate="%{y:,.0f} MW", **xs))
    demand = frame["demand_mw"].to_numpy(dtype=float)
    fig.add_trace(go.Scatter(y=_f32(demand), name=labels.text("demand", lang), mode="lines", meta=["demand"],
                             line={"color": labels.series_color("demand"), "width": 1.5}, hovertemplate="%{y:,.0f} MW", **xs))
    apply_layout(fig, labels.text("dispatch_title", lang, year=year), 560)
    fig.update_yaxes(title_text=labels.text("power_axis", lang))
    fig.update_xaxes(title_text=labels.text("time_axis", lang), rangeslider={"visible": True, "thickness": 0.08})
    _range_buttons(fig, time_ranges(frame, demand), lang)
    return fig


def _has_supply(values: np.ndarray) -> bool:
    return values.max(initial=0.0) >= NOISE_MW


# --------------------------------------------------------------------------- storage


@accepts_result
def storage_cycles(t: ReportTables, year: int) -> pd.DataFrame:
    """Full-cycle equivalents per storage asset in ``year``.

    Returns
    -------
    DataFrame
        asset, technology, discharged_mwh (per year, scaled from the modelled
        hours), energy_mwh (capacity), cycles = discharged_mwh / energy_mwh.
    """
    cap = t.capacity[(t.capacity.year == year) & (t.capacity.family == "storage")]
    d = t.dispatch[t.dispatch.year == year]
    rows = []
    for r in cap.itertuples():
        col = f"{r.asset}_discharge_mw"
        discharged = float((d[col] * _weights(t, d)).sum()) if col in d else 0.0
        energy = float(r.energy_mwh) if r.energy_mwh == r.energy_mwh else 0.0
        rows.append({"asset": r.asset, "technology": r.technology, "discharged_mwh": discharged, "energy_mwh": energy,
                     "cycles": discharged / energy if energy > 1e-9 else np.nan})
    return pd.DataFrame(rows, columns=["asset", "technology", "discharged_mwh", "energy_mwh", "cycles"])


@accepts_result
def storage_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """State of charge of each storage asset (MWh, hourly) and its full-cycle equivalents per year."""
    frame = system_frame(t.dispatch, year)
    cycles = storage_cycles(t, year)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.72, 0.28], horizontal_spacing=0.1,
                        subplot_titles=(labels.text("soc_axis", lang), labels.text("cycles_axis", lang)))
    if cycles.empty:
        fig.add_annotation(text=labels.text("no_storage", lang), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        return apply_layout(fig, labels.text("storage_title", lang, year=year), 300)
    xs = _time_axis(frame)
    many = cycles.technology.duplicated(keep=False)
    for r, dup in zip(cycles.itertuples(), many):
        name = labels.technology(r.technology, lang) + (f" ({r.asset})" if dup else "")
        color = labels.technology_color(r.technology)
        col = f"{r.asset}_soc_mwh"
        if col in frame:
            fig.add_trace(go.Scatter(y=_f32(frame[col]), name=name, legendgroup=r.asset, mode="lines", line={"color": color, "width": 1},
                                       hovertemplate="%{y:,.0f} MWh", **xs), row=1, col=1)
        fig.add_trace(go.Bar(x=[name], y=[r.cycles], marker_color=color, legendgroup=r.asset, showlegend=False,
                             hovertemplate=f"{name}: %{{y:.1f}} ({r.discharged_mwh:,.0f} MWh / {r.energy_mwh:,.0f} MWh)<extra></extra>"),
                      row=1, col=2)
    fig.update_yaxes(title_text="MWh", row=1, col=1)
    fig.update_yaxes(title_text="cycles/yr" if lang == "en" else "次/年", row=1, col=2)
    fig.update_xaxes(title_text=labels.text("time_axis", lang), row=1, col=1)
    apply_layout(fig, labels.text("storage_title", lang, year=year), 420)
    ranges = time_ranges(frame, frame["demand_mw"].to_numpy())
    fig.update_xaxes(range=ranges["week"], type="date", row=1, col=1)
    fig.update_layout(hovermode="closest")
    return fig


# --------------------------------------------------------------------------- heatmaps and duration curves


@accepts_result
def net_load(t: ReportTables, year: int) -> tuple[pd.DataFrame, np.ndarray]:
    """(system frame, hourly net load MW = demand − PV and wind output) for ``year``."""
    frame = system_frame(t.dispatch, year)
    flows = classify(t.dispatch, t.capacity)
    vre = vre_columns(flows, t.availability)
    return frame, frame["demand_mw"].to_numpy(dtype=float) - frame[vre].sum(axis=1).to_numpy(dtype=float)


@accepts_result
def curtailment(t: ReportTables, year: int) -> np.ndarray | None:
    """Hourly curtailment of PV and wind (MW, available − used, ≥ 0) for ``year``, or None without availability."""
    if t.availability is None:
        return None
    frame = system_frame(t.dispatch, year)
    a = t.availability[t.availability.year == year]
    cols = [c for c in a.columns if c.endswith("_mw")]
    avail = a.groupby("hour", sort=False)[cols].sum().reindex(frame["hour"]).fillna(0.0)
    used = frame[[c for c in cols if c in frame]].sum(axis=1).to_numpy(dtype=float)
    return np.clip(avail.sum(axis=1).to_numpy(dtype=float) - used, 0.0, None)


def _day_hour(frame: pd.DataFrame, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    stamps = pd.to_datetime(frame["timestamp"])
    grid = pd.DataFrame({"day": stamps.dt.strftime("%Y-%m-%d"), "hour": stamps.dt.hour, "v": values})
    table = grid.pivot_table(index="day", columns="hour", values="v", aggfunc="mean").reindex(columns=range(24))
    return table.index.tolist(), _f32(table.to_numpy())


@accepts_result
def heatmap_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """Day × hour heatmaps of net load and of PV and wind curtailment (MW)."""
    frame, nl = net_load(t, year)
    curt = curtailment(t, year)
    titles = [labels.text("net_load", lang)] + ([labels.text("curtailment", lang)] if curt is not None else [])
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.14, shared_yaxes=False)
    days, z = _day_hour(frame, nl)
    bar_x = 0.43 if curt is not None else 1.0
    fig.add_trace(go.Heatmap(z=z, x=list(range(24)), y=days, colorscale="RdBu_r", zmid=0.0, name=labels.text("net_load", lang),
                             colorbar={"title": {"text": "MW"}, "x": bar_x, "len": 0.9},
                             hovertemplate="%{y} %{x}:00 — %{z:,.0f} MW<extra></extra>"), row=1, col=1)
    if curt is not None:
        _, zc = _day_hour(frame, curt)
        fig.add_trace(go.Heatmap(z=zc, x=list(range(24)), y=days, colorscale="YlOrRd", zmin=0.0,
                                 name=labels.text("curtailment", lang), colorbar={"title": {"text": "MW"}, "x": 1.0, "len": 0.9},
                                 hovertemplate="%{y} %{x}:00 — %{z:,.0f} MW<extra></extra>"), row=1, col=2)
    title = labels.text("heatmap_title", lang, year=year)
    if curt is None:  # say why, where the reader looks first
        title += f"<br><sup>{labels.text('no_availability', lang)}</sup>"
    fig.update_xaxes(title_text=labels.text("hour_axis", lang), dtick=3)
    fig.update_yaxes(title_text=labels.text("date_axis", lang), autorange="reversed", type="date")
    apply_layout(fig, title, 560)
    fig.update_layout(hovermode="closest", margin={"t": 100 if curt is None else 60})
    return fig


def _weights(t: ReportTables, frame: pd.DataFrame) -> np.ndarray:
    """Hours of the year each row stands for: the dispatch table's ``weight_h`` (representative
    days weigh by the days they stand for), else 8760 / modelled hours."""
    if "weight_h" in t.dispatch:
        return t.dispatch.loc[frame.index, "weight_h"].to_numpy(dtype=float) if frame.index.isin(t.dispatch.index).all() \
            else np.full(len(frame), t.hour_weight)
    return np.full(len(frame), t.hour_weight)


def _duration(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A duration curve: values from high to low against the cumulative hours they stand for."""
    keep = ~np.isnan(values)
    order = np.argsort(values[keep])[::-1]
    return np.cumsum(weights[keep][order]), values[keep][order]


@accepts_result
def duration_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """Duration curves of load and net load (MW, left axis) and of price (CNY/MWh, right axis).

    Each curve is its hourly values sorted from high to low; the x-axis is
    hours of the year (each modelled hour counts for 8760 / modelled hours).
    """
    frame, nl = net_load(t, year)
    w = _weights(t, frame)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for key, values, color in (("load", frame["demand_mw"].to_numpy(dtype=float), labels.series_color("demand")),
                               ("net_load", nl, labels.series_color("net_load"))):
        name = labels.text(key, lang).split(" = ")[0]
        x, y = _duration(values, w)
        fig.add_trace(go.Scatter(y=_f32(y), x=_f32(x), name=f"{name} (MW)", mode="lines",
                                 line={"color": color, "width": 2}, hovertemplate="%{y:,.0f} MW"), secondary_y=False)
    prices = t.prices[t.prices.year == year]
    for node, grp in prices.groupby("node"):
        x, p = _duration(grp.price_cny_per_mwh.to_numpy(dtype=float), _weights(t, grp))
        label = labels.text("price", lang) + (f" {node}" if prices.node.nunique() > 1 else "")
        fig.add_trace(go.Scatter(y=_f32(p), x=_f32(x), name=f"{label} (CNY/MWh)", mode="lines",
                                 line={"color": labels.series_color("price"), "width": 1.5, "dash": "dot"},
                                 hovertemplate="%{y:,.0f} CNY/MWh"), secondary_y=True)
    fig.update_xaxes(title_text=labels.text("duration_axis", lang), range=[0, 8760])
    fig.update_yaxes(title_text=labels.text("power_axis", lang), secondary_y=False)
    fig.update_yaxes(title_text=labels.text("price_axis", lang), secondary_y=True, showgrid=False)
    return apply_layout(fig, labels.text("duration_title", lang, year=year), 420)


# --------------------------------------------------------------------------- prices and costs


@accepts_result
def price_figure(t: ReportTables, year: int, lang: str = "en") -> go.Figure:
    """Hourly price per node (CNY/MWh): the dual of each hour's energy balance."""
    frame = system_frame(t.dispatch, year)
    xs = _time_axis(frame)
    prices = t.prices[t.prices.year == year]
    fig = go.Figure()
    for node, grp in prices.groupby("node"):
        p = grp.set_index("hour").price_cny_per_mwh.reindex(frame["hour"]).to_numpy(dtype=float)
        fig.add_trace(go.Scatter(y=_f32(p), name=str(node), mode="lines", line={"width": 1},
                                   hovertemplate="%{y:,.1f} CNY/MWh", **xs))
    if len(fig.data) == 1:
        fig.data[0].line.color = labels.series_color("price")
    apply_layout(fig, labels.text("price_title", lang, year=year), 380)
    fig.update_yaxes(title_text=labels.text("price_axis", lang))
    fig.update_xaxes(title_text=labels.text("time_axis", lang))
    _range_buttons(fig, time_ranges(frame, frame["demand_mw"].to_numpy()), lang)
    return fig


@accepts_result
def cost_figure(t: ReportTables, lang: str = "en") -> go.Figure:
    """Annual system cost by component and year (million CNY per year, undiscounted), stacked.

    Export revenue is drawn below zero; the bars of a year add up to the
    year's total of ``costs.annual_cny``.
    """
    costs = t.costs
    fig = go.Figure()
    if not costs.empty:
        table = costs.pivot_table(index="component", columns="year", values="annual_cny", aggfunc="sum").fillna(0.0)
        years = [str(y) for y in table.columns]
        for comp in table.index:
            y = table.loc[comp].to_numpy(dtype=float) / 1e6
            if np.abs(y).max() < 1e-9:
                continue
            name = labels.cost_component(comp, lang)
            fig.add_trace(go.Bar(x=years, y=y, name=name, marker_color=labels.cost_color(comp), meta=[comp],
                                 hovertemplate=f"{name}: %{{y:,.1f}} {labels.text('million_cny', lang)}<extra>%{{x}}</extra>"))
    return bar_layout(fig, barmode="relative", y_title=labels.text("cost_axis", lang), x_title=labels.text("year", lang),
                      title=labels.text("costs_title", lang), height=420, category_x=True)
