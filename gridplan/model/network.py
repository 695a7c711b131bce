"""Network: the link to the provincial grid, links between nodes, and unserved energy.

* External grid: imports ``g⁺`` and exports ``g⁻`` (MW) within their limits,
  imports paid at the (time-of-use shaped) import price and counted with
  the grid's emission factor, exports paid at the export price.
* Links: flows both ways between two nodes, each within ``max_mw``, with a
  loss (``efficiency``) on the receiving end and a wheeling cost.
* Unserved energy at each node's value of lost load (always present, so a
  case never becomes infeasible for lack of supply; it is always reported).
"""

from __future__ import annotations

import numpy as np

from gridplan.case.schema import ExternalGrid, value_in_year
from gridplan.model.core import COST_SCALE, ModelContext
from gridplan.model.hourly import hourly_var


def tou_multiplier(hour_of_day: np.ndarray, grid: ExternalGrid) -> np.ndarray:
    """Time-of-use price multiplier per hour: peak, valley or flat (1)."""
    mult = np.ones(len(hour_of_day))
    mult[np.isin(hour_of_day, grid.tou_peak_hours)] = grid.tou_peak_ratio
    mult[np.isin(hour_of_day, grid.tou_valley_hours)] = grid.tou_valley_ratio
    return mult


def import_price_cny_per_mwh(grid: ExternalGrid, year: int, hour_of_day: np.ndarray) -> np.ndarray:
    """Hourly import price (CNY/MWh): the flat price times the time-of-use multiplier."""
    return value_in_year(grid.import_price_cny_per_mwh, year, 0.0) * tou_multiplier(hour_of_day, grid)


def add(ctx: ModelContext) -> None:
    """Add the external grid, links and unserved energy of every node."""
    for name, node in ctx.data.case.nodes.items():
        if node.external is not None:
            _add_external(ctx, name, node.external)
        _add_unserved(ctx, name, node.voll_cny_per_mwh)
    for link in ctx.data.case.links:
        _add_link(ctx, link)


def _add_external(ctx: ModelContext, node: str, grid: ExternalGrid) -> None:
    m, years = ctx.model, ctx.years
    hod = ctx.data.timestamps.hour.to_numpy()
    imp_max = {y: value_in_year(grid.import_max_mw, y, 0.0) for y in years}
    exp_max = {y: value_in_year(grid.export_max_mw, y, 0.0) for y in years}
    imp = hourly_var(m, f"import__{node}", years, upper=imp_max)
    exp = hourly_var(m, f"export__{node}", years, upper=exp_max)
    for y in years:
        price = import_price_cny_per_mwh(grid, y, hod)
        export_price = value_in_year(grid.export_price_cny_per_mwh, y, 0.0)
        ctx.add_injection(node, y, imp, 1.0)
        ctx.add_injection(node, y, exp, -1.0)
        ctx.add_series("import", node, y, imp, +1.0)
        ctx.add_series("export", node, y, exp, -1.0)
        if imp_max[y] > 0:
            ctx.add_cost("imports", y, COST_SCALE * ctx.annual(imp, y, price))
            if grid.import_co2_t_per_mwh:
                ctx.emissions[y].append(grid.import_co2_t_per_mwh * ctx.annual(imp, y))
        if exp_max[y] > 0 and export_price:
            ctx.add_cost("export_revenue", y, -export_price * COST_SCALE * ctx.annual(exp, y))


def _add_link(ctx: ModelContext, link) -> None:
    m, years = ctx.model, ctx.years
    cap = {y: value_in_year(link.max_mw, y, 0.0) for y in years}
    fwd = hourly_var(m, f"flow_forward__{link.name}", years, upper=cap)
    back = hourly_var(m, f"flow_back__{link.name}", years, upper=cap)
    eta = link.efficiency
    a, b = link.from_node, link.to_node
    for y in years:
        ctx.add_injection(a, y, back, eta)
        ctx.add_injection(a, y, fwd, -1.0)
        ctx.add_injection(b, y, fwd, eta)
        ctx.add_injection(b, y, back, -1.0)
        ctx.add_series(f"{link.name}_out", a, y, fwd, -1.0)
        ctx.add_series(f"{link.name}_in", a, y, back, eta)
        ctx.add_series(f"{link.name}_out", b, y, back, -1.0)
        ctx.add_series(f"{link.name}_in", b, y, fwd, eta)
        if link.cost_cny_per_mwh:
            ctx.add_cost(
                "links", y, link.cost_cny_per_mwh * COST_SCALE * (ctx.annual(fwd, y) + ctx.annual(back, y))
            )


def _add_unserved(ctx: ModelContext, node: str, voll: float) -> None:
    m, years = ctx.model, ctx.years
    demand = ctx.data.demand_mw
    lost = hourly_var(m, f"unserved__{node}", years, upper={y: demand[(node, y)] for y in years})
    for y in years:
        ctx.add_injection(node, y, lost)
        ctx.add_series("unserved", node, y, lost, +1.0)
        ctx.add_cost("unserved_energy", y, voll * COST_SCALE * ctx.annual(lost, y))
