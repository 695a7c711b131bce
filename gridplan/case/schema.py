"""The case file format, as pydantic models.

A case is one YAML file. Every number carries its unit in the field name
(``_mw``, ``_mwh``, ``_cny_per_kw``, ``_h``...) and every block that holds
numbers from outside has a ``source`` beside them: a string, or a mapping of
field name to source string.

Numbers that change over the planning horizon accept either a scalar (the
same in every year) or a mapping ``{year: value}``; see :data:`PerYear`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, PrivateAttr, field_validator, model_validator

def _per_year(value):
    """Accept a number, or a mapping of year to number (one clear error otherwise)."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a mapping {year: number}")
    if isinstance(value, dict):
        try:
            return {int(k): float(v) for k, v in value.items()}
        except (TypeError, ValueError):
            raise ValueError("must map whole years to numbers, e.g. {2025: 1500, 2030: 2000}") from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number or a mapping {year: number}") from None


#: A value that is either the same in every planning year or given per year.
PerYear = Annotated[Union[float, dict[int, float]], PlainValidator(_per_year)]

Source = Union[str, dict[str, str], None]

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Efficiency = Annotated[float, Field(gt=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class Strict(BaseModel):
    """Base model: unknown fields are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def value_in_year(value: PerYear | None, year: int, default: float | None = None) -> float | None:
    """The value of a :data:`PerYear` field in ``year``.

    A mapping gives the value of the latest year at or before ``year``
    (step-wise), or of the earliest year when ``year`` comes before all keys.
    """
    if value is None:
        return default
    if not isinstance(value, dict):
        return float(value)
    if not value:
        return default
    keys = sorted(value)
    earlier = [k for k in keys if k <= year]
    return float(value[earlier[-1] if earlier else keys[0]])


# --------------------------------------------------------------------------- time


class Hours(Strict):
    """Which hours of the year are modelled.

    Full 8760 h by default. ``start`` (``MM-DD``) with ``days`` selects a
    contiguous window; operating costs are scaled by 8760 / modelled hours
    so that annual costs stay comparable. ``rep_days`` models that many
    representative days instead, each weighted by the days it stands for
    (see ``gridplan.timeseries``).
    """

    @model_validator(mode="after")
    def _one_way(self):
        if self.days is not None and self.rep_days is not None:
            raise ValueError("give days (a window) or rep_days (representative days), not both")
        return self

    start: str = "01-01"
    days: Annotated[int, Field(ge=1, le=365)] | None = None
    rep_days: Annotated[int, Field(ge=2, le=365)] | None = Field(
        None, description="model this many representative days (the peak-demand day plus k-medoids) instead"
    )

    @field_validator("start")
    @classmethod
    def _month_day(cls, v: str) -> str:
        import datetime as _dt

        try:
            _dt.datetime.strptime(f"2025-{v}", "%Y-%m-%d")
        except ValueError as exc:
            raise ValueError(f"start must be MM-DD, e.g. 07-01 (got {v!r})") from exc
        return v


# --------------------------------------------------------------------------- nodes


class DemandYear(Strict):
    """Annual demand of a node in one year."""

    annual_mwh: Annotated[float, Field(gt=0)]
    peak_mw: Annotated[float, Field(gt=0)]
    source: Source = None


class DemandShape(Strict):
    """Where the hourly shape of demand comes from.

    ``region`` uses gridplan's calibrated demand model (``guangdong`` or
    ``jiangxi``), driven by the node's weather temperature; ``file`` reads a
    CSV with one column ``mw`` (8760 rows) that is rescaled to each year's
    energy and peak.
    """

    region: str | None = None
    file: str | None = None
    column: str = "mw"
    use_temperature: bool = True
    source: Source = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.region is None) == (self.file is None):
            raise ValueError("give exactly one of region or file")
        return self


class ExternalGrid(Strict):
    """The link from a node to the rest of the provincial grid.

    Imports are paid at ``import_price_cny_per_mwh`` (optionally shaped by a
    time-of-use tariff) and carry ``import_co2_t_per_mwh``; exports earn
    ``export_price_cny_per_mwh``.
    """

    import_max_mw: PerYear = 0.0
    export_max_mw: PerYear = 0.0
    import_price_cny_per_mwh: PerYear = 0.0
    export_price_cny_per_mwh: PerYear = 0.0
    import_co2_t_per_mwh: NonNegative = 0.0
    tou_peak_hours: list[Annotated[int, Field(ge=0, le=23)]] = []
    tou_valley_hours: list[Annotated[int, Field(ge=0, le=23)]] = []
    tou_peak_ratio: NonNegative = 1.0
    tou_valley_ratio: NonNegative = 1.0
    source: Source = None


class Node(Strict):
    """One node: a city, or a part of one."""

    weather: str | None = Field(
        None, description="shipped city weather key (e.g. dongguan) or path to an EPW/TMY/CSV file"
    )
    latitude: float | None = None
    longitude: float | None = None
    demand: dict[int, DemandYear]
    demand_shape: DemandShape
    external: ExternalGrid | None = None
    voll_cny_per_mwh: Annotated[float, Field(gt=0)] = 30000.0
    source: Source = None


class Link(Strict):
    """A transfer corridor between two nodes (flows both ways)."""

    name: str
    from_node: str = Field(alias="from")
    to_node: str = Field(alias="to")
    max_mw: PerYear
    efficiency: Efficiency = 1.0
    cost_cny_per_mwh: NonNegative = 0.0
    source: Source = None


# --------------------------------------------------------------------------- assets


class ExistingUnit(Strict):
    """A block of capacity that exists before the first planning year."""

    mw: NonNegative
    mwh: NonNegative | None = Field(None, description="storage energy, MWh (storage only)")
    built_year: int | None = None
    retire_year: int | None = Field(None, description="first year in which the block is gone")
    name: str | None = None
    source: Source = None


class Asset(Strict):
    """Fields that generators and storage share."""

    name: str
    node: str
    technology: str | None = Field(None, description="label for reports; defaults to name")
    groups: list[str] = []
    clean: bool = False
    non_fossil: bool = False
    existing: list[ExistingUnit] = []
    min_new_mw: PerYear = 0.0
    max_new_mw: PerYear | None = Field(None, description="new build per build year, MW; None = unbounded")
    max_total_mw: PerYear | None = Field(None, description="installed capacity limit in any year, MW")
    earliest_year: int | None = Field(None, description="first year new capacity may be built")
    build: Literal["continuous", "whole", "units"] = Field(
        "continuous",
        description="continuous MW; whole = a project of max_new_mw built entirely or not at all (once); "
        "units = whole units of unit_size_mw. Integer only when solving with mip=True; the LP relaxes them.",
    )
    unit_size_mw: Annotated[float, Field(gt=0)] | None = None
    capex_cny_per_kw: PerYear = 0.0
    lifetime_years: Annotated[int, Field(ge=1)] = 25
    fixed_om_cny_per_kw_yr: NonNegative = 0.0
    variable_om_cny_per_mwh: NonNegative = 0.0
    source: Source = None

    @property
    def label(self) -> str:
        return self.technology or self.name

    @model_validator(mode="after")
    def _discrete_build(self):
        if self.build == "units" and self.unit_size_mw is None:
            raise ValueError("build: units needs unit_size_mw (MW per unit)")
        if self.build == "whole" and (self.max_new_mw is None or isinstance(self.max_new_mw, dict)):
            raise ValueError("build: whole needs max_new_mw as one number: the project's size in MW")
        return self


class UnitCommitment(Strict):
    """Clustered unit commitment of a thermal fleet.

    Committed units ``u`` (integer with ``mip=True``, relaxed otherwise) of
    ``unit_size_mw`` each bound output between ``min_stable_fraction`` and 1
    of the committed capacity; start-ups cost ``startup_cost_cny_per_mw``
    per MW started; a started unit stays on ``min_up_h`` hours, a stopped one
    off ``min_down_h`` hours.
    """

    unit_size_mw: Annotated[float, Field(gt=0)]
    min_stable_fraction: Fraction = 0.0
    startup_cost_cny_per_mw: NonNegative = 0.0
    min_up_h: Annotated[int, Field(ge=1)] = 1
    min_down_h: Annotated[int, Field(ge=1)] = 1
    source: Source = None


class FlexibilityRetrofit(Strict):
    """A retrofit that lowers a thermal plant's minimum stable load, taken as a decision.

    The plant's floor before the retrofit is its ``must_run_fraction`` (or,
    with unit commitment, ``unit_commitment.min_stable_fraction``). From
    ``earliest_year`` up to all of its standing capacity may be retrofitted
    at ``capex_cny_per_kw`` (annuitised over ``lifetime_years``); retrofitted
    MW then run down to ``min_stable_fraction``. With unit commitment and
    ``mip=True`` the retrofit is taken in whole units.
    """

    min_stable_fraction: Fraction = Field(..., description="minimum stable load after the retrofit, fraction of capacity")
    capex_cny_per_kw: NonNegative = Field(..., description="cost per kW retrofitted, CNY/kW")
    lifetime_years: Annotated[int, Field(ge=1)] = 15
    earliest_year: int | None = Field(None, description="first planning year in which a retrofit may be done")
    source: Source = None


class Generator(Asset):
    """A generating technology at a node.

    Weather-driven ones name a ``profile`` (``pv_utility``, ``pv_rooftop``,
    ``wind_onshore``, ``wind_offshore`` from the node's weather, or a CSV via
    ``profile_file``); dispatchable ones are limited by
    ``availability_factor``.
    """

    profile: str | None = None
    profile_file: str | None = None
    profile_column: str | None = None
    availability_factor: Fraction = 1.0
    must_run_fraction: Fraction = 0.0
    ramp_fraction_per_h: Fraction = 1.0
    fuel_price_cny_per_gj: PerYear = 0.0
    heat_rate_gj_per_mwh: NonNegative = 0.0
    fuel_co2_t_per_gj: NonNegative = 0.0
    unit_commitment: UnitCommitment | None = None
    flexibility_retrofit: FlexibilityRetrofit | None = None

    @property
    def min_stable_fraction(self) -> float:
        """The floor a flexibility retrofit lowers: min stable load of committed units, or the must-run floor."""
        return self.unit_commitment.min_stable_fraction if self.unit_commitment else self.must_run_fraction

    @model_validator(mode="after")
    def _retrofit_lowers_the_floor(self):
        r = self.flexibility_retrofit
        if r is not None and r.min_stable_fraction >= self.min_stable_fraction:
            floor = "unit_commitment.min_stable_fraction" if self.unit_commitment else "must_run_fraction"
            raise ValueError(
                f"flexibility_retrofit.min_stable_fraction {r.min_stable_fraction} does not lower {floor} "
                f"{self.min_stable_fraction}; give the (lower) minimum load after the retrofit"
            )
        return self

    @model_validator(mode="after")
    def _must_run_below_availability(self):
        if self.must_run_fraction > self.availability_factor:
            raise ValueError(
                f"must_run_fraction {self.must_run_fraction} is above availability_factor "
                f"{self.availability_factor}; lower the must-run floor"
            )
        if self.profile and self.profile_file:
            raise ValueError("give profile or profile_file, not both")
        return self


class Storage(Asset):
    """Storage at a node: new-type (battery) or pumped hydro.

    Power (MW) and energy (MWh) are sized separately, with the energy/power
    ratio kept within ``[min_duration_h, max_duration_h]``; pumped hydro
    sets both to its fixed hours.
    """

    kind: Literal["battery", "pumped_hydro", "other"] = "battery"
    capex_cny_per_kwh: PerYear = 0.0
    min_duration_h: Annotated[float, Field(gt=0)] = 1.0
    max_duration_h: Annotated[float, Field(gt=0)] = 8.0
    charge_efficiency: Efficiency = 0.95
    discharge_efficiency: Efficiency = 0.95
    standing_loss_per_h: Annotated[float, Field(ge=0, lt=1)] = 0.0
    exclusive_charge: bool = Field(
        False, description="with mip=True, a binary per hour forbids charging and discharging at once"
    )

    @model_validator(mode="after")
    def _durations(self):
        if self.min_duration_h > self.max_duration_h:
            raise ValueError(
                f"min_duration_h {self.min_duration_h} is above max_duration_h {self.max_duration_h}; swap them"
            )
        return self


class DemandResponse(Strict):
    """Demand response at a node.

    Curtailable response capability (MW) is bought at ``capacity_cost_cny_per_kw_yr``
    up to ``potential_fraction_of_peak`` × peak, and each MWh curtailed costs
    ``activation_cost_cny_per_mwh``, for at most ``max_hours_per_year`` full-load
    hours. Shiftable load up to ``shiftable_fraction_of_peak`` × peak moves within
    windows of ``shift_window_h`` hours (what is deferred is paid back in the same
    window).
    """

    name: str
    node: str
    potential_fraction_of_peak: PerYear
    capacity_cost_cny_per_kw_yr: NonNegative = 0.0
    activation_cost_cny_per_mwh: NonNegative = 0.0
    max_hours_per_year: NonNegative = 8760.0
    shiftable_fraction_of_peak: PerYear = 0.0
    shift_window_h: Annotated[int, Field(ge=2, le=168)] = 24
    shift_cost_cny_per_mwh: NonNegative = 0.0
    source: Source = None


# --------------------------------------------------------------------------- policies


class PolicyBase(Strict):
    """Fields every policy shares.

    ``hard: true`` is the plans' 达到 / 不低于 ("reach", "not below"): the
    constraint must hold. ``hard: false`` is 力争 / 左右 / 约 ("strive",
    "about"): the target may be missed at ``penalty_cny_per_unit`` per unit
    short per year, and the miss is reported.
    """

    name: str
    year: int
    hard: bool = True
    penalty_cny_per_unit: NonNegative | None = None
    nodes: list[str] | None = Field(None, description="nodes the policy covers; all when omitted")
    source: Source = None

    @model_validator(mode="after")
    def _soft_needs_penalty(self):
        if not self.hard and self.penalty_cny_per_unit is None:
            raise ValueError("a soft target (hard: false) needs penalty_cny_per_unit")
        return self


class CapacityPolicy(PolicyBase):
    """Installed capacity (MW) of the named assets or groups at least / at most ``mw``."""

    type: Literal["min_capacity", "max_capacity"]
    assets: list[str] = Field(..., min_length=1, description="asset names or group names")
    mw: NonNegative


class StorageEnergyPolicy(PolicyBase):
    """Installed storage energy (MWh) of the named assets or groups at least ``mwh``."""

    type: Literal["min_storage_energy"]
    assets: list[str] = Field(..., min_length=1)
    mwh: NonNegative


class StoragePairingPolicy(PolicyBase):
    """New storage pairs new eligible PV/wind.

    New storage power (built from ``since_year``) ≥ ``ratio`` × new eligible
    capacity built from ``since_year``, and its energy ≥ ``duration_h`` × that power.
    """

    type: Literal["storage_pairing"]
    ratio: Annotated[float, Field(gt=0, le=10)]
    duration_h: Annotated[float, Field(gt=0)]
    eligible: list[str] = Field(..., min_length=1, description="generator names or groups")
    storage: list[str] = Field(..., min_length=1, description="storage names or groups that count")
    since_year: int


class DemandResponsePolicy(PolicyBase):
    """Demand-response capability ≥ ``fraction_of_peak`` × peak demand."""

    type: Literal["dr_capability"]
    fraction_of_peak: Annotated[float, Field(ge=0, le=1)]


class SharePolicy(PolicyBase):
    """Share of installed generating capacity that is clean / non-fossil ≥ ``share``."""

    type: Literal["clean_share", "non_fossil_share"]
    share: Annotated[float, Field(ge=0, le=1)]
    include_storage: bool = False


class Co2CapPolicy(PolicyBase):
    """Annual CO2 emissions (t, own generation plus imports) ≤ ``tonnes``."""

    type: Literal["co2_cap"]
    tonnes: NonNegative


class Co2PricePolicy(PolicyBase):
    """A price on CO2 emissions (CNY/t) in ``year``."""

    type: Literal["co2_price"]
    cny_per_t: NonNegative


class RetirementPolicy(PolicyBase):
    """Existing blocks of one generator leave service from ``year`` (first year gone) because a plan says so.

    With the rule the blocks count until ``year``; pricing or dropping the
    rule lets the model keep any part of them in service in later planning
    years (paying their fixed O&M, fuel and so on), so the rule's cost is what
    the retirement adds to the total. Capacity once given up is not brought
    back. The blocks' own ``retire_year`` (end of life), if any, must come
    after ``year``.
    """

    type: Literal["retirement"]
    asset: str = Field(..., description="the generator whose existing blocks the rule retires")
    blocks: list[str] | None = Field(None, description="names of its existing blocks; all of them when omitted")


Policy = Annotated[
    Union[
        CapacityPolicy,
        StorageEnergyPolicy,
        StoragePairingPolicy,
        DemandResponsePolicy,
        SharePolicy,
        Co2CapPolicy,
        Co2PricePolicy,
        RetirementPolicy,
    ],
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------- case


class Case(Strict):
    """A whole planning case."""

    name: str
    description: str = ""
    years: list[int] = Field(..., min_length=1)
    discount_rate: Annotated[float, Field(ge=0, lt=1)] = 0.06
    hours: Hours = Hours()
    nodes: dict[str, Node]
    links: list[Link] = []
    generators: list[Generator] = []
    storage: list[Storage] = []
    demand_response: list[DemandResponse] = []
    policies: list[Policy] = []
    source: Source = None

    # Where the case was read from: relative paths inside it resolve here.
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _file: str = PrivateAttr(default="<case>")

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the case are resolved against."""
        return self._base_dir

    @property
    def file(self) -> str:
        """The path the case was read from (``<case>`` when built in memory)."""
        return self._file

    @field_validator("years")
    @classmethod
    def _sorted_unique(cls, v: list[int]) -> list[int]:
        if sorted(set(v)) != v:
            raise ValueError(f"years must be increasing and unique, e.g. [2025, 2030] (got {v})")
        return v
