"""Editing a comment: only its author, during the edit window of the component, while they may
comment; the thread marks it edited; pre-moderation sends an edited comment back to the queue.

Matrix: 200 the form, 302 anonymous sent to log in (or the author told the window is over),
403 anybody else, 404 from another organisation's host."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Comment

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "author", "citizen", "moderator", "evaluator", "agent", "process_admin",
         "org_admin", "other_org_admin"]


@pytest.fixture
def people(citizen, org_moderator, org_evaluator, process_admin, org_admin, other_org_admin,
           make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    agent = make_user("agent@example.org")
    OrganisationRole.objects.create(organisation=organisation, user=agent, role="agent")
    return {"anonymous": None, "author": make_user("commentatrice@example.org",
                                                    display_name="Commentatrice"),
            "citizen": citizen, "moderator": org_moderator, "evaluator": org_evaluator,
            "agent": agent, "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


@pytest.fixture
def comment(people, publish, make_user):
    proposal = publish(make_user("autrice@example.org"))
    return services.add_comment(actor=people["author"], proposal=proposal,
                                body="Premier avis sur la place", alignment=1)


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _url(comment: Comment) -> str:
    return f"/propositions/{comment.proposal.component_id}/commentaires/{comment.pk}/modifier/"


def _age(comment: Comment, minutes: int) -> None:
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - dt.timedelta(minutes=minutes))


def test_get_and_post_matrix(people, comment):
    expected = {"anonymous": 302, "author": 200}
    for role in ROLES:
        response = _client(people[role]).get(_url(comment))
        assert response.status_code == expected.get(role, 403), role
        if role == "anonymous":
            assert "/compte/connexion/" in response["Location"]
    for role in [r for r in ROLES if r != "author"] + ["author"]:  # the author last
        response = _client(people[role]).post(_url(comment), {"body": f"Réécrit par {role}"})
        if role == "author":
            assert response.status_code == 302
            assert response["Location"].endswith(f"#comment-{comment.pk}")
        else:
            assert response.status_code == expected.get(role, 403), role
            comment.refresh_from_db()
            assert comment.body == "Premier avis sur la place", role
    comment.refresh_from_db()
    assert comment.body == "Réécrit par author"
    assert comment.edited_at is not None
    assert comment.alignment == 1  # the position is kept


def test_foreign_host_is_404(people, comment):
    for role in ("author", "other_org_admin"):
        response = _client(people[role]).get(_url(comment), HTTP_HOST="val.testserver")
        assert response.status_code == 404, role


def test_edit_window_closes(people, comment, component):
    author = _client(people["author"])
    _age(comment, 16)  # default window: 15 minutes
    response = author.get(_url(comment), follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#comment-{comment.pk}")
    assert "ne peut plus être modifié" in response.content.decode()
    assert author.post(_url(comment), {"body": "Trop tard"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Premier avis sur la place" and comment.edited_at is None
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=people["author"], comment=comment, body="Trop tard")
    # a longer window set in the back office lets the author edit again
    services.update_component_settings(actor=people["process_admin"], component=component,
                                       values={"comment_edit_window_minutes": 60})
    assert author.post(_url(comment), {"body": "Dans la nouvelle fenêtre"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Dans la nouvelle fenêtre"


def test_window_setting_in_the_back_office(people, component):
    client = _client(people["process_admin"])
    response = client.post(f"/gestion/composants/{component.pk}/contenu/", {
        "form": "settings", "support_limit": "0", "support_minimum": "0",
        "support_threshold": "0", "report_threshold": "3", "edit_window_minutes": "30",
        "comment_edit_window_minutes": "45", "max_attachments": "3"})
    assert response.status_code == 302
    component.refresh_from_db()
    assert services.settings_of(component).comment_edit_window_minutes == 45


@pytest.mark.parametrize("situation", ["deleted", "hidden", "blocked", "closed_phase",
                                       "withdrawn_proposal"])
def test_no_edit_when_the_comment_or_its_author_cannot(situation, people, comment, organisation):
    author = people["author"]
    if situation == "deleted":
        services.delete_comment(actor=author, comment=comment)
    elif situation == "hidden":
        services.hide_comment(actor=people["moderator"], comment=comment, reason="Injurieux")
    elif situation == "blocked":
        services.block_user(actor=people["moderator"], organisation=organisation, user=author,
                            reason="Spam")
    elif situation == "closed_phase":
        space = comment.proposal.component.space
        space.forced_phase = space.phases.get(title="Information")
        space.save()
    else:
        services.withdraw_proposal(actor=comment.proposal.author, proposal=comment.proposal)
    before = Comment.objects.get(pk=comment.pk).body
    response = _client(author).post(_url(comment), {"body": "Contournement"})
    assert response.status_code == (403 if situation == "deleted" else 302)
    assert Comment.objects.get(pk=comment.pk).body == before
    fresh = type(author).objects.get(pk=author.pk)  # as a new request sees the person
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=fresh, comment=comment, body="Contournement")


def test_invalid_bodies_are_refused_with_a_message(people, comment):
    author = _client(people["author"])
    for body, message in (("", "Ce champ est obligatoire"), (" ", "Ce champ est obligatoire"),
                          ("x" * 5001, "5000 caractères")):
        response = author.post(_url(comment), {"body": body})
        assert response.status_code == 200
        assert message in response.content.decode(), body[:10]
    comment.refresh_from_db()
    assert comment.body == "Premier avis sur la place"


def test_thread_shows_the_edit_link_and_the_edited_mark(people, comment):
    detail = f"/propositions/{comment.proposal.component_id}/{comment.proposal_id}/"
    link = f'href="{_url(comment)}"'
    assert link in _client(people["author"]).get(detail).content.decode()
    for role in ("citizen", "moderator", "anonymous"):
        assert link not in _client(people[role]).get(detail).content.decode(), role
    _client(people["author"]).post(_url(comment), {"body": "Avis <script>alert(1)</script>"})
    page = _client(people["citizen"]).get(detail).content.decode()
    assert "Avis &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "modifié" in page.split(f'id="comment-{comment.pk}"')[1].split("</li>")[0]
    _age(comment, 16)
    assert link not in _client(people["author"]).get(detail).content.decode()


def test_premoderation_sends_an_edit_back_to_the_queue(people, comment, component):
    from parlons.platform.proposals import selectors

    services.update_component_settings(actor=people["process_admin"], component=component,
                                       values={"premoderation": True})
    proposal = comment.proposal
    proposal.refresh_from_db()
    assert proposal.comment_count == 1
    edited = services.edit_comment(actor=people["author"], comment=comment,
                                   body="Nouvelle version à relire")
    assert not edited.is_approved
    proposal.refresh_from_db()
    assert proposal.comment_count == 0
    queue = selectors.moderation_queue(component.space.organisation)
    assert [c.pk for c in queue["comments"]] == [comment.pk]
    services.approve_comment(actor=people["moderator"], comment=edited)
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


def test_same_text_changes_nothing(people, comment):
    unchanged = services.edit_comment(actor=people["author"], comment=comment,
                                      body="  Premier   avis sur la place ")
    assert unchanged.edited_at is None
