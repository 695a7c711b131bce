"""The result pages in a real browser: headless Chromium driven by Playwright.

Skipped, with the reason, when Chromium or Playwright is missing
(``.ci/install-browser`` installs both). Screenshots land in
``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import gridplan
from gridplan.api import require_solution
from gridplan.report import write_compare, write_report
from gridplan.report.browser import (
    chart_states,
    launch_browser,
    missing_reason,
    open_page,
)
from tests.test_report_figures import small_case

pytestmark = pytest.mark.skipif(missing_reason() is not None, reason=f"browser tests need Chromium and Playwright: {missing_reason()}")

ARTIFACTS = Path(__file__).parent / "artifacts"
DAYS = 40  # longer than a month, so that day, week, month and year are four different ranges


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for every test here (starting it costs seconds)."""
    with launch_browser() as b:
        yield b


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory):
    """Two result folders of the small case (40 days from 06-10), each with its report."""
    folder = tmp_path_factory.mktemp("browser")
    path = small_case(folder)
    result = require_solution(gridplan.solve(path, days=DAYS, start="06-10", method="simplex"))
    a = gridplan.write_result(result, folder / "runs" / "base")
    write_report(a, case=path)
    b = gridplan.write_result(result, folder / "runs" / "copy")
    return a, b


def _span_days(xrange) -> float:
    lo, hi = (pd.Timestamp(x) for x in xrange)
    return (hi - lo) / pd.Timedelta(days=1)


def _assert_all_drawn(page, info):
    assert info["ready"] == "1"
    assert info["console_errors"] == []
    states = chart_states(page)
    assert states, "no charts on the page"
    for s in states:
        assert s["traces"] > 0, s["id"]
        # Every trace drew: an SVG group per SVG trace, and a drawn canvas for WebGL ones.
        assert s["svg"] + s["gl"] == s["traces"], s
        assert s["glDrawn"], s
    return states


def test_run_page_draws_every_chart_and_buttons_change_the_range(run_dirs, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    with open_page(run_dirs[0] / "report.html", browser) as (page, info):
        states = _assert_all_drawn(page, info)
        assert len(states) == 2 + 6 * 2
        dispatch = page.evaluate("() => Array.from(document.querySelectorAll('div.js-plotly-plot'))"
                                 ".filter(gd => gd.data.some(t => t.stackgroup)).map(gd => gd.id)")
        assert len(dispatch) == 2  # one per planning year
        div = dispatch[0]

        def xrange():
            return page.evaluate(f"() => document.getElementById('{div}').layout.xaxis.range.slice()")

        assert _span_days(xrange()) == pytest.approx(7)  # the peak week by default
        spans = {}
        for label in ("month", "day", "year", "week"):
            page.locator(f"#{div} .updatemenu-button", has_text=label).click()
            page.wait_for_timeout(100)
            spans[label] = _span_days(xrange())
        assert spans["day"] == pytest.approx(1)
        assert spans["week"] == pytest.approx(7)
        assert 28 <= spans["month"] <= 31
        assert spans["year"] == pytest.approx(DAYS)
        # The curtailment heatmap is there because the report was written with the case.
        assert page.locator("text=curtailment = available").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "report_en.png"), full_page=True)


def test_chinese_page_and_compare_index_open_cleanly(run_dirs, browser):
    a, b = run_dirs
    write_report(a, "zh")
    with open_page(a / "report.html", browser) as (page, info):
        _assert_all_drawn(page, info)
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        assert "逐时调度" in page.content()
        page.screenshot(path=str(ARTIFACTS / "report_zh.png"))
    index = write_compare([a, b])
    with open_page(index, browser) as (page, info):
        states = _assert_all_drawn(page, info)
        assert len(states) == 3
        links = page.locator("table.data a")
        assert links.count() == 2
        page.screenshot(path=str(ARTIFACTS / "compare_en.png"), full_page=True)
        # Each link points at its run's page (relative, so the study folder can be moved whole).
        hrefs = [links.nth(i).get_attribute("href") for i in range(2)]
        assert hrefs == ["base/report.html", "copy/report.html"]
        assert all((index.parent / h).is_file() for h in hrefs)
