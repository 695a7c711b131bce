"""Turn a validated case into the numbers the model needs (arrays, not YAML).

Everything that reads files or runs weather models happens here, once, so
the model builder only sees numpy arrays: hourly demand (MW) per node and
year, hourly availability (per unit of capacity) per generator, the
modelled hours and their weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridplan.case.schema import Case, Generator, Node
from gridplan.errors import InputError
from gridplan.timeseries import RepresentativeDays, representative_days

HOURS_PER_YEAR = 8760
#: Availability values below this are set to 0: HiGHS drops tiny coefficients with a warning.
MIN_COEFFICIENT = 1e-6


@dataclass
class ModelData:
    """Numbers for one case, ready for the model builder.

    Attributes
    ----------
    case : Case
    hours : np.ndarray
        Hour-of-year positions (0..8759) that are modelled, in order.
    weights : np.ndarray
        Hours of the year each modelled hour stands for (they sum to 8760):
        8760 / n for a window, the number of days a representative day
        stands for with representative days.
    previous : np.ndarray
        Index of the hour before each modelled hour; the sequence wraps
        within the window (or within each representative day).
    demand_mw : dict[(node, year), np.ndarray]
        Hourly demand, MW, over the modelled hours.
    peak_mw : dict[(node, year), float]
        The year's peak demand, MW (from the case, over the whole year).
    availability : dict[generator name, np.ndarray | float]
        Hourly available output per MW of capacity (weather-driven), or one
        factor for dispatchable plants.
    timestamps : pd.DatetimeIndex
        Local time of each modelled hour, in a reference non-leap year.
    rep_days : RepresentativeDays or None
        The representative days, when the case models them.
    """

    case: Case
    hours: np.ndarray
    weights: np.ndarray
    previous: np.ndarray
    demand_mw: dict[tuple[str, int], np.ndarray]
    peak_mw: dict[tuple[str, int], float]
    availability: dict[str, np.ndarray | float]
    timestamps: pd.DatetimeIndex
    weather: dict[str, pd.DataFrame] = field(default_factory=dict)
    rep_days: RepresentativeDays | None = None

    @property
    def hour_weight(self) -> float:
        """Mean hours of the year per modelled hour (8760 / n)."""
        return HOURS_PER_YEAR / len(self.hours)

    @property
    def years(self) -> list[int]:
        return list(self.case.years)

    @property
    def n_hours(self) -> int:
        return len(self.hours)


def modelled_hours(case: Case) -> np.ndarray:
    """Hour-of-year positions selected by ``case.hours`` (a contiguous window, wrapping at year end)."""
    if case.hours.days is None:
        return np.arange(HOURS_PER_YEAR)
    start = pd.Timestamp(f"2025-{case.hours.start}")
    first = int((start - pd.Timestamp("2025-01-01")) / pd.Timedelta(hours=1))
    return (first + np.arange(24 * case.hours.days)) % HOURS_PER_YEAR


def resolve_path(case: Case, path: str) -> Path:
    """A path from the case, relative to the case file's folder."""
    p = Path(path)
    return p if p.is_absolute() else case.base_dir / p


def read_series_csv(path: Path, column: str, file_label: str, field: str) -> np.ndarray:
    """Read one 8760-value column from a CSV file, with clear errors."""
    try:
        frame = pd.read_csv(path, comment="#")
    except FileNotFoundError:
        raise InputError(file_label, field, f"file {path} not found", "check the path (relative to the case file)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(path), "", f"is not a readable CSV ({exc})", "save it as comma-separated text") from None
    if column not in frame.columns:
        raise InputError(str(path), column, f"column {column!r} missing (columns: {list(frame.columns)})", "name the column or set the column field in the case")
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if len(values) != HOURS_PER_YEAR:
        raise InputError(str(path), column, f"has {len(values)} rows, not 8760", "give one value per hour of a non-leap year")
    if np.isnan(values).any():
        bad = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(str(path), column, f"has a missing or non-numeric value at row {bad + 1}", "fill every hour with a number")
    return values


def _node_weather(case: Case, name: str, node: Node, cache: dict) -> pd.DataFrame:
    key = node.weather
    if key in cache:
        return cache[key]
    from gridplan.weather.profiles import city_weather
    from gridplan.weather.readers import read_weather

    candidate = resolve_path(case, key)
    if candidate.suffix.lower() in (".epw", ".csv", ".json", ".txt") or candidate.exists():
        frame = read_weather(candidate)
    else:
        frame = city_weather(key)
    cache[key] = frame
    return frame


def _profiles_for(case: Case, node_name: str, weather_cache: dict, profile_cache: dict) -> pd.DataFrame:
    node = case.nodes[node_name]
    if node_name in profile_cache:
        return profile_cache[node_name]
    from gridplan.weather.profiles import weather_profiles

    frame = _node_weather(case, node_name, node, weather_cache)
    lat = node.latitude if node.latitude is not None else frame.attrs.get("latitude")
    lon = node.longitude if node.longitude is not None else frame.attrs.get("longitude")
    if lat is None or lon is None:
        from gridplan.weather.cities import city_names, load_city

        if node.weather in city_names():
            meta = load_city(node.weather)
            lat, lon = meta["latitude"], meta["longitude"]
    if lat is None or lon is None:
        raise InputError(case.file, f"nodes.{node_name}", "latitude/longitude unknown for PV profiles", "add latitude and longitude to the node")
    profiles = weather_profiles(frame, latitude=lat, longitude=lon)
    profile_cache[node_name] = profiles
    return profiles


def generator_availability(case: Case, gen: Generator, weather_cache: dict, profile_cache: dict) -> np.ndarray | float:
    """Hourly available output per MW for ``gen`` over the whole year, or one factor."""
    if gen.profile_file is not None:
        column = gen.profile_column or gen.name
        values = read_series_csv(resolve_path(case, gen.profile_file), column, case.file, f"generators[{gen.name}].profile_file")
    elif gen.profile is not None:
        profiles = _profiles_for(case, gen.node, weather_cache, profile_cache)
        if gen.profile not in profiles.columns:
            raise InputError(case.file, f"generators[{gen.name}].profile", f"unknown profile {gen.profile!r}", f"use one of {list(profiles.columns)}")
        values = profiles[gen.profile].to_numpy(dtype=float)
    else:
        return float(gen.availability_factor)
    if values.min() < 0 or values.max() > 1:
        raise InputError(case.file, f"generators[{gen.name}].profile", "availability values must lie within [0, 1]", "give capacity factors per MW, not MW")
    values = values * gen.availability_factor
    return np.where(values < MIN_COEFFICIENT, 0.0, values)


def demand_shape(case: Case, node_name: str, weather_cache: dict) -> np.ndarray | None:
    """The node's demand shape from a file (MW, 8760 values), or None to use the demand model."""
    shape = case.nodes[node_name].demand_shape
    if shape.file is None:
        return None
    return read_series_csv(resolve_path(case, shape.file), shape.column, case.file, f"nodes.{node_name}.demand_shape.file")


def scale_to_energy_and_peak(shape: np.ndarray, annual_mwh: float, peak_mw: float) -> np.ndarray:
    """Rescale an hourly shape so that it sums to ``annual_mwh`` and peaks at ``peak_mw``.

    Uses the affine map ``a + b * shape``, which keeps the shape's ranking of
    hours; it meets both figures exactly when the result stays non-negative.
    """
    s = np.asarray(shape, dtype=float)
    mean, top = s.mean(), s.max()
    target_mean = annual_mwh / len(s)
    if np.isclose(top, mean):
        return np.full_like(s, target_mean)
    b = (peak_mw - target_mean) / (top - mean)
    a = target_mean - b * mean
    out = a + b * s
    if out.min() < 0:
        raise ValueError("the requested load factor is too low for this demand shape")
    return out


def prepare(case: Case) -> ModelData:
    """Read every profile and demand series the case needs, and pick the modelled hours."""
    weather_cache: dict = {}
    profile_cache: dict = {}
    demand: dict[tuple[str, int], np.ndarray] = {}
    peaks: dict[tuple[str, int], float] = {}
    for n, node in case.nodes.items():
        shape = demand_shape(case, n, weather_cache)
        for y in case.years:
            d = node.demand[y]
            if shape is None:
                series = _modelled_demand(case, n, node, y, weather_cache)
            else:
                try:
                    series = scale_to_energy_and_peak(shape, d.annual_mwh, d.peak_mw)
                except ValueError:
                    raise InputError(case.file, f"nodes.{n}.demand.{y}", f"load factor {d.annual_mwh / 8760 / d.peak_mw:.2f} is too low for the shape in {node.demand_shape.file}", "check annual_mwh and peak_mw") from None
            demand[(n, y)] = series
            peaks[(n, y)] = float(d.peak_mw)
    availability = {g.name: generator_availability(case, g, weather_cache, profile_cache) for g in case.generators}

    rep = None
    if case.hours.rep_days is not None:
        rep = _choose_rep_days(case, demand, availability)
        hours, weights, previous = rep.hours, rep.weights, rep.previous
    else:
        hours = modelled_hours(case)
        weights = np.full(len(hours), HOURS_PER_YEAR / len(hours))
        previous = np.roll(np.arange(len(hours)), 1)
    sample = rep.sample if rep is not None else (lambda v: v[hours])
    demand = {k: sample(v) for k, v in demand.items()}
    availability = {k: (sample(v) if isinstance(v, np.ndarray) else v) for k, v in availability.items()}
    stamps = pd.date_range("2025-01-01", periods=HOURS_PER_YEAR, freq="h")[hours]
    return ModelData(case, hours, weights, previous, demand, peaks, availability, stamps, weather_cache, rep)


def _choose_rep_days(case: Case, demand: dict, availability: dict) -> RepresentativeDays:
    """Representative days matched on the last planning year's demand and every weather profile."""
    last = case.years[-1]
    series = [demand[(n, last)] / demand[(n, last)].max() for n in case.nodes]
    seen: list[np.ndarray] = []
    for values in availability.values():
        if isinstance(values, np.ndarray) and not any(np.array_equal(values, s) for s in seen):
            seen.append(values)
    total = sum(demand[(n, last)] for n in case.nodes)
    return representative_days(series + seen, case.hours.rep_days, total)


def _modelled_demand(case: Case, n: str, node: Node, year: int, weather_cache: dict) -> np.ndarray:
    from gridplan.weather.demand import demand_profile

    temperature = None
    if node.demand_shape.use_temperature and node.weather is not None:
        temperature = _node_weather(case, n, node, weather_cache)["temp_air"]
    d = node.demand[year]
    try:
        series = demand_profile(d.annual_mwh, d.peak_mw, year=year, temperature=temperature, region=node.demand_shape.region)
    except InputError as err:
        raise InputError(case.file, f"nodes.{n}.demand.{year}", err.problem, err.fix) from None
    return np.asarray(series, dtype=float)
