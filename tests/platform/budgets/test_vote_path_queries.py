"""The cost of an account holder's online vote (``?v=vote``): a constant number of reads and
writes of the budget tables per request, close to a vote with a voting code
(``test_cast_queries``), with the same eligibility answers as the list of open budgets."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parlons.platform.budgets import selectors, services
from parlons.platform.budgets.forms import PaperForm, PersonForm
from parlons.platform.budgets.models import Ballot, BallotChoice, Eligibility, VoterRecord

pytestmark = pytest.mark.django_db

#: the review step, the budget and its projects being kept per process: the declaration
#: (neighbourhood and voter key). 3 before: the declaration, every budget of the component,
#: the voter's own ballot.
REVIEW_QUERIES = 1
#: the confirm step of a first vote: the declaration (view), then in one transaction the
#: declaration, the list of who voted, the voter's ballot if any (public roll), the ballot and
#: its choices. 10 before: the declaration and every budget twice (view, service), the
#: voter's own ballot (view), the declaration again for the voter key.
CONFIRM_QUERIES = 6
#: on PostgreSQL the ballot and its choices are one statement
CONFIRM_QUERIES_POSTGRES = 5
#: a secret ballot: no read of the voter's ballot (only the receipt finds it), as with a code
CONFIRM_SECRET_QUERIES = 5
CONFIRM_SECRET_QUERIES_POSTGRES = 4
#: changing a public-roll ballot: the declaration twice, the list of who voted (insert, then
#: its row locked), the ballot, its new receipt checked then written, its choices replaced
#: (delete, insert). 15 before: the view also read every budget and the ballot with its
#: choices and their projects, the service every budget and the declaration once more.
CHANGE_QUERIES = 9
#: the voting form of a voter with a public-roll ballot: the declaration, their choices (one
#: read), the projects of the ballot, whether they voted. 8 before.
FORM_QUERIES = 4


def _budget_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "budgets_" in q["sql"]]


def _url(pb, budget) -> str:
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/?v=vote&b={budget.pk}"


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _vote(client: Client, url: str, projects: list[int]) -> tuple[list, list]:
    with CaptureQueriesContext(connection) as review:
        page = client.post(url, {"step": "review", "project": projects})
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page.content.decode()).group(1)
    with CaptureQueriesContext(connection) as confirm:
        response = client.post(url, {"step": "confirm", "project": projects,
                                     "receipt": receipt})
    assert response.status_code == 200 and receipt in response.content.decode()
    return _budget_queries(review), _budget_queries(confirm)


def _postgres(sqlite: int, postgres: int) -> int:
    return postgres if connection.vendor == "postgresql" else sqlite


@pytest.fixture
def second_voter(make_user, pb):
    person = make_user()
    Eligibility.objects.create(component=pb["component"], user=person, area=pb["areas"][0],
                               age_confirmed=True)
    return person


def test_an_online_vote_reads_and_writes_a_constant_number_of_rows(pb, voter, second_voter,
                                                                   org_admin):
    city, p = pb["city"], pb["projects"]
    services.open_vote(actor=org_admin, budget=city)  # rules frozen: no write for that
    url = _url(pb, city)
    _client(voter).post(url, {"step": "review", "project": [p["Fresque"].pk]})  # the copies

    one = _vote(_client(voter), url, [p["Fresque"].pk])
    three = _vote(_client(second_voter), url,
                  [p["Fresque"].pk, p["Jardin partagé"].pk, p["Skatepark"].pk])

    confirm = _postgres(CONFIRM_QUERIES, CONFIRM_QUERIES_POSTGRES)
    assert [len(q) for q in one] == [REVIEW_QUERIES, confirm]
    assert [len(q) for q in three] == [REVIEW_QUERIES, confirm]
    assert sum(sql.count("INSERT INTO") for sql in three[1]) == 3  # who voted, ballot, choices
    assert sum("budgets_eligibility" in sql for sql in three[1]) == 2  # view, then service
    assert {b.voter for b in Ballot.objects.filter(budget=city)} == {voter, second_voter}
    assert BallotChoice.objects.filter(ballot__budget=city).count() == 4
    assert set(VoterRecord.objects.filter(budget=city).values_list("voter_key", flat=True)) \
        == {f"user:{voter.pk}", f"user:{second_voter.pk}"}


def test_a_secret_online_vote_costs_what_a_code_costs(pb, voter, org_admin):
    centre = pb["centre"]
    services.open_vote(actor=org_admin, budget=centre)
    url = _url(pb, centre)
    client = _client(voter)
    client.post(url, {"step": "review", "project": [pb["projects"]["Bancs"].pk]})

    review, confirm = _vote(client, url, [pb["projects"]["Bancs"].pk])

    assert len(review) == REVIEW_QUERIES
    assert len(confirm) == _postgres(CONFIRM_SECRET_QUERIES, CONFIRM_SECRET_QUERIES_POSTGRES)
    assert Ballot.objects.get(budget=centre).voter is None


def test_changing_an_online_vote(pb, voter, org_admin):
    city, p = pb["city"], pb["projects"]
    services.open_vote(actor=org_admin, budget=city)
    url, client = _url(pb, city), _client(voter)
    _vote(client, url, [p["Fresque"].pk])
    first = Ballot.objects.get(budget=city)

    review, change = _vote(client, url, [p["Jardin partagé"].pk, p["Skatepark"].pk])

    assert [len(review), len(change)] == [REVIEW_QUERIES, CHANGE_QUERIES]
    ballot = Ballot.objects.get(budget=city)
    assert ballot.pk == first.pk and ballot.receipt_hash != first.receipt_hash
    assert sorted(ballot.choices.values_list("project_id", flat=True)) == sorted(
        [p["Jardin partagé"].pk, p["Skatepark"].pk])
    assert VoterRecord.objects.filter(budget=city).count() == 1


def test_the_voting_form_shows_the_saved_ballot_in_one_read(pb, voter, org_admin):
    city, p = pb["city"], pb["projects"]
    services.open_vote(actor=org_admin, budget=city)
    url, client = _url(pb, city), _client(voter)
    _vote(client, url, [p["Skatepark"].pk, p["Fresque"].pk])

    with CaptureQueriesContext(connection) as shown:
        page = client.get(url).content.decode()

    assert len(_budget_queries(shown)) == FORM_QUERIES
    assert f'value="{p["Fresque"].pk}" checked' in page
    assert f'value="{p["Skatepark"].pk}" checked' in page
    assert f'value="{p["Jardin partagé"].pk}" checked' not in page
    assert selectors.own_choices(city, voter) == {str(p["Fresque"].pk): 1,
                                                  str(p["Skatepark"].pk): 1}
    assert selectors.own_choices(pb["centre"], voter) == {}  # secret: nothing links them


# --- eligibility: one read, the same answers as the list of open budgets ----------------------

def _open(pb, person) -> list[bool]:
    """For each budget: open to ``person`` by ``may_vote_in`` and by ``eligible_budgets``."""
    component = pb["component"]
    listed = {b.pk for b in selectors.eligible_budgets(component, person)}
    voter = selectors.eligible_voter(component, person)
    out = []
    for budget in (pb["city"], pb["centre"]):
        one = voter is not None and selectors.may_vote_in(component, budget, voter.area_id,
                                                          voter.key, user=person)
        assert one == (budget.pk in listed), budget
        out.append(one)
    return out


def test_may_vote_in_answers_as_the_list_of_open_budgets(pb, voter, make_user):
    component = pb["component"]
    tilleuls = make_user()
    Eligibility.objects.create(component=component, user=tilleuls, area=pb["areas"][1],
                               age_confirmed=True)
    unconfirmed = make_user()
    Eligibility.objects.create(component=component, user=unconfirmed, area=pb["areas"][0])
    assert _open(pb, voter) == [True, True]
    assert _open(pb, tilleuls) == [True, False]
    assert _open(pb, unconfirmed) == [False, False]
    assert _open(pb, make_user()) == [False, False]  # no declaration

    component.settings = {**component.settings, "eligibility": "any_one"}
    component.save()
    assert _open(pb, tilleuls) == [True, True]
    services.cast_ballot(actor=voter, budget=pb["city"], receipt=services.new_receipt(),
                         choices={pb["projects"]["Fresque"].pk: 1})
    assert _open(pb, voter) == [True, False]  # the budget they voted in only
    # a ballot of theirs (public roll) counts even under another key of the list
    today = timezone.localdate()
    Ballot.objects.create(budget=pb["city"], voter=tilleuls, channel="paper",
                          receipt_hash="x" * 64, created_on=today, updated_on=today)
    assert _open(pb, tilleuls) == [True, False]

    component.settings = {**component.settings, "census": True}
    component.save()
    assert _open(pb, voter) == [False, False]  # declared before the list: declare again


def test_an_online_vote_outside_ones_neighbourhood_is_refused(pb, make_user):
    tilleuls = make_user()
    Eligibility.objects.create(component=pb["component"], user=tilleuls, area=pb["areas"][1],
                               age_confirmed=True)
    with pytest.raises(ValidationError, match="not eligible"):
        services.cast_ballot(actor=tilleuls, budget=pb["centre"],
                             choices={pb["projects"]["Bancs"].pk: 1},
                             receipt=services.new_receipt())
    response = _client(tilleuls).post(_url(pb, pb["centre"]), {
        "step": "confirm", "project": [pb["projects"]["Bancs"].pk],
        "receipt": services.new_receipt()})
    assert response.status_code == 302 and response["Location"].endswith("?v=eligibility")
    assert not Ballot.objects.exists() and not VoterRecord.objects.exists()


# --- the identity of the paper and agent forms (one check, each form its own rule) -------------

def _paper(pb, **identity) -> PaperForm:
    return PaperForm({"budget": pb["city"].pk, "station": "Mairie", "number": 1,
                      "projects": str(pb["projects"]["Fresque"].pk), **identity},
                     component=pb["component"])


def _person(pb, with_email=True, **identity) -> PersonForm:
    return PersonForm({"checked": "on", **identity}, component=pb["component"],
                      with_email=with_email)


NAMES = {"first_name": "Ana", "last_name": "Bé", "birth_date": "1990-01-01"}
PAPER_ERROR = "Give the voter's account e-mail, or their names, date of birth and neighbourhood."
PERSON_ERROR = "Give the person's e-mail, or their names and date of birth."


def test_a_paper_sheet_names_its_voter_with_the_neighbourhood(pb):
    centre = pb["areas"][0].pk
    assert _paper(pb, email="ana@example.org").is_valid()
    assert _paper(pb, **NAMES, area=centre).is_valid()
    for identity in ({}, NAMES, {**NAMES, "last_name": ""}, {"area": centre}):
        form = _paper(pb, **identity)
        assert not form.is_valid() and form.non_field_errors() == [PAPER_ERROR], identity


def test_an_agent_names_the_person_the_service_asks_for_the_neighbourhood(pb):
    assert _person(pb, email="ana@example.org").is_valid()
    assert _person(pb, **NAMES).is_valid()  # the neighbourhood is checked by the service
    assert _person(pb, with_email=False, **NAMES).is_valid()
    for identity in ({}, {**NAMES, "birth_date": ""}, {"area": pb["areas"][0].pk}):
        form = _person(pb, **identity)
        assert not form.is_valid() and form.non_field_errors() == [PERSON_ERROR], identity


def test_with_the_census_list_the_forms_keep_their_own_rules(coded_pb):
    paper = _paper(coded_pb, last_name="Martin")  # required names: errors of the fields
    assert not paper.is_valid() and paper.non_field_errors() == []
    assert set(paper.errors) == {"first_name", "birth_date"}
    assert _paper(coded_pb, **NAMES).is_valid()
    person = _person(coded_pb, with_email=False, last_name="Martin")
    assert not person.is_valid() and person.non_field_errors() == [PERSON_ERROR]
    assert _person(coded_pb, with_email=False, **NAMES).is_valid()
    assert _person(coded_pb, email="ana@example.org").is_valid()
