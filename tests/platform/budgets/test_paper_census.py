"""Paper ballots matched to the census list: one person, one ballot across every channel.

A paper voter is the same voter key as online (account matched to the list), with a voting
code (letter, desk, e-mail), or through an agent; with the list on and off.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from parlons.platform.budgets import census, services
from parlons.platform.budgets.models import (
    Ballot,
    CensusEntry,
    PaperEntry,
    PaperSheet,
    VoterRecord,
)

pytestmark = pytest.mark.django_db

MARTIN = {"first_name": "Léa", "last_name": "Martin", "birth_date": dt.date(1990, 3, 12)}
DURAND = {"first_name": "Jean-Pierre", "last_name": "Durand", "birth_date": dt.date(1975, 7, 1)}
ANA = {"first_name": "Ana", "last_name": "Bé", "birth_date": dt.date(1990, 1, 1)}


def _choice(pb, title):
    return {str(pb["projects"][title].pk): 1}


def _paper(pb, agents, number, title, budget="city", **who):
    """Both agents enter sheet ``number``; returns the sheet."""
    sheet = None
    for agent in agents:
        sheet = services.enter_paper_ballot(actor=agent, budget=pb[budget], station="Mairie",
                                            number=number, choices=_choice(pb, title), **who)
    return sheet


def _matched_account(pb, user, person):
    """``user`` declares themself as ``person`` of the list (census on)."""
    services.declare_eligibility(actor=user, component=pb["component"], area=None,
                                 birth_date=person["birth_date"],
                                 first_name=person["first_name"],
                                 last_name=person["last_name"])


def _online(pb, user, title, budget="city"):
    return services.cast_ballot(actor=user, budget=pb[budget],
                                choices={pb["projects"][title].pk: 1},
                                receipt=services.new_receipt())


@pytest.fixture
def agents(org_agent, second_agent):
    return (org_agent, second_agent)


# --- census on --------------------------------------------------------------------------------

def test_paper_voter_must_be_on_the_list_of_age_and_of_the_budget(coded_pb, agents):
    agent = agents[0]
    cases = [({**MARTIN, "birth_date": dt.date(1990, 3, 13)}, "city", "not on the electoral list"),
             ({"first_name": "Zoé", "last_name": "Petit", "birth_date": dt.date(2020, 1, 1)},
              "city", "at least 11"),
             (DURAND, "centre", "may not vote in this budget"),  # Durand lives in Les Tilleuls
             ({"voter": "Léa Martin 1990-03-12"}, "city", "names and date of birth")]
    for who, budget, message in cases:
        title = "Bancs" if budget == "centre" else "Fresque"
        with pytest.raises(ValidationError, match=message):
            services.enter_paper_ballot(actor=agent, budget=coded_pb[budget], station="Mairie",
                                        number=1, choices=_choice(coded_pb, title), **who)
    assert not PaperSheet.objects.exists() and not PaperEntry.objects.exists()


def test_census_paper_entries_match_by_list_entry_and_flag_mismatches(coded_pb, agents,
                                                                      org_admin):
    # spelling, accents and hyphens do not matter: both entries are the same list entry
    services.enter_paper_ballot(actor=agents[0], budget=coded_pb["city"], station="Mairie",
                                number=1, choices=_choice(coded_pb, "Fresque"), **DURAND)
    sheet = services.enter_paper_ballot(
        actor=agents[1], budget=coded_pb["city"], station="Mairie", number=1,
        choices=_choice(coded_pb, "Fresque"),
        **{**DURAND, "first_name": "jean pierre", "last_name": "DURAND"})
    assert sheet.status == "confirmed"
    entry = CensusEntry.objects.get(last_name="Durand")
    record = VoterRecord.objects.get(budget=coded_pb["city"])
    assert (record.voter_key, record.channel, record.station) == (entry.voter_key, "paper",
                                                                  "Mairie")
    # two agents read two different people: flagged, nothing counted until an admin decides
    services.enter_paper_ballot(actor=agents[0], budget=coded_pb["city"], station="Mairie",
                                number=2, choices=_choice(coded_pb, "Fresque"), **MARTIN)
    sheet = services.enter_paper_ballot(actor=agents[1], budget=coded_pb["city"],
                                        station="Mairie", number=2,
                                        choices=_choice(coded_pb, "Fresque"), **DURAND)
    assert sheet.status == "mismatch" and Ballot.objects.count() == 1
    kept = sheet.entries.get(agent=agents[1])  # Durand again: already counted
    assert services.resolve_mismatch(actor=org_admin, sheet=sheet,
                                     entry_id=kept.pk).status == "rejected"
    assert Ballot.objects.count() == 1


def test_census_paper_then_online(coded_pb, agents, citizen):
    assert _paper(coded_pb, agents, 1, "Fresque", **MARTIN).status == "confirmed"
    _matched_account(coded_pb, citizen, MARTIN)
    with pytest.raises(ValidationError, match="paper ballot"):
        _online(coded_pb, citizen, "Skatepark")
    ballot = Ballot.objects.get(budget=coded_pb["city"])
    assert ballot.channel == "paper" and ballot.voter is None  # no account known on paper
    assert [c.project.title for c in ballot.choices.all()] == ["Fresque"]


def test_census_online_then_paper(coded_pb, agents, citizen):
    _matched_account(coded_pb, citizen, MARTIN)
    _online(coded_pb, citizen, "Skatepark")
    assert _paper(coded_pb, agents, 1, "Fresque", **MARTIN).status == "rejected"
    ballot = Ballot.objects.get(budget=coded_pb["city"])
    assert ballot.channel == "online"
    assert [c.project.title for c in ballot.choices.all()] == ["Skatepark"]  # unchanged


def test_census_account_email_on_paper_counts_as_its_list_entry(coded_pb, agents, citizen,
                                                                make_user):
    _matched_account(coded_pb, citizen, MARTIN)
    assert _paper(coded_pb, agents, 1, "Fresque", email=citizen.email).status == "confirmed"
    assert _paper(coded_pb, agents, 2, "Fresque", **MARTIN).status == "rejected"
    other = make_user("pas-sur-la-liste@example.org")
    with pytest.raises(ValidationError, match="not matched to the electoral list"):
        services.enter_paper_ballot(actor=agents[0], budget=coded_pb["city"], station="M",
                                    number=3, choices=_choice(coded_pb, "Fresque"),
                                    email=other.email)


def test_census_letter_code_then_paper_and_paper_then_code(coded_pb, agents, org_admin):
    codes = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    services.cast_ballot_with_code(budget=coded_pb["city"], code=codes["Durand"],
                                   choices={coded_pb["projects"]["Fresque"].pk: 1},
                                   receipt=services.new_receipt())
    assert _paper(coded_pb, agents, 1, "Skatepark", **DURAND).status == "rejected"
    assert _paper(coded_pb, agents, 2, "Bancs", budget="centre", **MARTIN).status == \
        "confirmed"
    with pytest.raises(ValidationError, match="paper ballot"):
        services.cast_ballot_with_code(budget=coded_pb["centre"], code=codes["Martin"],
                                       choices={coded_pb["projects"]["Fontaine"].pk: 1},
                                       receipt=services.new_receipt())
    assert Ballot.objects.count() == 2


def test_census_agent_then_paper_and_paper_then_agent(coded_pb, agents):
    services.cast_for_person(actor=agents[0], budget=coded_pb["city"],
                             choices={coded_pb["projects"]["Fresque"].pk: 1},
                             receipt=services.new_receipt(), station="Téléphone", **DURAND)
    assert _paper(coded_pb, agents, 1, "Skatepark", **DURAND).status == "rejected"
    assert _paper(coded_pb, agents, 2, "Skatepark", **MARTIN).status == "confirmed"
    with pytest.raises(ValidationError, match="paper ballot"):
        services.cast_for_person(actor=agents[1], budget=coded_pb["city"],
                                 choices={coded_pb["projects"]["Fresque"].pk: 1},
                                 receipt=services.new_receipt(),
                                 **{**MARTIN, "first_name": "LEA"})
    assert Ballot.objects.count() == 2


def test_any_one_budget_rule_holds_on_paper(coded_pb, agents, citizen):
    component = coded_pb["component"]
    component.settings = {**component.settings, "eligibility": "any_one"}
    component.save()
    _matched_account(coded_pb, citizen, MARTIN)
    _online(coded_pb, citizen, "Bancs", budget="centre")
    with pytest.raises(ValidationError, match="another budget"):
        services.enter_paper_ballot(actor=agents[0], budget=coded_pb["city"], station="M",
                                    number=1, choices=_choice(coded_pb, "Fresque"), **MARTIN)


def test_census_paper_view_asks_names_and_refuses_unknown_people(coded_pb, agents):
    client = Client()
    client.force_login(agents[0])
    url = f"/participer/{coded_pb['space'].slug}/c/{coded_pb['component'].pk}/?v=paper"
    page = client.get(url).content.decode()
    assert 'name="first_name"' in page and 'name="birth_date"' in page
    assert 'name="email"' not in page and 'name="area"' not in page
    data = {"budget": coded_pb["city"].pk, "station": "Mairie", "number": 1,
            "first_name": "Inconnu", "last_name": "Personne", "birth_date": "1980-01-01",
            "projects": str(coded_pb["projects"]["Fresque"].pk)}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "électorale" in response.content.decode()  # "n'est pas sur la liste électorale"
    assert not PaperSheet.objects.exists()
    response = client.post(url, {**data, "first_name": "Léa", "last_name": "Martin",
                                 "birth_date": "1990-03-12"})
    assert response.status_code == 302 and PaperEntry.objects.count() == 1


# --- census off -------------------------------------------------------------------------------

def test_no_census_paper_then_online_and_online_then_paper(pb, agents, voter, make_user):
    assert _paper(pb, agents, 1, "Fresque", email=voter.email).status == "confirmed"
    with pytest.raises(ValidationError, match="paper ballot"):
        _online(pb, voter, "Skatepark")
    # another account votes online first, then a paper sheet in her name is refused
    from parlons.platform.budgets.models import Eligibility

    other = make_user("autre@example.org")
    Eligibility.objects.create(component=pb["component"], user=other, area=pb["areas"][1],
                               age_confirmed=True)
    _online(pb, other, "Skatepark")
    assert _paper(pb, agents, 2, "Fresque", email=other.email).status == "rejected"
    assert Ballot.objects.filter(budget=pb["city"]).count() == 2
    with pytest.raises(ValidationError, match="may not vote in this budget"):
        services.enter_paper_ballot(actor=agents[0], budget=pb["centre"], station="M",
                                    number=3, choices=_choice(pb, "Bancs"), email=other.email)


def test_no_census_agent_and_desk_code_then_paper(pb, agents):
    component = pb["component"]
    component.settings = {**component.settings, "voting_codes": True}
    component.save()
    centre = pb["areas"][0]
    services.cast_for_person(actor=agents[0], budget=pb["city"], area=centre,
                             choices={pb["projects"]["Fresque"].pk: 1},
                             receipt=services.new_receipt(), **ANA)
    # the same person, written with other accents and case, on paper: refused
    assert _paper(pb, agents, 1, "Skatepark", area=centre,
                  **{**ANA, "last_name": "BE", "first_name": "ana"}).status == "rejected"
    code = census.issue_desk_code(actor=agents[0], component=component, area=centre,
                                  **DURAND)
    services.cast_ballot_with_code(budget=pb["centre"], code=code,
                                   choices={pb["projects"]["Bancs"].pk: 1},
                                   receipt=services.new_receipt())
    assert _paper(pb, agents, 2, "Fontaine", budget="centre", area=centre,
                  **DURAND).status == "rejected"
    assert Ballot.objects.count() == 2


def test_no_census_paper_then_agent_and_neighbourhood_checked(pb, agents):
    centre, tilleuls = pb["areas"]
    assert _paper(pb, agents, 1, "Fresque", area=centre, **ANA).status == "confirmed"
    with pytest.raises(ValidationError, match="paper ballot"):
        services.cast_for_person(actor=agents[0], budget=pb["city"], area=centre,
                                 choices={pb["projects"]["Skatepark"].pk: 1},
                                 receipt=services.new_receipt(), **ANA)
    with pytest.raises(ValidationError, match="may not vote in this budget"):
        services.enter_paper_ballot(actor=agents[0], budget=pb["centre"], station="M",
                                    number=2, choices=_choice(pb, "Bancs"), area=tilleuls,
                                    **DURAND)
    assert Ballot.objects.count() == 1


def test_no_census_paper_form_needs_an_identity(pb, agents):
    client = Client()
    client.force_login(agents[0])
    url = f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/?v=paper"
    data = {"budget": pb["city"].pk, "station": "Mairie", "number": 1,
            "projects": str(pb["projects"]["Fresque"].pk), "first_name": "Ana",
            "last_name": "Bé", "birth_date": "1990-01-01"}  # no neighbourhood
    assert client.post(url, data).status_code == 400
    assert not PaperSheet.objects.exists()


# --- concurrency (PostgreSQL) -----------------------------------------------------------------

def _new_person(pb, n):
    """A census entry of the Centre and an account matched to it."""
    from parlons.platform.accounts.models import User

    person = {"first_name": f"Prénom{n}", "last_name": f"Nom{n}",
              "birth_date": dt.date(1980, 1, 1) + dt.timedelta(days=n)}
    CensusEntry.objects.create(
        component=pb["component"], line=100 + n, area=pb["areas"][0],
        identity_key=census.census_key(person["first_name"], person["last_name"],
                                       person["birth_date"]), **person)
    user = User.objects.create_user(email=f"course{n}@example.org", password="x-long-pass-42")
    _matched_account(pb, user, person)
    return person, user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("budget_key", ["city", "centre"])  # public and secret ballot
def test_paper_confirmation_and_online_vote_at_the_same_time(coded_pb, agents, race,
                                                             budget_key):
    title = {"city": "Fresque", "centre": "Bancs"}[budget_key]
    budget = coded_pb[budget_key]
    for n in range(6):
        person, user = _new_person(coded_pb, n)
        services.enter_paper_ballot(actor=agents[0], budget=budget, station="Mairie",
                                    number=n + 1, choices=_choice(coded_pb, title), **person)

        def act(i, person=person, user=user, n=n):
            if i == 0:
                return services.enter_paper_ballot(
                    actor=agents[1], budget=budget, station="Mairie", number=n + 1,
                    choices=_choice(coded_pb, title), **person).status
            return services.cast_ballot(actor=user, budget=budget,
                                        choices={coded_pb["projects"][title].pk: 1},
                                        receipt=services.new_receipt()).channel

        answers = dict(enumerate(race(2, act)))  # order of completion, not of threads
        statuses = sorted(str(a[1]) for a in answers.values() if a[0] == "ok")
        errors = [a for a in answers.values() if a[0] == "error"]
        sheet = PaperSheet.objects.get(budget=budget, number=n + 1)
        key = CensusEntry.objects.get(last_name=person["last_name"]).voter_key
        assert VoterRecord.objects.filter(budget=budget, voter_key=key).count() == 1
        channel = VoterRecord.objects.get(budget=budget, voter_key=key).channel
        if channel == "paper":  # paper first: the online vote was refused
            assert sheet.status == "confirmed" and statuses == ["confirmed"], answers
            assert len(errors) == 1 and "paper ballot" in errors[0][2]
        else:  # online first: the sheet is rejected
            assert sheet.status == "rejected" and statuses == ["online", "rejected"], answers
        assert Ballot.objects.filter(budget=budget).count() == n + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_paper_confirmation_and_code_vote_at_the_same_time(coded_pb, agents, org_admin, race):
    codes = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    city = coded_pb["city"]
    services.enter_paper_ballot(actor=agents[0], budget=city, station="Mairie", number=1,
                                choices=_choice(coded_pb, "Fresque"), **MARTIN)

    def act(i):
        if i == 0:
            return services.enter_paper_ballot(actor=agents[1], budget=city, station="Mairie",
                                               number=1, choices=_choice(coded_pb, "Fresque"),
                                               **MARTIN).status
        return services.cast_ballot_with_code(budget=city, code=codes["Martin"],
                                              choices={coded_pb["projects"]["Skatepark"].pk: 1},
                                              receipt=services.new_receipt()).channel

    answers = race(2, act)
    assert Ballot.objects.filter(budget=city).count() == 1, answers
    assert VoterRecord.objects.filter(budget=city).count() == 1
    ballot = Ballot.objects.get(budget=city)
    sheet = PaperSheet.objects.get(number=1)
    assert sheet.status == ("confirmed" if ballot.channel == "paper" else "rejected"), answers
