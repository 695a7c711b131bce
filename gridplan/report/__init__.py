"""Interactive result pages: ``report.html`` per run and an index comparing runs.

>>> from gridplan.report import write_report, read_result, figures
>>> write_report("results/dongguan", lang="zh")          # results/dongguan/report.html
>>> figures.dispatch_figure(read_result("results/dongguan"), 2030).show()
"""

from gridplan.report import figures
from gridplan.report.availability import availability_table, write_availability
from gridplan.report.compare import write_compare
from gridplan.report.load import ReportTables, read_result, tables_from_result
from gridplan.report.run_page import build_report, write_report

__all__ = [
           "ReportTables",
           "availability_table",
           "build_report",
           "figures",
           "read_result",
           "tables_from_result",
           "write_availability",
           "write_compare",
           "write_report",
]
