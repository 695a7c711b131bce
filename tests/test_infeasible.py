"""Infeasible cases are explained: which targets and limits conflict, and by how much.

Three deliberately infeasible variants of the shipped Dongguan case (two
modelled days) each add a hard target that collides with a limit the case
already has. The explanation must name both sides and the exact shortfall,
which follows from the case's numbers by hand.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

import gridplan
from gridplan.case.load import parse_case, read_yaml
from gridplan.diagnose import explain_infeasibility, require_feasible
from gridplan.errors import InfeasibleError
from tests.test_bad_inputs import ONE_NODE, build

CASES = Path(__file__).resolve().parents[1] / "cases"
DAYS = 2


@pytest.fixture(scope="module")
def dongguan_raw() -> dict:
    return read_yaml(CASES / "dongguan.yaml")


def _variant(raw: dict, policies=(), generators=None):
    out = copy.deepcopy(raw)
    out["policies"] = list(out.get("policies", [])) + list(policies)
    for g in out["generators"]:
        g.update((generators or {}).get(g["name"], {}))
    return parse_case(out, str(CASES / "dongguan.yaml"), CASES)


def _mw(raw: dict, asset: str, year: int) -> float:
    """max_total_mw of ``asset`` in ``year`` as the case states it."""
    for a in [*raw["generators"], *raw["storage"]]:
        if a["name"] == asset:
            v = a["max_total_mw"]
            return float(v[year] if isinstance(v, dict) else v)
    raise KeyError(asset)


def _existing(raw: dict, asset: str) -> float:
    a = next(g for g in raw["generators"] if g["name"] == asset)
    return sum(u["mw"] for u in a.get("existing", []))


def _amount(line: str) -> float:
    m = re.search(r"(?:short|over) by ([\d,.]+) ", line)
    assert m, line
    return float(m.group(1).replace(",", ""))


def _explained(case) -> list[str]:
    result = gridplan.solve(case, days=DAYS)
    assert result.status in ("infeasible", "unbounded_or_infeasible"), result.status
    lines = explain_infeasibility(case, days=DAYS)
    assert lines, "an infeasible case must be explained"
    return lines


def test_pv_target_above_land_and_roof_limits(dongguan_raw):
    """Hard PV ≥ 6000 MW in 2030, but utility PV ≤ 500 MW and rooftop ≤ 4000 MW."""
    limit = _mw(dongguan_raw, "pv_utility", 2030) + _mw(dongguan_raw, "pv_rooftop", 2030)
    case = _variant(dongguan_raw, [{"name": "pv_hard_2030", "type": "min_capacity", "year": 2030, "assets": ["pv"], "mw": 6000}])
    lines = _explained(case)
    line = next(ln for ln in lines if "pv_hard_2030" in ln and "short by" in ln)
    assert line.startswith("2030:")
    assert "pv ≥ 6,000 MW" in line
    assert "max_total_mw of pv_utility" in line and "max_total_mw of pv_rooftop" in line
    assert _amount(line) == pytest.approx(6000 - limit, abs=0.5)
    # HiGHS's IIS, the second line of evidence, names the same three rows.
    iis = next(ln for ln in lines if ln.startswith("HiGHS IIS"))
    for name in ("policy__pv_hard_2030", "max_total_mw__pv_utility__2030", "max_total_mw__pv_rooftop__2030"):
        assert name in iis


def test_gas_cap_against_forced_new_ccgt(dongguan_raw):
    """Hard gas ≤ 3000 MW in 2030, while 800 MW of new CCGT must be built beside 2800 MW existing."""
    case = _variant(dongguan_raw, [{"name": "gas_cap_2030", "type": "max_capacity", "year": 2030, "assets": ["gas"], "mw": 3000}],
                    {"gas_ccgt": {"min_new_mw": {2025: 0, 2030: 800}}})
    existing = _existing(dongguan_raw, "gas_ccgt") + _existing(dongguan_raw, "gas_chp")
    lines = _explained(case)
    line = next(ln for ln in lines if "gas_cap_2030" in ln)
    assert "gas ≤ 3,000 MW" in line and "min_new_mw of gas_ccgt" in line and "over by" in line
    assert _amount(line) == pytest.approx(existing + 800 - 3000, abs=0.5)


def test_storage_target_above_battery_limit(dongguan_raw, tmp_path):
    """Hard new-type storage ≥ 5000 MW in 2030, but batteries ≤ 3400 MW; the CLI path raises the explanation."""
    case = _variant(dongguan_raw, [{"name": "storage_2030", "type": "min_capacity", "year": 2030,
                                    "assets": ["new_type_storage"], "mw": 5000}])
    result = gridplan.solve(case, days=DAYS)
    with pytest.raises(InfeasibleError) as err:
        require_feasible(result, case, days=DAYS)
    text = str(err.value)
    assert text.startswith("case dongguan: the targets and limits cannot all hold")
    line = next(ln for ln in text.splitlines() if "storage_2030" in ln)
    assert "max_total_mw of battery" in line
    assert _amount(line) == pytest.approx(5000 - _mw(dongguan_raw, "battery", 2030), abs=0.5)


def test_must_run_floor_without_an_outlet_is_explained(tmp_path):
    """Forced new gas with a 50 % must-run floor makes more energy than the city can use (no export, no storage).

    Gas built in 2025 still stands in 2030, so the fleet of 2030 may be at
    most 2 × the lowest modelled 2030 demand (440 MW): 880 MW. The elastic
    solve may split the shortfall between the two build years in any way,
    but in total 2 × 2500 − 880 = 4120 MW of forced build cannot be had.
    """
    path = build({"id": "mr", "delete": ["nodes.port", "links", "storage", "policies"],
                  "set": {"generators.1.min_new_mw": 2500, "generators.1.must_run_fraction": 0.5}}, tmp_path)
    case = gridplan.load_case(path)
    assert gridplan.solve(case).status == "infeasible"
    lines = [ln for ln in explain_infeasibility(case, iis=False) if "min_new_mw of gas" in ln]
    assert lines and all("must-run floor of gas" in ln and "surplus energy has no outlet" in ln for ln in lines)
    assert sum(_amount(ln) for ln in lines) == pytest.approx(2 * 2500 - 2 * 440, abs=0.5)


def test_target_nothing_can_meet_is_explained_without_solving(tmp_path):
    """A hard target on assets that cannot be built is caught while building the model."""
    path = build({"id": "x", **ONE_NODE, "set": {"generators.1.max_new_mw": 0, "policies.0.assets": ["thermal"],
                                                  "policies.0.mw": 1000}}, tmp_path)
    case = gridplan.load_case(path)
    lines = explain_infeasibility(case)
    assert len(lines) == 1 and lines[0].startswith("2030: hard target pv_2030 needs >= 1000 MW")


def test_feasible_case_has_nothing_to_explain(tmp_path):
    case = gridplan.load_case(build({"id": "ok", **ONE_NODE}, tmp_path))
    assert explain_infeasibility(case, iis=False) == []


def test_cli_solve_prints_the_explanation_and_exits_1(dongguan_raw, tmp_path):
    import subprocess
    import sys

    import yaml

    raw = dict(dongguan_raw)
    raw["policies"] = list(raw["policies"]) + [{"name": "pv_hard_2030", "type": "min_capacity", "year": 2030,
                                                 "assets": ["pv"], "mw": 6000}]
    path = tmp_path / "dongguan_pv.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "gridplan", "solve", str(path), "--out", str(tmp_path / "out"),
                          "--days", str(DAYS)], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "cannot all hold" in run.stderr and "pv_hard_2030" in run.stderr and "short by" in run.stderr
    assert not (tmp_path / "out").exists()
