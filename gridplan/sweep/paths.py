"""Override paths: address one field of a case and set it.

Path syntax
-----------
A path is a chain of segments separated by dots; list items are picked with
square brackets::

    discount_rate
    hours.days
    nodes.dongguan.demand.2030.annual_mwh
    generators[pv_utility].capex_cny_per_kw
    generators[pv_utility].capex_cny_per_kw.2030      # one year of a per-year mapping
    policies[storage_pairing_2030].ratio
    storage[0].max_total_mw                           # by position, when no item is named "0"

* ``key`` names a field of a block (``hours``, ``discount_rate``) or a key of
  a mapping (a node name, a year). Year keys are written as plain numbers.
* ``list[name]`` picks the item of a list whose ``name`` is ``name``
  (generators, storage, demand_response, links, policies, existing blocks);
  ``list[3]`` picks the fourth item when no item is named ``3``. Names may
  hold dots; they may not hold ``]``.
* The last segment is replaced by the override's value, which may be a
  number, text, a list or a mapping (e.g. a whole ``{year: value}`` mapping).

A path must exist: every segment before the last must be in the case, and
the last one must be in the case or be a field that the case format defines
at that place (so ``hours.days`` works on a case without ``hours``). Keys of
mappings (nodes, years) must already be in the case. A path that does not
exist is an :class:`~gridplan.errors.InputError` that lists the nearest valid
keys.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from gridplan.case.schema import Case
from gridplan.errors import InputError

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]|(\.)")


class PathError(ValueError):
    """A path that does not exist or cannot be parsed (turned into an InputError by the caller)."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def parse_path(path: str) -> list[tuple[str, str]]:
    """Split ``path`` into ``("key", text)`` and ``("item", selector)`` tokens.

    Raises
    ------
    PathError
        When the path is empty or malformed (``a..b``, ``a[b``, ``.a``).
    """
    if not isinstance(path, str) or not path.strip():
        raise PathError("the path is empty", "write a path such as generators[pv_utility].capex_cny_per_kw")
    tokens: list[tuple[str, str]] = []
    pos, expect_key = 0, True
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if m is None:
            raise PathError(f"cannot read the path {path!r} at character {pos + 1}", _SYNTAX_FIX)
        key, item, dot = m.groups()
        if dot:
            if expect_key or pos == len(path) - 1:
                raise PathError(f"the path {path!r} has an empty segment", _SYNTAX_FIX)
            expect_key = True
        elif key is not None:
            if not expect_key:
                raise PathError(f"the path {path!r} needs a dot before {key!r}", _SYNTAX_FIX)
            tokens.append(("key", key.strip()))
            expect_key = False
        else:
            if not item.strip():
                raise PathError(f"the path {path!r} has empty brackets []", _SYNTAX_FIX)
            if expect_key and tokens:
                raise PathError(f"the path {path!r} has a dot before [{item}]", _SYNTAX_FIX)
            tokens.append(("item", item.strip()))
            expect_key = False
        pos = m.end()
    if path.count("[") != path.count("]"):
        raise PathError(f"the path {path!r} has unbalanced brackets", _SYNTAX_FIX)
    return tokens


_SYNTAX_FIX = "write dotted keys with list items by name, e.g. policies[storage_pairing_2030].ratio"


# --------------------------------------------------------------------------- schema walking


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` from a type annotation."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_fields(model: type[BaseModel]) -> dict[str, Any]:
    """Field names (and aliases) of a model mapped to their annotations."""
    out = {}
    for name, info in model.model_fields.items():
        out[info.alias or name] = info.annotation
        out[name] = info.annotation
    return out


def _pick_union_member(tp: Any, item: Any) -> Any:
    """The member of a discriminated union (policies) that a raw list item is, by its ``type``."""
    members = [_unwrap(a) for a in get_args(tp)]
    models = [m for m in members if _is_model(m)]
    if not models:
        return tp
    if len(models) == 1:
        return models[0]
    kind = item.get("type") if isinstance(item, dict) else None
    for m in models:
        field = m.model_fields.get("type")
        if field is not None and get_origin(_unwrap(field.annotation)) is Literal and kind in get_args(_unwrap(field.annotation)):
            return m
    return None


def _child_type(tp: Any, key: str | None, node: Any) -> Any:
    """The annotation of the child ``key`` (or of a list/mapping element) under type ``tp``."""
    tp = _unwrap(tp)
    if tp is None:
        return None
    if _is_model(tp):
        return _model_fields(tp).get(key)
    origin = get_origin(tp)
    if origin in (list, tuple):
        inner = _unwrap(get_args(tp)[0]) if get_args(tp) else None
        if get_origin(inner) in (Union, types.UnionType):
            return _pick_union_member(inner, node)
        return inner
    if origin is dict:
        return get_args(tp)[1] if get_args(tp) else None
    if origin in (Union, types.UnionType):
        # A per-year value: number or {year: number}; walking into it only works on mappings.
        for arg in get_args(tp):
            if get_origin(_unwrap(arg)) is dict:
                return get_args(_unwrap(arg))[1]
    return None


def _nearest(word: str, options: list[str]) -> str:
    """A fix naming the nearest valid keys (or all of them when none is near)."""
    options = sorted({str(o) for o in options})
    if not options:
        return "there is nothing to pick here; check the path against the case"
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.5)
    if close:
        return "nearest valid: " + ", ".join(close)
    shown = options[:12]
    more = f" (and {len(options) - len(shown)} more)" if len(options) > len(shown) else ""
    return "valid here: " + ", ".join(shown) + more


def _dict_key(node: dict, key: str) -> Any:
    """The key of ``node`` that ``key`` names: text as written, or a number (years)."""
    if key in node:
        return key
    try:
        number = int(key)
    except ValueError:
        return _MISSING
    return number if number in node else _MISSING


_MISSING = object()


def _list_index(node: list, selector: str) -> int | None:
    for i, item in enumerate(node):
        if isinstance(item, dict) and str(item.get("name")) == selector:
            return i
    if re.fullmatch(r"-?\d+", selector):
        i = int(selector)
        if -len(node) <= i < len(node):
            return i % len(node)
    return None


def set_path(raw: dict, path: str, value: Any, model: type[BaseModel] = Case) -> None:
    """Set the field at ``path`` of the raw case mapping ``raw`` (in place) to ``value``.

    Parameters
    ----------
    raw : dict
        A case as read from YAML (not yet validated).
    path : str
        See the module docstring for the syntax.
    value : any
        The new value (deep-copied, so scenarios never share mutable values).
    model : pydantic model
        The schema the top of ``raw`` follows (:class:`~gridplan.case.schema.Case`).

    Raises
    ------
    PathError
        When the path cannot be parsed or does not exist; ``fix`` names the
        nearest valid keys.
    """
    tokens = parse_path(path)
    node: Any = raw
    tp: Any = model
    where = "the case"
    for i, (kind, text) in enumerate(tokens):
        last = i == len(tokens) - 1
        if kind == "item":
            if not isinstance(node, list):
                raise PathError(f"{where} is not a list, so [{text}] cannot pick an item", "drop the brackets and use .key")
            index = _list_index(node, text)
            if index is None:
                names = [str(it.get("name")) for it in node if isinstance(it, dict) and "name" in it]
                raise PathError(f"{where} has no item named {text!r}", _nearest(text, names))
            child_tp = _child_type(tp, None, node[index])
            if last:
                node[index] = copy.deepcopy(value)
                return
            node, tp, where = node[index], child_tp, f"{where}[{text}]" if where != "the case" else f"[{text}]"
            continue
        # a key
        if not isinstance(node, dict):
            if isinstance(node, list):
                raise PathError(f"{where} is a list; pick an item with [name] before .{text}", "e.g. generators[pv_utility].capex_cny_per_kw")
            raise PathError(f"{where} is a single value ({node!r}), it has no {text!r}", f"set {where} itself")
        key = _dict_key(node, text)
        unwrapped = _unwrap(tp)
        fields = _model_fields(unwrapped) if _is_model(unwrapped) else None
        child_tp = _child_type(tp, text, node.get(key) if key is not _MISSING else None)
        if key is _MISSING:
            if fields is None or text not in fields:
                options = list(node) if fields is None else sorted(set(fields) | {str(k) for k in node})
                raise PathError(f"{where} has no {text!r}", _nearest(text, options))
            # A field the format defines but the case leaves at its default.
            key = text
            if not last:
                if not _is_model(_unwrap(child_tp)):
                    raise PathError(f"{where}.{text} is not in the case, so nothing under it can be set", f"set {text} as a whole")
                node[key] = {}
        if last:
            node[key] = copy.deepcopy(value)
            return
        node, tp = node[key], child_tp
        where = text if where == "the case" else f"{where}.{text}"
    raise PathError("the path is empty", _SYNTAX_FIX)  # pragma: no cover - parse_path refuses empty paths


def apply_overrides(raw: dict, overrides: dict[str, Any], *, file: str, field_prefix: str) -> tuple[dict, list[InputError]]:
    """A deep copy of ``raw`` with every override applied, and the problems of paths that do not exist.

    Parameters
    ----------
    raw : dict
        The base case mapping.
    overrides : dict
        path → value.
    file : str
        The sweep file, named in the errors.
    field_prefix : str
        Where the overrides sit in the sweep file (``grid`` or ``scenarios[x].set``),
        so errors read ``grid.policies[p].ratio``.
    """
    out = copy.deepcopy(raw)
    problems: list[InputError] = []
    for path, value in overrides.items():
        try:
            set_path(out, path, value)
        except PathError as exc:
            problems.append(InputError(file, f"{field_prefix}.{path}", f"path does not exist in the base case: {exc.problem}", exc.fix))
    return out, problems
