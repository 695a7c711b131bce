"""Assemble figures and tables into one self-contained HTML page.

plotly.js is embedded once, inline, so the page opens with no network. Each
figure is a ``<div>`` plus its JSON (numeric arrays base64-encoded by
plotly), drawn by one script at the end: the charts of the first screen at
once, the others one by one after it. When every figure has drawn, the
``<body>`` gets ``data-ready="1"`` (``"error"`` if one failed); the browser
tests and the benchmark wait for it.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from gridplan.report import labels

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif;
       margin: 0; color: #222; background: #fafafa; }
header { background: #1f3b57; color: #fff; padding: 14px 24px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header p { margin: 0; font-size: 13px; opacity: .9; }
nav { padding: 8px 24px; background: #eef2f6; font-size: 13px; }
nav a { margin-right: 14px; color: #1f3b57; }
main { max-width: 1400px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid #e2e6ea; border-radius: 6px; margin: 16px 0; padding: 8px 12px; }
h2 { font-size: 18px; margin: 10px 4px; }
.chart { width: 100%; }
table.data { border-collapse: collapse; font-size: 13px; margin: 8px 4px 12px; }
table.data th, table.data td { border-bottom: 1px solid #e2e6ea; padding: 4px 10px; text-align: right; }
table.data th { background: #f3f5f7; }
table.data td.text, table.data th.text { text-align: left; }
td.met { color: #2ca02c; font-weight: 600; } td.missed { color: #d62728; font-weight: 600; }
p.note { font-size: 12px; color: #666; margin: 4px; }
"""

SCRIPT = """
(function () {
  // Charts on the first screen are drawn at once; the others one per task afterwards, so
  // the page answers to the reader while they draw, and scrolling to a chart draws it
  // first. Times (ms since navigation) land in window.GRIDPLAN_DRAW_MS and
  // window.GRIDPLAN_FIRST_SCREEN_MS; <body data-ready> is set when every chart has drawn.
  var drawMs = window.GRIDPLAN_DRAW_MS = {};
  var started = {}, left = FIGURES.length, failed = false, byId = {};
  FIGURES.forEach(function (f) { byId[f[0]] = f; });
  function finish() {
    if (--left === 0) document.body.setAttribute('data-ready', failed ? 'error' : '1');
  }
  function draw(id) {
    if (started[id]) return Promise.resolve();
    started[id] = true;
    var f = byId[id], t0 = performance.now();
    return Plotly.newPlot(id, f[1].data, f[1].layout, {responsive: true, displaylogo: false})
      .then(function () { drawMs[id] = performance.now() - t0; finish(); },
            function (e) { console.error('chart ' + id + ': ' + e); failed = true; finish(); });
  }
  if (!FIGURES.length) { document.body.setAttribute('data-ready', '1'); return; }
  var firstScreen = FIGURES.filter(function (f) {
    return document.getElementById(f[0]).getBoundingClientRect().top < window.innerHeight;
  });
  Promise.all(firstScreen.map(function (f) { return draw(f[0]); })).then(function () {
    window.GRIDPLAN_FIRST_SCREEN_MS = performance.now();
  });
  if ('IntersectionObserver' in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) draw(e.target.id); });
    }, {rootMargin: '300px'});
    FIGURES.forEach(function (f) { seen.observe(document.getElementById(f[0])); });
  }
  var queue = FIGURES.map(function (f) { return f[0]; });
  (function next() {
    while (queue.length && started[queue[0]]) queue.shift();
    if (!queue.length) return;
    draw(queue.shift());
    setTimeout(next, 0);
  })();
})();
"""


@dataclass
class Section:
    """A titled block of a page: figures and HTML snippets, in order."""

    anchor: str
    title: str
    items: list = field(default_factory=list)


def figure_json(fig: go.Figure) -> str:
    """The figure's JSON, safe to put inside a ``<script>`` element.

    Serialised with the standard library and ``ensure_ascii=False`` so that the
    page is the same whether or not orjson is installed (plotly prefers it when
    present, and the two escape Chinese labels differently).
    """
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")


def render(title: str, subtitle: str, sections: list[Section], lang: str = "en") -> str:
    """The whole page as a string (plotly.js inline once; figures drawn by one script)."""
    figures: list[str] = []
    body: list[str] = []
    for sec in sections:
        body.append(f'<section id="{html.escape(sec.anchor)}"><h2>{html.escape(sec.title)}</h2>')
        for item in sec.items:
            if isinstance(item, go.Figure):
                div = f"fig-{len(figures)}"
                height = item.layout.height or 420
                body.append(f'<div class="chart" id="{div}" style="height:{int(height)}px"></div>')
                figures.append(f'["{div}", {figure_json(item)}]')
            else:
                body.append(str(item))
        body.append("</section>")
    nav = "".join(f'<a href="#{html.escape(s.anchor)}">{html.escape(s.title)}</a>' for s in sections)
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>",
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>",
        f"<nav>{nav}</nav><main>",
        *body,
        "</main>",
        "<script>var FIGURES = [\n" + ",\n".join(figures) + "\n];" + SCRIPT + "</script>",
        "</body></html>",
    ])


def write_page(path: Path, page: str) -> Path:
    """Write ``page`` to ``path`` atomically (a temporary file renamed into place)."""
    from gridplan.output import write_file_atomically

    return write_file_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))


def html_table(columns: list[tuple[str, str]], rows: list[dict], classes: dict | None = None, raw: tuple[str, ...] = ()) -> str:
    """A plain HTML table; ``columns`` are (key, header), numbers right-aligned, text left-aligned.

    ``classes`` maps a column key to a function ``value -> css class`` (e.g. met/missed);
    cells of the ``raw`` columns are HTML that gridplan made (links) and are not escaped.
    """
    classes = classes or {}
    head = "".join(f'<th class="{"text" if i == 0 else ""}">{html.escape(h)}</th>' for i, (_, h) in enumerate(columns))
    out = [f'<table class="data"><thead><tr>{head}</tr></thead><tbody>']
    for r in rows:
        cells = []
        for i, (key, _) in enumerate(columns):
            v = r.get(key, "")
            css = classes[key](v) if key in classes else ("text" if i == 0 or isinstance(v, str) else "")
            cells.append(f'<td class="{css}">{v if key in raw else html.escape(_cell(v))}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _cell(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:,.1f}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)


def yes_no(value, lang: str) -> str:
    """``yes``/``no`` in the page's language for a boolean cell."""
    return labels.text("word_yes" if bool(value) else "word_no", lang)


def dump_json(obj) -> str:
    """Compact JSON for data attributes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
