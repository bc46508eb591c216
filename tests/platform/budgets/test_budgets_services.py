"""Services of the budget module: rules freeze, bad input, votes, secrecy, paper, counting."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from parlons.platform.budgets import counting, services
from parlons.platform.budgets.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    PaperSheet,
    VoterRecord,
)

pytestmark = pytest.mark.django_db


def _snapshot():
    return (Ballot.objects.count(), BallotChoice.objects.count(), VoterRecord.objects.count(),
            BudgetProject.objects.count(), PaperSheet.objects.count())


def _cast(pb, user, titles, budget="city", receipt=None):
    receipt = receipt or services.new_receipt()
    choices = {pb["projects"][t].pk: 1 for t in titles}
    services.cast_ballot(actor=user, budget=pb[budget], choices=choices, receipt=receipt)
    return receipt


# --- frozen rules ----------------------------------------------------------------------------

def test_rules_change_before_the_vote_then_refused_once_frozen(set_phase, pb, org_admin):
    set_phase(pb, "Instruction")
    city = services.update_budget(actor=org_admin, budget=pb["city"], counting_rule="mes")
    assert city.counting_rule == "mes"
    services.open_vote(actor=org_admin, budget=city)
    with pytest.raises(ValidationError, match="frozen"):
        services.update_budget(actor=org_admin, budget=city, counting_rule="greedy")
    with pytest.raises(ValidationError, match="frozen"):
        services.update_budget(actor=org_admin, budget=city, amount=1)
    # the model refuses too, whatever the caller
    city = Budget.objects.get(pk=city.pk)
    city.ballot_type = Budget.BallotType.CUMULATIVE
    with pytest.raises(ValidationError):
        city.save()
    city = Budget.objects.get(pk=city.pk)
    city.title = "Renamed"  # not a rule: allowed
    city.save()
    assert Budget.objects.get(pk=city.pk).counting_rule == "mes"


def test_rules_refused_while_the_vote_is_open_even_if_not_yet_frozen(pb, org_admin):
    with pytest.raises(ValidationError, match="frozen"):
        services.update_budget(actor=org_admin, budget=pb["city"], counting_rule="mes")
    with pytest.raises(ValidationError, match="frozen"):
        services.set_component_rules(actor=org_admin, component=pb["component"],
                                     eligibility="any_one", minimum_age=16)


def test_first_ballot_freezes_the_rules(pb, voter):
    assert pb["city"].frozen_at is None
    _cast(pb, voter, ["Fresque"])
    assert Budget.objects.get(pk=pb["city"].pk).frozen_at is not None


def test_only_managers_change_rules(set_phase, pb, citizen, org_evaluator, other_org_admin):
    set_phase(pb, "Instruction")
    for person in (citizen, org_evaluator, other_org_admin):
        with pytest.raises(PermissionDenied):
            services.update_budget(actor=person, budget=pb["city"], counting_rule="mes")


# --- bad input ----------------------------------------------------------------------------------

def test_budget_smaller_than_every_project_is_refused(set_phase, pb, org_admin):
    set_phase(pb, "Instruction")
    with pytest.raises(ValidationError, match="smaller than every"):
        services.update_budget(actor=org_admin, budget=pb["city"], amount=10_000)
    assert Budget.objects.get(pk=pb["city"].pk).amount == 100_000


def test_negative_or_zero_cost_refused_and_constraint(set_phase, pb, citizen):
    set_phase(pb, "Dépôt")
    before = _snapshot()
    for cost in (-5, 0):
        with pytest.raises(ValidationError, match="positive"):
            services.submit_project(actor=citizen, budget=pb["city"], title="T",
                                    description="d", estimated_cost=cost)
    with pytest.raises(ValidationError, match="exceeds the whole budget"):
        services.submit_project(actor=citizen, budget=pb["city"], title="T",
                                description="d", estimated_cost=10**7)
    assert _snapshot() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetProject.objects.create(budget=pb["city"], title="T", description="d",
                                     estimated_cost=0)


def test_ballot_naming_a_project_of_another_budget_is_refused(pb, voter):
    before = _snapshot()
    with pytest.raises(ValidationError, match="not on this budget"):
        services.cast_ballot(actor=voter, budget=pb["city"],
                             choices={pb["projects"]["Bancs"].pk: 1},
                             receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="over the budget"):
        _cast(pb, voter, ["Pistes cyclables", "Skatepark"])
    with pytest.raises(ValidationError, match="malformed"):
        services.cast_ballot(actor=voter, budget=pb["city"], choices={"abc": 1},
                             receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="altered"):
        services.cast_ballot(actor=voter, budget=pb["city"],
                             choices={pb["projects"]["Fresque"].pk: 1}, receipt="forged")
    assert _snapshot() == before


def test_description_is_sanitised(set_phase, pb, citizen):
    set_phase(pb, "Dépôt")
    project = services.submit_project(
        actor=citizen, budget=pb["city"], title="Arbres",
        description='<p onclick="x()">Ombre</p><script>alert(1)</script>', estimated_cost=500)
    assert "script" not in project.description and "onclick" not in project.description


# --- eligibility and votes --------------------------------------------------------------------

def test_eligibility_age_and_area(pb, citizen, org_agent, make_user):
    import datetime as dt

    from django.utils import timezone

    from parlons.platform.budgets import selectors

    today = timezone.localdate()
    with pytest.raises(ValidationError, match="at least 11"):
        services.declare_eligibility(actor=citizen, component=pb["component"],
                                     area=pb["areas"][1],
                                     birth_date=today - dt.timedelta(days=365 * 10))
    services.declare_eligibility(actor=citizen, component=pb["component"], area=pb["areas"][1],
                                 birth_date=dt.date(1990, 5, 1))
    # Tilleuls resident: city-wide only (the Centre budget is another neighbourhood's)
    assert selectors.eligible_budgets(pb["component"], citizen) == [pb["city"]]
    with pytest.raises(ValidationError, match="not eligible"):
        _cast(pb, citizen, ["Bancs"], budget="centre")
    other = make_user()
    with pytest.raises(PermissionDenied):
        services.declare_eligibility(actor=other, component=pb["component"],
                                     area=pb["areas"][0], birth_date=dt.date(1990, 1, 1),
                                     person=citizen)
    services.declare_eligibility(actor=org_agent, component=pb["component"],
                                 area=pb["areas"][0], birth_date=dt.date(1990, 1, 1),
                                 person=other)
    assert selectors.eligible_budgets(pb["component"], other) == [pb["city"], pb["centre"]]


def test_cast_then_edit_keeps_one_ballot(pb, voter):
    first = _cast(pb, voter, ["Fresque", "Jardin partagé"])
    ballot = Ballot.objects.get(budget=pb["city"])
    assert ballot.voter == voter and ballot.receipt_hash == services.receipt_hash(first)
    again = _cast(pb, voter, ["Pistes cyclables"])
    assert Ballot.objects.filter(budget=pb["city"]).count() == 1
    ballot.refresh_from_db()
    assert ballot.receipt_hash == services.receipt_hash(again)
    assert [c.project.title for c in ballot.choices.all()] == ["Pistes cyclables"]
    assert services.check_receipt(pb["component"], again) == ballot
    assert services.check_receipt(pb["component"], first) is None


def test_same_submission_twice_gives_the_same_answer(pb, voter):
    receipt = _cast(pb, voter, ["Fresque"], budget="city")
    _cast(pb, voter, ["Fresque"], budget="city", receipt=receipt)
    receipt = _cast(pb, voter, ["Bancs"], budget="centre")
    _cast(pb, voter, ["Bancs"], budget="centre", receipt=receipt)  # secret: same receipt
    assert Ballot.objects.count() == 2 and VoterRecord.objects.count() == 2


def test_secret_ballot_is_not_linked_to_the_voter(pb, voter):
    receipt = _cast(pb, voter, ["Bancs"], budget="centre")
    ballot = Ballot.objects.get(budget=pb["centre"])
    assert ballot.voter is None
    record = VoterRecord.objects.get(budget=pb["centre"])
    assert record.user == voter
    field_names = {f.name for f in VoterRecord._meta.get_fields()}
    assert not field_names & {"ballot", "receipt_hash", "choices"}
    # changing a secret ballot needs its receipt
    with pytest.raises(ValidationError, match="receipt code"):
        _cast(pb, voter, ["Fontaine"], budget="centre")
    _cast(pb, voter, ["Fontaine"], budget="centre", receipt=receipt)
    assert [c.project.title for c in Ballot.objects.get(budget=pb["centre"]).choices.all()] \
        == ["Fontaine"]
    assert Ballot.objects.count() == 1


def test_vote_refused_outside_the_vote_phase_and_for_anonymous(set_phase, pb, voter):
    from django.contrib.auth.models import AnonymousUser

    set_phase(pb, "Résultats")
    with pytest.raises(PermissionDenied):
        _cast(pb, voter, ["Fresque"])
    set_phase(pb, None)
    with pytest.raises(PermissionDenied):
        _cast(pb, AnonymousUser(), ["Fresque"])


def test_ballot_types(set_phase, pb, voter, org_admin):
    set_phase(pb, "Instruction")
    services.update_budget(actor=org_admin, budget=pb["city"], ballot_type="minmax",
                           min_projects=2, max_projects=3)
    set_phase(pb, None)
    with pytest.raises(ValidationError, match="between 2 and 3"):
        _cast(pb, voter, ["Fresque"])
    _cast(pb, voter, ["Pistes cyclables", "Skatepark"])  # over the amount is fine here
    set_phase(pb, "Instruction")
    centre = services.update_budget(actor=org_admin, budget=pb["centre"],
                                    ballot_type="cumulative", points=5)
    set_phase(pb, None)
    bancs, fontaine = pb["projects"]["Bancs"].pk, pb["projects"]["Fontaine"].pk
    with pytest.raises(ValidationError, match="only have 5"):
        services.cast_ballot(actor=voter, budget=centre, choices={bancs: 4, fontaine: 2},
                             receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="negative"):
        services.cast_ballot(actor=voter, budget=centre, choices={bancs: -1, fontaine: 2},
                             receipt=services.new_receipt())
    services.cast_ballot(actor=voter, budget=centre, choices={bancs: 3, fontaine: 2},
                         receipt=services.new_receipt())
    assert sorted(BallotChoice.objects.filter(ballot__budget=centre)
                  .values_list("points", flat=True)) == [2, 3]


def test_min_share(set_phase, pb, voter, org_admin):
    set_phase(pb, "Instruction")
    services.update_budget(actor=org_admin, budget=pb["city"], min_share=50)
    set_phase(pb, None)
    with pytest.raises(ValidationError, match="at least 50"):
        _cast(pb, voter, ["Fresque"])
    _cast(pb, voter, ["Fresque", "Jardin partagé"])


def test_one_ballot_per_person_is_a_database_constraint(pb, voter):
    import datetime as dt

    Ballot.objects.create(budget=pb["city"], voter=voter, channel="online", receipt_hash="a",
                          created_on=dt.date.today(), updated_on=dt.date.today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(budget=pb["city"], voter=voter, channel="online",
                              receipt_hash="b", created_on=dt.date.today(),
                              updated_on=dt.date.today())


# --- paper ballots -----------------------------------------------------------------------------

def test_paper_double_entry_match_mismatch_and_online_conflict(pb, voter, org_agent,
                                                               second_agent, org_admin):
    fresque = str(pb["projects"]["Fresque"].pk)
    jardin = str(pb["projects"]["Jardin partagé"].pk)
    kw = {"budget": pb["city"], "station": "Mairie annexe"}
    sheet = services.enter_paper_ballot(actor=org_agent, number=1, voter="Jean Dupont 1970-01-01",
                                        choices={fresque: 1}, **kw)
    assert sheet.status == "pending" and Ballot.objects.count() == 0
    with pytest.raises(ValidationError, match="second agent"):
        services.enter_paper_ballot(actor=org_agent, number=1, voter="Jean Dupont 1970-01-01",
                                    choices={fresque: 1}, **kw)
    sheet = services.enter_paper_ballot(actor=second_agent, number=1,
                                        voter="jean  DUPONT 1970-01-01", choices={fresque: 1},
                                        **kw)
    assert sheet.status == "confirmed"
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.station) == ("paper", "Mairie annexe")
    # mismatch: flagged, nothing counted, until an admin keeps one entry
    services.enter_paper_ballot(actor=org_agent, number=2, voter="Marie Curie 1980-02-02",
                                choices={fresque: 1}, **kw)
    sheet = services.enter_paper_ballot(actor=second_agent, number=2,
                                        voter="Marie Curie 1980-02-02", choices={jardin: 1},
                                        **kw)
    assert sheet.status == "mismatch" and Ballot.objects.count() == 1
    entry = sheet.entries.get(agent=second_agent)
    with pytest.raises(PermissionDenied):
        services.resolve_mismatch(actor=org_agent, sheet=sheet, entry_id=entry.pk)
    sheet = services.resolve_mismatch(actor=org_admin, sheet=sheet, entry_id=entry.pk)
    assert sheet.status == "confirmed" and Ballot.objects.count() == 2
    # the online voter then votes on paper: rejected; and a paper voter cannot vote online
    _cast(pb, voter, ["Fresque"])
    for agent in (org_agent, second_agent):
        sheet = services.enter_paper_ballot(actor=agent, number=3, voter=voter.email,
                                            choices={jardin: 1}, **kw)
    assert sheet.status == "rejected" and Ballot.objects.count() == 3
    bancs = str(pb["projects"]["Bancs"].pk)
    for agent in (org_agent, second_agent):
        services.enter_paper_ballot(actor=agent, number=4, voter=voter.email,
                                    choices={bancs: 1}, budget=pb["centre"], station="Gare")
    with pytest.raises(ValidationError, match="paper ballot"):
        _cast(pb, voter, ["Bancs"], budget="centre")


def test_paper_entry_needs_an_agent(pb, citizen):
    with pytest.raises(PermissionDenied):
        services.enter_paper_ballot(actor=citizen, budget=pb["city"], station="S", number=1,
                                    voter="X", choices={str(pb["projects"]["Fresque"].pk): 1})


# --- review ---------------------------------------------------------------------------------------

def test_review_decisions_are_published_together(set_phase, pb, citizen, org_evaluator,
                                                 org_admin):
    set_phase(pb, "Dépôt")
    a = services.submit_project(actor=citizen, budget=pb["city"], title="A", description="a",
                                estimated_cost=1000)
    b = services.submit_project(actor=citizen, budget=pb["city"], title="B", description="b",
                                estimated_cost=2000)
    pb["city"].decisions_published_at = None
    pb["city"].save()
    with pytest.raises(PermissionDenied):
        services.save_review(actor=citizen, project=a, decision="feasible")
    with pytest.raises(ValidationError, match="public reason"):
        services.save_review(actor=org_evaluator, project=a, decision="not_feasible")
    services.save_review(actor=org_evaluator, project=a, decision="not_feasible",
                         public_reason="Terrain privé", notes="propriétaire refuse",
                         public_land=False)
    with pytest.raises(ValidationError, match="no decision"):
        services.publish_decisions(actor=org_admin, budget=pb["city"])
    with pytest.raises(ValidationError, match="agreement"):
        services.merge_projects(actor=org_admin, project=b, into=pb["projects"]["Fresque"],
                                agreement=" ")
    services.merge_projects(actor=org_admin, project=b, into=pb["projects"]["Fresque"],
                            agreement="Accord écrit des deux porteurs, 3 mars")
    a.refresh_from_db()
    assert a.state == "submitted"  # not public before publication
    services.publish_decisions(actor=org_admin, budget=pb["city"])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, a.public_reason) == ("not_feasible", "Terrain privé")
    assert b.state == "merged" and b.merged_into == pb["projects"]["Fresque"]
    assert citizen in pb["projects"]["Fresque"].coauthors.all()
    with pytest.raises(ValidationError, match="published"):
        services.save_review(actor=org_evaluator, project=a, decision="feasible")


# --- counting ------------------------------------------------------------------------------------

def _many(pb, make_user, ballots):
    from parlons.platform.budgets.models import Eligibility

    for titles in ballots:
        user = make_user()
        Eligibility.objects.create(component=pb["component"], user=user, area=pb["areas"][0],
                                   age_confirmed=True)
        _cast(pb, user, titles)


def test_greedy_results_hand_computed(set_phase, pb, make_user, org_admin):
    # Votes: Pistes 3, Jardin 2, Fresque 2, Skatepark 1. Budget 100 000.
    # Greedy by votes: Pistes (60k, left 40k), Jardin (30k, left 10k), Fresque 20k no, Skate no.
    _many(pb, make_user, [["Pistes cyclables", "Fresque"], ["Pistes cyclables", "Jardin partagé"],
                          ["Pistes cyclables"], ["Jardin partagé", "Fresque", "Skatepark"]])
    budget = services.compute_results(actor=org_admin, budget=pb["city"])
    p = pb["projects"]
    assert budget.results["voters"] == 4
    assert budget.results["main"]["winners"] == [p["Pistes cyclables"].pk, p["Jardin partagé"].pk]
    assert budget.results["votes"][str(p["Fresque"].pk)] == 2
    with pytest.raises(ValidationError, match="still open"):
        services.publish_results(actor=org_admin, budget=budget)
    set_phase(pb, "Résultats")
    services.publish_results(actor=org_admin, budget=budget)
    assert Budget.objects.get(pk=budget.pk).results_published_at


def test_mes_and_comparison(set_phase, pb, make_user, org_admin):
    # 3 voters want Pistes (60k), 1 voter wants Fresque (20k); budget 100k, 25k per voter.
    # MES: Pistes costs 60k <= 3*25k: funded; Fresque 20k <= 25k: funded. Greedy: same here.
    set_phase(pb, "Instruction")
    services.update_budget(actor=org_admin, budget=pb["city"], counting_rule="mes",
                           show_comparison=True)
    set_phase(pb, None)
    _many(pb, make_user, [["Pistes cyclables"]] * 3 + [["Fresque"]])
    results = services.compute_results(actor=org_admin, budget=pb["city"]).results
    p = pb["projects"]
    assert set(results["main"]["winners"]) >= {p["Pistes cyclables"].pk, p["Fresque"].pk}
    assert results["main"]["rule"] == "mes" and results["other"]["rule"] == "greedy"
    assert str(p["Fresque"].pk) in results["main"]["explanations"]


def test_pabulib_export_reads_back_with_core_and_pabutools(pb, make_user, tmp_path):
    from pabutools.election import parse_pabulib

    from parlons.core.budgeting import read_pabulib

    _many(pb, make_user, [["Pistes cyclables", "Fresque"], ["Jardin partagé"], ["Fresque"]])
    text = counting.pabulib_text(pb["city"])
    path = tmp_path / "city.pb"
    path.write_text(text, encoding="utf-8")
    instance, profile = read_pabulib(path)
    assert instance.budget == 100_000 and len(instance.projects) == 4
    assert profile.num_voters == 3
    assert sorted(sorted(b.projects) for b in profile.ballots for _ in range(b.multiplicity)) \
        == sorted(sorted(str(pb["projects"][t].pk) for t in ts)
                  for ts in (["Pistes cyclables", "Fresque"], ["Jardin partagé"], ["Fresque"]))
    p_instance, p_profile = parse_pabulib(str(path))
    assert int(p_instance.budget_limit) == 100_000 and len(p_instance) == 4
    assert len(p_profile) == 3
    for user_email in ("personne", "@"):
        assert user_email not in text


def test_simulation_before_the_vote(pb):
    result = counting.simulate(pb["city"], voters=200)
    assert result["greedy"]["cost"] <= 100_000 and result["mes"]["cost"] <= 100_000


def test_follow_up(pb, org_admin, citizen):
    import datetime as dt

    project = pb["projects"]["Fresque"]
    with pytest.raises(ValidationError):
        services.update_works(actor=org_admin, project=project, works_status="works",
                              progress=120)
    with pytest.raises(PermissionDenied):
        services.update_works(actor=citizen, project=project, works_status="works", progress=1)
    services.update_works(actor=org_admin, project=project, works_status="works", progress=40)
    services.add_milestone(actor=org_admin, project=project, date=dt.date(2027, 3, 1),
                           title="Début du chantier")
    project.refresh_from_db()
    assert (project.works_status, project.progress) == ("works", 40)
    assert project.milestones.get().title == "Début du chantier"


def test_personal_data_export_and_anonymise(pb, voter):
    from parlons.platform.accounts import personal_data

    _cast(pb, voter, ["Fresque"])
    _cast(pb, voter, ["Bancs"], budget="centre")
    services.set_following(actor=voter, project=pb["projects"]["Fresque"], follow=True)
    exported = personal_data.export_all(voter)["budgets"]
    assert sorted(exported["voted_in"]) == ["Centre", "Toute la ville"]
    assert exported["following"] == ["Fresque"]
    personal_data.anonymise_all(voter)
    assert not pb["projects"]["Fresque"].followers.exists()
    assert not Ballot.objects.filter(voter=voter).exists()
    assert not VoterRecord.objects.filter(user=voter).exists()
    assert Ballot.objects.count() == 2  # the ballots still count


def test_agent_casts_for_a_citizen(pb, voter, org_agent, make_user):
    other = make_user()
    with pytest.raises(PermissionDenied):
        services.cast_ballot(actor=other, budget=pb["city"], voter=voter, channel="agent",
                             choices={pb["projects"]["Fresque"].pk: 1},
                             receipt=services.new_receipt())
    services.cast_ballot(actor=org_agent, budget=pb["city"], voter=voter, channel="agent",
                         choices={pb["projects"]["Fresque"].pk: 1},
                         receipt=services.new_receipt())
    assert VoterRecord.objects.get().channel == "agent"
    assert Ballot.objects.get().voter == voter


def test_count_task_checks_permission(pb, voter, org_admin, citizen):
    from parlons.platform.budgets.tasks import count_budget

    _cast(pb, voter, ["Fresque"])
    assert count_budget.apply(args=[pb["city"].pk, org_admin.pk]).get() == 1
    with pytest.raises(PermissionDenied):
        count_budget.apply(args=[pb["city"].pk, citizen.pk]).get()
