"""Property tests: random cases and random corruptions never crash, they give input errors.

Whatever a user writes, ``load_case`` either returns a case or raises
:class:`InputError` / :class:`InputErrors` (one line per problem), and a case
that loads is one :func:`gridplan.inputs.prepare` can read. Any other
exception is a bug. Hypothesis runs derandomized (a fixed seed) with a
bounded number of examples so that CI is repeatable and quick.
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridplan
from gridplan.case.load import parse_case
from gridplan.errors import InputError, InputErrors
from gridplan.inputs import prepare
from tests.test_bad_inputs import BASE, base_series

SETTINGS = {"derandomize": True, "deadline": None, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

#: Values a careless or hurried user might type anywhere.
junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.just(""), st.just("2030"), st.just("-1"), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.sampled_from(["2025", "2030", "x", 2025]), st.one_of(st.floats(-1e6, 1e6), st.text(max_size=3)), max_size=2),
)


def _folder() -> Path:
    """A folder holding the base case's valid CSV files (shared by all examples)."""
    folder = Path(tempfile.mkdtemp(prefix="gridplan-hypothesis-"))
    for name, frame in base_series().items():
        frame.to_csv(folder / name, index=False)
    return folder


FOLDER = _folder()


def _paths(node, prefix=()):
    """Every path to a value in a nested mapping/list."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(BASE) if p]


def _corrupt(case: dict, path: tuple, how: str, value):
    out = copy.deepcopy(case)
    node = out
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if how == "delete":
        del node[last]
    elif how == "replace":
        node[last] = value
    elif how == "scale" and isinstance(node[last], (int, float)) and not isinstance(node[last], bool):
        node[last] = node[last] * value if isinstance(value, (int, float)) and not isinstance(value, bool) else -node[last]
    elif how == "unknown_key" and isinstance(node[last], dict):
        node[last]["surprise_field"] = value
    else:
        node[last] = value
    return out


def _load_must_not_crash(raw: dict, name: str) -> None:
    """Write ``raw`` as a case file; loading it either works (and prepares) or raises input errors."""
    path = FOLDER / f"{name}.yaml"
    try:
        text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return
    path.write_text(text, encoding="utf-8")
    try:
        case = gridplan.load_case(path)
    except (InputError, InputErrors) as exc:
        lines = [e.line() for e in exc.errors] if isinstance(exc, InputErrors) else [exc.line()]
        assert lines and all(ln.startswith((str(FOLDER), str(path))) for ln in lines), lines
        assert all("\n" not in ln for ln in lines), "each problem must fit on one line"
        return
    try:
        prepare(case.model_copy(update={"hours": case.hours.model_copy(update={"days": 1})}))
    except (InputError, InputErrors):
        pass  # a problem only prepare can see (e.g. a demand shape that cannot reach the load factor)


@settings(max_examples=60, **SETTINGS)
@given(path=st.sampled_from(ALL_PATHS), how=st.sampled_from(["replace", "delete", "scale", "unknown_key"]), value=junk)
def test_random_corruption_of_a_valid_case_gives_input_errors_only(path, how, value):
    _load_must_not_crash(_corrupt(BASE, path, how, value), "corrupted")


@settings(max_examples=25, **SETTINGS)
@given(edits=st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "scale"]), junk),
                      min_size=2, max_size=6))
def test_several_corruptions_at_once_give_input_errors_only(edits):
    raw = BASE
    for path, how, value in edits:
        try:
            raw = _corrupt(raw, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or retyped the path
    _load_must_not_crash(raw, "corrupted_many")


# ------------------------------------------------------------------ cases built from the schema

years_st = st.lists(st.integers(2020, 2050), min_size=1, max_size=3, unique=True).map(sorted)
per_year = st.one_of(st.floats(-100, 5000, allow_nan=False), st.dictionaries(st.integers(2020, 2050), st.floats(-100, 5000), max_size=2))
fraction = st.floats(-0.5, 1.5, allow_nan=False)


@st.composite
def schema_cases(draw):
    """A case with the schema's shape and random (often wrong) values and references."""
    years = draw(years_st)
    node_names = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2, unique=True))
    nodes = {}
    for n in node_names:
        peak = draw(st.floats(1, 1000))
        nodes[n] = {
            "demand": {y: {"annual_mwh": draw(st.floats(-10, 9e6)), "peak_mw": peak}
                       for y in draw(st.lists(st.sampled_from(years + [2099]), min_size=1, max_size=3, unique=True))},
            "demand_shape": draw(st.sampled_from([{"file": "demand.csv", "column": "demand"}, {"file": "demand.csv"},
                                                  {"region": "guangdong"}, {"region": "nowhere"}, {}])),
        }
    refs = st.sampled_from(node_names + ["ghost"])
    gens = [{"name": draw(st.sampled_from(["pv", "gas", "wind", "pv"])), "node": draw(refs),
             "capex_cny_per_kw": draw(per_year), "min_new_mw": draw(per_year), "max_new_mw": draw(st.one_of(st.none(), per_year)),
             "max_total_mw": draw(st.one_of(st.none(), per_year)), "availability_factor": draw(fraction),
             "must_run_fraction": draw(fraction), "groups": draw(st.lists(st.sampled_from(["vre", "thermal"]), max_size=2)),
             **draw(st.sampled_from([{}, {"profile_file": "pv.csv", "profile_column": "pv"}, {"profile": "pv_utility"},
                                     {"profile_file": "missing.csv"}]))}
            for _ in range(draw(st.integers(0, 3)))]
    stores = [{"name": draw(st.sampled_from(["bat", "phs", "bat"])), "node": draw(refs),
               "min_duration_h": draw(st.floats(-1, 10)), "max_duration_h": draw(st.floats(-1, 10)),
               "charge_efficiency": draw(fraction), "discharge_efficiency": draw(fraction), "capex_cny_per_kwh": draw(per_year),
               "kind": draw(st.sampled_from(["battery", "pumped_hydro", "flywheel"]))}
              for _ in range(draw(st.integers(0, 2)))]
    assets = ["pv", "gas", "bat", "vre", "thermal", "nothing"]
    policies = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["min_capacity", "max_capacity", "min_storage_energy", "storage_pairing",
                                     "dr_capability", "clean_share", "co2_cap", "co2_price", "bogus"]))
        p = {"name": f"p{draw(st.integers(0, 3))}", "type": kind, "year": draw(st.sampled_from(years + [2099])),
             "hard": draw(st.booleans())}
        if draw(st.booleans()):
            p["penalty_cny_per_unit"] = draw(st.floats(-5, 1e6))
        if kind in ("min_capacity", "max_capacity"):
            p.update(assets=draw(st.lists(st.sampled_from(assets), max_size=2)), mw=draw(st.floats(-10, 1e4)))
        elif kind == "min_storage_energy":
            p.update(assets=draw(st.lists(st.sampled_from(assets), max_size=2)), mwh=draw(st.floats(-10, 1e4)))
        elif kind == "storage_pairing":
            p.update(ratio=draw(st.floats(-1, 20)), duration_h=draw(st.floats(-1, 8)), since_year=draw(st.integers(2015, 2060)),
                     eligible=draw(st.lists(st.sampled_from(assets), max_size=2)),
                     storage=draw(st.lists(st.sampled_from(assets), max_size=2)))
        elif kind == "dr_capability":
            p["fraction_of_peak"] = draw(fraction)
        elif kind == "clean_share":
            p["share"] = draw(st.floats(-1, 100))
        elif kind == "co2_cap":
            p["tonnes"] = draw(st.floats(-10, 1e8))
        elif kind == "co2_price":
            p["cny_per_t"] = draw(st.floats(-10, 500))
        policies.append(p)
    case = {"name": draw(st.sampled_from(["c", "", 5])), "years": years, "nodes": nodes, "generators": gens,
            "storage": stores, "policies": policies}
    if draw(st.booleans()):
        case["hours"] = {"start": draw(st.sampled_from(["01-01", "07-15", "02-30", "7-1"])), "days": draw(st.integers(-1, 400))}
    if draw(st.booleans()):
        case["discount_rate"] = draw(st.floats(-0.5, 2))
    return case


@settings(max_examples=80, **SETTINGS)
@given(raw=schema_cases())
def test_random_cases_from_the_schema_give_input_errors_only(raw):
    # Most examples go through the in-memory parser (fast); every problem must be an InputError line.
    try:
        parse_case(copy.deepcopy(raw), "<random>", FOLDER)
    except InputErrors as exc:
        assert exc.errors and all(isinstance(e, InputError) and e.line() for e in exc.errors)


@settings(max_examples=20, **SETTINGS)
@given(raw=schema_cases())
def test_random_cases_from_the_schema_load_or_fail_cleanly(raw):
    # A few also go through the file checks and, when valid, prepare().
    _load_must_not_crash(raw, "random")


@settings(max_examples=25, **SETTINGS)
@given(rows=st.sampled_from([8760, 8759, 8784, 24, 1]), bad=st.lists(st.tuples(st.integers(0, 8759),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.just(""))), max_size=4),
       column=st.sampled_from(["pv", "PV", "solar"]))
def test_random_profile_files_give_input_errors_only(rows, bad, column):
    values = np.resize(base_series()["pv.csv"]["pv"].to_numpy(), rows).astype(object)
    for r, v in bad:
        if r < rows:
            values[r] = v
    name = "pv_random.csv"
    lines = [column] + ["" if (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
    (FOLDER / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = copy.deepcopy(BASE)
    raw["generators"][0]["profile_file"] = name
    _load_must_not_crash(raw, "profile")
