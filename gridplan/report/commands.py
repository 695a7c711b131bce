"""``gridplan report``: write the interactive result page(s).

The lead mounts it in ``gridplan/cli.py`` with ``report_commands.register(app)``.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""

    @app.command()
    def report(
        out_dirs: list[Path] = typer.Argument(..., help="Result folder(s) written by `gridplan solve --out`."),
        lang: str = typer.Option("en", "--lang", help="Language of the pages: en or zh."),
        compare: bool = typer.Option(False, "--compare", help="Write an index page comparing the runs (one row per run)."),
        case: Path | None = typer.Option(None, "--case", help="The case file, to draw PV and wind curtailment when the folder has no availability.parquet."),
        out: Path | None = typer.Option(None, "--out", help="With --compare: the index file (default: index.html in the folders' common parent)."),
    ) -> None:
        """Write report.html (capacity, targets, dispatch, storage, heatmaps, prices, costs) into each result folder."""
        from gridplan.cli import _fail
        from gridplan.errors import GridplanError, InputError
        from gridplan.report import write_compare, write_report

        try:
            if compare:
                path = write_compare(out_dirs, out, lang=lang)
                typer.echo(f"comparison of {len(out_dirs)} runs written to {path}")
                return
            if len(out_dirs) > 1 and case is not None:
                raise InputError("<command line>", "--case", "one case file given for several result folders", "report one folder at a time with --case")
            for d in out_dirs:
                path = write_report(d, lang, case=case)
                typer.echo(f"report written to {path}")
        except GridplanError as exc:
            _fail(exc)
