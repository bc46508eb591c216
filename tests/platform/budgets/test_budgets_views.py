"""Views of the budget component: permission matrix (action × role × phase) and the vote flow."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from parlons.platform.budgets.models import Ballot, BudgetProject, PaperSheet

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "voter", "evaluator", "agent", "process_admin", "org_admin",
         "other_org_admin"]


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _url(pb, query=""):
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/{query}"


# expected GET status per role (ROLES order) in the vote phase
GETS = {
    "": [200] * 8,
    "?v=receipt": [200] * 8,
    "?v=project&p={project}": [200] * 8,
    "?v=vote&b={city}": [302, 302, 200, 302, 302, 302, 302, 302],  # 302: login or eligibility
    "?v=review": [404, 403, 403, 200, 403, 200, 200, 403],
    "?v=paper": [404, 403, 403, 403, 200, 200, 200, 403],
    "?v=submit": [302, 403, 403, 403, 403, 403, 403, 403],  # not the submission phase
    "?v=results&b={city}": [404] * 8,  # not counted yet
    "?v=nonsense": [404] * 8,
    "?v=code": [404] * 8,  # the city does not accept voting codes
    "?v=get-code": [404] * 8,  # nor codes by e-mail or SMS (see test_codes_delivery.py)
    "?v=agent-vote": [404, 403, 403, 403, 200, 200, 200, 403],
    "?v=desk-code": [404, 403, 403, 403, 200, 200, 200, 403],
    "?v=photo&p={project}": [302, 403, 403, 403, 403, 200, 200, 403],
}


def test_get_matrix_in_vote_phase(people, pb):
    clients = {role: _client(people[role]) for role in ROLES}
    got, expected = {}, {}
    for query, statuses in GETS.items():
        url = _url(pb, query.format(project=pb["projects"]["Fresque"].pk, city=pb["city"].pk))
        got[query] = dict(zip(ROLES, [clients[r].get(url).status_code for r in ROLES],
                              strict=True))
        expected[query] = dict(zip(ROLES, statuses, strict=True))
    assert got == expected


def test_submit_matrix_by_phase(people, pb, set_phase):
    url = _url(pb, "?v=submit")
    set_phase(pb, "Dépôt")
    got = [_client(people[role]).get(url).status_code for role in ROLES]
    # in the submission phase anyone with an account may submit (the other organisation's
    # admin is a mere citizen here)
    assert got == [302, 200, 200, 200, 200, 200, 200, 200]
    set_phase(pb, "Résultats")
    got = [_client(people[role]).get(url).status_code for role in ROLES]
    assert got == [302, 403, 403, 403, 403, 403, 403, 403]


def test_manage_matrix(people, pb):
    url = f"/gestion/composants/{pb['component'].pk}/contenu/"
    got = [_client(people[role]).get(url).status_code for role in ROLES]
    assert got == [302, 403, 403, 403, 403, 200, 200, 403]


def test_refused_manage_posts_change_nothing(people, pb):
    url = f"/gestion/composants/{pb['component'].pk}/contenu/"
    before = (pb["city"].amount, Ballot.objects.count())
    for role in ["anonymous", "citizen", "voter", "evaluator", "agent", "other_org_admin"]:
        _refused(people[role], url, pb["city"].pk)
    pb["city"].refresh_from_db()
    assert (pb["city"].amount, Ballot.objects.count()) == before
    assert not pb["city"].results_computed_at


def _refused(person, url, budget_id):
    for data in ({"op": "budget", "title": "X", "amount": "1", "ballot_type": "knapsack",
                  "min_share": "0", "min_projects": "1", "max_projects": "2", "points": "1",
                  "counting_rule": "greedy", "position": "0"},
                 {"op": "count", "budget": budget_id},
                 {"op": "publish", "budget": budget_id}):
        assert _client(person).post(url, data).status_code in (302, 403)


def test_other_organisation_admin_cannot_vote_review_or_enter(people, pb):
    client = _client(people["other_org_admin"])
    fresque = pb["projects"]["Fresque"]
    assert client.post(_url(pb, f"?v=vote&b={pb['city'].pk}"),
                       {"project": fresque.pk, "step": "confirm",
                        "receipt": "ABCD-EFGH-JKLM-NPQR"}).status_code in (302, 403)
    assert client.post(_url(pb, f"?v=review-project&p={fresque.pk}"),
                       {"decision": "not_feasible", "public_reason": "x"}).status_code == 403
    assert client.post(_url(pb, "?v=paper"), {"budget": pb["city"].pk, "station": "S",
                                              "number": 1, "voter": "x",
                                              "projects": str(fresque.pk)}).status_code == 403
    host = {"HTTP_HOST": "val.testserver"}
    assert client.get(_url(pb), **host).status_code == 404
    assert Ballot.objects.count() == 0 and PaperSheet.objects.count() == 0


def _receipt(html: str) -> str:
    return re.search(r'name="receipt" value="([A-Z0-9-]+)"', html).group(1)


def test_vote_flow_over_budget_confirm_edit_and_receipt(pb, voter):
    client = _client(voter)
    url = _url(pb, f"?v=vote&b={pb['city'].pk}")
    p = pb["projects"]
    page = client.get(url).content.decode()
    assert "100000 € left" in page or "100000" in page
    # htmx basket: computed on the server
    summary = client.post(_url(pb, f"?v=basket&b={pb['city'].pk}"),
                          {"project": [p["Pistes cyclables"].pk, p["Skatepark"].pk]})
    assert "Dépassement du budget de 10000" in summary.content.decode()
    # over budget: told why, nothing recorded
    response = client.post(url, {"project": [p["Pistes cyclables"].pk, p["Skatepark"].pk],
                                  "step": "review"})
    assert response.status_code == 400
    assert "10000 € de plus que le budget" in response.content.decode()
    # review step, then confirm
    response = client.post(url, {"project": [p["Fresque"].pk, p["Jardin partagé"].pk],
                                  "step": "review"})
    assert "Confirmer et valider mon vote" in response.content.decode()
    assert Ballot.objects.count() == 0
    receipt = _receipt(response.content.decode())
    response = client.post(url, {"project": [p["Fresque"].pk, p["Jardin partagé"].pk],
                                  "step": "confirm", "receipt": receipt})
    assert receipt in response.content.decode()
    # resubmitting the same confirmation gives the same answer, no second ballot
    client.post(url, {"project": [p["Fresque"].pk, p["Jardin partagé"].pk],
                      "step": "confirm", "receipt": receipt})
    assert Ballot.objects.count() == 1
    check = _client(None).get(_url(pb, f"?v=receipt&code={receipt}")).content.decode()
    assert "il sera compté" in check and "Fresque" not in check
    assert "Aucun bulletin" in _client(None).get(
        _url(pb, "?v=receipt&code=AAAA-BBBB-CCCC-DDDD")).content.decode()
    # edit: the basket is pre-filled, the new ballot replaces the old one
    page = client.get(url).content.decode()
    assert f'value="{p["Fresque"].pk}" checked' in page
    response = client.post(url, {"project": [p["Pistes cyclables"].pk], "step": "review"})
    receipt2 = _receipt(response.content.decode())
    client.post(url, {"project": [p["Pistes cyclables"].pk], "step": "confirm",
                      "receipt": receipt2})
    ballot = Ballot.objects.get()
    assert [c.project_id for c in ballot.choices.all()] == [p["Pistes cyclables"].pk]


def test_tampered_forms_change_nothing(pb, voter):
    client = _client(voter)
    url = _url(pb, f"?v=vote&b={pb['city'].pk}")
    other = pb["projects"]["Bancs"].pk  # another budget's project
    for data in ({"project": [other], "step": "confirm", "receipt": "ABCD-EFGH-JKLM-NPQR"},
                 {"project": ["x'; drop"], "step": "confirm", "receipt": "ABCD-EFGH-JKLM-NPQR"},
                 {"project": [pb["projects"]["Fresque"].pk], "step": "confirm",
                  "receipt": "<script>"}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "form-errors" in response.content.decode()
    assert Ballot.objects.count() == 0
    assert client.get(_url(pb, "?v=vote&b=999999")).status_code == 404


def test_vote_is_rate_limited(pb, voter, settings):
    from parlons.platform.budgets import views

    views.VOTE_RATE = "3/m"
    try:
        client = _client(voter)
        url = _url(pb, f"?v=vote&b={pb['city'].pk}")
        codes = [client.post(url, {"project": [pb["projects"]["Fresque"].pk],
                                   "step": "review"}).status_code for _i in range(5)]
    finally:
        views.VOTE_RATE = "30/m"
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_submission_and_review_views(pb, set_phase, citizen, org_evaluator, org_agent):
    set_phase(pb, "Dépôt")
    client = _client(citizen)
    response = client.post(_url(pb, "?v=submit"), {
        "budget": pb["city"].pk, "title": "Nichoirs", "description": "<p>Pour les mésanges</p>",
        "estimated_cost": "-3"})
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    response = client.post(_url(pb, "?v=submit"), {
        "budget": pb["city"].pk, "title": "Nichoirs", "description": "<p>Pour les mésanges</p>",
        "estimated_cost": "800"})
    assert response.status_code == 302
    project = BudgetProject.objects.get(title="Nichoirs")
    assert project.author == citizen
    response = _client(org_agent).post(_url(pb, "?v=submit"), {
        "budget": pb["city"].pk, "title": "Composteur", "description": "d",
        "estimated_cost": "900", "on_behalf_of": citizen.email})
    assert BudgetProject.objects.get(title="Composteur").entered_by == org_agent
    pb["city"].decisions_published_at = None
    pb["city"].save()
    response = _client(org_evaluator).post(_url(pb, f"?v=review-project&p={project.pk}"), {
        "decision": "feasible", "reviewed_cost": "1000", "city_competence": "on"})
    assert response.status_code == 302
    project.review.refresh_from_db()
    assert project.review.decision == "feasible" and project.review.reviewed_cost == 1000
    dashboard = _client(org_evaluator).get(_url(pb, "?v=review")).content.decode()
    assert "Nichoirs" in dashboard


def test_paper_view_flags_a_mismatch(pb, org_agent, second_agent):
    fresque, jardin = pb["projects"]["Fresque"].pk, pb["projects"]["Jardin partagé"].pk
    base = {"budget": pb["city"].pk, "station": "Mairie", "number": 7, "first_name": "Ana",
            "last_name": "B", "birth_date": "1990-01-01", "area": pb["areas"][0].pk}
    _client(org_agent).post(_url(pb, "?v=paper"), {**base, "projects": f"{fresque}"})
    response = _client(second_agent).post(_url(pb, "?v=paper"), {**base, "projects": f"{jardin}"},
                                          follow=True)
    assert "saisies différentes" in response.content.decode()
    assert PaperSheet.objects.get().status == "mismatch"


def test_admin_counts_publishes_and_results_page(pb, voter, org_admin, set_phase):
    from parlons.platform.budgets import services

    services.cast_ballot(actor=voter, budget=pb["city"],
                         choices={pb["projects"]["Fresque"].pk: 1},
                         receipt=services.new_receipt())
    manage = f"/gestion/composants/{pb['component'].pk}/contenu/"
    admin = _client(org_admin)
    assert admin.post(manage, {"op": "count", "budget": pb["city"].pk}).status_code == 302
    results = _url(pb, f"?v=results&b={pb['city'].pk}")
    assert admin.get(results).status_code == 200  # preview
    assert _client(None).get(results).status_code == 404
    set_phase(pb, "Résultats")
    assert admin.post(manage, {"op": "publish", "budget": pb["city"].pk}).status_code == 302
    page = _client(None).get(results).content.decode()
    assert "Fresque" in page and "<table" in page and 'style="' not in page
    export = _client(None).get(_url(pb, f"?v=export&b={pb['city'].pk}"))
    assert export.status_code == 200 and b"VOTES" in export.content
    assert voter.email.encode() not in export.content


def test_secret_ballot_edit_with_the_receipt(pb, voter):
    client = _client(voter)
    url = _url(pb, f"?v=vote&b={pb['centre'].pk}")
    bancs, fontaine = pb["projects"]["Bancs"].pk, pb["projects"]["Fontaine"].pk
    receipt = _receipt(client.post(url, {"project": [bancs], "step": "review"})
                       .content.decode())
    client.post(url, {"project": [bancs], "step": "confirm", "receipt": receipt})
    page = client.get(url).content.decode()
    assert 'name="previous"' in page and "checked" not in page  # nothing shown back
    response = client.post(url, {"project": [fontaine], "step": "confirm",
                                 "receipt": "ABCD-EFGH-JKLM-NPQR", "previous": "WRONG"})
    assert response.status_code == 400 and "code de récépissé" in response.content.decode()
    client.post(url, {"project": [fontaine], "step": "confirm",
                      "receipt": "ABCD-EFGH-JKLM-NPQR", "previous": receipt})
    ballot = Ballot.objects.get(budget=pb["centre"])
    assert ballot.voter is None
    assert [c.project_id for c in ballot.choices.all()] == [fontaine]
