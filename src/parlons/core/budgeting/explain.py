"""Outcome metrics and per-project explanations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from parlons.core.budgeting.model import Instance, Profile
from parlons.core.budgeting.pabulib import parse_number
from parlons.core.budgeting.satisfaction import ballot_utilities

DISTRICT_COLUMNS = ("district", "neighborhood", "neighbourhood", "area")


def metrics(instance: Instance, profile: Profile, winners: list[str]) -> dict:
    """Spent budget, share of voters with at least one funded project, average satisfaction
    (cost: money spent on projects the voter named; cardinality: number of them) and, when a
    ballot column gives the district, the same coverage per district."""
    funded = set(winners)
    spent = instance.cost(winners)
    n = profile.num_voters
    covered_ballot = []
    cost_sat = card_sat = 0
    for ballot in profile.ballots:
        named = [p for p in ballot.projects if p in funded]
        if ballot.points is not None:
            named = [p for p, x in zip(ballot.projects, ballot.points, strict=False) if p in funded and x > 0]
        covered_ballot.append(bool(named))
        cost_sat += ballot.multiplicity * sum(instance.projects[p].cost for p in named)
        card_sat += ballot.multiplicity * len(named)
    covered = sum(b.multiplicity for b, c in zip(profile.ballots, covered_ballot, strict=False) if c)
    out: dict = {
        "spent": _num(spent),
        "budget": _num(instance.budget),
        "spent_share": round(float(Fraction(spent) / instance.budget), 6) if instance.budget
        else 0.0,
        "projects_funded": len(winners),
        "voters": n,
        "voters_with_funded_project": covered,
        "share_voters_with_funded_project": round(covered / n, 6) if n else 0.0,
        "avg_cost_satisfaction": round(cost_sat / n, 3) if n else 0.0,
        "avg_cardinality_satisfaction": round(card_sat / n, 4) if n else 0.0,
    }
    column = next((c for c in DISTRICT_COLUMNS if c in profile.columns), None)
    if column:
        total: dict[str, int] = defaultdict(int)
        hit: dict[str, int] = defaultdict(int)
        for value, bi in zip(profile.column(column), profile.voter_ballot, strict=True):
            d = value.strip() or "(none)"
            total[d] += 1
            hit[d] += int(covered_ballot[bi])
        out["district_column"] = column
        out["coverage_by_district"] = {
            d: round(hit[d] / total[d], 4) for d in sorted(total)
        }
    return out


def _num(x: int | Fraction) -> int | float:
    return x if isinstance(x, int) else float(x)


@dataclass(frozen=True)
class Reason:
    """Why a project was funded or not: a ``kind`` and its figures (what an interface
    translates), and :meth:`text`, the English sentence (what the command line prints)."""

    kind: str
    values: dict = field(default_factory=dict)

    def text(self) -> str:
        """The English sentence."""
        values = dict(self.values)
        if "took" in values:
            values["took"] = ", ".join(f"{p} ({a:.0f})" for p, a in values["took"]) or "nothing"
        return SENTENCES[self.kind].format(**values)

    def as_dict(self) -> dict:
        """A JSON-ready form: ``{"kind": ..., **values}``."""
        return {"kind": self.kind, **self.values}


#: The English sentence of each kind of reason.
SENTENCES = {
    "funded": "funded: rank {rank} by score ({score}), cost {cost}",
    "leftover": "funded with the budget left over: rank {rank} by score ({score}), cost {cost}",
    "no-room": "not funded: rank {rank} by score ({score}); cost {cost} vs {left} left when "
               "its turn came",
    "category-cap": "not funded: rank {rank} by score ({score}); cost {cost} vs {left} left in "
                    "category {category} when its turn came",
    "below-threshold": "not funded: rank {rank} by score ({score}), below the threshold of "
                       "{threshold}",
    "over-budget": "not funded: rank {rank} by score ({score}); cost {cost} exceeds the whole "
                   "budget of {budget}",
    "stop": "not funded: rank {rank} by score ({score}); cost {cost} vs {left} left, and the "
            "count stops at the first project that does not fit",
    "after-stop": "not funded: rank {rank} by score ({score}); the count stopped before its turn",
    "shares": "funded: {supporters} supporters, price {price:.6g} per unit of utility, "
              "{exhausted} supporters paid all they had left",
    "completion": "funded by a completion step (its supporters could not pay it in full)",
    "completion-unsupported": "funded (added by a completion step; nobody supports it)",
    "unsupported": "not funded: nobody supports it",
    "short": "not funded: its {supporters} supporters have {left:.0f} left for a cost of "
             "{cost:.0f} (effective support {share:.1f} %); their money went to {took}",
}


def explain_greedy(instance: Instance, scores: dict, trace: list[tuple]) -> dict[str, Reason]:
    """Why each project was funded or not under greedy by score, from greedy's ``trace``
    (its order, its tie-breaking, threshold, category caps and variant)."""
    out: dict[str, Reason] = {}
    rank = {}
    for pid, decision, left, category in trace:
        rank.setdefault(pid, len(rank) + 1)
        values = {"rank": rank[pid], "score": _num(scores[pid]),
                  "cost": _num(instance.projects[pid].cost), "left": _num(left)}
        if decision == "category-cap":
            values["category"] = category
        elif decision == "below-threshold":
            values["threshold"] = _num(parse_number(instance.meta["min_project_score_threshold"]))
        elif decision == "over-budget":
            values["budget"] = _num(instance.budget)
        out[pid] = Reason(decision, values)
    return out


def explain_mes(instance: Instance, profile: Profile, winners: list[str], sat: str,
                voter_budget: float) -> dict[str, Reason]:
    """Replay MES at the final per-voter budget (floating point) and explain each project:
    funded ones with their price per unit of utility and how many supporters paid everything
    they had; the others with their effective support at the end (the share of their cost
    their supporters could still pay) and the funded projects that took their money."""
    n_ballots = len(profile.ballots)
    w = np.array([b.multiplicity for b in profile.ballots], dtype=float)
    budget = np.full(n_ballots, float(voter_budget))
    sup: dict[str, list[tuple[int, float]]] = {p: [] for p in instance.projects}
    for i, ballot in enumerate(profile.ballots):
        for p, u in ballot_utilities(instance, ballot, sat).items():
            sup[p].append((i, float(u)))
    paid_to: dict[str, np.ndarray] = {}
    out: dict[str, Reason] = {}
    for pid in winners:
        cost = float(instance.projects[pid].cost)
        items = sorted(sup[pid], key=lambda iu: budget[iu[0]] / iu[1])
        if not items:
            out[pid] = Reason("completion-unsupported")
            continue
        paid, denom = 0.0, sum(w[i] * u for i, u in items)
        rho, poor = 0.0, 0
        for i, u in items:
            rho = (cost - paid) / denom
            if rho * u <= budget[i]:
                break
            paid += w[i] * budget[i]
            denom -= w[i] * u
            poor += int(w[i])
        pay = np.zeros(n_ballots)
        for i, u in items:
            pay[i] = min(budget[i], rho * u)
        if float(w @ pay) > cost * (1 + 1e-6) or float(w @ pay) < cost * (1 - 1e-6):
            out[pid] = Reason("completion")
            continue
        budget -= pay
        paid_to[pid] = pay
        n_sup = int(sum(w[i] for i, _ in items))
        out[pid] = Reason("shares", {"supporters": n_sup, "price": float(rho),
                                    "exhausted": poor})
    for pid in instance.projects:
        if pid in out:
            continue
        items = sup[pid]
        cost = float(instance.projects[pid].cost)
        if not items:
            out[pid] = Reason("unsupported")
            continue
        left = sum(w[i] * budget[i] for i, _ in items)
        takers = sorted(
            ((float(sum(w[i] * pay[i] for i, _ in items)), q) for q, pay in paid_to.items()),
            reverse=True,
        )[:3]
        out[pid] = Reason("short", {
            "supporters": int(sum(w[i] for i, _ in items)), "left": float(left), "cost": cost,
            "share": 100 * float(left) / cost, "took": [[q, v] for v, q in takers if v > 0]})
    return out
