"""Demo data of the proposals module: realistic, consistent counters, loaded once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

pytestmark = pytest.mark.django_db


def test_demo_proposals(client):
    from parlons.platform.proposals.models import Answer, Comment, Proposal, Support
    from parlons.platform.spaces.models import Component

    call_command("load_demo", verbosity=0)
    counts = (Proposal.objects.count(), Comment.objects.count(), Support.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Proposal.objects.count(), Comment.objects.count(), Support.objects.count()) == counts
    component = Component.objects.get(space__slug="place-du-marche", kind="proposals")
    proposals = Proposal.objects.filter(component=component).annotate(
        n_supports=Count("supports", distinct=True),
        n_comments=Count("comments", filter=Q(comments__is_deleted=False), distinct=True))
    assert 55 <= len(proposals) <= 65
    for proposal in proposals:
        assert proposal.support_count == proposal.n_supports
        assert proposal.comment_count == proposal.n_comments
    assert Answer.objects.filter(proposal__component=component, is_published=True).count() >= 5
    assert Comment.objects.filter(proposal__component=component).count() >= 100
    assert proposals.exclude(channel="online").exists()
    page = client.get(f"/participer/place-du-marche/c/{component.pk}/?sort=supported")
    assert page.status_code == 200
    assert "Planter des platanes côté mairie" in client.get(
        f"/participer/place-du-marche/c/{component.pk}/?q=platanes").content.decode()
