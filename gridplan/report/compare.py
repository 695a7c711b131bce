"""An index page comparing several runs (a batch study): one row per run, linked to its page."""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from gridplan.errors import InputError
from gridplan.report import labels
from gridplan.report.figures import apply_layout, bar_layout, technology_order
from gridplan.report.load import ReportTables, read_result
from gridplan.report.page import Section, html_table, render, write_page
from gridplan.report.run_page import REPORT_FILE, write_report

COMPARE_FILE = "index.html"
SHARES = ("clean_share_installed", "non_fossil_share_installed", "non_fossil_share_generation", "vre_curtailment_share", "import_share")


def _run_year_axis(runs: list[ReportTables]) -> tuple[list[str], list[str]]:
    """Two-level category axis: (run, year) for every year of every run."""
    names, years = [], []
    for t in runs:
        for y in t.years:
            names.append(t.name)
            years.append(str(y))
    return names, years


def compare_capacity_figure(runs: list[ReportTables], lang: str = "en") -> go.Figure:
    """Installed capacity (MW) by technology, one stacked bar per run and year."""
    x = _run_year_axis(runs)
    techs = technology_order({tech for t in runs for tech in t.capacity.technology.unique()})
    fig = go.Figure()
    for tech in techs:
        y = [float(t.capacity[(t.capacity.year == yr) & (t.capacity.technology == tech)].capacity_mw.sum())
             for t in runs for yr in t.years]
        name = labels.technology(tech, lang)
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=labels.technology_color(tech),
                             hovertemplate=f"{name}: %{{y:,.0f}} MW<extra>%{{x}}</extra>"))
    return bar_layout(fig, barmode="stack", y_title=labels.text("capacity_axis", lang),
                      x_title=labels.text("run_year_axis", lang), title=labels.text("compare_capacity", lang), height=460)


def compare_cost_figure(runs: list[ReportTables], lang: str = "en") -> go.Figure:
    """Annual system cost (million CNY per year, undiscounted) by component, per run and year."""
    x = _run_year_axis(runs)
    comps = sorted({c for t in runs if not t.costs.empty for c in t.costs.component.unique()})
    fig = go.Figure()
    for comp in comps:
        y = [float(t.costs[(t.costs.year == yr) & (t.costs.component == comp)].annual_cny.sum()) / 1e6 if not t.costs.empty else 0.0
             for t in runs for yr in t.years]
        if np.abs(y).max(initial=0.0) < 1e-9:
            continue
        name = labels.cost_component(comp, lang)
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=labels.cost_color(comp),
                             hovertemplate=f"{name}: %{{y:,.1f}} {labels.text('million_cny', lang)}<extra>%{{x}}</extra>"))
    return bar_layout(fig, barmode="relative", y_title=labels.text("cost_axis", lang),
                      x_title=labels.text("run_year_axis", lang), title=labels.text("compare_costs", lang), height=460)


def compare_shares_figure(runs: list[ReportTables], lang: str = "en") -> go.Figure:
    """Clean and non-fossil shares, curtailment and import share (%), grouped per run and year."""
    x = _run_year_axis(runs)
    palette = ("#2ca02c", "#17becf", "#9467bd", "#ff7f0e", "#8c564b")
    fig = go.Figure()
    for key, color in zip(SHARES, palette):
        y = []
        for t in runs:
            k = t.kpis.set_index("year") if not t.kpis.empty else None
            y.extend(100.0 * float(k.loc[yr, key]) if k is not None and key in k and yr in k.index else np.nan for yr in t.years)
        name = labels.text(f"kpi_{key}", lang)
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=color, hovertemplate=f"{name}: %{{y:.1f}} %<extra>%{{x}}</extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=labels.text("share_axis", lang))
    fig.update_xaxes(title_text=labels.text("run_year_axis", lang))
    return apply_layout(fig, labels.text("compare_shares", lang), 460).update_layout(hovermode="closest")


def _unique_names(dirs: list[Path]) -> list[str]:
    """Folder names, made unique by their parents when two runs share a name."""
    names = [d.name for d in dirs]
    if len(set(names)) == len(names):
        return names
    return [str(Path(*d.parts[-2:])) for d in dirs]


def write_compare(dirs: list[str | Path], out: str | Path | None = None, lang: str = "en", write_runs: bool = True) -> Path:
    """Write the index page comparing the runs in ``dirs``; return its path.

    Parameters
    ----------
    dirs : list of paths
        Result folders (two or more make sense; one is allowed).
    out : path, optional
        The index file; default ``index.html`` in the folders' common parent.
    lang : {"en", "zh"}
    write_runs : bool
        Also write each run's ``report.html`` when it is missing, so every link works.
    """
    labels.check_lang(lang)
    folders = [Path(d).resolve() for d in dirs]
    if not folders:
        raise InputError("<command line>", "--compare", "no result folders given", "name two or more result folders")
    runs = [read_result(f) for f in folders]
    for t, name in zip(runs, _unique_names(folders)):
        t.name = name
    target = Path(out).resolve() if out is not None else Path(os.path.commonpath([str(f) for f in folders])) / COMPARE_FILE
    if target.is_dir():
        target = target / COMPARE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    if write_runs:
        for f in folders:
            if not (f / REPORT_FILE).is_file():
                write_report(f, lang)
    rows = []
    for t, f in zip(runs, folders):
        link = os.path.relpath(f / REPORT_FILE, target.parent)
        obj = t.summary.get("objective_cny")
        row = {"run": t.name, "case": str(t.summary.get("case", "")), "status": str(t.summary.get("status", "")),
               "objective": obj / 1e6 if obj is not None else float("nan"),
               "link": f'<a href="{html.escape(link)}">{labels.text("open_report", lang)}</a>'}
        k = t.kpis.set_index("year") if not t.kpis.empty else None
        for y in t.years:
            if k is not None and y in k.index:
                row[f"clean_{y}"] = 100.0 * float(k.loc[y, "clean_share_installed"])
        rows.append(row)
    years = sorted({y for t in runs for y in t.years})
    cols = [("run", labels.text("run", lang)), ("case", labels.text("case", lang)), ("status", labels.text("status", lang)),
            ("objective", f"{labels.text('objective', lang)} ({labels.text('million_cny', lang)})")]
    cols += [(f"clean_{y}", f"{labels.text('kpi_clean_share_installed', lang)} {y}") for y in years]
    table = html_table(cols + [("link", "")], rows, raw=("link",))
    sections = [Section("runs", labels.text("run", lang), [table]),
                Section("capacity", labels.text("compare_capacity", lang), [compare_capacity_figure(runs, lang)]),
                Section("costs", labels.text("compare_costs", lang), [compare_cost_figure(runs, lang)]),
                Section("shares", labels.text("compare_shares", lang), [compare_shares_figure(runs, lang)])]
    page = render(labels.text("compare_title", lang), labels.text("n_runs", lang, n=len(runs)), sections, lang)
    return write_page(target, page)

