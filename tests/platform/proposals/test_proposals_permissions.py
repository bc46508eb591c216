"""Permission matrix of the proposals module: roles × phases × visibility, for every action.

200 allowed, 302 anonymous sent to log in (or a form that redirects after doing its job),
403 logged in but not allowed, 404 hidden from this person (or foreign to the organisation)."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Comment, Proposal, Support

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "moderator", "evaluator", "agent", "process_admin",
         "org_admin", "other_org_admin"]
#          anon citz mod  eval agent padm oadm other
FRONT = [200, 200, 200, 200, 200, 200, 200, 200]
LOGGED = [302, 200, 200, 200, 200, 200, 200, 200]
EVALUATORS = [302, 403, 403, 200, 403, 200, 200, 403]
ORG_MODERATORS = [302, 403, 200, 403, 403, 403, 200, 403]
SPACE_MODERATORS = [302, 403, 200, 403, 403, 200, 200, 403]
AGENTS = [302, 403, 403, 403, 200, 200, 200, 403]
SPACE_ADMINS = [302, 403, 403, 403, 403, 200, 200, 403]

GET_MATRIX = {
    "/participer/{slug}/": FRONT,  # the process page, with the "follow this process" panel
    "/participer/{slug}/c/{c}/": FRONT,
    "/participer/{slug}/c/{c}/?sort=random&q=arbre&theme=1&state=accepted": FRONT,
    "/propositions/{c}/{p}/": FRONT,
    "/propositions/{c}/nouvelle/": LOGGED,
    "/propositions/{c}/{p}/signaler/": LOGGED,
    "/propositions/{c}/commentaires/{cm}/signaler/": LOGGED,
    "/propositions/notifications/": LOGGED,
    "/propositions/{c}/reponses/": EVALUATORS,
    "/propositions/{c}/{p}/reponse/": EVALUATORS,
    "/propositions/moderation/": ORG_MODERATORS,
    "/propositions/moderation/?space={slug}": SPACE_MODERATORS,
    "/propositions/{c}/saisie-agent/": AGENTS,
    "/propositions/{c}/commentaires/{cm}/moderation/": SPACE_MODERATORS,
    "/propositions/{c}/export/proposals.csv": SPACE_MODERATORS,
    "/propositions/donnees-ouvertes/": FRONT,
    "/gestion/composants/{c}/contenu/": SPACE_ADMINS,
}


@pytest.fixture
def people(citizen, org_moderator, org_evaluator, process_admin, org_admin, other_org_admin,
           make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    agent = make_user("agent@example.org")
    OrganisationRole.objects.create(organisation=organisation, user=agent, role="agent")
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "evaluator": org_evaluator, "agent": agent, "process_admin": process_admin,
            "org_admin": org_admin, "other_org_admin": other_org_admin}


@pytest.fixture
def proposal(component, make_user, publish):
    author = make_user("autrice@example.org")
    made = publish(author)
    services.add_comment(actor=author, proposal=made, body="Un premier commentaire")
    return made


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _url(template, component, proposal):
    comment = Comment.objects.filter(proposal=proposal).first()
    return template.format(slug=component.space.slug, c=component.pk, p=proposal.pk,
                           cm=comment.pk)


@pytest.mark.parametrize("template", list(GET_MATRIX))
def test_get_matrix(template, people, component, proposal):
    url = _url(template, component, proposal)
    got = [_client(people[role]).get(url).status_code for role in ROLES]
    assert got == GET_MATRIX[template], url


def test_post_actions_in_the_open_phase(people, component, proposal):
    """Support, comment, follow: every signed-in person may; anonymous people are sent to log in."""
    for role in ROLES:
        client = _client(people[role])
        support = client.post(f"/propositions/{component.pk}/{proposal.pk}/soutien/")
        comment = client.post(f"/propositions/{component.pk}/{proposal.pk}/commenter/",
                              {"body": f"Avis de {role}", "alignment": "1"})
        assert support.status_code == 302 and comment.status_code == 302
        if role == "anonymous":
            assert "/compte/connexion/" in support["Location"]
    proposal.refresh_from_db()
    assert proposal.support_count == Support.objects.filter(proposal=proposal).count() == 7
    assert Comment.objects.filter(proposal=proposal).count() == 1 + 7


@pytest.mark.parametrize("phase", ["Information", None])
def test_closed_phase_refuses_every_participation(phase, people, component, proposal):
    space = component.space
    if phase is None:  # no current phase at all
        space.phases.update(start_date="2000-01-01", end_date="2000-01-02")
    else:
        space.forced_phase = space.phases.get(title=phase)
        space.save()
    for role in ROLES[1:]:
        client = _client(people[role])
        assert client.post(f"/propositions/{component.pk}/{proposal.pk}/soutien/").status_code \
            == 403
        assert client.get(f"/propositions/{component.pk}/nouvelle/").status_code == 403
        assert client.post(f"/propositions/{component.pk}/{proposal.pk}/commenter/",
                           {"body": "Trop tard", "alignment": "0"}).status_code == 403
    assert not Support.objects.exists()
    assert Comment.objects.filter(proposal=proposal).count() == 1


@pytest.mark.parametrize("visibility", ["private", "unpublished_space", "unpublished_component"])
def test_hidden_spaces_and_components_are_404(visibility, people, component, proposal):
    space = component.space
    if visibility == "private":
        space.visibility = "private"
    elif visibility == "unpublished_space":
        space.is_published = False
    else:
        component.is_published = False
        component.save()
    space.save()
    expected_visible = {"process_admin", "org_admin"}
    for role in ROLES:
        status = _client(people[role]).get(
            f"/propositions/{component.pk}/{proposal.pk}/").status_code
        assert status == (200 if role in expected_visible else 404), role


def test_drafts_and_hidden_proposals(people, component, proposal, citizen, org_moderator):
    draft = services.create_proposal(actor=citizen, component=component,
                                     title="Brouillon secret", body="<p>Pas encore prêt.</p>")
    url = f"/propositions/{component.pk}/{draft.pk}/"
    assert _client(citizen).get(url).status_code == 200
    for role in ("anonymous", "moderator", "org_admin", "agent"):
        assert _client(people[role]).get(url).status_code == 404, role
    services.hide_proposal(actor=org_moderator, proposal=proposal, reason="Hors charte")
    url = f"/propositions/{component.pk}/{proposal.pk}/"
    assert _client(proposal.author).get(url).status_code == 200
    assert "Hors charte" in _client(proposal.author).get(url).content.decode()
    assert _client(people["moderator"]).get(url).status_code == 200
    assert _client(people["citizen"]).get(url).status_code == 404
    assert _client(None).get(url).status_code == 404


def test_only_the_author_edits_publishes_and_withdraws(people, component, proposal):
    for role in ROLES[1:]:
        client = _client(people[role])
        assert client.get(f"/propositions/{component.pk}/{proposal.pk}/modifier/").status_code \
            == 403
        assert client.post(f"/propositions/{component.pk}/{proposal.pk}/retirer/").status_code \
            == 403
    author = _client(proposal.author)
    assert author.get(f"/propositions/{component.pk}/{proposal.pk}/modifier/").status_code == 200
    assert author.post(f"/propositions/{component.pk}/{proposal.pk}/retirer/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.WITHDRAWN


def test_moderation_posts(people, component, proposal):
    url = f"/propositions/{component.pk}/{proposal.pk}/moderation/"
    for role in ("citizen", "evaluator", "agent", "other_org_admin"):
        response = _client(people[role]).post(url, {"action": "hide", "reason": "Non"})
        assert response.status_code == 403, role
    assert _client(people["moderator"]).post(
        url, {"action": "hide", "reason": "Injurieux"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.HIDDEN


def test_foreign_organisation_ids_are_404(people, component, proposal, other_organisation):
    """The same ids asked on the other organisation's host do not exist there."""
    client = _client(people["other_org_admin"])
    for url in (f"/propositions/{component.pk}/{proposal.pk}/",
                f"/propositions/{component.pk}/nouvelle/",
                f"/propositions/{component.pk}/reponses/"):
        assert client.get(url, HTTP_HOST="val.testserver").status_code == 404, url


def test_component_settings_and_custom_states(people, component):
    client = _client(people["process_admin"])
    url = f"/gestion/composants/{component.pk}/contenu/"
    response = client.post(url, {"form": "settings", "support_limit": "5", "support_minimum": "2",
                                 "support_threshold": "100", "report_threshold": "4",
                                 "premoderation": "on", "edit_window_minutes": "10",
                                 "comment_edit_window_minutes": "20",
                                 "max_attachments": "2"})
    assert response.status_code == 302
    component.refresh_from_db()
    conf = services.settings_of(component)
    assert (conf.support_limit, conf.support_minimum, conf.report_threshold,
            conf.premoderation, conf.threshold_caps_supports) == (5, 2, 4, True, False)
    assert client.post(url, {"form": "state", "name": "Reportée en 2028"}).status_code == 302
    assert list(component.space.answer_states.values_list("name", flat=True)) == [
        "Reportée en 2028"]
    citizen = _client(people["citizen"])
    assert citizen.post(url, {"form": "settings", "support_limit": "0"}).status_code == 403


def test_report_and_block_a_person(people, component, proposal, organisation):
    from parlons.platform.proposals.models import Report, UserBlock

    author = proposal.author
    citizen = _client(people["citizen"])
    assert citizen.post(f"/propositions/personnes/{author.pk}/signaler/",
                        {"reason": "spam", "details": "Publicité"}).status_code == 302
    assert Report.objects.filter(reported_user=author).count() == 1
    url = f"/propositions/personnes/{author.pk}/blocage/"
    assert citizen.post(url, {"reason": "Non"}).status_code == 403
    assert _client(people["process_admin"]).post(url, {"reason": "Non"}).status_code == 403
    moderator = _client(people["moderator"])
    assert moderator.post(url, {"reason": "Spam répété"}).status_code == 302
    assert UserBlock.objects.filter(user=author, lifted_at__isnull=True).count() == 1
    blocked = _client(author)
    assert blocked.post(f"/propositions/{component.pk}/{proposal.pk}/commenter/",
                        {"body": "Encore moi", "alignment": "0"}).status_code == 403
    queue = moderator.get("/propositions/moderation/").content.decode()
    assert "Spam répété" in queue and "user.blocked" in queue
    assert moderator.post(url, {"action": "unblock"}).status_code == 302
    assert not UserBlock.objects.filter(user=author, lifted_at__isnull=True).exists()


def test_answer_page_forms(people, component, proposal, org_evaluator):
    from parlons.platform.proposals.models import Answer, EvaluatorAssignment, StaffNote

    client = _client(people["evaluator"])
    url = f"/propositions/{component.pk}/{proposal.pk}/reponse/"
    assert client.post(url, {"form": "note", "body": "Voir avec la voirie"}).status_code == 302
    assert client.post(url, {"form": "assign",
                             "evaluator_email": org_evaluator.email}).status_code == 302
    assert client.post(url, {"form": "answer", "state": "accepted", "text": "<p>Oui</p>",
                             "cost": "1200"}).status_code == 302
    answer = Answer.objects.get(proposal=proposal)
    assert (answer.state, answer.is_published) == ("accepted", False)
    assert StaffNote.objects.filter(proposal=proposal).count() == 1
    assert EvaluatorAssignment.objects.filter(proposal=proposal).count() == 1
    page = _client(people["citizen"]).get(f"/propositions/{component.pk}/{proposal.pk}/")
    assert "Voir avec la voirie" not in page.content.decode()  # staff notes stay private
    manage = f"/propositions/{component.pk}/reponses/"
    assert client.post(manage, {"proposal": [str(proposal.pk)]}).status_code == 302
    answer.refresh_from_db()
    assert answer.is_published
