"""One entry point for every rule: :func:`tally`."""

from __future__ import annotations

from dataclasses import dataclass, field

from parlons.core.budgeting import explain
from parlons.core.budgeting.model import Instance, Number, Profile
from parlons.core.budgeting.ties import tie_key as make_tie_key

RULES = ("greedy", "greedy-utilitarian", "mes", "phragmen", "max-welfare")


@dataclass
class Outcome:
    """Result of a tally."""

    rule: str
    winners: list[str]
    cost: Number
    budget: Number
    details: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    reasons: dict[str, explain.Reason] = field(default_factory=dict)

    @property
    def explanations(self) -> dict[str, str]:
        """Each project's reason as an English sentence."""
        return {pid: reason.text() for pid, reason in self.reasons.items()}


def _default_sat(profile: Profile) -> str:
    return "cost"


def tally(
    instance: Instance,
    profile: Profile,
    rule: str = "greedy",
    completion: str = "none",
    comparison: bool = False,
    sat: str | None = None,
    exact: bool = False,
    tie_break: str | None = None,
    greedy_variant: str | None = None,
    with_explanations: bool = False,
) -> Outcome:
    """Compute the winners of ``rule`` and the outcome metrics.

    Tie-breaking defaults: greedy keeps the PROJECTS order (the official ranking); the other
    rules use the project id as text (pabutools' default), unless ``tie_break`` says otherwise.
    """
    sat = sat or _default_sat(profile)
    details: dict = {}
    expl: dict[str, explain.Reason] = {}
    if rule == "greedy":
        from parlons.core.budgeting.greedy import GREEDY_VARIANTS, file_scores, greedy

        variant = greedy_variant or instance.meta.get("rule", "greedy")
        if variant not in GREEDY_VARIANTS:
            variant = "greedy"
        key = make_tie_key(instance, profile, tie_break or "file")
        scores = file_scores(instance, profile)
        trace: list | None = [] if with_explanations else None
        winners = greedy(instance, scores, variant, tie_key=key, trace=trace)
        details["variant"] = variant
        if trace is not None:
            expl = explain.explain_greedy(instance, scores, trace)
    elif rule == "greedy-utilitarian":
        from parlons.core.budgeting.greedy import greedy_utilitarian

        key = make_tie_key(instance, profile, tie_break or "id")
        winners = greedy_utilitarian(instance, profile, sat=sat, tie_key=key)
    elif rule == "mes":
        from parlons.core.budgeting.mes import equal_shares

        key = make_tie_key(instance, profile, tie_break or "id")
        result = equal_shares(instance, profile, sat, completion, exact=exact, tie_key=key)
        winners = result.winners
        details.update(completion=completion, voter_budget=float(result.voter_budget),
                       mes_runs=result.runs, exact_runs=result.exact_runs)
        if comparison:
            winners = _comparison(instance, profile, winners, sat, details)
        if with_explanations:
            expl = explain.explain_mes(instance, profile, winners, sat,
                                       float(result.voter_budget))
    elif rule == "phragmen":
        from parlons.core.budgeting.phragmen import sequential_phragmen

        key = make_tie_key(instance, profile, tie_break or "id")
        winners = sequential_phragmen(instance, profile, exact=exact, tie_key=key)
    elif rule == "max-welfare":
        from parlons.core.budgeting.welfare import max_welfare, welfare

        winners = max_welfare(instance, profile, sat)
        details["welfare"] = welfare(instance, profile, winners, sat)
    else:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    if rule in ("greedy-utilitarian", "mes", "max-welfare"):
        details["sat"] = sat
    return Outcome(rule, winners, instance.cost(winners), instance.budget, details,
                   explain.metrics(instance, profile, winners), expl)


def _comparison(instance: Instance, profile: Profile, mes_winners: list[str], sat: str,
                details: dict) -> list[str]:
    """Comparison step: greedy (by votes, skipping what does not fit) replaces the MES outcome
    when more voters prefer it (higher satisfaction of the chosen kind) than prefer MES."""
    from parlons.core.budgeting.greedy import ballot_scores, greedy
    from parlons.core.budgeting.satisfaction import ballot_utilities

    greedy_winners = greedy(instance, ballot_scores(instance, profile), "greedy",
                            tie_key=make_tie_key(instance, profile, "file"), per_category=False)
    a, b = set(mes_winners), set(greedy_winners)
    prefer_mes = prefer_greedy = 0
    for ballot in profile.ballots:
        utils = ballot_utilities(instance, ballot, sat)
        ua = sum(u for p, u in utils.items() if p in a)
        ub = sum(u for p, u in utils.items() if p in b)
        if ua > ub:
            prefer_mes += ballot.multiplicity
        elif ub > ua:
            prefer_greedy += ballot.multiplicity
    details["comparison"] = {"prefer_mes": prefer_mes, "prefer_greedy": prefer_greedy}
    if prefer_greedy > prefer_mes:
        details["comparison"]["kept"] = "greedy"
        return greedy_winners
    details["comparison"]["kept"] = "mes"
    return mes_winners
