"""The page of one run: ``report.html`` in its result folder."""

from __future__ import annotations

from html import escape as html_escape
from pathlib import Path

from gridplan.report import figures, labels
from gridplan.report.load import (
    AVAILABILITY_FILE,
    ReportTables,
    read_result,
    tables_from_result,
)
from gridplan.report.page import Section, html_table, render, write_page, yes_no
from gridplan.result import differing_capacities

REPORT_FILE = "report.html"
KPI_ROWS = (  # key, scale to the unit in its label
    ("demand_mwh", 1e-3), ("peak_mw", 1.0), ("installed_generation_mw", 1.0), ("clean_share_installed", 100.0),
    ("non_fossil_share_installed", 100.0), ("non_fossil_share_generation", 100.0), ("vre_curtailment_share", 100.0),
    ("unserved_energy_mwh", 1.0), ("emissions_t", 1e-6), ("import_share", 100.0),
)


def kpi_html(t: ReportTables, lang: str) -> str:
    """Key figures per year as an HTML table (GWh, MW, %, Mt CO2)."""
    if t.kpis.empty:
        return ""
    kpis = t.kpis.set_index("year")
    years = [int(y) for y in kpis.index]
    columns = [("kpi", "")] + [(str(y), str(y)) for y in years]
    rows = []
    for key, scale in KPI_ROWS:
        if key not in kpis:
            continue
        row = {"kpi": labels.text(f"kpi_{key}", lang)}
        row.update({str(y): float(kpis.loc[y, key]) * scale for y in years})
        rows.append(row)
    return html_table(columns, rows)


def targets_html(t: ReportTables, lang: str, year: int | None = None) -> str:
    """The target report (required, achieved, hard, met, binding, shadow price, cost of the rule)."""
    tg = t.targets
    if tg.empty:
        return f'<p class="note">{labels.text("no_targets", lang)}</p>'
    if year is not None:
        tg = tg[tg.year == year]
        if tg.empty:
            return f'<p class="note">{labels.text("no_targets", lang)}</p>'
    cols = [("name", labels.text("col_name", lang)), ("year", labels.text("year", lang)),
            ("required", labels.text("col_required", lang)), ("achieved", labels.text("col_achieved", lang)),
            ("unit", labels.text("col_unit", lang)), ("hard", labels.text("col_hard", lang)), ("met", labels.text("col_met", lang)),
            ("active", labels.text("col_active", lang)), ("shadow_price", labels.text("col_shadow", lang)),
            ("penalty_cny", labels.text("col_penalty", lang))]
    if "cost_of_rule_cny" in tg:
        cols.append(("cost_of_rule_cny", labels.text("col_cost_rule", lang)))
    met_word = labels.text("word_yes", lang)
    rows = []
    for r in tg.to_dict("records"):
        row = dict(r)
        row["year"] = str(int(r["year"]))
        for key in ("hard", "met", "active"):
            row[key] = yes_no(r[key], lang)
        rows.append(row)
    return html_table(cols, rows, classes={"met": lambda v: "met" if v == met_word else "missed"})


def mip_vs_lp_html(relaxation: dict, lang: str, tolerance_mw: float = 1.0) -> str:
    """The MIP beside its LP relaxation: total cost, then capacities (MW) that differ by more than ``tolerance_mw``."""
    cols = [("item", labels.text("col_item", lang)), ("lp", labels.text("col_lp", lang)),
            ("mip", labels.text("col_mip", lang)), ("diff", labels.text("col_diff", lang))]
    lp_obj, mip_obj = relaxation.get("objective_cny"), relaxation.get("mip_objective_cny")
    rows = []
    if lp_obj is not None and mip_obj is not None:
        pct = relaxation.get("mip_minus_lp_pct")
        rows.append({"item": labels.text("row_total_cost", lang), "lp": lp_obj / 1e6, "mip": mip_obj / 1e6,
                     "diff": f"{(mip_obj - lp_obj) / 1e6:+,.1f} ({pct:+.3f} %)" if pct is not None else ""})
    differing = differing_capacities(relaxation, tolerance_mw)
    suffix = f" ({labels.text('row_retrofit', lang)})"
    for d in differing:
        rows.append({"item": f"{d['asset']} {d['year']}{suffix if d['retrofit'] else ''} (MW)", "lp": d["lp_mw"],
                     "mip": d["mip_mw"], "diff": f"{d['mip_mw'] - d['lp_mw']:+,.1f}"})
    parts = [f'<p class="note">{labels.text("mip_lp_note", lang)}</p>', html_table(cols, rows)]
    if not differing:
        parts.append(f'<p class="note">{labels.text("mip_lp_same", lang)}</p>')
    both = relaxation.get("simultaneous_charge_discharge_h") or {}
    if both:
        hours = ", ".join(f"{y}: {h:,.0f} h" for y, h in both.items())
        parts.append(f'<p class="note">{labels.text("mip_lp_both_ways", lang)}: {hours}</p>')
    return "".join(parts)


def rep_days_html(check: dict, lang: str) -> str:
    """Representative days against the full year: the statement, then the total cost and each checked capacity."""
    cols = [("item", labels.text("col_item", lang)), ("full", labels.text("col_full", lang)),
            ("rep", labels.text("col_rep", lang)), ("error", labels.text("col_error", lang))]

    def error(pct, within: bool, limit: float) -> str:
        text = f"{pct:+.2f} %" if pct is not None else "–"
        return text if within else f"{text} (> ±{limit:g} %)"

    rows = [{"item": labels.text("row_total_cost", lang), "full": check["full_objective_cny"] / 1e6,
             "rep": check["objective_cny"] / 1e6,
             "error": error(check["cost_error_pct"], check["cost_within"], check["cost_limit_pct"])}]
    rows += [{"item": f"{r['asset']} {r['year']} (MW)", "full": r["full_mw"], "rep": r["rep_mw"],
              "error": error(r["error_pct"], r["within"], check["capacity_limit_pct"])}
             for r in check["capacity"] if r["checked"]]
    classes = {"error": lambda v: "missed" if "> ±" in v else "met"}
    return (f'<p class="note">{html_escape(check["statement"])}</p><p class="note">{labels.text("rep_note", lang)}</p>'
            + html_table(cols, rows, classes=classes))


def build_sections(t: ReportTables, lang: str = "en") -> list[Section]:
    """Every section of a run's page, in order."""
    sections = [Section("overview", labels.text("kpi_title", lang), [kpi_html(t, lang)]),
                Section("capacity", labels.text("capacity_title", lang), [figures.capacity_figure(t, lang)]),
                Section("costs", labels.text("costs_title", lang), [figures.cost_figure(t, lang)])]
    if t.summary.get("rep_days_check"):
        sections.append(Section("rep_vs_full", labels.text("rep_title", lang), [rep_days_html(t.summary["rep_days_check"], lang)]))
    if t.summary.get("lp_relaxation"):
        sections.append(Section("mip_vs_lp", labels.text("mip_lp_title", lang), [mip_vs_lp_html(t.summary["lp_relaxation"], lang)]))
    for y in t.years:
        items = [figures.targets_figure(t, y, lang), targets_html(t, lang, y), figures.dispatch_figure(t, y, lang),
                 figures.storage_figure(t, y, lang), figures.heatmap_figure(t, y, lang), figures.duration_figure(t, y, lang),
                 figures.price_figure(t, y, lang)]
        sections.append(Section(f"y{y}", labels.text("planning_year", lang, year=y), items))
    return sections


def subtitle(t: ReportTables, lang: str) -> str:
    """One line under the page title: status, discounted total cost (million CNY), hours, years."""
    s = t.summary
    obj = s.get("objective_cny")
    parts = [f"{labels.text('status', lang)}: {s.get('status', '?')}"]
    if s.get("status") not in (None, "optimal"):
        parts.append(labels.text("not_proven", lang))
    gap = (s.get("solver") or {}).get("mip_gap")
    if gap is not None:
        parts.append(f"{labels.text('mip_gap', lang)}: {100 * gap:.3g} %")
    if obj is not None:
        parts.append(f"{labels.text('objective', lang)}: {obj / 1e6:,.1f} {labels.text('million_cny', lang)}")
    hours = (s.get("options") or {}).get("hours")
    if hours:
        parts.append(f"{labels.text('hours_modelled', lang)}: {hours}")
    parts.append(f"{labels.text('year', lang)}: {', '.join(str(y) for y in t.years)}")
    return " · ".join(parts)


def build_report(t: ReportTables, lang: str = "en") -> str:
    """The HTML of a run's page."""
    labels.check_lang(lang)
    title = labels.text("report_title", lang, case=t.summary.get("case", t.name))
    return render(title, subtitle(t, lang), build_sections(t, lang), lang)


def write_report(out_dir: str | Path, lang: str = "en", *, result=None, case=None) -> Path:
    """Write ``report.html`` into a result folder; return its path.

    Parameters
    ----------
    out_dir : path
        A result folder written by :func:`gridplan.write_result`.
    lang : {"en", "zh"}
        Language of the page.
    result : Result, optional
        Draw from this Result in memory instead of reading the folder's files.
    case : Case or path, optional
        The case the result was solved from. When the folder has no
        ``availability.parquet``, the case's PV and wind profiles are
        re-read to draw curtailment, and the table is saved in the folder
        for next time. Without either, the curtailment heatmap is left out.
    """
    labels.check_lang(lang)
    folder = Path(out_dir)
    tables = read_result(folder) if result is None else tables_from_result(result, name=folder.name)
    if tables.availability is None and (folder / AVAILABILITY_FILE).is_file():
        import pandas as pd

        tables.availability = pd.read_parquet(folder / AVAILABILITY_FILE)
    if tables.availability is None and case is not None:
        from gridplan.report.availability import (
            availability_from_case,
            save_availability,
        )

        tables.availability = availability_from_case(tables, case)
        save_availability(tables.availability, folder)
    return write_page(folder / REPORT_FILE, build_report(tables, lang))
