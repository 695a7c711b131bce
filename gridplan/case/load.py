"""Read a case file and check it, collecting every problem before stopping."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gridplan.case.schema import Case
from gridplan.errors import InputError, InputErrors
from gridplan.yamlio import safe_load


def _field_path(loc: tuple) -> str:
    """Turn a pydantic location into a dotted path that names list items by name when it can."""
    return ".".join(str(p) for p in loc).replace(".[", "[")


#: Fields whose values are fractions: a user who writes 80 for 80 % needs this hint.
_FRACTION_FIELDS = {
    "share", "fraction_of_peak", "availability_factor", "must_run_fraction", "ramp_fraction_per_h", "min_stable_fraction",
    "charge_efficiency", "discharge_efficiency", "efficiency", "standing_loss_per_h", "discount_rate",
}


def _fix_for(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    last = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return "remove the field or correct its spelling (see docs/case-format.md)"
    if kind == "missing":
        return "add the field"
    if kind.startswith(("greater_than", "less_than")):
        if last in _FRACTION_FIELDS:
            return "give a fraction between 0 and 1 (80 % is 0.8)"
        if kind.startswith("greater_than"):
            return "give a positive value in the unit the field name states"
        return "use a value within the stated range"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float", "bool_parsing", "bool_type"):
        return "give a plain number in the unit the field name states" if "bool" not in kind else "write true or false"
    if kind in ("string_type",):
        return "give a text value"
    if kind in ("list_type", "too_short"):
        return "give a list, e.g. [a, b]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "give a mapping of fields (see docs/case-format.md)"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"set type to one of {sorted(_POLICY_TAGS)}"
    if kind == "literal_error":
        return "use one of the values listed"
    if kind == "value_error":
        return "correct the value as the message says"
    return "see docs/case-format.md for the field's meaning and unit"


def _problem_text(err: dict[str, Any]) -> str:
    """The pydantic message, without pydantic's prefixes, with the offending value."""
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    value = err.get("input")
    if err.get("type") == "missing" or isinstance(value, (dict, list)) or value is None:
        return msg
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{msg} (got {shown})"


def convert_validation_error(exc: ValidationError, raw: Any, file: str) -> list[InputError]:
    """One :class:`InputError` per pydantic error, with list items named by their ``name``."""
    problems = []
    for err in exc.errors():
        loc = _named_location(raw, err["loc"])
        # Discriminated unions add the tag to the location; it only adds noise.
        loc = tuple(p for p in loc if p not in _POLICY_TAGS)
        problems.append(InputError(file, _field_path(loc), _problem_text(err), _fix_for(err)))
    return problems


def _named_location(raw: Any, loc: tuple) -> tuple:
    """Replace list positions by ``[name]`` where the list items have names."""
    out: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            item = node[part]
            if isinstance(item, dict) and isinstance(item.get("name"), (str, int, float)):
                label = f"[{item['name']}]"
            else:
                label = f"[{part}]"
            out[-1] = f"{out[-1]}{label}" if out else label
            node = item
            continue
        if isinstance(node, dict):
            node = node.get(part, node.get(str(part)) if not isinstance(part, str) else None)
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
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(str(path), "", f"is not valid YAML{where}", "fix the YAML syntax") from None
    if not isinstance(raw, dict):
        raise InputError(str(path), "", "must hold a mapping of case fields at the top level", "see cases/ for examples")
    return raw


def parse_case(raw: dict[str, Any], file: str = "<case>", base_dir: str | Path | None = None) -> Case:
    """Validate a case mapping; raise :class:`InputErrors` with every problem found.

    The schema checks and the checks across blocks (names, references,
    years, limits) both run, even when the schema already failed, so one
    run lists every problem of the case. ``base_dir`` is the folder that
    relative paths in the case resolve against (the case file's folder; the
    working folder when omitted). Files named in the case are checked by
    :func:`load_case`, not here.
    """
    if not isinstance(raw, dict):
        raise InputErrors([InputError(file, "", "must hold a mapping of case fields at the top level", "see cases/ for examples")])
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        problems = convert_validation_error(exc, raw, file)
        # The after-validators of an object (min vs max duration, must-run vs
        # availability...) only run when all its fields are valid; the raw
        # checks repeat them for objects whose own validator did not report.
        reported = {e.field for e in problems}
        seen = {(q.field, q.problem) for q in problems}
        for p in check_mapping(raw, file, skip_items=reported):
            # A non-finite number the schema already rejected needs no second line.
            if (p.field, p.problem) in seen or (p.field in reported and p.problem.startswith("is not a finite number")):
                continue
            problems.append(p)
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
    "retirement",
}


def cross_check(case: Case, file: str) -> list[InputError]:
    """Checks that span several blocks: names, years, references and limits.

    Runs the same checks as :func:`check_mapping` on the validated case.
    """
    return check_mapping(case.model_dump(by_alias=True), file)


# --------------------------------------------------------------------------- raw checks
#
# These read the case as a plain mapping and never assume a field is valid:
# a value of the wrong type is skipped here (the schema reports it), so the
# same code serves a validated case and one that failed the schema.


def _num(value: Any) -> float | None:
    """A number, or None when ``value`` is not one (the schema reports that)."""
    if isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


def _per_year_values(value: Any) -> dict[int | None, float]:
    """``{year: number}`` of a PerYear value (key None for a scalar); wrong types give {}."""
    if isinstance(value, dict):
        out: dict[int | None, float] = {}
        for k, v in value.items():
            try:
                year = int(k)
            except (TypeError, ValueError, OverflowError):
                continue
            n = _num(v)
            if n is not None:
                out[year] = n
        return out
    n = _num(value)
    return {} if n is None else {None: n}


def _in_year(value: Any, year: int, default: float | None) -> float | None:
    vals = _per_year_values(value)
    if not vals:
        return default
    if None in vals:
        return vals[None]
    keys = sorted(k for k in vals if k is not None)
    earlier = [k for k in keys if k <= year]
    return vals[earlier[-1] if earlier else keys[0]]


def _items(raw: dict, key: str) -> list[tuple[str, dict]]:
    """``(label, item)`` for the mappings in list ``key``; label is ``key[name]`` or ``key[i]``."""
    items = raw.get(key)
    if not isinstance(items, list):
        return []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            name = item.get("name")
            label = f"{key}[{name}]" if isinstance(name, (str, int, float)) and not isinstance(name, bool) else f"{key}[{i}]"
            out.append((label, item))
    return out


def _years(raw: dict) -> list[int]:
    years = raw.get("years")
    if not isinstance(years, list):
        return []
    out = []
    for y in years:
        try:
            out.append(int(y))
        except (TypeError, ValueError, OverflowError):
            pass
    return sorted(set(out))


def _str_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


#: PerYear fields that must not be negative, per block.
_NON_NEGATIVE_PER_YEAR = {
    "asset": ("min_new_mw", "max_new_mw", "max_total_mw", "capex_cny_per_kw", "capex_cny_per_kwh", "fuel_price_cny_per_gj"),
    "external": ("import_max_mw", "export_max_mw"),
    "link": ("max_mw",),
}
#: PerYear fields that are fractions of peak demand.
_FRACTION_PER_YEAR = ("potential_fraction_of_peak", "shiftable_fraction_of_peak")


def check_mapping(raw: dict, file: str, skip_items: set[str] | frozenset = frozenset()) -> list[InputError]:
    """Every check that spans fields or blocks, on the case as a plain mapping.

    Parameters
    ----------
    raw : dict
        The case as read from YAML (or dumped from a validated :class:`Case`).
    file : str
        Case file named in each error.
    skip_items : set of str
        Field paths already reported by the schema as a whole object (its own
        validator ran and failed): the object-level checks skip them so that a
        problem is not listed twice.

    Returns
    -------
    list of InputError
        Empty when the case is consistent.
    """
    problems: list[InputError] = []

    def bad(field: str, problem: str, fix: str) -> None:
        problems.append(InputError(file, field, problem, fix))

    _non_finite(raw, "", bad)
    years = _years(raw)
    nodes_raw = raw.get("nodes") if isinstance(raw.get("nodes"), dict) else {}
    nodes = {str(n) for n in nodes_raw}
    node_list = sorted(nodes)

    gens, stores, drs = _items(raw, "generators"), _items(raw, "storage"), _items(raw, "demand_response")
    names: dict[str, str] = {}
    groups: set[str] = set()
    for kind, items in (("generators", gens), ("storage", stores), ("demand_response", drs)):
        for where, item in items:
            name = item.get("name")
            if isinstance(name, str):
                if name in names:
                    bad(f"{where}.name", f"name {name!r} is used twice", "give every asset a unique name")
                names[name] = kind
            node = item.get("node")
            if isinstance(node, str) and nodes and node not in nodes:
                bad(f"{where}.node", f"unknown node {node!r}", f"use one of {node_list}")
            groups.update(_str_list(item.get("groups")))

    for kind, items in (("generators", gens), ("storage", stores)):
        for where, a in items:
            _check_asset(bad, where, a, kind, years, nodes_raw, where in skip_items)
    for where, dr in drs:
        for field in _FRACTION_PER_YEAR:
            for y, v in _per_year_values(dr.get(field)).items():
                if not 0.0 <= v <= 1.0:
                    when = f" in {y}" if y is not None else ""
                    bad(f"{where}.{field}", f"{v:g}{when} is not a fraction of peak within [0, 1]", "give a fraction: 8 % of peak is 0.08")

    for n, node in nodes_raw.items():
        if isinstance(node, dict):
            _check_node(bad, f"nodes.{n}", node, years, f"nodes.{n}" in skip_items, f"nodes.{n}.demand_shape" in skip_items)

    link_names: set[str] = set()
    for where, link in _items(raw, "links"):
        ends = [link.get("from"), link.get("to")]
        for end in ends:
            if isinstance(end, str) and nodes and end not in nodes:
                bad(where, f"unknown node {end!r}", f"use one of {node_list}")
        if ends[0] is not None and ends[0] == ends[1]:
            bad(where, f"links node {ends[0]!r} to itself", "give two different nodes in from and to")
        if isinstance(link.get("name"), str):
            if link["name"] in link_names:
                bad(f"{where}.name", f"link name {link['name']!r} is used twice", "give every link a unique name")
            link_names.add(link["name"])
        for field in _NON_NEGATIVE_PER_YEAR["link"]:
            _non_negative(bad, f"{where}.{field}", link.get(field))

    gen_names = {a["name"]: set(_str_list(a.get("groups"))) for _, a in gens if isinstance(a.get("name"), str)}
    store_names = {a["name"]: set(_str_list(a.get("groups"))) for _, a in stores if isinstance(a.get("name"), str)}

    def resolves(refs: list[str], table: dict) -> list[str]:
        return [n for n, g in table.items() if n in refs or g & set(refs)]

    known = set(names) | groups
    seen_policy: set[str] = set()
    retired: dict[tuple[str, str], str] = {}  # (generator, block) -> the retirement rule naming it
    for where, p in _items(raw, "policies"):
        name, kind = p.get("name"), p.get("type")
        if isinstance(name, str):
            if name in seen_policy:
                bad(f"{where}.name", f"policy name {name!r} is used twice", "give every policy a unique name")
            seen_policy.add(name)
        year = p.get("year")
        # A retirement may date between planning years: it holds in every planning year from its year on.
        if isinstance(year, int) and not isinstance(year, bool) and years and year not in years and kind != "retirement":
            bad(f"{where}.year", f"year {year} is not modelled", f"use one of {years} or add the year to years")
        for n in _str_list(p.get("nodes")):
            if nodes and n not in nodes:
                bad(f"{where}.nodes", f"unknown node {n!r}", f"use one of {node_list}")
        for field in ("assets", "eligible", "storage"):
            for ref in _str_list(p.get(field)):
                if ref not in known:
                    bad(f"{where}.{field}", f"{ref!r} is neither an asset nor a group", f"use asset names or groups: {sorted(known)}")
        if kind == "storage_pairing":
            eligible = _str_list(p.get("eligible"))
            if eligible and all(r in known for r in eligible) and not resolves(eligible, gen_names):
                bad(f"{where}.eligible", f"{eligible} names no generator, so the pairing ratio applies to nothing",
                    "list the PV and wind generators (or their groups) whose new build needs storage")
            storage = _str_list(p.get("storage"))
            if storage and all(r in known for r in storage) and not resolves(storage, store_names):
                bad(f"{where}.storage", f"{storage} names no storage asset", "list storage assets or their groups")
            since = p.get("since_year")
            if isinstance(since, int) and isinstance(year, int) and since > year:
                bad(f"{where}.since_year", f"since_year {since} is after the target year {year}", "use a since_year at or before year")
        if kind == "min_storage_energy":
            refs = _str_list(p.get("assets"))
            if refs and all(r in known for r in refs) and not resolves(refs, store_names):
                bad(f"{where}.assets", f"{refs} names no storage asset, so there is no energy to count", "list storage assets or their groups")
        if kind == "retirement":
            _check_retirement(bad, where, p, {a["name"]: a for _, a in gens if isinstance(a.get("name"), str)}, retired)
        if kind == "dr_capability" and p.get("hard", True) is True and (_num(p.get("fraction_of_peak")) or 0) > 0:
            covered = set(_str_list(p.get("nodes"))) or nodes
            if not any(isinstance(dr.get("node"), str) and dr["node"] in covered for _, dr in drs):
                bad(where, "needs demand-response capability but no demand_response block is at the nodes it covers",
                    "add a demand_response block at those nodes or make the target soft")
        if where not in skip_items and p.get("hard") is False and p.get("penalty_cny_per_unit") is None and kind in _POLICY_TAGS and kind != "co2_price":
            bad(where, "a soft target (hard: false) needs penalty_cny_per_unit", "add penalty_cny_per_unit or set hard: true")
    return problems


def _check_retirement(bad, where: str, p: dict, generators: dict[str, dict], retired: dict) -> None:
    """A retirement rule names one generator's existing blocks, each at most once, before their end of life."""
    name, year = p.get("asset"), p.get("year")
    if not isinstance(name, str):
        return
    if name not in generators:
        bad(f"{where}.asset", f"{name!r} is not a generator", f"name one generator with existing blocks: {sorted(generators)}")
        return
    if p.get("nodes") is not None:
        bad(f"{where}.nodes", "has no meaning for a retirement rule (its generator stands at one node)", "remove nodes")
    units = [u for u in generators[name].get("existing") or [] if isinstance(u, dict)]
    named = {u["name"]: u for u in units if isinstance(u.get("name"), str)}
    wanted = _str_list(p.get("blocks")) if p.get("blocks") is not None else None
    if not units:
        bad(f"{where}.asset", f"generator {name!r} has no existing blocks to retire", "name a generator with existing blocks")
        return
    if wanted == []:
        bad(f"{where}.blocks", "is empty, so the rule retires nothing", "list the blocks it retires, or leave blocks out to retire them all")
        return
    names = [u["name"] for u in units if isinstance(u.get("name"), str)]
    for block in sorted({b for b in names if names.count(b) > 1} & set(named if wanted is None else wanted)):
        bad(f"{where}.blocks", f"{block!r} names {names.count(block)} existing blocks of {name!r}",
            f"give each existing block of {name!r} its own name")
    if wanted is None and len(named) < len(units):
        bad(f"{where}.blocks", f"generator {name!r} has unnamed existing blocks", "give every existing block a name, or list the blocks the rule retires")
        return
    for block in named if wanted is None else wanted:
        if block not in named:
            bad(f"{where}.blocks", f"{block!r} is not an existing block of {name!r}", f"use one of {sorted(named)}")
            continue
        end = named[block].get("retire_year")
        if isinstance(end, int) and isinstance(year, int) and end <= year:
            bad(f"{where}.year", f"block {block!r} already retires in {end} by its retire_year, not later than the rule's {year}",
                "remove retire_year from the block (the rule dates its retirement) or drop the rule")
        other = retired.setdefault((name, block), str(p.get("name")))
        if other != str(p.get("name")):
            bad(f"{where}.blocks", f"block {block!r} of {name!r} is already retired by rule {other!r}", "name each block in one retirement rule")


#: Text fields: a node or asset may well be called "nan" or "inf".
_TEXT_FIELDS = {"name", "source", "description", "technology", "node", "from", "to", "weather", "file", "column",
                "profile", "profile_file", "profile_column", "region", "kind", "type", "start", "groups", "assets",
                "eligible", "storage", "nodes", "asset", "blocks"}
_NON_FINITE_TEXT = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _non_finite(node: Any, where: str, bad) -> None:
    """Report NaN and infinite numbers anywhere (YAML's .nan / .inf, or the text "nan"):
    the schema's float fields accept them, and they would poison the LP."""
    if isinstance(node, dict):
        for k, v in node.items():
            texts = isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            if str(k) in _TEXT_FIELDS and texts:
                continue
            _non_finite(v, f"{where}.{k}" if where else str(k), bad)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            label = f"[{v['name']}]" if isinstance(v, dict) and isinstance(v.get("name"), str) else f"[{i}]"
            _non_finite(v, f"{where}{label}", bad)
    elif isinstance(node, float) and not math.isfinite(node):
        bad(where, f"is not a finite number (got {node})", "give a plain finite number in the unit the field name states")
    elif isinstance(node, str) and node.strip().lower() in _NON_FINITE_TEXT:
        bad(where, f"is not a finite number (got {node!r})", "give a plain finite number in the unit the field name states")


def _non_negative(bad, field: str, value: Any) -> None:
    for y, v in _per_year_values(value).items():
        if v < 0:
            when = f" in {y}" if y is not None else ""
            bad(field, f"is negative ({v:g}{when})", "give a value of 0 or more in the unit the field name states")


def _check_asset(bad, where: str, a: dict, kind: str, years: list[int], nodes_raw: dict, validator_reported: bool) -> None:
    """Per-asset checks: signs, min vs max, vintages, existing blocks, profiles."""
    for field in _NON_NEGATIVE_PER_YEAR["asset"]:
        _non_negative(bad, f"{where}.{field}", a.get(field))
    for y in years:
        lo = _in_year(a.get("min_new_mw"), y, 0.0)
        hi = _in_year(a.get("max_new_mw"), y, None)
        if lo is not None and hi is not None and lo > hi:
            bad(f"{where}.min_new_mw", f"{lo:g} MW in {y} is above max_new_mw {hi:g}", "lower min_new_mw or raise max_new_mw")
        cap = _in_year(a.get("max_total_mw"), y, None)
        if lo is not None and cap is not None and lo > cap:
            bad(f"{where}.min_new_mw", f"{lo:g} MW in {y} is above max_total_mw {cap:g}", "lower min_new_mw or raise max_total_mw")
    earliest = a.get("earliest_year")
    if isinstance(earliest, int) and years and earliest > years[-1] and any((_in_year(a.get("min_new_mw"), y, 0.0) or 0) > 0 for y in years):
        bad(f"{where}.earliest_year", f"{earliest} is after the last planning year, yet min_new_mw asks for new build", "lower earliest_year or drop min_new_mw")
    existing = a.get("existing")
    for i, unit in enumerate(existing if isinstance(existing, list) else []):
        if not isinstance(unit, dict):
            continue
        label = f"{where}.existing[{unit['name']}]" if isinstance(unit.get("name"), str) else f"{where}.existing[{i}]"
        built, retire = unit.get("built_year"), unit.get("retire_year")
        if isinstance(built, int) and isinstance(retire, int) and retire <= built:
            bad(f"{label}.retire_year", f"{retire} is not after built_year {built}", "give the first year in which the block is gone, after built_year")
        if kind == "generators" and unit.get("mwh") is not None:
            bad(f"{label}.mwh", "MWh is for storage only", "remove mwh from a generator's existing block")
    if validator_reported:
        return
    if kind == "generators":
        avail, floor = _num(a.get("availability_factor", 1.0)), _num(a.get("must_run_fraction", 0.0))
        if avail is not None and floor is not None and floor > avail:
            bad(where, f"must_run_fraction {floor} is above availability_factor {avail}; lower the must-run floor",
                "lower must_run_fraction to at most availability_factor")
        if a.get("profile") and a.get("profile_file"):
            bad(where, "give profile or profile_file, not both", "remove one of them")
        if a.get("profile_column") is not None and not a.get("profile_file"):
            bad(f"{where}.profile_column", "is set but there is no profile_file to read it from", "add profile_file or remove profile_column")
        node = nodes_raw.get(a.get("node")) if isinstance(a.get("node"), str) else None
        if a.get("profile") and not a.get("profile_file") and isinstance(node, dict) and node.get("weather") is None:
            bad(f"{where}.profile", f"profile {a.get('profile')!r} needs weather at node {a.get('node')!r}", "set nodes.<node>.weather or use profile_file")
    else:
        lo, hi = _num(a.get("min_duration_h", 1.0)), _num(a.get("max_duration_h", 8.0))
        if lo is not None and hi is not None and lo > hi:
            bad(where, f"min_duration_h {lo} is above max_duration_h {hi}; swap them", "swap min_duration_h and max_duration_h")


def _check_node(bad, where: str, node: dict, years: list[int], validator_reported: bool, shape_reported: bool) -> None:
    """Per-node checks: demand for every year, load factor, grid link, TOU hours."""
    demand = node.get("demand") if isinstance(node.get("demand"), dict) else None
    if demand is not None:
        have = set()
        for k in demand:
            try:
                have.add(int(k))
            except (TypeError, ValueError, OverflowError):
                pass
        missing = [y for y in years if y not in have]
        if missing:
            bad(f"{where}.demand", f"no demand for years {missing}", "add annual_mwh and peak_mw for every planning year")
        for y, d in demand.items():
            if not isinstance(d, dict):
                continue
            energy, peak = _num(d.get("annual_mwh")), _num(d.get("peak_mw"))
            if energy and peak and energy > 0 and peak > 0:
                lf = energy / (8760.0 * peak)
                if lf > 1.0:
                    bad(f"{where}.demand.{y}", f"annual_mwh {energy:g} exceeds 8760 h x peak_mw {peak:g} (load factor {lf:.2f})",
                        "check the units: annual energy in MWh, peak in MW")
    elif "demand" in node:
        pass  # wrong type: the schema reports it
    shape = node.get("demand_shape")
    if isinstance(shape, dict) and not shape_reported and (shape.get("region") is None) == (shape.get("file") is None):
        bad(f"{where}.demand_shape", "give exactly one of region or file", "keep either region or file")
    ext = node.get("external")
    if isinstance(ext, dict):
        for field in _NON_NEGATIVE_PER_YEAR["external"]:
            _non_negative(bad, f"{where}.external.{field}", ext.get(field))
        peak_h, valley_h = set(_str_list(ext.get("tou_peak_hours"))), set(_str_list(ext.get("tou_valley_hours")))
        both = sorted(peak_h & valley_h, key=lambda h: int(h) if h.isdigit() else 0)
        if both:
            bad(f"{where}.external.tou_valley_hours", f"hours {', '.join(both)} are also peak hours", "list each hour as peak or valley, not both")


def load_case(path: str | Path) -> Case:
    """Read and validate a case file, including the files it names.

    Relative file paths inside the case (weather, profiles) are taken
    relative to the case file's folder. The schema, the checks across
    blocks and the file checks (:mod:`gridplan.case.checks`) all run, and
    every problem they find is raised together.

    Raises
    ------
    InputError, InputErrors
        With every problem found, each naming the file, the field and the fix.
    """
    from gridplan.case.checks import check_files

    path = Path(path)
    raw = read_yaml(path)
    base_dir = path.resolve().parent
    problems: list[InputError] = []
    case = None
    try:
        case = parse_case(raw, str(path), base_dir)
    except InputErrors as exc:
        problems += exc.errors
    problems += check_files(raw, str(path), base_dir)
    if problems:
        raise InputErrors(problems)
    return case
