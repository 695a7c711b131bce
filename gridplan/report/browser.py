"""Open result pages in headless Chromium (Playwright), for the browser tests and the benchmark.

Uses the system's Chromium (Debian's ``chromium`` package, ``.ci/install-browser``),
never a browser that Playwright would download.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: JavaScript returning, per chart div: id, traces in the figure, traces drawn (SVG groups,
#: heatmap images, WebGL traces counted once their canvas has a size), and the x-range.
CHART_STATE_JS = """
() => Array.from(document.querySelectorAll('div.js-plotly-plot')).map(gd => {
  const svg = Array.from(gd.querySelectorAll('.cartesianlayer .scatterlayer g.trace, .cartesianlayer .barlayer g.trace, .cartesianlayer .heatmaplayer g.hm'))
    .filter(el => !el.closest('.rangeslider-container')).length;
  const gl = (gd._fullData || []).filter(t => t.type && t.type.endsWith('gl')).length;
  const canvas = Array.from(gd.querySelectorAll('canvas')).some(c => c.width > 0 && c.height > 0);
  return {id: gd.id, traces: (gd.data || []).length, svg: svg, gl: gl, glDrawn: gl === 0 || canvas,
          xrange: gd.layout.xaxis && gd.layout.xaxis.range ? gd.layout.xaxis.range.slice() : null,
          types: (gd.data || []).map(t => t.type || 'scatter')};
})
"""


def chromium_path() -> str | None:
    """Path of the system Chromium, or None."""
    env = os.environ.get("GRIDPLAN_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_reason() -> str | None:
    """Why pages cannot be opened here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (run .ci/install-browser)"
    if chromium_path() is None:
        return "Chromium is not installed (run .ci/install-browser: apt-get install chromium)"
    return None


@contextmanager
def launch_browser():
    """Start headless Chromium once (Playwright driving the system's Chromium); yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(path: str | Path, browser=None, width: int = 1400, height: int = 900, timeout_s: float = 90.0):
    """Open ``path`` in headless Chromium and wait until every chart has drawn.

    Parameters
    ----------
    browser : playwright Browser, optional
        Reuse this browser (from :func:`launch_browser`); by default one is started and closed.

    Yields
    ------
    (page, info)
        The Playwright page, and a dict with ``load_s`` (seconds from
        navigation until the page set ``data-ready``), ``ready`` (``"1"``, or
        ``"error"`` when a chart failed), ``console_errors`` (console
        messages of type error and uncaught page errors), and
        ``main_thread_s`` / ``script_s``: seconds of main-thread work and of
        JavaScript in that time, as Chromium counts them.
    """
    if browser is None:
        with launch_browser() as own, open_page(path, own, width, height, timeout_s) as opened:
            yield opened
        return
    errors: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        # Chromium's own account of the page's main-thread work: unlike wall time, it does
        # not grow when other processes load the machine.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        t0 = time.perf_counter()
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_selector("body[data-ready]", state="attached", timeout=timeout_s * 1000)
        load_s = time.perf_counter() - t0
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        info = {"load_s": load_s, "console_errors": errors, "ready": page.get_attribute("body", "data-ready"),
                "main_thread_s": metrics.get("TaskDuration"), "script_s": metrics.get("ScriptDuration")}
        yield page, info
    finally:
        page.close()


def chart_states(page) -> list[dict]:
    """Per chart div: traces in the figure, SVG traces drawn, WebGL traces and whether their canvas drew, x-range."""
    return page.evaluate(CHART_STATE_JS)
