"""Census list upload, one-time voting codes (letters, desk), agent's votes, ballot secrecy."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from parlons.platform.budgets import census, services
from parlons.platform.budgets.models import (
    Ballot,
    CensusEntry,
    Eligibility,
    VoterRecord,
    VotingCode,
)

pytestmark = pytest.mark.django_db


def _url(pb, query=""):
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/{query}"


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


# --- census upload -------------------------------------------------------------------------

def test_census_upload_replaces_the_list_atomically(pb, org_admin, set_phase, census_csv):
    set_phase(pb, "Dépôt")
    component = pb["component"]
    size = census.replace_census(actor=org_admin, component=component,
                                 data=census_csv.replace("les-tilleuls", "Les Tilleuls")
                                 .encode("cp1252"))
    assert size == 3
    entry = CensusEntry.objects.get(component=component, last_name="Durand")
    assert entry.area == pb["areas"][1] and entry.birth_date == dt.date(1975, 7, 1)
    assert census.find_entry(component, "jean pierre", "DURAND", dt.date(1975, 7, 1)) == entry
    bad = ("nom,prénom,date de naissance,quartier\n"
           "Martin,Léa,1990-03-12,Centre\n"
           ",Paul,1990-03-12,Centre\n"           # line 3: no last name
           "Roux,Ana,31/02/1990,Centre\n"        # line 4: impossible date
           "Blanc,Ugo,1990-01-01,Atlantis\n"     # line 5: unknown neighbourhood
           "martin,lea,12/03/1990,centre\n")     # line 6: same person as line 2
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        census.replace_census(actor=org_admin, component=component, data=bad.encode())
    messages = error.value.messages
    assert [m.split(" :")[0] for m in messages] == ["Ligne 3", "Ligne 4", "Ligne 5", "Ligne 6"]
    assert "quartier inconnu « Atlantis »" in messages[2]
    assert "ligne 2" in messages[3]
    # nothing changed: the previous list is intact
    assert CensusEntry.objects.filter(component=component).count() == 3


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"nom;prenom\nMartin;Lea\n", "missing columns"),
    (b"nom;prenom;naissance;quartier\n", "no person"),
])
def test_census_bad_files(pb, org_admin, set_phase, data, message):
    set_phase(pb, "Dépôt")
    with pytest.raises(ValidationError, match=message):
        census.replace_census(actor=org_admin, component=pb["component"], data=data)


def test_census_refused_once_the_vote_is_open_and_for_non_admins(pb, org_admin, org_agent,
                                                                  set_phase):
    data = "nom;prénom;date de naissance;quartier\nMartin;Léa;1990-03-12;Centre\n".encode()
    with pytest.raises(ValidationError, match="once the vote has opened"):
        census.replace_census(actor=org_admin, component=pb["component"], data=data)
    set_phase(pb, "Dépôt")
    with pytest.raises(PermissionDenied):
        census.replace_census(actor=org_agent, component=pb["component"], data=data)
    assert not CensusEntry.objects.exists()


def test_census_upload_through_the_back_office(pb, org_admin, set_phase):
    set_phase(pb, "Dépôt")
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/gestion/composants/{pb['component'].pk}/contenu/"
    upload = SimpleUploadedFile("liste.csv", b"nom;prenom;naissance;quartier\nA;B;bad;Centre\n")
    response = _client(org_admin).post(url, {"op": "census", "file": upload})
    page = response.content.decode()  # refused with the numbered message, nothing written
    assert response.status_code == 200 and not CensusEntry.objects.exists()
    assert "Ligne 2" in page and "date de naissance invalide" in page
    good = SimpleUploadedFile("liste.csv", "nom;prénom;naissance;quartier\nA;B;01/02/1980;"
                              "Centre\n".encode())
    assert _client(org_admin).post(url, {"op": "census", "file": good}).status_code == 302
    assert CensusEntry.objects.get().area == pb["areas"][0]


# --- eligibility against the census ----------------------------------------------------------

def test_eligibility_checked_against_the_census(coded_pb, citizen, make_user):
    component = coded_pb["component"]
    with pytest.raises(ValidationError, match="not on the electoral list"):
        services.declare_eligibility(actor=citizen, component=component, area=None,
                                     birth_date=dt.date(1990, 3, 13), first_name="Léa",
                                     last_name="Martin")
    eligibility = services.declare_eligibility(
        actor=citizen, component=component, area=coded_pb["areas"][1],
        birth_date=dt.date(1990, 3, 12), first_name="Lea", last_name="MARTIN")
    assert eligibility.area == coded_pb["areas"][0]  # the list's neighbourhood, not declared
    with pytest.raises(ValidationError, match="at least 11"):
        services.declare_eligibility(actor=make_user("zoe@example.org"), component=component,
                                     area=None, birth_date=dt.date(2020, 1, 1),
                                     first_name="Zoé", last_name="Petit")
    with pytest.raises(ValidationError, match="another account"):
        services.declare_eligibility(actor=make_user("lea2@example.org"), component=component,
                                     area=None, birth_date=dt.date(1990, 3, 12),
                                     first_name="Léa", last_name="Martin")


# --- letters and desk codes -----------------------------------------------------------------

def test_letters_one_page_per_person_of_age_only_hashes_stored(coded_pb, org_admin, org_agent):
    component = coded_pb["component"]
    with pytest.raises(PermissionDenied):
        census.issue_letter_codes(actor=org_agent, component=component)
    issued = census.issue_letter_codes(actor=org_admin, component=component)
    assert sorted(e.last_name for e, _code in issued) == ["Durand", "Martin"]  # Zoé is 6
    stored = set(VotingCode.objects.values_list("code_hash", flat=True))
    assert {census.code_hash(code) for _e, code in issued} == stored
    assert not any(code in h for _e, code in issued for h in stored)
    pdf = census.letters_pdf(component, issued)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert issued[0][1] in text and issued[0][0].last_name in text
    assert census.issue_letter_codes(actor=org_admin, component=component) == []


def test_letters_through_the_back_office_give_a_pdf(coded_pb, org_admin, org_agent):
    url = f"/gestion/composants/{coded_pb['component'].pk}/contenu/"
    assert _client(org_agent).post(url, {"op": "letters"}).status_code == 403
    response = _client(org_admin).post(url, {"op": "letters"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert VotingCode.objects.count() == 2


def test_desk_code_replaces_the_previous_code_of_the_person(coded_pb, org_admin, org_agent,
                                                            citizen):
    component = coded_pb["component"]
    issued = dict((e.last_name, c) for e, c in census.issue_letter_codes(
        actor=org_admin, component=component))
    with pytest.raises(PermissionDenied):
        census.issue_desk_code(actor=citizen, component=component, first_name="Léa",
                               last_name="Martin", birth_date=dt.date(1990, 3, 12))
    new = census.issue_desk_code(actor=org_agent, component=component, first_name="Léa",
                                 last_name="Martin", birth_date=dt.date(1990, 3, 12))
    assert census.find_code(component, issued["Martin"]) is None  # the letter's code is void
    assert census.find_code(component, new.lower().replace("-", " ")).channel == "desk"
    with pytest.raises(ValidationError, match="not on the electoral list"):
        census.issue_desk_code(actor=org_agent, component=component, first_name="X",
                               last_name="Y", birth_date=dt.date(1990, 3, 12))


def test_desk_code_without_census_needs_area_and_age(pb, org_agent):
    component = pb["component"]
    component.settings = {**component.settings, "voting_codes": True}
    component.save()
    with pytest.raises(ValidationError, match="neighbourhood"):
        census.issue_desk_code(actor=org_agent, component=component, first_name="A",
                               last_name="B", birth_date=dt.date(1990, 1, 1))
    with pytest.raises(ValidationError, match="at least 11"):
        census.issue_desk_code(actor=org_agent, component=component, first_name="A",
                               last_name="B", birth_date=dt.date.today(), area=pb["areas"][0])
    codes = [census.issue_desk_code(actor=org_agent, component=component, first_name="Ana",
                                    last_name="Bé", birth_date=dt.date(1990, 1, 1),
                                    area=pb["areas"][0]) for _desk in range(2)]
    # two desks, two codes, one person: one ballot, also against an agent's vote for her
    fresque = pb["projects"]["Fresque"]
    services.cast_ballot_with_code(budget=pb["city"], code=codes[0], choices={fresque.pk: 1},
                                   receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_ballot_with_code(budget=pb["city"], code=codes[1],
                                       choices={fresque.pk: 1}, receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_for_person(actor=org_agent, budget=pb["city"], first_name="ana",
                                 last_name="BE", birth_date=dt.date(1990, 1, 1),
                                 area=pb["areas"][0], choices={fresque.pk: 1},
                                 receipt=services.new_receipt())
    assert Ballot.objects.count() == 1


# --- voting with a code ----------------------------------------------------------------------

def _issued(pb, org_admin):
    return {e.last_name: c for e, c in census.issue_letter_codes(actor=org_admin,
                                                                 component=pb["component"])}


def test_code_votes_once_per_budget_and_ballot_not_linkable(coded_pb, org_admin):
    codes = _issued(coded_pb, org_admin)
    city, centre = coded_pb["city"], coded_pb["centre"]
    p = coded_pb["projects"]
    receipt = services.new_receipt()
    ballot = services.cast_ballot_with_code(budget=city, code=codes["Martin"],
                                            choices={p["Fresque"].pk: 1}, receipt=receipt)
    assert ballot.voter is None and ballot.channel == "code"
    # same form again (double click): same ballot
    assert services.cast_ballot_with_code(budget=city, code=codes["Martin"],
                                          choices={p["Fresque"].pk: 1}, receipt=receipt) == ballot
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_ballot_with_code(budget=city, code=codes["Martin"],
                                       choices={p["Skatepark"].pk: 1},
                                       receipt=services.new_receipt())
    # the receipt changes it
    services.cast_ballot_with_code(budget=city, code=codes["Martin"],
                                   choices={p["Skatepark"].pk: 1}, receipt=receipt)
    assert [c.project for c in ballot.choices.all()] == [p["Skatepark"]]
    # Martin lives in the Centre: may vote there; Durand (Tilleuls) may not
    services.cast_ballot_with_code(budget=centre, code=codes["Martin"],
                                   choices={p["Bancs"].pk: 1}, receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="does not give access"):
        services.cast_ballot_with_code(budget=centre, code=codes["Durand"],
                                       choices={p["Bancs"].pk: 1},
                                       receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="not valid"):
        services.cast_ballot_with_code(budget=city, code="AAAA-AAAA-AAAA-AAAA",
                                       choices={p["Fresque"].pk: 1},
                                       receipt=services.new_receipt())
    # secrecy: no column of the ballot or of the code row points to the other
    code_row = VotingCode.objects.get(census_entry__last_name="Martin")
    record = VoterRecord.objects.get(budget=city, voter_key=code_row.voter_key)
    assert record.user is None
    ballot_fields = {f.name for f in Ballot._meta.get_fields()}
    assert not ballot_fields & {"code", "voting_code", "voter_record", "created_at"}
    assert {f.name for f in VotingCode._meta.get_fields()}.isdisjoint({"ballot", "receipt_hash"})
    assert Ballot.objects.filter(budget=city).count() == 1


def test_code_and_account_of_the_same_census_person_are_one_voter(coded_pb, org_admin,
                                                                  citizen):
    codes = _issued(coded_pb, org_admin)
    city, fresque = coded_pb["city"], coded_pb["projects"]["Fresque"]
    services.cast_ballot_with_code(budget=city, code=codes["Martin"], choices={fresque.pk: 1},
                                   receipt=services.new_receipt())
    services.declare_eligibility(actor=citizen, component=coded_pb["component"], area=None,
                                 birth_date=dt.date(1990, 3, 12), first_name="Léa",
                                 last_name="Martin")
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_ballot(actor=citizen, budget=city, choices={fresque.pk: 1},
                             receipt=services.new_receipt())
    assert Ballot.objects.filter(budget=city).count() == 1


def test_any_one_budget_rule_applies_to_codes(coded_pb, org_admin):
    component = coded_pb["component"]
    component.settings = {**component.settings, "eligibility": "any_one"}
    component.save()
    codes = _issued(coded_pb, org_admin)
    p = coded_pb["projects"]
    services.cast_ballot_with_code(budget=coded_pb["centre"], code=codes["Durand"],
                                   choices={p["Bancs"].pk: 1}, receipt=services.new_receipt())
    with pytest.raises(ValidationError, match="does not give access"):
        services.cast_ballot_with_code(budget=coded_pb["city"], code=codes["Durand"],
                                       choices={p["Fresque"].pk: 1},
                                       receipt=services.new_receipt())


def test_codes_refused_when_disabled_or_vote_closed(coded_pb, org_admin, set_phase):
    codes = _issued(coded_pb, org_admin)
    args = {"budget": coded_pb["city"], "code": codes["Martin"],
            "choices": {coded_pb["projects"]["Fresque"].pk: 1}}
    set_phase(coded_pb, "Résultats")
    with pytest.raises(PermissionDenied):
        services.cast_ballot_with_code(receipt=services.new_receipt(), **args)
    set_phase(coded_pb, None)
    component = coded_pb["component"]
    component.settings = {**component.settings, "voting_codes": False}
    component.save()
    with pytest.raises(PermissionDenied):
        services.cast_ballot_with_code(receipt=services.new_receipt(), **args)
    assert not Ballot.objects.exists()


def test_code_vote_flow_without_account(coded_pb, org_admin):
    codes = _issued(coded_pb, org_admin)
    client = Client()
    url = _url(coded_pb, "?v=code")
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 400 and "pas valide" in response.content.decode()
    page = client.post(url, {"code": codes["Martin"].lower()}).content.decode()
    assert "Toute la ville" in page and "Centre" in page
    city = coded_pb["city"]
    vote_url = _url(coded_pb, f"?v=code&b={city.pk}")
    page = client.post(vote_url, {"code": codes["Martin"], "step": "start"}).content.decode()
    assert 'name="code"' in page and codes["Martin"] not in vote_url
    fresque = coded_pb["projects"]["Fresque"]
    page = client.post(vote_url, {"code": codes["Martin"], "step": "review",
                                  "project": fresque.pk}).content.decode()
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page).group(1)
    assert Ballot.objects.count() == 0
    page = client.post(vote_url, {"code": codes["Martin"], "step": "confirm",
                                  "project": fresque.pk, "receipt": receipt}).content.decode()
    assert receipt in page and Ballot.objects.filter(budget=city).count() == 1
    # the same confirm form resent (double click, server died before answering): same answer
    again = client.post(vote_url, {"code": codes["Martin"], "step": "confirm",
                                   "project": fresque.pk, "receipt": receipt})
    assert again.status_code == 200 and receipt in again.content.decode()
    assert Ballot.objects.filter(budget=city).count() == 1
    assert "sessionid" not in client.cookies  # nothing kept on the server side for the voter
    # tampered: a project of another budget
    response = client.post(vote_url, {"code": codes["Durand"], "step": "review",
                                      "project": coded_pb["projects"]["Bancs"].pk})
    assert response.status_code == 400 and Ballot.objects.count() == 1
    # a budget the code does not open
    other = _url(coded_pb, f"?v=code&b={coded_pb['centre'].pk}")
    assert client.post(other, {"code": codes["Durand"], "step": "start"}).status_code == 403


def test_code_page_absent_when_codes_disabled(pb):
    assert Client().get(_url(pb, "?v=code")).status_code == 404


# --- agent's cast page ------------------------------------------------------------------------

AGENT_ROLES = ["anonymous", "citizen", "voter", "evaluator", "agent", "process_admin",
               "org_admin", "other_org_admin"]


def _agent_client(people, role):
    return _client(people[role])


def test_agent_pages_matrix(coded_pb, people, set_phase):
    got = {}
    for view in ("agent-vote", "desk-code"):
        url = _url(coded_pb, f"?v={view}")
        got[view] = [_agent_client(people, r).get(url).status_code for r in AGENT_ROLES]
    assert got == {"agent-vote": [404, 403, 403, 403, 200, 200, 200, 403],
                   "desk-code": [404, 403, 403, 403, 200, 200, 200, 403]}
    set_phase(coded_pb, "Résultats")  # the vote is closed
    assert _agent_client(people, "agent").get(_url(coded_pb, "?v=agent-vote")).status_code \
        == 403


def test_agent_records_a_vote_for_a_census_person_by_phone(coded_pb, people):
    client = _client(people["agent"])
    url = _url(coded_pb, "?v=agent-vote")
    city, fresque = coded_pb["city"], coded_pb["projects"]["Fresque"]
    data = {"budget": city.pk, "first_name": "Jean Pierre", "last_name": "durand",
            "birth_date": "1975-07-01", "checked": "on", "projects": str(fresque.pk),
            "station": "Téléphone", "step": "review"}
    page = client.post(url, data).content.decode()
    assert "Fresque" in page and Ballot.objects.count() == 0
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page).group(1)
    page = client.post(url, {**data, "step": "confirm", "receipt": receipt}).content.decode()
    assert receipt in page
    ballot = Ballot.objects.get(budget=city)
    assert ballot.channel == "agent" and ballot.station == "Téléphone" and ballot.voter is None
    entry = CensusEntry.objects.get(last_name="Durand")
    assert VoterRecord.objects.filter(budget=city, voter_key=entry.voter_key).exists()
    # the same person cannot vote again with another receipt (e.g. at another desk)
    page = client.post(url, data).content.decode()
    other = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page).group(1)
    response = client.post(url, {**data, "step": "confirm", "receipt": other})
    assert response.status_code == 400 and Ballot.objects.count() == 1


def test_agent_vote_bad_input_changes_nothing(coded_pb, people):
    client = _client(people["agent"])
    url = _url(coded_pb, "?v=agent-vote")
    base = {"budget": coded_pb["city"].pk, "checked": "on", "step": "review",
            "projects": str(coded_pb["projects"]["Fresque"].pk)}
    for data in ({**base},  # nobody identified
                 {**base, "email": "nobody@example.org", "step": "confirm",
                  "receipt": "ABCD-EFGH-JKLM-NPQR"},
                 {**base, "first_name": "A", "last_name": "B", "birth_date": "1990-01-01",
                  "step": "confirm", "receipt": "ABCD-EFGH-JKLM-NPQR"},  # not on the list
                 {**base, "first_name": "Léa", "last_name": "Martin",
                  "birth_date": "1990-03-12", "projects": "abc"},
                 {**base, "first_name": "Léa", "last_name": "Martin",
                  "birth_date": "1990-03-12", "step": "confirm", "receipt": "tampered"}):
        assert client.post(url, data).status_code == 400, data
    assert Ballot.objects.count() == 0


def test_agent_vote_for_an_account(coded_pb, people):
    voter = people["voter"]
    eligibility = Eligibility.objects.get(user=voter)
    assert eligibility.census_entry is None  # declared before the census check was on
    with pytest.raises(ValidationError, match="not eligible"):
        services.cast_for_person(
            actor=people["agent"], budget=coded_pb["city"], email=voter.email,
            choices={coded_pb["projects"]["Fresque"].pk: 1}, receipt=services.new_receipt())
    services.declare_eligibility(actor=people["agent"], person=voter,
                                 component=coded_pb["component"], area=None,
                                 birth_date=dt.date(1990, 3, 12), first_name="Léa",
                                 last_name="Martin")
    ballot = services.cast_for_person(
        actor=people["agent"], budget=coded_pb["city"], email=voter.email,
        choices={coded_pb["projects"]["Fresque"].pk: 1}, receipt=services.new_receipt())
    assert ballot.channel == "agent" and ballot.voter == voter  # public ballot budget
    with pytest.raises(ValidationError, match="already voted"):  # cannot switch identity now
        services.declare_eligibility(actor=voter, component=coded_pb["component"], area=None,
                                     birth_date=dt.date(1975, 7, 1), first_name="Jean-Pierre",
                                     last_name="Durand")
    with pytest.raises(PermissionDenied):
        services.cast_for_person(
            actor=people["citizen"], budget=coded_pb["city"], email=voter.email,
            choices={coded_pb["projects"]["Fresque"].pk: 1}, receipt=services.new_receipt())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_one_code(coded_pb, org_admin, race):
    codes = _issued(coded_pb, org_admin)
    city = coded_pb["city"]
    titles = ["Fresque", "Jardin partagé", "Pistes cyclables", "Skatepark"]
    answers = race(8, lambda i: services.cast_ballot_with_code(
        budget=city, code=codes["Martin"], choices={coded_pb["projects"][titles[i % 4]].pk: 1},
        receipt=services.new_receipt()).pk)
    assert sorted(a[0] for a in answers) == ["error"] * 7 + ["ok"], answers
    assert all("already voted" in a[2] for a in answers if a[0] == "error")
    assert Ballot.objects.filter(budget=city).count() == 1
    assert VoterRecord.objects.filter(budget=city).count() == 1
    receipt = services.new_receipt()  # the same form eight times: one ballot, same answer
    answers = race(8, lambda i: services.cast_ballot_with_code(
        budget=city, code=codes["Durand"], choices={coded_pb["projects"]["Fresque"].pk: 1},
        receipt=receipt).pk)
    assert all(a[0] == "ok" for a in answers) and len({a[1] for a in answers}) == 1
    assert Ballot.objects.filter(budget=city).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_any_one_budget_code(coded_pb, org_admin, race):
    component = coded_pb["component"]
    component.settings = {**component.settings, "eligibility": "any_one"}
    component.save()
    codes = _issued(coded_pb, org_admin)
    p = coded_pb["projects"]
    targets = [(coded_pb["city"], p["Fresque"]), (coded_pb["centre"], p["Bancs"])]
    answers = race(8, lambda i: services.cast_ballot_with_code(
        budget=targets[i % 2][0], code=codes["Martin"], choices={targets[i % 2][1].pk: 1},
        receipt=services.new_receipt()).pk)
    assert [a[0] for a in answers].count("ok") == 1, answers
    assert Ballot.objects.count() == 1 and VoterRecord.objects.count() == 1
