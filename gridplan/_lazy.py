"""Lazy re-exports (PEP 562): ``import gridplan`` stays cheap; pyomo, pandas and pvlib load on first use."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, names: dict[str, str]):
    """Return ``(__getattr__, __dir__)`` for a package that re-exports ``name -> module``.

    A name mapped to the package itself is one of its submodules.
    """

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if names[name] == package:
            return importlib.import_module(f"{package}.{name}")
        return getattr(importlib.import_module(names[name]), name)

    def __dir__():
        return sorted(names)

    return __getattr__, __dir__
