"""Interactive result pages: ``report.html`` per run and an index comparing runs.

>>> from gridplan.report import write_report, read_result, figures
>>> write_report("results/dongguan", lang="zh")          # results/dongguan/report.html
>>> figures.dispatch_figure(read_result("results/dongguan"), 2030).show()
"""

from gridplan._lazy import lazy_exports

_EXPORTS = {
    "figures": "gridplan.report",
    **dict.fromkeys(["availability_table", "write_availability"], "gridplan.report.availability"),
    "write_compare": "gridplan.report.compare",
    **dict.fromkeys(["ReportTables", "read_result", "tables_from_result"], "gridplan.report.load"),
    **dict.fromkeys(["build_report", "write_report"], "gridplan.report.run_page"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
