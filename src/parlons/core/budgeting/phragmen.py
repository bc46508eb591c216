"""Sequential Phragmén for approval ballots (other ballot types: the projects a ballot names).

Voters earn virtual money continuously from 0; a project is bought as soon as its supporters
together hold its cost, which sets every supporter's load to
``(sum of supporters' loads + cost) / supporters``. The project with the smallest new load is
bought next (ties: tie-breaking key); the rule stops, as in pabutools, when that project no
longer fits the remaining budget. Projects costing more than the budget are never considered.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from parlons.core.budgeting.model import Instance, Profile


def sequential_phragmen(
    instance: Instance,
    profile: Profile,
    exact: bool = True,
    tie_key: Callable[[str], tuple] | None = None,
) -> list[str]:
    """Funded project ids, in the order Phragmén buys them."""
    key = tie_key or (lambda pid: (pid,))
    projects = [p for p, pr in instance.projects.items() if pr.cost <= instance.budget]
    supporters: dict[str, list[int]] = {p: [] for p in projects}
    for i, ballot in enumerate(profile.ballots):
        for p in set(ballot.projects):
            if p in supporters:
                supporters[p].append(i)
    weights = profile.multiplicities()
    score = {p: sum(weights[i] for i in s) for p, s in supporters.items()}
    num = Fraction if exact else float
    load = [num(0)] * len(weights)
    load_sum = {p: num(0) for p in projects}  # sum of w_i * load_i over supporters
    ballots_projects = [
        [p for p in set(b.projects) if p in supporters] for b in profile.ballots
    ]
    remaining = set(projects)
    chosen: list[str] = []
    spent = 0
    inf = float("inf")
    while remaining:
        best_value = None
        best: list[str] = []
        for p in remaining:
            value = (load_sum[p] + instance.projects[p].cost) / num(score[p]) if score[p] else inf
            if best_value is None or value < best_value:
                best_value, best = value, [p]
            elif value == best_value:
                best.append(p)
        if any(spent + instance.projects[p].cost > instance.budget for p in best):
            break
        pick = min(best, key=key)
        chosen.append(pick)
        remaining.discard(pick)
        spent += instance.projects[pick].cost
        if best_value == inf:
            continue
        for i in supporters[pick]:
            delta = (best_value - load[i]) * weights[i]
            load[i] = best_value
            for q in ballots_projects[i]:
                load_sum[q] += delta
    return chosen
