"""Services of the proposals module: lifecycle, supports and their settings, comments, answers,
moderation, notifications. Expected values are computed by hand from the scenario."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parlons.platform.proposals import services
from parlons.platform.proposals.models import (
    Comment,
    ModerationLog,
    Notification,
    Proposal,
    Support,
)

pytestmark = pytest.mark.django_db


def _set(component, **values):
    component.settings = {**component.settings, **values}
    component.save()


def test_draft_publish_edit_withdraw_and_versions(component, citizen, make_user):
    draft = services.create_proposal(actor=citizen, component=component,
                                     title="  Un   banc  ombragé ",
                                     body="<p>Un banc sous les arbres.</p><script>x()</script>")
    assert draft.state == Proposal.State.DRAFT
    assert draft.title == "Un banc ombragé"
    assert "<script" not in draft.body
    published = services.publish_proposal(actor=citizen, proposal=draft)
    assert published.state == Proposal.State.PUBLISHED and published.published_at
    edited = services.update_proposal(actor=citizen, proposal=published,
                                      title="Deux bancs ombragés",
                                      body="<p>Deux bancs sous les arbres.</p>")
    assert edited.version == 2
    assert list(edited.versions.values_list("number", "title")) == [
        (1, "Un banc ombragé"), (2, "Deux bancs ombragés")]
    other = make_user()
    with pytest.raises(PermissionDenied):
        services.update_proposal(actor=other, proposal=edited, title="Pirate", body="x" * 20)
    Proposal.objects.filter(pk=edited.pk).update(
        editable_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(PermissionDenied):  # the edit window is over
        services.update_proposal(actor=citizen, proposal=edited, title="Trop tard",
                                 body="<p>Trop tard pour changer.</p>")
    withdrawn = services.withdraw_proposal(actor=citizen, proposal=edited)
    assert withdrawn.state == Proposal.State.WITHDRAWN


def test_bad_input_is_refused(component, citizen, other_organisation):
    from parlons.platform.organisations.models import Theme

    with pytest.raises(ValidationError):
        services.create_proposal(actor=citizen, component=component, title="abc",
                                 body="<p>Assez long pour le corps.</p>")
    with pytest.raises(ValidationError):
        services.create_proposal(actor=citizen, component=component, title="Titre correct",
                                 body="<script>alert(1)</script>")  # empty once sanitised
    foreign = Theme.objects.create(organisation=other_organisation, name="Autre", slug="autre")
    with pytest.raises(ValidationError):
        services.create_proposal(actor=citizen, component=component, title="Titre correct",
                                 body="<p>Assez long pour le corps.</p>", theme=foreign)
    with pytest.raises(ValidationError):
        services.create_proposal(actor=citizen, component=component, title="Titre correct",
                                 body="<p>Assez long pour le corps.</p>", latitude=45)


def test_actions_follow_the_phase(component, citizen, publish):
    proposal = publish(citizen)
    information = component.space.phases.get(title="Information")
    component.space.forced_phase = information
    component.space.save()
    component.refresh_from_db()
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.support(actor=citizen, proposal=proposal)
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=citizen, proposal=proposal, body="Trop tôt ?")
    with pytest.raises(PermissionDenied):
        services.create_proposal(actor=citizen, component=component, title="Hors phase",
                                 body="<p>Une idée hors de la phase.</p>")


def test_one_support_per_person_is_a_constraint(component, citizen, publish, make_user):
    proposal = publish(citizen)
    services.support(actor=citizen, proposal=proposal)
    with pytest.raises(ValidationError):
        services.support(actor=citizen, proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(proposal=proposal, user=citizen, component=component)
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    services.unsupport(actor=citizen, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 0
    with pytest.raises(ValidationError):
        services.unsupport(actor=citizen, proposal=proposal)


def test_support_limit(component, citizen, publish):
    _set(component, support_limit=2)
    proposals = [publish(citizen, title=f"Idée numéro {n}") for n in range(3)]
    services.support(actor=citizen, proposal=proposals[0])
    services.support(actor=citizen, proposal=proposals[1])
    with pytest.raises(ValidationError):
        services.support(actor=citizen, proposal=proposals[2])
    services.unsupport(actor=citizen, proposal=proposals[0])
    services.support(actor=citizen, proposal=proposals[2])
    assert Support.objects.filter(user=citizen).count() == 2


def test_support_minimum_counts_only_once_reached(component, citizen, make_user, publish):
    _set(component, support_minimum=3)
    a, b, c = (publish(citizen, title=f"Idée numéro {n}") for n in range(3))
    voter = make_user()

    def counts():
        return [Proposal.objects.get(pk=p.pk).support_count for p in (a, b, c)]

    services.support(actor=voter, proposal=a)
    services.support(actor=voter, proposal=b)
    assert counts() == [0, 0, 0]  # 2 supports < minimum 3: nothing counts yet
    services.support(actor=voter, proposal=c)
    assert counts() == [1, 1, 1]  # the third one makes all three count
    services.unsupport(actor=voter, proposal=b)
    assert counts() == [0, 0, 0]  # back under the minimum
    services.support(actor=voter, proposal=b)
    assert counts() == [1, 1, 1]


def test_threshold_can_cap_supports(component, citizen, make_user, publish):
    _set(component, support_threshold=2, threshold_caps_supports=True)
    proposal = publish(citizen)
    services.support(actor=make_user(), proposal=proposal)
    services.support(actor=make_user(), proposal=proposal)
    with pytest.raises(ValidationError):
        services.support(actor=make_user(), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 2


def test_threaded_comments_depth_votes_and_deletion(component, citizen, make_user, publish):
    proposal = publish(citizen)
    other = make_user()
    root = services.add_comment(actor=other, proposal=proposal, body="Pour !", alignment=1)
    parent = root
    for _n in range(5):  # replies deeper than 3 stay at depth 3
        parent = services.add_comment(actor=citizen, proposal=proposal, body="Réponse",
                                      parent=parent)
    depths = sorted(Comment.objects.filter(proposal=proposal).values_list("depth", flat=True))
    assert depths == [0, 1, 2, 3, 3, 3]
    proposal.refresh_from_db()
    assert proposal.comment_count == 6
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(proposal=proposal, author=citizen, body="x", depth=4,
                               parent=root)
    services.vote_comment(actor=citizen, comment=root, value=1)
    services.vote_comment(actor=make_user(), comment=root, value=-1)
    root.refresh_from_db()
    assert (root.up_count, root.down_count) == (1, 1)
    services.vote_comment(actor=citizen, comment=root, value=-1)  # changes side
    root.refresh_from_db()
    assert (root.up_count, root.down_count) == (0, 2)
    services.vote_comment(actor=citizen, comment=root, value=-1)  # same again: taken back
    root.refresh_from_db()
    assert (root.up_count, root.down_count) == (0, 1)
    services.delete_comment(actor=other, comment=root)
    root.refresh_from_db()
    assert root.is_deleted and root.body == ""
    proposal.refresh_from_db()
    assert proposal.comment_count == 5
    assert Notification.objects.filter(user=other, kind="reply").count() == 1


def test_reports_hide_automatically_and_the_author_sees_why(component, citizen, make_user,
                                                            publish):
    proposal = publish(citizen)
    reporters = [make_user() for _n in range(3)]
    services.report(actor=reporters[0], proposal=proposal, reason="spam")
    with pytest.raises(ValidationError):  # one report per person
        services.report(actor=reporters[0], proposal=proposal, reason="spam")
    services.report(actor=reporters[1], proposal=proposal, reason="offensive")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PUBLISHED
    services.report(actor=reporters[2], proposal=proposal, reason="other", details="Doublon")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.HIDDEN
    assert "3" in proposal.hidden_reason
    assert Notification.objects.filter(user=citizen, kind="moderation").exists()
    assert ModerationLog.objects.filter(action="proposal.hidden").count() == 1


def test_moderator_hides_and_unhides_with_reason(component, citizen, org_moderator, publish,
                                                 make_user):
    proposal = publish(citizen)
    with pytest.raises(PermissionDenied):
        services.hide_proposal(actor=make_user(), proposal=proposal, reason="Non")
    with pytest.raises(ValidationError):
        services.hide_proposal(actor=org_moderator, proposal=proposal, reason="  ")
    services.hide_proposal(actor=org_moderator, proposal=proposal, reason="Propos injurieux")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.hidden_reason) == ("hidden", "Propos injurieux")
    services.unhide_proposal(actor=org_moderator, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == "published" and proposal.hidden_reason == ""
    actions = list(ModerationLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["proposal.hidden", "proposal.unhidden"]


def test_premoderation(component, citizen, org_moderator, make_user):
    _set(component, premoderation=True)
    draft = services.create_proposal(actor=citizen, component=component, title="À modérer",
                                     body="<p>Une idée soumise à modération.</p>")
    pending = services.publish_proposal(actor=citizen, proposal=draft)
    assert pending.state == Proposal.State.PENDING and pending.published_at is None
    approved = services.approve_proposal(actor=org_moderator, proposal=pending)
    assert approved.state == Proposal.State.PUBLISHED
    comment = services.add_comment(actor=make_user(), proposal=approved, body="Bien vu")
    assert not comment.is_approved
    approved.refresh_from_db()
    assert approved.comment_count == 0
    services.approve_comment(actor=org_moderator, comment=comment)
    approved.refresh_from_db()
    assert approved.comment_count == 1


def test_blocked_person_cannot_participate(component, citizen, org_moderator, publish,
                                           organisation):
    proposal = publish(citizen)
    services.block_user(actor=org_moderator, organisation=organisation, user=citizen,
                        reason="Insultes répétées")
    citizen = type(citizen).objects.get(pk=citizen.pk)  # fresh rule caches
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=citizen, proposal=proposal, body="Je reviens")
    services.unblock_user(actor=org_moderator, organisation=organisation, user=citizen)
    citizen = type(citizen).objects.get(pk=citizen.pk)
    services.add_comment(actor=citizen, proposal=proposal, body="Je reviens")


def test_answers_batch_publication_notifies_author_and_followers(
        component, citizen, make_user, org_evaluator, publish,
        django_capture_on_commit_callbacks):
    first, second = publish(citizen, title="Une fontaine"), publish(citizen, title="Un kiosque")
    follower = make_user()
    services.toggle_follow(actor=follower, proposal=first)
    with pytest.raises(PermissionDenied):
        services.answer_proposal(actor=follower, proposal=first, state="accepted")
    services.answer_proposal(actor=org_evaluator, proposal=first, state="accepted",
                             text="<p>Retenue.</p>", cost=12000)
    services.answer_proposal(actor=org_evaluator, proposal=second, state="rejected",
                             text="<p>Hors budget.</p>")
    services.add_staff_note(actor=org_evaluator, proposal=first, body="Voir voirie")
    assert not Notification.objects.filter(kind="answer").exists()
    mail.outbox.clear()
    with pytest.raises(ValidationError):  # a custom state of another process is refused
        services.answer_proposal(actor=org_evaluator, proposal=first, state="custom")
    with django_capture_on_commit_callbacks(execute=True):
        count = services.publish_answers(actor=org_evaluator, component=component,
                                         proposal_ids=[first.pk, second.pk])
    assert count == 2
    assert Notification.objects.filter(kind="answer", user=citizen).count() == 2
    assert Notification.objects.filter(kind="answer", user=follower).count() == 1
    assert len(mail.outbox) == 3
    assert "/propositions/desabonnement/" in mail.outbox[0].body


def test_notification_frequency_and_unsubscribe(client, citizen, make_user, component, publish):
    from parlons.platform.proposals.tasks import send_daily_digests, unsubscribe_token

    proposal = publish(citizen)
    other = make_user()
    root = services.add_comment(actor=citizen, proposal=proposal, body="Premier")
    services.set_frequency(user=citizen, frequency="daily")
    mail.outbox.clear()
    services.add_comment(actor=other, proposal=proposal, body="Réponse", parent=root)
    assert len(mail.outbox) == 0  # digest, not immediate
    assert send_daily_digests() == 1
    assert len(mail.outbox) == 1 and "Réponse" not in mail.outbox[0].subject
    token = unsubscribe_token(citizen)
    assert client.get(f"/propositions/desabonnement/{token}/").status_code == 200
    assert services.frequency_of(citizen) == "daily"  # a GET changes nothing
    assert client.post(f"/propositions/desabonnement/{token}/").status_code == 200
    assert services.frequency_of(citizen) == "never"
    assert client.post("/propositions/desabonnement/forged-token/").status_code == 404


def test_agent_enters_a_proposal_for_a_citizen(component, citizen, make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    agent = make_user()
    OrganisationRole.objects.create(organisation=organisation, user=agent, role="agent")
    proposal = services.create_proposal(
        actor=agent, component=component, title="Un abri vélo", on_behalf_of=citizen,
        channel="stand", body="<p>Noté au stand du marché samedi.</p>")
    assert (proposal.author, proposal.created_by_agent, proposal.channel, proposal.state) == (
        citizen, agent, "stand", "published")
    with pytest.raises(PermissionDenied):
        services.create_proposal(actor=citizen, component=component, title="Pour un autre",
                                 on_behalf_of=agent, channel="phone",
                                 body="<p>Je ne suis pas agent.</p>")


def test_similar_proposals_use_the_french_core(component, citizen, publish):
    from parlons.platform.proposals.selectors import similar_proposals

    trees = publish(citizen, title="Planter des arbres sur la place du Marché",
                    body="<p>Des arbres pour l'ombre l'été.</p>")
    publish(citizen, title="Un parking vélo sécurisé", body="<p>Des arceaux couverts.</p>")
    found = similar_proposals(component, "Plantation d'arbres place du marche",
                              "<p>Plus d'ombre grâce aux arbres</p>")
    assert found and found[0][0] == trees


def test_notifications_are_written_in_the_recipients_language(component, citizen, make_user,
                                                              publish):
    proposal = publish(citizen, title="Un banc")
    root = services.add_comment(actor=citizen, proposal=proposal, body="Premier")
    english = make_user(language="en")
    other_root = services.add_comment(actor=english, proposal=proposal, body="First")
    replier = make_user(display_name="Alix")
    services.add_comment(actor=replier, proposal=proposal, body="Réponse", parent=root)
    services.add_comment(actor=replier, proposal=proposal, body="Reply", parent=other_root)
    assert Notification.objects.get(user=citizen).text == (
        "Alix a répondu à votre commentaire sur « Un banc ».")
    assert Notification.objects.get(user=english).text == (
        "Alix replied to your comment on “Un banc”.")
