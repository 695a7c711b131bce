"""The sweep file: a base case and the variants to run, expanded into scenarios.

A sweep file is YAML::

    base: ../../cases/zhaoqing.yaml        # relative to the sweep file
    solve: {days: 3, start: "07-01", method: simplex}
    cost_of_rules: false                    # true: price every binding rule (one re-solve each)
    grid:                                   # every combination of these values
      policies[storage_pairing_2030].ratio: [0.1, 0.15, 0.2]
      policies[storage_pairing_2030].duration_h: [1, 2]
    scenarios:                              # and/or explicit named variants
      - name: cheap_pv
        set: {generators[pv_utility].capex_cny_per_kw: 2500}

With only ``grid``, every combination is one scenario, named from its values
(``ratio=0.15_duration_h=2``). With only ``scenarios``, each is one scenario.
With both, every named scenario is crossed with every grid point
(``cheap_pv__ratio=0.15_duration_h=2``). The path syntax is in
:mod:`gridplan.sweep.paths`.

A scenario's identity is its name plus a hash of everything that decides its
result: the base case after the overrides, the contents of the files the case
reads (demand and profile CSVs, weather files), the solve settings and
gridplan's version. A sweep that changes any of these re-runs exactly the
scenarios it changes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gridplan.case.load import read_yaml
from gridplan.errors import InputError, InputErrors
from gridplan.sweep.paths import PathError, apply_overrides, parse_path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+,-]{0,119}$")
_RESERVED = {"sweep.parquet"}  # file names of the sweep folder itself


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolveSettings(_Strict):
    """How each scenario is solved (the same for every scenario of a sweep).

    ``days``/``start`` model a window instead of the case's hours; ``year``
    solves one planning year; ``threads`` is HiGHS threads per scenario
    (1 by default: a sweep runs scenarios side by side instead);
    ``method`` is gridplan's default (dual simplex, measured fastest on
    these LPs). With ``warm_start`` (default) a worker starts each scenario
    from the optimal basis of the last scenario of the same structure it
    solved; a scenario of another structure (a rule left out), if it
    block-starts, takes the statuses it shares by name with the last optimum
    (``gridplan.carried_basis``); ``false`` makes every scenario independent of the order in which
    workers took them (where the optimum is not unique, a warm start may
    land on another optimal vertex: same cost, other dispatch).
    """

    year: int | None = None
    days: Annotated[int, Field(ge=1, le=365)] | None = None
    start: str | None = None
    method: Literal["ipm", "simplex", "pdlp", "choose"] = "simplex"
    time_limit_s: Annotated[float, Field(gt=0)] | None = None
    threads: Annotated[int, Field(ge=1)] = 1
    myopic: bool = False
    warm_start: bool = True


class ScenarioSpec(_Strict):
    """One named variant: ``set`` maps override paths to values."""

    name: str
    description: str = ""
    set: dict[str, Any] = {}


class SweepFile(_Strict):
    """The sweep file format."""

    name: str | None = None
    description: str = ""
    base: str
    solve: SolveSettings = SolveSettings()
    cost_of_rules: bool = False
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    scenarios: list[ScenarioSpec] = []


@dataclass
class Scenario:
    """One scenario of a sweep, ready to run.

    Attributes
    ----------
    name : str
        Folder name of its results (``DIR/<name>/``).
    overrides : dict
        path → value, in the order they are applied.
    case_raw : dict
        The base case mapping with the overrides applied (not yet validated).
    case_file, base_dir : str
        Where the base case was read from; relative paths resolve in ``base_dir``.
    solve : dict
        :class:`SolveSettings` as a mapping.
    cost_of_rules : bool
    digest : str
        sha256 (hex) of everything that decides the result.
    """

    name: str
    overrides: dict[str, Any]
    case_raw: dict
    case_file: str
    base_dir: str
    solve: dict
    cost_of_rules: bool
    digest: str = ""
    description: str = ""

    @property
    def identity(self) -> str:
        """``name@hash12``: what a completed result is matched against on a re-run."""
        return f"{self.name}@{self.digest[:12]}"


@dataclass
class Sweep:
    """A validated sweep file, expanded."""

    file: str
    name: str
    base_file: str
    scenarios: list[Scenario] = field(default_factory=list)
    solve: dict = field(default_factory=dict)
    cost_of_rules: bool = False


# --------------------------------------------------------------------------- naming and hashing


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, (int, str)):
        return str(value)
    return "h" + hashlib.sha256(json.dumps(_canon(value), sort_keys=True).encode()).hexdigest()[:6]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=+,-]+", "-", text).strip("-") or "x"


def _labels(paths: list[str]) -> dict[str, str]:
    """A short label per grid path: its last key, or the whole path when last keys clash."""
    last = {}
    for p in paths:
        tokens = parse_path(p)
        last[p] = tokens[-1][1]
    counts = {v: list(last.values()).count(v) for v in last.values()}
    return {p: (last[p] if counts[last[p]] == 1 else _safe(p.replace("[", ".").replace("]", ""))) for p in paths}


def grid_points(grid: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every combination of the grid's values, each with its name, in the file's order."""
    if not grid:
        return []
    paths = list(grid)
    labels = _labels(paths)
    out = []
    for combo in itertools.product(*(grid[p] for p in paths)):
        name = "_".join(f"{labels[p]}={_safe(_fmt(v))}" for p, v in zip(paths, combo))
        out.append((name, dict(zip(paths, combo))))
    return out


def _canon(obj: Any) -> Any:
    """A JSON-ready copy with text keys, so mappings keyed by years hash the same every time."""
    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canon(v) for v in obj]
    if isinstance(obj, float) and obj == int(obj) and abs(obj) < 2**53:
        return int(obj)  # 3000 and 3000.0 are the same number to the model
    return obj


_FILE_KEYS = ("file", "profile_file", "weather")


def _referenced_files(raw: Any, base_dir: Path, found: dict[str, str]) -> dict[str, str]:
    """sha256 of every file the case reads (demand, profiles, weather files), by the path written."""
    if isinstance(raw, dict):
        for k, v in raw.items():
            if k in _FILE_KEYS and isinstance(v, str):
                p = (base_dir / v) if not Path(v).is_absolute() else Path(v)
                if p.is_file() and v not in found:
                    found[v] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                _referenced_files(v, base_dir, found)
    elif isinstance(raw, list):
        for v in raw:
            _referenced_files(v, base_dir, found)
    return found


def scenario_digest(case_raw: dict, base_dir: Path, overrides: dict, solve: dict, cost_of_rules: bool) -> str:
    """sha256 (hex) of everything that decides a scenario's result."""
    from gridplan import __version__

    payload = {
        "case": _canon(case_raw),
        "files": _referenced_files(case_raw, base_dir, {}),
        "overrides": _canon(overrides),
        "solve": _canon(solve),
        "cost_of_rules": cost_of_rules,
        "gridplan": __version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- loading


def _schema_problems(file: str, exc: ValidationError, raw: dict) -> list[InputError]:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        # Name scenarios by their name rather than their position.
        if len(loc) >= 2 and loc[0] == "scenarios" and isinstance(loc[1], int):
            items = raw.get("scenarios") or []
            if loc[1] < len(items) and isinstance(items[loc[1]], dict) and "name" in items[loc[1]]:
                loc[1] = f"[{items[loc[1]]['name']}]"
        where = ".".join(str(p) for p in loc).replace(".[", "[")
        value = err.get("input")
        shown = "" if isinstance(value, (dict, list)) or value is None else f" (got {value!r})"
        fix = {
            "extra_forbidden": "remove it or correct its spelling; a sweep file has base, solve, cost_of_rules, grid, scenarios, name, description",
            "missing": "add the field",
            "too_short": "give at least one value",
        }.get(err["type"], "see the sweep file format in gridplan/sweep/spec.py")
        problems.append(InputError(file, where, f"{err['msg']}{shown}", fix))
    return problems


def parse_sweep(raw: dict, file: str = "<sweep>", base_dir: str | Path | None = None) -> Sweep:
    """Validate a sweep mapping and expand it into scenarios.

    Every path is checked against the base case before anything runs. Each
    scenario's case is validated later, when it runs, so that one bad value
    fails that scenario only.

    Raises
    ------
    InputErrors
        Every problem found: unknown fields, paths that do not exist (with the
        nearest valid keys), duplicate or unusable scenario names.
    """
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(_schema_problems(file, exc, raw)) from None
    base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    base_path = Path(os.path.normpath(spec.base if Path(spec.base).is_absolute() else base_dir / spec.base))
    try:
        base_raw = read_yaml(base_path)
    except InputError as exc:
        raise InputErrors([InputError(file, "base", f"the base case {spec.base!r} {exc.problem}", "give the case path relative to the sweep file")]) from None
    if spec.solve.myopic and spec.cost_of_rules:
        raise InputErrors([InputError(file, "cost_of_rules", "cannot be priced on a myopic pathway",
                                      "set solve.myopic: false or cost_of_rules: false")])
    if not spec.grid and not spec.scenarios:
        raise InputErrors([InputError(file, "", "has neither grid nor scenarios, so there is nothing to run",
                                      "add grid: {path: [values]} or scenarios: [{name, set}]")])
    problems: list[InputError] = []
    for path in spec.grid:
        try:
            parse_path(path)
        except PathError as exc:
            problems.append(InputError(file, f"grid.{path}", exc.problem, exc.fix))
    if problems:
        raise InputErrors(problems)

    named = [(s.name, s.set, f"scenarios[{s.name}].set", s.description) for s in spec.scenarios] or [("", {}, "", "")]
    points = grid_points(spec.grid) or [("", {})]
    solve = spec.solve.model_dump()
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    checked: set[tuple[str, str]] = set()
    for (sname, sset, where, desc), (gname, gset) in itertools.product(named, points):
        name = "__".join(p for p in (sname, gname) if p)
        if sname and (not _NAME.match(sname) or sname in _RESERVED):
            problems.append(InputError(file, f"scenarios[{sname}].name", f"{sname!r} cannot name a result folder",
                                       "use letters, digits and _ . = + , - (at most 120 characters)"))
            continue
        clash = sorted(set(sset) & set(gset))
        if clash:
            problems.append(InputError(file, f"scenarios[{sname}].set.{clash[0]}", "is also swept in grid",
                                       "set a path either in grid or in a scenario, not both"))
            continue
        overrides = {**sset, **gset}
        case_raw = base_raw
        for prefix, part in ((where, sset), ("grid", gset)):
            case_raw, bad = apply_overrides(case_raw, part, file=file, field_prefix=prefix)
            for b in bad:
                if (b.field, b.problem) not in checked:  # report each bad path once, not once per grid point
                    checked.add((b.field, b.problem))
                    problems.append(b)
        if name in seen:
            if sname and not gname:
                problems.append(InputError(file, f"scenarios[{sname}].name", f"scenario name {sname!r} is used twice", "give every scenario its own name"))
                continue
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        scenarios.append(Scenario(name=name, overrides=overrides, case_raw=case_raw, case_file=str(base_path),
                                  base_dir=str(base_path.resolve().parent), solve=solve,
                                  cost_of_rules=spec.cost_of_rules, description=desc))
    if problems:
        raise InputErrors(problems)
    for s in scenarios:
        s.digest = scenario_digest(s.case_raw, Path(s.base_dir), s.overrides, s.solve, s.cost_of_rules)
    return Sweep(file=file, name=spec.name or Path(file).stem, base_file=str(base_path), scenarios=scenarios,
                 solve=solve, cost_of_rules=spec.cost_of_rules)


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep file (relative paths resolve against its folder).

    Raises
    ------
    InputError, InputErrors
        Each naming the sweep file, the field and the fix.
    """
    path = Path(path)
    raw = read_yaml(path)
    return parse_sweep(raw, str(path), path.resolve().parent)


def sweep_from_python(base_case, grid: dict | None = None, scenarios: list | dict | None = None, *,
                      solve: dict | None = None, cost_of_rules: bool = False, name: str = "sweep") -> Sweep:
    """Build a :class:`Sweep` from Python objects (what :func:`gridplan.sweep.run_sweep` takes).

    ``base_case`` is a path to a case file or a raw case mapping; ``scenarios``
    is a list of ``{"name", "set"}`` mappings or a mapping ``name -> {path: value}``.
    """
    if isinstance(scenarios, dict):
        scenarios = [{"name": k, "set": v} for k, v in scenarios.items()]
    raw = {"name": name, "grid": grid or {}, "scenarios": scenarios or [], "solve": solve or {}, "cost_of_rules": cost_of_rules}
    from gridplan.case import Case

    if isinstance(base_case, (dict, Case)):
        import tempfile

        import yaml

        if isinstance(base_case, Case):
            base_dir = base_case.base_dir
            base_case = base_case.model_dump(by_alias=True, exclude_unset=True)
        else:
            base_dir = Path.cwd().resolve()
        # parse_sweep reads the base from a file; relative paths in the case keep resolving in base_dir.
        folder = Path(tempfile.mkdtemp(prefix="gridplan-sweep-base-"))
        (folder / "case.yaml").write_text(yaml.safe_dump(base_case, sort_keys=False, allow_unicode=True), encoding="utf-8")
        raw["base"] = str(folder / "case.yaml")
        try:
            sweep = parse_sweep(raw, f"<sweep {name}>", Path.cwd())
        finally:
            (folder / "case.yaml").unlink(missing_ok=True)
            folder.rmdir()
        for s in sweep.scenarios:
            s.base_dir = str(base_dir)
            s.case_file = "<case>"
            s.digest = scenario_digest(s.case_raw, Path(s.base_dir), s.overrides, s.solve, s.cost_of_rules)
        return sweep
    base = Path(base_case).resolve()
    raw["base"] = str(base)
    return parse_sweep(raw, f"<sweep {name}>", base.parent)
