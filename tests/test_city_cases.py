"""The five shipped city cases: they validate, and they encode their plans' targets.

Each city has a table of the targets its carbon-peaking plan sets for the power
system in 2025 and 2030, transcribed from /work/shared/seed-targets.md (section 2,
row ids in the comments). The tests read the case files only; nothing is solved.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gridplan.case import load_case
from gridplan.case.schema import value_in_year
from gridplan.model.capacity import existing_mw

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
SEEDS = Path(os.environ.get("GRIDPLAN_SEEDS", "/work/shared/seeds"))

CITIES = {
    # city: (region, seed file)
    "dongguan": ("guangdong", "000_ee6345d9d5611b07.txt"),
    "jieyang": ("guangdong", "001_25240c046a0b2d9a.txt"),
    "zhaoqing": ("guangdong", "002_2c4f3017dfa235e8.txt"),
    "zhuhai": ("guangdong", "003_07a0d4e7a3a9b226.txt"),
    "ruijin": ("jiangxi", "004_90d3c51f0076242d.txt"),
}

# (policy type, year, value, hard, asset/group references or None)
# value is mw for capacity targets, share for share targets, fraction_of_peak for
# DR, and (ratio, duration_h) for storage pairing.
EXPECTED = {
    "dongguan": [
        ("min_capacity", 2025, 1500, False, {"pv"}),  # DG-7 达到…左右
        ("min_capacity", 2030, 2000, False, {"pv"}),  # DG-9 达到…左右
        ("clean_share", 2025, 0.80, False, None),  # DG-8 力争…以上
        ("min_capacity", 2025, 200, True, {"new_type_storage"}),  # DG-10 达
        ("retirement", 2030, "coal", True, None),  # DG-5 稳步推进沙角电厂等燃煤机组退役 (date: city-data.md §1c)
    ],
    "jieyang": [
        ("clean_share", 2030, 0.55, True, None),  # JY-6 达到
        ("non_fossil_share", 2030, 0.54, False, None),  # JY-5 左右
        ("min_capacity", 2030, 80, False, {"biomass"}),  # JY-13 力争 (新增)
        ("storage_pairing", 2030, (0.1, 1.0), False, {"vre_central"}),  # JY-14 力争, duration assumed
    ],
    "zhaoqing": [
        ("min_capacity", 2025, 2000, False, {"pv"}),  # ZQ-7 约
        ("min_capacity", 2025, 500, False, {"wind_onshore"}),  # ZQ-6 约
        ("min_capacity", 2025, 3800, True, {"gas"}),  # ZQ-9 达
        ("min_capacity", 2025, 300, False, {"new_type_storage"}),  # ZQ-18 力争
        ("storage_pairing", 2025, (0.1, 1.0), True, {"vre_central"}),  # ZQ-19 不低于
        ("storage_pairing", 2030, (0.1, 1.0), True, {"vre_central"}),  # ZQ-19 (open-ended rule)
        ("dr_capability", 2025, 0.03, True, None),  # ZQ-27 达3%—5%
        ("dr_capability", 2030, 0.05, True, None),  # ZQ-28 达5%以上
    ],
    "zhuhai": [
        ("min_capacity", 2025, 3550, False, {"pv", "wind"}),  # ZH-5 力争
        ("min_capacity", 2030, 5000, False, {"pv", "wind"}),  # ZH-6 力争
        ("min_capacity", 2025, 150, False, {"biomass"}),  # ZH-5 力争
        ("min_capacity", 2030, 200, False, {"biomass"}),  # ZH-6 力争
        ("min_capacity", 2025, 4600, True, {"gas_14th_fyp"}),  # ZH-10 新增 (additions 2021-25)
        ("dr_capability", 2030, 0.05, True, None),  # ZH-17 基本具备…以上
    ],
    "ruijin": [
        ("min_capacity", 2025, 300, False, {"pv", "wind"}),  # RJ-5 力争 (新能源)
        ("min_capacity", 2030, 1200, False, {"pumped_hydro"}),  # RJ-6 力争
    ],
}

# Named stations and projects that must be separate assets: (asset, earliest_year, max_new_mw).
NAMED_ASSETS = {
    "jieyang": [("psh_jiexi", 2030, 1200)],
    "zhaoqing": [("psh_langjiang", 2030, 1200)],
    "zhuhai": [("wind_offshore_gaolan", 2030, 504)],
    "ruijin": [("psh_baizhu", 2030, 1200)],
}


def _case(city):
    return load_case(CASES / f"{city}.yaml")


def _value(policy):
    if policy.type in ("min_capacity", "max_capacity"):
        return policy.mw
    if policy.type in ("clean_share", "non_fossil_share"):
        return policy.share
    if policy.type == "dr_capability":
        return policy.fraction_of_peak
    if policy.type == "storage_pairing":
        return (policy.ratio, policy.duration_h)
    if policy.type == "min_storage_energy":
        return policy.mwh
    if policy.type == "retirement":
        return policy.asset
    raise AssertionError(f"unexpected policy type {policy.type}")


def _refs(policy):
    if policy.type == "storage_pairing":
        return set(policy.eligible)
    return set(getattr(policy, "assets", None) or []) or None


def _close(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, tuple):
        return all(abs(x - y) < 1e-9 for x, y in zip(a, b, strict=True))
    return abs(a - b) < 1e-9


@pytest.mark.parametrize("city", sorted(CITIES))
def test_case_validates(city):
    case = _case(city)
    assert case.name == city
    assert case.years == [2025, 2030]
    assert list(case.nodes) == [city]
    node = case.nodes[city]
    assert node.weather == city
    assert node.demand_shape.region == CITIES[city][0]
    for y in case.years:
        d = node.demand[y]
        assert 0.4 < d.annual_mwh / (8760 * d.peak_mw) < 0.9, "implausible load factor"
    assert node.demand[2030].annual_mwh >= node.demand[2025].annual_mwh


@pytest.mark.parametrize("city", sorted(CITIES))
def test_plan_targets_are_encoded(city):
    policies = _case(city).policies
    for kind, year, value, hard, refs in EXPECTED[city]:
        matches = [
            p
            for p in policies
            if p.type == kind and p.year == year and _close(_value(p), value) and (refs is None or _refs(p) == refs)
        ]
        assert matches, f"{city}: no {kind} {year} = {value} on {refs}"
        assert len(matches) == 1, f"{city}: {kind} {year} = {value} encoded twice"
        p = matches[0]
        assert p.hard is hard, f"{city}: {p.name} should be hard={hard}"
        if not hard:
            assert p.penalty_cny_per_unit and p.penalty_cny_per_unit > 0
        assert CITIES[city][1] in str(p.source), f"{city}: {p.name} source must name its seed file"
        assert "「" in str(p.source), f"{city}: {p.name} source must quote the plan"


@pytest.mark.parametrize("city", sorted(CITIES))
def test_no_policy_beyond_the_table(city):
    """Every policy in the case is a plan target listed above (no invented targets)."""
    listed = {(k, y, v if not isinstance(v, tuple) else v) for k, y, v, _, _ in EXPECTED[city]}
    for p in _case(city).policies:
        assert any(p.type == k and p.year == y and _close(_value(p), v) for k, y, v in listed), p.name


@pytest.mark.parametrize("city", sorted(CITIES))
def test_every_number_block_has_a_source(city):
    case = _case(city)
    assert case.source
    for name, node in case.nodes.items():
        assert node.source, name
        assert node.demand_shape.source, name
        assert node.external is not None and node.external.source, name
        for y, d in node.demand.items():
            assert d.source, f"{name} demand {y}"
    for item in [*case.generators, *case.storage, *case.demand_response, *case.policies]:
        assert item.source, item.name
    for asset in [*case.generators, *case.storage]:
        for unit in asset.existing:
            assert unit.source, f"{asset.name}: {unit.name}"


@pytest.mark.parametrize("city", sorted(CITIES))
def test_technology_flags_and_groups(city):
    case = _case(city)
    for g in case.generators:
        groups = set(g.groups)
        if "gas" in groups:  # "clean" includes gas, "non-fossil" does not
            assert g.clean and not g.non_fossil, g.name
        if "coal" in groups:
            assert not g.clean and not g.non_fossil, g.name
        if groups & {"pv", "wind", "biomass"}:
            assert g.clean and g.non_fossil, g.name
        if g.profile == "pv_utility":
            assert {"pv", "solar", "vre_central"} <= groups
        if g.profile == "pv_rooftop":
            assert {"pv", "solar"} <= groups and "vre_central" not in groups
        if g.profile in ("wind_onshore", "wind_offshore"):
            assert {"wind", "vre_central"} <= groups
        if g.profile in ("pv_utility", "pv_rooftop", "wind_onshore"):
            assert g.max_total_mw is not None, f"{g.name}: resource limit"
    kinds = {s.kind for s in case.storage}
    assert "battery" in kinds
    for s in case.storage:
        if s.kind == "battery":
            assert "new_type_storage" in s.groups
        else:
            assert "new_type_storage" not in s.groups
    assert case.demand_response


@pytest.mark.parametrize("city", sorted(NAMED_ASSETS))
def test_named_projects(city):
    by_name = {a.name: a for a in [*_case(city).generators, *_case(city).storage]}
    for name, earliest, size in NAMED_ASSETS[city]:
        a = by_name[name]
        assert a.earliest_year == earliest
        assert value_in_year(a.max_new_mw, earliest) == size
        if name.startswith("psh_"):
            assert a.kind == "pumped_hydro" and "pumped_hydro" in a.groups


def test_jieyang_offshore_start_target_is_not_a_capacity():
    """「开工规模达到 1000 万千瓦」 counts construction starts, not installed MW."""
    case = _case("jieyang")
    for p in case.policies:
        if p.type == "min_capacity":
            assert p.mw < 10000, p.name
    offshore = next(g for g in case.generators if g.name == "wind_offshore")
    assert value_in_year(offshore.max_total_mw, 2030) < 10000
    assert "开工" in case.description


def test_dongguan_shajiao_retires_by_the_plans_rule():
    case = _case("dongguan")
    coal = next(g for g in case.generators if g.name == "coal")
    rule = next(p for p in case.policies if p.type == "retirement")
    assert (rule.asset, rule.year, rule.hard) == ("coal", 2030, True)
    assert rule.blocks == [u.name for u in coal.existing] and "DG-5" in rule.source
    assert value_in_year(coal.max_new_mw, 2030) == 0


def test_ruijin_has_no_ganxian_coal():
    """Huaneng 'Ruijin' plant sits in Ganxian district, outside the city's node."""
    case = _case("ruijin")
    assert not [g for g in case.generators if "coal" in g.groups]
    assert "赣县" in case.description


def _firm_mw(case, node, year):
    firm = 0.0
    for g in case.generators:
        if g.node != node or g.profile or g.profile_file:
            continue
        firm += existing_mw(g, year, case.policies) * g.availability_factor
    return firm


@pytest.mark.parametrize("city", sorted(CITIES))
def test_peak_can_be_met_without_new_build(city):
    """Imports plus existing dispatchable capacity cover the peak, so the case is feasible."""
    case = _case(city)
    node = case.nodes[city]
    for y in case.years:
        imports = value_in_year(node.external.import_max_mw, y)
        assert imports + _firm_mw(case, city, y) >= node.demand[y].peak_mw


def _norm(text):
    return re.sub(r"\s+|\*\*", "", text)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed plans not available")
@pytest.mark.parametrize("city", sorted(CITIES))
def test_quotes_are_verbatim(city):
    """Every 「…」 quote in a source naming this city's seed is in the seed text."""
    seed = _norm((SEEDS / CITIES[city][1]).read_text(encoding="utf-8"))
    case = _case(city)
    texts = []

    def add(source):
        texts.extend(source.values() if isinstance(source, dict) else [str(source)])

    for b in [*case.generators, *case.storage, *case.demand_response, *case.policies]:
        add(b.source)
        for u in getattr(b, "existing", []):
            add(u.source)
    checked = 0
    for text in texts:
        if CITIES[city][1] not in text:
            continue
        for quote in re.findall(r"「(.*?)」", text):
            for part in quote.split("…"):
                if part.strip():
                    assert _norm(part) in seed, f"{city}: not in seed: {part}"
                    checked += 1
    assert checked >= len(EXPECTED[city])


def test_case_format_doc_covers_every_schema_field():
    """docs/case-format.md names every field of the case schema."""
    from pydantic import BaseModel

    from gridplan.case import schema

    doc = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    models = [v for v in vars(schema).values() if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == schema.__name__]
    missing = []
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            if f"`{key}`" not in doc:
                missing.append(f"{model.__name__}.{key}")
    assert not missing, missing


def test_case_format_doc_example_validates():
    import yaml

    from gridplan.case import parse_case

    doc = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    block = doc.split("## A minimal case", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    parse_case(yaml.safe_load(block))
