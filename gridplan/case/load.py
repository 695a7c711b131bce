"""Read a case file and check it, collecting every problem before stopping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gridplan.case.schema import Case, Generator, value_in_year
from gridplan.errors import InputError, InputErrors


def _field_path(loc: tuple) -> str:
    """Turn a pydantic location into a dotted path that names list items by name when it can."""
    return ".".join(str(p) for p in loc)


def _fix_for(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "remove the field or correct its spelling (see docs/case-format.md)"
    if kind == "missing":
        return "add the field"
    if kind.startswith(("greater_than", "less_than")):
        return "use a value within the stated range"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
        return "give a plain number in the unit the field name states"
    return "see docs/case-format.md for the field's meaning and unit"


def _named_location(raw: Any, loc: tuple) -> tuple:
    """Replace list positions by ``[name]`` where the list items have names."""
    out: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            item = node[part]
            if isinstance(item, dict) and "name" in item:
                out[-1] = f"{out[-1]}[{item['name']}]" if out else f"[{item['name']}]"
            else:
                out[-1] = f"{out[-1]}[{part}]" if out else f"[{part}]"
            node = item
            continue
        if isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
        out.append(part)
    return tuple(out)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning OS and syntax problems into :class:`InputError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found", "check the path") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read ({exc.strerror})", "check the path and permissions") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(str(path), "", f"is not valid YAML{where}", "fix the YAML syntax") from None
    if not isinstance(raw, dict):
        raise InputError(str(path), "", "must hold a mapping of case fields at the top level", "see cases/ for examples")
    return raw


def parse_case(raw: dict[str, Any], file: str = "<case>", base_dir: str | Path | None = None) -> Case:
    """Validate a case mapping; raise :class:`InputErrors` with every problem found.

    ``base_dir`` is the folder that relative paths in the case resolve
    against (the case file's folder; the working folder when omitted).
    """
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _named_location(raw, err["loc"])
            # Discriminated unions add the tag to the location; it only adds noise.
            loc = tuple(p for p in loc if p not in _POLICY_TAGS)
            value = err.get("input")
            shown = "" if isinstance(value, (dict, list)) or value is None else f" (got {value!r})"
            problems.append(InputError(file, _field_path(loc), f"{err['msg']}{shown}", _fix_for(err)))
        raise InputErrors(problems) from None
    problems = cross_check(case, file)
    if problems:
        raise InputErrors(problems)
    case._file = file
    if base_dir is not None:
        case._base_dir = Path(base_dir).resolve()
    return case


_POLICY_TAGS = {
    "min_capacity",
    "max_capacity",
    "min_storage_energy",
    "storage_pairing",
    "dr_capability",
    "clean_share",
    "non_fossil_share",
    "co2_cap",
    "co2_price",
}


def cross_check(case: Case, file: str) -> list[InputError]:
    """Checks that span several blocks: names, years and references."""
    problems: list[InputError] = []

    def bad(field: str, problem: str, fix: str) -> None:
        problems.append(InputError(file, field, problem, fix))

    nodes = set(case.nodes)
    names: dict[str, str] = {}
    for kind, items in (("generators", case.generators), ("storage", case.storage), ("demand_response", case.demand_response)):
        for item in items:
            where = f"{kind}[{item.name}]"
            if item.name in names:
                bad(f"{where}.name", f"name {item.name!r} is used twice", "give every asset a unique name")
            names[item.name] = kind
            if item.node not in nodes:
                bad(f"{where}.node", f"unknown node {item.node!r}", f"use one of {sorted(nodes)}")
    groups = {g for a in [*case.generators, *case.storage] for g in a.groups}

    for a in [*case.generators, *case.storage]:
        kind = "generators" if isinstance(a, Generator) else "storage"
        for y in case.years:
            lo = value_in_year(a.min_new_mw, y, 0.0)
            hi = value_in_year(a.max_new_mw, y, None)
            if hi is not None and lo > hi:
                bad(f"{kind}[{a.name}].min_new_mw", f"{lo} MW in {y} is above max_new_mw {hi}", "lower min_new_mw or raise max_new_mw")
    for g in case.generators:
        if g.profile_file is None and g.profile is not None and case.nodes.get(g.node) is not None:
            node = case.nodes[g.node]
            if node.weather is None:
                bad(f"generators[{g.name}].profile", f"profile {g.profile!r} needs weather at node {g.node!r}", "set nodes.<node>.weather or use profile_file")

    for n, node in case.nodes.items():
        missing = [y for y in case.years if y not in node.demand]
        if missing:
            bad(f"nodes.{n}.demand", f"no demand for years {missing}", "add annual_mwh and peak_mw for every planning year")
        for y, d in node.demand.items():
            lf = d.annual_mwh / (8760.0 * d.peak_mw)
            if lf > 1.0:
                bad(f"nodes.{n}.demand.{y}", f"annual_mwh {d.annual_mwh} exceeds 8760 h x peak_mw {d.peak_mw} (load factor {lf:.2f})", "check the units: annual energy in MWh, peak in MW")

    for link in case.links:
        for end in (link.from_node, link.to_node):
            if end not in nodes:
                bad(f"links[{link.name}]", f"unknown node {end!r}", f"use one of {sorted(nodes)}")

    known = set(names) | groups
    seen_policy: set[str] = set()
    for p in case.policies:
        where = f"policies[{p.name}]"
        if p.name in seen_policy:
            bad(f"{where}.name", f"policy name {p.name!r} is used twice", "give every policy a unique name")
        seen_policy.add(p.name)
        if p.year not in case.years:
            bad(f"{where}.year", f"year {p.year} is not modelled", f"use one of {case.years} or add the year to years")
        for n in p.nodes or []:
            if n not in nodes:
                bad(f"{where}.nodes", f"unknown node {n!r}", f"use one of {sorted(nodes)}")
        for field in ("assets", "eligible", "storage"):
            for ref in getattr(p, field, None) or []:
                if ref not in known:
                    bad(f"{where}.{field}", f"{ref!r} is neither an asset nor a group", f"use asset names or groups: {sorted(known)}")
    return problems


def load_case(path: str | Path) -> Case:
    """Read and validate a case file.

    Relative file paths inside the case (weather, profiles) are taken
    relative to the case file's folder.

    Raises
    ------
    InputError, InputErrors
        With every problem found, each naming the file, the field and the fix.
    """
    path = Path(path)
    return parse_case(read_yaml(path), str(path), path.resolve().parent)
