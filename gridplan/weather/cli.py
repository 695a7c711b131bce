"""Command line for weather: ``gridplan weather synth|fetch|stats`` and ``gridplan profiles``.

The lead mounts :data:`app` as ``gridplan weather`` and
:func:`profiles_command` as ``gridplan profiles --city X``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from gridplan.errors import InputError

app = typer.Typer(help="Typical-year weather: generate, download, derive statistics.", no_args_is_help=True)
console = Console()


def _fail(err: InputError) -> None:
    """Print a user error as one line and exit with code 2 (no traceback)."""
    console.print(f"[red]error:[/red] {err.line()}", highlight=False)
    raise typer.Exit(code=2)


@app.command("synth")
def synth_command(
    city: str = typer.Option(..., "--city", help="City key, e.g. dongguan."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output CSV (default weather/<city>.csv)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Generator seed (default: the city's seed)."),
) -> None:
    """Generate a city's synthetic typical year from weather/monthly_stats.yaml."""
    from gridplan.weather.synth import write_city_weather

    try:
        path = write_city_weather(city, out=out, seed=seed)
    except InputError as err:
        _fail(err)
    console.print(f"wrote {path}")


@app.command("fetch")
def fetch_command(
    lat: float = typer.Option(..., "--lat", help="Latitude, degrees north."),
    lon: float = typer.Option(..., "--lon", help="Longitude, degrees east."),
    out: Path = typer.Option(..., "--out", help="Output weather CSV."),
) -> None:
    """Download a PVGIS typical year (needs internet) and save it as gridplan weather CSV."""
    from gridplan.weather.readers import fetch_pvgis_tmy, write_weather_csv

    try:
        df = fetch_pvgis_tmy(lat, lon)
    except InputError as err:
        _fail(err)
    write_weather_csv(df, out, header={"source": df.attrs.get("source", "PVGIS TMY")})
    console.print(f"wrote {out} (annual GHI {df['ghi'].sum() / 1000:.0f} kWh/m2)")


@app.command("stats")
def stats_command(
    shared: Path = typer.Option(..., "--shared", help="Folder holding weather-sources/*.epw."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output YAML (default weather/monthly_stats.yaml)."),
) -> None:
    """Recompute weather/monthly_stats.yaml from the reference station EPW files."""
    from gridplan.weather.synth import write_monthly_stats

    try:
        path = write_monthly_stats(shared, out)
    except InputError as err:
        _fail(err)
    console.print(f"wrote {path}")


def profiles_command(city: str, out: Path | None = None, annual_mwh: float | None = None,
                     peak_mw: float | None = None) -> None:
    """Print annual full-load hours of a city and write a plotly HTML plot.

    Parameters
    ----------
    city : str
        City key.
    out : pathlib.Path, optional
        HTML file; default ``profiles_<city>.html`` in the working directory.
    annual_mwh, peak_mw : float, optional
        The city's annual demand (MWh) and peak (MW); when both are given and
        ``gridplan.weather.demand.demand_profile`` is available, the demand
        driven by the city's weather is summarised and plotted too.
    """
    from gridplan.weather.cities import load_city
    from gridplan.weather.profiles import PROFILE_COLUMNS, city_profiles, city_weather

    try:
        meta = load_city(city)
        prof = city_profiles(city)
    except InputError as err:
        _fail(err)
    table = Table(title=f"{meta['name']}: typical-year capacity factors ({meta['weather_file'].name})")
    table.add_column("technology")
    table.add_column("full-load hours (h)", justify="right")
    table.add_column("capacity factor", justify="right")
    for col in PROFILE_COLUMNS:
        flh = float(prof[col].sum())
        table.add_row(col, f"{flh:,.0f}", f"{flh / len(prof):.1%}")
    demand = None
    if annual_mwh is not None and peak_mw is not None:
        try:
            demand = _demand(meta["key"], city_weather(city)["temp_air"], annual_mwh, peak_mw)
        except InputError as err:
            _fail(err)
    if demand is not None:
        table.add_row("demand energy (TWh)", f"{float(demand.sum()) / 1e6:,.2f}", "")
        table.add_row("demand peak (MW)", f"{float(demand.max()):,.0f}",
                      f"load factor {float(demand.mean() / demand.max()):.1%}")
    console.print(table)
    if annual_mwh is None or peak_mw is None:
        console.print("[dim]demand: give the city's annual energy and peak to add it[/dim]")
    path = Path(out) if out is not None else Path(f"profiles_{meta['key']}.html")
    if demand is not None:
        prof = prof.assign(demand_per_peak=(demand / demand.max()).to_numpy()[: len(prof)])
    _plot(prof, meta["name"], path)
    console.print(f"wrote {path}")


def _demand(city: str, temperature, annual_mwh: float, peak_mw: float):
    """Hourly demand (MW) from gridplan.weather.demand if that module exists, else None."""
    try:
        from gridplan.weather.demand import demand_profile  # written by another engineer
    except ImportError:
        return None
    region = "jiangxi" if city == "ruijin" else "guangdong"
    try:
        return demand_profile(annual_mwh, peak_mw, temperature=temperature, region=region)
    except TypeError as exc:  # its signature changed: profiles still print
        console.print(f"[yellow]demand skipped:[/yellow] {exc}")
        return None


def _plot(prof, name: str, path: Path) -> None:
    """Monthly mean capacity factors and the average day, as plotly HTML."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("Monthly mean capacity factor", "Average day (local time)"))
    monthly = prof.groupby(prof.index.month).mean()
    daily = prof.groupby(prof.index.hour).mean()
    for i, col in enumerate(prof.columns):
        color = ["#f2a900", "#d95f02", "#1b9e77", "#386cb0", "#666666"][i % 5]
        fig.add_trace(go.Scatter(x=monthly.index, y=monthly[col], name=col, line={"color": color},
                                 legendgroup=col), row=1, col=1)
        fig.add_trace(go.Scatter(x=daily.index, y=daily[col], name=col, line={"color": color},
                                 legendgroup=col, showlegend=False), row=1, col=2)
    fig.update_xaxes(title_text="month", row=1, col=1)
    fig.update_xaxes(title_text="hour", row=1, col=2)
    fig.update_yaxes(title_text="MW per MW", rangemode="tozero")
    fig.update_layout(title=f"{name}: PV and wind capacity factors (gridplan synthetic typical year)")
    fig.write_html(path, include_plotlyjs="cdn")
