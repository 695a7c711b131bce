"""The optimisation model: a core plus one module per resource family.

Order matters only in that policies read what the families registered.
"""

from gridplan.model import demand_response, generators, network, policies, storage  # noqa: F401 (policies: loaded with the package, not on the first build)

#: Resource families, each with ``add(ctx)``.
FAMILIES = [generators, storage, demand_response, network]

__all__ = ["FAMILIES"]
