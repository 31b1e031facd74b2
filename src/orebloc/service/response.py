"""A coordinated release on an incident, shared out in proportion to members' consumption.

Stand-in for the joint response of ``orebloc.stockpile`` (not yet on this branch): the IEA
collective-action rule (each member's share of the loss is its share of the bloc's net imports),
capped by what the member holds. Pure function over the members' figures; tonnes.
"""

from __future__ import annotations

from collections.abc import Mapping


def proportional_release(stock_t: Mapping[str, float], net_imports_t_per_year: Mapping[str, float],
                         loss_t_per_day: float, days: float) -> dict[str, dict[str, float]]:
    """Per member: its share of the loss, the release (within its stock) and the residual shortfall, t."""
    need = loss_t_per_day * days
    members = sorted(set(stock_t) | set(net_imports_t_per_year))
    weights = {m: max(net_imports_t_per_year.get(m, 0.0), 0.0) for m in members}
    total_w = sum(weights.values())
    plan: dict[str, dict[str, float]] = {}
    for m in members:
        share = weights[m] / total_w if total_w > 0 else 1.0 / len(members)
        due = need * share
        released = min(due, stock_t.get(m, 0.0))
        plan[m] = {"share": share, "due_t": due, "release_t": released, "shortfall_t": due - released}
    return plan
