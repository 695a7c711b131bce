"""Report figures on a small solved case: the right traces and the right totals."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import gridplan
from gridplan.api import require_solution, restrict
from gridplan.errors import InputError
from gridplan.inputs import prepare
from gridplan.report import (
    figures,
    labels,
    read_result,
    tables_from_result,
    write_availability,
    write_compare,
    write_report,
)
from gridplan.report.availability import availability_from_case, availability_table
from gridplan.report.commands import register
from gridplan.report.flows import classify, system_frame
from tests.conftest import case_dict, write_case

HOURS = 8760
DAYS = 10


def small_case(folder: Path) -> Path:
    """One node with PV, wind, gas, a battery, DR and imports; a met and a missed soft target in 2030."""
    h = np.arange(HOURS)
    demand = 500 + 120 * np.sin(2 * np.pi * ((h % 24) - 8) / 24) + 40 * np.sin(2 * np.pi * h / (24 * 7))
    pv = np.clip(np.sin(2 * np.pi * ((h % 24) - 6) / 24), 0, None) * (0.75 + 0.25 * np.cos(2 * np.pi * h / (24 * 5)))
    wind = 0.35 + 0.3 * np.sin(2 * np.pi * h / 37.0)
    case = case_dict(
        demand, years=(2025, 2030),
        generators=[
            {"name": "pv", "node": "city", "technology": "utility PV", "profile_file": "pv.csv", "profile_column": "pv",
             "capex_cny_per_kw": 2500, "clean": True, "non_fossil": True, "groups": ["solar"], "max_total_mw": 1200},
            {"name": "wind", "node": "city", "technology": "onshore wind", "profile_file": "wind.csv", "profile_column": "wind",
             "capex_cny_per_kw": 9000, "clean": True, "non_fossil": True, "max_total_mw": 150},
            {"name": "gas", "node": "city", "technology": "gas CCGT", "variable_om_cny_per_mwh": 550, "capex_cny_per_kw": 3000,
             "clean": True},
        ],
        storage=[{"name": "battery", "node": "city", "technology": "new-type storage (LFP battery)",
                  "capex_cny_per_kw": 400, "capex_cny_per_kwh": 1200}],
        demand_response=[{"name": "dr", "node": "city", "potential_fraction_of_peak": 0.05, "capacity_cost_cny_per_kw_yr": 20,
                          "activation_cost_cny_per_mwh": 2000, "max_hours_per_year": 200}],
        policies=[
            {"name": "pv_2030", "type": "min_capacity", "year": 2030, "assets": ["solar"], "mw": 1000},
            # Soft and nearly free to miss: the model misses it, so the page must show a missed target.
            {"name": "wind_2030", "type": "min_capacity", "year": 2030, "assets": ["wind"], "mw": 400, "hard": False,
             "penalty_cny_per_unit": 1.0},
        ],
    )
    case["nodes"]["city"]["external"] = {"import_max_mw": 250, "export_max_mw": 100, "import_price_cny_per_mwh": 450,
                                         "export_price_cny_per_mwh": 150}
    case["nodes"]["city"]["demand"][2030] = {"annual_mwh": float(demand.sum() * 1.1), "peak_mw": float(demand.max() * 1.1)}
    case["hours"] = {"start": "07-01", "days": DAYS}
    return write_case(folder, case, {"demand": demand, "pv": pv, "wind": wind})


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """(case path, Result, ModelData, result folder with availability.parquet)."""
    folder = tmp_path_factory.mktemp("report_case")
    path = small_case(folder)
    result = require_solution(gridplan.solve(path, method="simplex"))
    data = prepare(restrict(gridplan.load_case(path)))
    out = gridplan.write_result(result, folder / "out")
    write_availability(result, data, out)
    return path, result, data, out


@pytest.fixture(scope="module")
def tables(solved):
    return read_result(solved[3])


def test_dispatch_stack_sums_to_demand_in_every_hour(tables):
    for year in tables.years:
        fig = figures.dispatch_figure(tables, year)
        stacked = [tr for tr in fig.data if tr.stackgroup]
        demand_line = [tr for tr in fig.data if not tr.stackgroup]
        assert len(demand_line) == 1
        total = np.sum([np.asarray(tr.y, dtype=float) for tr in stacked], axis=0)
        demand = np.asarray(demand_line[0].y, dtype=float)
        assert len(total) == DAYS * 24
        np.testing.assert_allclose(total, demand, rtol=1e-5, atol=1e-2)
        for tr in stacked:  # supply above zero, use below
            y = np.asarray(tr.y, dtype=float)
            assert (y >= 0).all() if tr.stackgroup == "supply" else (y <= 0).all(), tr.name
        names = {tr.name for tr in stacked}
        assert {"utility PV", "gas CCGT", "new-type storage (LFP battery) charge", "new-type storage (LFP battery) discharge"} <= names


def test_dispatch_defaults_to_the_peak_week_and_has_range_buttons(tables):
    fig = figures.dispatch_figure(tables, 2030)
    frame = system_frame(tables.dispatch, 2030)
    peak = pd.Timestamp(frame.timestamp.iloc[int(frame.demand_mw.values.argmax())])
    lo, hi = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert hi - lo == pd.Timedelta(days=7) and lo <= peak < hi
    buttons = {b.label: b.args[0]["xaxis.range"] for b in fig.layout.updatemenus[0].buttons}
    assert list(buttons) == ["day", "week", "month", "year"]
    day = [pd.Timestamp(x) for x in buttons["day"]]
    assert day[1] - day[0] == pd.Timedelta(days=1) and day[0] <= peak < day[1]
    # The window is 10 days, so month and year both show all modelled hours.
    assert pd.Timestamp(buttons["year"][0]) == frame.timestamp.min()
    assert pd.Timestamp(buttons["year"][1]) == frame.timestamp.max() + pd.Timedelta(hours=1)
    assert fig.layout.xaxis.rangeslider.visible


def test_capacity_bars_equal_the_capacity_table(tables):
    fig = figures.capacity_figure(tables)
    cap = tables.capacity
    installed = [tr for tr in fig.data if tr.xaxis == "x"]
    new = [tr for tr in fig.data if tr.xaxis == "x2"]
    assert len(installed) == cap.technology.nunique() == len(new)
    for tr in installed:
        for x, y in zip(tr.x, tr.y):
            assert y == pytest.approx(cap[(cap.technology == tr.name) & (cap.year == int(x))].capacity_mw.sum())
    for tr in new:
        for x, y in zip(tr.x, tr.y):
            assert y == pytest.approx(cap[(cap.technology == tr.name) & (cap.year == int(x))].new_mw.sum(), abs=1e-6)


def test_targets_figure_marks_met_and_missed(tables):
    fig = figures.targets_figure(tables, 2030)
    bars = fig.data[1]
    rows = tables.targets[tables.targets.year == 2030].set_index("name")
    assert set(bars.y) == set(rows.index)
    assert not rows.loc["wind_2030", "met"] and rows.loc["pv_2030", "met"]
    for name, pct, color in zip(bars.y, bars.x, bars.marker.color):
        r = rows.loc[name]
        assert pct == pytest.approx(100 * r.achieved / r.required)
        assert color == labels.series_color("met" if r.met else "missed")
    mix = fig.data[0]
    cap = tables.capacity[tables.capacity.year == 2030].groupby("technology").capacity_mw.sum()
    assert sum(mix.x) == pytest.approx(cap.sum())


def test_costs_add_up_to_the_cost_table(tables):
    fig = figures.cost_figure(tables)
    for year, grp in tables.costs.groupby("year"):
        shown = sum(tr.y[list(tr.x).index(str(year))] for tr in fig.data)
        assert shown == pytest.approx(grp.annual_cny.sum() / 1e6, rel=1e-9)
    assert {tr.meta[0] for tr in fig.data} >= {"capex", "imports"}


def test_storage_cycles_are_discharged_energy_over_capacity(tables):
    cycles = figures.storage_cycles(tables, 2030).set_index("asset")
    d = tables.dispatch[tables.dispatch.year == 2030]
    energy = tables.capacity.query("year == 2030 and asset == 'battery'").energy_mwh.item()
    expected = d.battery_discharge_mw.sum() * 8760 / (DAYS * 24) / energy
    assert cycles.loc["battery", "cycles"] == pytest.approx(expected)
    assert 1 < expected < 8760 / 2  # a used battery cycles, but at most once per two hours
    fig = figures.storage_figure(tables, 2030)
    soc = next(tr for tr in fig.data if tr.type == "scatter")
    np.testing.assert_allclose(np.asarray(soc.y, dtype=float), d.battery_soc_mwh.to_numpy(), rtol=1e-6, atol=1e-2)


def test_curtailment_matches_the_solvers_kpi_and_net_load_heatmap(tables):
    for year in tables.years:
        curt = figures.curtailment(tables, year)
        kpi = tables.kpis.set_index("year").loc[year, "vre_curtailment_mwh"]
        assert (curt >= 0).all()
        assert curt.sum() * 8760 / (DAYS * 24) == pytest.approx(kpi, rel=1e-4, abs=1.0)
        frame, nl = figures.net_load(tables, year)
        np.testing.assert_allclose(nl, frame.demand_mw - frame.pv_mw - frame.wind_mw)
        fig = figures.heatmap_figure(tables, year)
        z = np.asarray(fig.data[0].z, dtype=float)
        assert z.shape == (DAYS, 24)
        assert np.nansum(z) == pytest.approx(nl.sum(), rel=1e-5)
    assert tables.kpis.vre_curtailment_mwh.max() > 0  # the case does curtail, so the check above means something


def test_availability_from_the_case_equals_the_in_memory_table(solved):
    path, result, data, _ = solved
    again = availability_from_case(result, path)
    direct = availability_table(result, data)
    pd.testing.assert_frame_equal(again, direct, check_exact=False, rtol=1e-12)


def test_duration_curves_are_sorted_and_span_the_year(tables):
    fig = figures.duration_figure(tables, 2030)
    assert len(fig.data) == 3
    for tr in fig.data:
        y = np.asarray(tr.y, dtype=float)
        assert (np.diff(y) <= 1e-6).all()
        x = np.asarray(tr.x, dtype=float)
        assert (np.diff(x) > 0).all() and x[-1] == pytest.approx(8760, rel=1e-6)  # cumulative hours of the year
    load = np.asarray(fig.data[0].y, dtype=float)
    assert load[0] == pytest.approx(tables.dispatch.query("year == 2030").demand_mw.max(), rel=1e-6)


def test_every_flow_has_one_colour_and_same_technology_same_colour(tables):
    flows = classify(tables.dispatch, tables.capacity)
    assert {f.column for f in flows} == {c for c in tables.dispatch if c.endswith("_mw") and c != "demand_mw"}
    assert labels.technology_color("rooftop PV") == labels.technology_color("rooftop PV")
    assert labels.technology_color("rooftop PV") != labels.technology_color("utility PV")
    assert labels.category("offshore wind (Gaolan)") == "offshore_wind" and labels.category("gas CHP (F-class)") == "gas"
    en = figures.dispatch_figure(tables, 2030, "en")
    zh = figures.dispatch_figure(tables, 2030, "zh")
    assert [t.fillcolor for t in en.data] == [t.fillcolor for t in zh.data]


def test_every_text_has_english_and_chinese():
    data = labels._labels()
    for key, entry in data["text"].items():
        assert entry.get("en") and entry.get("zh"), key
        assert re.search(r"[\u4e00-\u9fff]", entry["zh"]), key
    assert data["source"]


def test_report_page_is_self_contained(solved, tables):
    out = solved[3]
    path = write_report(out)
    page = path.read_text(encoding="utf-8")
    assert page.count("* plotly.js v") == 1  # the bundle's licence header: embedded exactly once
    assert not re.findall(r"<(?:script|link|img)[^>]*\b(?:src|href)=", page)  # nothing loaded from elsewhere
    n_figures = page.count('class="chart"')
    assert n_figures == 2 + 6 * len(tables.years)  # capacity, costs, then six per planning year
    assert "wind_2030" in page and "shadow price" in page
    zh = write_report(out, "zh").read_text(encoding="utf-8")
    assert "逐时调度" in zh and "集中式光伏" in zh and 'lang="zh-CN"' in zh


def test_figures_from_memory_equal_figures_from_the_folder(solved):
    _, result, _, out = solved
    disk = read_result(out)
    memory = tables_from_result(result, availability=disk.availability)
    for make in (lambda t: figures.dispatch_figure(t, 2030), lambda t: figures.heatmap_figure(t, 2030),
                 figures.capacity_figure, figures.cost_figure):
        a, b = make(disk), make(memory)
        assert [tr.name for tr in a.data] == [tr.name for tr in b.data]
        for ta, tb in zip(a.data, b.data):
            ya, yb = (np.asarray(t.z if t.type == "heatmap" else t.y, dtype=float) for t in (ta, tb))
            np.testing.assert_allclose(ya, yb, rtol=1e-6, atol=1e-6)


def test_compare_page_links_every_run(solved, tmp_path):
    result = solved[1]
    other = gridplan.write_result(result, tmp_path / "runs" / "b")
    first = gridplan.write_result(result, tmp_path / "runs" / "a")
    index = write_compare([first, other])
    assert index == (tmp_path / "runs" / "index.html").resolve()
    page = index.read_text(encoding="utf-8")
    assert 'href="a/report.html"' in page and 'href="b/report.html"' in page
    assert (first / "report.html").is_file() and (other / "report.html").is_file()
    assert page.count('class="chart"') == 3


def test_cli_report_errors_are_one_line_with_exit_2(tmp_path, solved):
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # a callback keeps "report" as a named sub-command, as in gridplan's app
        pass

    runner = CliRunner()
    missing = tmp_path / "nowhere"
    run = runner.invoke(app, ["report", str(missing)])
    assert run.exit_code == 2
    assert "Traceback" not in run.output and str(missing) in run.output and "gridplan solve" in run.output
    run = runner.invoke(app, ["report", str(solved[3]), "--lang", "fr"])
    assert run.exit_code == 2 and "--lang" in run.output
    run = runner.invoke(app, ["report", str(solved[3]), "--lang", "zh"])
    assert run.exit_code == 0, run.output
    assert (solved[3] / "report.html").is_file()


def test_read_result_names_the_missing_file(tmp_path, solved):
    broken = gridplan.write_result(solved[1], tmp_path / "broken")
    (broken / "dispatch.parquet").unlink()
    with pytest.raises(InputError, match="dispatch.parquet"):
        read_result(broken)


def test_two_nodes_are_summed_into_one_city_stack_with_a_price_line_each(tables):
    from dataclasses import replace

    other = tables.dispatch.assign(node="town")
    prices = pd.concat([tables.prices, tables.prices.assign(node="town", price_cny_per_mwh=tables.prices.price_cny_per_mwh * 2)])
    both = replace(tables, dispatch=pd.concat([tables.dispatch, other], ignore_index=True), prices=prices)
    fig = figures.dispatch_figure(both, 2030)
    stacked = np.sum([np.asarray(tr.y, dtype=float) for tr in fig.data if tr.stackgroup], axis=0)
    one_node = tables.dispatch.query("year == 2030").demand_mw.to_numpy()
    np.testing.assert_allclose(stacked, 2 * one_node, rtol=1e-5, atol=1e-2)
    price = figures.price_figure(both, 2030)
    assert sorted(tr.name for tr in price.data) == ["city", "town"]


def test_target_table_shows_the_cost_of_each_rule_when_priced(tables):
    from dataclasses import replace

    from gridplan.report.run_page import targets_html

    assert "cost of the rule" not in targets_html(tables, "en")
    priced = replace(tables, targets=tables.targets.assign(cost_of_rule_cny=[1234567.0, 0.0]))
    page = targets_html(priced, "en")
    assert "cost of the rule (CNY)" in page and "1,234,567" in page
    assert page.count('class="missed"') == 1 and page.count('class="met"') == 1


def test_figure_functions_take_a_result_or_a_folder_too(solved, tables):
    _, result, _, out = solved
    from_tables = figures.capacity_figure(tables)
    for source in (result, out, str(out)):
        fig = figures.capacity_figure(source)
        np.testing.assert_allclose(np.array([tr.y for tr in fig.data], dtype=float),
                                   np.array([tr.y for tr in from_tables.data], dtype=float), rtol=1e-9)


def test_time_axis_sends_x0_dx_for_contiguous_hours_and_stamps_for_a_window_that_wraps():
    hours = pd.date_range("2030-07-01", periods=48, freq="h")
    assert figures._time_axis(pd.DataFrame({"timestamp": hours})) == {"x0": "2030-07-01 00:00", "dx": 3_600_000}
    # A window from 12-31 wraps to January of the same (reference) year: the hours are not contiguous.
    wrapped = pd.DatetimeIndex(list(pd.date_range("2030-12-31", periods=24, freq="h")) + list(pd.date_range("2030-01-01", periods=24, freq="h")))
    axis = figures._time_axis(pd.DataFrame({"timestamp": wrapped}))
    assert axis["x"][0] == "2030-12-31 00:00" and axis["x"][24] == "2030-01-01 00:00" and len(axis["x"]) == 48
    ranges = figures.time_ranges(pd.DataFrame({"timestamp": hours}), np.r_[np.zeros(47), 1.0])
    assert ranges["day"] == ["2030-07-02 00:00", "2030-07-03 00:00"]  # the peak hour's day
    assert ranges["week"] == ranges["year"] == ["2030-07-01 00:00", "2030-07-03 00:00"]  # clipped to the window


def test_subtitle_says_when_a_result_is_not_proven_optimal(tables):
    from gridplan.report.run_page import subtitle

    import dataclasses

    assert "NOT PROVEN" not in subtitle(tables, "en")
    stopped = dataclasses.replace(tables, summary={**tables.summary, "status": "time_limit", "solver": {"mip_gap": 0.0123}})
    line = subtitle(stopped, "en")
    assert "NOT PROVEN OPTIMAL" in line and "MIP gap: 1.23 %" in line
    assert "未证明最优" in subtitle(stopped, "zh")
